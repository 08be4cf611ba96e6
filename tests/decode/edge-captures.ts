/**
 * Hand-built captures of the cases the public captures do not cover: truncated and inconsistent
 * headers, ICMP errors, tunnels (GENEVE with the AWS options, VXLAN, IP in IP), VLAN stacks,
 * every link type we decode and IPv6 extension header chains. Deterministic bytes: the golden
 * files for them come from tshark like the others (scripts/golden.mjs writes these files to a
 * temporary folder and runs tshark; tests/golden.test.ts rebuilds them in memory).
 *
 *   npx tsx tests/decode/edge-captures.ts OUTDIR     -> writes every capture to OUTDIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface EdgeCapture {
  fileName: string;
  bytes: Uint8Array;
}

type Bytes = number[];

// ---- byte helpers ----

export function hex(s: string): Bytes {
  const clean = s.replace(/[\s:]/g, '');
  const out: Bytes = [];
  for (let i = 0; i < clean.length; i += 2) out.push(parseInt(clean.slice(i, i + 2), 16));
  return out;
}
function be16(v: number): Bytes {
  return [(v >>> 8) & 255, v & 255];
}
function be32(v: number): Bytes {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}
function fill(n: number, v = 0x61): Bytes {
  return new Array<number>(n).fill(v);
}

// ---- headers ----

const MAC_A = hex('02:00:00:00:00:01');
const MAC_B = hex('02:00:00:00:00:02');

export function eth(type: number, payload: Bytes, dst = MAC_B, src = MAC_A): Bytes {
  return [...dst, ...src, ...be16(type), ...payload];
}

export interface Ip4Opts {
  id?: number;
  ttl?: number;
  /** Total length to write (default: the real one). */
  total?: number;
  /** IHL in 4-byte words (default: from options). */
  ihl?: number;
  version?: number;
  options?: Bytes;
  fragOff?: number;
  mf?: boolean;
  src?: Bytes;
  dst?: Bytes;
}
export function ipv4(proto: number, payload: Bytes, o: Ip4Opts = {}): Bytes {
  const opts = o.options ?? [];
  const hl = 20 + opts.length;
  const total = o.total ?? hl + payload.length;
  const frag = ((o.mf ? 1 : 0) << 13) | ((o.fragOff ?? 0) >> 3);
  return [
    ((o.version ?? 4) << 4) | (o.ihl ?? hl / 4), 0, ...be16(total), ...be16(o.id ?? 0x1234), ...be16(frag),
    o.ttl ?? 64, proto, 0, 0, ...(o.src ?? [10, 0, 0, 1]), ...(o.dst ?? [10, 0, 0, 2]), ...opts, ...payload,
  ];
}
export interface Ip6Opts {
  payloadLen?: number;
  version?: number;
  src?: Bytes;
  dst?: Bytes;
}
export const V6_A = hex('20010db8000000000000000000000001');
export const V6_B = hex('20010db8000000000000000000000002');
export function ipv6(next: number, payload: Bytes, o: Ip6Opts = {}): Bytes {
  return [
    (o.version ?? 6) << 4, 0, 0, 0, ...be16(o.payloadLen ?? payload.length), next, 64,
    ...(o.src ?? V6_A), ...(o.dst ?? V6_B), ...payload,
  ];
}
export interface TcpOpts {
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  /** Data offset in 4-byte words (default: from options). */
  doff?: number;
  options?: Bytes;
}
export function tcp(sport: number, dport: number, payload: Bytes, o: TcpOpts = {}): Bytes {
  const opts = o.options ?? [];
  const doff = o.doff ?? (20 + opts.length) / 4;
  return [
    ...be16(sport), ...be16(dport), ...be32(o.seq ?? 1000), ...be32(o.ack ?? 2000),
    doff << 4, o.flags ?? 0x18, ...be16(o.window ?? 8192), 0, 0, 0, 0, ...opts, ...payload,
  ];
}
export function udp(sport: number, dport: number, payload: Bytes, len?: number): Bytes {
  return [...be16(sport), ...be16(dport), ...be16(len ?? 8 + payload.length), 0, 0, ...payload];
}
export function icmp(type: number, code: number, rest: Bytes, payload: Bytes): Bytes {
  return [type, code, 0, 0, ...rest, ...payload];
}
export interface GeneveOption {
  cls: number;
  type: number;
  data: Bytes;
}
export function geneveOption(cls: number, type: number, data: Bytes): GeneveOption {
  return { cls, type, data };
}
export function geneve(protoType: number, vni: number, options: GeneveOption[], payload: Bytes, optLenWords?: number): Bytes {
  const opts: Bytes = [];
  for (const o of options) opts.push(...be16(o.cls), o.type, (o.data.length / 4) & 0x1f, ...o.data);
  const ol = optLenWords ?? opts.length / 4;
  return [ol & 0x3f, 0, ...be16(protoType), (vni >>> 16) & 255, (vni >>> 8) & 255, vni & 255, 0, ...opts, ...payload];
}
/** The three AWS GWLB options (class 0x0108): endpoint id, attachment id, flow cookie. */
export function awsOptions(cookie: number): GeneveOption[] {
  return [
    geneveOption(0x0108, 1, hex('0a1b2c3d4e5f6071')),
    geneveOption(0x0108, 2, hex('1122334455667788')),
    geneveOption(0x0108, 3, be32(cookie)),
  ];
}
export function vxlan(vni: number, payload: Bytes): Bytes {
  return [0x08, 0, 0, 0, (vni >>> 16) & 255, (vni >>> 8) & 255, vni & 255, 0, ...payload];
}

