/**
 * The analysis's QuietFlows hook by WebAssembly (wasm/flow-quiet.ts), for the CLI's analysis
 * threads: the flows of a lean model (no objects made for them) have their rows copied into the
 * module's memory a block at a time and are answered in one call (the lean model laid out there;
 * else each flow's rows are gathered for it), and when the module finds a flow quiet (one device,
 * one stretch of activity, nothing any rule reports), its record is written from what the module
 * worked out (encodeQuietFlow); every other flow is made an object and goes through the
 * JavaScript analysis, which stays the reference (tests/engine/quiet-flows.test.ts holds the two
 * to the same records).
 */
import type { Stage } from '../api/analysis.ts';
import { N, type IndexedCapture } from '../engine/capture-index.ts';
import { BLOCK_FLOWS, type QuietFlows } from '../engine/analyze.ts';
import { encodeQuietFlow, type FlowRecords } from '../engine/flow-records.ts';
import { KEY_WORDS } from '../engine/flow-table.ts';
import { leanClientSide, leanRef, leanRelatedFlow, type LeanModel } from '../engine/model.ts';
import { instantiate, placer } from './wasm-module.ts';

interface QuietExports {
  memory: WebAssembly.Memory;
  MAX_K: WebAssembly.Global;
  setup(points: number, devices: number): number;
  point(p: number, device: number, stage: number, shiftNs: number): void;
  device(d: number, captured: number, endNs: number): void;
  timers(halfClosed: number, handshake: number, tcp: number, udp: number, icmp: number, endNs: number): void;
  resultAt(): number;
  headerAt(): number;
  rows(n: number): number;
  quiet(k: number, total: number, proto: number, clientSide: number, lastNs: number, idleNs: number): number;
  blockArea(n: number): number;
  leanRoom(bytes: number): number;
  lean(atStart: number, order: number, pointOf: number, localOf: number, lastNs: number, rowStarts: number, flows: number, block: number, out: number, idleTcp: number, idleOther: number): void;
  quietRange(from: number, end: number, blockN: number): void;
}

/**
 * The most bytes of a lean model laid out in the module (~36 a capture point's flow, ~16 a flow:
 * ~600,000 point flows); a larger one's flows go one by one (quiet()), which needs no copy of it:
 * a million flows' copy was ~100 MB more at the peak, for no time saved (their analysis is the
 * JavaScript's, which finds something in most of them).
 */
export const LEAN_TABLE_BYTES = 32 << 20;

/** wasm/flow-quiet.ts PFLOW and OUT: bytes of a capture point's flow's record, and of a flow's answer. */
const PFLOW = 24;
const OUT = 80;

/** The module's numbers for the stages. */
const STAGES: Record<Stage, number> = { receive: 0, firewall: 1, transmit: 2, drop: 3, unknown: 4 };

