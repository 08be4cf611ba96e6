// `analyze --json`'s flow lines in WebAssembly (AssemblyScript, built by scripts/build.mjs into
// dist/flow-json.wasm): what FlowJson.block (shared/engine/flow-records.ts) writes from a block
// of the analysis's records, byte for byte, without JavaScript's compiles on the thread that
// writes the output. The caller (shared/node/flow-json-core.ts) copies a block's numbers, string
// bytes and string lengths in; a capture point's flow (its numbers, history letters and GENEVE
// cookies) and a flow's key words are asked for through imports as each record names them.
// The caller may instead lay the capture points' packed flows out in this memory once
// (setFlowTable): then those are read here, without a call into JavaScript a point flow.
// Anything this does not write exactly as FlowJson does (a number with more than three decimals,
// a time outside years 0-9999, a history or cookie list past the scratch room) makes the whole
// block UNSUPPORTED, and the caller writes it with FlowJson, which stays the reference:
// tests/engine/json-bytes.test.ts checks both against JSON.stringify.

/** Fills the point flow scratch (PF_*) with flow `local` of capture point `point`: 1, or 0 when it does not fit. */
@external('env', 'pointFlow')
declare function pointFlow(point: i32, local: i32): i32;
/** Fills KEYS with flow `local`'s key words (KEY_WORDS) at capture point `point`. */
@external('env', 'flowKeys')
declare function flowKeys(point: i32, local: i32): void;

// The slots of a flow's numbers (N and S in shared/engine/capture-index.ts; checked by the tests
// through layout()).
const N_PROTO = 2;
const N_FIRST_SIDE = 5;
const N_FIRST_T = 8;
const N_LAST_T = 9;
const N_S = 10;
const N_EP = 34;
const N_KEEPALIVES = 38;
const N_RETRANSMISSIONS = 39;
const N_COUNT = 41;
const S_PACKETS = 0;
const S_BYTES = 2;
const S_PAYLOAD = 4;
// Ep (shared/engine/tcp-state.ts).
const EP_INACTIVE = 0;
const EP_SYN_SENT = 1;
const EP_SYN_ACK_SENT = 2;
const EP_PARTIAL = 3;
const EP_ESTABLISHED = 4;
const EP_CLOSED = 5;
const EP_RESET = 6;
const KEY_WORDS = 10;

export const HIST_MAX: i32 = 4096;
export const COOKIES_MAX: i32 = 1024;

/** A point flow's numbers (N_COUNT f64), history length and cookie count, written by pointFlow. */
const PF: usize = memory.data(N_COUNT * 8, 8);
const PF_META: usize = memory.data(8, 4);
const PF_HIST: usize = memory.data(HIST_MAX, 8);
const PF_COOKIES: usize = memory.data(COOKIES_MAX * 4, 8);
const KEYS: usize = memory.data(KEY_WORDS * 4, 4);
/** Digits written backwards. */
const DIGITS: usize = memory.data(32, 8);
/** The date part of the last time written ("YYYY-MM-DDT"), for its day. */
const DAY_TEXT: usize = memory.data(16, 8);

export function layout(): i32 {
  return N_PROTO | (N_FIRST_SIDE << 4) | (N_FIRST_T << 8) | (N_LAST_T << 12) | (N_S << 16) | (N_EP << 24);
}
export function layout2(): i32 {
  return N_KEEPALIVES | (N_RETRANSMISSIONS << 8) | (N_COUNT << 16) | (S_BYTES << 24) | (S_PAYLOAD << 28);
}
export function pfNums(): usize {
  return PF;
}
export function pfMeta(): usize {
  return PF_META;
}
export function pfHist(): usize {
  return PF_HIST;
}
export function pfCookies(): usize {
  return PF_COOKIES;
}
export function keysAt(): usize {
  return KEYS;
}
/**
 * Per capture point, 8 u32, where the caller laid its packed flows out in this memory (0: not
 * laid out, asked for through the imports): numbers (N_COUNT f64 a flow), history starts (i32,
 * flows + 1), history letters (ASCII bytes), cookie starts (i32, flows + 1), cookies (u32), key
 * words (KEY_WORDS u32 a flow), the number of flows. 0: no table (every point through the imports).
 */
