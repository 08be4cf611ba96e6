/** Test helpers for captures taken apart and timers that make the rules fire (quiet-flows tests, quiet-fuzz). */
import { DEFAULT_SETTINGS, type Settings } from '../../shared/engine/settings.ts';

/** A classic little-endian pcap's records (after its 24-byte header), each with its 16-byte header. */
export function pcapRecords(bytes: Uint8Array): Uint8Array[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let o = 24; o + 16 <= bytes.length; ) {
    const len = 16 + dv.getUint32(o + 8, true);
    out.push(bytes.subarray(o, o + len));
    o += len;
  }
  return out;
}

/** Short timers: idle gaps, half-closes, handshakes and ages that the rules and end reasons see. */
export const SHORT_TIMERS: Settings = { ...DEFAULT_SETTINGS, gwlbIdleTimeout: 60, gwlbUdpTimeout: 1, tcpHalfClosed: 1, tcpHandshake: 1, tcpTimeout: 1, udpTimeout: 1, icmpTimeout: 1 };