/** The hook, with an instance of the module for this thread; null without the module (not built, STAGEDIFF_WASM=0). */
export function wasmQuietFlows(): (QuietFlows & { readonly answered: { byBlock: number } }) | null {
  const x = instantiate('flow-quiet.wasm', { env: { abort: () => {} } }) as unknown as QuietExports | null;
  if (!x) return null;
  const m: QuietExports = x;
  const maxK = x.MAX_K.value as number;
  let buffer: ArrayBuffer | null = null;
  let f64 = new Float64Array(0);
  let i32 = new Int32Array(0);
  let u32 = new Uint32Array(0);
  const view = () => {
    if (m.memory.buffer === buffer) return;
    buffer = m.memory.buffer;
    f64 = new Float64Array(buffer);
    i32 = new Int32Array(buffer);
    u32 = new Uint32Array(buffer);
  };
  // By point, the block's first and last rows and how many its flows use, and where its rows
  // start in the block less its first row's place (block()).
  let lo = new Float64Array(0);
  let hi = new Float64Array(0);
  let used = new Float64Array(0);
  let shift = new Float64Array(0);
  let ready = false;
  // The module's header and result areas (fixed by setup()), and the rows it has room for: one
  // call into the module per flow (quiet()), rows() only when a flow needs more room.
  let hdrAt = 0;
  let resAt = 0;
  let rowsBase = 0;
  let room = 0;
  /** Rows the last gather() put into the module. */
  let gathered = 0;
  let idleTcpNs = 0;
  let idleOtherNs = 0;
  // The lean model laid out in the module (layOut), for quietRange: which one (null: none, each
  // flow through quiet()), where the points' block rows' places go (i32), the block's answers
  // (bytes), and the ranks they are for ([answeredFrom, answeredEnd)).
  let laidOut: LeanModel | null = null;
  /** Flows answered by a block's one call (the rest one by one, their rows gathered). */
  const answered = { byBlock: 0 };
  let blockShiftAt = 0;
  let outAt = 0;
  let answeredFrom = 0;
  let answeredEnd = 0;
  return {
    answered,
    begin(model) {
      const s = model.settings;
      const devices = new Map(model.devices.map((d, i) => [d, i]));
      ready = x.setup(model.points.length, model.devices.length) !== 0;
      laidOut = null;
      answeredEnd = answeredFrom;
      if (!ready) return false;
      hdrAt = x.headerAt() >> 2;
      resAt = x.resultAt() >> 3;
      rowsBase = 0;
      room = 0;
      const np = model.points.length;
      lo = new Float64Array(np);
      hi = new Float64Array(np);
      used = new Float64Array(np);
      shift = new Float64Array(np);
      const captured = new Array<number>(model.devices.length).fill(0);
      for (const p of model.points) {
        const d = devices.get(p.device)!;
        const stage = STAGES[p.stage] ?? -1;
        x.point(p.index, d, stage, p.shiftNs);
        if (stage >= 0) captured[d] |= 1 << stage;
      }
      for (let d = 0; d < model.devices.length; d++) x.device(d, captured[d], model.deviceEndNs.get(model.devices[d]) ?? model.endNs);
      // As the JavaScript analysis multiplies them (seconds * 1e9), so that the sums are the same.
      x.timers(s.tcpHalfClosed * 1e9, s.tcpHandshake * 1e9, s.tcpTimeout * 1e9, s.udpTimeout * 1e9, s.icmpTimeout * 1e9, model.endNs);
      idleTcpNs = s.gwlbIdleTimeout * 1e9;
      idleOtherNs = s.gwlbUdpTimeout * 1e9;
      return true;
    },
    block(lean, from, end) {
      try {
        block(lean, from, end);
      } catch (e) {
        // A trap (a fault of the module's): the block's flows are gathered one by one. Anything
        // else is a fault of this code's, and says so.
        if (!(e instanceof WebAssembly.RuntimeError)) throw e;
        answeredEnd = answeredFrom;
      }
    },
    lean(lean, i, r) {
      try {
        return quiet(lean, i, r);
      } catch (e) {
        // A trap (a fault of the module's): the JavaScript analysis does the flow. Anything else
        // is a fault of this code's, not to be hidden by the analysis doing every flow instead.
        if (!(e instanceof WebAssembly.RuntimeError)) throw e;
        return false;
      }
    },
  };

  /**
   * The block's rows into the module at once, when the block's flows' rows make a run at each
   * point (the model's order is by first packet, as each file's flows are numbered: they do),
   * copied column by column (a memcpy each) rather than row by row for each flow, and every flow
   * of the block answered in one call (quietRange, the lean model laid out in the module); else
   * (rows scattered far apart at a point, no room for the model) each flow's rows are gathered
   * for it.
   */
  function block(lean: LeanModel, from: number, end: number): void {
    answeredEnd = answeredFrom;
    if (!ready) return;
    if (laidOut !== lean) laidOut = layOut(lean) ? lean : null;
    if (laidOut !== lean || end - from > BLOCK_FLOWS) return;
    const points = lean.model.points;
    lo.fill(Infinity);
    hi.fill(-Infinity);
    used.fill(0);
    const most = blockRuns(lean, from, end, maxK, lo, hi, used);
    let n = 0;
    for (let p = 0; p < points.length; p++) {
      if (!(hi[p] > lo[p])) continue;
      if (hi[p] - lo[p] > 2 * used[p] + 4096) return;
      shift[p] = n - lo[p];
      n += hi[p] - lo[p];
    }
    if (n === 0) return;
    // The flows' room first: the block's rows go after it.
    if (most > room) {
      rowsBase = m.rows(most);
      if (!rowsBase) return;
      room = most;
    }
    const at = m.blockArea(n);
    if (!at) return;
    view();
    for (let p = 0; p < points.length; p++) if (hi[p] > lo[p]) copyRun(points[p].ix, lo[p], hi[p], shift[p] + lo[p], at, n, f64, u32, i32);
    for (let p = 0; p < points.length; p++) i32[(blockShiftAt >> 2) + p] = hi[p] > lo[p] ? shift[p] : 0;
    m.quietRange(from, end, n);
    answeredFrom = from;
    answeredEnd = end;
  }

  /**
   * The lean model into the module (leanRoom), as quietRange reads it: its flows' point flows,
   * order and last packets, and per capture point its flows' first grouped rows and records (first
   * packet, client known, client side, reports on a flow, protocol). False when the memory cannot
   * hold it (each flow then through quiet()).
   */
  function layOut(lean: LeanModel): boolean {
    const points = lean.model.points;
    const count = lean.order.length;
    const total = lean.atStart[count];
    const np = points.length;
    let bytes = 4 * (count + 1) + 4 * count + 8 * total + 8 * count + 12 * np + OUT * BLOCK_FLOWS + 64;
    for (const p of points) bytes += 4 * (p.rowStart.length + 1) + PFLOW * p.ix.packedFlows!.count + 16;
    if (bytes > LEAN_TABLE_BYTES) return false;
    const base = m.leanRoom(bytes);
    if (!base) return false;
    rowsBase = 0;
    room = 0;
    view();
    const place = placer(base);
    const atStart = place(4 * (count + 1));
    i32.set(lean.atStart.subarray(0, count + 1), atStart >> 2);
    const order = place(4 * count);
    i32.set(lean.order, order >> 2);
    const pointOf = place(4 * total);
    i32.set(lean.pointOf.subarray(0, total), pointOf >> 2);
    const localOf = place(4 * total);
    i32.set(lean.localOf.subarray(0, total), localOf >> 2);
    const lastNs = place(8 * count);
    f64.set(lean.lastNs.subarray(0, count), lastNs >> 3);
    const rowStarts = place(4 * np);
    const flows = place(4 * np);
    blockShiftAt = place(4 * np);
    outAt = place(OUT * BLOCK_FLOWS);
    for (const p of points) {
      const rs = place(4 * p.rowStart.length);
      i32.set(p.rowStart, rs >> 2);
      u32[(rowStarts >> 2) + p.index] = rs;
      const packed = p.ix.packedFlows!;
      const at = place(PFLOW * packed.count);
      pointRecords(packed.nums, p.ix.flowKeys, packed.count, f64, i32, at);
      u32[(flows >> 2) + p.index] = at;
    }
    m.lean(atStart, order, pointOf, localOf, lastNs, rowStarts, flows, blockShiftAt, outAt, idleTcpNs, idleOtherNs);
    return true;
  }

  /** The hook's lean(): the flow's answer (quietRange's, else its rows gathered into the module and the module's), the record. */
  function quiet(lean: LeanModel, i: number, r: FlowRecords | null): boolean {
    if (i >= answeredFrom && i < answeredEnd) {
      view();
      const a = (outAt >> 2) + (i - answeredFrom) * (OUT >> 2);
      const status = i32[a + 16];
      if (status !== 2) answered.byBlock++;
      if (status === 0) return false;
      if (status === 1) {
        if (r) encodeQuietFlow(r, lean, i, i32[a + 18], i32[a + 17], i32[a + 19] ? leanRelatedFlow(lean, lean.order[i]) : null, f64, a >> 1);
        return true;
      }
      // Rows past the module's room for a flow (block() made room for the block's largest: not
      // expected): gathered, as below.
    }
    const id = lean.order[i];
    const s = lean.atStart[id];
    const k = lean.atStart[id + 1] - s;
    if (!ready || k > maxK) return false;
    const points = lean.model.points;
    const ref = leanRef(lean, id);
    const clientSide = leanClientSide(lean, ref);
    const proto = points[lean.pointOf[s]].ix.flowKeys[lean.localOf[s] * KEY_WORDS] & 0xff;
    const idleNs = proto === 6 ? idleTcpNs : idleOtherNs;
    if (!gather(lean, s, k) || !m.quiet(k, gathered, proto, clientSide, lean.lastNs[id], idleNs)) return false;
    if (r) encodeQuietFlow(r, lean, i, clientSide, ref, leanRelatedFlow(lean, id), f64, resAt);
    return true;
  }

  /** The flow's rows into the module's room for a flow, point by point, row by row (header and columns). */
  function gather(lean: LeanModel, s: number, k: number): boolean {
    const points = lean.model.points;
    const { pointOf, localOf } = lean;
    let total = 0;
    for (let q = s; q < s + k; q++) {
      const rowStart = points[pointOf[q]].rowStart;
      total += rowStart[localOf[q] + 1] - rowStart[localOf[q]];
    }
    if (total > room) {
      rowsBase = m.rows(total);
      if (!rowsBase) return false;
      room = total;
    }
    view();
    // Each point's index and rows, then its rows' grouped columns (gatherRows reads the same).
    const h = hdrAt;
    let t = rowsBase >> 3;
    const sig = (rowsBase >> 2) + 2 * total;
    let at = 0;
    for (let j = 0; j < k; j++) {
      const p = points[pointOf[s + j]];
      const ix = p.ix;
      const from = p.rowStart[localOf[s + j]];
      const to = p.rowStart[localOf[s + j] + 1];
      i32[h + 3 * j] = p.index;
      i32[h + 3 * j + 1] = to - from;
      copyRows(f64, i32, t, sig + at, total, ix.groupT, ix.groupSig, ix.groupIpId, ix.groupBits, from, to);
      t += to - from;
      at += to - from;
    }
    gathered = total;
    return true;
  }
}

