/**
 * `analyze --json` writes each flow's summary straight into bytes, from the record the analysis
 * made of it (encodeFlow, then FlowJson on the thread that writes the output): the text must be
 * exactly JSON.stringify of the flow's summary object (flowSummary), on every kind of
 * flow: the generated incidents (IPv4 and IPv6 in GENEVE, moved sessions, drops, HA), NAT with
 * turned-around sides, ICMP errors linked to their flow, every public capture, and labels that
 * need escaping.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonBytes } from '../../shared/format/json-bytes.ts';
import { isoText } from '../../shared/format/addr.ts';
import { buildModel } from '../../shared/engine/model.ts';
import { flowSummary, type AnalysisInput } from '../../shared/engine/analyze.ts';
import { packIndex } from '../../shared/engine/packed-flows.ts';
import { encodeFlow, FlowJson, FlowRecords, pointSource, recordContext, type RecordContext } from '../../shared/engine/flow-records.ts';
import { flowJsonWriter, moduleLayout, prepareFlowJson, type FlowJsonWriter } from '../../shared/node/flow-json-core.ts';
import { N, S, type IndexedCapture } from '../../shared/engine/capture-index.ts';
import { flowFacts, stagesByDevice } from '../../shared/findings/facts.ts';
import { DEFAULT_SETTINGS } from '../../shared/engine/settings.ts';
import type { Stage } from '../../shared/api/analysis.ts';
import { generateScenario, SCENARIOS } from '../gen/scenarios.ts';
import { inputOf as input } from '../support/analyze-bytes.ts';
import { conversation, pcap } from '../support/nat-capture.ts';
import { icmpErrorCapture } from '../support/icmp-capture.ts';

const pub = join(import.meta.dirname, '..', '..', '..', 'shared', 'captures', 'public');
const dec = new TextDecoder();

/**
 * FlowJson, or the WebAssembly writer (with FlowJson for what it does not write), reading the
 * points' flows from its own memory, laid out ahead (core, as the CLI does: prepareFlowJson) or by
 * the writer (table), or asking for each through its imports (imports).
 */
type Writer = 'js' | 'core' | 'table' | 'imports';
const tally = { core: 0, js: 0 };

function writer(kind: Writer, context: RecordContext, inputs: { ix: IndexedCapture }[]): FlowJsonWriter {
  if (kind === 'js') {
    const js = new FlowJson(context, pointSource(inputs));
    return { block: (b, n) => js.block(b, n), written: (b) => js.written(b), counts: { core: 0, js: 0 } };
  }
  if (kind === 'core') prepareFlowJson(inputs);
  return flowJsonWriter(context, inputs, kind === 'imports' ? 0 : undefined);
}

/**
 * Every flow's bytes against JSON.stringify of its summary; returns the number of flows. The
 * records are read against a fresh, packed copy of the indexes, as the CLI's main thread reads
 * them (the model's own copies are changed by the analysis: NAT turns points around).
 */
function compareAll(kind: Writer, make: () => AnalysisInput[], clockOffsets: Record<string, number> = {}): number {
  const inputs = make();
  const m = buildModel(inputs, { ...DEFAULT_SETTINGS }, clockOffsets);
  const captured = stagesByDevice(m);
  // Records made in small buffers (they grow), read back by a writer of their own.
  const r = new FlowRecords(4);
  const context = recordContext(m);
  const out = writer(kind, structuredClone(context), make().map((x) => ({ ix: packIndex(x.ix) })));
  for (const flow of m.flows) {
    const f = flowFacts(m, flow, captured);
    encodeFlow(r, m, f);
    // A block of one flow: its line, as in the CLI's output.
    const bytes = out.block(structuredClone(r.take(context)), 1);
    expect(dec.decode(bytes)).toBe(`  ${JSON.stringify(flowSummary(m, f))}`);
    out.written(bytes);
  }
  // The module reads the points' flows from its own memory, or asks for each (imports).
  if (kind !== 'js') expect(out.flowTable).toBe(kind !== 'imports');
  tally.core += out.counts.core;
  tally.js += out.counts.js;
  return m.flows.length;
}