let flowTable: usize = 0;

export function setFlowTable(at: usize): void {
  flowTable = at;
}

/** pointFlow, from the flow table when the point is laid out there. */
function pointFlowAt(point: i32, local: i32): i32 {
  const row = flowTable + (<usize>point << 5);
  if (flowTable === 0 || load<u32>(row) === 0) return pointFlow(point, local);
  if (local >= load<i32>(row + 24)) return 0;
  const l = <usize>local;
  memory.copy(PF, <usize>load<u32>(row) + l * (N_COUNT * 8), N_COUNT * 8);
  const hs = <usize>load<u32>(row + 4) + (l << 2);
  const h0 = load<i32>(hs);
  const h1 = load<i32>(hs + 4);
  const cs = <usize>load<u32>(row + 12) + (l << 2);
  const c0 = load<i32>(cs);
  const c1 = load<i32>(cs + 4);
  if (h1 - h0 > HIST_MAX || c1 - c0 > COOKIES_MAX) return 0;
  memory.copy(PF_HIST, <usize>load<u32>(row + 8) + <usize>h0, <usize>(h1 - h0));
  memory.copy(PF_COOKIES, <usize>load<u32>(row + 16) + (<usize>c0 << 2), <usize>(c1 - c0) << 2);
  store<i32>(PF_META, h1 - h0);
  store<i32>(PF_META + 4, c1 - c0);
  return 1;
}

/** flowKeys, from the flow table when the point is laid out there. */
function flowKeysAt(point: i32, local: i32): void {
  const row = flowTable + (<usize>point << 5);
  if (flowTable === 0 || load<u32>(row) === 0 || local >= load<i32>(row + 24)) flowKeys(point, local);
  else memory.copy(KEYS, <usize>load<u32>(row + 20) + <usize>local * (KEY_WORDS * 4), KEY_WORDS * 4);
}

/** Where the caller's own data may start (the context tables, the blocks, the output). */
export function dynamicStart(): usize {
  return (__heap_base + 4095) & ~4095;
}

// ---- the context (FlowJson's constructor) ----

let baseSec: f64 = 0;
/** Per capture point: its head's address and length (u32 each), shiftNs (f64). */
let pointTable: usize = 0;
let pointCount: i32 = 0;
/** Per device: its head's address and length (u32 each). */
let deviceTable: usize = 0;
let deviceCount: i32 = 0;

export function setContext(base: f64, points: usize, nPoints: i32, devices: usize, nDevices: i32): void {
  baseSec = base;
  pointTable = points;
  pointCount = nPoints;
  deviceTable = devices;
  deviceCount = nDevices;
  lastDay = NaN;
}

// ---- reading a block's records ----

let ni: usize = 0;
let nEnd: usize = 0;
let ti: usize = 0;
let li: usize = 0;
let lEnd: usize = 0;
/** Read past the records (the caller lets FlowJson say what is wrong). */
let overrun = false;

@inline function num(): f64 {
  if (ni >= nEnd) {
    overrun = true;
    return 0;
  }
  const v = load<f64>(ni);
  ni += 8;
  return v;
}

// ---- writing ----

let o: usize = 0;
let oStart: usize = 0;
let oEnd: usize = 0;
/** The output ran out of room: written again into a larger one. */
let full = false;
let unsupported = false;

@inline function room(k: usize): void {
  if (o + k > oEnd) {
    full = true;
    // Goes on at the start (what it writes is thrown away): nothing is written out of bounds.
    o = oStart;
  }
}

@inline function byte(c: u32): void {
  room(1);
  store<u8>(o, c);
  o++;
}