// ---- capture files ----

export interface Frame {
  data: Bytes;
  /** Original length (default: data.length). */
  orig?: number;
}

/** Classic little-endian microsecond pcap, one link type; timestamps 1700000000 + i ms. */
export function pcapFile(linkType: number, frames: Frame[]): Uint8Array {
  const out: Bytes = [];
  const le32 = (v: number) => out.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255);
  const le16 = (v: number) => out.push(v & 255, (v >>> 8) & 255);
  le32(0xa1b2c3d4);
  le16(2);
  le16(4);
  le32(0);
  le32(0);
  le32(262144);
  le32(linkType);
  frames.forEach((f, i) => {
    le32(1700000000);
    le32(i * 1000);
    le32(f.data.length);
    le32(f.orig ?? f.data.length);
    out.push(...f.data);
  });
  return Uint8Array.from(out);
}

const E4 = (payload: Bytes) => eth(0x0800, payload);
const E6 = (payload: Bytes) => eth(0x86dd, payload);
const TCP_FULL = tcp(12345, 80, fill(10), { seq: 100, ack: 200, flags: 0x18, window: 65535 });

function truncation(): Frame[] {
  const f: Frame[] = [];
  // TCP header cut by the snapshot length at 0..20 bytes (the IP header says 30 bytes of TCP).
  for (let k = 0; k <= 20; k++) f.push({ data: E4(ipv4(6, TCP_FULL, { total: 50 })).slice(0, 34 + k), orig: 64 });
  // The IP total length itself says the TCP header is short (not snapped).
  for (const k of [4, 12, 16, 19]) f.push({ data: E4(ipv4(6, TCP_FULL.slice(0, k))) });
  // Bad data offsets, options cut by the snapshot, header longer than the IP payload.
  for (const doff of [0, 2, 4]) f.push({ data: E4(ipv4(6, tcp(1, 2, fill(20), { doff }))) });
  const withOpts = tcp(443, 50000, fill(8), { options: [2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1] });
  f.push({ data: E4(ipv4(6, withOpts)).slice(0, 34 + 24), orig: 14 + 20 + withOpts.length });
  f.push({ data: E4(ipv4(6, withOpts.slice(0, 26))) });
  f.push({ data: E4(ipv4(6, tcp(1, 2, fill(40), { doff: 15 }))) });
  // IP total length larger than the frame (not snapped): tshark falls back to the frame length.
  f.push({ data: E4(ipv4(6, TCP_FULL, { total: 100 })) });
  // ... and larger than the frame that was snapped: the reported length is the original one.
  f.push({ data: E4(ipv4(6, TCP_FULL, { total: 100 })), orig: 14 + 100 });
  // UDP header cut at 0..8 bytes, by the snapshot and by the IP length.
  const U = udp(12345, 53, fill(10));
  for (let k = 0; k <= 8; k++) f.push({ data: E4(ipv4(17, U, { total: 38 })).slice(0, 34 + k), orig: 52 });
  for (const k of [3, 4, 7]) f.push({ data: E4(ipv4(17, U.slice(0, k))) });
  // UDP length below 8 and above the IP payload.
  f.push({ data: E4(ipv4(17, udp(1000, 2000, fill(4), 4))) });
  f.push({ data: E4(ipv4(17, udp(1000, 2000, fill(4), 40))) });
  // IPv4 header cut at 0..19 bytes and with options cut.
  for (let k = 0; k < 20; k++) f.push({ data: E4(ipv4(6, TCP_FULL)).slice(0, 14 + k), orig: 14 + 50 });
  const opt = ipv4(6, TCP_FULL, { options: [0x94, 4, 0, 0, 1, 1, 1, 0] });
  for (const k of [20, 21, 24, 27]) f.push({ data: E4(opt).slice(0, 14 + k), orig: 14 + opt.length });
  // IPv4 oddities: version 6 / 5 in an IPv4 ethertype, IHL < 5, total length < header, TSO zero.
  f.push({ data: E4(ipv6(17, udp(1, 2, fill(4)))) });
  f.push({ data: E4(ipv4(17, udp(1, 2, fill(4)), { version: 5 })) });
  f.push({ data: E4(ipv4(17, udp(1, 2, fill(4)), { ihl: 4 })) });
  f.push({ data: E4(ipv4(17, udp(1, 2, fill(4)), { total: 12 })) });
  f.push({ data: E4(ipv4(6, TCP_FULL, { total: 0 })) });
  // IPv4 options: a Security option too short for its content (tshark stops there), a bad option
  // length (tshark notes it and goes on), Router Alert, and a loose source route.
  f.push({ data: E4(ipv4(6, TCP_FULL, { options: [0x82, 2, 0, 0] })) });
  f.push({ data: E4(ipv4(6, TCP_FULL, { options: [0x44, 1, 0, 0] })) });
  f.push({ data: E4(ipv4(6, TCP_FULL, { options: [0x94, 4, 0, 0] })) });
  f.push({ data: E4(ipv4(6, TCP_FULL, { options: [0x83, 11, 4, 10, 0, 0, 9, 10, 0, 0, 7, 0] })) });
  f.push({ data: E4(ipv4(6, TCP_FULL, { options: [0x83, 11, 12, 10, 0, 0, 9, 10, 0, 0, 7, 0] })) });
  // IPv4 fragments: first (with the TCP header) and a later one.
  f.push({ data: E4(ipv4(6, TCP_FULL, { mf: true, id: 7 })) });
  f.push({ data: E4(ipv4(6, fill(16), { fragOff: 32, id: 7 })) });
  // IPv6 header cut at 0..39 bytes, bad version, payload length larger than the frame.
  for (const k of [0, 4, 7, 8, 23, 24, 39]) f.push({ data: E6(ipv6(6, TCP_FULL)).slice(0, 14 + k), orig: 14 + 70 });
  f.push({ data: E6(ipv6(17, udp(1, 2, fill(4)), { version: 4 })) });
  f.push({ data: E6(ipv6(17, udp(1, 2, fill(4)), { payloadLen: 100 })) });
  f.push({ data: E6(ipv6(6, TCP_FULL, { payloadLen: 100 })), orig: 14 + 140 });
  // Ethernet header cut.
  for (const k of [0, 5, 6, 11, 12, 13]) f.push({ data: E4(ipv4(6, TCP_FULL)).slice(0, k), orig: 64 });
  return f;
}

