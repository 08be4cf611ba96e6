/**
 * The analysis split over worker threads (the CLI's pool: indexes in shared memory, packed flow
 * tables, blocks of flows merged back in order) gives exactly the in-process analysis.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateScenario } from '../gen/scenarios.ts';
import { analyzeBytes, indexBytes } from '../support/analyze-bytes.ts';
import { icmpErrorCapture } from '../support/icmp-capture.ts';
import { conversation, pcap } from '../support/nat-capture.ts';
import type { FlowState } from '../../shared/engine/capture-index.ts';
import { packFlows, PackedPointFlow, unpackFlows } from '../../shared/engine/packed-flows.ts';
import { BLOCK_FLOWS } from '../../shared/engine/analyze.ts';
import { generate } from '../robustness/limits-harness.ts';
import type { Stage } from '../../shared/api/analysis.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagediff.cjs');
const pub = join(root, '..', 'shared', 'captures', 'public');

function cli(files: string[], threads: number, extra: string[] = []) {
  const r = spawnSync(process.execPath, [bin, 'analyze', '--json', ...extra, ...files], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    env: { ...process.env, STAGEDIFF_THREADS: String(threads) },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

function inProcess(dir: string, names: string[], extra: Parameters<typeof analyzeBytes>[1] = {}) {
  const files = names.map((n) => {
    const [device, stage] = n.replace(/\.pcapn?g?$/, '').split('_');
    return { path: join(dir, n), device, stage: stage as Stage, bytes: readFileSync(join(dir, n)) };
  });
  return JSON.parse(JSON.stringify(analyzeBytes(files, extra)));
}

/** Every field of FlowState, arrays as plain arrays. */
function fields(f: FlowState) {
  return {
    id: f.id,
    version: f.version,
    proto: f.proto,
    clientSide: f.clientSide,
    clientKnown: f.clientKnown,
    firstSide: f.firstSide,
    firstRow: f.firstRow,
    lastRow: f.lastRow,
    firstT: f.firstT,
    lastT: f.lastT,
    s: Array.from(f.s),
    ep: Array.from(f.ep),
    prev: Array.from(f.prev),
    history: f.history,
    keepAlives: f.keepAlives,
    retransmissions: f.retransmissions,
    cookies: f.cookies,
    cookieFrom: f.cookieFrom,
    reportsOn: f.reportsOn,
  };
}

let bulkDir = '';
beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--cli-only']);
  bulkDir = mkdtempSync(join(tmpdir(), 'stagediff-par-'));
  execFileSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'tests', 'gen', 'cli.ts'), 'bulk', 'pcap-le-us', bulkDir, '--bytes', '5M']);
}, 120_000);

