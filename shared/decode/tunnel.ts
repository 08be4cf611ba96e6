/**
 * Tunnels: GENEVE (RFC 8926) and VXLAN (RFC 7348) on UDP, GRE (RFC 2784) on IP.
 *
 *  GENEVE:  0                   1                   2                   3
 *          |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *          |        Virtual Network Identifier (VNI)       |    Reserved   |
 *          |                    Variable-Length Options                    |
 *  Option:  |          Option Class         |      Type     |R|R|R| Length  |
 *  Opt Len is in 4-byte words (6 bits); an option's Length is in 4-byte words (5 bits) and
 *  excludes its 4-byte header. AWS Gateway Load Balancer uses class 0x0108 with type 1 the
 *  GWLB endpoint id (8 bytes), type 2 the attachment id (8 bytes), type 3 the flow cookie (4).
 *
 *  VXLAN:   |R|R|R|R|I|R|R|R|            Reserved                           |
 *           |                VXLAN Network Identifier (VNI) |   Reserved    |
 */
import { Decoded, Layer, Tunnel } from './decoded.ts';
import { u16, u24, u32 } from './bytes.ts';
import { decodeEthertype } from './ip.ts';
import { decodeEthernet } from './link.ts';

export const GENEVE_PORT = 6081;
export const VXLAN_PORT = 4789;
export const AWS_OPTION_CLASS = 0x0108;

export function decodeGeneve(d: Decoded, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < 8) {
    // The field printer shows what fits (protocol type from 4 bytes, VNI from 7), as Wireshark.
    d.push(Layer.Geneve, off, end, false);
    d.malformed ??= 'truncated GENEVE header';
    return;
  }
  const optLen = (b[off] & 0x3f) * 4;
  const hdrEnd = off + 8 + optLen;
  const protoType = u16(b, off + 2);
  d.tunnel = Tunnel.Geneve;
  d.vni = u24(b, off + 4);
  if (hdrEnd > end) {
    // Options not all captured: Wireshark shows none of them.
    d.push(Layer.Geneve, off, off + 8, false);
    d.malformed ??= 'truncated GENEVE options';
    return;
  }
  d.push(Layer.Geneve, off, hdrEnd, false);
  let p = off + 8;
  while (p < hdrEnd) {
    if (hdrEnd - p < 4) {
      d.malformed ??= 'GENEVE option header runs past the options';
      break;
    }
    const cls = u16(b, p);
    const type = b[p + 2];
    const len = (b[p + 3] & 0x1f) * 4;
    const val = p + 4;
    if (val + len > hdrEnd) {
      d.malformed ??= 'GENEVE option runs past the options';
      break;
    }
    if (cls === AWS_OPTION_CLASS) {
      if (type === 3 && len >= 4) d.flowCookie = u32(b, val);
      else if (type === 1 && len >= 8) d.endpointIdOff = val;
      else if (type === 2 && len >= 8) d.attachmentIdOff = val;
    }
    p = val + len;
  }
  // Opt Len says where the payload starts, whatever the options say (Wireshark goes on too).
  decodeEthertype(d, protoType, b, hdrEnd, end, false, depth);
}

export function decodeVxlan(d: Decoded, b: Uint8Array, off: number, end: number, depth: number): void {
  if (end - off < 8) {
    d.push(Layer.Vxlan, off, end, false);
    d.malformed ??= 'truncated VXLAN header';
    return;
  }
  d.push(Layer.Vxlan, off, off + 8, false);
  d.tunnel = Tunnel.Vxlan;
  d.vni = u24(b, off + 4);
  decodeEthernet(d, b, off + 8, end, false, depth);
}

/**
 * GRE version 0 (RFC 2784, key and sequence number of RFC 2890): the protocol type is an
 * ethertype (IPv4, IPv6, 0x6558 transparent Ethernet bridging, VLAN tags). Version 1 is PPTP's
 * enhanced GRE (RFC 2637) carrying PPP, usually compressed and encrypted: not decoded further,
 * and neither is the obsolete routing field of RFC 1701.
 *
 *  GRE:  |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
 *        |      Checksum (optional)      |       Reserved1 (optional)    |
 *        |                         Key (optional)                        |
 *        |                 Sequence Number (optional)                    |
 */
export function decodeGre(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number): void {
  if (end - off < 4) {
    d.push(Layer.Gre, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated GRE header';
    return;
  }
  const flags = u16(b, off);
  const version = flags & 7;
  let hl = 4;
  if (flags & 0x8000) hl += 4;
  if (flags & 0x2000) hl += 4;
  if (flags & 0x1000) hl += 4;
  if (version !== 0 || (flags & 0x4000) !== 0) {
    d.push(Layer.Gre, off, end - off < hl ? end : off + hl, quoted);
    return;
  }
  if (end - off < hl) {
    d.push(Layer.Gre, off, end, quoted);
    if (!quoted) d.malformed ??= 'truncated GRE header';
    return;
  }
  d.push(Layer.Gre, off, off + hl, quoted);
  decodeEthertype(d, u16(b, off + 2), b, off + hl, end, quoted, depth);
}
