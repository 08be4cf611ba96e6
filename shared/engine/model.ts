/**
 * The analysis model: every capture point's index, the flows merged across capture points by
 * inner 5-tuple, and packet times on one clock (nanoseconds since a common base, after each
 * device's clock offset). The rules read this; nothing here allocates per packet except the
 * per-flow row lists (Int32Array views into one array per capture).
 */
import type { Stage } from '../api/analysis.ts';
import type { CaptureSpec } from './labels.ts';
import { N, runningSums, type FlowState, type IndexedCapture } from './capture-index.ts';
import { hasCookies, PackedPointFlow, viewIndex } from './packed-flows.ts';
import { FlowTable, KEY_WORDS } from './flow-table.ts';
import { endpointText, ipv4FromU32, ipv6Text, isoText } from '../format/addr.ts';
import type { Settings } from './settings.ts';
import { joinNat, type NatJoin } from './nat.ts';

export interface CapturePoint {
  index: number;
  spec: CaptureSpec;
  ix: IndexedCapture;
  device: string;
  stage: Stage;
  /** Added to ix.tNs to get the common clock: (baseSec - commonBase) * 1e9 + offset. */
  shiftNs: number;
  /** rows of each local flow, grouped: rows[rowStart[f] .. rowStart[f+1]) in time order. */
  rowStart: Int32Array;
  rows: Int32Array;
}

export interface FlowAtPoint {
  point: CapturePoint;
  local: number;
  pf: FlowState;
  /** Joined from another 5-tuple: the device translated the addresses (NAT). */
  nat?: boolean;
  /** Turned around to match the receive stage (NAT): `pf` is this thread's own flipped copy. */
  flipped?: boolean;
  /** flowRows(this), once asked for. */
  rows?: Int32Array;
}

export interface Flow {
  id: string;
  /**
   * The inner 5-tuple as flow-table key words: keys[keyAt .. keyAt + KEY_WORDS) of the first
   * capture point that saw it (its flowKeys; no view made per flow).
   */
  keys: Uint32Array;
  keyAt: number;
  version: number;
  proto: number;
  /** Canonical side (0 = A, 1 = B) that is the client. */
  clientSide: number;
  client: string;
  server: string;
  clientAddr: string;
  serverAddr: string;
  at: FlowAtPoint[];
  firstNs: number;
  lastNs: number;
  /** Any GENEVE flow cookie seen. */
  tunnelled: boolean;
  /** Translations seen at later stages of a device (NAT): the endpoints there (NO_NAT: none). */
  nat: { device: string; stage: string; client: string; server: string }[];
  /** ICMP errors: the flow they report on (its key words), resolved to an id in `relatedFlow`. */
  reportsOn: Uint32Array | null;
  relatedFlow: string | null;
  /** The capture point whose view names the endpoints (describeFlow). */
  ref: FlowAtPoint | null;
}

export interface Model {
  points: CapturePoint[];
  flows: Flow[];
  /** The translated (NAT) views joined into each flow, for describeFlow. */
  natJoins: Map<Flow, NatJoin[]>;
  baseSec: number;
  settings: Settings;
  clockOffsets: Record<string, number>;
  /** First and last packet time over all captures (common clock). */
  startNs: number;
  endNs: number;
  /** Last packet time per device (common clock). */
  deviceEndNs: Map<string, number>;
  devices: string[];
}

/** A flow's `nat` when it has no translations: one frozen array (pushing to it throws). */
const NO_NAT = Object.freeze([]) as unknown as Flow['nat'];

export const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6', 132: 'sctp' };

export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? String(p);
}

/** A packet time on the common clock as ISO-8601 UTC with nanoseconds. */
export function isoAt(m: Model, ns: number): string {
  const whole = Math.floor(ns / 1e9);
  return isoText(m.baseSec + whole, Math.round(ns - whole * 1e9));
}

/** A packet's time on the common clock, by row (not for lean indexes: the rules use PointRows.t). */
export function timeOf(p: CapturePoint, row: number): number {
  return p.shiftNs + p.ix.tNs[row];
}

