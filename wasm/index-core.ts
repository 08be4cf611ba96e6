// The capture index's per-record core in WebAssembly (AssemblyScript, built by scripts/build.mjs
// into dist/index-core.wasm). It indexes a classic pcap or pcapng file of Ethernet, Linux cooked
// or raw IP records, doing what CaptureIndexer.record does (shared/engine/capture-index.ts: the lean
// columns, the flow table, the per-flow numbers, the TCP state and history letters; the rare
// extras the flow table keeps in maps, a history past its inline letters and a flow's further
// GENEVE cookies, go to the caller). It decodes the common shapes itself: 802.1Q/802.1ad tags,
// frames without IP, IPv4 without options or fragments, IPv6 without extension headers, TCP,
// UDP, ICMP/ICMPv6 but errors, other protocols without ports, GENEVE with the AWS options around
// Ethernet, IPv4 or IPv6. A record of any other shape it leaves to the caller (status DECODE):
// the caller decodes it with the full decoder and hands the fields back (recordDecoded), which
// makes the row from them. A record the reader would complain about, a pcapng block it does not
// read, or more than MAX_FLOWS flows stop it with ABORT, and the file is indexed by the
// JavaScript indexer instead, which stays the reference: tests/engine/index-core.test.ts indexes
// captures both ways and compares every field.
//
// Memory: static data (the probe key); [IN, IN + INCAP) the input (a chunk of the file plus the
// start of a record cut by the chunk's end); the columns of up to ROWS records (a file of no
// more records is grouped by flow here, group() and groupColumn(); past that the caller copies
// them out whenever the columns are full, and at the end, and groups them itself); the grouping's
// rows and one grouped column; the flow table's arrays at fixed
// places, each for MAX_FLOWS flows (reserved: a page costs only once a row on it is written);
// two places for its hash slots, which take turns as the table grows. A lane's instance serves
// every file it reads, so it keeps no more than its largest file's flow table.

import { KEY_BYTES, keyHash, reach, sameKey } from './flow-key';

/** Past the module's static data (the probe key below); nothing is allocated at run time. */
const IN: usize = (__heap_base + 4095) & ~4095;
const INCAP: usize = (4 << 20) + (512 << 10);
/**
 * Records the columns hold: a file of no more is grouped here (group()); past that the caller
 * copies them out each time they are full. (What the columns and the grouping take stays with
 * the lane's instance: 35 bytes a record, 18 MB at most.)
 */
const ROWS: u32 = 1 << 19;
/** Flows of one file the core takes (more: ABORT, the JavaScript indexer's). */
const MAX_FLOWS: u32 = 1 << 21;

/** Slots of a flow's numbers (capture-index.ts N and F). */
const N_ID = 0;
const N_VERSION = 1;
const N_PROTO = 2;
const N_CLIENT_SIDE = 3;
const N_CLIENT_KNOWN = 4;
const N_FIRST_SIDE = 5;
const N_FIRST_ROW = 6;
const N_LAST_ROW = 7;
const N_FIRST_T = 8;
const N_LAST_T = 9;
const N_S = 10;
const N_EP = 34;
const N_PREV = 36;
const N_KEEPALIVES = 38;
const N_RETRANSMISSIONS = 39;
const N_COUNT = 41;
const F_PACKETS = N_S + 0;
const F_BYTES = N_S + 2;
const F_PAYLOAD = N_S + 4;
const F_NEXT_SEQ = N_S + 6;
const F_START_SEQ = N_S + 8;
const F_LAST_SEQ = N_S + 10;
const F_LAST_SYN = N_S + 12;
const F_LAST_FIN = N_S + 14;
const F_LAST_RST = N_S + 16;
const F_SEEN = N_S + 18;
const F_RETRANS = N_S + 20;
const F_ZERO_WINDOW = N_S + 22;

/** Per-packet flags (capture-index.ts P_*). */
const P_MALFORMED: u32 = 1;
const P_KEEPALIVE: u32 = 2;
const P_RETRANS: u32 = 4;
const P_COOKIE: u32 = 8;
const P_FRAGMENT: u32 = 16;
const P_SIDE_B: u32 = 32;
const P_PAYLOAD_HASH: u32 = 64;

/** Zeek endpoint states (tcp-state.ts Ep). */
const EP_INACTIVE: f64 = 0;
const EP_SYN_SENT: f64 = 1;
const EP_SYN_ACK_SENT: f64 = 2;
const EP_PARTIAL: f64 = 3;
const EP_ESTABLISHED: f64 = 4;
const EP_CLOSED: f64 = 5;
const EP_RESET: f64 = 6;

/** History letters (upper-case codes) and their bits in F_SEEN ('SHADFRTWQI'). */
const L_S: u32 = 0x53;
const L_H: u32 = 0x48;
const L_A: u32 = 0x41;
const L_D: u32 = 0x44;
const L_F: u32 = 0x46;
const L_R: u32 = 0x52;
const L_T: u32 = 0x54;
const L_W: u32 = 0x57;
const L_Q: u32 = 0x51;
const L_I: u32 = 0x49;
const HIST_INLINE: u32 = 16;

/** A row of no flow (capture-index.ts NO_FLOW). */
const NO_FLOW: u32 = 0xffffffff;
const TCP_FIN: u32 = 0x01;
const TCP_SYN: u32 = 0x02;
const TCP_RST: u32 = 0x04;
const TCP_ACK: u32 = 0x10;

export const OK: i32 = 0;
export const ABORT: i32 = 1;
/** A record of a shape the core does not decode: the caller decodes it and hands the fields over (recordDecoded). */
export const DECODE: i32 = 2;

// File.
let le = true;
let nano = false;
/** The file's link type: Ethernet (1), Linux cooked v1 / v2 (113 / 276), raw IP (101, 12, 14), IPv4 (228), IPv6 (229). */
let link: u32 = 1;
/** The file is pcapng (blocks), not classic pcap (records after the 24-byte header). */
let ng = false;
/** Bytes of the file before IN[start] of the next run() (pcapng: block offsets for the section's end). */
let fileOff: f64 = 0;
// pcapng: the current section and the interfaces described so far.
let sectionSeen = false;
/** File offset where the section ends by its header (-1: unknown). */
let sectionEnd: f64 = -1;
/** Interfaces described in the file, and the first of the current section. */
let ifCount: u32 = 0;
let ifBase: u32 = 0;
const MAX_IF: u32 = 64;
/** Per interface: timestamp units per second (10^n), nanoseconds per unit, if_tsoffset (s). */
const ifDiv: usize = memory.data(8 * 64, 8);
const ifMul: usize = memory.data(8 * 64, 8);
const ifOffset: usize = memory.data(8 * 64, 8);
/** Per interface: its link type. */
const ifLink: usize = memory.data(4 * 64, 4);
/** Per interface: its snaplen (a simple packet block's captured length is cut to it). */
const ifSnap: usize = memory.data(4 * 64, 4);
/** Per interface: n of a binary resolution (2^n units a second), or DECIMAL (ifDiv, ifMul). */
const ifShift: usize = memory.data(4 * 64, 4);
const DECIMAL: u32 = 0xffffffff;

/** The link types the core reads (frameType): Ethernet, Linux cooked v1 / v2, raw IP, IPv4, IPv6. */
export function coreLinkType(t: u32): bool {
  return t === 1 || t === 113 || t === 276 || t === 101 || t === 12 || t === 14 || t === 228 || t === 229 || t === 0 || t === 108;
}
let maxCapLen: u32 = 262144;
/** Records copied out so far (the ring holds records ringBase .. n). */
let ringBase: u32 = 0;
let status: i32 = OK;
let n: u32 = 0;
let baseSec: f64 = NaN;
let wireBytes: f64 = 0;
/** The least and greatest record time so far (ns after baseSec). */
let leastT: f64 = Infinity;
let greatestT: f64 = -Infinity;
// Columns.
let colT: usize = 0;
let colFlow: usize = 0;
let colIpId: usize = 0;
let colSig: usize = 0;
let colTcpFlags: usize = 0;
let colFlags: usize = 0;
let gStart: usize = 0;
let gFill: usize = 0;
let gSorted: usize = 0;
let gRows: usize = 0;
let gOut: usize = 0;
// Flow table: its arrays (at fixed places, see init) and hash slots.
/** The two places for the hash slots: slotsAt and slotsAt + SLOTS_ROOM (growing, a table moves to the other). */
let slotsAt: usize = 0;
/** Bytes a table may take (two slots a flow at most, a power of two): twice what it needs. */
const SLOTS_ROOM: usize = <usize>MAX_FLOWS * 4 * 4;
let flowCount: u32 = 0;
let keys: usize = 0;
let slots: usize = 0;
let slotCount: u32 = 0;
let nums: usize = 0;
let histLen: usize = 0;
let histBytes: usize = 0;
let cookieFirst: usize = 0;
let cookieCount: usize = 0;
let cookieFirstRow: usize = 0;
/** The last cookie kept per flow (the first, or the caller's last). */
let cookieLast: usize = 0;
/** The key of the packet at hand (FlowTable.probe), KEY_WORDS words. */
const probe: usize = memory.data(40, 16);

