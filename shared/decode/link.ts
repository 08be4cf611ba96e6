/**
 * Link layers: Ethernet II with 802.1Q / 802.1ad / QinQ tags and VN-Tag, Linux cooked
 * (SLL v1 and v2), BSD loopback (NULL) and raw IP. Each returns after handing the payload on.
 *
 * Ethernet II (IEEE 802.3):        802.1Q tag (TPID 0x8100, 0x88a8 = 802.1ad S-tag, 0x9100):
 *  0      6      12   14            0     2     4
 * +------+------+----+             +-----+-----+
 * | dst  | src  |type|             | TCI |type |   TCI = PCP(3) DEI(1) VID(12)
 * +------+------+----+             +-----+-----+
 */
import { Decoded, Layer } from './decoded.ts';
import { u16, u32 } from './bytes.ts';
import { decodeEthertype, decodeIpv4, decodeIpv6, decodeRawIp, MAX_DEPTH } from './ip.ts';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export function isDecodedLinkType(lt: number): boolean {
  return (
    lt === LINKTYPE_ETHERNET ||
    lt === LINKTYPE_NULL ||
    lt === LINKTYPE_LOOP ||
    lt === LINKTYPE_RAW ||
    lt === 12 || // DLT_RAW on some BSDs
    lt === 14 || // DLT_RAW on OpenBSD
    lt === LINKTYPE_LINUX_SLL ||
    lt === LINKTYPE_LINUX_SLL2 ||
    lt === LINKTYPE_IPV4 ||
    lt === LINKTYPE_IPV6
  );
}

export function decodeLink(d: Decoded, lt: number, b: Uint8Array, off: number, end: number): void {
  switch (lt) {
    case LINKTYPE_ETHERNET:
      decodeEthernet(d, b, off, end, false, 0);
      return;
    case LINKTYPE_RAW:
    case 12:
    case 14:
      decodeRawIp(d, b, off, end, false, 0);
      return;
    // As Wireshark does: LINKTYPE_IPV4 goes to the IPv4 decoder (which hands a version-6 packet
    // on to IPv6), LINKTYPE_IPV6 to the IPv6 decoder only.
    case LINKTYPE_IPV4:
      decodeIpv4(d, b, off, end, false, 0);
      return;
    case LINKTYPE_IPV6:
      decodeIpv6(d, b, off, end, false, 0);
      return;
    case LINKTYPE_LINUX_SLL:
      decodeSll(d, b, off, end);
      return;
    case LINKTYPE_LINUX_SLL2:
      decodeSll2(d, b, off, end);
      return;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      decodeNull(d, lt, b, off, end);
      return;
    default:
      d.undecodedLink = true;
  }
}

export function decodeEthernet(d: Decoded, b: Uint8Array, off: number, end: number, quoted: boolean, depth: number): void {
  if (end - off < 14) {
    d.push(Layer.Ethernet, off, end, quoted);
    d.malformed ??= 'truncated Ethernet header';
    return;
  }
  d.push(Layer.Ethernet, off, off + 14, quoted);
  decodeEthertype(d, u16(b, off + 12), b, off + 14, end, quoted, depth);
}

/**
 * One 802.1Q / 802.1ad / 0x9100 tag (4 bytes) or Cisco VN-Tag (6 bytes) at p, then the type it
 * announces. Called from decodeEthertype, so tags stack and follow any link layer (SLL too).
 */
export function decodeTag(d: Decoded, tpid: number, b: Uint8Array, p: number, end: number, quoted: boolean, depth: number): void {
  const vnTag = tpid === 0x8926;
  const kind = vnTag ? Layer.VnTag : tpid === 0x88a8 ? Layer.SVlan : Layer.Vlan;
  const len = vnTag ? 6 : 4;
  if (end - p < len) {
    d.push(kind, p, end, quoted);
    d.malformed ??= vnTag ? 'truncated VN-Tag' : 'truncated 802.1Q tag';
    return;
  }
  d.push(kind, p, p + len, quoted);
  if (depth >= MAX_DEPTH) {
    d.malformed ??= 'tags nested too deep';
    return;
  }
  decodeEthertype(d, u16(b, p + len - 2), b, p + len, end, quoted, depth + 1);
}

/**
 * Linux cooked capture v1 (16 bytes): packet type(2) ARPHRD type(2) address length(2)
 * address(8) protocol(2). https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html
 */
function decodeSll(d: Decoded, b: Uint8Array, off: number, end: number): void {
  if (end - off < 16) {
    d.push(Layer.Sll, off, end, false);
    d.malformed ??= 'truncated Linux cooked header';
    return;
  }
  d.push(Layer.Sll, off, off + 16, false);
  sllPayload(d, u16(b, off + 2), u16(b, off + 14), b, off + 16, end);
}

/**
 * Linux cooked capture v2 (20 bytes): protocol(2) reserved(2) interface index(4)
 * ARPHRD type(2) packet type(1) address length(1) address(8).
 */
function decodeSll2(d: Decoded, b: Uint8Array, off: number, end: number): void {
  if (end - off < 20) {
    d.push(Layer.Sll2, off, end, false);
    d.malformed ??= 'truncated Linux cooked v2 header';
    return;
  }
  d.push(Layer.Sll2, off, off + 20, false);
  sllPayload(d, u16(b, off + 8), u16(b, off), b, off + 20, end);
}

function sllPayload(d: Decoded, hatype: number, proto: number, b: Uint8Array, p: number, end: number): void {
  // ARPHRD_IPGRE (778) carries a GRE protocol type; ARPHRD_NETLINK (824) is not IP.
  if (hatype === 824) return;
  if (proto === 0x0003 || proto === 0x0004 || proto === 0x0001) return; // ETH_P_ALL / 802.2 / 802.3
  decodeEthertype(d, proto, b, p, end, false, 0);
}

/** BSD loopback: a 4-byte address family in the capturing host's byte order (LOOP: network order). */
function decodeNull(d: Decoded, lt: number, b: Uint8Array, off: number, end: number): void {
  if (end - off < 4) {
    d.push(Layer.Null, off, end, false);
    d.malformed ??= 'truncated loopback header';
    return;
  }
  d.push(Layer.Null, off, off + 4, false);
  let fam = u32(b, off);
  // As libpcap and Wireshark do: a value with only the upper bytes set was written little-endian.
  if (lt === LINKTYPE_NULL && (fam & 0xffff0000) !== 0) {
    fam = ((fam & 0xff) << 24) | ((fam & 0xff00) << 8) | ((fam >>> 8) & 0xff00) | (fam >>> 24);
    fam >>>= 0;
  }
  if (fam === 2) decodeEthertype(d, 0x0800, b, off + 4, end, false, 0);
  // AF_INET6 of the BSDs (24, 28, 30). Linux's 10 never appears in DLT_NULL (Wireshark agrees).
  else if (fam === 24 || fam === 28 || fam === 30) decodeEthertype(d, 0x86dd, b, off + 4, end, false, 0);
}
