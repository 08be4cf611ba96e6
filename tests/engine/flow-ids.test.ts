/**
 * The model's flow ids by WebAssembly (shared/node/flow-ids.ts, wasm/flow-ids.ts) give the model
 * buildModel makes with its own FlowTable: the same flows, in the same order, at the same capture
 * points, with the same related flows (an ICMP error's), on every generated scenario, NAT, ICMP
 * errors, every public capture, and capture points whose flows are all different (the module's
 * table grows past what the model expected).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, useFlowIds, type FlowIds, type Model } from '../../shared/engine/model.ts';
import type { AnalysisInput } from '../../shared/engine/analyze.ts';
import { DEFAULT_SETTINGS } from '../../shared/engine/settings.ts';
import type { Stage } from '../../shared/api/analysis.ts';
import { wasmFlowIds } from '../../shared/node/flow-ids.ts';
import { generateScenario, SCENARIOS } from '../gen/scenarios.ts';
import { inputOf as input } from '../support/analyze-bytes.ts';
import { conversation, pcap } from '../support/nat-capture.ts';
import { icmpErrorCapture } from '../support/icmp-capture.ts';

const pub = join(import.meta.dirname, '..', '..', '..', 'shared', 'captures', 'public');

/** What of a model the flow ids decide. */
function shape(m: Model): unknown {
  return m.flows.map((f) => [f.id, f.firstNs, f.lastNs, f.keyAt, f.at.map((a) => [a.point.index, a.local]), f.relatedFlow, f.nat]);
}

let used = 0;
const hook = wasmFlowIds();
const counted: FlowIds = (points, expected) => {
  const r = hook!(points, expected);
  if (r) used++;
  return r;
};

/** The model with the module's ids against the model with FlowTable's; returns its flows. */
function compare(make: () => AnalysisInput[]): number {
  useFlowIds(null);
  const js = buildModel(make(), { ...DEFAULT_SETTINGS }, {});
  useFlowIds(counted);
  const wasm = buildModel(make(), { ...DEFAULT_SETTINGS }, {});
  useFlowIds(null);
  expect(shape(wasm)).toEqual(shape(js));
  return js.flows.length;
}

afterEach(() => useFlowIds(null));

describe('flow ids by WebAssembly', () => {
  it('is built (dist/flow-ids.wasm) and gives ids', () => {
    const keys = new Uint32Array(30);
    keys.set([0x406, 1, 0, 0, 0, 2, 0, 0, 0, 0x10001], 0);
    keys.set([0x406, 1, 0, 0, 0, 3, 0, 0, 0, 0x10001], 10);
    keys.set([0x406, 1, 0, 0, 0, 2, 0, 0, 0, 0x10001], 20);
    const r = hook!([{ keys, flows: 3 }], 2);
    expect(r && { ids: [...r.ids[0]], count: r.count }).toEqual({ ids: [0, 1, 0], count: 2 });
  });

  it('make the same model of every generated scenario, NAT and ICMP errors', () => {
    let flows = 0;
    for (const name of SCENARIOS) {
      const g = generateScenario(name);
      flows += compare(() => g.files.map((f) => input(f.device, f.stage as Stage, f.bytes, f.fileName)));
    }
    const rx = [...conversation('10.0.0.5', 40000), ...conversation('10.0.0.6', 40001).map((p) => ({ ...p, t: p.t + 0.5 }))];
    const tx = [...conversation('203.0.113.250', 61000), ...conversation('203.0.113.251', 61001).map((p) => ({ ...p, t: p.t + 0.5 }))];
    flows += compare(() => [input('fw', 'receive', pcap(rx)), input('fw', 'transmit', pcap(tx))]);
    flows += compare(() => [input('fw', 'receive', icmpErrorCapture())]);
    expect(flows).toBeGreaterThan(20);
    expect(used).toBeGreaterThan(SCENARIOS.length);
  });

  it('make the same model of every public capture', () => {
    let flows = 0;
    for (const n of readdirSync(pub).filter((x) => /\.(pcap|pcapng|cap)$/.test(x))) flows += compare(() => [input('dev', 'receive', readFileSync(join(pub, n)), n)]);
    expect(flows).toBeGreaterThan(100);
  });

  it('grow past what the model expected, and still find the flows seen before', () => {
    // Three points of 300 flows each, none shared (900 ids against the 600 expected), and a fourth
    // that sees the first point's flows again (found after the table grew).
    const points = [0, 1, 2, 0].map((k) => {
      const pkts = [];
      for (let f = 0; f < 300; f++) pkts.push(...conversation(`10.${k}.${f >> 8}.${f & 255}`, 20000 + f).slice(0, 1));
      return pcap(pkts);
    });
    expect(compare(() => points.map((b, k) => input(`fw${k}`, 'receive', b)))).toBe(900);
  });
});
