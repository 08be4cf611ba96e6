/**
 * `analyze` indexes lean (IndexedCapture.lean): the per-packet columns only the app and export
 * read are not kept, and the analysis reads nothing else, so its result is the full index's.
 */
import { describe, expect, it } from 'vitest';
import { CaptureIndexer } from '../../shared/engine/capture-index.ts';
import { analyzeIndexes, type AnalysisInput } from '../../shared/engine/analyze.ts';
import type { Stage } from '../../shared/api/analysis.ts';
import { generateScenario, SCENARIOS } from '../gen/scenarios.ts';
import { conversation, pcap } from '../support/nat-capture.ts';
import { icmpErrorCapture } from '../support/icmp-capture.ts';

function index(bytes: Uint8Array, lean: boolean) {
  const ix = new CaptureIndexer(false, true, lean);
  ix.push(bytes);
  return ix.finish();
}

function both(files: { device: string; stage: Stage; bytes: Uint8Array }[]) {
  const inputs = (lean: boolean): AnalysisInput[] => files.map((f, i) => ({ spec: { path: `f${i}`, device: f.device, stage: f.stage, labelled: 'explicit' }, ix: index(f.bytes, lean) }));
  return { full: analyzeIndexes(inputs(false)), lean: analyzeIndexes(inputs(true)), leanIx: inputs(true)[0].ix };
}

/** Each flow's grouped rows: in (time, row) order, and exactly the rows the index gave that flow. */
function expectGroupsSorted(ix: ReturnType<typeof index>, flowOfRow: number[]) {
  for (let f = 0; f + 1 < ix.rowStart.length; f++) {
    const rows = Array.from(ix.rows.subarray(ix.rowStart[f], ix.rowStart[f + 1]));
    const times = Array.from(ix.groupT.subarray(ix.rowStart[f], ix.rowStart[f + 1]));
    for (let k = 1; k < rows.length; k++) expect(times[k] > times[k - 1] || (times[k] === times[k - 1] && rows[k] > rows[k - 1])).toBe(true);
    expect([...rows].sort((a, b) => a - b)).toEqual(flowOfRow.flatMap((g, r) => (g === f ? [r] : [])));
  }
}

describe('lean index', () => {
  it("sorts each flow's rows by time: a few neighbours swapped, and a flow far out of order", () => {
    // Flow A: 400 packets, every 7th pair swapped (a receive stage's reordering). Flow B: 3000
    // packets in reverse time order (beyond what sorting by insertion does in linear time).
    const a = conversation('10.0.0.5', 40000);
    const b = conversation('10.0.0.6', 40001);
    const pkts: { t: number; b: Uint8Array; flow: number }[] = [];
    for (let i = 0; i < 400; i++) pkts.push({ t: 1 + i * 0.001 + (i % 7 === 3 ? 0.0015 : 0), b: a[i % a.length].b, flow: 0 });
    for (let i = 0; i < 3000; i++) pkts.push({ t: 10 - i * 0.001, b: b[i % b.length].b, flow: 1 });
    // Interleaved in file order, the reversed flow's times running backwards.
    pkts.sort((x, y) => (x.flow === y.flow ? 0 : x.flow - y.flow));
    const order = pkts.map((p, i) => ({ p, k: p.flow === 0 ? i * 7.5 : (i - 400) }));
    order.sort((x, y) => x.k - y.k);
    const file = order.map((x) => x.p);
    for (const lean of [true, false]) {
      const ix = index(pcap(file), lean);
      expect(ix.packets).toBe(3400);
      // Flow numbers in order of first appearance.
      const first = file[0].flow;
      expectGroupsSorted(ix, file.map((p) => (p.flow === first ? 0 : 1)));
    }
  });

  it('keeps only the grouped columns', () => {
    const { leanIx: ix } = both([{ device: 'fw', stage: 'receive', bytes: generateScenario('gwlb-incident').files[0].bytes }]);
    expect(ix.lean).toBe(true);
    expect(ix.packets).toBeGreaterThan(10);
    for (const c of [ix.tNs, ix.flow, ix.flags, ix.tcpFlags, ix.seq, ix.ack, ix.len, ix.ipId, ix.hash, ix.cookie, ix.wireLen, ix.fileOffset]) expect(c.length).toBe(0);
    for (const c of [ix.rows, ix.groupT, ix.groupSig, ix.groupIpId, ix.groupBits]) expect(c.length).toBe(ix.rows.length);
    expect(ix.wireBytes).toBeGreaterThan(ix.packets * 40);
  });

  it('gives the full index analysis: every scenario, NAT with turned-around sides, ICMP errors', () => {
    let findings = 0;
    for (const name of SCENARIOS) {
      const { full, lean } = both(generateScenario(name).files.map((f) => ({ device: f.device, stage: f.stage as Stage, bytes: f.bytes })));
      expect(lean).toEqual(full);
      findings += full.findings.length;
    }
    expect(findings).toBeGreaterThan(5);
    const rx = [...conversation('10.0.0.5', 40000), ...conversation('10.0.0.6', 40001).map((p) => ({ ...p, t: p.t + 0.5 }))];
    const tx = [...conversation('203.0.113.250', 61000, undefined, new Set([5])), ...conversation('203.0.113.251', 61001).map((p) => ({ ...p, t: p.t + 0.5 }))];
    const nat = both([
      { device: 'fw', stage: 'receive', bytes: pcap(rx) },
      { device: 'fw', stage: 'transmit', bytes: pcap(tx.map((p) => ({ ...p, t: p.t + 0.0001 }))) },
    ]);
    expect(nat.lean).toEqual(nat.full);
    expect(nat.full.flows[0].nat?.[0].client).toBe("203.0.113.250:61000");
    const icmp = both([{ device: 'fw', stage: 'receive', bytes: icmpErrorCapture() }]);
    expect(icmp.lean).toEqual(icmp.full);
    expect(icmp.full.flows.some((f) => f.relatedFlow)).toBe(true);
  });
});
