/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) with its extension headers.
 *
 *  IPv4:  0                   1                   2                   3
 *        |Version|  IHL  |    DSCP/ECN   |          Total Length         |
 *        |         Identification        |Flags|     Fragment Offset     |
 *        |  Time to Live |    Protocol   |         Header Checksum       |
 *        |                       Source Address                          |
 *        |                    Destination Address                        |
 *        |                    Options (IHL > 5)                          |
 *
 *  IPv6:  |Version| Traffic Class |           Flow Label                  |
 *         |         Payload Length        |  Next Header  |   Hop Limit   |
 *         |                Source Address (16)  Destination Address (16)  |
 */
import { Decoded, Layer } from './decoded.ts';
import { u16, u32 } from './bytes.ts';
import { decodeEthernet } from './link.ts';
import { decodeTransport } from './transport.ts';

export const MAX_DEPTH = 8;

export function decodeEthertype(
  d: Decoded,
  type: number,
  b: Uint8Array,
  off: number,
  end: number,
  quoted: boolean,
  depth: number,
): void {
  if (type === 0x0800) decodeIpv4(d, b, off, end, quoted, depth);
  else if (type === 0x86dd) decodeIpv6(d, b, off, end, quoted, depth);
  else if (type === 0x0806) d.push(Layer.Arp, off, end, quoted);
  else if (type === 0x6558) {
    if (depth >= MAX_DEPTH) d.malformed ??= 'tunnels nested too deep';
    else decodeEthernet(d, b, off, end, quoted, depth + 1);
  }
}

/** Raw IP link types: the version nibble says which. */
export function decodeRawIp(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number): void {
  if (end <= off) {
    d.malformed ??= 'empty raw IP packet';
    return;
  }
  const v = b[off] >> 4;
  if (v === 4) decodeIpv4(d, b, off, end, quoted, depth);
  else if (v === 6) decodeIpv6(d, b, off, end, quoted, depth);
  else d.malformed ??= 'raw IP packet with a version that is neither 4 nor 6';
}

function beginIp(d: Decoded, version: number, srcOff: number, dstOff: number, proto: number, quoted: boolean): void {
  if (quoted) {
    d.quotedProto = proto;
    return;
  }
  d.ipVersion = version;
  d.srcAddrOff = srcOff;
  d.dstAddrOff = dstOff;
  d.ipProto = proto;
  d.ipId = -1;
  d.fragment = false;
  // A new (inner) IP packet: the transport fields belong to it from here on.
  d.srcPort = 0;
  d.dstPort = 0;
  d.tcpOk = false;
  d.tcpFlags = 0;
  d.tcpLen = 0;
  d.payloadCapLen = 0;
  d.icmpType = -1;
  d.icmpCode = -1;
}

export function decodeIpv4(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number): void {
  if (end - off < 20) {
    d.push(Layer.Ipv4, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated IPv4 header';
    return;
  }
  const vihl = b[off];
  if (vihl >> 4 !== 4) {
    d.push(Layer.Ipv4, off, end, quoted);
    d.malformed ??= 'IPv4 header with version not 4';
    return;
  }
  const hl = (vihl & 0x0f) * 4;
  if (hl < 20) {
    d.push(Layer.Ipv4, off, end, quoted);
    d.malformed ??= 'IPv4 header length below 20 bytes';
    return;
  }
  if (end - off < hl) {
    d.push(Layer.Ipv4, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated IPv4 options';
    return;
  }
  const total = u16(b, off + 2);
  const proto = b[off + 9];
  let ipEnd = off + total;
  if (total < hl) {
    // TSO/GSO frames captured on the sending host carry total length 0: Wireshark then uses the
    // captured length. Anything else shorter than the header is inconsistent.
    if (total !== 0) {
      d.push(Layer.Ipv4, off, end, quoted);
      d.malformed ??= 'IPv4 total length smaller than its header';
      return;
    }
    ipEnd = end;
  }
  const reportedEnd = ipEnd;
  if (ipEnd > end) {
    if (!quoted && !d.snapped) d.malformed ??= 'IPv4 total length larger than the packet';
    ipEnd = end;
  }
  d.push(Layer.Ipv4, off, ipEnd, quoted);
  beginIp(d, 4, off + 12, off + 16, proto, quoted);
  if (!quoted) d.ipLen = reportedEnd - off;
  const fragField = u16(b, off + 6);
  const fragOffset = fragField & 0x1fff;
  if (!quoted) {
    d.ipId = u16(b, off + 4);
    d.ipTtl = b[off + 8];
    d.fragment = fragOffset !== 0 || (fragField & 0x2000) !== 0;
    if (d.outerSrc4 === -1) {
      d.outerSrc4 = u32(b, off + 12);
      d.outerDst4 = u32(b, off + 16);
    }
  }
  // A non-first fragment carries no transport header.
  if (fragOffset !== 0) return;
  decodeTransport(d, proto, b, off + hl, ipEnd, reportedEnd, quoted, depth);
}

export function decodeIpv6(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number): void {
  if (end - off < 40) {
    d.push(Layer.Ipv6, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated IPv6 header';
    return;
  }
  if (b[off] >> 4 !== 6) {
    d.push(Layer.Ipv6, off, end, quoted);
    d.malformed ??= 'IPv6 header with version not 6';
    return;
  }
  const payloadLen = u16(b, off + 4);
  let reportedEnd = off + 40 + payloadLen;
  // Jumbograms and GSO frames carry payload length 0: use what was captured.
  if (payloadLen === 0) reportedEnd = end;
  let ipEnd = reportedEnd;
  if (ipEnd > end) {
    if (!quoted && !d.snapped) d.malformed ??= 'IPv6 payload length larger than the packet';
    ipEnd = end;
  }
  d.push(Layer.Ipv6, off, ipEnd, quoted);
  let next = b[off + 6];
  beginIp(d, 6, off + 8, off + 24, next, quoted);
  if (!quoted) {
    d.ipTtl = b[off + 7];
    d.ipLen = reportedEnd - off;
  }
  // Walk the extension headers (RFC 8200 4.1); stop at the first upper-layer protocol.
  let p = off + 40;
  for (let n = 0; n < 16; n++) {
    if (next === 0 || next === 43 || next === 60 || next === 135 || next === 139 || next === 140) {
      if (ipEnd - p < 8) {
        if (!quoted) d.malformed ??= 'truncated IPv6 extension header';
        return;
      }
      const len = (b[p + 1] + 1) * 8;
      next = b[p];
      p += len;
    } else if (next === 44) {
      if (ipEnd - p < 8) {
        if (!quoted) d.malformed ??= 'truncated IPv6 fragment header';
        return;
      }
      const fragOffset = u16(b, p + 2) >> 3;
      const more = (b[p + 3] & 1) !== 0;
      next = b[p];
      p += 8;
      if (!quoted) d.fragment = fragOffset !== 0 || more;
      if (fragOffset !== 0) {
        if (!quoted) d.ipProto = next;
        return;
      }
    } else if (next === 51) {
      if (ipEnd - p < 8) {
        if (!quoted) d.malformed ??= 'truncated IPv6 authentication header';
        return;
      }
      const len = (b[p + 1] + 2) * 4;
      next = b[p];
      p += len;
    } else break;
    if (p > ipEnd) {
      if (!quoted) d.malformed ??= 'IPv6 extension header runs past the packet';
      return;
    }
  }
  if (quoted) d.quotedProto = next;
  else d.ipProto = next;
  decodeTransport(d, next, b, p, ipEnd, reportedEnd, quoted, depth);
}
