// The analysis of a quiet flow in WebAssembly (AssemblyScript, built by scripts/build.mjs into
// dist/flow-quiet.wasm): for a flow that no rule can report on, what its summary says (the
// device's counts, receive-to-transmit matches and latency, its end reason, its one stretch of
// activity), as the JavaScript analysis works it out (shared/findings/facts.ts accountDevice,
// shared/engine/align.ts matchGathered, shared/findings/end-reason.ts, the rules in
// shared/findings/rules/). A flow is quiet when it was seen on one device, at most once per stage
// and not in a drop stage, in one stretch shorter than the idle timeout, and each rule's own test
// for "nothing to report" holds; anything else, or anything this module does not do itself (the
// stage matching's fallback to an index by signature), answers 0 and the JavaScript analysis,
// which stays the reference, does the flow. shared/node/quiet-flows.ts is the caller.
//
// Memory: the setup (capture points, devices, timers), one result area, the flow's header (per
// point of the flow, k of them in point order: its index, its number of rows, and where they are
// in the block's rows), the lean model as the caller lays it out (leanRoom, lean: its flows' point
// flows, and per capture point its flows' first rows and records; a block's answers), then the
// flow's rows: R rows' grouped time, signature, IP ID and bits (one column after the other, the
// points' rows one after another in each), then this module's scratch; after those, a block's
// rows as the caller copies them in (blockArea). quietRange answers every flow of a block in one
// call; quiet() one flow whose rows the caller gathered.

import { reach } from './flow-key';

const TCP_FIN: i32 = 0x01;
const TCP_SYN: i32 = 0x02;
const TCP_RST: i32 = 0x04;
const TCP_ACK: i32 = 0x10;
/** capture-index.ts P_SIDE_B, in the bits' high half. */
const SIDE_B: i32 = 32 << 16;

// Stages (shared/api/analysis.ts Stage), as the caller numbers them.
const RECEIVE: i32 = 0;
const FIREWALL: i32 = 1;
const TRANSMIT: i32 = 2;
const DROP: i32 = 3;
const UNKNOWN: i32 = 4;

/** By stage: where the flow's rows at that stage start in the columns (-1: not seen there), and how many. */
const stageStart: usize = memory.data(5 * 4, 4);
const stageRows: usize = memory.data(5 * 4, 4);
/** By stage: its rows' bits or-ed together (PointRows.anyBits). */
const stageBits: usize = memory.data(5 * 4, 4);

@inline function startOf(s: i32): i32 {
  return load<i32>(stageStart + (<usize>s << 2));
}
@inline function rowsOf(s: i32): i32 {
  return load<i32>(stageRows + (<usize>s << 2));
}

/**
 * The first stage up to `last` (receive, firewall, transmit, unknown: the JavaScript's
 * `stage.receive ?? stage.firewall ?? ...`) the flow was seen at, or -1.
 */
function firstSeen(last: i32): i32 {
  for (let s = RECEIVE; s <= last; s++) if (s !== DROP && startOf(s) >= 0) return s;
  return -1;
}

/** align.ts REORDER_NS, MAX_LATENCY_NS, SCAN. */
const REORDER_NS: f64 = 50e6;
const MAX_LATENCY_NS: f64 = 2e9;
const SCAN: i32 = 64;

/** End reasons (the caller's names: flow-records.ts QUIET_REASONS). */
const R_NA: f64 = 1;
const R_FIN: f64 = 2;
const R_INCOMPLETE: f64 = 3;
const R_AGED_OUT: f64 = 4;
const R_OPEN: f64 = 5;

/** The most capture points a flow may have here (more: the JavaScript analysis). */
export const MAX_K: i32 = 16;

let pDevice: usize = 0; // i32 per point
let pStage: usize = 0; // i32 per point
let pShift: usize = 0; // f64 per point
let dCaptured: usize = 0; // i32 per device: bit s = the device was captured at stage s
let dEnd: usize = 0; // f64 per device: its last packet on the common clock
let res: usize = 0; // f64 results
let hdr: usize = 0; // 3 i32 per point of the flow: point index, rows, their first in the block's rows
/** Bytes of the header per point. */
const HDR: usize = 12;
let rowsAt: usize = 0; // the flow's rows
let rowRoom: usize = 0;

