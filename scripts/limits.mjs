#!/usr/bin/env node
/**
 * Resource limits: big captures through the indexer and the analysis, with peak memory, bytes per
 * packet, progress and a check for quadratic paths (each case is also run at a quarter of its
 * size: linear work takes ~4x as long for 4x the packets, quadratic work ~16x).
 *
 *   node scripts/limits.mjs [--scale full|ci] [--dir DIR] [--json FILE] [--cli] [--keep] [--only KIND,...]
 *                           [--index-only] [--two-stages] [--timeout SECONDS]
 *   npm run limits            -> full scale: 10M tiny packets, one flow of 5M packets, 1M flows
 *
 * `--two-stages` analyses each file as the receive and the transmit stage of one firewall (indexed
 * twice), so that every packet is matched across stages; `--index-only` skips the analysis.
 * `--scale ci` (1M tiny packets, one flow of 500k packets, 200k flows) is what
 * tests/robustness/limits.test.ts runs inside `npm test`. `--cli` also times the whole
 * `stagediff analyze --json FILE` (output counted, not kept), polling /proc for its peak memory.
 * Captures are written by tests/robustness/limits-harness.ts with the streaming pcap writer
 * (shared/writers/pcap.ts) into DIR (default: the system temp folder) and deleted afterwards.
 */
import os from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// The heap the CLI would give itself, passed directly so the measured process is the one that
// analyses (bin/stagediff.cjs re-executes itself with this flag otherwise).
const HEAP_FLAG = `--max-old-space-size=${Math.max(4096, Math.min(32768, Math.floor((os.totalmem() / 1048576) * 0.75)))}`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const scale = opt('scale', 'full');
const dir = opt('dir', join(tmpdir(), `stagediff-limits-${process.pid}`));
const jsonOut = opt('json', null);
const withCli = args.includes('--cli');
const keep = args.includes('--keep');
const indexOnly = args.includes('--index-only');
const twoStages = args.includes('--two-stages');
const timeoutSecs = Number(opt('timeout', '7200'));
const SIZES = {
  full: { tiny: 10_000_000, 'one-flow': 5_000_000, 'many-flows': 1_000_000, 'many-udp': 1_000_000 },
  ci: { tiny: 1_000_000, 'one-flow': 500_000, 'many-flows': 200_000, 'many-udp': 200_000 },
}[scale];
if (!SIZES) {
  console.error('usage: node scripts/limits.mjs [--scale full|ci] [--dir DIR] [--json FILE] [--cli] [--keep] [--only KIND,...]');
  process.exit(2);
}
const only = opt('only', null)?.split(',') ?? ['tiny', 'one-flow', 'many-flows'];

