/**
 * A flow's timeline (FlowFacts.timeline): every packet of every capture point that saw the flow,
 * in time order; at equal times the earlier stage (receive, firewall, transmit, drop) first, then
 * the capture given first. One point is copied, two are merged pairwise, more by the k-way merge:
 * all three must give that order.
 */
import { describe, expect, it } from 'vitest';
import { buildModel } from '../../shared/engine/model.ts';
import { flowFacts, stagesByDevice } from '../../shared/findings/facts.ts';
import { DEFAULT_SETTINGS } from '../../shared/engine/settings.ts';
import type { Stage } from '../../shared/api/analysis.ts';
import { conversation, pcap } from '../support/nat-capture.ts';
import { indexBytes } from '../support/analyze-bytes.ts';

const RANK: Record<Stage, number> = { receive: 0, firewall: 1, transmit: 2, drop: 3, unknown: 4 };

/** The flow's conversation at each point, shifted by that point's offsets (seconds, per packet). */
function timelineOf(points: { device: string; stage: Stage; shift: (i: number) => number }[]) {
  const inputs = points.map((p) => {
    const pkts = conversation('10.0.0.5', 40000).map((x, i) => ({ ...x, t: x.t + p.shift(i) }));
    return { spec: { path: `${p.device}_${p.stage}.pcap`, device: p.device, stage: p.stage, labelled: 'explicit' as const }, ix: indexBytes(pcap(pkts)) };
  });
  const m = buildModel(inputs, { ...DEFAULT_SETTINGS }, {});
  expect(m.flows).toHaveLength(1);
  const flow = m.flows[0];
  const f = flowFacts(m, flow, stagesByDevice(m));
  const out: { t: number; point: number; row: number }[] = [];
  for (let e = 0; e < f.timeline.n; e++) out.push({ t: f.timeline.t[e], point: flow.at[f.timeline.at[e]].point.index, row: f.timeline.row[e] });
  return { out, points: inputs.map((x) => x.spec), flags: Array.from(f.timeline.bits.subarray(0, f.timeline.n)) };
}

/** Every (time, point, row) of the inputs, sorted by time, then stage rank, then input order. */
function expected(points: { stage: Stage; shift: (i: number) => number }[], conv = conversation('10.0.0.5', 40000)) {
  const all: { t: number; point: number; row: number; rank: number }[] = [];
  points.forEach((p, point) => conv.forEach((x, row) => all.push({ t: x.t + p.shift(row), point, row, rank: RANK[p.stage] })));
  all.sort((a, b) => a.t - b.t || a.rank - b.rank || a.point - b.point);
  return all.map(({ point, row }) => ({ point, row }));
}

describe('flow timeline', () => {
  const cases: { name: string; points: { device: string; stage: Stage; shift: (i: number) => number }[] }[] = [
    { name: 'one point', points: [{ device: 'fw', stage: 'receive', shift: () => 0 }] },
    {
      name: 'two points, transmit given first, every packet at the same time at both',
      points: [
        { device: 'fw', stage: 'transmit', shift: () => 0 },
        { device: 'fw', stage: 'receive', shift: () => 0 },
      ],
    },
    {
      name: 'two points of one stage: ties keep the capture given first; interleaved times',
      points: [
        { device: 'fw1', stage: 'receive', shift: (i) => (i % 2 ? 0.004 : 0) },
        { device: 'fw2', stage: 'receive', shift: (i) => (i % 3 ? 0 : 0.006) },
      ],
    },
    {
      name: 'four points of two devices, ties across all of them',
      points: [
        { device: 'fw2', stage: 'drop', shift: () => 0 },
        { device: 'fw1', stage: 'transmit', shift: (i) => (i % 2 ? 0.0001 : 0) },
        { device: 'fw1', stage: 'receive', shift: () => 0 },
        { device: 'fw2', stage: 'firewall', shift: (i) => (i > 4 ? 0.002 : 0) },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { out, flags } = timelineOf(c.points);
      const times = out.map((x) => x.t);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(out.map(({ point, row }) => ({ point, row }))).toEqual(expected(c.points));
      // Each event carries its own packet's flags: the conversation's SYN is the first event of
      // every point.
      expect(flags.filter((b) => (b & 0x12) === 0x02)).toHaveLength(c.points.length);
    });
  }
});