// Timers in ns (the caller multiplies: seconds * 1e9, as the JavaScript does).
let halfClosedNs: f64 = 0;
let handshakeNs: f64 = 0;
let tcpNs: f64 = 0;
let udpNs: f64 = 0;
let icmpNs: f64 = 0;
/** The model's last packet (common clock). */
let endNs: f64 = 0;

/** Space for the setup of `points` capture points and `devices` devices: false when the memory cannot hold it. */
export function setup(points: i32, devices: i32): bool {
  pDevice = (__heap_base + 15) & ~15;
  pStage = pDevice + (<usize>points << 2);
  pShift = (pStage + (<usize>points << 2) + 7) & ~7;
  dCaptured = pShift + (<usize>points << 3);
  dEnd = (dCaptured + (<usize>devices << 2) + 7) & ~7;
  res = dEnd + (<usize>devices << 3);
  hdr = res + 16 * 8;
  rowsAt = (hdr + <usize>MAX_K * HDR + 15) & ~15;
  rowRoom = 0;
  blockAt = 0;
  return reach(rowsAt);
}

// ---- a lean model in this memory (quietRange: a block's flows in one call) ----

// Where the lean model's tables are (in leanRoom's room, as the caller laid them out: lean()).
let lAtStart: usize = 0; // i32 per flow, and one more: where its point flows start in lPointOf/lLocalOf
let lOrder: usize = 0; // i32 per rank: the flow (id)
let lPointOf: usize = 0; // i32 per point flow of the model: its capture point
let lLocalOf: usize = 0; // i32 per point flow of the model: its flow at that point
let lLastNs: usize = 0; // f64 per flow: its last packet (common clock)
let pRowStart: usize = 0; // u32 per point: where its flows' first grouped rows are (i32, its flows + 1)
let pFlows: usize = 0; // u32 per point: where its flows' records are (PFLOW bytes a flow)
let pBlock: usize = 0; // i32 per point: the block's row of its first grouped row there (block())
let outAt: usize = 0; // OUT bytes per flow of a block: what quietRange found
let idleTcpNs: f64 = 0;
let idleOtherNs: f64 = 0;
/** A capture point's flow: its first packet (f64, the point's clock), client known, client side, reports on a flow (i32 each), protocol. */
const PFLOW: usize = 24;
/** A flow's answer: the 8 results (f64, as resultAt()), its status (0 not quiet, 1 quiet, 2 rows past the room), the point flow naming its endpoints (leanRef), its client side, and whether a point flow reports on a flow (i32 each). */
const OUT: usize = 80;

/**
 * Room for a lean model's tables, `bytes` of them, before the flows' rows (after setup(), before
 * rows()): where it starts (0: the memory cannot hold it). The caller lays them out there.
 */
export function leanRoom(bytes: i32): usize {
  const at = (hdr + <usize>MAX_K * HDR + 15) & ~15;
  const end = (at + <usize>bytes + 15) & ~15;
  if (!reach(end)) return 0;
  rowsAt = end;
  rowRoom = 0;
  blockAt = 0;
  return at;
}

/** Where the lean model's tables are (in leanRoom's room), and the idle timeouts (ns) by protocol. */
export function lean(atStart: usize, order: usize, pointOf: usize, localOf: usize, lastNs: usize, rowStarts: usize, flows: usize, block: usize, out: usize, idleTcp: f64, idleOther: f64): void {
  lAtStart = atStart;
  lOrder = order;
  lPointOf = pointOf;
  lLocalOf = localOf;
  lLastNs = lastNs;
  pRowStart = rowStarts;
  pFlows = flows;
  pBlock = block;
  outAt = out;
  idleTcpNs = idleTcp;
  idleOtherNs = idleOther;
}

