/**
 * An export saved in parts in the desktop app (saveBegin, then saveWrite per part, then finish):
 * no limit on the whole, each request at most MAX_SAVE_PART_BYTES. A part that fails gives the
 * save up (main deletes its half-written file) and the error goes to the caller.
 */
import { MAX_SAVE_PART_BYTES, type SaveBeginRequest, type SaveResult, type StagediffBridge } from '../../../shared/api/bridge.ts';

export async function saveInParts(b: Pick<StagediffBridge, 'saveBegin' | 'saveWrite'>, req: SaveBeginRequest, parts: (string | Uint8Array)[], max = MAX_SAVE_PART_BYTES): Promise<SaveResult> {
  const begun = await b.saveBegin(req);
  if (!begun.saved) return { saved: false };
  try {
    for (const part of parts) for (const piece of pieces(part, max)) await b.saveWrite({ token: begun.token, data: piece });
  } catch (e) {
    await b.saveWrite({ token: begun.token, end: 'abandon' }).catch(() => {});
    throw e;
  }
  const done = await b.saveWrite({ token: begun.token, end: 'finish' });
  return done ?? { saved: false };
}

/** A part in pieces of at most `max` characters or bytes; text is not cut inside a surrogate pair. */
export function* pieces(part: string | Uint8Array, max: number): Generator<string | Uint8Array> {
  const n = typeof part === 'string' ? part.length : part.byteLength;
  for (let at = 0; at < n; ) {
    let end = Math.min(n, at + max);
    if (typeof part === 'string') {
      // A high surrogate last: its pair goes with the next piece (each piece is then valid UTF-16).
      const c = part.charCodeAt(end - 1);
      if (end < n && c >= 0xd800 && c <= 0xdbff && end - 1 > at) end--;
      yield part.slice(at, end);
    } else yield part.subarray(at, end);
    at = end;
  }
}
