#!/usr/bin/env node
// Summarises V8 .cpuprofile files (from `node --cpu-prof`): self time per function and per source
// file, for each profile (one per thread: the main thread and every worker) and for all together.
//   node scripts/profile-summary.mjs [--top N] [--json] FILE_OR_DIR...
// `npm run profile` records one: node --cpu-prof on `stagediff analyze --json` over the 1 GB bench
// set, then runs this on the result.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const topIdx = args.indexOf('--top');
const top = topIdx >= 0 ? Number(args[topIdx + 1]) : 25;
const asJson = args.includes('--json');
const inputs = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--top');
const files = inputs.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).sort().map((f) => join(p, f)) : [p]));
if (!files.length) {
  process.stderr.write('usage: profile-summary.mjs [--top N] [--json] FILE.cpuprofile|DIR...\n');
  process.exit(2);
}

const maps = new Map();
function sourceMap(path) {
  if (!maps.has(path)) {
    let m = null;
    try {
      if (existsSync(`${path}.map`)) m = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch {}
    maps.set(path, m);
  }
  return maps.get(path);
}

/** Where a node's code is: the original source (through the bundle's source map, e.g.
 *  shared/engine/capture-index.ts:120) or else the script URL and line. */
function where(cf, withLine = true) {
  const url = cf.url || '';
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : null;
  if (path && cf.lineNumber >= 0) {
    const e = sourceMap(path)?.findEntry(cf.lineNumber, cf.columnNumber);
    if (e && e.originalSource) {
      const src = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : join(path, '..', e.originalSource);
      return withLine ? `${relative(root, src)}:${e.originalLine + 1}` : relative(root, src);
    }
  }
  const file = path ? relative(root, path) : url;
  return withLine && cf.lineNumber >= 0 ? `${file}:${cf.lineNumber + 1}` : file;
}

function summarise(path) {
  const p = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Self time per node: the sampling intervals attributed to the sampled node.
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  const fn = new Map();
  const file = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    const key = `${name} ${where(cf)}`;
    total += us;
    const e = fn.get(key) ?? { name, where: where(cf), us: 0 };
    e.us += us;
    fn.set(key, e);
    const f = cf.url ? where(cf, false) : `(${name})`;
    file.set(f, (file.get(f) ?? 0) + us);
  }
  // Hot lines: V8's positionTicks (bundle lines), mapped to the original source lines.
  const lines = new Map();
  for (const n of p.nodes) {
    for (const t of n.positionTicks ?? []) {
      const k = where({ ...n.callFrame, lineNumber: t.line - 1, columnNumber: 0 });
      const e = lines.get(k) ?? { where: k, fn: n.callFrame.functionName || '(anonymous)', ticks: 0 };
      e.ticks += t.ticks;
      lines.set(k, e);
    }
  }
  // When the thread was busy: first and last non-idle sample (ms since the profile's start).
  const buckets = [];
  let t = p.startTime;
  let firstBusy = null;
  let lastBusy = null;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const name = byId.get(p.samples[i]).callFrame.functionName;
    if (name !== '(idle)' && name !== '(program)') {
      const b = Math.floor((t - p.startTime) / 250000);
      buckets[b] = (buckets[b] ?? 0) + (p.timeDeltas[i + 1] ?? 0);
      if (firstBusy === null) firstBusy = t;
      lastBusy = t;
    }
  }
  const wall = (p.endTime - p.startTime) / 1000;
  const idle = [...fn.values()].filter((e) => e.name === '(idle)').reduce((s, e) => s + e.us, 0);
  return {
    file: basename(path),
    startTime: p.startTime,
    busyFrom: firstBusy,
    busyTo: lastBusy,
    buckets,
    lines: [...lines.values()].filter((l) => l.where !== '(native)').sort((a, b) => b.ticks - a.ticks),
    wallMs: wall,
    sampledMs: total / 1000,
    busyMs: (total - idle) / 1000,
    functions: [...fn.values()].sort((a, b) => b.us - a.us),
    files: [...file.entries()].map(([f, us]) => ({ file: f, us })).sort((a, b) => b.us - a.us),
  };
}