@inline function pointFlowAt(p: i32, local: i32): usize {
  return <usize>load<u32>(pFlows + (<usize>p << 2)) + <usize>local * PFLOW;
}

/**
 * The flows of ranks [from, end) whose rows are in the block (blockArea(blockN), pBlock set):
 * each one's answer at outAt + OUT * (rank - from), as quiet() and the caller's leanRef,
 * leanClientSide and leanRelatedFlow would have them. Flows of more than MAX_K points: not quiet.
 */
export function quietRange(from: i32, end: i32, blockN: i32): void {
  for (let i = from; i < end; i++) {
    const o = outAt + <usize>(i - from) * OUT;
    store<i32>(o + 64, 0);
    const id = load<i32>(lOrder + (<usize>i << 2));
    const s = load<i32>(lAtStart + (<usize>id << 2));
    const k = load<i32>(lAtStart + (<usize>(id + 1) << 2)) - s;
    if (k < 1 || k > MAX_K) continue;
    // leanRef: the earliest point flow that knows the client, else the earliest (the first on ties).
    let ref: i32 = -1;
    let refKnown = false;
    let refT: f64 = Infinity;
    let reports: i32 = 0;
    let total: i32 = 0;
    for (let j: i32 = 0; j < k; j++) {
      const q = s + j;
      const p = load<i32>(lPointOf + (<usize>q << 2));
      const l = load<i32>(lLocalOf + (<usize>q << 2));
      const pf = pointFlowAt(p, l);
      const known = load<i32>(pf + 8) === 1;
      const t = load<f64>(pf) + load<f64>(pShift + (<usize>p << 3));
      if (ref < 0 || (known && !refKnown) || (known === refKnown && t < refT)) {
        ref = q;
        refKnown = known;
        refT = t;
      }
      reports |= load<i32>(pf + 16);
      // The header: the point, its rows, where they are in the block.
      const rs = <usize>load<u32>(pRowStart + (<usize>p << 2)) + (<usize>l << 2);
      const a = load<i32>(rs);
      const n = load<i32>(rs + 4) - a;
      store<i32>(hdr + <usize>j * HDR, p);
      store<i32>(hdr + <usize>j * HDR + 4, n);
      store<i32>(hdr + <usize>j * HDR + 8, load<i32>(pBlock + (<usize>p << 2)) + a);
      total += n;
    }
    const rp = load<i32>(lPointOf + (<usize>ref << 2));
    const clientSide = load<i32>(pointFlowAt(rp, load<i32>(lLocalOf + (<usize>ref << 2))) + 12);
    const proto = load<i32>(pointFlowAt(load<i32>(lPointOf + (<usize>s << 2)), load<i32>(lLocalOf + (<usize>s << 2))) + 20);
    store<i32>(o + 68, ref);
    store<i32>(o + 72, clientSide);
    store<i32>(o + 76, reports);
    if (<usize>total > rowRoom) {
      store<i32>(o + 64, 2);
      continue;
    }
    if (!quietBlock(k, total, blockN, proto, clientSide, load<f64>(lLastNs + (<usize>id << 3)), proto === 6 ? idleTcpNs : idleOtherNs)) continue;
    memory.copy(o, res, 64);
    store<i32>(o + 64, 1);
  }
}

export function point(p: i32, device: i32, stage: i32, shiftNs: f64): void {
  store<i32>(pDevice + (<usize>p << 2), device);
  store<i32>(pStage + (<usize>p << 2), stage);
  store<f64>(pShift + (<usize>p << 3), shiftNs);
}

export function device(d: i32, captured: i32, endNs: f64): void {
  store<i32>(dCaptured + (<usize>d << 2), captured);
  store<f64>(dEnd + (<usize>d << 3), endNs);
}

export function timers(halfClosed: f64, handshake: f64, tcp: f64, udp: f64, icmp: f64, end: f64): void {
  endNs = end;
  halfClosedNs = halfClosed;
  handshakeNs = handshake;
  tcpNs = tcp;
  udpNs = udp;
  icmpNs = icmp;
}

