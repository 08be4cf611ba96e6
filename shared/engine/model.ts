/**
 * The analysis model: every capture point's index, the flows merged across capture points by
 * inner 5-tuple, and packet times on one clock (nanoseconds since a common base, after each
 * device's clock offset). The rules read this; nothing here allocates per packet except the
 * per-flow row lists (Int32Array views into one array per capture).
 */
import type { Stage } from '../api/analysis.ts';
import type { CaptureSpec } from './labels.ts';
import type { FlowState, IndexedCapture } from './capture-index.ts';
import { hasCookies, viewIndex } from './packed-flows.ts';
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
  /** flowRows(this), once asked for. */
  rows?: Int32Array;
}

export interface Flow {
  id: string;
  /** The inner 5-tuple as flow-table key words (KEY_WORDS), as the first capture point saw it. */
  words: Uint32Array;
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
  /** Translations seen at later stages of a device (NAT): the endpoints there. */
  nat: { device: string; stage: string; client: string; server: string }[];
  /** ICMP errors: the flow they report on (its key words), resolved to an id in `relatedFlow`. */
  reportsOn: Uint32Array | null;
  relatedFlow: string | null;
}

export interface Model {
  points: CapturePoint[];
  flows: Flow[];
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

/**
 * `only`: the flows (by their index in time order) whose endpoints to work out; the others keep
 * their place and id but no client/server text (a worker that analyses only a part of them).
 */
export function buildModel(
  inputs: { spec: CaptureSpec; ix: IndexedCapture }[],
  settings: Settings,
  clockOffsets: Record<string, number>,
  only?: (index: number) => boolean,
): Model {
  // An index whose flows are still packed only (a lean index, or one posted between threads) is
  // read through views of its packed table.
  for (const x of inputs) if (x.ix.packedFlows && x.ix.flows.length === 0) viewIndex(x.ix);
  const withPackets = inputs.filter((x) => x.ix.packets > 0);
  const baseSec = withPackets.length ? Math.min(...withPackets.map((x) => x.ix.baseSec)) : 0;
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
  // Flows merged across capture points by their key words (a hash table on the words, no
  // strings): table id -> flow. Each loop is a function of its own: V8 compiles a long loop of a
  // function that runs once on the stack (OSR), and code after it in the same function, not run
  // yet, threw that code away again (docs/decisions.md, "Code shaped so V8 compiles it once").
  // Sized for every point's flows being distinct: it never grows (rehashing) while merging.
  const table = new FlowTable(points.reduce((n, p) => n + p.ix.flows.length, 0));
  const byId: Flow[] = [];
  let flows: Flow[] = [];
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
    mergePoint(p, table, byId, flows);
  }
  const nat = joinNat(flows);
  flows = nat.flows;
  flows.sort((a, b) => a.firstNs - b.firstNs || compareWords(a.words, b.words));
  nameFlows(flows);
  // Endpoints (client, text) of the flows the caller looks at: all, or `only` those.
  describeFlows(flows, nat.joins, only);
  relateFlows(flows, table, byId);
  const devices = [...new Set(points.map((p) => p.device))];
  return {
    points,
    flows,
    baseSec,
    settings,
    clockOffsets,
    startNs: startNs === Infinity ? 0 : startNs,
    endNs: endNs === -Infinity ? 0 : endNs,
    deviceEndNs,
    devices,
  };
}

/** Adds one capture point's flows to the model's: a new flow per key not seen yet. */
function mergePoint(p: CapturePoint, table: FlowTable, byId: Flow[], flows: Flow[]): void {
  const ix = p.ix;
  const keys = ix.flowKeys;
  const probe = table.probe;
  for (let f = 0; f < ix.flows.length; f++) {
    // The key copied word by word: a view of it is made only for a new flow.
    const k0 = f * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) probe[w] = keys[k0 + w];
    const id = table.lookupOrAdd();
    const pf = ix.flows[f];
    let flow = byId[id];
    const first = pf.firstT + p.shiftNs;
    const last = pf.lastT + p.shiftNs;
    if (table.lastWasNew) {
      const words = keys.subarray(k0, k0 + KEY_WORDS);
      const version = words[0] >>> 8;
      flow = {
        id: '',
        words,
        version,
        proto: words[0] & 0xff,
        clientSide: pf.clientSide,
        client: '',
        server: '',
        // Set once the client is known (describeFlow).
        clientAddr: '',
        serverAddr: '',
        at: [],
        firstNs: first,
        lastNs: last,
        tunnelled: false,
        nat: [],
        reportsOn: null,
        relatedFlow: null,
      };
      byId[id] = flow;
      flows.push(flow);
    }
    flow.at.push({ point: p, local: f, pf, rows: undefined });
    flow.firstNs = Math.min(flow.firstNs, first);
    flow.lastNs = Math.max(flow.lastNs, last);
    if (hasCookies(pf)) flow.tunnelled = true;
    // The first point's report wins (a packed view's reportsOn makes a copy each time it is read).
    if (flow.reportsOn === null) flow.reportsOn = pf.reportsOn;
  }
}