function addrText(version: number, words: Uint32Array, at: number): string {
  if (version === 4) return ipv4FromU32(words[at]);
  const b = new Uint8Array(16);
  for (let w = 0; w < 4; w++) {
    const v = words[at + w];
    b[4 * w] = v >>> 24;
    b[4 * w + 1] = (v >>> 16) & 255;
    b[4 * w + 2] = (v >>> 8) & 255;
    b[4 * w + 3] = v & 255;
  }
  return ipv6Text(b, 0);
}

/** Seconds between the common clock's origin and the first capture's first second (see buildModel). */
export const CLOCK_LEAD_S = 4;

/**
 * The ids buildModel gives the capture points' flows (one table over every point's keys, ids in
 * the order keys come), worked out elsewhere: the CLI's WebAssembly (shared/node/flow-ids.ts).
 * Null when it cannot (buildModel then uses its FlowTable).
 */
export type FlowIds = (points: { keys: Uint32Array; flows: number }[], expected: number) => { ids: Int32Array[]; count: number } | null;
let flowIds: FlowIds | null = null;

/** Sets (or with null clears) where buildModel gets its flow ids from. */
export function useFlowIds(f: FlowIds | null): void {
  flowIds = f;
}

/**
 * `describe`: whether to work out every flow's endpoints (client, server, their text, NAT views)
 * now; without, the caller runs describeFlow on each flow before it looks at it (a worker that
 * analyses one flow at a time: the text it makes then lives only while its flow does, instead of
 * surviving, and being copied by the garbage collector, for the whole analysis).
 */
export function buildModel(
  inputs: { spec: CaptureSpec; ix: IndexedCapture }[],
  settings: Settings,
  clockOffsets: Record<string, number>,
  describe = true,
): Model {
  // An index whose flows are still packed only (a lean index, or one posted between threads) is
  // read through views of its packed table.
  for (const x of inputs) if (x.ix.packedFlows && x.ix.flows.length === 0) viewIndex(x.ix);
  const frame = modelFrame(inputs, settings, clockOffsets);
  const points = frame.points;
  // Flows merged across capture points by their key words (a hash table on the words, no
  // strings): table id -> flow. Each loop is a function of its own: V8 compiles a long loop of a
  // function that runs once on the stack (OSR), and code after it in the same function, not run
  // yet, threw that code away again (docs/decisions.md, "Code shaped so V8 compiles it once").
  // First every point flow's table id and each id's number of points, then the flows, each
  // `at` made to size (an array pushed to keeps room for 17).
  const expected = expectedFlows(points.map((p) => p.ix.flows.length));
  const fast = flowIds?.(points.map((p) => ({ keys: p.ix.flowKeys, flows: p.ix.flows.length })), expected) ?? null;
  let table: FlowTable | null = null;
  let ids: Int32Array[];
  let count: number;
  if (fast) ({ ids, count } = fast);
  else {
    table = new FlowTable(expected);
    ids = points.map((p) => new Int32Array(p.ix.flows.length));
    for (const p of points) assignIds(p.ix, table, ids[p.index]);
    count = table.count;
  }
  const sizes = new Int32Array(count);
  for (const p of points) countPoints(ids[p.index], sizes);
  const filled = new Int32Array(count);
  const byId: Flow[] = new Array(count);
  let flows: Flow[] = [];
  for (const p of points) mergePoint(p, ids[p.index], byId, sizes, filled, flows);
  const nat = joinNat(flows, orphanDevices(points, ids, count));
  flows = nat.flows;
  flows.sort((a, b) => a.firstNs - b.firstNs || compareKeys(a, b));
  nameFlows(flows);
  if (describe) describeFlows(flows, nat.joins);
  relateFlows(flows, table, byId);
  return { ...frame, flows, natJoins: nat.joins };
}

/**
 * The table is sized for each flow seen at two points (a device's receive and transmit stages), at
 * least for the largest point: it rarely grows (rehashing) while merging, and is not sized for
 * every point's flows being distinct (its slots, all touched, would be several times what a
 * million flows need).
 */
function expectedFlows(perPoint: number[]): number {
  const largest = perPoint.reduce((n, f) => Math.max(n, f), 0);
  const total = perPoint.reduce((n, f) => n + f, 0);
  return Math.max(largest, Math.ceil(total / 2));
}

