// What the two modules that keep flow tables share (wasm/index-core.ts, wasm/flow-ids.ts): the
// flow key of shared/engine/flow-table.ts (KEY_WORDS words: version and protocol, the two
// addresses, the ports), its hash and its equality as FlowTable has them, and growing memory (which
// wasm/flow-quiet.ts uses too).

export const KEY_WORDS: u32 = 10;
export const KEY_BYTES: usize = 40;

/** flow-table.ts keyHash of the key at `k` (IPv4: words 0, 1, 5 and 9 only). */
@inline export function keyHash(k: usize): u32 {
  let h: u32 = 0x811c9dc5;
  const v4 = load<u32>(k) >>> 8 === 4;
  for (let i: u32 = 0; i < KEY_WORDS; i++) {
    if (v4 && i !== 0 && i !== 1 && i !== 5 && i !== 9) continue;
    h = (h ^ load<u32>(k + (<usize>i << 2))) * 0x01000193;
    h ^= h >>> 15;
  }
  return h;
}

/**
 * Whether the keys at `a` and `b` are equal as FlowTable.lookupOrAdd compares them: words 0, 1, 5
 * and 9, then (not IPv4, whose other address words are zero) the rest.
 */
@inline export function sameKey(a: usize, b: usize): bool {
  if (load<u32>(a) !== load<u32>(b) || load<u32>(a + 4) !== load<u32>(b + 4) || load<u32>(a + 20) !== load<u32>(b + 20) || load<u32>(a + 36) !== load<u32>(b + 36)) return false;
  if (load<u32>(b) >>> 8 === 4) return true;
  for (let i: usize = 2; i < <usize>KEY_WORDS - 1; i++) if (i !== 5 && load<u32>(a + (i << 2)) !== load<u32>(b + (i << 2))) return false;
  return true;
}

/** The memory grown to `end` bytes at least; false when it cannot grow. */
export function reach(end: usize): bool {
  const have = <usize>memory.size() << 16;
  if (end <= have) return true;
  return memory.grow(<i32>((end - have + 0xffff) >>> 16)) >= 0;
}
