#!/usr/bin/env node
// `npm run bench`: speed and memory of `stagediff analyze --json` on generated GWLB capture sets
// (4 files: PA-VM-1/2 x receive/transmit, tests/gen/cli.ts bulk), against two references taken in
// the same run: a minimal C loop over the same records with libpcap (scripts/bench-c/pcaploop.c,
// built here with gcc -O2 -lpcap) and tshark field extraction. Reports ratios, never timed tests.
//
//   node scripts/bench.mjs [--sizes 250M,500M,1G,2G] [--huge 10G] [--runs N] [--no-tshark] [--no-c]
//                          [--variant pcap-le-us] [--tshark-packets N] [--data DIR] [--out FILE]
//                          [--keep-huge] [--no-install] [--profile]
//
// --sizes    capture sets to measure (decimal units: 1G = 1e9 bytes over the 4 files). Generated
//            once into DIR/VARIANT-BYTES and reused.
// --huge S   also generate (streaming, after checking free disk space) and analyze a set of size S,
//            sampling RSS through the run; the set is deleted afterwards unless --keep-huge.
// --runs N   analyze (and the C loop) N times per size; the fastest run is reported (default 1).
// --data     where capture sets go (default bench-data/); --out the JSON results
//            (default DATA/bench-results.json).
// --profile  after the timed runs, one more analyze of the 1G set (else the largest) under
//            node --cpu-prof (DATA/profile-SIZE/, one .cpuprofile per thread), summarised by
//            scripts/profile-summary.mjs (self time per function and hot source lines).
// Exit status: 0 when every run completed (targets missed or not), 1 when a run failed.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem, release, loadavg } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { captureSet, cliArgs, log, parseSize, root, setDir as bulkDir, sizeLabel } from './bench-sets.mjs';

// `stagediff analyze` is run exactly as a user runs it: on a machine with several cores it
// analyses in worker threads in this one process (no re-execution for a bigger heap, see
// bin/stagediff.cjs). With STAGEDIFF_THREADS=1 it re-executes itself; GNU time then reports the
// peak of the child that analyses.

const { flag, opt } = cliArgs();

const sizes = opt('sizes', '250M,500M,1G,2G').split(',').map(parseSize).sort((a, b) => a - b);
const huge = opt('huge', null) ? parseSize(opt('huge')) : null;
const variant = opt('variant', 'pcap-le-us');
const runs = Math.max(1, Number(opt('runs', '1')));
const tsharkPackets = Number(opt('tshark-packets', '300000'));
const dataDir = resolve(opt('data', join(root, 'bench-data')));
const outFile = resolve(opt('out', join(dataDir, 'bench-results.json')));
mkdirSync(dataDir, { recursive: true });

// ---------------------------------------------------------------------------------------------
// Capture sets

const setDir = (bytes) => bulkDir(dataDir, variant, bytes);
const generate = (bytes) => captureSet(dataDir, variant, bytes);

// ---------------------------------------------------------------------------------------------
// Measuring a process: wall time, CPU time (user + system) and peak RSS from wait4's rusage via
// GNU time when installed (exact), else from /proc/PID polling every 10 ms (VmHWM; utime+stime of
// the last sample). RSS is also sampled through the run (rssSeries: [seconds, MB], at most ~1 per
// 250 ms) to show that it stays bounded.

const GNU_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%e', 'true']).status === 0 ? '/usr/bin/time' : null;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

function readProc(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      hwmKb: Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0),
      rssKb: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0),
      threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0),
      cpuSecs: (Number(f[11]) + Number(f[12])) / CLK_TCK, // fields 14 and 15: utime, stime
    };
  } catch {
    return null;
  }
}

/**
 * Runs a command and measures it. Its output goes to a file (as `> out` would), read once it has
 * ended: this process reading a pipe meanwhile (10 MB of JSON for the 1 GB set) took CPU from
 * the run it measures, on the same two cores. /proc is polled for the peak RSS only without GNU
 * time (its rusage has it), else now and then for the RSS series and the thread count.
 */