function icmpErrors(): Frame[] {
  const f: Frame[] = [];
  const inner = ipv4(6, TCP_FULL, { src: [10, 0, 0, 2], dst: [192, 0, 2, 9], id: 99 });
  const router = { src: [10, 9, 9, 9], dst: [10, 0, 0, 2] };
  // Destination unreachable quoting the IP header + 8 bytes (RFC 792), + the whole TCP header,
  // + the whole packet; time exceeded quoting UDP; quoting an ICMP echo; quoting 4 bytes only.
  f.push({ data: E4(ipv4(1, icmp(3, 3, [0, 0, 0, 0], inner.slice(0, 28)), router)) });
  f.push({ data: E4(ipv4(1, icmp(3, 1, [0, 0, 0, 0], inner.slice(0, 40)), router)) });
  f.push({ data: E4(ipv4(1, icmp(3, 4, [0, 0, 5, 0xdc], inner), router)) });
  f.push({ data: E4(ipv4(1, icmp(11, 0, [0, 0, 0, 0], ipv4(17, udp(33434, 33435, fill(12))).slice(0, 28)), router)) });
  f.push({ data: E4(ipv4(1, icmp(3, 3, [0, 0, 0, 0], ipv4(1, icmp(8, 0, [0, 1, 0, 2], fill(8))).slice(0, 28)), router)) });
  f.push({ data: E4(ipv4(1, icmp(3, 3, [0, 0, 0, 0], inner.slice(0, 24)), router)) });
  f.push({ data: E4(ipv4(1, icmp(3, 3, [0, 0, 0, 0], inner.slice(0, 12)), router)) });
  // Redirect and parameter problem, echo request / reply, an ICMP header cut short.
  f.push({ data: E4(ipv4(1, icmp(5, 1, [10, 0, 0, 254], inner.slice(0, 28)), router)) });
  f.push({ data: E4(ipv4(1, icmp(12, 0, [20, 0, 0, 0], inner.slice(0, 28)), router)) });
  f.push({ data: E4(ipv4(1, icmp(8, 0, [0, 1, 0, 2], fill(32)))) });
  f.push({ data: E4(ipv4(1, icmp(0, 0, [0, 1, 0, 2], fill(32)))) });
  f.push({ data: E4(ipv4(1, [3])) });
  f.push({ data: E4(ipv4(1, [3, 3, 0, 0, 0])) });
  // ICMPv6: destination unreachable quoting IPv6 + UDP, packet too big quoting TCP, time exceeded
  // quoting a truncated header, echo, neighbour solicitation.
  const in6 = ipv6(17, udp(5353, 53, fill(20)), { src: V6_B, dst: hex('20010db8000000000000000000000009') });
  f.push({ data: E6(ipv6(58, icmp(1, 4, [0, 0, 0, 0], in6), { src: V6_A, dst: V6_B })) });
  f.push({ data: E6(ipv6(58, icmp(2, 0, [0, 0, 5, 0], ipv6(6, TCP_FULL).slice(0, 48)))) });
  f.push({ data: E6(ipv6(58, icmp(3, 0, [0, 0, 0, 0], in6.slice(0, 30)))) });
  f.push({ data: E6(ipv6(58, icmp(128, 0, [0, 7, 0, 1], fill(16)))) });
  f.push({ data: E6(ipv6(58, icmp(135, 0, [0, 0, 0, 0], V6_B), { dst: hex('ff0200000000000000000001ff000002') })) });
  // ICMP error inside a GENEVE tunnel: the quoted headers come after the inner ones.
  f.push({ data: E4(ipv4(17, udp(40000, 6081, geneve(0x0800, 5, awsOptions(0xdeadbeef), ipv4(1, icmp(3, 3, [0, 0, 0, 0], inner.slice(0, 28)), router))))) });
  return f;
}

