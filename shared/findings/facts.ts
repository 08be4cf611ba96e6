/**
 * What the rules know about one flow: its packets on one clock across every capture point, the
 * devices that carried it and their stages, stage-to-stage alignment per device, and the flow's
 * activity split at idle gaps longer than the GWLB idle timeout.
 */
import type { Evidence, Stage } from '../api/analysis.ts';
import type { CapturePoint, Flow, FlowAtPoint, Model } from '../engine/model.ts';
import { flowRows, isoAt, sideOf, timeOf } from '../engine/model.ts';
import { matchStages, type StageMatch } from '../engine/align.ts';
import { P_COOKIE } from '../engine/capture-index.ts';
import { flowArena } from '../engine/arena.ts';
import { TCP_SYN, TCP_ACK } from '../decode/decoded.ts';

export interface DeviceView {
  device: string;
  /** Capture points of this device that saw the flow, by stage. */
  stage: Partial<Record<Stage, FlowAtPoint>>;
  /** Stages this device was captured at (whether or not they saw the flow). */
  captured: Set<Stage>;
  rxToTx: StageMatch | null;
  rxToDrop: StageMatch | null;
  received: number;
  transmitted: number;
  dropped: number;
  /** Received, neither transmitted nor dropped (only when the device has a transmit capture). */
  unaccounted: number;
  /** Receive-to-transmit latency of matched packets, microseconds: median, or null. */
  latencyUs: number | null;
}

/** The flow's packets from every capture point, sorted by time (parallel arrays). */
export interface Timeline {
  n: number;
  t: Float64Array;
  /** Index into flow.at. */
  at: Int32Array;
  row: Int32Array;
}

export interface Segment {
  /** Events [start, end) of the timeline. */
  start: number;
  end: number;
  devices: Set<string>;
}

export interface FlowFacts {
  flow: Flow;
  devices: Map<string, DeviceView>;
  timeline: Timeline;
  /** Activity split at gaps >= the idle timeout that applies (GWLB TCP or non-TCP). */
  segments: Segment[];
  idleTimeoutS: number;
}

export function stagesByDevice(m: Model): Map<string, Set<Stage>> {
  const out = new Map<string, Set<Stage>>();
  for (const p of m.points) {
    let s = out.get(p.device);
    if (!s) out.set(p.device, (s = new Set()));
    s.add(p.stage);
  }
  return out;
}

/** The facts of one flow. Valid until the next call: their arrays live in the flow arena. */
export function flowFacts(m: Model, flow: Flow, captured: Map<string, Set<Stage>>): FlowFacts {
  flowArena.reset();
  const devices = new Map<string, DeviceView>();
  for (const a of flow.at) {
    let v = devices.get(a.point.device);
    if (!v) {
      v = {
        device: a.point.device,
        stage: {},
        captured: captured.get(a.point.device) ?? new Set(),
        rxToTx: null,
        rxToDrop: null,
        received: 0,
        transmitted: 0,
        dropped: 0,
        unaccounted: 0,
        latencyUs: null,
      };
      devices.set(a.point.device, v);
    }
    // Two captures of one device at one stage (e.g. two files of receive): keep the first; the
    // second still counts in the timeline.
    v.stage[a.point.stage] ??= a;
  }
  for (const v of devices.values()) {
    const rx = v.stage.receive;
    const tx = v.stage.transmit;
    const dp = v.stage.drop;
    v.received = rx ? flowRows(rx).length : 0;
    v.transmitted = tx ? flowRows(tx).length : 0;
    v.dropped = dp ? flowRows(dp).length : 0;
    if (rx && tx) v.rxToTx = matchStages(rx, tx);
    if (rx && dp) v.rxToDrop = matchStages(rx, dp);
    if (rx && v.captured.has('transmit')) {
      let un = 0;
      const rxRows = flowRows(rx);
      const lat = flowArena.float64(rxRows.length);
      let nl = 0;
      for (let k = 0; k < rxRows.length; k++) {
        const txRow = v.rxToTx ? v.rxToTx.matched[k] : -1;
        const dpRow = v.rxToDrop ? v.rxToDrop.matched[k] : -1;
        if (txRow === -1 && dpRow === -1) un++;
        if (txRow !== -1 && tx) lat[nl++] = (timeOf(tx.point, txRow) - timeOf(rx.point, rxRows[k])) / 1e3;
      }
      v.unaccounted = un;
      if (nl) {
        const sorted = lat.subarray(0, nl).sort();
        v.latencyUs = sorted[nl >> 1];
      }
    }
  }
  const timeline = buildTimeline(flow);
  const idleTimeoutS = flow.proto === 6 ? m.settings.gwlbIdleTimeout : m.settings.gwlbUdpTimeout;
  const segments: Segment[] = [];
  let seg: Segment | null = null;
  let lastAt = -1;
  for (let e = 0; e < timeline.n; e++) {
    if (seg === null || timeline.t[e] - timeline.t[e - 1] >= idleTimeoutS * 1e9) {
      seg = { start: e, end: e + 1, devices: new Set() };
      segments.push(seg);
      lastAt = -1;
    }
    seg.end = e + 1;
    // Consecutive events mostly come from the same capture point: add its device once.
    const at = timeline.at[e];
    if (at !== lastAt) seg.devices.add(flow.at[at].point.device);
    lastAt = at;
  }
  return { flow, devices, timeline, segments, idleTimeoutS };
}

