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

describe('lean index', () => {
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