/** Ids in time order: f1, f2, ... */
function nameFlows(flows: Flow[]): void {
  for (let i = 0; i < flows.length; i++) flows[i].id = `f${i + 1}`;
}

function describeFlows(flows: Flow[], joins: Map<Flow, NatJoin[]>, only?: (index: number) => boolean): void {
  for (let i = 0; i < flows.length; i++) if (!only || only(i)) describeFlow(flows[i], joins.get(flows[i]));
}

/** ICMP errors: the id of the flow each reports on, when the captures have it. */
function relateFlows(flows: Flow[], table: FlowTable, byId: Flow[]): void {
  for (const f of flows) {
    if (f.reportsOn === null) continue;
    table.probe.set(f.reportsOn);
    const id = table.lookupOrAdd();
    f.relatedFlow = table.lastWasNew ? null : byId[id].id;
  }
}

/** The flow's client and server, and the endpoints its translations (NAT) show. */
function describeFlow(flow: Flow, joins: NatJoin[] | undefined): void {
  // The client: whoever sent the SYN (or received the SYN-ACK) at the earliest point that saw
  // one; otherwise the guess of the point that saw the flow first. Translated (NAT) views of
  // the flow do not name its endpoints.
  let ref: FlowAtPoint | null = null;
  let refKnown = false;
  let refT = Infinity;
  for (const a of flow.at) {
    if (a.nat) continue;
    const t = a.pf.firstT + a.point.shiftNs;
    // The earliest point that knows the client, else the earliest point (first in `at` on ties).
    if (ref === null || (a.pf.clientKnown && !refKnown) || (a.pf.clientKnown === refKnown && t < refT)) {
      ref = a;
      refKnown = a.pf.clientKnown;
      refT = t;
    }
  }
  if (ref === null) throw new Error(`flow ${keyString(flow.words)}: no capture point of its own`);
  flow.clientSide = ref.pf.clientSide;
  const words = ref.point.ix.flowKeys.subarray(ref.local * KEY_WORDS, (ref.local + 1) * KEY_WORDS);
  const portA = words[9] >>> 16;
  const portB = words[9] & 0xffff;
  const addrA = addrText(flow.version, words, 1);
  const addrB = addrText(flow.version, words, 5);
  const [ca, cp, sa, sp] = flow.clientSide === 0 ? [addrA, portA, addrB, portB] : [addrB, portB, addrA, portA];
  flow.clientAddr = ca;
  flow.serverAddr = sa;
  const withPorts = flow.proto === 6 || flow.proto === 17 || flow.proto === 132;
  flow.client = withPorts ? endpointText(ca, cp) : ca;
  flow.server = withPorts ? endpointText(sa, sp) : sa;
  for (const a of flow.at) a.pf.clientSide = flow.clientSide;
  for (const j of joins ?? []) {
    const w = j.a.point.ix.flowKeys.subarray(j.a.local * KEY_WORDS, (j.a.local + 1) * KEY_WORDS);
    const pa = w[9] >>> 16;
    const pb = w[9] & 0xffff;
    const aa = addrText(flow.version, w, 1);
    const ab = addrText(flow.version, w, 5);
    // Side A of the key is the client unless the point was turned around.
    const clientIsA = (flow.clientSide === 0) !== j.flipped;
    const [c, cp, sv, sp] = clientIsA ? [aa, pa, ab, pb] : [ab, pb, aa, pa];
    const txt = (ad: string, p: number) => (withPorts ? endpointText(ad, p) : ad);
    flow.nat.push({ device: j.device, stage: j.stage, client: txt(c, cp), server: txt(sv, sp) });
  }
}

/** The rows of a flow at one capture point, in time order (made once: the rules ask often). */
export function flowRows(a: FlowAtPoint): Int32Array {
  return (a.rows ??= a.point.rows.subarray(a.point.rowStart[a.local], a.point.rowStart[a.local + 1]));
}

/** Key words in order (unsigned, word by word): the tie-break between flows that start together. */
function compareWords(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** A flow key as a short string (two UTF-16 units per word). */
function keyString(words: Uint32Array): string {
  let s = '';
  for (let i = 0; i < words.length; i++) s += String.fromCharCode(words[i] >>> 16, words[i] & 0xffff);
  return s;
}