// Decoded fields of the packet at hand (the fast decoder's Decoded).
let reportedEnd: usize = 0;
/** The innermost IP packet's version (4 or 6). */
let ipVer: u32 = 4;
let ipProto: i32 = -1;
let ipId: i32 = -1;
let ipLen: u32 = 0;
let srcAddrOff: usize = 0;
let dstAddrOff: usize = 0;
let srcPort: u32 = 0;
let dstPort: u32 = 0;
let tcpOk = false;
let tcpFlags: u32 = 0;
let tcpSeq: u32 = 0;
let tcpAck: u32 = 0;
let tcpWindow: u32 = 0;
let tcpLen: u32 = 0;
let payloadOff: usize = 0;
let payloadCapLen: u32 = 0;
let flowCookie: i64 = -1;

@inline function u16be(p: usize): u32 {
  return (<u32>load<u8>(p) << 8) | load<u8>(p + 1);
}
@inline function u32be(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}
@inline function rd32(p: usize): u32 {
  return rd32as(p, le);
}
@inline function rd32as(p: usize, little: bool): u32 {
  return little ? load<u32>(p) : bswap<u32>(load<u32>(p));
}
/** A number slot of the flow table's rows. */
@inline function A(slot: u32): f64 {
  return load<f64>(nums + (<usize>slot << 3));
}
@inline function setA(slot: u32, v: f64): void {
  store<f64>(nums + (<usize>slot << 3), v);
}
/** ToUint32 of a slot's value (JavaScript's `>>> 0` on it). */
@inline function u32of(v: f64): u32 {
  return <u32>(<i64>v);
}
@inline function seqLt(a: u32, b: u32): bool {
  return <i32>(a - b) < 0;
}

/** A new file; 0 when there is no memory for the flow table. */
export function init(littleEndian: bool, nanoseconds: bool, maxCap: u32, pcapng: bool, linkType: u32): i32 {
  link = linkType;
  le = littleEndian;
  nano = nanoseconds;
  maxCapLen = maxCap;
  ng = pcapng;
  fileOff = 0;
  malformedCount = 0;
  sectionSeen = false;
  sectionEnd = -1;
  ifCount = 0;
  ifBase = 0;
  ringBase = 0;
  status = OK;
  why = 0;
  n = 0;
  baseSec = NaN;
  wireBytes = 0;
  leastT = Infinity;
  greatestT = -Infinity;
  let p: usize = IN + INCAP;
  colT = p;
  p += <usize>ROWS * 8;
  colFlow = p;
  p += <usize>ROWS * 4;
  colIpId = p;
  p += <usize>ROWS * 4;
  colSig = p;
  p += <usize>ROWS * 4;
  colTcpFlags = p;
  p += <usize>ROWS * 2;
  colFlags = p;
  p += <usize>ROWS;
  // The grouping (group(), groupColumn()): each flow's first grouped position, its next one
  // while filling, a bit per flow whose rows were sorted, the rows' numbers in flow order, and one
  // grouped column at a time.
  p = (p + 15) & ~15;
  gStart = p;
  p += (<usize>MAX_FLOWS + 1) * 4;
  gFill = p;
  p += <usize>MAX_FLOWS * 4;
  gSorted = p;
  p += <usize>MAX_FLOWS / 8;
  gRows = p;
  p += <usize>ROWS * 4;
  p = (p + 7) & ~7;
  gOut = p;
  p += <usize>ROWS * 8;
  // The flow table's arrays at fixed places, each for MAX_FLOWS flows (the memory is reserved,
  // not touched: a page costs only once a flow's row is written); then the hash slots.
  p = (p + 15) & ~15;
  keys = p;
  p += <usize>MAX_FLOWS * KEY_BYTES;
  nums = p;
  p += <usize>MAX_FLOWS * N_COUNT * 8;
  histLen = p;
  p += <usize>MAX_FLOWS;
  histBytes = p;
  p += <usize>MAX_FLOWS * HIST_INLINE;
  cookieFirst = p;
  p += <usize>MAX_FLOWS * 4;
  cookieCount = p;
  p += <usize>MAX_FLOWS * 4;
  cookieFirstRow = p;
  p += <usize>MAX_FLOWS * 4;
  cookieLast = p;
  p += <usize>MAX_FLOWS * 4;
  slotsAt = p;
  flowCount = 0;
  slotCount = 4096;
  if (!reach(slotsAt + <usize>slotCount * 4)) return 0;
  slots = slotsAt;
  memory.fill(slots, 0, <usize>slotCount * 4);
  return 1;
}

// ---- the fast decoder (fast-index.ts) ----

/** The fast shapes' fields of a frame of `type` (frameType, its payload at l3Off). */
function decode(off: usize, capLen: u32, origLen: u32, type: i32): bool {
  clearFields(off, capLen, origLen);
  if (type === 0x0800) return ipv4(l3Off, off + capLen, true);
  if (type === 0x86dd) return ipv6(l3Off, off + capLen, true);
  return false;
}

/** Decoded.reset: the fields of a packet before its layers are read. */
@inline function clearFields(off: usize, capLen: u32, origLen: u32): void {
  reportedEnd = off + <usize>(origLen > capLen ? origLen : capLen);
  ipVer = 0;
  ipProto = -1;
  ipId = -1;
  ipLen = 0;
  srcPort = 0;
  dstPort = 0;
  tcpOk = false;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  tcpLen = 0;
  payloadOff = 0;
  payloadCapLen = 0;
  flowCookie = -1;
}

function ipv4(off: usize, end: usize, outer: bool): bool {
  if (end - off < 20 || load<u8>(off) !== 0x45) return false;
  const total = u16be(off + 2);
  const ipRep = off + <usize>total;
  if (total < 20 || ipRep > reportedEnd) return false;
  if ((u16be(off + 6) & 0x3fff) !== 0) return false;
  const ipEnd = ipRep < end ? ipRep : end;
  const proto = <i32>load<u8>(off + 9);
  beginIp(4, off + 12, off + 16, proto, total, <i32>u16be(off + 4), ipRep);
  return transport(proto, off + 20, ipEnd, outer);
}

/** beginIp: this (innermost so far) IP packet's fields, the transport's cleared. */
function beginIp(version: u32, src: usize, dst: usize, proto: i32, len: u32, id: i32, rep: usize): void {
  ipVer = version;
  srcAddrOff = src;
  dstAddrOff = dst;
  ipProto = proto;
  srcPort = 0;
  dstPort = 0;
  tcpOk = false;
  tcpFlags = 0;
  tcpLen = 0;
  payloadCapLen = 0;
  ipLen = len;
  ipId = id;
  reportedEnd = rep;
}

/**
 * What follows the IP header (decodeTransport): TCP, UDP, ICMP and ICMPv6 but their errors (the
 * reader decodes the packet they quote), and any protocol it reads no further (ESP, OSPF, ...: a
 * flow without ports). IP in IP and GRE: the reader's.
 */
function transport(proto: i32, off: usize, end: usize, outer: bool): bool {
  if (proto === 6) return tcp(off, end);
  if (proto === 17) return udp(off, end, outer);
  if (proto === 1 || proto === 58) return icmp(off, end, proto === 58);
  return proto !== 4 && proto !== 41 && proto !== 47;
}

/** decodeIcmp: an echo's identifier as both ports (Zeek's flow); an error quoting a packet, the reader's. */
function icmp(off: usize, end: usize, v6: bool): bool {
  if (end - off < 4) return false;
  const type = <u32>load<u8>(off);
  const echo = v6 ? type === 128 || type === 129 : type === 8 || type === 0;
  if (echo && end - off >= 8) {
    srcPort = u16be(off + 4);
    dstPort = srcPort;
  }
  const error = v6 ? type >= 1 && type <= 4 : type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
  return !(error && end - off > 8);
}