const STAGE_RANK: Record<Stage, number> = { receive: 0, firewall: 1, transmit: 2, drop: 3, unknown: 4 };

/**
 * Merges the flow's rows of every capture point (each already in time order) into one timeline:
 * a k-way merge, k = capture points of the flow (a handful). At equal times the receive stage
 * comes first.
 */
function buildTimeline(flow: Flow): Timeline {
  const k = flow.at.length;
  const lists = flow.at.map((a) => flowRows(a));
  const shift = flow.at.map((a) => a.point.shiftNs);
  const tns = flow.at.map((a) => a.point.ix.tNs);
  const rank = flow.at.map((a) => STAGE_RANK[a.point.stage]);
  let n = 0;
  for (const l of lists) n += l.length;
  const t = flowArena.float64(n);
  const at = flowArena.int32(n);
  const row = flowArena.int32(n);
  const head = flowArena.int32(k, 0);
  for (let o = 0; o < n; o++) {
    let best = -1;
    let bt = 0;
    for (let i = 0; i < k; i++) {
      if (head[i] >= lists[i].length) continue;
      const ti = shift[i] + tns[i][lists[i][head[i]]];
      if (best < 0 || ti < bt || (ti === bt && rank[i] < rank[best])) {
        best = i;
        bt = ti;
      }
    }
    t[o] = bt;
    at[o] = best;
    row[o] = lists[best][head[best]++];
  }
  return { n, t, at, row };
}

export function evidenceOf(m: Model, p: CapturePoint, row: number, note?: string): Evidence {
  const e: Evidence = {
    path: p.spec.path,
    device: p.device,
    stage: p.stage,
    frame: row + 1,
    time: isoAt(m, timeOf(p, row)),
  };
  if (note) e.note = note;
  return e;
}

export function eventPoint(f: FlowFacts, e: number): CapturePoint {
  return f.flow.at[f.timeline.at[e]].point;
}

export function eventFlags(f: FlowFacts, e: number): number {
  return eventPoint(f, e).ix.tcpFlags[f.timeline.row[e]];
}

export function eventFromClient(f: FlowFacts, e: number): boolean {
  return sideOf(eventPoint(f, e), f.timeline.row[e]) === f.flow.clientSide;
}

export function eventCookie(f: FlowFacts, e: number): number | null {
  const p = eventPoint(f, e);
  const r = f.timeline.row[e];
  return p.ix.flags[r] & P_COOKIE ? p.ix.cookie[r] : null;
}

export function isSynOnly(flags: number): boolean {
  return (flags & TCP_SYN) !== 0 && (flags & TCP_ACK) === 0;
}

/** Rows of a flow at a capture point whose time lies in [from, to]. */
export function rowsBetween(a: FlowAtPoint, from: number, to: number): number[] {
  const out: number[] = [];
  const rows = flowRows(a);
  for (let k = 0; k < rows.length; k++) {
    const t = timeOf(a.point, rows[k]);
    if (t >= from && t <= to) out.push(rows[k]);
  }
  return out;
}