export function resultAt(): usize {
  return res;
}
export function headerAt(): usize {
  return hdr;
}

/** Room for a flow of `rows` rows; where they go (0: the memory cannot hold them). */
export function rows(rows: i32): usize {
  const r = <usize>rows;
  if (r > rowRoom) {
    // The four columns, then matched (i32) and the latencies (f64, and as many for kth's scratch) per row.
    let room: usize = rowRoom > 0 ? rowRoom : 1024;
    while (room < r) room <<= 1;
    if (!reach(rowsAt + room * 40 + 64)) return 0;
    rowRoom = room;
    // A block's rows were after the flow's: the caller asks for the block's place again.
    blockAt = 0;
  }
  return rowsAt;
}

/** Where the current block's rows are (after the flow's room), 0: none. */
let blockAt: usize = 0;

/**
 * Room for a block of `n` rows, after the flow's (rows() first: growing that moves this); where
 * the caller copies them, as the flow's: n times, f64 from the place returned, then signature,
 * IP ID and bits i32 at + 8n, + 12n, + 16n. 0: the memory cannot hold them.
 */
export function blockArea(n: i32): usize {
  const at = (rowsAt + rowRoom * 40 + 64 + 15) & ~15;
  if (!reach(at + <usize>n * 20)) return 0;
  blockAt = at;
  return at;
}

/**
 * quiet() of a flow of k points and `total` rows (at most the room: quietRange checked) whose rows
 * are in the block (blockArea(blockN)): per point, the header says where they start there; they
 * are copied into the flow's room first.
 */
function quietBlock(k: i32, total: i32, blockN: i32, proto: i32, clientSide: i32, lastNs: f64, idleNs: f64): i32 {
  if (blockAt === 0) return 0;
  const R = <usize>total;
  const N = <usize>blockN;
  const bT = blockAt;
  const bSig = bT + N * 8;
  const bIpId = bSig + N * 4;
  const bBits = bIpId + N * 4;
  let o: usize = 0;
  for (let i: i32 = 0; i < k; i++) {
    const n = <usize>load<i32>(hdr + <usize>i * HDR + 4);
    const from = <usize>load<i32>(hdr + <usize>i * HDR + 8);
    memory.copy(rowsAt + o * 8, bT + from * 8, n * 8);
    memory.copy(rowsAt + R * 8 + o * 4, bSig + from * 4, n * 4);
    memory.copy(rowsAt + R * 12 + o * 4, bIpId + from * 4, n * 4);
    memory.copy(rowsAt + R * 16 + o * 4, bBits + from * 4, n * 4);
    o += n;
  }
  return quiet(k, total, proto, clientSide, lastNs, idleNs);
}

// Columns of the current flow (set by quiet()).
let cT: usize = 0; // f64: the caller's grouped time, made the common clock's here
let cKey: usize = 0; // i32: the caller's signature, made the match key here
let cIpId: usize = 0;
let cBits: usize = 0;

@inline function tAt(r: i32): f64 {
  return load<f64>(cT + (<usize>r << 3));
}
@inline function keyAt(r: i32): i32 {
  return load<i32>(cKey + (<usize>r << 2));
}
@inline function bitsAt(r: i32): i32 {
  return load<i32>(cBits + (<usize>r << 2));
}

/** align.ts matchKey. */
@inline function matchKey(sig: i32, ipId: i32, flags: i32): i32 {
  const h = (sig ^ ipId) * 0x27d4eb2f;
  return (flags & 32 ? ((h ^ 0x5bd1e995) * <i32>0x85ebca6b) : h) ^ <i32>(<u32>h >>> 15);
}

/**
 * The flow whose k points and R rows the caller put at headerAt() and rows(R): 1 and its summary
 * at resultAt() when it is quiet, else 0. `idleNs`: the idle timeout for its protocol, in ns.
 */