/**
 * IPv6 without extension headers (decodeIpv6 for that shape). Extension headers, a payload length
 * of 0 (jumbograms, GSO) or past the packet: the reader's.
 */
function ipv6(off: usize, end: usize, outer: bool): bool {
  if (end - off < 40 || load<u8>(off) >> 4 !== 6) return false;
  const payloadLen = u16be(off + 4);
  const ipRep = off + 40 + <usize>payloadLen;
  if (payloadLen === 0 || ipRep > reportedEnd) return false;
  const proto = <i32>load<u8>(off + 6);
  // Extension headers (hop-by-hop, routing, fragment, destination options, authentication,
  // mobility, HIP, shim6): the reader walks them.
  if (proto === 0 || proto === 43 || proto === 44 || proto === 51 || proto === 60 || proto === 135 || proto === 139 || proto === 140) return false;
  const ipEnd = ipRep < end ? ipRep : end;
  beginIp(6, off + 8, off + 24, proto, 40 + payloadLen, -1, ipRep);
  return transport(proto, off + 40, ipEnd, outer);
}

function tcp(off: usize, end: usize): bool {
  if (end - off < 20) return false;
  const hl = <usize>(load<u8>(off + 12) >> 4) * 4;
  const reportedLen = <isize>reportedEnd - <isize>off;
  if (hl < 20 || reportedLen < <isize>hl || end - off < hl) return false;
  srcPort = u16be(off);
  dstPort = u16be(off + 2);
  tcpSeq = u32be(off + 4);
  tcpAck = u32be(off + 8);
  tcpFlags = u16be(off + 12) & 0x0fff;
  tcpWindow = u16be(off + 14);
  tcpLen = <u32>(reportedLen - <isize>hl);
  tcpOk = true;
  payloadOff = off + hl;
  const capPayload = <isize>end - <isize>off - <isize>hl;
  payloadCapLen = capPayload <= 0 ? 0 : <u32>capPayload < tcpLen ? <u32>capPayload : tcpLen;
  return true;
}

function udp(off: usize, end: usize, outer: bool): bool {
  if (end - off < 8) return false;
  const sport = u16be(off);
  const dport = u16be(off + 2);
  const len = u16be(off + 4);
  if (len < 8 || off + <usize>len > reportedEnd) return false;
  srcPort = sport;
  dstPort = dport;
  const udpRep = off + <usize>len;
  const lo = sport < dport ? sport : dport;
  const hi = sport < dport ? dport : sport;
  const port = lo === 6081 || lo === 4789 ? lo : hi;
  if (port === 4789) return false;
  if (port !== 6081) return true;
  if (!outer) return false;
  reportedEnd = udpRep;
  return geneve(off + 8, udpRep < end ? udpRep : end);
}

function geneve(off: usize, end: usize): bool {
  if (end - off < 8) return false;
  const hdrEnd = off + 8 + <usize>(load<u8>(off) & 0x3f) * 4;
  if (hdrEnd > end) return false;
  let p = off + 8;
  while (p < hdrEnd) {
    if (hdrEnd - p < 4) return false;
    const len = <usize>(load<u8>(p + 3) & 0x1f) * 4;
    const val = p + 4;
    if (val + len > hdrEnd) return false;
    if (u16be(p) === 0x0108 && load<u8>(p + 2) === 3 && len >= 4) flowCookie = <i64>u32be(val);
    p = val + len;
  }
  const type = u16be(off + 2);
  if (type === 0x6558) {
    if (end - hdrEnd < 14) return false;
    const inner = u16be(hdrEnd + 12);
    if (inner === 0x0800) return ipv4(hdrEnd + 14, end, false);
    if (inner === 0x86dd) return ipv6(hdrEnd + 14, end, false);
    return false;
  }
  if (type === 0x0800) return ipv4(hdrEnd, end, false);
  if (type === 0x86dd) return ipv6(hdrEnd, end, false);
  return false;
}

// ---- the flow table (flow-table.ts) ----

let lastWasNew = false;

function lookupOrAdd(): i32 {
  const h = keyHash(probe);
  const mask = slotCount - 1;
  let s = h & mask;
  while (true) {
    const v = load<i32>(slots + (<usize>s << 2));
    if (v === 0) break;
    if (sameKey(keys + <usize>(v - 1) * KEY_BYTES, probe)) {
      lastWasNew = false;
      return v - 1;
    }
    s = (s + 1) & mask;
  }
  const id = flowCount;
  if (id >= MAX_FLOWS || !reach(nums + (<usize>id + 1) * N_COUNT * 8)) return -1;
  flowCount++;
  // The row may hold a flow of the file before: a new flow starts from zeros (FlowStore.add).
  memory.fill(nums + <usize>id * N_COUNT * 8, 0, N_COUNT * 8);
  store<u8>(histLen + id, 0);
  store<i32>(cookieCount + (<usize>id << 2), 0);
  const kb = keys + <usize>id * KEY_BYTES;
  memory.copy(kb, probe, KEY_BYTES);
  store<i32>(slots + (<usize>s << 2), <i32>id + 1);
  lastWasNew = true;
  if (flowCount * 2 > slotCount && !rehash()) return -1;
  return <i32>id;
}

function rehash(): bool {
  const count = slotCount * 2;
  // The two places for a table take turns: the new one where the one before the old one was.
  const next = slots === slotsAt ? slotsAt + SLOTS_ROOM : slotsAt;
  if (!reach(next + <usize>count * 4)) return false;
  memory.fill(next, 0, <usize>count * 4);
  const mask = count - 1;
  for (let id: u32 = 0; id < flowCount; id++) {
    let s = keyHash(keys + <usize>id * KEY_BYTES) & mask;
    while (load<i32>(next + (<usize>s << 2)) !== 0) s = (s + 1) & mask;
    store<i32>(next + (<usize>s << 2), <i32>id + 1);
  }
  slots = next;
  slotCount = count;
  return true;
}

// ---- the per-flow state (CaptureIndexer.record, tcp, letter; FlowStore; tcp-state.ts) ----

/** capture-index.ts le32: the little-endian word at p of bytes [p, lim) (fewer than four: the rest zeros). */
@inline function le32(p: usize, lim: usize): u32 {
  if (lim - p >= 4) return load<u32>(p);
  return <u32>load<u8>(p) | (p + 1 < lim ? <u32>load<u8>(p + 1) << 8 : 0) | (p + 2 < lim ? <u32>load<u8>(p + 2) << 16 : 0);
}

/** capture-index.ts servicePort. */
function servicePort(p: u32): bool {
  if (p < 1024) return true;
  switch (p) {
    case 1433: case 1521: case 1812: case 3128: case 3306: case 3389: case 5060: case 5432:
    case 5900: case 6379: case 8000: case 8080: case 8443: case 9200:
      return true;
  }
  return false;
}

function histBit(upper: u32): u32 {
  switch (upper) {
    case L_S: return 1;
    case L_H: return 2;
    case L_A: return 4;
    case L_D: return 8;
    case L_F: return 16;
    case L_R: return 32;
    case L_T: return 64;
    case L_W: return 128;
    case L_Q: return 256;
    case L_I: return 512;
  }
  return 0;
}

/** FlowStore.letter: a letter in place; past HIST_INLINE letters, ABORT (the store keeps those in a map). */
/** The caller keeps what the flow table keeps in maps (FlowStore): rare, so a call each. */
@external("env", "letterMore")
declare function letterMore(f: u32, code: u32): void;
@external("env", "cookieMore")
declare function cookieMore(f: u32, cookie: u32, row: u32, first: u32, firstRow: i32): void;

/** FlowStore.letter: a letter in place, past HIST_INLINE letters to the caller. */
function storeLetter(f: u32, side: u32, upper: u32): void {
  const code = side === 0 ? upper : upper | 0x20;
  const k = load<u8>(histLen + f);
  if (<u32>k >= HIST_INLINE) {
    letterMore(f, code);
    return;
  }
  store<u8>(histBytes + <usize>f * HIST_INLINE + k, <u8>code);
  store<u8>(histLen + f, k + 1);
}