function tunnels(): Frame[] {
  const f: Frame[] = [];
  const gwlb = { src: [172, 21, 200, 78], dst: [172, 21, 200, 84] };
  const innerTcp = ipv4(6, tcp(51544, 443, fill(12), { flags: 0x02, seq: 7, ack: 0 }), { src: [172, 21, 43, 170], dst: [198, 51, 100, 52], id: 4660 });
  // GENEVE as the GWLB sends it: IPv4 inner, the three AWS options.
  f.push({ data: E4(ipv4(17, udp(55000, 6081, geneve(0x0800, 0, awsOptions(0x12345678), innerTcp)), gwlb)) });
  // ... IPv6 inner; inner Ethernet (0x6558); an unknown option class; no options.
  const inner6 = ipv6(6, tcp(40000, 443, fill(4), { flags: 0x10 }));
  f.push({ data: E4(ipv4(17, udp(55001, 6081, geneve(0x86dd, 0, awsOptions(0x0badcafe), inner6)), gwlb)) });
  f.push({ data: E4(ipv4(17, udp(55002, 6081, geneve(0x6558, 77, [], eth(0x0800, innerTcp))), gwlb)) });
  f.push({ data: E4(ipv4(17, udp(55003, 6081, geneve(0x0800, 1, [geneveOption(0x0103, 0x80, fill(8, 0))], innerTcp)), gwlb)) });
  // The 5-bit option length: 17 words (68 bytes) needs the high bit.
  f.push({ data: E4(ipv4(17, udp(55004, 6081, geneve(0x0800, 2, [geneveOption(0x0108, 7, fill(68, 0x42)), ...awsOptions(1)], innerTcp)), gwlb)) });
  // Truncated: options cut by the snapshot; header cut; option length past the options.
  const full = E4(ipv4(17, udp(55005, 6081, geneve(0x0800, 3, awsOptions(2), innerTcp)), gwlb));
  for (const k of [4, 12, 20, 40, 68]) f.push({ data: full.slice(0, 42 + k), orig: full.length });
  f.push({ data: E4(ipv4(17, udp(55006, 6081, geneve(0x0800, 4, awsOptions(3), innerTcp, 2)), gwlb)) });
  // VXLAN with inner Ethernet; VXLAN carrying a VLAN-tagged frame; GENEVE in VXLAN.
  f.push({ data: E4(ipv4(17, udp(41000, 4789, vxlan(100, eth(0x0800, innerTcp))))) });
  f.push({ data: E4(ipv4(17, udp(41001, 4789, vxlan(101, eth(0x8100, [...be16(42), ...be16(0x0800), ...innerTcp]))))) });
  f.push({ data: E4(ipv4(17, udp(41002, 4789, vxlan(102, eth(0x0800, ipv4(17, udp(41003, 6081, geneve(0x0800, 9, awsOptions(4), innerTcp)))))))) });
  // IP in IP (4), IPv6 in IPv4 (41), GRE (47, not decoded), ESP (50).
  f.push({ data: E4(ipv4(4, innerTcp)) });
  f.push({ data: E4(ipv4(41, inner6)) });
  f.push({ data: E4(ipv4(47, [0, 0, 0x08, 0x00, ...innerTcp])) });
  f.push({ data: E4(ipv4(50, fill(24))) });
  return f;
}

