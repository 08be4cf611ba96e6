/**
 * isoToNs (renderer/src/util/time.ts): the analysis's times (YYYY-MM-DDTHH:MM:SS.fffffffffZ) read
 * digit by digit with the day's first second cached, other ISO forms through the regular
 * expression. Checked against Date.parse on times across days, months, years and a leap day, in
 * an order that changes the day from one call to the next.
 */
import { describe, expect, it } from 'vitest';
import { isoToNs } from '../../renderer/src/util/time.ts';

/** ns after baseSec, from Date.parse (whole seconds) and the fraction's digits. */
function reference(iso: string, baseSec: number): number {
  const m = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (!m) return NaN;
  const sec = Date.parse(`${m[1]}Z`) / 1000;
  return (sec - baseSec) * 1e9 + (m[2] ? Number(m[2].padEnd(9, '0')) : 0);
}

describe('isoToNs', () => {
  it('reads the analysis times exactly, whatever day came before', () => {
    const baseSec = 1_700_900_000;
    const starts = [Date.UTC(2023, 10, 25, 22, 22, 3), Date.UTC(2023, 11, 31, 23, 59, 59), Date.UTC(2024, 1, 28, 23, 59, 58), Date.UTC(2024, 1, 29, 12, 0, 0)];
    let checked = 0;
    for (let i = 0; i < 2000; i++) {
      // Alternate between days so the cached day is often wrong for the next call.
      const ms = starts[i % starts.length] + ((i * 7919) % 200_000) * 1000;
      const frac = String((i * 104_729_3) % 1e9).padStart(9, '0');
      const iso = `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
      expect(iso).toHaveLength(30);
      expect(isoToNs(iso, baseSec), iso).toBe(reference(iso, baseSec));
      checked++;
    }
    expect(checked).toBe(2000);
    expect(isoToNs('2023-11-25T22:22:06.821040000Z', 1_700_950_926)).toBe(821_040_000);
  });

  it('reads other ISO forms the same way, and nothing else', () => {
    for (const iso of ['2023-11-25T22:22:06Z', '2023-11-25T22:22:06.8Z', '2023-11-25T22:22:06.821040Z']) expect(isoToNs(iso, 1_700_950_000), iso).toBe(reference(iso, 1_700_950_000));
    for (const bad of ['', '2023-11-25 22:22:06.821040000Z', '2023-11-25T22:22:06.82104000xZ', '2023-11-25T22:2a:06.821040000Z', '2023-11-25T22:22:06.821040000+']) expect(isoToNs(bad, 0), bad).toBeNaN();
  });
});