function letter(o: u32, id: u32, side: u32, upper: u32, again: bool): void {
  const bit = histBit(upper);
  const seen = <u32>(<i32>A(o + F_SEEN + side));
  if (!(seen & bit)) setA(o + F_SEEN + side, <f64>(<i32>(seen | bit)));
  else if (!again) return;
  storeLetter(id, side, upper);
}

function scaled(id: u32, side: u32, upper: u32, count: f64): void {
  let t: f64 = 1;
  while (t < count) t *= 10;
  if (t === count) storeLetter(id, side, upper);
}

function setEp(ep: u32, prev: u32, side: u32, s: f64): void {
  if (A(ep + side) === s) return;
  setA(prev + side, A(ep + side));
  setA(ep + side, s);
}

function updateEndpoints(ep: u32, prev: u32, x: u32, isOrig: bool, syn: bool, ack: bool, fin: bool, rst: bool, len: u32): void {
  const y = 1 - x;
  const st = A(ep + x);
  if (st === EP_INACTIVE) {
    if (syn) {
      if (isOrig) setEp(ep, prev, x, ack ? EP_SYN_ACK_SENT : EP_SYN_SENT);
      else {
        if (!ack && A(ep + y) === EP_SYN_ACK_SENT) setEp(ep, prev, y, EP_ESTABLISHED);
        if (A(ep + y) === EP_SYN_SENT) setEp(ep, prev, y, EP_ESTABLISHED);
        setEp(ep, prev, x, EP_ESTABLISHED);
      }
    }
    if (fin) setEp(ep, prev, x, EP_CLOSED);
    if (rst) setEp(ep, prev, x, EP_RESET);
    if (A(ep + x) === EP_INACTIVE) {
      if (!isOrig && len === 0 && A(ep + y) === EP_SYN_SENT) {
        // stays inactive
      } else if (ack && A(ep + y) === EP_ESTABLISHED) setEp(ep, prev, x, EP_ESTABLISHED);
      else setEp(ep, prev, x, EP_PARTIAL);
    }
  } else if (st === EP_SYN_SENT || st === EP_SYN_ACK_SENT) {
    if (fin) setEp(ep, prev, x, EP_CLOSED);
    if (rst) setEp(ep, prev, x, EP_RESET);
  } else if (st === EP_ESTABLISHED || st === EP_PARTIAL) {
    if (syn && A(ep + x) === EP_PARTIAL && A(ep + y) === EP_INACTIVE && !ack) setEp(ep, prev, x, EP_SYN_SENT);
    if (fin && !rst) {
      setEp(ep, prev, x, EP_CLOSED);
      if (A(ep + y) === EP_RESET && A(prev + y) === EP_CLOSED) setEp(ep, prev, y, EP_CLOSED);
    }
    if (rst) setEp(ep, prev, x, EP_RESET);
  } else if (st === EP_CLOSED) {
    if (rst && A(ep + y) !== EP_CLOSED) setEp(ep, prev, x, EP_RESET);
  }
}

/** CaptureIndexer.tcp: the TCP state of flow `id` (row slot `o`) for a segment from side x. */
function tcpState(o: u32, id: u32, x: u32): u32 {
  const y = 1 - x;
  const fl8 = tcpFlags;
  const syn = (fl8 & TCP_SYN) !== 0;
  const ack = (fl8 & TCP_ACK) !== 0;
  const fin = (fl8 & TCP_FIN) !== 0;
  const rst = (fl8 & TCP_RST) !== 0;
  const len = tcpLen;
  const seq = tcpSeq;
  let mark: u32 = 0;

  if (syn && A(o + N_CLIENT_KNOWN) === 0 && (ack || A(o + F_PACKETS) + A(o + F_PACKETS + 1) === 1)) {
    setA(o + N_CLIENT_SIDE, <f64>(ack ? y : x));
    setA(o + N_CLIENT_KNOWN, 1);
  }
  const isOrig = <f64>x === A(o + N_CLIENT_SIDE);
  const ep = o + N_EP;

  const segLen: u32 = (rst ? 0 : len) + (syn ? 1 : 0) + (fin ? 1 : 0);
  const end: u32 = seq + segLen;
  const st = A(ep + x);
  if (st === EP_INACTIVE) {
    setA(o + F_START_SEQ + x, <f64>(syn ? seq : seq - 1));
    setA(o + F_LAST_SEQ + x, <f64>(syn ? end : seq));
  } else if (syn && (st === EP_SYN_SENT || st === EP_SYN_ACK_SENT ? <f64>seq !== A(o + F_START_SEQ + x) : st === EP_ESTABLISHED || st === EP_PARTIAL || (st === EP_RESET && A(o + N_PREV + x) === EP_INACTIVE))) {
    setA(o + F_START_SEQ + x, <f64>seq);
    setA(o + F_LAST_SEQ + x, <f64>end);
  }

  const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (bits > 1) letter(o, id, x, fin && rst ? L_I : L_Q, false);
  else if (bits === 1) {
    if (syn) {
      letter(o, id, x, ack ? L_H : L_S, <f64>seq !== A(o + F_LAST_SYN + x));
      setA(o + F_LAST_SYN + x, <f64>seq);
    } else if (fin) {
      const e: u32 = seq + len;
      letter(o, id, x, L_F, <f64>e !== A(o + F_LAST_FIN + x));
      setA(o + F_LAST_FIN + x, <f64>e);
    } else {
      letter(o, id, x, L_R, <f64>seq !== A(o + F_LAST_RST + x));
      setA(o + F_LAST_RST + x, <f64>seq);
    }
  } else if (len > 0) letter(o, id, x, L_D, false);
  else if (ack) letter(o, id, x, L_A, false);

  if (tcpWindow === 0 && !rst && A(ep + y) !== EP_CLOSED && A(ep + x) !== EP_RESET) {
    const z = A(o + F_ZERO_WINDOW + x) + 1;
    setA(o + F_ZERO_WINDOW + x, z);
    scaled(id, x, L_W, z);
  }
  setA(o + F_PAYLOAD + x, A(o + F_PAYLOAD + x) + <f64>len);

  const last = u32of(A(o + F_LAST_SEQ + x));
  const delta = <i32>(end - last);
  if ((syn || rst) && (delta > 1048576 || delta < -1048576)) {
    // untrusted jump
  } else if (fin && last === u32of(A(o + F_START_SEQ + x) + 1)) setA(o + F_LAST_SEQ + x, <f64>end);
  else if (A(ep + x) === EP_RESET) {
    // no sequence numbers trusted after a RST
  } else if (delta > 0) setA(o + F_LAST_SEQ + x, <f64>end);
  else if (len > 0) {
    const r = A(o + F_RETRANS + x) + 1;
    setA(o + F_RETRANS + x, r);
    scaled(id, x, L_T, r);
  }

  const wsLen: u32 = len + (syn ? 1 : 0) + (fin ? 1 : 0);
  const next = A(o + F_NEXT_SEQ + x);
  if (next >= 0 && !rst) {
    const expected = u32of(next);
    if (len <= 1 && !syn && !fin && seq + 1 === expected) {
      mark |= P_KEEPALIVE;
      setA(o + N_KEEPALIVES, A(o + N_KEEPALIVES) + 1);
    } else if (wsLen > 0 && seqLt(seq, expected)) {
      mark |= P_RETRANS;
      setA(o + N_RETRANSMISSIONS, A(o + N_RETRANSMISSIONS) + 1);
    }
  }
  if (!rst && (wsLen > 0 || next < 0)) {
    const e: u32 = seq + wsLen;
    if (next < 0 || seqLt(u32of(next), e)) setA(o + F_NEXT_SEQ + x, <f64>e);
  }

  updateEndpoints(ep, o + N_PREV, x, isOrig, syn, ack, fin, rst, len);
  if (syn && !ack && A(o + N_CLIENT_KNOWN) === 0) {
    setA(o + N_CLIENT_SIDE, <f64>x);
    setA(o + N_CLIENT_KNOWN, 1);
  }
  return mark;
}

/** packetSignature (capture-index.ts). */
function signature(seq: u32, ack: u32, flags: u32, len: u32, hash: u32): u32 {
  let h: u32 = (0x9e3779b1 ^ seq) * 0x85ebca6b;
  h = (h ^ ack) * 0xc2b2ae35;
  h = (h ^ flags) * 0x27d4eb2f;
  h = (h ^ len) * 0x165667b1;
  h = (h ^ hash) * 0x85ebca6b;
  return h ^ (h >>> 16);
}