describe('analysis over worker threads', () => {
  it('2000 flows in blocks over 2 and 3 threads: the same flows, findings and clocks as in-process', () => {
    const names = readdirSync(bulkDir).filter((n) => n.endsWith('.pcap')).sort();
    const files = names.map((n) => join(bulkDir, n));
    const want = inProcess(bulkDir, names);
    expect(want.flows.length).toBeGreaterThan(4 * BLOCK_FLOWS);
    for (const threads of [2, 3]) {
      const got = cli(files, threads);
      // Flows in order (f1, f2, ...), each identical; findings in the same order.
      expect(got.flows.map((f: { id: string }) => f.id)).toEqual(want.flows.map((f: { id: string }) => f.id));
      expect(got.flows).toEqual(want.flows);
      expect(got.findings).toEqual(want.findings);
      expect(got.clockEstimates).toEqual(want.clockEstimates);
    }
    // One thread (no workers) prints the same document.
    expect(cli(files, 1)).toEqual(cli(files, 2));
  }, 120_000);

  it('3000 incomplete handshakes: findings from every block, in the same order as in-process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-par-hs-'));
    const path = join(dir, 'fw_receive.pcap');
    generate('many-flows', 3000, path);
    const want = inProcess(dir, ['fw_receive.pcap']);
    expect(want.findings).toHaveLength(3000);
    for (const threads of [2, 3]) {
      const got = cli([path], threads);
      expect(got.findings).toEqual(want.findings);
      expect(got.flows).toEqual(want.flows);
    }
  }, 60_000);

  /**
   * `analyze --json` of 100,000 flows with a finding each (~60 MB of heap in a full model) on
   * `threads` threads and a heap of 40 MB (`env`: more of the environment).
   */
  function outOfMemory(threads: number, env: Record<string, string> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-par-oom-'));
    const path = join(dir, 'fw_receive.pcap');
    generate('many-flows', 100_000, path);
    return spawnSync(process.execPath, [bin, 'analyze', '--json', path], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, STAGEDIFF_THREADS: String(threads), STAGEDIFF_HEAP_MB: '40', ...env } });
  }

  it('an analysis worker out of memory: a message saying so and exit 1, not a silent exit or a crash', () => {
    // The worker's limit is STAGEDIFF_HEAP_MB. Node exited with code 13 and no word: the thread was
    // unref'ed and died before its 'error' event reached an event loop that had nothing else to wait for.
    // Its lean model (the WebAssembly path) holds no objects per flow: these flows fit in 40 MB.
    expect(outOfMemory(2).status).toBe(0);
    // The full model (every flow an object: the JavaScript path, STAGEDIFF_WASM=0) does not.
    const r = outOfMemory(2, { STAGEDIFF_WASM: '0' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^stagediff: out of memory: the thread needed more than the 40 MB of JavaScript heap it may use \(STAGEDIFF_HEAP_MB; by default three quarters of this machine's memory, 4 to 32 GB\)\. Analyse fewer or shorter captures at a time/);
    expect(r.stderr).not.toMatch(/internal error|FATAL/);
  }, 60_000);

  it('in one thread (re-executed with the heap limit), out of memory: node\'s fatal error, then what it means', () => {
    // STAGEDIFF_HEAP_MB is the limit of this process too (it was the workers' only).
    const r = outOfMemory(1);
    expect(r.signal).toBe('SIGABRT');
    expect(r.stderr).toMatch(/heap out of memory/);
    expect(r.stderr).toMatch(/stagediff: the process was aborted; if node reported the JavaScript heap out of memory above, the work needed more than the 40 MB of heap it may use \(STAGEDIFF_HEAP_MB/);
  }, 60_000);

  it('STAGEDIFF_ANALYSIS_WORKERS=2: the pool grows past the threads that read, same document', () => {
    // One small file: one worker reads it, two analyse.
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-par-grow-'));
    const path = join(dir, 'fw_receive.pcap');
    generate('many-udp', 20_000, path);
    const r = spawnSync(process.execPath, [bin, 'analyze', '--json', path], {
      encoding: 'utf8',
      maxBuffer: 512 << 20,
      env: { ...process.env, STAGEDIFF_THREADS: '', STAGEDIFF_ANALYSIS_WORKERS: '2', STAGEDIFF_TIMING: '1' },
    });
    expect(r.status).toBe(0);
    const parts = r.stderr.split('\n').filter((l) => /timing: part \d/.test(l));
    expect(parts).toHaveLength(Math.min(2, availableParallelism()));
    const got = JSON.parse(r.stdout);
    expect(got.flows).toHaveLength(20_000);
    expect(got).toEqual(cli([path], 1));
  }, 120_000);

  it('STAGEDIFF_TIMING names the thread that read each file and when', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-par-lanes-'));
    const g = generateScenario('ha-active-active', 'pcapng-le-us');
    for (const f of g.files) writeFileSync(join(dir, f.fileName), f.bytes);
    const r = spawnSync(process.execPath, [bin, 'analyze', ...g.files.map((f) => join(dir, f.fileName))], {
      encoding: 'utf8',
      env: { ...process.env, STAGEDIFF_THREADS: '2', STAGEDIFF_TIMING: '1' },
    });
    expect(r.status).toBe(0);
    const line = /timing: lanes: (.*)/.exec(r.stderr)?.[1] ?? '';
    // Every file once, on this thread or the worker, with a start no later than its end.
    const files = [...line.matchAll(/file (\d+) (\d+)-(\d+)/g)];
    expect(files.map((m) => Number(m[1])).sort((a, b) => a - b)).toEqual(g.files.map((_, i) => i + 1));
    for (const m of files) expect(Number(m[2])).toBeLessThanOrEqual(Number(m[3]));
    expect(line).toMatch(/^main: .*; worker 1: |^worker 1: .*; main: /);
  }, 60_000);

  it('HA scenario with a clock offset: same estimates and findings over threads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-par-ha-'));
    const g = generateScenario('ha-active-active', 'pcapng-le-us');
    for (const f of g.files) writeFileSync(join(dir, f.fileName), f.bytes);
    const names = g.files.map((f) => f.fileName);
    const labelled = g.files.map((f) => `${f.device}:${f.stage}=${join(dir, f.fileName)}`);
    const one = cli(labelled, 1, ['--clock-offset', 'PA-VM-2=0.5']);
    const two = cli(labelled, 2, ['--clock-offset', 'PA-VM-2=0.5']);
    expect(two).toEqual(one);
    expect(one.clockEstimates.length).toBeGreaterThan(0);
    expect(names.length).toBeGreaterThan(1);
  }, 60_000);

  it('NAT that turns the sides around: the same joined flow over 1, 2 and 3 threads', () => {
    // Joining a translated flow flips its rows' side bits: with columns shared between threads,
    // each thread must flip a copy of its own (tests the copy-on-write in the NAT join).
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-par-nat-'));
    const rx = [...conversation('10.0.0.5', 40000), ...conversation('10.0.0.6', 40001).map((p) => ({ ...p, t: p.t + 0.5 }))];
    const tx = [...conversation('203.0.113.250', 61000, undefined, new Set([5])), ...conversation('203.0.113.251', 61001).map((p) => ({ ...p, t: p.t + 0.5 }))];
    writeFileSync(join(dir, 'rx.pcap'), pcap(rx));
    writeFileSync(join(dir, 'tx.pcap'), pcap(tx.map((p) => ({ ...p, t: p.t + 0.0001 }))));
    const files = [`fw:receive=${join(dir, 'rx.pcap')}`, `fw:transmit=${join(dir, 'tx.pcap')}`];
    const one = cli(files, 1);
    expect(one.flows).toHaveLength(2);
    expect(one.flows[0].nat[0].client).toBe('203.0.113.250:61000');
    expect(one.flows[0].devices[0]).toMatchObject({ received: 9, transmitted: 8, unaccounted: 1 });
    for (let i = 0; i < 5; i++) for (const threads of [2, 3]) expect(cli(files, threads)).toEqual(one);
  }, 60_000);

  it('packed flow tables round-trip every field of every flow (public captures, GWLB incident, ICMP error)', () => {
    let flows = 0;
    let cookies = 0;
    let icmp = 0;
    const inputs = readdirSync(pub)
      .filter((n) => /\.(pcap|pcapng|cap)$/.test(n))
      .map((n) => readFileSync(join(pub, n)) as Uint8Array);
    for (const f of generateScenario('gwlb-incident', 'pcap-le-us').files) inputs.push(f.bytes);
    inputs.push(icmpErrorCapture());
    for (const bytes of inputs) {
      // The indexer hands its flows over packed, with views of the table as `flows`.
      const ix = indexBytes(bytes);
      const packed = ix.packedFlows!;
      expect(packed.count).toBe(ix.flows.length);
      const back = unpackFlows(packed);
      // Packing PointFlows again gives the same table, field for field.
      expect(packFlows(back)).toEqual(packed);
      expect(packFlows(ix.flows)).toEqual(packed);
      // The in-place views the analysis workers use read the same state as the PointFlows.
      const views = back.map((_, f) => new PackedPointFlow(packed, f));
      expect(views.map(fields)).toEqual(back.map(fields));
      expect(views.map((v) => ({ ...v.materialize() }))).toEqual(back.map((f) => ({ ...f })));
      flows += back.length;
      cookies += back.filter((f) => f.cookies).length;
      icmp += back.filter((f) => f.reportsOn).length;
    }
    expect(flows).toBeGreaterThan(100);
    expect(cookies).toBeGreaterThan(0);
    expect(icmp).toBeGreaterThan(0);
  });
});
