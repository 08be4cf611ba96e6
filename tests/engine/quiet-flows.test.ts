/**
 * Quiet flows by WebAssembly (shared/node/quiet-flows.ts, wasm/flow-quiet.ts) against the
 * JavaScript analysis they stand in for: analyzePart's records (every number, every string) and
 * findings are the same with the hook and without it, on every generated scenario, NAT, ICMP
 * errors, every public capture, bulk GWLB traffic as generated and with packets lost, duplicated
 * and moved at random, and under timers short enough that the rules fire on most flows. And the
 * hook takes most of a healthy set's flows, and none that a rule reports on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzePart, useQuietFlows, type AnalysisBlock, type AnalysisInput, type QuietFlows } from '../../shared/engine/analyze.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/engine/settings.ts';
import type { Stage } from '../../shared/api/analysis.ts';
import { wasmQuietFlows } from '../../shared/node/quiet-flows.ts';
import { wasmFlowIds } from '../../shared/node/flow-ids.ts';
import { useFlowIds } from '../../shared/engine/model.ts';
import { packIndex } from '../../shared/engine/packed-flows.ts';
import { generateScenario, Rng, SCENARIOS, writeBulk } from '../gen/scenarios.ts';
import { inputOf as input } from '../support/analyze-bytes.ts';
import { conversation, pcap } from '../support/nat-capture.ts';
import { icmpErrorCapture, icmpErrorsCapture } from '../support/icmp-capture.ts';
import { pcapRecords, SHORT_TIMERS } from '../support/pcap-records.ts';


const pub = join(import.meta.dirname, '..', '..', '..', 'shared', 'captures', 'public');

const hook = wasmQuietFlows();
let taken = 0;
let offered = 0;
const counted: QuietFlows = {
  begin: (m) => hook!.begin(m),
  block: (lean, from, end) => hook!.block!(lean, from, end),
  lean(lean, i, r) {
    offered++;
    const q = hook!.lean(lean, i, r);
    if (q) taken++;
    return q;
  },
};
/** The hook without its block(): each flow's rows gathered for it (what it falls back to); flows it took. */
let takenByFlow = 0;
const flowByFlow: QuietFlows = {
  begin: (m) => hook!.begin(m),
  lean(lean, i, r) {
    const q = hook!.lean(lean, i, r);
    if (q) takenByFlow++;
    return q;
  },
};

// The CLI's analysis threads: flow ids by WebAssembly, every index packed (as posted to them).
beforeAll(() => useFlowIds(wasmFlowIds()));
afterAll(() => useFlowIds(null));
afterEach(() => useQuietFlows(null));

/** What analyzePart hands over: every block's records and findings, as comparable values. */
async function run(inputs: AnalysisInput[], settings: Settings, clockOffsets: Record<string, number>): Promise<unknown[]> {
  const out: unknown[] = [];
  await analyzePart(inputs.map((x) => ({ ...x, ix: packIndex(x.ix) })), { settings, clockOffsets }, 0, 1, true, (b: AnalysisBlock) => {
    const r = b.records!;
    out.push({ nums: Array.from(r.nums), text: r.text, lens: Array.from(r.lens), own: r.own.length, findings: b.findings, clock: [...b.clock] });
  });
  return out;
}

/** The same records and findings with the hook as without it; returns how many flows it took. */
async function compare(make: () => AnalysisInput[], settings: Settings = { ...DEFAULT_SETTINGS }, clockOffsets: Record<string, number> = {}): Promise<number> {
  useQuietFlows(null);
  const js = await run(make(), settings, clockOffsets);
  const before = taken;
  useQuietFlows(counted);
  const wasm = await run(make(), settings, clockOffsets);
  const byFlowBefore = takenByFlow;
  useQuietFlows(flowByFlow);
  const wasmByFlow = await run(make(), settings, clockOffsets);
  useQuietFlows(null);
  expect(wasm).toEqual(js);
  expect(wasmByFlow).toEqual(js);
  // Both ways take the same flows (a way that declined them all would still give the same records).
  expect(takenByFlow - byFlowBefore).toBe(taken - before);
  return taken - before;
}

/** The capture with records lost, duplicated and swapped with their neighbour at random, and one late. */
function damage(bytes: Uint8Array, rng: Rng, rate: number): Uint8Array {
  const recs = pcapRecords(bytes);
  const out: Uint8Array[] = [bytes.subarray(0, 24)];
  for (let i = 0; i < recs.length; i++) {
    const u = rng.next();
    if (u < rate) continue;
    if (u < 2 * rate) out.push(recs[i], recs[i]);
    else if (u < 3 * rate && i + 1 < recs.length) {
      out.push(recs[i + 1], recs[i]);
      i++;
    } else out.push(recs[i]);
  }
  // And its last record again, captured 10 s later: the captures go on past every flow's timers.
  const late = Buffer.from(recs[recs.length - 1]);
  late.writeUInt32LE(late.readUInt32LE(0) + 10, 0);
  out.push(late);
  return Buffer.concat(out);
}

async function bulk(bytes: number): Promise<{ device: string; stage: Stage; bytes: Uint8Array; name: string }[]> {
  const parts: Uint8Array[][] = [[], [], [], []];
  const s = await writeBulk(bytes, 'pcap-le-us', { write: (file, chunk) => void parts[file].push(chunk.slice()) });
  return s.files.map((f, i) => ({ device: f.device, stage: f.stage as Stage, bytes: Buffer.concat(parts[i]), name: f.fileName }));
}