/** CaptureIndexer.record for one record with a fast shape (false: not one, ABORT). */
/**
 * Why the core stopped (ABORT): 2 too many flows, 3 a caplen over the link type's maximum, 4 a
 * pcapng block the core does not read (a simple or obsolete packet block, one bigger than its
 * input) or that the reader would report, 5 a pcapng interface of a link type the core does not
 * read, or of a binary or sub-ns timestamp resolution.
 */
let why: i32 = 0;
export function reason(): i32 {
  return why;
}
/** The record (from 0) the core stopped at. */
let stoppedAt: u32 = 0;
export function stoppedRecord(): u32 {
  return stoppedAt;
}
/**
 * An Ethernet frame whose type the decoder reads no further (ARP, LLDP, an 802.3 length, ...):
 * whole header, neither IP nor a tag nor bridged Ethernet (decodeEthertype).
 */
@inline function otherFrame(type: i32): bool {
  return type >= 0 && type !== 0x0800 && type !== 0x86dd && type !== 0x8926 && type !== 0x6558;
}

/** Where the frame's payload starts, past its 802.1Q / 802.1ad tags (frameType). */
let l3Off: usize = 0;
/** Most tags the core reads through (the decoder's MAX_DEPTH is 16). */
const MAX_TAGS = 8;

/**
 * The type of an Ethernet frame past its 802.1Q / 802.1ad / 0x9100 tags (decodeTag), with l3Off
 * where what it announces starts; -1 for a frame cut inside its header or a tag, or more tags
 * than MAX_TAGS.
 */
@inline function frameType(off: usize, capLen: u32): i32 {
  if (link !== 1) return linkFrameType(off, capLen);
  if (capLen < 14) return -1;
  const type = u16be(off + 12);
  if (type === 0x0800) {
    l3Off = off + 14;
    return 0x0800;
  }
  return tags(type, off + 14, off + <usize>capLen);
}

/** The type past the 802.1Q / 802.1ad / 0x9100 tags from `p` (decodeTag), l3Off after them. */
function tags(first: u32, p: usize, end: usize): i32 {
  let type = first;
  for (let k = 0; type === 0x8100 || type === 0x88a8 || type === 0x9100; k++) {
    if (k >= MAX_TAGS || end - p < 4) return -1;
    type = u16be(p + 2);
    p += 4;
  }
  l3Off = p;
  return <i32>type;
}

/**
 * frameType for the other link types the core reads (decodeLink): Linux cooked v1 and v2 (the
 * protocol field as an Ethernet type, none for netlink or 802.2/802.3), BSD loopback (NULL, LOOP),
 * raw IP by its version nibble, IPv4 and IPv6.
 */
function linkFrameType(off: usize, capLen: u32): i32 {
  if (link === 113 || link === 276) {
    const hl: u32 = link === 113 ? 16 : 20;
    if (capLen < hl) return -1;
    const proto = link === 113 ? u16be(off + 14) : u16be(off);
    const hatype = link === 113 ? u16be(off + 2) : u16be(off + 8);
    // Nothing past the header (sllPayload): a frame of no type.
    if (hatype === 824 || proto === 1 || proto === 3 || proto === 4) return 0;
    return tags(proto, off + <usize>hl, off + <usize>capLen);
  }
  if (link === 0 || link === 108) {
    // BSD loopback (decodeNull): a 4-byte address family, in the capturing host's byte order for
    // NULL (only upper bytes set: written little-endian), network order for LOOP.
    if (capLen < 4) return -1;
    let fam = u32be(off);
    if (link === 0 && (fam & 0xffff0000) !== 0) fam = bswap<u32>(fam);
    l3Off = off + 4;
    if (fam === 2) return 0x0800;
    if (fam === 24 || fam === 28 || fam === 30) return 0x86dd;
    return 0;
  }
  l3Off = off;
  if (link === 228) return 0x0800;
  if (link === 229) return 0x86dd;
  // Raw IP (101, and 12 / 14 on some systems).
  if (capLen < 1) return -1;
  const v = load<u8>(off) >> 4;
  return v === 4 ? 0x0800 : v === 6 ? 0x86dd : -1;
}

// The record waiting for the caller's decoder (status DECODE).
let pendingOff: usize = 0;
let pendingCap: u32 = 0;
let pendingOrig: u32 = 0;
let pendingSec: f64 = 0;
let pendingNsec: f64 = 0;
/** Bytes of the input the waiting record takes (its header, or its whole pcapng block). */
let pendingLen: u32 = 0;
/** Packets the decoder called malformed (the index's `malformed`). */
let malformedCount: u32 = 0;

/**
 * One record (`inputLen` bytes of the input with its header or block): its row, or false when
 * the core stopped (ABORT) or waits for the caller's decoder (DECODE).
 */
function record(off: usize, capLen: u32, origLen: u32, sec: f64, nsec: f64, inputLen: u32): bool {
  const type = frameType(off, capLen);
  if (otherFrame(type)) {
    // A row of no flow, as CaptureIndexer.record makes one for a packet without IP.
    clearFields(off, capLen, origLen);
  } else if (!decode(off, capLen, origLen, type)) {
    // Another shape: the caller decodes it with the full decoder (recordDecoded).
    pendingOff = off;
    pendingCap = capLen;
    pendingOrig = origLen;
    pendingSec = sec;
    pendingNsec = nsec;
    pendingLen = inputLen;
    status = DECODE;
    return false;
  }
  if (row(origLen, sec, nsec, 0)) return true;
  stop(2);
  return false;
}

/**
 * The waiting record, decoded by the caller (Decoded's fields; addresses are offsets in the
 * module's memory, where the record is): its row, as `record` makes one. The flow's id, -1 for a
 * row of no flow, -2 when the flow table is full (ABORT).
 */
export function recordDecoded(
  version: u32,
  proto: i32,
  src: usize,
  dst: usize,
  sport: u32,
  dport: u32,
  tcp: bool,
  flags: u32,
  seq: u32,
  ack: u32,
  window: u32,
  segLen: u32,
  len: u32,
  id: i32,
  payload: usize,
  payloadLen: u32,
  cookie: f64,
  malformedPkt: bool,
  fragment: bool,
): i32 {
  status = OK;
  ipVer = version;
  ipProto = proto;
  srcAddrOff = src;
  dstAddrOff = dst;
  srcPort = sport;
  dstPort = dport;
  tcpOk = tcp;
  tcpFlags = flags;
  tcpSeq = seq;
  tcpAck = ack;
  tcpWindow = window;
  tcpLen = segLen;
  ipLen = len;
  ipId = id;
  payloadOff = payload;
  payloadCapLen = payloadLen;
  flowCookie = cookie < 0 ? -1 : <i64>cookie;
  let f: u32 = 0;
  if (malformedPkt) {
    f |= P_MALFORMED;
    malformedCount++;
  }
  if (fragment) f |= P_FRAGMENT;
  // The caller goes on after the record: so do the block offsets.
  fileOff += <f64>pendingLen;
  if (!row(pendingOrig, pendingSec, pendingNsec, f)) {
    stop(2);
    return -2;
  }
  return ipVer === 0 ? -1 : lastFlow;
}
export function pendingRecord(): usize {
  return pendingOff;
}
export function pendingCapLen(): u32 {
  return pendingCap;
}
export function pendingOrigLen(): u32 {
  return pendingOrig;
}
export function pendingLength(): u32 {
  return pendingLen;
}
export function malformed(): u32 {
  return malformedCount;
}

/** The flow of the last row made (row). */
let lastFlow: i32 = -1;

