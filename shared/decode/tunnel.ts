/**
 * Tunnels on UDP: GENEVE (RFC 8926) and VXLAN (RFC 7348).
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
    d.push(Layer.Geneve, off, end, false);
    d.malformed ??= 'truncated GENEVE header';
    return;
  }
  const optLen = (b[off] & 0x3f) * 4;
  const hdrEnd = off + 8 + optLen;
  if (hdrEnd > end) {
    d.push(Layer.Geneve, off, end, false);
    d.malformed ??= 'truncated GENEVE options';
    return;
  }
  d.push(Layer.Geneve, off, hdrEnd, false);
  const protoType = u16(b, off + 2);
  d.tunnel = Tunnel.Geneve;
  d.vni = u24(b, off + 4);
  let p = off + 8;
  while (p < hdrEnd) {
    if (hdrEnd - p < 4) {
      d.malformed ??= 'GENEVE option header runs past the options';
      return;
    }
    const cls = u16(b, p);
    const type = b[p + 2];
    const len = (b[p + 3] & 0x1f) * 4;
    const val = p + 4;
    if (val + len > hdrEnd) {
      d.malformed ??= 'GENEVE option runs past the options';
      return;
    }
    if (cls === 0x0108) {
      if (type === 3 && len >= 4) d.flowCookie = u32(b, val);
      else if (type === 1 && len >= 8) d.endpointIdOff = val;
      else if (type === 2 && len >= 8) d.attachmentIdOff = val;
    }
    p = val + len;
  }
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