function vlans(): Frame[] {
  const ip = ipv4(17, udp(5000, 5001, fill(6)));
  return [
    { data: eth(0x8100, [...be16(100), ...be16(0x0800), ...ip]) },
    // 802.1ad QinQ: S-tag 0x88a8 then C-tag 0x8100.
    { data: eth(0x88a8, [...be16(200), ...be16(0x8100), ...be16(300), ...be16(0x0800), ...ip]) },
    { data: eth(0x9100, [...be16(7), ...be16(0x8100), ...be16((3 << 13) | 8), ...be16(0x86dd), ...ipv6(17, udp(1, 2, fill(4)))]) },
    // VN-Tag (0x8926): 4 bytes of tag then the ethertype.
    { data: eth(0x8926, [0x80, 0x01, 0x00, 0x02, ...be16(0x0800), ...ip]) },
    // A tag cut short, and ARP.
    { data: eth(0x8100, [0x00]) },
    { data: eth(0x8100, [0x00, 0x05]) },
    { data: eth(0x0806, hex('0001080006040001020000000001 0a000001 000000000000 0a000002')) },
    // 802.3 length field instead of an ethertype (LLC follows): no IP.
    { data: eth(0x0026, hex('424203000000000000000000000000000000000000000000000000000000000000000000000000')) },
  ];
}

function sll(): Frame[] {
  const ip = ipv4(6, TCP_FULL);
  const hdr = (pkttype: number, hatype: number, proto: number) => [...be16(pkttype), ...be16(hatype), ...be16(6), ...MAC_A, 0, 0, ...be16(proto)];
  return [
    { data: [...hdr(0, 1, 0x0800), ...ip] },
    { data: [...hdr(4, 1, 0x86dd), ...ipv6(17, udp(1, 2, fill(4)))] },
    { data: [...hdr(0, 1, 0x8100), ...be16(5), ...be16(0x0800), ...ip] },
    { data: [...hdr(0, 772, 0x0800), ...ip] },
    { data: [...hdr(0, 1, 0x0806), ...hex('0001080006040001020000000001 0a000001 000000000000 0a000002')] },
    { data: hdr(0, 1, 0x0800).slice(0, 10) },
  ];
}

function sll2(): Frame[] {
  const ip = ipv4(6, TCP_FULL);
  const hdr = (proto: number, hatype: number) => [...be16(proto), 0, 0, ...be32(3), ...be16(hatype), 0, 6, ...MAC_A, 0, 0];
  return [
    { data: [...hdr(0x0800, 1), ...ip] },
    { data: [...hdr(0x86dd, 1), ...ipv6(17, udp(1, 2, fill(4)))] },
    { data: hdr(0x0800, 1).slice(0, 12) },
  ];
}