/** The record's row from the decoded fields (the globals), with `f0` flags already known. */
@inline function row(origLen: u32, sec: f64, nsec: f64, f0: u32): bool {
  const i = n;
  n = i + 1;
  /** The record's place in the columns. */
  const r = i - ringBase;
  if (baseSec !== baseSec) baseSec = sec;
  const t = (sec - baseSec) * 1e9 + nsec;
  store<f64>(colT + (<usize>r << 3), t);
  if (t < leastT) leastT = t;
  if (t > greatestT) greatestT = t;
  wireBytes += <f64>origLen;
  let f: u32 = f0;
  if (flowCookie !== -1) f |= P_COOKIE;
  store<i32>(colIpId + (<usize>r << 2), ipId);
  const tflags: u32 = ipProto === 6 ? tcpFlags : 0;
  const len: u32 = ipProto === 6 ? tcpLen : ipLen;
  store<u16>(colTcpFlags + (<usize>r << 1), <u16>tflags);
  let h: u32 = 0;
  if (payloadCapLen > 0) {
    // capture-index.ts payloadHash: a word a step over the first 16 bytes and the last 4.
    h = 0x811c9dc5 ^ payloadCapLen;
    const p0 = payloadOff;
    const e = p0 + <usize>(payloadCapLen < 16 ? payloadCapLen : <u32>16);
    const pend = p0 + <usize>payloadCapLen;
    if (payloadCapLen >= 16) {
      h = (h ^ load<u32>(p0)) * 0x01000193;
      h = (h ^ load<u32>(p0 + 4)) * 0x01000193;
      h = (h ^ load<u32>(p0 + 8)) * 0x01000193;
      h = (h ^ load<u32>(p0 + 12)) * 0x01000193;
    } else for (let p = p0; p < e; p += 4) h = (h ^ le32(p, e)) * 0x01000193;
    const t = pend - 4 > e ? pend - 4 : e;
    if (t < pend) h = (h ^ le32(t, pend)) * 0x01000193;
    f |= P_PAYLOAD_HASH;
  }
  store<u32>(colSig + (<usize>r << 2), signature(tcpSeq, tcpAck, tflags, len, h));
  if (ipVer === 0) {
    store<u32>(colFlow + (<usize>r << 2), NO_FLOW);
    store<u8>(colFlags + r, <u8>f);
    return true;
  }

  // keyFor: the addresses (one word for IPv4, four for IPv6) and ports, the lesser side first.
  const words: usize = ipVer === 4 ? 1 : 4;
  let cmp: i32 = 0;
  for (let w: usize = 0; w < words && cmp === 0; w++) {
    const s = u32be(srcAddrOff + 4 * w);
    const d = u32be(dstAddrOff + 4 * w);
    cmp = s < d ? -1 : s > d ? 1 : 0;
  }
  if (cmp === 0) cmp = srcPort < dstPort ? -1 : srcPort > dstPort ? 1 : 0;
  const side: u32 = cmp <= 0 ? 0 : 1;
  const aOff = cmp <= 0 ? srcAddrOff : dstAddrOff;
  const bOff = cmp <= 0 ? dstAddrOff : srcAddrOff;
  store<u32>(probe + 0, (ipVer << 8) | (<u32>ipProto & 0xff));
  for (let w: usize = 0; w < 4; w++) {
    store<u32>(probe + 4 + 4 * w, w < words ? u32be(aOff + 4 * w) : 0);
    store<u32>(probe + 20 + 4 * w, w < words ? u32be(bOff + 4 * w) : 0);
  }
  const pa = cmp <= 0 ? srcPort : dstPort;
  const pb = cmp <= 0 ? dstPort : srcPort;
  store<u32>(probe + 36, (pa << 16) | pb);
  const lid = lookupOrAdd();
  if (lid < 0) {
    // The flow table is full: the row was not made (the caller stops with why 2).
    n = i;
    return false;
  }
  const id = <u32>lid;
  lastFlow = lid;
  const o = id * N_COUNT;
  if (lastWasNew) {
    // FlowStore.add: the row's numbers and the slots of a new flow (SLOTS_AT_START).
    setA(o + N_ID, <f64>id);
    setA(o + N_VERSION, <f64>ipVer);
    setA(o + N_PROTO, <f64>ipProto);
    setA(o + F_NEXT_SEQ, -1);
    setA(o + F_NEXT_SEQ + 1, -1);
    setA(o + F_LAST_SEQ, -1);
    setA(o + F_LAST_SEQ + 1, -1);
    setA(o + N_FIRST_ROW, <f64>i);
    setA(o + N_FIRST_T, t);
    setA(o + N_FIRST_SIDE, <f64>side);
    const sp = servicePort(srcPort);
    const dp = servicePort(dstPort);
    const senderIsServer = sp && (!dp || srcPort < dstPort);
    setA(o + N_CLIENT_SIDE, <f64>(senderIsServer ? 1 - side : side));
  }
  if (side === 1) f |= P_SIDE_B;
  store<u32>(colFlow + (<usize>r << 2), id);
  setA(o + N_LAST_ROW, <f64>i);
  if (t > A(o + N_LAST_T)) setA(o + N_LAST_T, t);
  if (t < A(o + N_FIRST_T)) setA(o + N_FIRST_T, t);
  setA(o + F_PACKETS + side, A(o + F_PACKETS + side) + 1);
  setA(o + F_BYTES + side, A(o + F_BYTES + side) + <f64>ipLen);
  if (flowCookie !== -1) {
    // FlowStore.cookie: the first one in place; one that differs from the last one kept goes
    // to the caller (with the first, which the store's map starts with).
    const c = <u32>flowCookie;
    const cc = cookieCount + (<usize>id << 2);
    const k = load<i32>(cc);
    const last = cookieLast + (<usize>id << 2);
    if (k === 0) {
      store<u32>(cookieFirst + (<usize>id << 2), c);
      store<i32>(cookieFirstRow + (<usize>id << 2), <i32>i);
      store<i32>(cc, 1);
      store<u32>(last, c);
    } else if (load<u32>(last) !== c) {
      cookieMore(id, c, i, load<u32>(cookieFirst + (<usize>id << 2)), load<i32>(cookieFirstRow + (<usize>id << 2)));
      store<i32>(cc, k + 1);
      store<u32>(last, c);
    }
  }
  if (tcpOk) f |= tcpState(o, id, side);
  else if (ipProto !== 6) {
    setA(o + F_PAYLOAD + side, A(o + F_PAYLOAD + side) + <f64>ipLen);
    if (ipProto === 17) letter(o, id, side, L_D, false);
  }
  store<u8>(colFlags + r, <u8>f);
  return true;
}

/**
 * The records in IN[start .. avail): returns the bytes of the whole records done, up to a record
 * cut by the input's end, or until the ring is full (ringFull(): copy the columns out, then
 * flushed()). getStatus() is ABORT when a record needs the JavaScript indexer.
 */
export function run(start: u32, avail: u32): u32 {
  const done = ng ? runNg(start, avail) : runPcap(start, avail);
  fileOff += <f64>done;
  return done;
}

function runPcap(start: u32, avail: u32): u32 {
  let pos: usize = IN + <usize>start;
  const end: usize = IN + <usize>avail;
  while (status === OK && end - pos >= 16 && n - ringBase < ROWS) {
    const capLen = rd32(pos + 8);
    if (capLen > maxCapLen) {
      status = ABORT;
      why = 3;
      stoppedAt = n;
      break;
    }
    if (end - pos < 16 + <usize>capLen) break;
    let sec = <f64>rd32(pos);
    let frac = <f64>rd32(pos + 4);
    let nsec: f64;
    if (nano) {
      if (frac >= 1e9) {
        const carry = Math.floor(frac / 1e9);
        sec += carry;
        frac -= carry * 1e9;
      }
      nsec = frac;
    } else {
      if (frac >= 1e6) {
        const carry = Math.floor(frac / 1e6);
        sec += carry;
        frac -= carry * 1e6;
      }
      nsec = frac * 1000;
    }
    if (!record(pos + 16, capLen, rd32(pos + 12), sec, nsec, 16 + capLen)) break;
    pos += 16 + <usize>capLen;
  }
  return <u32>(pos - IN - <usize>start);
}

// ---- pcapng (shared/readers/pcapng.ts is the reference: what it reports, the core declines) ----

const SHB: u32 = 0x0a0d0d0a;
const BOM: u32 = 0x1a2b3c4d;
const BT_IDB: u32 = 1;
const BT_PB: u32 = 2;
const BT_SPB: u32 = 3;
const BT_EPB: u32 = 6;
/** The reader's largest block (Wireshark's MAX_BLOCK_SIZE). */
const MAX_BLOCK: u32 = 32 + 128 * 1024 * 1024 + 131072;

@inline function rd16(p: usize): u32 {
  return le ? <u32>load<u16>(p) : <u32>bswap<u16>(load<u16>(p));
}

function stop(reason: i32): void {
  status = ABORT;
  why = reason;
  stoppedAt = n;
}