/** A model without its flows: the capture points on the common clock, the times' range, the devices. */
function modelFrame(inputs: { spec: CaptureSpec; ix: IndexedCapture }[], settings: Settings, clockOffsets: Record<string, number>): Omit<Model, 'flows' | 'natJoins'> {
  const withPackets = inputs.filter((x) => x.ix.packets > 0);
  // The common clock starts CLOCK_LEAD_S seconds before the first capture's first second, so that
  // every time on it is past 2^31 ns from the start: V8 then sees float64 times from the first
  // flow on. With the first seconds' times small integers, code optimized on them was thrown
  // away at the first time past 2.147 s (an add that overflowed, a Segment's fields widened
  // from small integers), and compiled again. Only the origin moves: every time printed is the
  // same instant.
  const baseSec = (withPackets.length ? Math.min(...withPackets.map((x) => x.ix.baseSec)) : 0) - CLOCK_LEAD_S;
  const points: CapturePoint[] = inputs.map((x, index) => {
    const { rowStart, rows } = x.ix;
    const off = clockOffsets[x.spec.device] ?? 0;
    return {
      index,
      spec: x.spec,
      ix: x.ix,
      device: x.spec.device,
      stage: x.spec.stage,
      shiftNs: (x.ix.baseSec - baseSec) * 1e9 + Math.round(off * 1e9),
      rowStart,
      rows,
    };
  });
  let startNs = Infinity;
  let endNs = -Infinity;
  const deviceEndNs = new Map<string, number>();
  for (const p of points) {
    const ix = p.ix;
    if (ix.packets > 0) {
      const hi = ix.lastNs + p.shiftNs;
      startNs = Math.min(startNs, ix.firstNs + p.shiftNs);
      endNs = Math.max(endNs, hi);
      deviceEndNs.set(p.device, Math.max(deviceEndNs.get(p.device) ?? -Infinity, hi));
    }
  }
  return {
    points,
    baseSec,
    settings,
    clockOffsets,
    startNs: startNs === Infinity ? 0 : startNs,
    endNs: endNs === -Infinity ? 0 : endNs,
    deviceEndNs,
    devices: [...new Set(points.map((p) => p.device))],
  };
}

/**
 * A model whose flows are not objects yet: what buildModel (describe false) works out of them,
 * in typed arrays. For the CLI's analysis threads with a QuietFlows hook (analyzePart), where
 * most flows never need objects of their own: leanFlow() makes one for a flow that does. Null
 * when the full model is needed: an index not packed, no FlowIds hook, or a device with a
 * translated (NAT) view to join.
 */
export interface LeanModel {
  model: Model;
  /** Flow ids by rank in the model's order (f1, f2, ...). */
  order: Int32Array;
  /** By id: its capture points' flows in point order, pointOf/localOf[atStart[id] .. atStart[id + 1]). */
  atStart: Int32Array;
  pointOf: Int32Array;
  localOf: Int32Array;
  firstNs: Float64Array;
  lastNs: Float64Array;
  /** By id: its rank (order's inverse), once an ICMP error's flow is looked up. */
  rankOf: Int32Array | null;
  /** Every flow's key, by id, once an ICMP error's flow is looked up. */
  table: FlowTable | null;
}

export function leanModel(inputs: { spec: CaptureSpec; ix: IndexedCapture }[], settings: Settings, clockOffsets: Record<string, number>): LeanModel | null {
  if (!flowIds || inputs.some((x) => !x.ix.packedFlows || x.ix.flows.length > 0)) return null;
  const frame = modelFrame(inputs, settings, clockOffsets);
  const points = frame.points;
  const perPoint = points.map((p) => p.ix.packedFlows!.count);
  const fast = flowIds(points.map((p, i) => ({ keys: p.ix.flowKeys, flows: perPoint[i] })), expectedFlows(perPoint));
  if (!fast) return null;
  const { ids, count } = fast;
  if (orphanDevices(points, ids, count).size > 0) return null;
  const atStart = new Int32Array(count + 1);
  for (const p of points) countPoints(ids[p.index], atStart.subarray(1));
  runningSums(atStart, count);
  const pointOf = new Int32Array(atStart[count]);
  const localOf = new Int32Array(atStart[count]);
  const firstNs = new Float64Array(count).fill(Infinity);
  const lastNs = new Float64Array(count).fill(-Infinity);
  const fill = atStart.slice(0, count);
  for (const p of points) leanPoint(p, ids[p.index], fill, pointOf, localOf, firstNs, lastNs);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const lean: LeanModel = { model: { ...frame, flows: [], natJoins: new Map() }, order, atStart, pointOf, localOf, firstNs, lastNs, rankOf: null, table: null };
  // buildModel's order: by first packet, then key words.
  order.sort((a, b) => firstNs[a] - firstNs[b] || compareKeyWords(leanKeys(lean, a), leanKeyAt(lean, a), leanKeys(lean, b), leanKeyAt(lean, b)));
  return lean;
}

