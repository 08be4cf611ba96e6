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
import type { QuietFlows } from '../engine/analyze.ts';
import { encodeQuietFlow, type FlowRecords } from '../engine/flow-records.ts';
import { KEY_WORDS } from '../engine/flow-table.ts';
import { leanClientSide, leanRef, leanRelatedFlow, type LeanModel } from '../engine/model.ts';
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
  let ready = false;
  // The module's header and result areas (fixed by setup()), and the rows it has room for: one
  // call into the module per flow (quiet()), rows() only when a flow needs more room.
  let hdrAt = 0;
  let resAt = 0;
  let rowsBase = 0;
  let room = 0;
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
    lean(lean, i, r) {
      try {
        return quiet(lean, i, r);
      } catch {
        // A trap (a fault of the module's): the JavaScript analysis does the flow.
        return false;
      }
    },
  };

  /** The hook's lean(): the flow's rows into the module, its answer, the record. */
  function quiet(lean: LeanModel, i: number, r: FlowRecords | null): boolean {
    const id = lean.order[i];
    const s = lean.atStart[id];
    const k = lean.atStart[id + 1] - s;
    if (!ready || k > maxK) return false;
    const points = lean.model.points;
    const pointOf = lean.pointOf;
    const localOf = lean.localOf;
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
    const base = rowsBase;
    if (m.memory.buffer !== buffer) {
      buffer = m.memory.buffer;
      f64 = new Float64Array(buffer);
      i32 = new Int32Array(buffer);
    }
    // Each point's index and rows, then its rows' grouped columns (gatherRows reads the same).
    const h = hdrAt;
    let t = base >> 3;
    const sig = (base >> 2) + 2 * total;
    let at = 0;
    for (let j = 0; j < k; j++) {
      const p = points[pointOf[s + j]];
      const ix = p.ix;
      const from = p.rowStart[localOf[s + j]];
      const to = p.rowStart[localOf[s + j] + 1];
      i32[h + 2 * j] = p.index;
      i32[h + 2 * j + 1] = to - from;
      copyRows(f64, i32, t, sig + at, total, ix.groupT, ix.groupSig, ix.groupIpId, ix.groupBits, from, to);
      t += to - from;
      at += to - from;
    }
    const ref = leanRef(lean, id);
    const clientSide = leanClientSide(lean, ref);
    const proto = points[pointOf[s]].ix.flowKeys[localOf[s] * KEY_WORDS] & 0xff;
    if (!m.quiet(k, total, proto, clientSide, lean.lastNs[id], proto === 6 ? idleTcpNs : idleOtherNs)) return false;
    if (r) encodeQuietFlow(r, lean, i, clientSide, ref, leanRelatedFlow(lean, id), f64, resAt);
    return true;
  }
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
