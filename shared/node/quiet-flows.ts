/**
 * The analysis's QuietFlows hook by WebAssembly (wasm/flow-quiet.ts), for the CLI's analysis
 * threads: each flow of a lean model (no objects made for it) has its rows gathered into the
 * module's memory, and when the module finds the flow quiet (one device, one stretch of activity,
 * nothing any rule reports), its record is written from what the module worked out
 * (encodeQuietFlow); every other flow is made an object and goes through the JavaScript analysis,
 * which stays the reference (tests/engine/quiet-flows.test.ts holds the two to the same
 * records).
 */
import type { Stage } from '../api/analysis.ts';
import type { IndexedCapture } from '../engine/capture-index.ts';
import type { QuietFlows } from '../engine/analyze.ts';
import { encodeQuietFlow, type FlowRecords } from '../engine/flow-records.ts';
import { KEY_WORDS } from '../engine/flow-table.ts';
import { leanClientSide, leanRef, leanRelatedFlow, type CapturePoint, type LeanModel } from '../engine/model.ts';
import { instantiate } from './wasm-module.ts';

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
  quietBlock(k: number, blockN: number, proto: number, clientSide: number, lastNs: number, idleNs: number): number;
}

/** The module's numbers for the stages. */
const STAGES: Record<Stage, number> = { receive: 0, firewall: 1, transmit: 2, drop: 3, unknown: 4 };

/** The hook, with an instance of the module for this thread; null without the module (not built, STAGEDIFF_WASM=0). */
export function wasmQuietFlows(): QuietFlows | null {
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
  // The current block's rows in the module (block()): how many (0: none, each flow's rows are
  // gathered for it), and by point where its rows start there less its first row's place.
  let blockN = 0;
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
  return {
    begin(model) {
      const s = model.settings;
      const devices = new Map(model.devices.map((d, i) => [d, i]));
      ready = x.setup(model.points.length, model.devices.length) !== 0;
      if (!ready) return false;
      hdrAt = x.headerAt() >> 2;
      resAt = x.resultAt() >> 3;
      rowsBase = 0;
      room = 0;
      blockN = 0;
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
        blockN = 0;
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
   * copied column by column (a memcpy each) rather than row by row for each flow; else (rows
   * scattered far apart at a point) each flow's rows are gathered for it.
   */
  function block(lean: LeanModel, from: number, end: number): void {
    blockN = 0;
    if (!ready) return;
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
    blockN = n;
  }

  /** The hook's lean(): the flow's rows into the module, its answer, the record. */
  function quiet(lean: LeanModel, i: number, r: FlowRecords | null): boolean {
    const id = lean.order[i];
    const s = lean.atStart[id];
    const k = lean.atStart[id + 1] - s;
    if (!ready || k > maxK) return false;
    const points = lean.model.points;
    const ref = leanRef(lean, id);
    const clientSide = leanClientSide(lean, ref);
    const proto = points[lean.pointOf[s]].ix.flowKeys[lean.localOf[s] * KEY_WORDS] & 0xff;
    const idleNs = proto === 6 ? idleTcpNs : idleOtherNs;
    // The block's rows in the module (the header says where each point's are), else this flow's
    // gathered for it.
    const total = blockN > 0 ? blockHeader(points, lean.pointOf, lean.localOf, s, k, i32, hdrAt, shift) : -1;
    const ok =
      total >= 0 && total <= room
        ? m.quietBlock(k, blockN, proto, clientSide, lean.lastNs[id], idleNs)
        : gather(lean, s, k) && m.quiet(k, gathered, proto, clientSide, lean.lastNs[id], idleNs);
    if (!ok) return false;
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
      // The block's rows were after the flow's room: the rest of the block is gathered flow by flow.
      blockN = 0;
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
 * The header of a flow whose rows are in the module's block (points s .. s + k of the lean model):
 * each point's index, its rows and where they start in the block. Returns the flow's rows.
 */
function blockHeader(points: CapturePoint[], pointOf: Int32Array, localOf: Int32Array, s: number, k: number, i32: Int32Array, h: number, shift: Float64Array): number {
  let total = 0;
  for (let j = 0; j < k; j++) {
    const p = pointOf[s + j];
    const rowStart = points[p].rowStart;
    const from = rowStart[localOf[s + j]];
    const n = rowStart[localOf[s + j] + 1] - from;
    i32[h + 3 * j] = points[p].index;
    i32[h + 3 * j + 1] = n;
    i32[h + 3 * j + 2] = shift[p] + from;
    total += n;
  }
  return total;
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
