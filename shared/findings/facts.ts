/**
 * What the rules know about one flow: its packets on one clock across every capture point, the
 * devices that carried it and their stages, stage-to-stage alignment per device, and the flow's
 * activity split at idle gaps longer than the GWLB idle timeout.
 */
import type { Evidence, Stage } from '../api/analysis.ts';
import type { CapturePoint, Flow, FlowAtPoint, Model } from '../engine/model.ts';
import { flowRows, isoAt } from '../engine/model.ts';
import { gatherRows, matchGathered, type PointRows, type StageMatch } from '../engine/align.ts';
import { P_COOKIE, P_SIDE_B } from '../engine/capture-index.ts';
import { flowArena } from '../engine/arena.ts';
import { cookieAt } from '../engine/packed-flows.ts';
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
  /** TCP flags and per-packet flags, as PointRows.bits. */
  bits: Int32Array;
}

export interface Segment {
  /** Events [start, end) of the timeline. */
  start: number;
  end: number;
  devices: Set<string>;
  /** Times of its first and last events (the timeline's t[start] and t[end - 1]). */
  first: number;
  last: number;
}

export interface FlowFacts {
  flow: Flow;
  /** The flow's rows at each capture point with their times and flags (same order as flow.at). */
  points: PointRows[];
  /** PointRows.anyBits of every point or-ed together. */
  anyBits: number;
  devices: Map<string, DeviceView>;
  /** The same views in the same order, as an array (loops over it allocate nothing). */
  deviceList: DeviceView[];
  /** Merged when first read (most flows' rules and summaries never need it). */
  readonly timeline: Timeline;
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
  const deviceList: DeviceView[] = [];
  // Loops by index here and in the rules: they run for every flow, many of them before V8
  // compiles them, where for-of makes an iterator result per step.
  for (let i = 0; i < flow.at.length; i++) {
    const a = flow.at[i];
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
      deviceList.push(v);
    }
    // Two captures of one device at one stage (e.g. two files of receive): keep the first; the
    // second still counts in the timeline.
    v.stage[a.point.stage] ??= a;
  }
  // A loop, not flow.at.map(gatherRows): map's result array had a different elements kind from
  // one flow to another, and the optimized rules reading `points` were thrown away for it.
  const points: PointRows[] = [];
  let anyBits = 0;
  for (let i = 0; i < flow.at.length; i++) {
    const p = gatherRows(flow.at[i]);
    points.push(p);
    anyBits |= p.anyBits;
  }
  for (let i = 0; i < deviceList.length; i++) accountDevice(flow, points, deviceList[i]);
  const idleTimeoutS = flow.proto === 6 ? m.settings.gwlbIdleTimeout : m.settings.gwlbUdpTimeout;
  const f = new Facts(flow, points, anyBits, devices, deviceList, idleTimeoutS);
  f.segments = oneSegment(points, deviceList, idleTimeoutS * 1e9) ?? splitSegments(flow, f.timeline, idleTimeoutS * 1e9);
  return f;
}

/** FlowFacts with the timeline merged when first read. */
class Facts implements FlowFacts {
  segments: Segment[] = [];
  private tl: Timeline | null = null;
  constructor(
    readonly flow: Flow,
    readonly points: PointRows[],
    readonly anyBits: number,
    readonly devices: Map<string, DeviceView>,
    readonly deviceList: DeviceView[],
    readonly idleTimeoutS: number,
  ) {}
  get timeline(): Timeline {
    return (this.tl ??= buildTimeline(this.flow, this.points));
  }
}

/**
 * The segments without the timeline, when they are sure to be one: a flow of one device whose
 * whole span is shorter than the idle timeout (no gap between two of its packets can be longer).
 */
function oneSegment(points: PointRows[], deviceList: DeviceView[], idleNs: number): Segment[] | null {
  if (deviceList.length !== 1) return null;
  let first = Infinity;
  let last = -Infinity;
  let n = 0;
  for (let i = 0; i < points.length; i++) {
    const t = points[i].t;
    if (t.length === 0) continue;
    first = Math.min(first, t[0]);
    last = Math.max(last, t[t.length - 1]);
    n += t.length;
  }
  if (n === 0 || last - first >= idleNs) return null;
  return [{ start: 0, end: n, devices: new Set([deviceList[0].device]), first, last }];
}

/**
 * A device's stages matched packet by packet (receive to transmit, receive to drop), its counts
 * and receive-to-transmit latency. flowFacts' loops are functions of their own, each compiled
 * once while it runs (docs/decisions.md, "Code shaped so V8 compiles it once").
 */