/** An ASCII string literal. */
function lit(s: string): void {
  const n = s.length;
  room(n);
  const p = changetype<usize>(s);
  for (let i = 0; i < n; i++) store<u8>(o + i, load<u16>(p + (<usize>i << 1)));
  o += n;
}

function copyOut(src: usize, n: usize): void {
  room(n);
  memory.copy(o, src, n);
  o += n;
}

function uint(v: u64): void {
  let d = DIGITS + 32;
  do {
    d--;
    store<u8>(d, 48 + <u32>(v % 10));
    v /= 10;
  } while (v > 0);
  copyOut(d, DIGITS + 32 - d);
}

const MAX_SAFE: f64 = 9007199254740991;

/** A number as JSON.stringify writes it: integers, NaN/infinities as null, k/1000 below 1e9; else UNSUPPORTED. */
function numOut(v: f64): void {
  if (v >= 0 && v <= MAX_SAFE && v === Math.floor(v)) {
    uint(<u64>v);
    return;
  }
  if (!isFinite(v)) {
    lit('null');
    return;
  }
  const a = Math.abs(v);
  if (a <= MAX_SAFE && a === Math.floor(a)) {
    byte(0x2d);
    uint(<u64>a);
    return;
  }
  // A latency of nanoseconds in microseconds: the shortest text that reads back as the same
  // double has at most three decimals (doubles below 1e9 are far closer than 0.001 apart).
  if (a < 1e9) {
    const k = jsRound(a * 1000);
    if (k / 1000 === a) {
      const ik = <u64>k;
      if (v < 0) byte(0x2d);
      uint(ik / 1000);
      byte(0x2e);
      let f = <u32>(ik % 1000);
      let digits = 3;
      while (f % 10 === 0) {
        f /= 10;
        digits--;
      }
      room(3);
      for (let i = digits - 1; i >= 0; i--) {
        store<u8>(o + i, 48 + (f % 10));
        f /= 10;
      }
      o += digits;
      return;
    }
  }
  unsupported = true;
}

/** Math.round: the nearest integer, halves up (f64.nearest takes halves to even). */
@inline function jsRound(x: f64): f64 {
  const r = Math.floor(x);
  return x - r >= 0.5 ? r + 1 : r;
}

const HEX = '0123456789abcdef';

function hexDigit(v: u32): u32 {
  return HEX.charCodeAt(v & 15);
}

/** JSON.stringify of an ASCII string at [p, p + n). */
function strBytes(p: usize, n: usize): void {
  room(n * 6 + 2);
  store<u8>(o, 0x22);
  o++;
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
      store<u8>(o, c);
      o++;
      continue;
    }
    store<u8>(o, 0x5c);
    if (c === 0x22 || c === 0x5c) {
      store<u8>(o + 1, c);
      o += 2;
    } else if (c === 8 || c === 9 || c === 10 || c === 12 || c === 13) {
      store<u8>(o + 1, c === 8 ? 0x62 : c === 9 ? 0x74 : c === 10 ? 0x6e : c === 12 ? 0x66 : 0x72);
      o += 2;
    } else {
      store<u8>(o + 1, 0x75);
      store<u8>(o + 2, 0x30);
      store<u8>(o + 3, 0x30);
      store<u8>(o + 4, hexDigit(c >>> 4));
      store<u8>(o + 5, hexDigit(c));
      o += 6;
    }
  }
  store<u8>(o, 0x22);
  o++;
}

/** The block's next string, as JSON. */
function strOut(): void {
  if (li >= lEnd) {
    overrun = true;
    return;
  }
  const n = <usize>load<i32>(li);
  li += 4;
  strBytes(ti, n);
  ti += n;
}

// ---- times (JsonBytes.iso, isoText, isoDate) ----

let lastDay: f64 = NaN;
let dayLen: usize = 0;