function measure(cmd, argv, { keepStdout = false, env = undefined } = {}) {
  return new Promise((resolvePromise, reject) => {
    const base = join(tmpdir(), `stagediff-bench-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const timeFile = `${base}.time`;
    const outFile = `${base}.out`;
    const outFd = openSync(outFile, 'w');
    const [c, a] = GNU_TIME ? [GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...argv]] : [cmd, argv];
    const t0 = process.hrtime.bigint();
    const child = spawn(c, a, { stdio: ['ignore', outFd, 'pipe'], env: env ? { ...process.env, ...env } : process.env });
    closeSync(outFd);
    let stderr = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 20000) stderr += d;
    });
    let pid = GNU_TIME ? null : child.pid;
    let last = null;
    let peakKb = 0;
    let maxThreads = 0;
    const rssSeries = [];
    let lastSampleAt = -1;
    const poll = setInterval(() => {
      if (pid === null) {
        try {
          const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
          if (kids) pid = Number(kids.split(' ')[0]);
        } catch {}
        if (pid === null) return;
      }
      const s = readProc(pid);
      if (!s) return;
      last = s;
      peakKb = Math.max(peakKb, s.hwmKb);
      maxThreads = Math.max(maxThreads, s.threads);
      const t = Number(process.hrtime.bigint() - t0) / 1e9;
      if (t - lastSampleAt >= 0.25) {
        rssSeries.push([+t.toFixed(2), +(s.rssKb / 1024).toFixed(1)]);
        lastSampleAt = t;
      }
    }, GNU_TIME ? 50 : 10);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const out = readFileSync(outFile);
      rmSync(outFile, { force: true });
      let lines = 0;
      for (let i = out.indexOf(10); i !== -1; i = out.indexOf(10, i + 1)) lines++;
      const outBytes = out.length;
      let secs = wall;
      let cpuSecs = last?.cpuSecs ?? NaN;
      let peakMb = peakKb / 1024;
      let source = 'proc-poll';
      if (GNU_TIME && existsSync(timeFile)) {
        const lastLine = readFileSync(timeFile, 'utf8').trim().split('\n').pop();
        rmSync(timeFile, { force: true });
        const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(lastLine);
        if (m) {
          cpuSecs = Number(m[2]) + Number(m[3]);
          peakMb = Math.max(peakMb, Number(m[4]) / 1024);
          source = 'rusage';
        }
      }
      resolvePromise({ code, secs, cpuSecs, peakMb, outBytes, lines, stdout: keepStdout ? out : null, stderr, rssSeries, maxThreads, source });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The C baseline

function ensureGccAndLibpcap() {
  const have = () => spawnSync('sh', ['-c', 'command -v gcc']).status === 0 && existsSync('/usr/include/pcap/pcap.h');
  if (have()) return true;
  if (flag('no-install')) return false;
  log('installing gcc and libpcap-dev for the C baseline (apt-get)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (a) => spawnSync(sudo[0] ?? a[0], [...sudo.slice(1), ...(sudo.length ? a : a.slice(1))], { stdio: ['ignore', 'ignore', 'inherit'], env });
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'gcc', 'libc6-dev', 'libpcap-dev']);
  return have();
}

function buildC() {
  if (flag('no-c')) return null;
  if (!ensureGccAndLibpcap()) {
    log('no gcc/libpcap-dev: skipping the C baseline');
    return null;
  }
  const src = join(root, 'scripts', 'bench-c', 'pcaploop.c');
  const bin = join(dataDir, 'pcaploop');
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    const r = spawnSync('gcc', ['-O2', '-o', bin, src, '-lpcap'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) {
      log('gcc failed: skipping the C baseline');
      return null;
    }
  }
  return bin;
}

async function runC(bin, files) {
  const r = await measure(bin, files, { keepStdout: true });
  if (r.code !== 0) throw new Error(`pcaploop failed (${r.code}): ${r.stderr}`);
  const j = JSON.parse(r.stdout.toString());
  return { secs: r.secs, cpuSecs: r.cpuSecs, packets: j.packets, checksum: /"checksum":(\d+)/.exec(r.stdout.toString())?.[1] ?? null, peakMb: r.peakMb };
}

// ---------------------------------------------------------------------------------------------
// stagediff analyze

async function runAnalyze(files, expectPackets) {
  // STAGEDIFF_TIMING: the phases' times and CPU/wall on stderr (the index phase decodes the
  // captures in the worker threads: its CPU/wall says whether both cores did).
  // The command as installed: bin/stagediff.cjs run through its first line (which clears
  // NODE_EXTRA_CA_CERTS), with this node first on the PATH.
  const r = await measure(join(root, 'bin', 'stagediff.cjs'), ['analyze', '--json', ...files], {
    keepStdout: true,
    env: { STAGEDIFF_TIMING: '1', PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` },
  });
  if (r.code !== 0) throw new Error(`analyze failed (${r.code}): ${r.stderr}`);
  const phases = /index (\d+) ms \(cpu\/wall ([\d.]+)\), analysis\+output (\d+) ms \(cpu\/wall ([\d.]+)\)/.exec(r.stderr);
  let packetsRead = null;
  let findings = null;
  let flows = null;
  try {
    const j = JSON.parse(r.stdout.toString());
    packetsRead = j.captures.reduce((s, c) => s + c.packets, 0);
    findings = j.findings.length;
    flows = j.flows.length;
  } catch (e) {
    log(`could not parse analyze's JSON (${r.outBytes} bytes): ${e.message}`);
  }
  if (packetsRead !== null && packetsRead !== expectPackets) log(`warning: analyze read ${packetsRead} packets, the files hold ${expectPackets}`);
  return {
    secs: r.secs,
    cpuSecs: r.cpuSecs,
    cpuRatio: r.cpuSecs / r.secs,
    indexMs: phases ? Number(phases[1]) : null,
    indexCpuRatio: phases ? Number(phases[2]) : null,
    analysisMs: phases ? Number(phases[3]) : null,
    analysisCpuRatio: phases ? Number(phases[4]) : null,
    // Which thread read which file when (ms since start): how far apart the lanes finish.
    lanes: /timing: lanes: (.*)/.exec(r.stderr)?.[1] ?? null,
    peakMb: r.peakMb,
    outBytes: r.outBytes,
    packetsRead,
    flows,
    findings,
    maxThreads: r.maxThreads,
    rssSeries: r.rssSeries,
    source: r.source,
  };
}

