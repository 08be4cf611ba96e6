/**
 * Packet bytes for the scenario generator: Ethernet (+802.1Q), IPv4, IPv6, UDP, TCP, DNS and
 * GENEVE as the AWS Gateway Load Balancer sends it. Every checksum that is on is correct, so
 * tshark with `-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE` reports none bad.
 *
 * GENEVE (RFC 8926 3.4) as AWS GWLB uses it (aws-gateway-load-balancer-tunnel-handler,
 * GenevePacket.cpp):
 *   |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 *   |        Virtual Network Identifier (VNI)       |    Reserved   |
 *   options: | Option Class (16) | C| Type (7) |R|R|R| Length (5) | data (Length x 4 bytes)
 * Class 0x0108 (Amazon): type 1 endpoint id (8 bytes), type 2 attachment id (8 bytes),
 * type 3 flow cookie (4 bytes). 8 + 12 + 12 + 8 = 40 bytes of GENEVE, 68 with outer IPv4 + UDP.
 * The inner packet starts at its IP header (protocol type 0x0800 / 0x86DD).
 */

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

const FLAG_ORDER: [string, number][] = [
  ['FIN', 0x01], ['SYN', 0x02], ['RST', 0x04], ['PSH', 0x08], ['ACK', 0x10], ['URG', 0x20], ['ECE', 0x40], ['CWR', 0x80],
];

/** "PSH,ACK" style, bit order FIN,SYN,RST,PSH,ACK,URG,ECE,CWR (issue 3). */
export function flagNames(flags: number): string {
  return FLAG_ORDER.filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name).join(',');
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const GENEVE_PORT = 6081;
export const AWS_GENEVE_CLASS = 0x0108;
export const GWLB_OVERHEAD = 68;

// ---------------------------------------------------------------- addresses

export function isIPv6(address: string): boolean {
  return address.includes(':');
}

