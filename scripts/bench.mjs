#!/usr/bin/env node
// `npm run bench`: packets/s and peak memory of `stagediff analyze` on generated GWLB capture sets
// (4 files: PA-VM-1/2 x receive/transmit), with tshark field extraction timed in the same run.
// Options: --sizes 250M,500M,1G,2G (default 1G)  --variant pcap-le-us  --tshark-packets N
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const parseSize = (s) => {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  return Math.round(Number(m[1]) * { '': 1, K: 1e3, M: 1e6, G: 1e9 }[m[2].toUpperCase()]);
};
const sizes = opt('sizes', '1G').split(',').map(parseSize);
const variant = opt('variant', 'pcap-le-us');
const tsharkPackets = Number(opt('tshark-packets', '300000'));
const dataDir = join(root, 'bench-data');

function generate(bytes) {
  const dir = join(dataDir, `${variant}-${bytes}`);
  if (!existsSync(join(dir, 'bulk.json'))) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`generating ${(bytes / 1e6).toFixed(0)} MB in ${dir}\n`);
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'tests/gen/cli.ts'), 'bulk', variant, dir, '--bytes', String(bytes)], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('generator failed');
  }
  const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(dir, f));
  const total = files.reduce((s, f) => s + statSync(f).size, 0);
  return { dir, files, total };
}

/** Runs a command, polling /proc for its peak resident memory (VmHWM). */
function measure(cmd, argv) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = 0;
    let lines = 0;
    child.stdout.on('data', (d) => {
      out += d.length;
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
    });
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {}
    }, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      resolve({ code, secs, peakMb: peakKb / 1024, outBytes: out, lines });
    });
  });
}

function countPackets(dir) {
  const j = JSON.parse(readFileSync(join(dir, 'bulk.json'), 'utf8'));
  return j.files.reduce((s, f) => s + f.packets, 0);
}

const rows = [];
for (const size of sizes) {
  const { dir, files, total } = generate(size);
  const packets = countPackets(dir);
  const r = await measure(process.execPath, [join(root, 'bin', 'stagediff.mjs'), 'analyze', '--json', ...files]);
  if (r.code !== 0) throw new Error(`analyze failed (${r.code})`);
  rows.push({ bytes: total, packets, secs: r.secs, pps: packets / r.secs, mbps: total / 1e6 / r.secs, peakMb: r.peakMb, bytesPerPacket: (r.peakMb * 1048576) / packets });
  process.stderr.write(`analyze ${(total / 1e6).toFixed(0)} MB: ${r.secs.toFixed(2)} s\n`);
}

let tshark = null;
const which = spawnSync('sh', ['-c', 'command -v tshark']);
if (which.status === 0) {
  const { files } = generate(sizes[0]);
  const fields = ['frame.number', 'frame.time_epoch', 'ip.src', 'ip.dst', 'geneve.option.class', 'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.seq_raw', 'tcp.len'];
  const r = await measure('tshark', ['-n', '-r', files[0], '-c', String(tsharkPackets), '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])]);
  const n = r.lines;
  tshark = { packets: n, secs: r.secs, pps: n / r.secs };
}

const fmt = (x, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log('\nstagediff analyze --json (4 files, GWLB GENEVE traffic, ' + variant + ')');
console.log('  size MB    packets     seconds   packets/s    MB/s   peak RSS MB   RSS bytes/packet');
for (const r of rows) {
  console.log(`  ${fmt(r.bytes / 1e6).padStart(7)}  ${fmt(r.packets).padStart(10)}  ${fmt(r.secs, 2).padStart(9)}  ${fmt(r.pps).padStart(10)}  ${fmt(r.mbps).padStart(6)}  ${fmt(r.peakMb).padStart(11)}  ${fmt(r.bytesPerPacket).padStart(16)}`);
}
for (let i = 1; i < rows.length; i++) {
  console.log(`  time ratio ${fmt(rows[i].bytes / 1e6)} MB / ${fmt(rows[i - 1].bytes / 1e6)} MB: ${fmt(rows[i].secs / rows[i - 1].secs, 2)}x for ${fmt(rows[i].bytes / rows[i - 1].bytes, 2)}x input`);
}
if (tshark) {
  console.log(`tshark -T fields (first ${fmt(tshark.packets)} packets of one file): ${fmt(tshark.secs, 2)} s, ${fmt(tshark.pps)} packets/s`);
  console.log(`  stagediff / tshark packets/s: ${fmt(rows[rows.length - 1].pps / tshark.pps, 1)}x`);
}
writeFileSync(join(dataDir, 'bench-results.json'), JSON.stringify({ variant, rows, tshark, date: new Date().toISOString() }, null, 2));
