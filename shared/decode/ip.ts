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
import { decodeEthernet, decodeTag } from './link.ts';
import { decodeTransport } from './transport.ts';

/** Nesting limit for tunnels, tags and quoted packets together. */
export const MAX_DEPTH = 16;

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
  else if (type === 0x8100 || type === 0x88a8 || type === 0x9100 || type === 0x8926) decodeTag(d, type, b, off, end, quoted, depth);
  else if (type === 0x0806) d.push(Layer.Arp, off, end, quoted);
  else if (type === 0x6558) {
    if (depth >= MAX_DEPTH) d.malformed ??= 'tunnels nested too deep';
    else decodeEthernet(d, b, off, end, quoted, depth + 1);
  }
}

/** Raw IP link types (101 and the BSD variants): the version nibble says which. */
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

export function beginIp(d: Decoded, version: number, srcOff: number, dstOff: number, proto: number, quoted: boolean): void {
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

/**
 * Where ip.dst is, relative to the header start: 16, or (as Wireshark shows it) the final
 * destination, the last address of a loose or strict source route whose pointer is valid
 * (RFC 791 3.1). -1 when walking the options needs a byte that was not captured: Wireshark then
 * stops before showing ip.dst.
 */
function ipv4DstOffset(b: Uint8Array, off: number, hl: number, capEnd: number): number {
  let p = off + 20;
  const oend = off + hl;
  while (p < oend) {
    if (p >= capEnd) return -1;
    const opt = b[p];
    if (opt === 0) return 16;
    if (opt === 1) {
      p++;
      continue;
    }
    if (p + 1 >= oend) return 16;
    if (p + 1 >= capEnd) return -1;
    const len = b[p + 1];
    if (len < 2 || p + len > oend) return 16;
    if (opt === 0x83 || opt === 0x89) {
      if (p + 2 >= capEnd) return -1;
      const ptr = b[p + 2];
      if (ptr < 4 || (ptr & 3) !== 0 || ptr > len) return 16;
      return p - off + len - 4;
    }
    p += len;
  }
  return 16;
}

/**
 * Options Wireshark's option decoders read past a too-short option (it then stops decoding the
 * packet): the least length each needs. Security 130 and the extended one 133, record route 7,
 * loose / strict source route 131 / 137 (a pointer), timestamp 68 (pointer, flags), stream id
 * 136, router alert 148, MTU probe / reply 11 / 12, quick-start 25, traceroute 82, CIPSO 134.
 */
function ipv4OptionsOk(b: Uint8Array, p: number, oend: number): boolean {
  while (p < oend) {
    const opt = b[p];
    if (opt === 0) return true;
    if (opt === 1) {
      p++;
      continue;
    }
    if (p + 1 >= oend) return true; // length byte missing: reported, not fatal
    const len = b[p + 1];
    if (len < 2 || p + len > oend) return true;
    let need = 2;
    if (opt === 130 || opt === 133 || opt === 7 || opt === 131 || opt === 137) need = 3;
    else if (opt === 68 || opt === 136 || opt === 148 || opt === 11 || opt === 12) need = 4;
    else if (opt === 134) need = 6;
    else if (opt === 25) need = 8;
    else if (opt === 82) need = 12;
    if (len < need) return false;
    p += len;
  }
  return true;
}

export function decodeIpv4(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number): void {
  const avail = end - off;
  if (avail < 1) {
    d.push(Layer.Ipv4, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated IPv4 header';
    return;
  }
  const version = b[off] >> 4;
  if (version !== 4) {
    d.push(Layer.Ipv4, off, off + 1, quoted);
    if (version === 6 && depth < MAX_DEPTH) {
      // Seen in Linux cooked captures; Wireshark decodes it as IPv6 too.
      d.malformed ??= 'IPv6 packet labelled IPv4';
      decodeIpv6(d, b, off, end, quoted, depth + 1);
    } else d.malformed ??= 'IPv4 header with version not 4';
    return;
  }
  const hl = (b[off] & 0x0f) * 4;
  if (hl < 20) {
    d.push(Layer.Ipv4, off, off + 1, quoted);
    d.malformed ??= 'IPv4 header length below 20 bytes';
    return;
  }
  if (avail < 4) {
    d.push(Layer.Ipv4, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated IPv4 header';
    return;
  }
  const total = u16(b, off + 2);
  const parentEnd = d.reportedEnd;
  let ipRep = off + total;
  if (total < hl) {
    // TSO/GSO frames captured on the sending host carry total length 0: Wireshark then uses the
    // reported length. Anything else shorter than the header is inconsistent.
    if (total !== 0) {
      d.push(Layer.Ipv4, off, off + 4, quoted);
      d.malformed ??= 'IPv4 total length smaller than its header';
      return;
    }
    ipRep = parentEnd;
  } else if (ipRep > parentEnd) {
    // Longer than the frame (or the quoting ICMP message) says: use what is there.
    if (!quoted) d.malformed ??= 'IPv4 total length larger than the packet';
    ipRep = parentEnd;
  }
  const ipEnd = ipRep < end ? ipRep : end;
  if (ipEnd - off < 20) {
    // Fields up to the cut are shown (the field printer checks each one's bytes).
    d.push(Layer.Ipv4, off, ipEnd, quoted);
    if (!quoted) d.malformed ??= 'truncated IPv4 header';
    return;
  }
  const dstRel = hl > 20 ? ipv4DstOffset(b, off, hl, ipEnd) : 16;
  if (dstRel < 0 || off + dstRel + 4 > ipEnd) {
    d.push(Layer.Ipv4, off, off + 16, quoted);
    if (!quoted) d.malformed ??= 'truncated IPv4 options';
    return;
  }
  const li = d.push(Layer.Ipv4, off, off + hl < ipEnd ? off + hl : ipEnd, quoted);
  if (li >= 0) d.aux[li] = dstRel;
  const proto = b[off + 9];
  beginIp(d, 4, off + 12, off + dstRel, proto, quoted);
  if (!quoted) d.ipLen = (total < hl ? parentEnd : off + total) - off;
  const fragField = u16(b, off + 6);
  const fragOffset = fragField & 0x1fff;
  const fragmented = fragOffset !== 0 || (fragField & 0x2000) !== 0;
  if (!quoted) {
    d.ipId = u16(b, off + 4);
    d.ipTtl = b[off + 8];
    d.fragment = fragmented;
    if (d.outerSrc4 === -1) {
      d.outerSrc4 = u32(b, off + 12);
      d.outerDst4 = u32(b, off + 16);
    }
  }
  if (ipEnd - off < hl) {
    if (!quoted) d.malformed ??= 'truncated IPv4 options';
    return;
  }
  if (hl > 20 && !ipv4OptionsOk(b, off + 20, off + hl)) {
    d.malformed ??= 'IPv4 option shorter than its kind needs';
    return;
  }
  // A non-first fragment carries no transport header.
  if (fragOffset !== 0) return;
  d.reportedEnd = ipRep;
  decodeTransport(d, proto, b, off + hl, ipEnd, quoted, depth, fragmented);
}

export function decodeIpv6(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number): void {
  const avail = end - off;
  if (avail < 1) {
    d.push(Layer.Ipv6, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated IPv6 header';
    return;
  }
  if (b[off] >> 4 !== 6) {
    d.push(Layer.Ipv6, off, off + 1, quoted);
    d.malformed ??= 'IPv6 header with version not 6';
    return;
  }
  if (avail < 40) {
    // Fields up to the cut are shown (the field printer checks each one's bytes).
    d.push(Layer.Ipv6, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated IPv6 header';
    return;
  }
  const payloadLen = u16(b, off + 4);
  const parentEnd = d.reportedEnd;
  const claimedEnd = off + 40 + payloadLen;
  // Jumbograms and GSO frames carry payload length 0: use the reported length.
  let ipRep = payloadLen === 0 ? parentEnd : claimedEnd;
  if (ipRep > parentEnd) {
    if (!quoted) d.malformed ??= 'IPv6 payload length larger than the packet';
    ipRep = parentEnd;
  }
  const ipEnd = ipRep < end ? ipRep : end;
  d.push(Layer.Ipv6, off, off + 40, quoted);
  let next = b[off + 6];
  beginIp(d, 6, off + 8, off + 24, next, quoted);
  if (!quoted) {
    d.ipTtl = b[off + 7];
    d.ipLen = (payloadLen === 0 ? parentEnd : claimedEnd) - off;
  }
  // Walk the extension headers (RFC 8200 4.1); stop at the first upper-layer protocol.
  let p = off + 40;
  let fragmented = false;
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
      fragmented = fragOffset !== 0 || more;
      if (!quoted) d.fragment = fragmented;
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
  d.reportedEnd = ipRep;
  decodeTransport(d, next, b, p, ipEnd, quoted, depth, fragmented);
}