describe('quiet flows by WebAssembly', () => {
  it('is built (dist/flow-quiet.wasm)', () => {
    expect(hook).not.toBeNull();
  });

  it('write the same records of every generated scenario, NAT and ICMP errors, with every timer as set and short', async () => {
    for (const settings of [{ ...DEFAULT_SETTINGS }, SHORT_TIMERS]) {
      for (const name of SCENARIOS) {
        const g = generateScenario(name);
        await compare(() => g.files.map((f) => input(f.device, f.stage as Stage, f.bytes, f.fileName)), settings);
      }
      const rx = [...conversation('10.0.0.5', 40000), ...conversation('10.0.0.6', 40001).map((p) => ({ ...p, t: p.t + 0.5 }))];
      const tx = [...conversation('203.0.113.250', 61000), ...conversation('203.0.113.251', 61001).map((p) => ({ ...p, t: p.t + 0.5 }))];
      await compare(() => [input('fw', 'receive', pcap(rx)), input('fw', 'transmit', pcap(tx))], settings);
      await compare(() => [input('fw', 'receive', icmpErrorCapture())], settings);
      for (const withQuery of [true, false]) await compare(() => [input('fw', 'receive', icmpErrorsCapture(['192.0.2.1', '192.0.2.2'], withQuery))], settings);
    }
    expect(taken).toBeGreaterThan(10);
  }, 60_000);

  it('give the same latency median when the receive copies are stamped after the transmit ones (negative, mixed, equal)', async () => {
    // One flow per shift pattern: every packet's transmit copy earlier, later or alternately both
    // (within the 50 ms reorder tolerance), some at equal times.
    const shifts = [[-0.004], [0.002, -0.003, 0.002, 0, -0.001], [0, 0], [-0.004, 0.003, -0.002, 0.004]];
    const before = taken;
    const make = () => {
      const rx = shifts.flatMap((_, i) => conversation(`10.1.0.${i + 1}`, 41000 + i).map((p) => ({ ...p, t: p.t + i + 1 })));
      const tx = shifts.flatMap((sh, i) => conversation(`10.1.0.${i + 1}`, 41000 + i).map((p, k) => ({ ...p, t: p.t + i + 1 + sh[k % sh.length] })));
      return [input('fw', 'receive', pcap(rx)), input('fw', 'transmit', pcap(tx.sort((a, b) => a.t - b.t)))];
    };
    await compare(make);
    expect(taken - before).toBe(shifts.length);
  });

  it('write the same records of every public capture', async () => {
    const before = taken;
    for (const n of readdirSync(pub).filter((x) => /\.(pcap|pcapng|cap)$/.test(x))) {
      await compare(() => [input('dev', 'receive', readFileSync(join(pub, n)), n)]);
    }
    expect(taken - before).toBeGreaterThan(100);
  }, 120_000);

  it('take most flows of healthy bulk traffic, and write the same records of it damaged at random', async () => {
    const files = await bulk(4e6);
    offered = 0;
    const byBlock = hook!.answered.byBlock;
    const n = await compare(() => files.map((f) => input(f.device, f.stage, f.bytes, f.name)));
    // Flows cut by the set's start or end without their handshake, and those whose handshake
    // only started, are the JavaScript analysis's (incomplete-handshake may report them).
    expect(n).toBeGreaterThan(0.9 * offered);
    // Answered a block at a time (quietRange), the flow-by-flow way only by flowByFlow's run.
    expect(hook!.answered.byBlock - byBlock).toBeGreaterThan(0.9 * offered);
    // A device's clock set off by a fraction of a second (every time on the common clock moves).
    expect(await compare(() => files.map((f) => input(f.device, f.stage, f.bytes, f.name)), { ...DEFAULT_SETTINGS }, { [files[0].device]: -0.3337 })).toBe(n);
    // A device's receive stage in two files (the second with packets lost): the first is its receive.
    const rx = files.find((f) => f.stage === 'receive')!;
    const tx = files.find((f) => f.stage === 'transmit' && f.device === rx.device)!;
    // A drop stage: every 50th packet dropped (in the drop capture, missing from the transmit one).
    const rxRecs = pcapRecords(rx.bytes);
    const txRecs = pcapRecords(tx.bytes);
    expect(txRecs.length).toBe(rxRecs.length);
    const head = rx.bytes.subarray(0, 24);
    const dropped = Buffer.concat([head, ...rxRecs.filter((_, k) => k % 50 === 7)]);
    const kept = Buffer.concat([head, ...txRecs.filter((_, k) => k % 50 !== 7)]);
    await compare(() => [input(rx.device, 'receive', rx.bytes, rx.name), input(tx.device, 'transmit', kept, tx.name), input(tx.device, 'drop', dropped, 'drop.pcap')]);
    const lossy = damage(rx.bytes, new Rng(7), 0.01);
    await compare(() => [input(rx.device, 'receive', rx.bytes, 'a.pcap'), input(rx.device, 'receive', lossy, 'b.pcap'), input(tx.device, 'transmit', tx.bytes, tx.name)]);
    const rng = new Rng(606);
    for (const rate of [0.0005, 0.005, 0.05]) {
      const damaged = files.map((f) => ({ ...f, bytes: damage(f.bytes, rng, rate) }));
      for (const settings of [{ ...DEFAULT_SETTINGS }, SHORT_TIMERS]) {
        await compare(() => damaged.map((f) => input(f.device, f.stage, f.bytes, f.name)), settings);
        // Each file alone: one capture point, where a lost SYN-ACK leaves a handshake incomplete.
        for (const f of damaged) await compare(() => [input(f.device, f.stage, f.bytes, f.name)], settings);
      }
    }
  }, 120_000);
});