mkdirSync(dir, { recursive: true });
const harness = join(dir, 'limits-harness.mjs');
await build({
  absWorkingDir: root,
  entryPoints: ['tests/robustness/limits-harness.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: harness,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

function harnessRun(argv) {
  const r = spawnSync(process.execPath, [HEAP_FLAG, harness, ...argv], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: timeoutSecs * 1000 });
  if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGTERM') return { timedOut: true, secs: timeoutSecs };
  if (r.status !== 0) {
    if (argv[0] === 'gen') throw new Error(`harness ${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
    // The run itself died (e.g. V8 heap out of memory): a result, not an error of this script.
    const fatal = /FATAL ERROR: [^\n]*/.exec(r.stderr)?.[0] ?? r.stderr.trim().split('\n').slice(-3).join(' ');
    return { failed: `${r.signal ?? `exit ${r.status}`}: ${fatal}` };
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** `stagediff analyze --json FILE`, peak memory from /proc/PID/status (VmHWM). */
function cli(file) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [HEAP_FLAG, join(root, 'bin', 'stagediff.cjs'), 'analyze', '--json', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let outBytes = 0;
    let err = '';
    child.stdout.on('data', (d) => (outBytes += d.length));
    child.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // exited
      }
    }, 20);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, secs: (performance.now() - t0) / 1000, peakRssMb: peakKb / 1024, outBytes, stderrTail: err.trim().split('\n').slice(-3).join('\n') });
    });
  });
}

/** Progress: number of reports, longest time between two, throughput of the last quarter vs the first. */
function progressStats(p, indexSecs) {
  let maxGap = p.length ? p[0][0] : indexSecs;
  let monotonic = true;
  for (let i = 1; i < p.length; i++) {
    maxGap = Math.max(maxGap, p[i][0] - p[i - 1][0]);
    if (p[i][1] < p[i - 1][1] || p[i][2] < p[i - 1][2]) monotonic = false;
  }
  let lastVsFirst = null;
  if (p.length >= 8) {
    const q = Math.floor(p.length / 4);
    const rate = (a, b) => (p[b][2] - p[a][2]) / (p[b][0] - p[a][0]);
    lastVsFirst = rate(p.length - 1 - q, p.length - 1) / rate(0, q);
  }
  return { reports: p.length, maxGapSecs: maxGap, monotonic, lastQuarterVsFirstQuarter: lastVsFirst };
}

const results = [];
for (const kind of only) {
  const n = SIZES[kind];
  const runs = {};
  for (const [label, count] of [['quarter', Math.floor(n / 4)], ['full', n]]) {
    if (label === 'full' && (runs.quarter.run.timedOut || runs.quarter.run.failed)) {
      runs.full = { gen: { packets: null, flows: null }, run: { timedOut: true }, size: null, cli: null };
      break;
    }
    const file = join(dir, `${kind}-${count}.pcap`);
    const g = harnessRun(['gen', kind, String(count), file]);
    const r = harnessRun(['run', file, ...(indexOnly ? ['--index-only'] : []), ...(twoStages ? ['--two-stages'] : [])]);
    const size = statSync(file).size;
    const c = label === 'full' && withCli && !r.timedOut && !r.failed ? await cli(file) : null;
    if (!keep) rmSync(file, { force: true });
    runs[label] = { gen: g, run: r, size, cli: c };
  }
  const f = runs.full.run;
  const q = runs.quarter.run;
  if (f.timedOut || q.timedOut || f.failed || q.failed) {
    const bad = q.timedOut || q.failed ? q : f;
    const why = bad.failed ? `FAILED (${bad.failed})` : `DID NOT FINISH within ${timeoutSecs} s`;
    const row = {
      kind,
      size: n,
      timedOut: Boolean(bad.timedOut),
      failed: bad.failed ?? null,
      timeoutSecs,
      quarter: q.timedOut || q.failed ? { size: Math.floor(n / 4), timedOut: Boolean(q.timedOut), failed: q.failed ?? null } : { packets: q.packets, indexSecs: q.indexSecs, analyzeSecs: q.analyzeSecs, peakRssMb: q.peakRssMb },
    };
    results.push(row);
    console.log(`${kind} (${n}): ${why}${bad === q ? ` at a quarter of the size (${Math.floor(n / 4)})` : `; quarter size: index ${q.indexSecs.toFixed(2)} s, analysis ${q.analyzeSecs.toFixed(2)} s, peak ${q.peakRssMb.toFixed(0)} MiB`}`);
    continue;
  }
  const row = {
    kind,
    twoStages,
    packets: f.packets,
    flows: f.flows,
    fileBytes: runs.full.size,
    errors: f.errors,
    findings: f.findings,
    genSecs: runs.full.gen.secs,
    indexSecs: f.indexSecs,
    analyzeSecs: f.analyzeSecs,
    indexPacketsPerSec: f.packets / f.indexSecs,
    rssAfterIndexMb: f.rssAfterIndexMb,
    peakRssMb: f.peakRssMb,
    baselineRssMb: f.baselineRssMb,
    bytesPerPacket: ((f.rssAfterIndexMb - f.baselineRssMb) * 1048576) / f.packets,
    peakBytesPerPacket: ((f.peakRssMb - f.baselineRssMb) * 1048576) / f.packets,
    progress: progressStats(f.progress, f.indexSecs),
    // 4x the packets: ~4 when linear, ~16 when quadratic.
    indexScaling: f.indexSecs / q.indexSecs,
    analyzeScaling: indexOnly ? null : f.analyzeSecs / q.analyzeSecs,
    quarter: { packets: q.packets, indexSecs: q.indexSecs, analyzeSecs: q.analyzeSecs, peakRssMb: q.peakRssMb },
    cli: runs.full.cli,
  };
  results.push(row);
  console.log(
    `${kind}: ${row.packets} packets, ${row.flows} flows, ${(row.fileBytes / 1e6).toFixed(0)} MB; ` +
      `index ${row.indexSecs.toFixed(2)} s (${(row.indexPacketsPerSec / 1e6).toFixed(2)} M packets/s)${indexOnly ? '' : `, analysis ${row.analyzeSecs.toFixed(2)} s`}; ` +
      `peak RSS ${row.peakRssMb.toFixed(0)} MiB (${row.bytesPerPacket.toFixed(0)} B/packet after indexing, ${row.peakBytesPerPacket.toFixed(0)} B/packet at peak); ` +
      `progress ${row.progress.reports} reports, max gap ${row.progress.maxGapSecs.toFixed(2)} s, last/first quarter rate ${row.progress.lastQuarterVsFirstQuarter?.toFixed(2) ?? '-'}; ` +
      `4x packets: index x${row.indexScaling.toFixed(1)}${indexOnly ? '' : `, analysis x${row.analyzeScaling.toFixed(1)}`}` +
      (row.cli ? `; CLI exit ${row.cli.code}${row.cli.signal ? ` ${row.cli.signal}` : ''} in ${row.cli.secs.toFixed(1)} s, peak ${row.cli.peakRssMb.toFixed(0)} MiB, ${(row.cli.outBytes / 1e6).toFixed(0)} MB of JSON${row.cli.code ? `: ${row.cli.stderrTail}` : ''}` : ''),
  );
}
if (!keep) rmSync(dir, { recursive: true, force: true });
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ scale, results }, null, 2)}\n`);