/**
 * For the flows of ranks [from, end) with at most maxK points: by point, the first and last grouped
 * row they use (lo, hi) and how many (used); returns the most rows one flow has. A function of its
 * own, the block's one loop over flows (V8 compiles it alone, and at once).
 */
function blockRuns(lean: LeanModel, from: number, end: number, maxK: number, lo: Float64Array, hi: Float64Array, used: Float64Array): number {
  const points = lean.model.points;
  const { order, atStart, pointOf, localOf } = lean;
  let most = 0;
  for (let i = from; i < end; i++) {
    const id = order[i];
    const s = atStart[id];
    const e = atStart[id + 1];
    if (e - s > maxK) continue;
    let total = 0;
    for (let q = s; q < e; q++) {
      const p = pointOf[q];
      const rowStart = points[p].rowStart;
      const a = rowStart[localOf[q]];
      const b = rowStart[localOf[q] + 1];
      if (a < lo[p]) lo[p] = a;
      if (b > hi[p]) hi[p] = b;
      used[p] += b - a;
      total += b - a;
    }
    if (total > most) most = total;
  }
  return most;
}

/** Grouped rows [a, b) of a point into the module's block area at `at` (n rows), from row `o` on: a memcpy per column. */
function copyRun(ix: IndexedCapture, a: number, b: number, o: number, at: number, n: number, f64: Float64Array, u32: Uint32Array, i32: Int32Array): void {
  f64.set(ix.groupT.subarray(a, b), (at >> 3) + o);
  u32.set(ix.groupSig.subarray(a, b), (at >> 2) + 2 * n + o);
  i32.set(ix.groupIpId.subarray(a, b), (at >> 2) + 3 * n + o);
  i32.set(ix.groupBits.subarray(a, b), (at >> 2) + 4 * n + o);
}

