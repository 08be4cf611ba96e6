#!/usr/bin/env node
/**
 * Coverage-guided fuzzing of the readers and decoders with Jazzer.js (libFuzzer in Node).
 *
 *   node scripts/fuzz.mjs [--target reader|decode|all] [--seconds N] [--out DIR] [--seed N]
 *                         [--max-len BYTES] [--json FILE] [--keep-corpus]
 *   npm run fuzz        -> 10 minutes per target
 *   npm run fuzz:ci     -> the bounded run `npm test` does (tests/fuzz/fuzz.test.ts)
 *
 * Targets (tests/fuzz/targets.ts): `reader` = bytes -> CaptureReader in random chunks ->
 * CaptureIndexer -> analyzeIndexes; `decode` = decodePacket + packetFields over link types 0, 1,
 * 101, 113, 228, 229, 276. Seeds: tests/fuzz/corpus/<target>/ (read only); new inputs go to
 * OUT/corpus-<target>/, crashes, hangs and invariant failures to OUT/<target>-crash-* etc.
 * Prints one summary line per target and, with --json, writes the numbers.
 * Exit 0 when no target found anything, 1 when one did, 2 when the fuzzer could not run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { ensureJazzerLoads } from './jazzer-glibc.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const targetArg = arg('target', 'all');
const seconds = Number(arg('seconds', '600'));
const out = arg('out', null) ?? mkdtempSync(join(tmpdir(), 'stagediff-fuzz-'));
const seed = arg('seed', null);
const jsonOut = arg('json', null);
const keepCorpus = process.argv.includes('--keep-corpus');

const TARGETS = {
  reader: { fn: 'fuzzReader', maxLen: Number(arg('max-len', '16384')) },
  decode: { fn: 'fuzzDecode', maxLen: Number(arg('max-len', '4096')) },
};
const chosen = targetArg === 'all' ? Object.keys(TARGETS) : [targetArg];
if (!chosen.every((t) => t in TARGETS) || !(seconds > 0)) {
  console.error('usage: node scripts/fuzz.mjs [--target reader|decode|all] [--seconds N] [--out DIR] [--seed N] [--json FILE]');
  process.exit(2);
}

const problem = await ensureJazzerLoads();
if (problem) {
  console.error(`fuzz: ${problem}`);
  process.exit(2);
}

mkdirSync(out, { recursive: true });
// Outside node_modules (Jazzer.js does not instrument node_modules) and outside the tree.
const bundle = join(out, 'fuzz-entry.cjs');
await build({
  absWorkingDir: root,
  entryPoints: ['tests/fuzz/entry.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  logLevel: 'warning',
});
const jazzerCli = join(dirname(require.resolve('@jazzer.js/core/package.json')), 'dist', 'cli.js');

function runTarget(name) {
  const t = TARGETS[name];
  const work = join(out, `corpus-${name}`);
  mkdirSync(work, { recursive: true });
  const seeds = join(root, 'tests', 'fuzz', 'corpus', name);
  const args = [
    jazzerCli,
    bundle,
    work,
    seeds,
    '-f',
    t.fn,
    '--sync',
    '--timeout',
    '10000',
    '--',
    `-max_total_time=${seconds}`,
    `-max_len=${t.maxLen}`,
    `-artifact_prefix=${join(out, `${name}-`)}`,
    '-print_final_stats=1',
    '-rss_limit_mb=4096',
    ...(seed !== null ? [`-seed=${seed}`] : []),
  ];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: out, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const onData = (d) => {
      log += d.toString();
      if (log.length > 4_000_000) log = log.slice(-2_000_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code, signal) => {
      writeFileSync(join(out, `${name}.log`), log);
      resolve(summarise(name, log, code, signal, (Date.now() - started) / 1000, work));
    });
  });
}

function lastMatch(log, re) {
  let m = null;
  for (const x of log.matchAll(re)) m = x;
  return m;
}

function summarise(name, log, code, signal, wall, work) {
  const stat = (k) => {
    const m = new RegExp(`stat::${k}:\\s+(\\d+)`).exec(log);
    return m ? Number(m[1]) : null;
  };
  const cov = lastMatch(log, /cov: (\d+) ft: (\d+) corp: (\d+)\/(\d+)(b|Kb|Mb)/g);
  const done = /Done (\d+) runs in (\d+) second/.exec(log);
  const inited = /INITED cov: (\d+) ft: (\d+) corp: (\d+)/.exec(log);
  // libFuzzer's status lines start with "#<executions>"; Jazzer.js may exit before the final
  // stats reach the pipe, so the last status line is the fallback.
  const lastExec = lastMatch(log, /^#(\d+)\s/gm);
  let rssMax = 0;
  for (const m of log.matchAll(/rss: (\d+)Mb/g)) rssMax = Math.max(rssMax, Number(m[1]));
  const artifacts = readdirSync(out).filter((f) => f.startsWith(`${name}-`) && /(crash|timeout|oom|leak|slow-unit)-/.test(f));
  const crashed = artifacts.length > 0 || (code !== 0 && code !== null) || signal !== null;
  const r = {
    target: name,
    seconds: wall,
    executions: stat('number_of_executed_units') ?? (done ? Number(done[1]) : lastExec ? Number(lastExec[1]) : null),
    execsPerSecond: null,
    coverageEdges: cov ? Number(cov[1]) : null,
    features: cov ? Number(cov[2]) : null,
    initialCoverageEdges: inited ? Number(inited[1]) : null,
    corpusEntries: cov ? Number(cov[3]) : null,
    newUnits: stat('new_units_added'),
    peakRssMb: stat('peak_rss_mb') ?? (rssMax || null),
    crashes: artifacts.filter((f) => /crash-/.test(f)).length,
    timeouts: artifacts.filter((f) => /timeout-/.test(f)).length,
    otherArtifacts: artifacts.filter((f) => !/crash-|timeout-/.test(f)).length,
    exitCode: code,
    signal,
    artifacts: artifacts.map((f) => join(out, f)),
  };
  if (r.executions !== null) r.execsPerSecond = stat('average_exec_per_sec') ?? Math.round(r.executions / wall);
  if (crashed) {
    // The first lines of the failure, for the test's message.
    const i = log.search(/==\d+== |Uncaught Exception|ERROR: libFuzzer|FuzzViolation|timeout/);
    r.failure = i >= 0 ? log.slice(i, i + 3000) : log.slice(-3000);
  }
  if (!keepCorpus) rmSync(work, { recursive: true, force: true });
  return r;
}

const results = [];
for (const name of chosen) {
  const r = await runTarget(name);
  results.push(r);
  console.log(
    `fuzz ${name}: ${r.executions} executions in ${r.seconds.toFixed(0)} s (${r.execsPerSecond}/s), ` +
      `coverage ${r.initialCoverageEdges} -> ${r.coverageEdges} edges, ${r.features} features, ` +
      `${r.corpusEntries} corpus entries, peak RSS ${r.peakRssMb} MB, ${r.crashes} crashes, ${r.timeouts} hangs`,
  );
  if (r.failure) console.log(`fuzz ${name}: FAILED (exit ${r.exitCode}${r.signal ? `, ${r.signal}` : ''}); artifacts: ${r.artifacts.join(', ') || 'none'}\n${r.failure}`);
}
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ out, results }, null, 2)}\n`);
process.exit(results.some((r) => r.failure) ? 1 : 0);