@inline function two(v: u32): void {
  store<u8>(o, 48 + v / 10);
  store<u8>(o + 1, 48 + (v % 10));
  o += 2;
}

@inline function three(v: u32): void {
  store<u8>(o, 48 + v / 100);
  store<u8>(o + 1, 48 + ((v / 10) % 10));
  store<u8>(o + 2, 48 + (v % 10));
  o += 3;
}

/** "YYYY-MM-DDT" of a day since the epoch into DAY_TEXT (H. Hinnant's civil-from-days, as isoDate); false outside years 0-9999. */
function setDay(days: f64): bool {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (!(y >= 0 && y <= 9999)) return false;
  const yi = <u32>y;
  const mi = <u32>m;
  const di = <u32>d;
  store<u8>(DAY_TEXT, 48 + yi / 1000);
  store<u8>(DAY_TEXT + 1, 48 + ((yi / 100) % 10));
  store<u8>(DAY_TEXT + 2, 48 + ((yi / 10) % 10));
  store<u8>(DAY_TEXT + 3, 48 + (yi % 10));
  store<u8>(DAY_TEXT + 4, 0x2d);
  store<u8>(DAY_TEXT + 5, 48 + mi / 10);
  store<u8>(DAY_TEXT + 6, 48 + (mi % 10));
  store<u8>(DAY_TEXT + 7, 0x2d);
  store<u8>(DAY_TEXT + 8, 48 + di / 10);
  store<u8>(DAY_TEXT + 9, 48 + (di % 10));
  store<u8>(DAY_TEXT + 10, 0x54);
  dayLen = 11;
  lastDay = days;
  return true;
}

/** A time on the common clock (ns since baseSec) as FlowJson.iso writes it. */
function iso(ns: f64): void {
  const whole = Math.floor(ns / 1e9);
  const sec = baseSec + whole;
  const nsec = jsRound(ns - whole * 1e9);
  // JsonBytes.iso leaves these to isoText (and the day must be one setDay writes).
  if (!(sec === Math.floor(sec) && nsec >= 0 && nsec < 1e9)) {
    unsupported = true;
    return;
  }
  const days = Math.floor(sec / 86400);
  if (days !== lastDay && !setDay(days)) {
    unsupported = true;
    return;
  }
  room(dayLen + 22);
  store<u8>(o, 0x22);
  o++;
  memory.copy(o, DAY_TEXT, dayLen);
  o += dayLen;
  let s = <u32>(sec - days * 86400);
  const hh = s / 3600;
  s -= hh * 3600;
  const mm = s / 60;
  s -= mm * 60;
  two(hh);
  store<u8>(o, 0x3a);
  o++;
  two(mm);
  store<u8>(o, 0x3a);
  o++;
  two(s);
  store<u8>(o, 0x2e);
  o++;
  const n = <u32>nsec;
  three(n / 1000000);
  three((n / 1000) % 1000);
  three(n % 1000);
  store<u8>(o, 0x5a);
  store<u8>(o + 1, 0x22);
  o += 2;
}

// ---- endpoints (endpointTexts, addrText, ipv6Text, endpointText) ----

function ipv4(v: u32): void {
  uint(v >>> 24);
  byte(0x2e);
  uint((v >>> 16) & 255);
  byte(0x2e);
  uint((v >>> 8) & 255);
  byte(0x2e);
  uint(v & 255);
}

function hex16(g: u32): void {
  let started = false;
  for (let sh = 12; sh >= 0; sh -= 4) {
    const d = (g >>> sh) & 15;
    if (d !== 0 || started || sh === 0) {
      byte(hexDigit(d));
      started = true;
    }
  }
}

@inline function group(at: usize, i: i32): u32 {
  const v = load<u32>(KEYS + ((at + (<usize>i >> 1)) << 2));
  return (i & 1) === 0 ? v >>> 16 : v & 0xffff;
}

