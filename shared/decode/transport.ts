/**
 * Transport headers: TCP (RFC 9293 3.1), UDP (RFC 768), ICMP (RFC 792), ICMPv6 (RFC 4443).
 * UDP hands GENEVE (6081) and VXLAN (4789) on to the tunnel decoders.
 *
 *  TCP:  | Source Port | Destination Port |
 *        |        Sequence Number         |
 *        |     Acknowledgment Number      |
 *        |DOff|Rsv|AE|CWR|ECE|URG|ACK|PSH|RST|SYN|FIN|  Window  |
 *        |   Checksum  | Urgent Pointer   |
 *        |   Options (DOff > 5)           |
 */
import { Decoded, Layer } from './decoded.ts';
import { u16, u32 } from './bytes.ts';
import { decodeIpv4, decodeIpv6, MAX_DEPTH } from './ip.ts';
import { decodeGeneve, decodeVxlan, GENEVE_PORT, VXLAN_PORT } from './tunnel.ts';

export function decodeTransport(
  d: Decoded,
  proto: number,
  b: Uint8Array,
  off: number,
  end: number,
  reportedEnd: number,
  quoted: boolean,
  depth: number,
): void {
  switch (proto) {
    case 6:
      decodeTcp(d, b, off, end, reportedEnd, quoted);
      return;
    case 17:
      decodeUdp(d, b, off, end, quoted, depth);
      return;
    case 1:
      decodeIcmp(d, b, off, end, quoted, depth, false);
      return;
    case 58:
      decodeIcmp(d, b, off, end, quoted, depth, true);
      return;
    case 4: // IPv4 in IP
      if (depth < MAX_DEPTH) decodeIpv4(d, b, off, end, quoted, depth + 1);
      return;
    case 41: // IPv6 in IP
      if (depth < MAX_DEPTH) decodeIpv6(d, b, off, end, quoted, depth + 1);
      return;
  }
}

function decodeTcp(d: Decoded, b: Uint8Array, off: number, end: number, reportedEnd: number, quoted: boolean): void {
  const avail = end - off;
  if (quoted) {
    // An ICMP error quotes at least 8 bytes: ports and sequence number.
    d.push(Layer.Tcp, off, end, true);
    return;
  }
  if (avail < 20) {
    d.push(Layer.Tcp, off, end, false);
    if (avail >= 4) {
      d.srcPort = u16(b, off);
      d.dstPort = u16(b, off + 2);
    }
    d.malformed ??= 'truncated TCP header';
    return;
  }
  const hl = (b[off + 12] >> 4) * 4;
  d.srcPort = u16(b, off);
  d.dstPort = u16(b, off + 2);
  d.tcpSeq = u32(b, off + 4);
  d.tcpAck = u32(b, off + 8);
  d.tcpFlags = u16(b, off + 12) & 0x0fff;
  d.tcpWindow = u16(b, off + 14);
  if (hl < 20) {
    d.push(Layer.Tcp, off, end, false);
    d.malformed ??= 'TCP header length below 20 bytes';
    return;
  }
  if (avail < hl) {
    d.push(Layer.Tcp, off, end, false);
    d.malformed ??= 'truncated TCP options';
    return;
  }
  d.push(Layer.Tcp, off, off + hl, false);
  const reportedLen = reportedEnd - off - hl;
  if (reportedLen < 0) {
    d.malformed ??= 'TCP header longer than the IP payload';
    return;
  }
  d.tcpLen = reportedLen;
  d.tcpOk = true;
  d.payloadOff = off + hl;
  d.payloadCapLen = Math.min(reportedLen, end - off - hl);
  // Options (RFC 9293 3.2): kind, length, value; 0 ends the list, 1 is padding.
  let p = off + 20;
  const oend = off + hl;
  while (p < oend) {
    const kind = b[p];
    if (kind === 0) break;
    if (kind === 1) {
      p++;
      continue;
    }
    if (p + 1 >= oend) break;
    const len = b[p + 1];
    if (len < 2 || p + len > oend) break;
    if (kind === 2 && len === 4) d.tcpMss = u16(b, p + 2);
    else if (kind === 3 && len === 3) d.tcpWscale = b[p + 2];
    else if (kind === 4 && len === 2) d.tcpSackPerm = true;
    else if (kind === 8 && len === 10) {
      d.tcpTsVal = u32(b, p + 2);
      d.tcpTsEcr = u32(b, p + 6);
    }
    p += len;
  }
}

/**
 *  UDP:  | Source Port | Destination Port |
 *        |   Length    |    Checksum      |
 */
function decodeUdp(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number): void {
  if (end - off < 8) {
    d.push(Layer.Udp, off, end, quoted);
    if (!quoted) {
      if (end - off >= 4) {
        d.srcPort = u16(b, off);
        d.dstPort = u16(b, off + 2);
      }
      d.malformed ??= 'truncated UDP header';
    }
    return;
  }
  const sport = u16(b, off);
  const dport = u16(b, off + 2);
  const len = u16(b, off + 4);
  let udpEnd = end;
  if (len >= 8 && off + len < end) udpEnd = off + len;
  d.push(Layer.Udp, off, udpEnd, quoted);
  if (quoted) return;
  d.srcPort = sport;
  d.dstPort = dport;
  if (len < 8 || (off + len > end && !d.snapped)) {
    d.malformed ??= 'UDP length inconsistent with the packet';
    return;
  }
  if (depth >= MAX_DEPTH) return;
  // Like Wireshark, try the lower port first.
  const lo = sport < dport ? sport : dport;
  const hi = sport < dport ? dport : sport;
  const port = lo === GENEVE_PORT || lo === VXLAN_PORT ? lo : hi;
  if (port === GENEVE_PORT) decodeGeneve(d, b, off + 8, udpEnd, depth + 1);
  else if (port === VXLAN_PORT) decodeVxlan(d, b, off + 8, udpEnd, depth + 1);
}

/**
 *  ICMP / ICMPv6:  | Type | Code | Checksum | rest of header (4) | data...
 *  Errors quote the offending IP header and at least 8 bytes of its payload.
 */
function decodeIcmp(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number, v6: boolean): void {
  const kind = v6 ? Layer.Icmpv6 : Layer.Icmp;
  if (end - off < 4) {
    d.push(kind, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated ICMP header';
    return;
  }
  d.push(kind, off, end, quoted);
  if (quoted) return;
  const type = b[off];
  d.icmpType = type;
  d.icmpCode = b[off + 1];
  // Echo request/reply: use the identifier as Zeek does, so both directions form one flow.
  const echo = v6 ? type === 128 || type === 129 : type === 8 || type === 0;
  if (echo && end - off >= 8) {
    d.srcPort = u16(b, off + 4);
    d.dstPort = d.srcPort;
  }
  const error = v6 ? type >= 1 && type <= 4 : type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
  if (error && end - off > 8 && depth < MAX_DEPTH) {
    const q = off + 8;
    if (v6) decodeIpv6(d, b, q, end, true, depth + 1);
    else decodeIpv4(d, b, q, end, true, depth + 1);
  }
}