/**
 * The options in [p, end): false when one runs past the end (the reader's error). Of an IDB
 * (`idb`), if_tsresol and if_tsoffset are kept in optTsresol / optTsOffset.
 */
let optTsresol: u32 = 6;
let optTsOffset: f64 = 0;
function options(p: usize, end: usize, idb: bool): bool {
  while (p + 4 <= end) {
    const code = rd16(p);
    const olen = rd16(p + 2);
    if (code === 0) break;
    if (p + 4 + <usize>olen > end) return false;
    const v = p + 4;
    if (idb) {
      if (code === 9 && olen >= 1) optTsresol = <u32>load<u8>(v);
      else if (code === 14 && olen >= 8) optTsOffset = <f64>(le ? load<i64>(v) : bswap<i64>(load<i64>(v)));
    }
    p = v + ((<usize>olen + 3) & ~(<usize>3));
  }
  return true;
}

/** The blocks in IN[start .. avail), as run() does records. */
function runNg(start: u32, avail: u32): u32 {
  const first: usize = IN + <usize>start;
  let pos = first;
  const end: usize = IN + <usize>avail;
  while (status === OK && end - pos >= 12 && n - ringBase < ROWS) {
    const at = fileOff + <f64>(pos - first);
    let type = rd32(pos);
    let blockLe = le;
    if (type === SHB) {
      const bom = u32be(pos + 8);
      if (bom === BOM) blockLe = false;
      else if (bom === bswap<u32>(BOM)) blockLe = true;
      else {
        stop(4);
        break;
      }
    } else if (!sectionSeen) {
      stop(4);
      break;
    }
    const len = rd32as(pos + 4, blockLe);
    if (len < 12 || (len & 3) !== 0 || len > MAX_BLOCK || <usize>len > INCAP) {
      stop(4);
      break;
    }
    if (end - pos < <usize>len) break;
    const trailer = rd32as(pos + <usize>len - 4, blockLe);
    // A block past the section's end: the reader warns; so the reader reads the file.
    if (trailer !== len || (sectionEnd >= 0 && at + <f64>len > sectionEnd && type !== SHB)) {
      stop(4);
      break;
    }
    if (type === BT_EPB || type === BT_PB) {
      if (!packet(pos, len, type === BT_PB)) break;
    } else if (type === BT_IDB) {
      if (!interfaceBlock(pos, len)) break;
    } else if (type === SHB) {
      if (len < 28) {
        stop(4);
        break;
      }
      // The section's byte order from here on (after a stop, nothing more is read).
      le = blockLe;
      if (rd16(pos + 12) !== 1 || rd16(pos + 14) !== 0 || !options(pos + 24, pos + <usize>len - 4, false)) {
        stop(4);
        break;
      }
      const hi = rd32(pos + 16 + (le ? 4 : 0));
      const lo = rd32(pos + 16 + (le ? 0 : 4));
      sectionEnd = hi === 0xffffffff && lo === 0xffffffff ? -1 : hi >= 0x200000 ? -1 : at + <f64>len + <f64>hi * 4294967296 + <f64>lo;
      sectionSeen = true;
      // A section numbers its interfaces from 0 (files joined with cat: one section each).
      ifBase = ifCount;
    } else if (type === BT_SPB) {
      if (!simplePacket(pos, len)) break;
    }
    // Other blocks (name resolution, statistics, custom, unknown): skipped, as the reader does.
    pos += <usize>len;
  }
  return <u32>(pos - first);
}

/** An interface description block: a link type the core reads, a decimal resolution down to ns; else the reader's. */
function interfaceBlock(pos: usize, len: u32): bool {
  if (len < 20) {
    stop(4);
    return false;
  }
  const linkType = rd16(pos + 8);
  optTsresol = 6;
  optTsOffset = 0;
  if (!options(pos + 16, pos + <usize>len - 4, true)) {
    stop(4);
    return false;
  }
  const exponent = optTsresol & 0x7f;
  const binary = (optTsresol & 0x80) !== 0;
  // Decimal resolutions finer than ns: the reader's (its BigInt division).
  if (!coreLinkType(linkType) || (!binary && exponent > 9) || ifCount >= MAX_IF) {
    stop(5);
    return false;
  }
  store<u32>(ifLink + (<usize>ifCount << 2), linkType);
  store<u32>(ifSnap + (<usize>ifCount << 2), rd32(pos + 12));
  store<u32>(ifShift + (<usize>ifCount << 2), binary ? exponent : DECIMAL);
  if (!binary) {
    let units: u64 = 1;
    for (let k: u32 = 0; k < exponent; k++) units *= 10;
    store<u64>(ifDiv + (<usize>ifCount << 3), units);
    store<u64>(ifMul + (<usize>ifCount << 3), <u64>1000000000 / units);
  }
  store<f64>(ifOffset + (<usize>ifCount << 3), optTsOffset);
  ifCount++;
  return true;
}

/** An enhanced packet block, or the obsolete packet block (a 16-bit interface id, then its drops count): its record, or false (stopped). */
function packet(pos: usize, len: u32, obsolete: bool): bool {
  if (len < 32) {
    stop(4);
    return false;
  }
  const local = obsolete ? rd16(pos + 8) : rd32(pos + 8);
  const capLen = rd32(pos + 20);
  if (local >= ifCount - ifBase || capLen > len - 32) {
    stop(4);
    return false;
  }
  if (capLen > maxCapLen) {
    stop(3);
    return false;
  }
  const optStart = pos + 28 + ((<usize>capLen + 3) & ~(<usize>3));
  const optEnd = pos + <usize>len - 4;
  if (optStart < optEnd && !options(optStart, optEnd, false)) {
    stop(4);
    return false;
  }
  // The 64-bit timestamp in the interface's units, divided exactly (the reader's long division).
  const id = ifBase + local;
  link = load<u32>(ifLink + (<usize>id << 2));
  const units = (<u64>rd32(pos + 12) << 32) | <u64>rd32(pos + 16);
  const shift = load<u32>(ifShift + (<usize>id << 2));
  let whole: u64;
  let nsec: u64;
  if (shift === DECIMAL) {
    const div = load<u64>(ifDiv + (<usize>id << 3));
    whole = units / div;
    nsec = (units - whole * div) * load<u64>(ifMul + (<usize>id << 3));
  } else {
    // 2^n units a second: the reader's floor(units / 2^n) s and floor(rest * 1e9 / 2^n) ns.
    whole = shift < 64 ? units >> shift : 0;
    const rest = shift < 64 ? units - (whole << shift) : units;
    nsec = binaryNs(rest, shift);
  }
  if (whole >= (<u64>1 << 53)) {
    stop(4);
    return false;
  }
  const sec = <f64>whole + load<f64>(ifOffset + (<usize>id << 3));
  return record(pos + 28, capLen, rd32(pos + 24), sec, <f64>nsec, len);
}

/** floor(rest * 1e9 / 2^n) for rest < 2^n (or < 2^64), in 64-bit parts: rest * 1e9 may not fit. */
function binaryNs(rest: u64, n: u32): u64 {
  if (n < 32) return (rest * 1000000000) >> n;
  // rest = hi * 2^32 + lo: rest * 1e9 = (hi * 1e9 + (lo * 1e9 >> 32)) * 2^32 + (lo * 1e9 & 0xffffffff),
  // and the low 32 bits do not reach the quotient's integer part once n >= 32.
  const high = (rest >> 32) * 1000000000 + (((rest & 0xffffffff) * 1000000000) >> 32);
  return n - 32 < 64 ? high >> (n - 32) : 0;
}

/** A simple packet block: the record of the section's first interface, with no timestamp (the reader's 0 s). */
function simplePacket(pos: usize, len: u32): bool {
  if (len < 16 || ifCount === ifBase) {
    stop(4);
    return false;
  }
  const id = ifBase;
  link = load<u32>(ifLink + (<usize>id << 2));
  const origLen = rd32(pos + 8);
  // Section 4.4: the original length cut to the snaplen and to what the block holds.
  let capLen = origLen;
  const snap = load<u32>(ifSnap + (<usize>id << 2));
  if (snap !== 0 && capLen > snap) capLen = snap;
  if (capLen > len - 16) capLen = len - 16;
  if (capLen > maxCapLen) {
    stop(3);
    return false;
  }
  return record(pos + 12, capLen, origLen, 0, 0, len);
}