function nullLoop(bigEndian: boolean): Frame[] {
  const fam = (v: number) => (bigEndian ? be32(v) : [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255]);
  return [
    { data: [...fam(2), ...ipv4(6, TCP_FULL)] },
    { data: [...fam(24), ...ipv6(17, udp(1, 2, fill(4)))] },
    { data: [...fam(28), ...ipv6(17, udp(1, 2, fill(4)))] },
    { data: [...fam(30), ...ipv6(17, udp(1, 2, fill(4)))] },
    { data: [...fam(10), ...ipv6(17, udp(1, 2, fill(4)))] },
    { data: [...fam(7), ...fill(20)] },
    { data: [2, 0] },
  ];
}

function rawIp(): Frame[] {
  return [
    { data: ipv4(6, TCP_FULL) },
    { data: ipv6(17, udp(1, 2, fill(4))) },
    { data: [0x50, ...fill(30)] },
    { data: [] },
  ];
}

function ipv6Ext(): Frame[] {
  const U = udp(546, 547, fill(8));
  const hbh = (next: number) => [next, 0, 5, 2, 0, 0, 1, 0];
  const dst = (next: number) => [next, 1, ...fill(14, 1)];
  const rt = (next: number) => [next, 2, 0, 1, ...fill(4, 0), ...V6_B];
  const frag = (next: number, off: number, more: boolean) => [next, 0, ...be16((off << 3) | (more ? 1 : 0)), ...be32(0xabcd)];
  const ah = (next: number) => [next, 4, 0, 0, ...be32(0x100), ...be32(1), ...fill(12, 0)];
  return [
    { data: E6(ipv6(0, [...hbh(60), ...dst(43), ...rt(17), ...U])) },
    { data: E6(ipv6(44, [...frag(6, 0, true), ...TCP_FULL])) },
    { data: E6(ipv6(44, [...frag(6, 185, false), ...fill(24)])) },
    { data: E6(ipv6(51, [...ah(6), ...TCP_FULL])) },
    { data: E6(ipv6(0, [...hbh(59)])) },
    { data: E6(ipv6(60, [...dst(50), ...fill(16)])) },
    // Truncated chains: an extension header cut by the snapshot, and one whose length runs past.
    { data: E6(ipv6(0, [...hbh(60), ...dst(17), ...U])).slice(0, 14 + 40 + 12), orig: 14 + 40 + 8 + 16 + 16 },
    { data: E6(ipv6(0, [17, 9, ...fill(6, 0), ...U])) },
    { data: E6(ipv6(60, [...dst(58), ...icmp(128, 0, [0, 1, 0, 1], fill(4))])) },
  ];
}

export function edgeCaptures(): EdgeCapture[] {
  return [
    { fileName: 'edge-truncation.pcap', bytes: pcapFile(1, truncation()) },
    { fileName: 'edge-icmp-errors.pcap', bytes: pcapFile(1, icmpErrors()) },
    { fileName: 'edge-tunnels.pcap', bytes: pcapFile(1, tunnels()) },
    { fileName: 'edge-vlan.pcap', bytes: pcapFile(1, vlans()) },
    { fileName: 'edge-sll.pcap', bytes: pcapFile(113, sll()) },
    { fileName: 'edge-sll2.pcap', bytes: pcapFile(276, sll2()) },
    { fileName: 'edge-null-le.pcap', bytes: pcapFile(0, nullLoop(false)) },
    { fileName: 'edge-null-be.pcap', bytes: pcapFile(0, nullLoop(true)) },
    { fileName: 'edge-loop.pcap', bytes: pcapFile(108, nullLoop(true)) },
    { fileName: 'edge-raw.pcap', bytes: pcapFile(101, rawIp()) },
    { fileName: 'edge-ipv4-linktype.pcap', bytes: pcapFile(228, [...rawIp(), { data: ipv6(17, udp(1, 2, fill(4))) }]) },
    { fileName: 'edge-ipv6-linktype.pcap', bytes: pcapFile(229, [...rawIp(), { data: ipv4(17, udp(1, 2, fill(4))) }]) },
    { fileName: 'edge-ipv6-ext.pcap', bytes: pcapFile(1, ipv6Ext()) },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: npx tsx tests/decode/edge-captures.ts OUTDIR\n');
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
  for (const c of edgeCaptures()) writeFileSync(join(out, c.fileName), c.bytes);
  process.stdout.write(`${out}: ${edgeCaptures().length} captures\n`);
}
