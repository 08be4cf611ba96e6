/**
 * The timeline's "all packets" marks (renderer/src/util/packets.ts markColumns): one mark for each
 * pixel column that holds a packet of the visible time range, found by skipping through the rows
 * in time order. Checked against looking at every packet, on generated GWLB traffic (thousands of
 * packets, several per column at a wide view, one column each when zoomed in) and on the public
 * captures, at the whole range and at zoomed windows that start and end inside the capture.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexFile } from '../../shared/node/file-source.ts';
import { markColumns } from '../../renderer/src/util/packets.ts';
import { writeBulk } from '../gen/scenarios.ts';

const pub = join(import.meta.dirname, '..', '..', '..', 'shared', 'captures', 'public');

/** Columns with a packet, by looking at each (what the timeline drew before). */
function everyPacket(t: Float64Array, shift: number, d0: number, d1: number, r0: number, perNs: number): number[] {
  const cols = new Set<number>();
  for (const v of t) {
    const time = shift + v;
    if (time >= d0 && time <= d1) cols.add(Math.floor(r0 + (time - d0) * perNs));
  }
  return [...cols].sort((a, b) => a - b);
}

function marked(t: Float64Array, shift: number, d0: number, d1: number, r0: number, perNs: number): number[] {
  const rows = Uint32Array.from(t.keys()).sort((a, b) => t[a] - t[b] || a - b);
  const cols: number[] = [];
  markColumns(rows, t, shift, d0, d1, r0, perNs, (px) => cols.push(px));
  return [...new Set(cols)].sort((a, b) => a - b);
}

/** The whole range and windows inside it, on plots 1,200 and 90 pixels wide. */
function check(t: Float64Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of t) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const shift = 4e9 + 123;
  let compared = 0;
  for (const [a, b] of [
    [0, 1],
    [0.25, 0.5],
    [0.4, 0.4001],
    [0.9, 1.2],
    [-0.3, 0.05],
  ]) {
    for (const width of [1200, 90]) {
      const d0 = shift + lo + a * (hi - lo);
      const d1 = shift + lo + b * (hi - lo);
      const perNs = width / Math.max(1, d1 - d0);
      const want = everyPacket(t, shift, d0, d1, 60, perNs);
      expect(marked(t, shift, d0, d1, 60, perNs), `window ${a}-${b}, ${width} px`).toEqual(want);
      compared += want.length;
    }
  }
  return compared;
}

describe('timeline marks for all packets', () => {
  it('marks exactly the pixel columns that hold a packet, on generated GWLB traffic', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-marks-'));
    const parts: Uint8Array[][] = [[], [], [], []];
    await writeBulk(3e6, 'pcap-le-us', { write: (file, chunk) => void parts[file].push(chunk.slice()) });
    const path = join(dir, 'bulk.pcap');
    writeFileSync(path, Buffer.concat(parts[0]));
    const ix = await indexFile(path);
    expect(ix.packets).toBeGreaterThan(2000);
    // Several packets share a column at 90 pixels: the skipping is what is tested.
    expect(check(ix.tNs)).toBeGreaterThan(500);
  });

  it('does so on every public capture with packets', async () => {
    let files = 0;
    for (const name of readdirSync(pub).filter((f) => /\.(pcap|pcapng|cap)$/.test(f))) {
      const ix = await indexFile(join(pub, name));
      if (ix.packets < 2) continue;
      check(ix.tNs);
      files++;
    }
    expect(files).toBeGreaterThan(50);
  });
});