/** Reads the files once so every timed run starts from the page cache. */
function warm(files) {
  spawnSync('sh', ['-c', 'cat "$@" > /dev/null', 'sh', ...files]);
}

const best = (list) => list.reduce((a, b) => (b.secs < a.secs ? b : a));

async function measureSet(bytes, cBin) {
  const g0 = Date.now();
  const fresh = !existsSync(join(setDir(bytes), 'bulk.json'));
  const set = generate(bytes);
  const generatedSecs = fresh ? (Date.now() - g0) / 1000 : null;
  warm(set.files);
  const cRuns = [];
  const aRuns = [];
  for (let i = 0; i < runs; i++) {
    if (cBin) cRuns.push(await runC(cBin, set.files));
    aRuns.push(await runAnalyze(set.files, set.packets));
  }
  const a = best(aRuns);
  const c = cRuns.length ? best(cRuns) : null;
  if (c && c.packets !== set.packets) log(`warning: libpcap read ${c.packets} records, bulk.json says ${set.packets}`);
  const row = {
    label: sizeLabel(bytes),
    bytes: set.total,
    files: set.files.length,
    packets: set.packets,
    analyze: { ...a, pps: set.packets / a.secs, mbps: set.total / 1e6 / a.secs, allSecs: aRuns.map((x) => +x.secs.toFixed(3)) },
    c: c ? { ...c, pps: c.packets / c.secs } : null,
    cRatio: c ? a.secs / c.secs : null,
  };
  log(`analyze ${row.label}: ${a.secs.toFixed(2)} s (cpu ${a.cpuSecs.toFixed(2)} s, peak RSS ${a.peakMb.toFixed(0)} MB)${c ? `; C loop ${c.secs.toFixed(3)} s` : ''}`);
  return { row, set, generatedSecs };
}

// ---------------------------------------------------------------------------------------------
// Run

const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model ?? '?',
  memTotalMb: Math.round(totalmem() / 1048576),
  node: process.version,
  kernel: release(),
  loadAvgStart: loadavg().map((x) => +x.toFixed(2)),
};
const cBin = buildC();
const rows = [];
for (const size of sizes) rows.push((await measureSet(size, cBin)).row);
for (const r of rows) delete r.analyze.rssSeries;

// Linearity: consecutive sizes.
const doubling = [];
for (let i = 1; i < rows.length; i++) {
  const a = rows[i - 1];
  const b = rows[i];
  doubling.push({ from: a.label, to: b.label, inputRatio: b.bytes / a.bytes, timeRatio: b.analyze.secs / a.analyze.secs, cTimeRatio: a.c && b.c ? b.c.secs / a.c.secs : null });
}

