/**
 * What the timeline draws a selected flow's packets from (renderer/src/util/packets.ts): the set
 * split by capture and verdict (rowsByVerdict: every packet once, each part in time order, dropped
 * packets last so that their marks are on top), and entryAt, the binary search that limits the
 * pointer's hit test to the packets near it; flowPackets, a flow's packets from the index's rows
 * grouped by flow. On the GWLB incident's eight captures, indexed from their bytes; the verdicts
 * are a pattern over the rows (the split is what is tested).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexFile } from '../../shared/node/file-source.ts';
import { allPackets, entryAt, flowPackets, rowsByVerdict, timeNs } from '../../renderer/src/util/packets.ts';
import type { AnalysisView } from '../../renderer/src/state/session.ts';
import { generateScenario } from '../gen/scenarios.ts';
import { V_DROPPED } from '../../renderer/src/engine/protocol.ts';

async function incident(): Promise<AnalysisView> {
  const dir = mkdtempSync(join(tmpdir(), 'stagediff-marks-'));
  const entries = [];
  for (const f of generateScenario('gwlb-incident', 'pcap-le-us').files) {
    const path = join(dir, f.fileName);
    writeFileSync(path, f.bytes);
    entries.push({ ix: await indexFile(path) });
  }
  const baseSec = Math.min(...entries.map((e) => e.ix.baseSec));
  const verdicts = entries.map((e) => Uint8Array.from({ length: e.ix.packets }, (_, r) => (r * 7 + 3) % 4));
  return { entries, extras: { ids: [], baseSec, shiftNs: entries.map((e) => (e.ix.baseSec - baseSec) * 1e9), verdicts } } as unknown as AnalysisView;
}

describe("the timeline's flow marks", () => {
  it('split a packet set by capture and verdict, every packet once, in time order, dropped last', async () => {
    const a = await incident();
    const set = allPackets(a);
    expect(set.length).toBeGreaterThan(1000);
    const parts = rowsByVerdict(a, set);
    const seen = new Set<string>();
    for (const p of parts) {
      const v = a.extras.verdicts![p.pos];
      for (let i = 0; i < p.rows.length; i++) {
        expect(v[p.rows[i]]).toBe(p.verdict);
        seen.add(`${p.pos}:${p.rows[i]}`);
        if (i > 0) expect(timeNs(a, p.pos, p.rows[i])).toBeGreaterThanOrEqual(timeNs(a, p.pos, p.rows[i - 1]));
      }
    }
    expect(seen.size).toBe(set.length);
    expect(parts.reduce((n, p) => n + p.rows.length, 0)).toBe(set.length);
    const firstDropped = parts.findIndex((p) => p.verdict === V_DROPPED);
    expect(firstDropped).toBeGreaterThan(0);
    expect(parts.slice(firstDropped).every((p) => p.verdict === V_DROPPED)).toBe(true);
  });

  it('find the packets between two times as a scan of the whole set does', async () => {
    const a = await incident();
    const set = allPackets(a);
    const t = (i: number) => timeNs(a, set.pos[i], set.row[i]);
    for (const i of [0, 1, 17, Math.floor(set.length / 2), set.length - 2, set.length - 1]) {
      for (const [from, to] of [
        [t(i), t(i)],
        [t(i) - 1, t(i) + 5e6],
        [t(i) - 400e9, t(i) + 1],
      ]) {
        let first = 0;
        while (first < set.length && t(first) < from) first++;
        let end = first;
        while (end < set.length && t(end) <= to) end++;
        expect([entryAt(a, set, from), entryAt(a, set, to, true)]).toEqual([first, end]);
      }
    }
  });

  it("give a flow's packets at a capture point as its rows' flow ids say, in time order", async () => {
    const a = await incident();
    // One "flow" per local flow of each capture (flowAt: capture, local flow).
    const flowAt: Int32Array[] = [];
    a.entries.forEach((e, p) => e.ix!.flows.forEach((_, local) => flowAt.push(Int32Array.of(p, local))));
    (a.extras as { flowAt?: Int32Array[] }).flowAt = flowAt;
    expect(flowAt.length).toBeGreaterThan(100);
    let packets = 0;
    flowAt.forEach(([p, local], i) => {
      const ix = a.entries[p].ix!;
      const want: number[] = [];
      for (let r = 0; r < ix.packets; r++) if (ix.flow[r] === local) want.push(r);
      want.sort((x, y) => ix.tNs[x] - ix.tNs[y] || x - y);
      const set = flowPackets(a, i);
      expect([...set.row.subarray(0, set.length)]).toEqual(want);
      expect([...set.pos.subarray(0, set.length)].every((x) => x === p)).toBe(true);
      packets += set.length;
    });
    expect(packets).toBeGreaterThan(1000);
  });
});