function accountDevice(flow: Flow, points: PointRows[], v: DeviceView): void {
  const rx = v.stage.receive;
  const tx = v.stage.transmit;
  const dp = v.stage.drop;
  v.received = rx ? flowRows(rx).length : 0;
  v.transmitted = tx ? flowRows(tx).length : 0;
  v.dropped = dp ? flowRows(dp).length : 0;
  const rxRows = rx ? pointRows(flow, points, rx) : null;
  if (rxRows && tx) v.rxToTx = matchGathered(rxRows, pointRows(flow, points, tx));
  if (rxRows && dp) v.rxToDrop = matchGathered(rxRows, pointRows(flow, points, dp));
  if (rxRows && v.captured.has('transmit')) {
    const n = rxRows.t.length;
    // Without a drop stage the unmatched are counted already; with one, rows matched to neither.
    v.unaccounted = v.rxToDrop ? unaccounted(v.rxToTx, v.rxToDrop, n) : v.rxToTx ? n - v.rxToTx.count : n;
    if (v.rxToTx && tx) {
      const txT = pointRows(flow, points, tx).t;
      const rev = v.rxToTx.reverse;
      const lat = flowArena.float64(rev.length);
      let nl = 0;
      for (let j = 0; j < rev.length; j++) if (rev[j] !== -1) lat[nl++] = (txT[j] - rxRows.t[rev[j]]) / 1e3;
      if (nl) v.latencyUs = kth(lat, nl, nl >> 1);
    }
  }
}

/** Receive rows matched to neither the transmit stage (if any) nor the drop stage. */
function unaccounted(toTx: StageMatch | null, toDrop: StageMatch, n: number): number {
  let un = 0;
  for (let k = 0; k < n; k++) if ((toTx === null || toTx.matched[k] === -1) && toDrop.matched[k] === -1) un++;
  return un;
}

/** The flow's activity split at gaps of at least `idleNs`, with the devices of each part. */
function splitSegments(flow: Flow, timeline: Timeline, idleNs: number): Segment[] {
  const segments: Segment[] = [];
  let seg: Segment | null = null;
  // Capture points (by index in flow.at, the first 31) whose device is in the segment already.
  let seen = 0;
  const tt = timeline.t;
  for (let e = 0; e < timeline.n; e++) {
    if (seg === null || tt[e] - tt[e - 1] >= idleNs) {
      seg = { start: e, end: e + 1, devices: new Set(), first: tt[e], last: tt[e] };
      segments.push(seg);
      seen = 0;
    }
    seg.end = e + 1;
    seg.last = tt[e];
    const at = timeline.at[e];
    const bit = at < 31 ? 1 << at : 0;
    if (!(seen & bit)) {
      seg.devices.add(flow.at[at].point.device);
      seen |= bit;
    }
  }
  return segments;
}

/**
 * The k-th smallest of a[0..n) (what a[k] would be after sorting), in linear time on average:
 * Hoare's selection, reordering a in place.
 */
export function kth(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const x = a[i];
        a[i] = a[j];
        a[j] = x;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Order of the stages at equal times (a comparison chain: a keyed lookup deoptimised buildTimeline). */
function stageRank(s: Stage): number {
  return s === 'receive' ? 0 : s === 'firewall' ? 1 : s === 'transmit' ? 2 : s === 'drop' ? 3 : 4;
}

/**
 * Merges the flow's rows of every capture point (each already in time order) into one timeline:
 * a k-way merge, k = capture points of the flow (a handful). At equal times the receive stage
 * comes first.
 */
function buildTimeline(flow: Flow, points: PointRows[]): Timeline {
  const k = flow.at.length;
  const rank = flowArena.int32(k);
  let n = 0;
  for (let i = 0; i < k; i++) {
    rank[i] = stageRank(flow.at[i].point.stage);
    n += points[i].t.length;
  }
  const t = flowArena.float64(n);
  const at = flowArena.int32(n);
  const row = flowArena.int32(n);
  const bits = flowArena.int32(n);
  const tl = { n, t, at, row, bits };
  // Most flows were captured at one or two points (a device's receive and transmit stages).
  if (k === 1) copyPoint(points[0], tl);
  else if (k === 2) mergeTwo(points[0], points[1], rank[1] < rank[0], tl);
  else mergeMany(points, rank, tl);
  return tl;
}

/** The timeline of a flow seen at one capture point: its rows as they are. */
function copyPoint(p: PointRows, tl: Timeline): void {
  tl.t.set(p.t);
  tl.at.fill(0);
  tl.row.set(p.rows);
  tl.bits.set(p.bits);
}

/**
 * The timeline of a flow seen at two capture points: a two-way merge; at equal times point b
 * comes first only if its stage ranks first (`bFirst`), as in mergeMany.
 */
function mergeTwo(a: PointRows, b: PointRows, bFirst: boolean, tl: Timeline): void {
  const { t, at, row, bits } = tl;
  const ta = a.t;
  const tb = b.t;
  const na = ta.length;
  const nb = tb.length;
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < na && j < nb) {
    const x = ta[i];
    const y = tb[j];
    if (y < x || (y === x && bFirst)) {
      t[o] = y;
      at[o] = 1;
      row[o] = b.rows[j];
      bits[o++] = b.bits[j++];
    } else {
      t[o] = x;
      at[o] = 0;
      row[o] = a.rows[i];
      bits[o++] = a.bits[i++];
    }
  }
  for (; i < na; i++, o++) {
    t[o] = ta[i];
    at[o] = 0;
    row[o] = a.rows[i];
    bits[o] = a.bits[i];
  }
  for (; j < nb; j++, o++) {
    t[o] = tb[j];
    at[o] = 1;
    row[o] = b.rows[j];
    bits[o] = b.bits[j];
  }
}