/** A lean model's flow's key words: in these words (its first capture point's), at leanKeyAt. */
function leanKeys(lean: LeanModel, id: number): Uint32Array {
  return lean.model.points[lean.pointOf[lean.atStart[id]]].ix.flowKeys;
}

function leanKeyAt(lean: LeanModel, id: number): number {
  return lean.localOf[lean.atStart[id]] * KEY_WORDS;
}

/** One capture point's flows into a lean model: where each id's point flows go, its first and last packet. */
function leanPoint(p: CapturePoint, ids: Int32Array, fill: Int32Array, pointOf: Int32Array, localOf: Int32Array, firstNs: Float64Array, lastNs: Float64Array): void {
  const nums = p.ix.packedFlows!.nums;
  const shift = p.shiftNs;
  for (let f = 0; f < ids.length; f++) {
    const id = ids[f];
    const q = fill[id]++;
    pointOf[q] = p.index;
    localOf[q] = f;
    const first = nums[f * N.Count + N.FirstT] + shift;
    const last = nums[f * N.Count + N.LastT] + shift;
    if (first < firstNs[id]) firstNs[id] = first;
    if (last > lastNs[id]) lastNs[id] = last;
  }
}

/**
 * The lean model's flow of rank i as a Flow, described (describeFlow, without text), as
 * buildModel and analyzePart would have it.
 */
export function leanFlow(lean: LeanModel, i: number): Flow {
  const id = lean.order[i];
  const points = lean.model.points;
  const s = lean.atStart[id];
  const at = new Array<FlowAtPoint>(lean.atStart[id + 1] - s);
  let tunnelled = false;
  let reportsOn: Uint32Array | null = null;
  for (let k = 0; k < at.length; k++) {
    const p = points[lean.pointOf[s + k]];
    const pf = new PackedPointFlow(p.ix.packedFlows!, lean.localOf[s + k]);
    at[k] = { point: p, local: lean.localOf[s + k], pf, rows: undefined };
    if (hasCookies(pf)) tunnelled = true;
    if (reportsOn === null) reportsOn = pf.reportsOn;
  }
  const flow = newFlow(at[0].point.ix.flowKeys, at[0].local * KEY_WORDS, at[0].pf.clientSide, at, lean.firstNs[id], lean.lastNs[id]);
  flow.id = `f${i + 1}`;
  flow.tunnelled = tunnelled;
  flow.reportsOn = reportsOn;
  flow.relatedFlow = reportsOn ? leanRelated(lean, reportsOn) : null;
  describeFlow(flow, undefined, false);
  return flow;
}

/**
 * describeFlow of a lean model's flow (by id): where (in pointOf/localOf) the point flow is that
 * names its endpoints: the earliest that knows the client, else the earliest (the first on ties).
 */
export function leanRef(lean: LeanModel, id: number): number {
  let ref = -1;
  let refKnown = false;
  let refT = Infinity;
  for (let q = lean.atStart[id]; q < lean.atStart[id + 1]; q++) {
    const p = lean.model.points[lean.pointOf[q]];
    const nums = p.ix.packedFlows!.nums;
    const o = lean.localOf[q] * N.Count;
    const known = nums[o + N.ClientKnown] === 1;
    const t = nums[o + N.FirstT] + p.shiftNs;
    if (ref < 0 || (known && !refKnown) || (known === refKnown && t < refT)) {
      ref = q;
      refKnown = known;
      refT = t;
    }
  }
  return ref;
}

