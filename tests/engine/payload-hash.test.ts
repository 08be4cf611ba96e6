/**
 * The payload hash in each row's signature (capture-index.ts payloadHash; wasm/index-core.ts has the
 * same, which index-core.test.ts holds to it): it covers a payload's first 16 captured bytes and
 * its last 4, and its captured length, and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { payloadHash } from '../../shared/engine/capture-index.ts';

/** A payload of n bytes at offset 3 of a buffer with other bytes around it. */
function payload(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n + 6).fill(0xee);
  for (let i = 0; i < n; i++) b[3 + i] = (i * 37 + seed * 11) & 0xff;
  return b;
}
const hash = (b: Uint8Array, n: number) => payloadHash(b, 3, n);

describe('payloadHash', () => {
  it('changes with any of the first 16 and last 4 bytes, for every length', () => {
    for (let n = 1; n <= 40; n++) {
      const base = hash(payload(n), n);
      const covered = [...Array(Math.min(n, 16)).keys(), ...Array.from({ length: Math.min(4, Math.max(0, n - 16)) }, (_, k) => n - 1 - k)];
      for (const i of covered) {
        const b = payload(n);
        b[3 + i] ^= 0x5a;
        expect(hash(b, n), `length ${n}, byte ${i}`).not.toBe(base);
      }
    }
  });

  it('does not read the bytes between, nor outside the captured payload', () => {
    const n = 100;
    const b = payload(n);
    const base = hash(b, n);
    for (let i = 16; i < n - 4; i++) b[3 + i] ^= 0xff;
    b[2] ^= 0xff;
    b[3 + n] ^= 0xff;
    expect(hash(b, n)).toBe(base);
  });

  it('tells lengths apart where the bytes alone would not (zero padding)', () => {
    const b = new Uint8Array(32);
    const seen = new Set<number>();
    for (let n = 1; n <= 20; n++) seen.add(payloadHash(b, 0, n));
    expect(seen.size).toBe(20);
  });
});
