/**
 * The index's fast path: the common packet shapes decoded straight into the fields the capture
 * index reads, without the layer list the field printer needs. Ethernet, IPv4 without options or
 * fragmentation, TCP, UDP and GENEVE (RFC 8926, AWS GWLB options) around an Ethernet or IPv4
 * inner packet. Anything else, and any packet the full decoder would call malformed, returns
 * false and goes through decodePacket, which stays the reference: tests/decode/fast-index.test.ts
 * checks that both agree on every field the index reads, packet by packet, on every capture we
 * have.
 */
import type { Decoded } from './decoded.ts';
import { u16, u32 } from './bytes.ts';
import { AWS_OPTION_CLASS, GENEVE_PORT, VXLAN_PORT } from './tunnel.ts';
import { beginIp } from './ip.ts';
import { tcpHeaderFields } from './transport.ts';

const LINKTYPE_ETHERNET = 1;

/** Decodes `bytes` into `d` when the packet has one of the fast shapes; false otherwise. */
export function decodeForIndex(d: Decoded, linkType: number, b: Uint8Array, offset: number, capLen: number, origLen: number): boolean {
  if (linkType !== LINKTYPE_ETHERNET || capLen < 34) return false;
  d.reset();
  d.snapped = capLen < origLen;
  d.reportedEnd = offset + (origLen > capLen ? origLen : capLen);
  if (u16(b, offset + 12) !== 0x0800) return false;
  return ipv4(d, b, offset + 14, offset + capLen, true);
}

/** IPv4 at `off`, the packet's captured bytes ending at `end`; `outer`: GENEVE may follow. */
function ipv4(d: Decoded, b: Uint8Array, off: number, end: number, outer: boolean): boolean {
  // Version 4, header length 20 (no options), captured whole.
  if (end - off < 20 || b[off] !== 0x45) return false;
  const total = u16(b, off + 2);
  const ipRep = off + total;
  if (total < 20 || ipRep > d.reportedEnd) return false;
  // Not a fragment (MF clear, offset 0).
  if ((u16(b, off + 6) & 0x3fff) !== 0) return false;
  const ipEnd = ipRep < end ? ipRep : end;
  const proto = b[off + 9];
  // The fields of this (innermost so far) IP packet, as the full decoder starts them.
  beginIp(d, 4, off + 12, off + 16, proto, false);
  d.ipLen = total;
  d.ipId = u16(b, off + 4);
  d.ipTtl = b[off + 8];
  if (d.outerSrc4 === -1) {
    d.outerSrc4 = u32(b, off + 12);
    d.outerDst4 = u32(b, off + 16);
  }
  d.reportedEnd = ipRep;
  if (proto === 6) return tcp(d, b, off + 20, ipEnd);
  if (proto === 17) return udp(d, b, off + 20, ipEnd, outer);
  return false;
}

function tcp(d: Decoded, b: Uint8Array, off: number, end: number): boolean {
  if (end - off < 20) return false;
  const hl = (b[off + 12] >> 4) * 4;
  const reportedLen = d.reportedEnd - off;
  if (hl < 20 || reportedLen < hl || end - off < hl) return false;
  tcpHeaderFields(d, b, off);
  d.tcpLen = reportedLen - hl;
  d.tcpOk = true;
  d.payloadOff = off + hl;
  const capPayload = end - off - hl;
  d.payloadCapLen = capPayload <= 0 ? 0 : capPayload < d.tcpLen ? capPayload : d.tcpLen;
  // TCP options only feed fields the index does not read (MSS, window scale, timestamps).
  return true;
}

function udp(d: Decoded, b: Uint8Array, off: number, end: number, outer: boolean): boolean {
  if (end - off < 8) return false;
  const sport = u16(b, off);
  const dport = u16(b, off + 2);
  const len = u16(b, off + 4);
  if (len < 8 || off + len > d.reportedEnd) return false;
  d.srcPort = sport;
  d.dstPort = dport;
  const udpRep = off + len;
  // The lower port first, as Wireshark (and the full decoder).
  const lo = sport < dport ? sport : dport;
  const hi = sport < dport ? dport : sport;
  const port = lo === GENEVE_PORT || lo === VXLAN_PORT ? lo : hi;
  if (port === VXLAN_PORT) return false;
  if (port !== GENEVE_PORT) return true;
  if (!outer) return false;
  d.reportedEnd = udpRep;
  return geneve(d, b, off + 8, udpRep < end ? udpRep : end);
}

function geneve(d: Decoded, b: Uint8Array, off: number, end: number): boolean {
  if (end - off < 8) return false;
  const hdrEnd = off + 8 + (b[off] & 0x3f) * 4;
  if (hdrEnd > end) return false;
  let p = off + 8;
  while (p < hdrEnd) {
    if (hdrEnd - p < 4) return false;
    const len = (b[p + 3] & 0x1f) * 4;
    const val = p + 4;
    if (val + len > hdrEnd) return false;
    if (u16(b, p) === AWS_OPTION_CLASS && b[p + 2] === 3 && len >= 4) d.flowCookie = u32(b, val);
    p = val + len;
  }
  const type = u16(b, off + 2);
  if (type === 0x6558) {
    if (end - hdrEnd < 14 || u16(b, hdrEnd + 12) !== 0x0800) return false;
    return ipv4(d, b, hdrEnd + 14, end, false);
  }
  if (type === 0x0800) return ipv4(d, b, hdrEnd, end, false);
  return false;
}