/** The client's side (0 = A, 1 = B) as the point flow at `q` (leanRef) has it. */
export function leanClientSide(lean: LeanModel, q: number): number {
  return lean.model.points[lean.pointOf[q]].ix.packedFlows!.nums[lean.localOf[q] * N.Count + N.ClientSide];
}

/** relateFlows for a lean model's flow (by id): the flow its first ICMP error quotes, or null. */
export function leanRelatedFlow(lean: LeanModel, id: number): string | null {
  for (let q = lean.atStart[id]; q < lean.atStart[id + 1]; q++) {
    const packed = lean.model.points[lean.pointOf[q]].ix.packedFlows!;
    const l = lean.localOf[q];
    if (packed.nums[l * N.Count + N.ReportsOn] === 1) return leanRelated(lean, packed.reportsOn.subarray(l * KEY_WORDS, (l + 1) * KEY_WORDS));
  }
  return null;
}

/** The id (f1, ...) of the lean model's flow with these key words (relateFlows), null when none. */
function leanRelated(lean: LeanModel, key: Uint32Array): string | null {
  if (!lean.table) {
    const n = lean.order.length;
    lean.table = tableOf(n, (id) => leanKeys(lean, id).subarray(leanKeyAt(lean, id), leanKeyAt(lean, id) + KEY_WORDS));
    lean.rankOf = new Int32Array(n);
    for (let i = 0; i < n; i++) lean.rankOf[lean.order[i]] = i;
  }
  lean.table.probe.set(key);
  const id = lean.table.lookupOrAdd();
  return id < lean.order.length ? `f${lean.rankOf![id] + 1}` : null;
}

/**
 * Devices with a later-stage view (firewall, transmit, drop) of a flow whose receive stage never
 * saw that 5-tuple: a translation (NAT) to join. Only devices whose receive stage saw any flow.
 * From the points' flow ids (typed arrays, no objects).
 */
function orphanDevices(points: CapturePoint[], ids: Int32Array[], count: number): Set<string> {
  const out = new Set<string>();
  for (const device of new Set(points.map((p) => p.device))) {
    const receive = points.filter((p) => p.device === device && p.stage === 'receive' && ids[p.index].length > 0);
    const later = points.filter((p) => p.device === device && p.stage !== 'receive' && p.stage !== 'unknown');
    if (receive.length === 0 || later.length === 0) continue;
    const seen = new Uint8Array(count);
    for (const r of receive) markIds(ids[r.index], seen);
    if (later.some((p) => !allMarked(ids[p.index], seen))) out.add(device);
  }
  return out;
}

function markIds(ids: Int32Array, seen: Uint8Array): void {
  for (let f = 0; f < ids.length; f++) seen[ids[f]] = 1;
}

function allMarked(ids: Int32Array, seen: Uint8Array): boolean {
  for (let f = 0; f < ids.length; f++) if (seen[ids[f]] === 0) return false;
  return true;
}

/** The table id of each of a capture point's flows (its key looked up, added when new). */
function assignIds(ix: IndexedCapture, table: FlowTable, ids: Int32Array): void {
  const keys = ix.flowKeys;
  const probe = table.probe;
  for (let f = 0; f < ids.length; f++) {
    const k0 = f * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) probe[w] = keys[k0 + w];
    ids[f] = table.lookupOrAdd();
  }
}

/** How many capture points each table id has (sizes[id]). */
function countPoints(ids: Int32Array, sizes: Int32Array): void {
  for (let f = 0; f < ids.length; f++) sizes[ids[f]]++;
}

/** Adds one capture point's flows to the model's: a new flow per id not seen yet. */
function mergePoint(p: CapturePoint, ids: Int32Array, byId: Flow[], sizes: Int32Array, filled: Int32Array, flows: Flow[]): void {
  const ix = p.ix;
  const keys = ix.flowKeys;
  for (let f = 0; f < ids.length; f++) {
    const id = ids[f];
    const pf = ix.flows[f];
    let flow = byId[id];
    const first = pf.firstT + p.shiftNs;
    const last = pf.lastT + p.shiftNs;
    if (flow === undefined) {
      flow = newFlow(keys, f * KEY_WORDS, pf.clientSide, new Array<FlowAtPoint>(sizes[id]), first, last);
      byId[id] = flow;
      flows.push(flow);
    }
    flow.at[filled[id]++] = { point: p, local: f, pf, rows: undefined };
    flow.firstNs = Math.min(flow.firstNs, first);
    flow.lastNs = Math.max(flow.lastNs, last);
    if (hasCookies(pf)) flow.tunnelled = true;
    // The first point's report wins (a packed view's reportsOn makes a copy each time it is read).
    if (flow.reportsOn === null) flow.reportsOn = pf.reportsOn;
  }
}