// Memory per packet: the growth of peak RSS between the two largest sets over the growth in
// packets, and the least-squares slope of peak RSS against packets over every size.
let memory = null;
if (rows.length >= 2) {
  const [a, b] = rows.slice(-2);
  const xs = rows.map((r) => r.packets);
  const ys = rows.map((r) => r.analyze.peakMb * 1048576);
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  memory = {
    growthBytesPerPacket: ((b.analyze.peakMb - a.analyze.peakMb) * 1048576) / (b.packets - a.packets),
    between: [a.label, b.label],
    fitBytesPerPacket: slope,
    fitInterceptMb: (my - slope * mx) / 1048576,
    method: `(peak RSS at ${b.label} - peak RSS at ${a.label}) / (packets at ${b.label} - packets at ${a.label}); fit = least-squares slope of peak RSS over packets for every size`,
  };
}

// tshark field extraction on the first file of the 1 GB set (or the largest measured), capped.
let tshark = null;
if (!flag('no-tshark') && spawnSync('sh', ['-c', 'command -v tshark']).status === 0) {
  const ref = rows.find((r) => r.label === '1G') ?? rows[rows.length - 1];
  const { files } = generate(sizes[rows.indexOf(ref)]);
  const fields = ['frame.number', 'frame.time_epoch', 'ip.src', 'ip.dst', 'geneve.option.class', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.seq_raw', 'tcp.len'];
  log(`tshark -T fields on ${files[0]} (first ${tsharkPackets} packets)`);
  const r = await measure('tshark', ['-n', '-r', files[0], '-c', String(tsharkPackets), '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])]);
  tshark = { file: files[0], packets: r.lines, secs: r.secs, pps: r.lines / r.secs, peakMb: r.peakMb, comparedWith: ref.label, ratio: ref.analyze.pps / (r.lines / r.secs) };
}

// The huge set: generated streaming into DATA after checking the free space; RSS sampled.
let hugeResult = null;
if (huge) {
  const dir = setDir(huge);
  const have = existsSync(join(dir, 'bulk.json'));
  const fs = statfsSync(dataDir);
  const free = fs.bavail * fs.bsize;
  if (!have && free < huge * 1.1 + 2e9) {
    log(`not enough disk for --huge ${sizeLabel(huge)}: ${(free / 1e9).toFixed(1)} GB free in ${dataDir}`);
    hugeResult = { label: sizeLabel(huge), skipped: `only ${(free / 1e9).toFixed(1)} GB free` };
  } else {
    const { row, generatedSecs: genSecs } = await measureSet(huge, cBin);
    const ref = rows[rows.length - 1];
    const perPacket = memory ? Math.max(memory.growthBytesPerPacket, 0) : 64;
    // Bounded: the peak stays within what the per-packet target (64 B) allows above the largest
    // regular set; never proportional to file size beyond that.
    const boundMb = ref ? ref.analyze.peakMb + (64 * (row.packets - ref.packets)) / 1048576 : null;
    hugeResult = {
      ...row,
      generatedSecs: genSecs,
      rssSeries: row.analyze.rssSeries,
      predictedPeakMb: ref ? ref.analyze.peakMb + (perPacket * (row.packets - ref.packets)) / 1048576 : null,
      boundMb,
      bounded: boundMb !== null ? row.analyze.peakMb <= boundMb : null,
      completed: row.analyze.packetsRead === row.packets,
    };
    delete hugeResult.analyze.rssSeries;
    if (!flag('keep-huge') && !have) rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Profile (not timed)

let profile = null;
if (flag('profile')) {
  const ref = rows.find((r) => r.label === '1G') ?? rows[rows.length - 1];
  const { files } = generate(sizes[rows.indexOf(ref)]);
  const dir = join(dataDir, `profile-${ref.label}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`profiling analyze on ${ref.label} into ${dir}`);
  const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, join(root, 'bin', 'stagediff.cjs'), 'analyze', '--json', ...files], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`profiled analyze failed (${r.status})`);
  const summary = spawnSync(process.execPath, [join(root, 'scripts', 'profile-summary.mjs'), '--top', '15', dir], { encoding: 'utf8' });
  profile = { dir, summary: summary.stdout };
}

// ---------------------------------------------------------------------------------------------
// Targets (issue 6) and report

const at1G = rows.find((r) => r.label === '1G') ?? null;
const main = at1G ?? rows[rows.length - 1];
const targets = [];
const target = (name, value, cmp, limit, unit, note) => targets.push({ name, value, target: `${cmp} ${limit}${unit}`, pass: value === null || value === undefined || Number.isNaN(value) ? null : cmp === '<=' ? value <= limit : value >= limit, at: note });
target('analyze time / C libpcap loop', main.cRatio, '<=', 3, 'x', main.label);
target('packets/s end to end', main.analyze.pps, '>=', 1.5e6, '', main.label);
target('stagediff / tshark packets/s', tshark?.ratio ?? null, '>=', 100, 'x', tshark?.comparedWith);
target('peak RSS MB', at1G?.analyze.peakMb ?? null, '<=', 400, ' MB', '1G');
target('memory growth B/packet', memory?.growthBytesPerPacket ?? null, '<=', 64, ' B', memory?.between.join('->'));
for (const d of doubling) target(`time ratio ${d.from}->${d.to}`, d.timeRatio, '<=', 2.1, 'x', `${d.inputRatio.toFixed(2)}x input`);
target('decoding on both cores: CPU/wall', main.analyze.indexCpuRatio, '>=', 1.8, '', `${main.label}, index phase`);
if (hugeResult && !hugeResult.skipped) target(`${hugeResult.label} completes, bounded RSS`, hugeResult.completed && hugeResult.bounded ? 1 : 0, '>=', 1, '', `peak ${hugeResult.analyze.peakMb.toFixed(0)} MB`);

machine.loadAvgEnd = loadavg().map((x) => +x.toFixed(2));
const results = { version: 1, date: new Date().toISOString(), machine, variant, runs, sizes: rows.map((r) => r.label), rows, doubling, memory, tshark, huge: hugeResult, targets };
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);

const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const out = [];
out.push(`stagediff analyze --json, 4-file GWLB set (${variant}); ${machine.cpus} x ${machine.model}, node ${machine.node}; best of ${runs}`);
out.push('  size   packets     analyze s  cpu/wall  index s (cpu/wall)  packets/s   MB/s  peak RSS MB   C loop s  /C');
for (const r of [...rows, ...(hugeResult && !hugeResult.skipped ? [hugeResult] : [])]) {
  out.push(
    `  ${r.label.padEnd(5)} ${fmt(r.packets).padStart(10)}  ${fmt(r.analyze.secs, 2).padStart(9)}  ${fmt(r.analyze.cpuRatio, 2).padStart(8)}  ${fmt(r.analyze.indexMs / 1e3, 2).padStart(7)} (${fmt(r.analyze.indexCpuRatio, 2)})${' '.repeat(6)}  ${fmt(r.analyze.pps).padStart(9)}  ${fmt(r.analyze.mbps).padStart(5)}  ${fmt(r.analyze.peakMb).padStart(11)}  ${fmt(r.c?.secs, 3).padStart(9)}  ${fmt(r.cRatio, 1).padStart(4)}x`,
  );
}
if (memory) out.push(`  memory: ${fmt(memory.growthBytesPerPacket, 1)} B/packet (${memory.between.join(' -> ')} peak RSS growth / packets growth); fit over all sizes ${fmt(memory.fitBytesPerPacket, 1)} B/packet + ${fmt(memory.fitInterceptMb)} MB`);
if (tshark) out.push(`  tshark -T fields: ${fmt(tshark.packets)} packets in ${fmt(tshark.secs, 2)} s = ${fmt(tshark.pps)} packets/s; stagediff at ${tshark.comparedWith} is ${fmt(tshark.ratio, 1)}x`);
if (hugeResult?.skipped) out.push(`  ${hugeResult.label}: skipped (${hugeResult.skipped})`);
else if (hugeResult) out.push(`  ${hugeResult.label}: ${hugeResult.completed ? 'completed' : 'INCOMPLETE'}, peak RSS ${fmt(hugeResult.analyze.peakMb)} MB (bound ${fmt(hugeResult.boundMb)} MB = ${rows.at(-1)?.label} peak + 64 B x extra packets; ${fmt(hugeResult.predictedPeakMb)} MB predicted by the measured growth)`);
out.push('  target                                 value          target    ');
for (const t of targets) {
  const v = t.value === null || t.value === undefined ? '-' : Math.abs(t.value) >= 1000 ? fmt(t.value) : fmt(t.value, 2);
  out.push(`  ${t.pass === null ? '    ' : t.pass ? 'ok  ' : 'MISS'} ${t.name.padEnd(34)} ${v.padStart(12)}  ${t.target.padEnd(10)} ${t.at ?? ''}`);
}
out.push(`load average at start ${machine.loadAvgStart.join(' ')}, at end ${machine.loadAvgEnd.join(' ')} (other work on the machine skews the times)`);
out.push(`results: ${outFile}`);
if (profile) out.push(`\nprofile (${profile.dir}):${profile.summary}`);
console.log(out.join('\n'));