describe.each(['js', 'core', 'table', 'imports'] as const)('flow summaries written as bytes (%s)', (kind) => {
  it('equal JSON.stringify for every flow of every generated scenario', () => {
    let flows = 0;
    for (const name of SCENARIOS) {
      const g = generateScenario(name);
      flows += compareAll(kind, () => g.files.map((f) => input(f.device, f.stage as Stage, f.bytes, f.fileName)), name === 'ha-active-active' ? { 'PA-VM-2': 0.25 } : {});
    }
    expect(flows).toBeGreaterThan(20);
  });

  it('equal JSON.stringify with nanosecond times (latencies with decimals)', () => {
    let flows = 0;
    for (const name of SCENARIOS) {
      const g = generateScenario(name, 'pcapng-le-ns');
      flows += compareAll(kind, () => g.files.map((f) => input(f.device, f.stage as Stage, f.bytes, f.fileName)), name === 'ha-active-active' ? { 'PA-VM-2': 0.25 } : {});
    }
    expect(flows).toBeGreaterThan(20);
  });

  it('equal JSON.stringify with NAT, an ICMP error, and labels that need escaping', () => {
    const rx = [...conversation('10.0.0.5', 40000), ...conversation('10.0.0.6', 40001).map((p) => ({ ...p, t: p.t + 0.5 }))];
    const tx = [...conversation('203.0.113.250', 61000, undefined, new Set([5])), ...conversation('203.0.113.251', 61001).map((p) => ({ ...p, t: p.t + 0.5 }))];
    const nat = () => [input('fw "north"\\é', 'receive', pcap(rx)), input('fw "north"\\é', 'transmit', pcap(tx.map((p) => ({ ...p, t: p.t + 0.0001 }))))];
    expect(compareAll(kind, nat)).toBe(2);
    expect(compareAll(kind, () => [input('fw\u2028\t\u0001', 'receive', icmpErrorCapture())])).toBeGreaterThan(1);
    // Control characters, quotes and backslashes in ASCII labels: escaped by the WebAssembly writer too.
    expect(compareAll(kind, () => [input('fw "x"\\\t\u0001\u001f\u007f', 'receive', icmpErrorCapture())])).toBeGreaterThan(1);
  });

  it('equal JSON.stringify for every flow of every public capture', () => {
    let flows = 0;
    for (const n of readdirSync(pub).filter((x) => /\.(pcap|pcapng|cap)$/.test(x))) {
      flows += compareAll(kind, () => [input('dev', 'receive', readFileSync(join(pub, n)), n)]);
    }
    expect(flows).toBeGreaterThan(100);
  });

  it.skipIf(kind === 'js')('by the WebAssembly writer for most flows (FlowJson for NAT-turned points and text that is not ASCII)', () => {
    expect(moduleLayout()).toEqual([N.Proto | (N.FirstSide << 4) | (N.FirstT << 8) | (N.LastT << 12) | (N.S << 16) | (N.Ep << 24), N.KeepAlives | (N.Retransmissions << 8) | (N.Count << 16) | (S.Bytes << 24) | (S.Payload << 28)]);
    expect(tally.core).toBeGreaterThan(10 * tally.js);
  });
});

describe('JSON bytes', () => {
  it('numbers, strings and times as JSON.stringify and isoText write them', () => {
    const w = new JsonBytes(4);
    const values = [0, -0, 7, 10, 99, 100, 101, 999, 1000, 65535, 123456789, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 1e15 + 7, 2 ** 53 - 1, 2 ** 53, -1, -12.5, 0.1, 1e21, 1.5e-7, NaN, Infinity, -Infinity, 149.5];
    for (const v of values) expect(dec.decode(w.num(v).take())).toBe(JSON.stringify(v));
    for (const s of ['', 'abc', 'a"b', 'a\\b', '\n\t\u0000\u001f', 'é', '😀', '\ud800', '\u2028', '~\u007f']) expect(dec.decode(w.str(s).take())).toBe(JSON.stringify(s));
    // A range of a longer text (the analysis records' strings travel joined): as its slice.
    const text = 'f12ab"c\\dé😀x';
    for (const [a, b] of [[0, 3], [3, 5], [5, 9], [9, 12], [2, text.length], [4, 4]]) expect(dec.decode(w.strIn(text, a, b).take())).toBe(JSON.stringify(text.slice(a, b)));
    const times: [number, number][] = [[0, 0], [1700950921, 123456789], [1700956799, 999999999], [1700870400, 1000000], [86399, 1000], [951782400, 1], [-1, 999999999], [253402300799, 5], [253402300800, 0], [-62167219200, 0], [-62167219201, 0], [1700950921.5, 3], [1700950921, 1e9], [1700950921, 0.5]];
    for (const [s, ns] of times) expect(dec.decode(w.iso(s, ns).take())).toBe(JSON.stringify(isoText(s, ns)));
    for (const v of [0, 1, 0xd45bd5c3, 0xffffffff]) expect(dec.decode(w.hex32(v).take())).toBe(`"0x${v.toString(16).padStart(8, '0')}"`);
  });

  it('with a spare source, take() hands over its own buffer and goes on in a spare at least as large', () => {
    const spares: ArrayBuffer[] = [new ArrayBuffer(8), new ArrayBuffer(256)];
    const w = new JsonBytes(64, () => spares.shift());
    const first = w.str('a'.repeat(40)).take();
    expect(dec.decode(first)).toBe(`"${'a'.repeat(40)}"`);
    // The writer's own 64-byte buffer, not a copy; the 8-byte spare was too small and let go.
    expect(first.buffer.byteLength).toBe(64);
    const second = w.num(12345).take();
    expect(second.buffer.byteLength).toBe(256);
    expect(dec.decode(second)).toBe('12345');
    // No spares left: a new buffer of the size the writer had; what was taken is left alone.
    const third = w.piece(new Uint8Array([0x5b, 0x5d])).take();
    expect(dec.decode(third)).toBe('[]');
    expect(third.buffer).not.toBe(second.buffer);
    expect(dec.decode(first)).toBe(`"${'a'.repeat(40)}"`);
    expect(dec.decode(second)).toBe('12345');
    // Nothing written: an empty result, and the writer keeps its buffer (no spare asked for).
    let asked = 0;
    const idle = new JsonBytes(64, () => (asked++, undefined));
    expect(idle.take().length).toBe(0);
    expect(idle.take().length).toBe(0);
    expect(asked).toBe(0);
    expect(dec.decode(idle.byte(0x31).take())).toBe('1');
  });

  it('grows from an empty buffer (it looped forever doubling a length of 0)', () => {
    const w = new JsonBytes(0);
    expect(dec.decode(w.str('x'.repeat(100)).piece(new Uint8Array([0x2c])).num(12).take())).toBe(`"${'x'.repeat(100)}",12`);
  });
});