/** A flow of these key words (keys[keyAt...]) and capture points, not named nor described yet. */
function newFlow(keys: Uint32Array, keyAt: number, clientSide: number, at: FlowAtPoint[], firstNs: number, lastNs: number): Flow {
  return {
    id: '',
    keys,
    keyAt,
    version: keys[keyAt] >>> 8,
    proto: keys[keyAt] & 0xff,
    clientSide,
    client: '',
    server: '',
    // Set once the client is known (describeFlow).
    clientAddr: '',
    serverAddr: '',
    at,
    firstNs,
    lastNs,
    tunnelled: false,
    nat: NO_NAT,
    reportsOn: null,
    relatedFlow: null,
    ref: null,
  };
}

/** Ids in time order: f1, f2, ... */
function nameFlows(flows: Flow[]): void {
  for (let i = 0; i < flows.length; i++) flows[i].id = `f${i + 1}`;
}

function describeFlows(flows: Flow[], joins: Map<Flow, NatJoin[]>): void {
  for (let i = 0; i < flows.length; i++) describeFlow(flows[i], joins.get(flows[i]));
}

/** ICMP errors: the id of the flow each reports on, when the captures have it. */
function relateFlows(flows: Flow[], table: FlowTable | null, byId: Flow[]): void {
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i];
    if (f.reportsOn === null) continue;
    // Ids from a FlowIds hook: a table of the same keys in id order gives the same ids.
    table ??= tableOf(byId.length, (id) => byId[id].keys.subarray(byId[id].keyAt, byId[id].keyAt + KEY_WORDS));
    table.probe.set(f.reportsOn);
    // A key the captures do not have is added by the lookup: a second error quoting it finds it,
    // with no flow of its own.
    const id = table.lookupOrAdd();
    f.relatedFlow = id < byId.length ? byId[id].id : null;
  }
}

/** A FlowTable of n flows' key words in id order (the ids a FlowIds hook gave them). */
function tableOf(n: number, keyOf: (id: number) => Uint32Array): FlowTable {
  const t = new FlowTable(n);
  for (let id = 0; id < n; id++) {
    t.probe.set(keyOf(id));
    t.lookupOrAdd();
  }
  return t;
}

/**
 * The flow's client and server, and the endpoints its translations (NAT) show (`joins`:
 * model.natJoins.get(flow)). Once per flow, before its facts: it sets which side is the client at
 * every capture point.
 */
export function describeFlow(
  flow: Flow,
  joins: NatJoin[] | undefined,
  /** Make the endpoint text now (else describeEndpoints makes it when asked for). */
  text = true,
): void {
  // The client: whoever sent the SYN (or received the SYN-ACK) at the earliest point that saw
  // one; otherwise the guess of the point that saw the flow first. Translated (NAT) views of
  // the flow do not name its endpoints.
  let ref: FlowAtPoint | null = null;
  let refKnown = false;
  let refT = Infinity;
  for (let i = 0; i < flow.at.length; i++) {
    const a = flow.at[i];
    if (a.nat) continue;
    const t = a.pf.firstT + a.point.shiftNs;
    // The earliest point that knows the client, else the earliest point (first in `at` on ties).
    if (ref === null || (a.pf.clientKnown && !refKnown) || (a.pf.clientKnown === refKnown && t < refT)) {
      ref = a;
      refKnown = a.pf.clientKnown;
      refT = t;
    }
  }
  if (ref === null) throw new Error(`flow ${keyString(flow.keys, flow.keyAt)}: no capture point of its own`);
  flow.clientSide = ref.pf.clientSide;
  flow.ref = ref;
  if (text) describeEndpoints(flow);
  for (let i = 0; i < flow.at.length; i++) flow.at[i].pf.clientSide = flow.clientSide;
  if (joins) describeNat(flow, joins);
}