/**
 * Rows [from, to) of a capture point's grouped columns into the module's: times (f64 from `t`), and
 * signatures, IP IDs and bits (i32 from `at`, `at + total`, `at + 2 * total`). A function of its
 * own: V8 compiles this loop at once, where in the hook (a larger function) it ran in the
 * interpreter until the whole hook was compiled (tens of milliseconds on the other core).
 */
function copyRows(
  f64: Float64Array,
  i32: Int32Array,
  t: number,
  at: number,
  total: number,
  gt: Float64Array,
  gs: Uint32Array,
  gi: Int32Array,
  gb: Int32Array,
  from: number,
  to: number,
): void {
  for (let g = from; g < to; g++, t++, at++) {
    f64[t] = gt[g];
    i32[at] = gs[g];
    i32[at + total] = gi[g];
    i32[at + 2 * total] = gb[g];
  }
}

/** A capture point's flows' records for quietRange (PFLOW bytes each at `at`): first packet, client known, client side, reports on a flow, protocol. */
function pointRecords(nums: Float64Array, keys: Uint32Array, count: number, f64: Float64Array, i32: Int32Array, at: number): void {
  for (let l = 0, t = at >> 3, w = at >> 2; l < count; l++, t += PFLOW >> 3, w += PFLOW >> 2) {
    const o = l * N.Count;
    f64[t] = nums[o + N.FirstT];
    i32[w + 2] = nums[o + N.ClientKnown];
    i32[w + 3] = nums[o + N.ClientSide];
    i32[w + 4] = nums[o + N.ReportsOn];
    i32[w + 5] = keys[l * KEY_WORDS] & 0xff;
  }
}
