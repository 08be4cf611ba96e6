/** Entry point: decode one record's bytes into a reusable Decoded. Never throws. */
import { Decoded } from './decoded.ts';
import { decodeLink } from './link.ts';

export function decodePacket(
  d: Decoded,
  linkType: number,
  bytes: Uint8Array,
  offset: number,
  capLen: number,
  origLen: number,
): Decoded {
  d.reset();
  d.snapped = capLen < origLen;
  d.reportedEnd = offset + (origLen > capLen ? origLen : capLen);
  try {
    decodeLink(d, linkType, bytes, offset, offset + capLen);
  } catch {
    // Defensive: every decoder checks its bounds, but a decode error must never stop a file.
    d.malformed ??= 'decoder error';
  }
  return d;
}