/** The k-way merge (k > 2): the least (time, stage rank, point) first. */
function mergeMany(points: PointRows[], rank: Int32Array, tl: Timeline): void {
  const { n, t, at, row, bits } = tl;
  const k = points.length;
  const head = flowArena.int32(k, 0);
  // The time of each point's next row (Infinity once all are taken): the scan below reads two
  // small typed arrays, not the points' rows.
  const next = flowArena.float64(k);
  for (let i = 0; i < k; i++) next[i] = points[i].t.length ? points[i].t[0] : Infinity;
  for (let o = 0; o < n; o++) {
    // The least (time, stage rank, point): ties keep the earlier point.
    let best = 0;
    let bt = next[0];
    let br = rank[0];
    for (let i = 1; i < k; i++) {
      const ti = next[i];
      // Loaded and compared on every pass: code only reached on ties (rare) had no type feedback
      // when V8 compiled this loop, and the first tie threw the compiled code away.
      const ri = rank[i];
      const ranksFirst = ri < br;
      if (ti < bt || (ti === bt && ranksFirst)) {
        best = i;
        bt = ti;
        br = ri;
      }
    }
    const h = head[best]++;
    const p = points[best];
    t[o] = bt;
    at[o] = best;
    row[o] = p.rows[h];
    bits[o] = p.bits[h];
    next[best] = h + 1 < p.t.length ? p.t[h + 1] : Infinity;
  }
}

/** Evidence: packet `row` of capture point p, at time t (common clock, as PointRows.t and Timeline.t). */
export function evidenceOf(m: Model, p: CapturePoint, row: number, t: number, note?: string): Evidence {
  const e: Evidence = {
    path: p.spec.path,
    device: p.device,
    stage: p.stage,
    frame: row + 1,
    time: isoAt(m, t),
  };
  if (note) e.note = note;
  return e;
}

export function eventPoint(f: FlowFacts, e: number): CapturePoint {
  return f.flow.at[f.timeline.at[e]].point;
}

export function eventFlags(f: FlowFacts, e: number): number {
  return f.timeline.bits[e] & 0xffff;
}

export function eventFromClient(f: FlowFacts, e: number): boolean {
  return sideOfBits(f.timeline.bits[e]) === f.flow.clientSide;
}

export function eventCookie(f: FlowFacts, e: number): number | null {
  return f.timeline.bits[e] & (P_COOKIE << 16) ? cookieAt(f.flow.at[f.timeline.at[e]].pf, f.timeline.row[e]) : null;
}

/** The gathered rows of one of the flow's capture points. */
export function rowsAt(f: FlowFacts, a: FlowAtPoint): PointRows {
  return pointRows(f.flow, f.points, a);
}

function pointRows(flow: Flow, points: PointRows[], a: FlowAtPoint): PointRows {
  return points[flow.at.indexOf(a)];
}

/** The sender's canonical side (0 = A, 1 = B) in PointRows.bits / Timeline.bits. */
export function sideOfBits(bits: number): number {
  return bits & (P_SIDE_B << 16) ? 1 : 0;
}

export function isSynOnly(flags: number): boolean {
  return (flags & TCP_SYN) !== 0 && (flags & TCP_ACK) === 0;
}

/** Rows of a flow at a capture point whose time lies in [from, to], with their times. */
export function rowsBetween(f: FlowFacts, a: FlowAtPoint, from: number, to: number): { row: number; t: number }[] {
  const out: { row: number; t: number }[] = [];
  const { rows, t } = rowsAt(f, a);
  for (let k = 0; k < rows.length; k++) if (t[k] >= from && t[k] <= to) out.push({ row: rows[k], t: t[k] });
  return out;
}
