/**
 * Transport headers: TCP (RFC 9293 3.1), UDP (RFC 768), ICMP (RFC 792), ICMPv6 (RFC 4443).
 * UDP hands GENEVE (6081) and VXLAN (4789) on to the tunnel decoders, IP protocol 47 goes to GRE.
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
import { decodeGeneve, decodeGre, decodeVxlan, GENEVE_PORT, VXLAN_PORT } from './tunnel.ts';

export function decodeTransport(
  d: Decoded,
  proto: number,
  b: Uint8Array,
  off: number,
  end: number,
  quoted: boolean,
  depth: number,
  fragmented: boolean,
): void {
  switch (proto) {
    case 6:
      decodeTcp(d, b, off, end, quoted, fragmented);
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
    case 47:
      if (depth < MAX_DEPTH) decodeGre(d, b, off, end, quoted, depth + 1);
      return;
  }
}

/**
 * What Wireshark shows of a TCP header depends on how much of it is there: the ports from 4
 * bytes; the rest only once the 16 bytes up to the window are (it reads them together); with a
 * data offset below 5 only the ports and the sequence number. tcp.len is the segment length per
 * the IP length minus the header length, shown when that is not negative, except in fragments and
 * in ICMP-quoted headers (which also never show tcp.seq_raw).
 */
function decodeTcp(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, fragmented: boolean): void {
  const avail = end - off;
  if (avail < 16) {
    d.push(Layer.Tcp, off, avail >= 4 ? off + 4 : end, quoted);
    if (quoted) return;
    if (avail >= 4) {
      d.srcPort = u16(b, off);
      d.dstPort = u16(b, off + 2);
    }
    d.malformed ??= 'truncated TCP header';
    return;
  }
  const hl = (b[off + 12] >> 4) * 4;
  const reportedLen = d.reportedEnd - off;
  const shownLen = !quoted && !fragmented && reportedLen >= hl ? reportedLen - hl : -1;
  if (hl < 20) {
    const li = d.push(Layer.Tcp, off, off + 8, quoted);
    if (li >= 0) d.aux[li] = shownLen;
    if (quoted) return;
    d.srcPort = u16(b, off);
    d.dstPort = u16(b, off + 2);
    d.tcpSeq = u32(b, off + 4);
    d.malformed ??= 'TCP header length below 20 bytes';
    return;
  }
  const li = d.push(Layer.Tcp, off, off + hl < end ? off + hl : end, quoted);
  if (li >= 0) d.aux[li] = shownLen;
  if (quoted) return;
  tcpHeaderFields(d, b, off);
  if (reportedLen < hl) {
    d.malformed ??= 'TCP header longer than the IP payload';
    return;
  }
  d.tcpLen = reportedLen - hl;
  d.tcpOk = true;
  d.payloadOff = off + hl;
  const capPayload = end - off - hl;
  d.payloadCapLen = capPayload <= 0 ? 0 : capPayload < d.tcpLen ? capPayload : d.tcpLen;
  if (avail < hl) {
    d.malformed ??= 'truncated TCP options';
    return;
  }
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

/** Ports, sequence and acknowledgment numbers, flags and window of a TCP header (16 bytes there). */
export function tcpHeaderFields(d: Decoded, b: Uint8Array, off: number): void {
  d.srcPort = u16(b, off);
  d.dstPort = u16(b, off + 2);
  d.tcpSeq = u32(b, off + 4);
  d.tcpAck = u32(b, off + 8);
  d.tcpFlags = u16(b, off + 12) & 0x0fff;
  d.tcpWindow = u16(b, off + 14);
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
  const parentEnd = d.reportedEnd;
  // Length 0 (jumbograms, GSO): the IP payload length stands; a longer length than the IP
  // payload is cut to it, as Wireshark does.
  let udpRep = len === 0 ? parentEnd : off + len;
  if (udpRep > parentEnd) udpRep = parentEnd;
  const udpEnd = udpRep < end ? udpRep : end;
  d.push(Layer.Udp, off, off + 8, quoted);
  if (quoted) return;
  d.srcPort = sport;
  d.dstPort = dport;
  if (len !== 0 && len < 8) {
    d.malformed ??= 'UDP length below 8';
    return;
  }
  if (off + len > parentEnd) d.malformed ??= 'UDP length inconsistent with the packet';
  if (depth >= MAX_DEPTH) return;
  d.reportedEnd = udpRep;
  // Like Wireshark, try the lower port first.
  const lo = sport < dport ? sport : dport;
  const hi = sport < dport ? dport : sport;
  const port = lo === GENEVE_PORT || lo === VXLAN_PORT ? lo : hi;
  if (port === GENEVE_PORT) decodeGeneve(d, b, off + 8, udpEnd, depth + 1);
  else if (port === VXLAN_PORT) decodeVxlan(d, b, off + 8, udpEnd, depth + 1);
}

/**
 *  ICMP / ICMPv6:  | Type | Code | Checksum | rest of header (4) | data...
 *  Errors quote the offending IP header and at least 8 bytes of its payload; Wireshark shows the
 *  quoted headers' fields as further occurrences after the ICMP ones.
 */
function decodeIcmp(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number, v6: boolean): void {
  const kind = v6 ? Layer.Icmpv6 : Layer.Icmp;
  d.push(kind, off, end, quoted);
  if (end - off < 4) {
    if (!quoted) d.malformed ??= 'truncated ICMP header';
    return;
  }
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
