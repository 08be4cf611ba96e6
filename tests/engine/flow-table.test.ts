import { describe, expect, it } from 'vitest';
import { FlowTable, KEY_WORDS } from '../../shared/engine/flow-table.ts';

/** An IPv4 or IPv6 key as the indexer fills the probe (sides already ordered). */
function setKey(t: FlowTable, n: number, v6: boolean): void {
  const k = t.probe;
  k.fill(0);
  k[0] = ((v6 ? 6 : 4) << 8) | 6;
  k[1] = 0x0a000000 + n;
  k[5] = 0xc6336400 + (n % 7);
  if (v6) {
    k[2] = n * 3;
    k[6] = n * 5;
  }
  k[9] = (((1024 + (n % 50000)) << 16) | 443) >>> 0;
}

describe('FlowTable', () => {
  it('keeps every flow number through its growth from a few flows to thousands', () => {
    const t = new FlowTable();
    const N = 5000;
    // Interleave new keys with lookups of old ones, as packets of many flows arrive.
    for (let i = 0; i < N; i++) {
      for (const v6 of [false, true]) {
        setKey(t, i, v6);
        expect(t.lookupOrAdd()).toBe(2 * i + (v6 ? 1 : 0));
        expect(t.lastWasNew).toBe(true);
      }
      const j = (i * 7919) % (i + 1);
      setKey(t, j, true);
      expect(t.lookupOrAdd()).toBe(2 * j + 1);
      expect(t.lastWasNew).toBe(false);
    }
    expect(t.count).toBe(2 * N);
    for (let i = 0; i < N; i++) {
      setKey(t, i, false);
      expect(t.lookupOrAdd()).toBe(2 * i);
      expect(t.lastWasNew).toBe(false);
      expect(Array.from(t.keyOf(2 * i))).toEqual(Array.from(t.probe));
    }
    expect(t.keys.length).toBeGreaterThanOrEqual(2 * N * KEY_WORDS);
  });

  it('sized for the keys it is told to expect, never grows while taking them, and still grows past them', () => {
    const N = 3000;
    const t = new FlowTable(N);
    const keys = t.keys;
    for (let i = 0; i < N; i++) {
      setKey(t, i, i % 2 === 1);
      expect(t.lookupOrAdd()).toBe(i);
    }
    expect(t.keys).toBe(keys);
    for (let i = N; i < 2 * N; i++) {
      setKey(t, i, false);
      expect(t.lookupOrAdd()).toBe(i);
    }
    expect(t.keys).not.toBe(keys);
    for (let i = 0; i < 2 * N; i++) {
      setKey(t, i, i < N && i % 2 === 1);
      expect(t.lookupOrAdd()).toBe(i);
      expect(t.lastWasNew).toBe(false);
    }
  });
});
