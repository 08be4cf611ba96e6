/**
 * Flow table of one capture point: bidirectional inner 5-tuple -> flow number, in an
 * open-addressing hash table over a flat key store (no string keys, no allocation per packet).
 *
 * Key words (10 x uint32): [version << 8 | proto, addrA(4), addrB(4), portA << 16 | portB],
 * with (addrA, portA) <= (addrB, portB) so both directions share one key. IPv4 uses the first
 * address word only.
 */
export const KEY_WORDS = 10;

export class FlowTable {
  // Small at first: the table grows (keys copied, slots rehashed) within a capture's first few
  // dozen flows, before V8 optimizes the reading path, which inlines lookupOrAdd. Growing it for
  // the first time after that threw the optimized code away (twice per thread on the bench set).
  keys: Uint32Array;
  private slots: Int32Array; // flow number + 1, 0 = empty
  count = 0;
  /** Scratch key of the packet being looked up. */
  readonly probe = new Uint32Array(KEY_WORDS);

  /** Finds the probe key, adding it when new. Returns [flow number, isNew] via `lastWasNew`. */
  lastWasNew = false;

  /** `expected`: keys it will likely hold (the model knows), so that it need not grow. */
  constructor(expected = 16) {
    let slots = 64;
    while (slots < expected * 2) slots *= 2;
    this.keys = new Uint32Array(Math.max(16, expected) * KEY_WORDS);
    this.slots = new Int32Array(slots);
  }

  lookupOrAdd(): number {
    const k = this.probe;
    const h = keyHash(k, 0);
    const mask = this.slots.length - 1;
    let s = h & mask;
    for (;;) {
      const v = this.slots[s];
      // The next slot worked out on every probe, not only on a collision: a step only taken after
      // V8 had compiled this had no type feedback, and threw the compiled code away.
      const next = (s + 1) & mask;
      if (v === 0) break;
      const base = (v - 1) * KEY_WORDS;
      const keys = this.keys;
      // IPv4 keys (version in word 0) have zeros in the address words past the first: equal
      // first words mean equal versions, so comparing words 0, 1, 5 and 9 is enough.
      let eq = keys[base] === k[0] && keys[base + 1] === k[1] && keys[base + 5] === k[5] && keys[base + 9] === k[9];
      if (eq && k[0] >>> 8 !== 4) {
        for (let i = 2; i < KEY_WORDS - 1; i++) {
          if (i !== 5 && keys[base + i] !== k[i]) {
            eq = false;
            break;
          }
        }
      }
      if (eq) {
        this.lastWasNew = false;
        return v - 1;
      }
      s = next;
    }
    const id = this.count++;
    if ((id + 1) * KEY_WORDS > this.keys.length) {
      const next = new Uint32Array(this.keys.length * 2);
      next.set(this.keys);
      this.keys = next;
    }
    this.keys.set(k, id * KEY_WORDS);
    this.slots[s] = id + 1;
    this.lastWasNew = true;
    if (this.count * 2 > this.slots.length) this.rehash();
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let s = keyHash(this.keys, id * KEY_WORDS) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
    }
    this.slots = slots;
  }

  /** The key of a flow as text-independent words (a copy). */
  keyOf(id: number): Uint32Array {
    return this.keys.slice(id * KEY_WORDS, (id + 1) * KEY_WORDS);
  }
}

/** The hash of the key at k[o .. o + KEY_WORDS): of words 0, 1, 5 and 9 only for IPv4 (the rest are zero). */
function keyHash(k: Uint32Array, o: number): number {
  let h = 0x811c9dc5;
  const v4 = k[o] >>> 8 === 4;
  for (let i = 0; i < KEY_WORDS; i++) {
    if (v4 && i !== 0 && i !== 1 && i !== 5 && i !== 9) continue;
    h = Math.imul(h ^ k[o + i], 0x01000193);
    h ^= h >>> 15;
  }
  return h;
}