export function ipv4Bytes(address: string): Uint8Array {
  const parts = address.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address ${address}`);
  return Uint8Array.from(parts);
}

export function ipv6Bytes(address: string): Uint8Array {
  const out = new Uint8Array(16);
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  if (tail === undefined && headParts.length !== 8) throw new Error(`bad IPv6 address ${address}`);
  headParts.forEach((p, i) => {
    const v = parseInt(p, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  tailParts.forEach((p, i) => {
    const v = parseInt(p, 16);
    const at = 16 - (tailParts.length - i) * 2;
    out[at] = v >> 8;
    out[at + 1] = v & 0xff;
  });
  return out;
}

export function ipBytes(address: string): Uint8Array {
  return isIPv6(address) ? ipv6Bytes(address) : ipv4Bytes(address);
}

export function macBytes(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(':').map((p) => parseInt(p, 16)));
}

/** Endpoint text as the CLI prints it: ip:port, IPv6 as [addr]:port (addresses here are RFC 5952 already). */
export function endpoint(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

// ---------------------------------------------------------------- checksums

/** One's-complement sum of 16-bit big-endian words over bytes[start, end), not folded. */
export function onesSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  return sum;
}

export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return foldChecksum(onesSum(bytes, start, end, initial));
}

/** Pseudo-header sum (RFC 793 / RFC 8200 8.1) for a transport segment of `length` bytes. */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, proto: number, length: number): number {
  let sum = onesSum(src, 0, src.length) + onesSum(dst, 0, dst.length) + proto;
  sum += src.length === 16 ? (length >>> 16) + (length & 0xffff) : length;
  return sum;
}

// ---------------------------------------------------------------- IP

export interface IpOptions {
  /** IPv4 identification. */
  id?: number;
  /** IPv4 TTL / IPv6 hop limit. */
  ttl?: number;
  /** IPv4 don't-fragment bit (default set, as Linux does for TCP). */
  dontFragment?: boolean;
  /** IPv4 DSCP/ECN byte. */
  tos?: number;
  /** IPv6 flow label. */
  flowLabel?: number;
}

export function ipv4(src: string, dst: string, proto: number, payload: Uint8Array, o: IpOptions = {}): Uint8Array {
  const out = new Uint8Array(20 + payload.length);
  out[0] = 0x45;
  out[1] = o.tos ?? 0;
  put16(out, 2, out.length);
  put16(out, 4, (o.id ?? 0) & 0xffff);
  put16(out, 6, (o.dontFragment ?? true) ? 0x4000 : 0);
  out[8] = o.ttl ?? 64;
  out[9] = proto;
  out.set(ipv4Bytes(src), 12);
  out.set(ipv4Bytes(dst), 16);
  put16(out, 10, internetChecksum(out, 0, 20));
  out.set(payload, 20);
  return out;
}

export function ipv6(src: string, dst: string, nextHeader: number, payload: Uint8Array, o: IpOptions = {}): Uint8Array {
  const out = new Uint8Array(40 + payload.length);
  const flow = (o.flowLabel ?? 0) & 0xfffff;
  out[0] = 0x60 | ((o.tos ?? 0) >> 4);
  out[1] = (((o.tos ?? 0) & 0x0f) << 4) | (flow >> 16);
  put16(out, 2, flow & 0xffff);
  put16(out, 4, payload.length);
  out[6] = nextHeader;
  out[7] = o.ttl ?? 64;
  out.set(ipv6Bytes(src), 8);
  out.set(ipv6Bytes(dst), 24);
  out.set(payload, 40);
  return out;
}

export function ipPacket(src: string, dst: string, proto: number, payload: Uint8Array, o: IpOptions = {}): Uint8Array {
  return isIPv6(src) ? ipv6(src, dst, proto, payload, o) : ipv4(src, dst, proto, payload, o);
}

// ---------------------------------------------------------------- TCP

export interface TcpOptionsSpec {
  mss?: number;
  sackPermitted?: boolean;
  timestamps?: { tsval: number; tsecr: number };
  windowScale?: number;
}

/** Linux order: on a SYN MSS, SACK_PERM, TS, NOP, WS (20 bytes); later NOP, NOP, TS (12 bytes). */
export function tcpOptions(o: TcpOptionsSpec): Uint8Array {
  const bytes: number[] = [];
  if (o.mss !== undefined) bytes.push(2, 4, o.mss >> 8, o.mss & 0xff);
  if (o.sackPermitted) {
    if (o.timestamps) bytes.push(4, 2);
    else bytes.push(1, 1, 4, 2);
  }
  if (o.timestamps) {
    if (!o.sackPermitted) bytes.push(1, 1);
    const { tsval, tsecr } = o.timestamps;
    bytes.push(8, 10, ...u32(tsval), ...u32(tsecr));
  }
  if (o.windowScale !== undefined) bytes.push(1, 3, 3, o.windowScale);
  while (bytes.length % 4 !== 0) bytes.push(1);
  return Uint8Array.from(bytes);
}

export interface TcpSpec {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  options?: TcpOptionsSpec;
  payload?: Uint8Array;
  ip?: IpOptions;
}

/** A TCP segment inside its IP packet (IPv4 or IPv6 by address form), checksums correct. */
export function tcpPacket(s: TcpSpec): Uint8Array {
  const opts = s.options ? tcpOptions(s.options) : new Uint8Array(0);
  const payload = s.payload ?? new Uint8Array(0);
  const hdrLen = 20 + opts.length;
  const seg = new Uint8Array(hdrLen + payload.length);
  put16(seg, 0, s.srcPort);
  put16(seg, 2, s.dstPort);
  put32(seg, 4, s.seq >>> 0);
  put32(seg, 8, (s.flags & ACK) !== 0 ? s.ack >>> 0 : 0);
  seg[12] = (hdrLen / 4) << 4;
  seg[13] = s.flags & 0xff;
  put16(seg, 14, s.window ?? 502);
  seg.set(opts, 20);
  seg.set(payload, hdrLen);
  const sum = pseudoHeaderSum(ipBytes(s.src), ipBytes(s.dst), IPPROTO_TCP, seg.length);
  put16(seg, 16, internetChecksum(seg, 0, seg.length, sum));
  return ipPacket(s.src, s.dst, IPPROTO_TCP, seg, s.ip);
}

// ---------------------------------------------------------------- UDP

export interface UdpSpec {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  ip?: IpOptions;
  /** Compute the checksum over IPv4 too (IPv6 always has one). Default true. */
  checksum?: boolean;
}

export function udpSegment(s: UdpSpec): Uint8Array {
  const seg = new Uint8Array(8 + s.payload.length);
  put16(seg, 0, s.srcPort);
  put16(seg, 2, s.dstPort);
  put16(seg, 4, seg.length);
  seg.set(s.payload, 8);
  if (isIPv6(s.src) || (s.checksum ?? true)) {
    const sum = pseudoHeaderSum(ipBytes(s.src), ipBytes(s.dst), IPPROTO_UDP, seg.length);
    const c = internetChecksum(seg, 0, seg.length, sum);
    put16(seg, 6, c === 0 ? 0xffff : c);
  }
  return seg;
}

export function udpPacket(s: UdpSpec): Uint8Array {
  return ipPacket(s.src, s.dst, IPPROTO_UDP, udpSegment(s), s.ip);
}

// ---------------------------------------------------------------- GENEVE (AWS GWLB)

export interface AwsGeneveOptions {
  /** GWLB endpoint (vpce) id, 8 bytes. */
  endpointId: Uint8Array;
  /** Attachment id, 8 bytes. */
  attachmentId: Uint8Array;
  /** Flow cookie, 32 bits. */
  flowCookie: number;
}

/** The 40 GENEVE bytes the GWLB puts in front of the inner IP packet. */
export function geneveHeader(innerProtocol: number, aws: AwsGeneveOptions, vni = 0): Uint8Array {
  const out = new Uint8Array(40);
  out[0] = 32 / 4; // Ver 0, Opt Len = 32 bytes of options in 4-byte words
  out[1] = 0;
  put16(out, 2, innerProtocol);
  out[4] = (vni >>> 16) & 0xff;
  out[5] = (vni >>> 8) & 0xff;
  out[6] = vni & 0xff;
  out[7] = 0;
  let at = 8;
  const option = (type: number, data: Uint8Array): void => {
    put16(out, at, AWS_GENEVE_CLASS);
    out[at + 2] = type;
    out[at + 3] = (data.length / 4) & 0x1f;
    out.set(data, at + 4);
    at += 4 + data.length;
  };
  option(1, aws.endpointId);
  option(2, aws.attachmentId);
  option(3, Uint8Array.from(u32(aws.flowCookie)));
  return out;
}

/**
 * Source port of the outer UDP header: FNV-1a hash of the inner 5-tuple, in 49152..65535 (above
 * 6081, so dissectors that try the lower port first still pick GENEVE).
 */
export function geneveSourcePort(inner: Uint8Array): number {
  let h = 0x811c9dc5;
  const v6 = inner[0] >> 4 === 6;
  const addrStart = v6 ? 8 : 12;
  const addrEnd = v6 ? 40 : 20;
  const l4 = v6 ? 40 : (inner[0] & 0x0f) * 4;
  const proto = v6 ? inner[6] : inner[9];
  const mix = (b: number): void => {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (let i = addrStart; i < addrEnd; i++) mix(inner[i]);
  mix(proto);
  for (let i = l4; i < l4 + 4 && i < inner.length; i++) mix(inner[i]);
  return 49152 + (h % 16384);
}

export interface GwlbTunnel {
  /** Outer IPv4 source and destination (GWLB <-> firewall). */
  src: string;
  dst: string;
  ipId: number;
  ttl?: number;
  aws: AwsGeneveOptions;
  vni?: number;
}

/** Outer IPv4 + UDP (dst 6081, checksum 0 as the GWLB sends it) + GENEVE + inner IP packet. */
export function gwlbEncapsulate(inner: Uint8Array, t: GwlbTunnel): Uint8Array {
  const innerProtocol = inner[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
  const gen = geneveHeader(innerProtocol, t.aws, t.vni ?? 0);
  const udp = new Uint8Array(8 + gen.length + inner.length);
  put16(udp, 0, geneveSourcePort(inner));
  put16(udp, 2, GENEVE_PORT);
  put16(udp, 4, udp.length);
  udp.set(gen, 8);
  udp.set(inner, 8 + gen.length);
  return ipv4(t.src, t.dst, IPPROTO_UDP, udp, { id: t.ipId, ttl: t.ttl ?? 255, dontFragment: false });
}

// ---------------------------------------------------------------- Ethernet

export interface EthernetSpec {
  src: string;
  dst: string;
  /** 802.1Q VLAN id, when tagged. */
  vlan?: number;
  payload: Uint8Array;
  /** Defaults from the payload's IP version. */
  etherType?: number;
}

export function ethernet(e: EthernetSpec): Uint8Array {
  const tag = e.vlan !== undefined ? 4 : 0;
  const out = new Uint8Array(14 + tag + e.payload.length);
  out.set(macBytes(e.dst), 0);
  out.set(macBytes(e.src), 6);
  let at = 12;
  if (e.vlan !== undefined) {
    put16(out, 12, ETHERTYPE_VLAN);
    put16(out, 14, e.vlan & 0x0fff);
    at = 16;
  }
  put16(out, at, e.etherType ?? (e.payload[0] >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4));
  out.set(e.payload, at + 2);
  return out;
}

// ---------------------------------------------------------------- DNS (enough for a query and an A/AAAA answer)

function dnsName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.')) {
    out.push(label.length, ...Array.from(label, (c) => c.charCodeAt(0)));
  }
  out.push(0);
  return out;
}

export function dnsQuery(id: number, name: string, type: 1 | 28 = 1): Uint8Array {
  return Uint8Array.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...dnsName(name), 0, type, 0, 1]);
}

export function dnsResponse(id: number, name: string, address: string, ttl = 300): Uint8Array {
  const type = isIPv6(address) ? 28 : 1;
  const rdata = Array.from(ipBytes(address));
  return Uint8Array.from([
    id >> 8, id & 0xff, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
    ...dnsName(name), 0, type, 0, 1,
    0xc0, 0x0c, 0, type, 0, 1, ...u32(ttl), 0, rdata.length, ...rdata,
  ]);
}

// ---------------------------------------------------------------- helpers

export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}