export function quiet(k: i32, total: i32, proto: i32, clientSide: i32, lastNs: f64, idleNs: f64): i32 {
  if (k < 1 || k > MAX_K) return 0;
  const R = <usize>total;
  cT = rowsAt;
  cKey = cT + R * 8;
  cIpId = cKey + R * 4;
  cBits = cIpId + R * 4;
  const matched = cBits + R * 4;
  const lat = (matched + R * 4 + 7) & ~7;
  // One device, each stage at most once, no drop stage.
  const dev = load<i32>(pDevice + (<usize>load<i32>(hdr) << 2));
  memory.fill(stageStart, 0xff, 5 * 4);
  memory.fill(stageRows, 0, 5 * 4);
  let o: i32 = 0;
  let anyAll: i32 = 0;
  let first = Infinity;
  let last = -Infinity;
  let handshake = false;
  for (let i: i32 = 0; i < k; i++) {
    const p = load<i32>(hdr + <usize>i * HDR);
    const n = load<i32>(hdr + <usize>i * HDR + 4);
    if (load<i32>(pDevice + (<usize>p << 2)) !== dev) return 0;
    const s = load<i32>(pStage + (<usize>p << 2));
    // A drop stage (non-syn-drop may report on it), one this module does not know, or a stage twice.
    if (s < RECEIVE || s > UNKNOWN || s === DROP || startOf(s) >= 0) return 0;
    store<i32>(stageStart + (<usize>s << 2), o);
    store<i32>(stageRows + (<usize>s << 2), n);
    // The common clock's time and the match key, in place (gatherRows).
    const shift = load<f64>(pShift + (<usize>p << 3));
    let any: i32 = 0;
    for (let r = o; r < o + n; r++) {
      const b = bitsAt(r);
      const ta = cT + (<usize>r << 3);
      store<f64>(ta, shift + load<f64>(ta));
      store<i32>(cKey + (<usize>r << 2), matchKey(keyAt(r), load<i32>(cIpId + (<usize>r << 2)), b >>> 16));
      any |= b;
    }
    store<i32>(stageBits + (<usize>s << 2), any);
    anyAll |= any;
    if (!handshake) handshake = handshakeAt(o, n, clientSide);
    // facts.ts oneSegment.
    if (n > 0) {
      first = Math.min(first, tAt(o));
      last = Math.max(last, tAt(o + n - 1));
    }
    o += n;
  }
  const start0 = startOf(RECEIVE);
  const n0 = rowsOf(RECEIVE);
  const start2 = startOf(TRANSMIT);
  const n2 = rowsOf(TRANSMIT);
  // One stretch of activity (session-moved, idle-timeout-exceeded and asymmetric-path need two,
  // or two devices).
  if (o === 0 || last - first >= idleNs) return 0;
  const tcp = proto === 6;
  // rst.ts: any reset.
  if (tcp && anyAll & TCP_RST) return 0;
  // incomplete-handshake.ts: a client's SYN, no point saw the whole handshake, and the captures
  // go on for the handshake timer after it (the rule's own test is on the SYN-ACK if there is one,
  // or the SYN: never earlier than the first SYN).
  if (tcp && !handshake && firstClientSyn(o, clientSide) + handshakeNs <= endNs) return 0;
  const captured = load<i32>(dCaptured + (<usize>dev << 2));
  // accountDevice: receive matched to transmit, the unaccounted, the latency.
  let count: i32 = 0;
  let unaccounted: f64 = 0;
  let latency: f64 = NaN;
  const toTx = start0 >= 0 && start2 >= 0;
  if (toTx) {
    count = match(start0, n0, start2, n2, matched);
    if (count < 0) return 0;
  }
  if (start0 >= 0 && captured & (1 << TRANSMIT)) {
    unaccounted = toTx ? n0 - count : n0;
    if (toTx) {
      // The latency of each matched transmit row, in transmit order (matched[] holds, by transmit
      // row, its receive row or -1 here).
      let nl: i32 = 0;
      for (let j: i32 = 0; j < n2; j++) {
        const q = load<i32>(matched + (<usize>j << 2));
        if (q !== -1) {
          store<f64>(lat + (<usize>nl << 3), (tAt(start2 + j) - tAt(start0 + q)) / 1e3);
          nl++;
        }
      }
      if (nl) latency = kth(lat, nl, nl >> 1);
    }
  }
  // not-forwarded.ts: received packets neither transmitted nor dropped.
  if (toTx && unaccounted !== 0) return 0;
  if (tcp) {
    // fin-not-forwarded.ts: a FIN received, and not every received packet transmitted.
    if (toTx && captured & (1 << TRANSMIT) && count !== n0 && load<i32>(stageBits + (<usize>RECEIVE << 2)) & TCP_FIN) return 0;
    // half-close.ts: a FIN, and packets longer after the first than the half-closed timer.
    const h = firstSeen(TRANSMIT);
    const hp = h >= 0 ? startOf(h) : 0;
    const hn = h >= 0 ? rowsOf(h) : 0;
    if (hn > 0 && load<i32>(stageBits + (<usize>h << 2)) & TCP_FIN && !(tAt(hp + hn - 1) - tAt(hp) <= halfClosedNs)) return 0;
  }
  // end-reason.ts, for the one device (nothing dropped: no drop stage).
  const main = firstSeen(UNKNOWN);
  const mp = main >= 0 ? startOf(main) : 0;
  const mn = main >= 0 ? rowsOf(main) : 0;
  let reason: f64 = R_NA;
  let agesOut: f64 = NaN;
  if (mn > 0) {
    let sawSyn = false;
    let sawSynAck = false;
    let established = false;
    let fin = false;
    if (tcp) {
      for (let r = mp; r < mp + mn; r++) {
        const fl = bitsAt(r) & 0xffff;
        if (fl & TCP_SYN) {
          if (fl & TCP_ACK) sawSynAck = true;
          else sawSyn = true;
        } else if (fl & TCP_ACK && (sawSynAck || !sawSyn)) established = true;
        if (fl & TCP_FIN) fin = true;
      }
    }
    const lastT = tAt(mp + mn - 1);
    if (fin) reason = R_FIN;
    else if (tcp && sawSyn && !established) {
      reason = R_INCOMPLETE;
      agesOut = lastT + handshakeNs;
    } else {
      agesOut = lastT + (tcp ? tcpNs : proto === 17 ? udpNs : icmpNs);
      const movedAway = lastNs > lastT + idleNs;
      reason = agesOut <= load<f64>(dEnd + (<usize>dev << 3)) || movedAway || !tcp ? R_AGED_OUT : R_OPEN;
    }
  }
  store<f64>(res, <f64>n0);
  store<f64>(res + 8, <f64>n2);
  store<f64>(res + 16, unaccounted);
  store<f64>(res + 24, latency);
  store<f64>(res + 32, reason);
  store<f64>(res + 40, agesOut);
  store<f64>(res + 48, first);
  store<f64>(res + 56, last);
  return 1;
}

