import type { IndexedCapture } from '../../shared/engine/capture-index.ts';

/** An index as plain data, to compare two field by field: typed arrays as arrays (shared or not), everything else as is. */
export function plainIndex(ix: IndexedCapture): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const conv = (v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v);
  for (const [k, v] of Object.entries(ix)) {
    if (k === 'packedFlows' && v) out[k] = Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, conv(pv)]));
    else out[k] = conv(v);
  }
  return out;
}