const profiles = files.map(summarise);
const t0 = Math.min(...profiles.map((p) => p.startTime));
for (const p of profiles) p.busyWindowMs = p.busyFrom === null ? null : [(p.busyFrom - t0) / 1000, (p.busyTo - t0) / 1000];
// All threads together (self time adds up across threads).
const all = { functions: new Map(), busyMs: 0 };
for (const p of profiles) {
  all.busyMs += p.busyMs;
  for (const f of p.functions) {
    const k = `${f.name} ${f.where}`;
    const e = all.functions.get(k) ?? { name: f.name, where: f.where, us: 0 };
    e.us += f.us;
    all.functions.set(k, e);
  }
}
const allFns = [...all.functions.values()].filter((e) => e.name !== '(idle)').sort((a, b) => b.us - a.us);

if (asJson) {
  console.log(JSON.stringify({ profiles: profiles.map((p) => ({ ...p, functions: p.functions.slice(0, top).map((f) => ({ ...f, ms: f.us / 1000 })), files: p.files.slice(0, top) })), all: allFns.slice(0, top).map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, pctOfBusy: (100 * f.us) / 1000 / all.busyMs })) }, null, 2));
} else {
  const ms = (us) => (us / 1000).toFixed(0).padStart(7);
  for (const p of profiles) {
    const bw = p.busyWindowMs ? `, busy from ${p.busyWindowMs[0].toFixed(0)} to ${p.busyWindowMs[1].toFixed(0)} ms after the first thread started` : '';
    console.log(`\n${p.file}: ${p.wallMs.toFixed(0)} ms profiled, ${p.busyMs.toFixed(0)} ms busy (not idle)${bw}`);
    const lead = Math.round((p.startTime - t0) / 250000);
    const bar = Array.from({ length: lead + p.buckets.length }, (_, i) => (i < lead ? ' ' : ' .:-=+*#%@'[Math.min(9, Math.round(((p.buckets[i - lead] ?? 0) / 250000) * 9))])).join('');
    console.log(`  busy per 250 ms: |${bar}|`);
    console.log('  self ms   % busy  function (bundle position)');
    for (const f of p.functions.filter((e) => e.name !== '(idle)').slice(0, top)) console.log(`  ${ms(f.us)}  ${((100 * f.us) / 1000 / p.busyMs).toFixed(1).padStart(6)}  ${f.name}  ${f.where}`);
    console.log('  by file:');
    for (const f of p.files.filter((e) => e.file !== '((idle))').slice(0, 6)) console.log(`  ${ms(f.us)}  ${((100 * f.us) / 1000 / p.busyMs).toFixed(1).padStart(6)}  ${f.file}`);
  }
  const allLines = new Map();
  for (const p of profiles) for (const l of p.lines) {
    const e = allLines.get(l.where) ?? { ...l, ticks: 0 };
    e.ticks += l.ticks;
    allLines.set(l.where, e);
  }
  const ticks = [...allLines.values()].reduce((n, l) => n + l.ticks, 0);
  console.log(`\nhot source lines, all threads (share of ${ticks} line-attributed samples):`);
  for (const l of [...allLines.values()].sort((a, b) => b.ticks - a.ticks).slice(0, top)) console.log(`  ${((100 * l.ticks) / ticks).toFixed(1).padStart(5)}%  ${l.where}  (${l.fn})`);
  console.log(`\nall threads: ${all.busyMs.toFixed(0)} ms busy`);
  for (const f of allFns.slice(0, top)) console.log(`  ${ms(f.us)}  ${((100 * f.us) / 1000 / all.busyMs).toFixed(1).padStart(6)}  ${f.name}  ${f.where}`);
}