/** True when the ring is full: the caller copies records ringStart() .. packets() out. */
export function ringFull(): bool {
  return n - ringBase >= ROWS;
}
export function ringStart(): u32 {
  return ringBase;
}
/** The ring's records have been copied out. */
export function flushed(): void {
  ringBase = n;
}

export function input(): usize {
  return IN;
}
export function inputCapacity(): usize {
  return INCAP;
}
export function getStatus(): i32 {
  return status;
}
export function packets(): u32 {
  return n;
}
export function firstSecond(): f64 {
  return baseSec;
}
/** The least record time of the file (Infinity for none), as the index's firstNs. */
export function leastTime(): f64 {
  return leastT;
}
/** The greatest record time of the file (-Infinity for none), as the index's lastNs. */
export function greatestTime(): f64 {
  return greatestT;
}
export function wire(): f64 {
  return wireBytes;
}
export function flows(): u32 {
  return flowCount;
}
/** pcapng: the interfaces described, and each one's link type (the index lists them, once each). */
export function interfaces(): u32 {
  return ifCount;
}
export function interfaceLinkType(i: u32): u32 {
  return load<u32>(ifLink + (<usize>i << 2));
}
/** The link type of the record waiting for the caller's decoder. */
export function pendingLinkType(): u32 {
  return link;
}
/**
 * capture-index.ts groupRows of a file whose records are all still in the columns (ringStart()
 * is 0), in steps that keep little memory beside the columns: group() puts each flow's rows
 * together, in time order (ties: file order), as record numbers (columns(14); each flow's first
 * position: columns(13)); then groupColumn(k) makes the grouped copy of one column at a time in
 * one buffer, for the caller to copy out before the next. Returns the rows grouped (those with a
 * flow), or -1 when the records are not all here.
 */
export function group(): i32 {
  if (ringBase !== 0) return -1;
  const flows = flowCount;
  memory.fill(gStart, 0, (<usize>flows + 1) * 4);
  memory.fill(gSorted, 0, (<usize>flows + 7) >> 3);
  for (let i: u32 = 0; i < n; i++) {
    const f = load<u32>(colFlow + (<usize>i << 2));
    if (f !== NO_FLOW) {
      const a = gStart + ((<usize>f + 1) << 2);
      store<u32>(a, load<u32>(a) + 1);
    }
  }
  for (let f: u32 = 0; f < flows; f++) {
    const a = gStart + ((<usize>f + 1) << 2);
    store<u32>(a, load<u32>(a) + load<u32>(a - 4));
  }
  scatter(-1);
  // Files are nearly in time order; a receive stage may be slightly out of order: those flows' rows sorted.
  for (let f: u32 = 0; f < flows; f++) {
    const s = load<u32>(gStart + (<usize>f << 2));
    const e = load<u32>(gStart + ((<usize>f + 1) << 2));
    for (let k = s + 1; k < e; k++) {
      const r = load<u32>(gRows + (<usize>k << 2));
      const r0 = load<u32>(gRows + (<usize>(k - 1) << 2));
      if (load<f64>(colT + (<usize>r << 3)) < load<f64>(colT + (<usize>r0 << 3))) {
        if (!insertionSort(s, e)) mergeSort(s, e);
        store<u8>(gSorted + (<usize>f >> 3), load<u8>(gSorted + (<usize>f >> 3)) | (<u8>1 << <u8>(f & 7)));
        break;
      }
    }
  }
  return <i32>load<u32>(gStart + (<usize>flows << 2));
}

/**
 * The grouped copy of column k (0: time, 1: signature, 2: IP ID, 3: bits, capture-index.ts
 * groupAt's) in flow order, after group(): each record's value scattered to its flow's next
 * place, then the sorted flows' places gathered again in their order. Returns where it is.
 */
export function groupColumn(k: i32): usize {
  const flows = flowCount;
  scatter(k);
  for (let f: u32 = 0; f < flows; f++) {
    if (!(load<u8>(gSorted + (<usize>f >> 3)) & (<u8>1 << <u8>(f & 7)))) continue;
    const e = load<u32>(gStart + ((<usize>f + 1) << 2));
    for (let q = load<u32>(gStart + (<usize>f << 2)); q < e; q++) groupedAt(k, q, load<u32>(gRows + (<usize>q << 2)));
  }
  return gOut;
}

/** Each record (in file order) to its flow's next grouped place: its number (k = -1) or column k's value. */
function scatter(k: i32): void {
  memory.copy(gFill, gStart, <usize>flowCount * 4);
  for (let i: u32 = 0; i < n; i++) {
    const f = load<u32>(colFlow + (<usize>i << 2));
    if (f === NO_FLOW) continue;
    const a = gFill + (<usize>f << 2);
    const q = load<u32>(a);
    store<u32>(a, q + 1);
    if (k < 0) store<u32>(gRows + (<usize>q << 2), i);
    else groupedAt(k, q, i);
  }
}

/** Grouped position q of column k from record i (capture-index.ts groupAt). */
@inline function groupedAt(k: i32, q: u32, i: u32): void {
  if (k === 0) store<f64>(gOut + (<usize>q << 3), load<f64>(colT + (<usize>i << 3)));
  else if (k === 1) store<u32>(gOut + (<usize>q << 2), load<u32>(colSig + (<usize>i << 2)));
  else if (k === 2) store<i32>(gOut + (<usize>q << 2), load<i32>(colIpId + (<usize>i << 2)));
  else store<i32>(gOut + (<usize>q << 2), <i32>load<u16>(colTcpFlags + (<usize>i << 1)) | (<i32>load<u8>(colFlags + <usize>i) << 16));
}

/** Whether record a comes before record b: by time, then file order. */
@inline function before(a: u32, b: u32): bool {
  const ta = load<f64>(colT + (<usize>a << 3));
  const tb = load<f64>(colT + (<usize>b << 3));
  return ta < tb || (ta === tb && a < b);
}

/**
 * capture-index.ts insertionSort: gRows[s..e) by (time, record) in place, giving up (false,
 * the rows left a permutation) past a budget of moves.
 */
function insertionSort(s: u32, e: u32): bool {
  let budget: i64 = 16 * <i64>(e - s) + 256;
  for (let i = s + 1; i < e; i++) {
    const r = load<u32>(gRows + (<usize>i << 2));
    let j = <i64>i - 1;
    while (j >= <i64>s) {
      const q = load<u32>(gRows + (<usize>j << 2));
      if (before(q, r)) break;
      store<u32>(gRows + (<usize>(j + 1) << 2), q);
      j--;
      if (--budget < 0) {
        store<u32>(gRows + (<usize>(j + 1) << 2), r);
        return false;
      }
    }
    store<u32>(gRows + (<usize>(j + 1) << 2), r);
  }
  return true;
}

/**
 * gRows[s..e) sorted by (time, record), bottom-up merges through the grouped column's buffer as
 * scratch (no column is grouped yet).
 */
function mergeSort(s: u32, e: u32): void {
  let from = gRows;
  let to = gOut;
  for (let w: u32 = 1; w < e - s; w <<= 1) {
    for (let lo = s; lo < e; lo += 2 * w) {
      const mid = lo + w < e ? lo + w : e;
      const hi = mid + w < e ? mid + w : e;
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        if (i < mid && (j >= hi || !before(load<u32>(from + (<usize>j << 2)), load<u32>(from + (<usize>i << 2))))) {
          store<u32>(to + (<usize>k << 2), load<u32>(from + (<usize>i << 2)));
          i++;
        } else {
          store<u32>(to + (<usize>k << 2), load<u32>(from + (<usize>j << 2)));
          j++;
        }
      }
    }
    const x = from;
    from = to;
    to = x;
  }
  if (from !== gRows) memory.copy(gRows + (<usize>s << 2), from + (<usize>s << 2), <usize>(e - s) << 2);
}

export function columns(which: i32): usize {
  switch (which) {
    case 0: return colT;
    case 1: return colFlow;
    case 2: return colIpId;
    case 3: return colSig;
    case 4: return colTcpFlags;
    case 5: return colFlags;
    case 6: return keys;
    case 7: return nums;
    case 8: return histLen;
    case 9: return histBytes;
    case 10: return cookieFirst;
    case 11: return cookieCount;
    case 12: return cookieFirstRow;
    case 13: return gStart;
    case 14: return gRows;
  }
  return 0;
}