/** Whether endpoints of the protocol have ports (TCP, UDP, SCTP). */
function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132;
}

/**
 * The flow's client and server text (flow.client, flow.server and their addresses), made when
 * first asked for when describeFlow left them out.
 */
export function describeEndpoints(flow: Flow): Flow {
  if (flow.client !== '' || flow.ref === null) return flow;
  const ref = flow.ref;
  const e = endpointTexts(flow.version, flow.proto, flow.clientSide, ref.point.ix.flowKeys, ref.local * KEY_WORDS);
  flow.client = e.client;
  flow.server = e.server;
  flow.clientAddr = e.clientAddr;
  flow.serverAddr = e.serverAddr;
  return flow;
}

/** A flow's client and server (address and port) from its key words at `k0`, side `clientSide` the client. */
export function endpointTexts(version: number, proto: number, clientSide: number, keys: Uint32Array, k0: number): { client: string; server: string; clientAddr: string; serverAddr: string } {
  // Read in place, picked without arrays.
  const portA = keys[k0 + 9] >>> 16;
  const portB = keys[k0 + 9] & 0xffff;
  const addrA = addrText(version, keys, k0 + 1);
  const addrB = addrText(version, keys, k0 + 5);
  const aIsClient = clientSide === 0;
  const ca = aIsClient ? addrA : addrB;
  const cp = aIsClient ? portA : portB;
  const sa = aIsClient ? addrB : addrA;
  const sp = aIsClient ? portB : portA;
  const withPorts = hasPorts(proto);
  return { client: withPorts ? endpointText(ca, cp) : ca, server: withPorts ? endpointText(sa, sp) : sa, clientAddr: ca, serverAddr: sa };
}

/** The endpoints a flow's translated (NAT) views show. */
function describeNat(flow: Flow, joins: NatJoin[]): void {
  const nat: { device: string; stage: string; client: string; server: string }[] = [];
  for (const j of joins) {
    // Side A of the key is the client unless the point was turned around.
    const clientIsA = (flow.clientSide === 0) !== j.flipped;
    const e = endpointTexts(flow.version, flow.proto, clientIsA ? 0 : 1, j.a.point.ix.flowKeys, j.a.local * KEY_WORDS);
    nat.push({ device: j.device, stage: j.stage, client: e.client, server: e.server });
  }
  if (nat.length) flow.nat = nat;
}

/** Drops what describing and analysing the flow made (endpoint text, row views, what its packed views made). */
export function forgetFlow(flow: Flow): void {
  flow.client = flow.server = flow.clientAddr = flow.serverAddr = '';
  for (let i = 0; i < flow.at.length; i++) {
    const a = flow.at[i];
    a.rows = undefined;
    if (a.pf instanceof PackedPointFlow) a.pf.forget();
  }
}

/** The rows of a flow at one capture point, in time order (made once: the rules ask often). */
export function flowRows(a: FlowAtPoint): Int32Array {
  if (a.rows) return a.rows;
  const { rows, rowStart } = a.point;
  const s = rowStart[a.local];
  // A view made by the constructor: a third of subarray's cost (which looks up a species).
  return (a.rows = new Int32Array(rows.buffer, rows.byteOffset + s * 4, rowStart[a.local + 1] - s));
}

/** Key words in order (unsigned, word by word): the tie-break between flows that start together. */
function compareKeys(a: Flow, b: Flow): number {
  return compareKeyWords(a.keys, a.keyAt, b.keys, b.keyAt);
}

function compareKeyWords(a: Uint32Array, at: number, b: Uint32Array, bt: number): number {
  for (let i = 0; i < KEY_WORDS; i++) {
    const x = a[at + i];
    const y = b[bt + i];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A flow key as a short string (two UTF-16 units per word). */
function keyString(keys: Uint32Array, at: number): string {
  let s = '';
  for (let i = at; i < at + KEY_WORDS; i++) s += String.fromCharCode(keys[i] >>> 16, keys[i] & 0xffff);
  return s;
}
