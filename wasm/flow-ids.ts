// The analysis model's flow ids in WebAssembly (AssemblyScript, built by scripts/build.mjs into
// dist/flow-ids.wasm): each capture point's flows looked up by their key words in one table over
// every point, a new id for a key not seen yet, in the order the keys come (what buildModel's
// assignIds does with FlowTable, shared/engine/model.ts and flow-table.ts; the same ids: keys
// equal as FlowTable compares them). The caller puts a point's keys at keysAt() and reads its
// ids at idsAt(); the table lives after them and grows as flows come.

import { KEY_BYTES, keyHash, reach, sameKey } from './flow-key';

/** Keys in (KEY_WORDS words a flow), ids out, for `room` flows; then the stored keys and the slots. */
let keysIn: usize = 0;
let idsOut: usize = 0;
let stored: usize = 0;
let storedRoom: u32 = 0;
let slots: usize = 0;
let slotCount: u32 = 0;
let count: u32 = 0;

/**
 * A new table for about `expected` distinct keys, points of at most `room` flows at a time: false
 * when the memory cannot hold it.
 */
export function reset(expected: u32, room: u32): bool {
  keysIn = (__heap_base + 15) & ~15;
  idsOut = keysIn + <usize>room * KEY_BYTES;
  stored = (idsOut + (<usize>room << 2) + 15) & ~15;
  storedRoom = expected > 16 ? expected : 16;
  let n: u32 = 64;
  while (n < storedRoom * 2) n <<= 1;
  slotCount = n;
  // The slots go where the stored keys cannot reach: after room for every key the points may bring.
  slots = stored + <usize>storedRoom * KEY_BYTES;
  count = 0;
  if (!reach(slots + (<usize>slotCount << 2))) return false;
  memory.fill(slots, 0, <usize>slotCount << 2);
  return true;
}

export function keysAt(): usize {
  return keysIn;
}
export function idsAt(): usize {
  return idsOut;
}
export function distinct(): u32 {
  return count;
}

/** The ids of the `n` keys at keysAt() into idsAt(): -1 when the memory cannot grow. */
export function assign(n: u32): i32 {
  for (let f: u32 = 0; f < n; f++) {
    const k = keysIn + <usize>f * KEY_BYTES;
    const mask = slotCount - 1;
    let s = keyHash(k) & mask;
    let id: i32 = -1;
    for (;;) {
      const v = load<i32>(slots + (<usize>s << 2));
      if (v === 0) break;
      if (sameKey(stored + <usize>(v - 1) * KEY_BYTES, k)) {
        id = v - 1;
        break;
      }
      s = (s + 1) & mask;
    }
    if (id < 0) {
      if (count >= storedRoom && !grow()) return -1;
      id = <i32>count;
      count++;
      memory.copy(stored + <usize>id * KEY_BYTES, k, KEY_BYTES);
      // The slot found empty above (grow() rehashed: look again).
      let t = keyHash(k) & (slotCount - 1);
      while (load<i32>(slots + (<usize>t << 2)) !== 0) t = (t + 1) & (slotCount - 1);
      store<i32>(slots + (<usize>t << 2), id + 1);
      if (count * 2 > slotCount && !rehash(slotCount * 2)) return -1;
    }
    store<i32>(idsOut + (<usize>f << 2), id);
  }
  return 0;
}

/** Room for twice the stored keys: the slots move past them, rehashed. */
function grow(): bool {
  storedRoom *= 2;
  slots = stored + <usize>storedRoom * KEY_BYTES;
  return rehash(slotCount);
}

function rehash(n: u32): bool {
  if (!reach(slots + (<usize>n << 2))) return false;
  slotCount = n;
  memory.fill(slots, 0, <usize>n << 2);
  const mask = n - 1;
  for (let id: u32 = 0; id < count; id++) {
    let s = keyHash(stored + <usize>id * KEY_BYTES) & mask;
    while (load<i32>(slots + (<usize>s << 2)) !== 0) s = (s + 1) & mask;
    store<i32>(slots + (<usize>s << 2), <i32>id + 1);
  }
  return true;
}