/** incomplete-handshake.ts handshakeAt of rows [s, s + n): the client's SYN, the server's SYN-ACK, the client's ACK. */
function handshakeAt(s: i32, n: i32, clientSide: i32): bool {
  let step: i32 = 0;
  for (let r = s; r < s + n; r++) {
    const b = bitsAt(r);
    const fl = b & 0xffff;
    const client = (b & SIDE_B ? 1 : 0) === clientSide;
    if (step === 0 && client && fl & TCP_SYN && !(fl & TCP_ACK)) step = 1;
    else if (step === 1 && !client && fl & TCP_SYN && fl & TCP_ACK) step = 2;
    else if (step === 2 && client && fl & TCP_ACK && !(fl & TCP_SYN)) return true;
  }
  return false;
}

/** The time of the first client SYN (without ACK) in the flow's rows [0, n), or Infinity. */
function firstClientSyn(n: i32, clientSide: i32): f64 {
  let t = Infinity;
  for (let r: i32 = 0; r < n; r++) {
    const b = bitsAt(r);
    if ((b & SIDE_B ? 1 : 0) === clientSide && b & TCP_SYN && !(b & TCP_ACK)) t = Math.min(t, tAt(r));
  }
  return t;
}

/**
 * align.ts matchGathered of the receive rows [r0, r0 + n) and the transmit rows [o0, o0 + m):
 * the receive rows matched, and for each transmit row its receive row (or -1) at `out`; -1 when
 * a row needs the fallback through an index by signature (the JavaScript analysis does those).
 */
