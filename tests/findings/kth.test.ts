/** The median latency is picked by selection (kth), not by sorting: both must agree. */
import { describe, expect, it } from 'vitest';
import { kth } from '../../shared/findings/facts.ts';

describe('kth', () => {
  it('gives what sorting gives, for every k, with duplicates, sorted and reversed input', () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const cases: number[][] = [[5], [2, 1], [1, 1, 1], [3, 1, 2], Array.from({ length: 50 }, (_, i) => i), Array.from({ length: 50 }, (_, i) => 50 - i)];
    for (let c = 0; c < 200; c++) cases.push(Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 10) * 1.5 - 3));
    for (const values of cases) {
      const sorted = Float64Array.from(values).sort();
      for (let k = 0; k < values.length; k++) expect(kth(Float64Array.from(values), values.length, k)).toBe(sorted[k]);
    }
  });

  it('looks only at the first n values', () => {
    expect(kth(Float64Array.from([9, 1, 5, -100, -200]), 3, 1)).toBe(5);
  });
});