/** RFC 5952 text of the address at key word `at` (ipv6Text, ipv6Groups). */
function ipv6(at: usize): void {
  if (group(at, 0) === 0 && group(at, 1) === 0 && group(at, 2) === 0 && group(at, 3) === 0 && group(at, 4) === 0 && group(at, 5) === 0xffff) {
    lit('::ffff:');
    ipv4(load<u32>(KEYS + ((at + 3) << 2)));
    return;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (group(at, i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && group(at, j) === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  for (let i = 0; i < 8; i++) {
    if (bestStart >= 0 && i === bestStart) {
      lit('::');
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && !(bestStart >= 0 && i === bestStart + bestLen)) byte(0x3a);
    hex16(group(at, i));
  }
}

/** One endpoint as a JSON string: the address at key word `at`, and the port when the protocol has ports. */
function endpoint(version: f64, at: usize, port: u32, withPorts: bool): void {
  byte(0x22);
  const v6 = version !== 4;
  if (withPorts && v6) byte(0x5b);
  if (v6) ipv6(at);
  else ipv4(load<u32>(KEYS + (at << 2)));
  if (withPorts) {
    if (v6) byte(0x5d);
    byte(0x3a);
    uint(port);
  }
  byte(0x22);
}

function protoName(p: f64): void {
  if (p === 6) lit('"tcp"');
  else if (p === 17) lit('"udp"');
  else if (p === 1) lit('"icmp"');
  else if (p === 58) lit('"icmpv6"');
  else if (p === 132) lit('"sctp"');
  else {
    byte(0x22);
    numOut(p);
    byte(0x22);
  }
}

// ---- a capture point's flow (flowHistory, flowState, connState) ----

@inline function pf(k: i32): f64 {
  return load<f64>(PF + (<usize>k << 3));
}

/** Whether flowHistory's text (its letters at PF_HIST, case-swapped for side 1, after '^' when `caret`) matches /^\^?S[^HAFGIQ]*R/. */
function rstos0(c: i32, n: usize): bool {
  if (n === 0) return false;
  let first = <u32>load<u8>(PF_HIST);
  if (c === 1) first = swapCase(first);
  if (first !== 0x53) return false;
  for (let i: usize = 1; i < n; i++) {
    let ch = <u32>load<u8>(PF_HIST + i);
    if (c === 1) ch = swapCase(ch);
    if (ch === 0x52) return true;
    if (ch === 0x48 || ch === 0x41 || ch === 0x46 || ch === 0x47 || ch === 0x49 || ch === 0x51) return false;
  }
  return false;
}

@inline function swapCase(ch: u32): u32 {
  if (ch >= 0x41 && ch <= 0x5a) return ch + 32;
  if (ch >= 0x61 && ch <= 0x7a) return ch - 32;
  return ch;
}

function history(c: i32, n: usize): void {
  room(n + 3);
  store<u8>(o, 0x22);
  o++;
  if (<f64>c !== pf(N_FIRST_SIDE)) {
    store<u8>(o, 0x5e);
    o++;
  }
  for (let i: usize = 0; i < n; i++) {
    const ch = <u32>load<u8>(PF_HIST + i);
    store<u8>(o + i, c === 1 ? swapCase(ch) : ch);
  }
  o += n;
  store<u8>(o, 0x22);
  o++;
}

function state(c: i32, n: usize): void {
  const proto = pf(N_PROTO);
  const os = <i32>pf(N_EP + c);
  const rs = <i32>pf(N_EP + 1 - c);
  if (proto === 6) {
    const oInactive = os === EP_INACTIVE || os === EP_PARTIAL;
    const rInactive = rs === EP_INACTIVE || rs === EP_PARTIAL;
    if (rs === EP_RESET) {
      if (os === EP_SYN_SENT || os === EP_SYN_ACK_SENT || (os === EP_RESET && pf(N_S + S_PAYLOAD + c) === 0 && pf(N_S + S_PAYLOAD + 1 - c) === 0)) lit('"REJ"');
      else if (oInactive) lit('"RSTRH"');
      else lit('"RSTR"');
    } else if (os === EP_RESET) {
      if (rInactive) lit(rstos0(c, n) ? '"RSTOS0"' : '"OTH"');
      else lit('"RSTO"');
    } else if (rs === EP_CLOSED && os === EP_CLOSED) lit('"SF"');
    else if (os === EP_CLOSED) lit(rInactive ? '"SH"' : '"S2"');
    else if (rs === EP_CLOSED) lit(oInactive ? '"SHR"' : '"S3"');
    else if (os === EP_SYN_SENT && rs === EP_INACTIVE) lit('"S0"');
    else if (os === EP_ESTABLISHED && rs === EP_ESTABLISHED) lit('"S1"');
    else lit('"OTH"');
    return;
  }
  if (proto === 17) {
    const op = pf(N_S + S_PACKETS + c);
    const rp = pf(N_S + S_PACKETS + 1 - c);
    if (op > 0) lit(rp > 0 ? '"SF"' : '"S0"');
    else lit(rp > 0 ? '"SHR"' : '"OTH"');
    return;
  }
  lit('"OTH"');
}

// ---- a block (FlowJson.block, FlowJson.flow) ----

/** The block needs FlowJson: this writes something otherwise. */
export const UNSUPPORTED = -1;
/** The output ran out of room: again with more. */
export const FULL = -2;
/** The records end too soon or go on past the flows (FlowJson reports it). */
export const MISMATCH = -3;

/**
 * `flows` records (numbers at [nums, nums + 8 * numCount), string bytes from `text`, string
 * lengths at [lens, lens + 4 * lenCount)) as JSON lines into [out, out + cap): the bytes written,
 * or UNSUPPORTED, FULL or MISMATCH.
 */
export function block(flows: i32, nums: usize, numCount: i32, text: usize, lens: usize, lenCount: i32, out: usize, cap: usize): i32 {
  ni = nums;
  nEnd = nums + (<usize>numCount << 3);
  ti = text;
  li = lens;
  lEnd = lens + (<usize>lenCount << 2);
  o = out;
  oStart = out;
  oEnd = out + cap;
  full = false;
  unsupported = false;
  overrun = false;
  for (let k = 0; k < flows; k++) {
    if (k) lit(',\n  ');
    else lit('  ');
    flow();
    if (unsupported) return UNSUPPORTED;
    if (overrun) return MISMATCH;
  }
  if (full) return FULL;
  if (ni !== nEnd || li !== lEnd) return MISMATCH;
  return <i32>(o - out);
}

function flow(): void {
  lit('{"id":');
  strOut();
  const proto = num();
  const c = <i32>num();
  const version = num();
  const refPoint = <i32>num();
  const refLocal = <i32>num();
  if (refPoint < 0 || refPoint >= pointCount || refLocal < 0 || (c !== 0 && c !== 1)) {
    unsupported = true;
    return;
  }
  flowKeysAt(refPoint, refLocal);
  const ports = load<u32>(KEYS + 36);
  const withPorts = proto === 6 || proto === 17 || proto === 132;
  lit(',"proto":');
  protoName(proto);
  // Side A of the key is the client when c is 0.
  lit(',"client":');
  if (c === 0) endpoint(version, 1, ports >>> 16, withPorts);
  else endpoint(version, 5, ports & 0xffff, withPorts);
  lit(',"server":');
  if (c === 0) endpoint(version, 5, ports & 0xffff, withPorts);
  else endpoint(version, 1, ports >>> 16, withPorts);
  lit(',"points":[');
  const points = <i32>num();
  for (let i = 0; i < points; i++) {
    if (i) byte(0x2c);
    const point = <i32>num();
    const local = <i32>num();
    // A point turned around (NAT): this thread's copy, which FlowJson reads.
    if (point < 0 || point >= pointCount || local < 0 || !pointFlowAt(point, local)) {
      unsupported = true;
      return;
    }
    const histLen = <usize>load<i32>(PF_META);
    const cookieCount = load<i32>(PF_META + 4);
    const row = pointTable + (<usize>point << 4);
    copyOut(<usize>load<u32>(row), <usize>load<u32>(row + 4));
    const shift = load<f64>(row + 8);
    numOut(pf(N_S + S_PACKETS) + pf(N_S + S_PACKETS + 1));
    lit(',"bytes":');
    numOut(pf(N_S + S_BYTES) + pf(N_S + S_BYTES + 1));
    lit(',"first":');
    iso(pf(N_FIRST_T) + shift);
    lit(',"last":');
    iso(pf(N_LAST_T) + shift);
    lit(',"history":');
    history(c, histLen);
    lit(',"state":');
    state(c, histLen);
    lit(',"clientPackets":');
    numOut(pf(N_S + S_PACKETS + c));
    lit(',"serverPackets":');
    numOut(pf(N_S + S_PACKETS + 1 - c));
    lit(',"keepAlives":');
    numOut(pf(N_KEEPALIVES));
    lit(',"retransmissions":');
    numOut(pf(N_RETRANSMISSIONS));
    const reason = num();
    if (reason !== 0) {
      lit(',"endReason":');
      strOut();
      if (reason === 2) {
        lit(',"agesOutAt":');
        iso(num());
      }
    }
    if (cookieCount > 0) {
      lit(',"cookies":[');
      for (let k = 0; k < cookieCount; k++) {
        if (k) byte(0x2c);
        const v = load<u32>(PF_COOKIES + (<usize>k << 2));
        room(12);
        store<u8>(o, 0x22);
        store<u8>(o + 1, 0x30);
        store<u8>(o + 2, 0x78);
        for (let sh = 28, q: usize = 3; sh >= 0; sh -= 4, q++) store<u8>(o + q, hexDigit(v >>> sh));
        store<u8>(o + 11, 0x22);
        o += 12;
      }
      byte(0x5d);
    }
    byte(0x7d);
  }
  lit('],"devices":[');
  const devices = <i32>num();
  for (let i = 0; i < devices; i++) {
    if (i) byte(0x2c);
    const d = <i32>num();
    if (d < 0 || d >= deviceCount) {
      unsupported = true;
      return;
    }
    const row = deviceTable + (<usize>d << 3);
    copyOut(<usize>load<u32>(row), <usize>load<u32>(row + 4));
    numOut(num());
    lit(',"transmitted":');
    numOut(num());
    lit(',"dropped":');
    numOut(num());
    lit(',"unaccounted":');
    numOut(num());
    lit(',"latencyUs":');
    numOut(num());
    if (num() !== 0) {
      lit(',"endReason":');
      strOut();
    }
    byte(0x7d);
  }
  lit('],"carriers":[');
  const segments = <i32>num();
  for (let i = 0; i < segments; i++) {
    if (i) byte(0x2c);
    lit('{"devices":[');
    const n = <i32>num();
    for (let k = 0; k < n; k++) {
      if (k) byte(0x2c);
      strOut();
    }
    lit('],"from":');
    iso(num());
    lit(',"to":');
    iso(num());
    byte(0x7d);
  }
  if (num() !== 0) {
    lit('],"relatedFlow":');
    strOut();
  } else byte(0x5d);
  const nat = <i32>num();
  if (nat > 0) {
    lit(',"nat":[');
    for (let i = 0; i < nat; i++) {
      if (i) byte(0x2c);
      lit('{"device":');
      strOut();
      lit(',"stage":');
      strOut();
      lit(',"client":');
      strOut();
      lit(',"server":');
      strOut();
      byte(0x7d);
    }
    byte(0x5d);
  }
  byte(0x7d);
}