function match(r0: i32, n: i32, o0: i32, m: i32, out: usize): i32 {
  // Receive rows taken, one byte each, after the transmit rows' answers.
  const taken = out + (<usize>m << 2);
  memory.fill(taken, 0, <usize>n);
  let p: i32 = 0;
  let count: i32 = 0;
  for (let j: i32 = 0; j < m; j++) {
    const t = tAt(o0 + j);
    const key = keyAt(o0 + j);
    while (p < n && (load<u8>(taken + <usize>p) || tAt(r0 + p) < t - MAX_LATENCY_NS)) p++;
    let found: i32 = -1;
    let k = p;
    for (let tries: i32 = 0; k < n && tries < SCAN; k++, tries++) {
      if (tAt(r0 + k) > t + REORDER_NS) break;
      if (keyAt(r0 + k) === key && !load<u8>(taken + <usize>k)) {
        found = k;
        break;
      }
    }
    if (found === -1 && k < n && tAt(r0 + k) <= t + REORDER_NS) return -1;
    store<i32>(out + (<usize>j << 2), found);
    if (found !== -1) {
      store<u8>(taken + <usize>found, 1);
      count++;
    }
  }
  return count;
}

/**
 * facts.ts kth: the k-th smallest of a[0..n) (the same value as its Hoare's selection gives:
 * there is one k-th smallest), with a[n..2n) as scratch. Quickselect over the values' bits made
 * integers of the same order (no NaN here), each round one pass that copies the values into the
 * other half, those below the pivot (a median of three) from its front and those above from its
 * back, then goes on in the part that holds the k-th, or answers the pivot when it is among the
 * values equal to it. The pass neither branches on the values (a median's comparisons are a coin
 * toss for the branch predictor) nor reads what it wrote (an in-place partition's swap waits on
 * its previous step): ~5 times faster than the in-place one it replaced, on the bench's flows.
 */
function kth(a: usize, n: i32, k: i32): f64 {
  for (let j: i32 = 0; j < n; j++) {
    const b = load<i64>(a + (<usize>j << 3));
    store<i64>(a + (<usize>j << 3), b ^ ((b >> 63) & 0x7fffffffffffffff));
  }
  let src = a;
  let dst = a + (<usize>n << 3);
  let len = n;
  let r: i64 = 0;
  for (;;) {
    const x0 = load<i64>(src);
    const x1 = load<i64>(src + (<usize>(len >> 1) << 3));
    const x2 = load<i64>(src + (<usize>(len - 1) << 3));
    const lo = select<i64>(x0, x1, x0 < x1);
    const hi = select<i64>(x1, x0, x0 < x1);
    const p = select<i64>(lo, select<i64>(hi, x2, hi < x2), lo > x2);
    let lt: i32 = 0;
    let gt: i32 = 0;
    const back = dst + (<usize>(len - 1) << 3);
    for (let j: i32 = 0; j < len; j++) {
      const x = load<i64>(src + (<usize>j << 3));
      store<i64>(dst + (<usize>lt << 3), x);
      store<i64>(back - (<usize>gt << 3), x);
      lt += <i32>(x < p);
      gt += <i32>(x > p);
    }
    const free = src;
    if (k < lt) {
      src = dst;
      len = lt;
    } else if (k < len - gt) {
      r = p;
      break;
    } else {
      k -= len - gt;
      src = dst + (<usize>(len - gt) << 3);
      len = gt;
    }
    dst = free;
  }
  return reinterpret<f64>(r ^ ((r >> 63) & 0x7fffffffffffffff));
}
