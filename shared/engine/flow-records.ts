/**
 * `analyze --json`'s flow summaries in two steps, on two threads: the thread that analyses a
 * flow puts what its summary says into a record (numbers in a Float64Array, strings as one text
 * with their lengths: encodeFlow), and the thread that writes the output turns the records into
 * JSON (FlowJson), reading what the record only points to (each capture point's counts, history
 * and state; the endpoints' key words) in the same shared index. The analysis worker is the CLI's
 * critical path and its main thread is idle while it runs (docs/decisions.md, "The flows' JSON is
 * written by the thread that writes the output").
 *
 * The bytes are exactly JSON.stringify of flowSummary (tests/engine/json-bytes.test.ts).
 */
import type { FlowFacts } from '../findings/facts.ts';
import { endReason, type EndReason } from '../findings/end-reason.ts';
import { JsonBytes, jsonPiece } from '../format/json-bytes.ts';
import { flowHistory, flowState, S, type FlowState, type IndexedCapture } from './capture-index.ts';
import { PackedPointFlow, packFlows, type PackedFlows } from './packed-flows.ts';
import { endpointTexts, protoName, type LeanModel, type Model } from './model.ts';
import { KEY_WORDS } from './flow-table.ts';

/** What every record of an analysis refers to: the model's clock base, capture points and devices. */
export interface RecordContext {
  baseSec: number;
  points: { device: string; stage: string; shiftNs: number }[];
  devices: string[];
}

/** A block's records, as posted between threads. */
export interface FlowRecordsBlock {
  nums: Float64Array;
  /** The records' strings, one after another (one string to post, not thousands), and their lengths. */
  text: string;
  lens: Int32Array;
  /** Capture points' flows that are not as the index has them (turned around for NAT), packed. */
  own: PackedFlows[];
  context: RecordContext;
}

export function recordContext(model: Model): RecordContext {
  return { baseSec: model.baseSec, points: model.points.map((p) => ({ device: p.device, stage: p.stage, shiftNs: p.shiftNs })), devices: model.devices };
}

/** Where encodeFlow writes: numbers and strings, each in the order FlowJson reads them. */
export class FlowRecords {
  /** Numbers: encodeFlow writes them in place, up to `n`, after room() made space for them. */
  nums: Float64Array;
  n = 0;
  strs: string[] = [];
  own: PackedFlows[] = [];
  /** Device name -> index in the context's devices, per model. */
  private devIndex: Map<string, number> | null = null;
  private model: Model | null = null;

  constructor(initial = 1 << 12) {
    this.nums = new Float64Array(initial);
  }

  /** Space for k more numbers. */
  room(k: number): Float64Array {
    if (this.n + k > this.nums.length) {
      let cap = Math.max(64, this.nums.length * 2);
      while (cap < this.n + k) cap *= 2;
      const next = new Float64Array(cap);
      next.set(this.nums.subarray(0, this.n));
      this.nums = next;
    }
    return this.nums;
  }

  /** A device's index in the model's list of devices (the context's). */
  device(model: Model, name: string): number {
    if (this.model !== model) {
      this.model = model;
      this.devIndex = new Map(model.devices.map((d, i) => [d, i]));
    }
    // Every device of a flow is one of the model's (its capture points').
    return this.devIndex!.get(name)!;
  }

  /** The records written so far (a copy, the caller's), and the writer emptied (its buffer kept). */
  take(context: RecordContext): FlowRecordsBlock {
    const strs = this.strs;
    const lens = new Int32Array(strs.length);
    for (let i = 0; i < strs.length; i++) lens[i] = strs[i].length;
    const out = { nums: this.nums.slice(0, this.n), text: strs.join(''), lens, own: this.own, context };
    this.n = 0;
    this.strs = [];
    this.own = [];
    return out;
  }
}

/**
 * A flow's summary (flowSummary's fields) as a record: what the analysis worked out (the flow's
 * client side, end reasons, devices, carriers), and for each capture point only where its
 * counts are (point and local flow): the reader reads them itself, in the shared index (a
 * point's history, state and counts cost as much to gather as to write). The numbers are written
 * in place, with one check for room per flow.
 */
export function encodeFlow(r: FlowRecords, model: Model, f: FlowFacts): void {
  const flow = f.flow;
  const devs = f.deviceList;
  const segs = f.segments;
  const at = flow.at;
  // Each device's end reason, found by device name for its capture points (a handful).
  const reasons: EndReason[] = [];
  for (let i = 0; i < devs.length; i++) reasons.push(endReason(model, f, devs[i]));
  const a = r.room(10 + 4 * at.length + 7 * devs.length + 3 * segs.length);
  const strs = r.strs;
  let o = r.n;
  strs.push(flow.id);
  a[o++] = flow.proto;
  a[o++] = flow.clientSide;
  // The endpoints: the reader makes their text from the key words of the point that names them.
  a[o++] = flow.version;
  a[o++] = flow.ref!.point.index;
  a[o++] = flow.ref!.local;
  a[o++] = at.length;
  for (let i = 0; i < at.length; i++) {
    const p = at[i].point;
    a[o++] = p.index;
    // A point turned around (NAT) goes as this thread's copy (-1 - its place in `own`).
    if (at[i].flipped) {
      a[o++] = -1 - r.own.length;
      r.own.push(packFlows([at[i].pf]));
    } else a[o++] = at[i].local;
    let d = 0;
    while (d < devs.length && devs[d].device !== p.device) d++;
    const e = reasons[d];
    // 0: no end reason, 1: a reason, 2: a reason and when the session ages out.
    if (!e) a[o++] = 0;
    else {
      strs.push(e.reason);
      if (e.agesOutNs === undefined) a[o++] = 1;
      else {
        a[o++] = 2;
        a[o++] = e.agesOutNs;
      }
    }
  }
  a[o++] = devs.length;
  for (let i = 0; i < devs.length; i++) {
    const v = devs[i];
    a[o++] = r.device(model, v.device);
    a[o++] = v.received;
    a[o++] = v.transmitted;
    a[o++] = v.dropped;
    a[o++] = v.unaccounted;
    a[o++] = v.latencyUs ?? NaN;
    const e = reasons[i];
    a[o++] = e ? 1 : 0;
    if (e) strs.push(e.reason);
  }
  a[o++] = segs.length;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    a[o++] = s.devices.size;
    for (const d of s.devices) strs.push(d);
    a[o++] = s.first;
    a[o++] = s.last;
  }
  a[o++] = flow.relatedFlow ? 1 : 0;
  if (flow.relatedFlow) strs.push(flow.relatedFlow);
  a[o++] = flow.nat.length;
  for (let i = 0; i < flow.nat.length; i++) {
    const n = flow.nat[i];
    strs.push(n.device, n.stage, n.client, n.server);
  }
  r.n = o;
}

/** The end reasons of a quiet flow's summary, by the code wasm/flow-quiet.ts gives them (0: none). */
export const QUIET_REASONS = ['', 'n/a', 'tcp-fin', 'incomplete', 'aged-out', 'open'] as const;

/**
 * encodeFlow's record of a quiet flow (seen on one device, no finding: shared/node/quiet-flows.ts)
 * of a lean model (rank i; `ref`: leanRef's place), from what wasm/flow-quiet.ts worked out, `q`
 * at `at`: received, transmitted, unaccounted, latency (NaN: none), end reason code, when it ages
 * out (NaN: not said), the first and last packet. The same record, number for number.
 */
export function encodeQuietFlow(r: FlowRecords, lean: LeanModel, i: number, clientSide: number, ref: number, relatedFlow: string | null, q: Float64Array, at: number): void {
  const model = lean.model;
  const id = lean.order[i];
  const s = lean.atStart[id];
  const e = lean.atStart[id + 1];
  const first = model.points[lean.pointOf[s]];
  const key0 = first.ix.flowKeys[lean.localOf[s] * KEY_WORDS];
  const device = first.device;
  const reason = QUIET_REASONS[q[at + 4]];
  const agesOut = q[at + 5];
  const a = r.room(24 + 4 * (e - s));
  const strs = r.strs;
  let o = r.n;
  strs.push(`f${i + 1}`);
  a[o++] = key0 & 0xff;
  a[o++] = clientSide;
  a[o++] = key0 >>> 8;
  a[o++] = lean.pointOf[ref];
  a[o++] = lean.localOf[ref];
  a[o++] = e - s;
  for (let k = s; k < e; k++) {
    a[o++] = lean.pointOf[k];
    a[o++] = lean.localOf[k];
    strs.push(reason);
    if (agesOut !== agesOut) a[o++] = 1;
    else {
      a[o++] = 2;
      a[o++] = agesOut;
    }
  }
  a[o++] = 1;
  a[o++] = r.device(model, device);
  a[o++] = q[at];
  a[o++] = q[at + 1];
  a[o++] = 0;
  a[o++] = q[at + 2];
  a[o++] = q[at + 3];
  a[o++] = 1;
  strs.push(reason);
  a[o++] = 1;
  a[o++] = 1;
  strs.push(device);
  a[o++] = q[at + 6];
  a[o++] = q[at + 7];
  a[o++] = relatedFlow ? 1 : 0;
  if (relatedFlow) strs.push(relatedFlow);
  a[o++] = 0;
  r.n = o;
}

/** What records point to in the analysed indexes: a capture point's flows and their key words. */
export interface PointSource {
  /** By point (input) index and local flow. */
  flow(point: number, local: number): FlowState;
  keys(point: number): Uint32Array;
}

/**
 * The indexes' flows read in place: a packed index's (shared with the workers that analysed
 * it) through a view, else the index's own.
 */
export function pointSource(inputs: { ix: IndexedCapture }[]): PointSource {
  return {
    flow(point, local) {
      const ix = inputs[point].ix;
      return ix.packedFlows && !ix.flows.length ? new PackedPointFlow(ix.packedFlows, local) : ix.flows[local];
    },
    keys: (point) => inputs[point].ix.flowKeys,
  };
}

const INDENT = jsonPiece('  ');
const NEXT_LINE = jsonPiece(',\n  ');
const J = {
  id: jsonPiece('{"id":'),
  proto: jsonPiece(',"proto":'),
  client: jsonPiece(',"client":'),
  server: jsonPiece(',"server":'),
  points: jsonPiece(',"points":['),
  device: jsonPiece('{"device":'),
  stage: jsonPiece(',"stage":'),
  bytes: jsonPiece(',"bytes":'),
  first: jsonPiece(',"first":'),
  last: jsonPiece(',"last":'),
  history: jsonPiece(',"history":'),
  state: jsonPiece(',"state":'),
  clientPackets: jsonPiece(',"clientPackets":'),
  serverPackets: jsonPiece(',"serverPackets":'),
  keepAlives: jsonPiece(',"keepAlives":'),
  retransmissions: jsonPiece(',"retransmissions":'),
  endReason: jsonPiece(',"endReason":'),
  agesOutAt: jsonPiece(',"agesOutAt":'),
  cookies: jsonPiece(',"cookies":['),
  devices: jsonPiece('],"devices":['),
  transmitted: jsonPiece(',"transmitted":'),
  dropped: jsonPiece(',"dropped":'),
  unaccounted: jsonPiece(',"unaccounted":'),
  latencyUs: jsonPiece(',"latencyUs":'),
  carriers: jsonPiece('],"carriers":['),
  carrierDevices: jsonPiece('{"devices":['),
  from: jsonPiece('],"from":'),
  to: jsonPiece(',"to":'),
  relatedFlow: jsonPiece('],"relatedFlow":'),
  nat: jsonPiece(',"nat":['),
};

/**
 * Records to JSON, for one analysis (its context): each block's flows one per line ("  {...}"
 * joined by ",\n"), in a buffer that is the caller's until it hands it back (`written`).
 */
export class FlowJson {
  private readonly baseSec: number;
  /** The JSON that opens each capture point's entry (`{"device":…,"stage":…,"packets":`), by point index. */
  private readonly pointHeads: Uint8Array[];
  /** The JSON that opens each device's entry (`{"device":…,"received":`), by device index. */
  private readonly deviceHeads: Uint8Array[];
  private readonly spares: ArrayBuffer[] = [];
  private readonly w = new JsonBytes(1 << 16, () => this.spares.pop());
  private nums: Float64Array = new Float64Array(0);
  private text = '';
  private lens: Int32Array = new Int32Array(0);
  private own: PackedFlows[] = [];
  private i = 0;
  /** The next string: its number and where it starts in `text`. */
  private j = 0;
  private at = 0;

  private readonly shiftNs: number[];

  constructor(
    context: RecordContext,
    /** The capture points' flows the records point to (pointSource of the analysis's inputs). */
    private readonly source: PointSource,
  ) {
    this.baseSec = context.baseSec;
    this.shiftNs = context.points.map((p) => p.shiftNs);
    this.pointHeads = context.points.map((p) => jsonPiece(`{"device":${JSON.stringify(p.device)},"stage":${JSON.stringify(p.stage)},"packets":`));
    this.deviceHeads = context.devices.map((d) => jsonPiece(`{"device":${JSON.stringify(d)},"received":`));
  }

  /** A block's `flows` records as JSON lines. */
  block(b: FlowRecordsBlock, flows: number): Uint8Array {
    this.nums = b.nums;
    this.text = b.text;
    this.lens = b.lens;
    this.own = b.own;
    this.i = 0;
    this.j = 0;
    this.at = 0;
    for (let k = 0; k < flows; k++) {
      this.w.piece(k ? NEXT_LINE : INDENT);
      this.flow();
    }
    if (this.i !== this.nums.length || this.j !== this.lens.length) throw new Error(`flow records: ${this.nums.length - this.i} numbers and ${this.lens.length - this.j} strings left over`);
    this.text = '';
    this.own = [];
    return this.w.take();
  }

  /** Gives a buffer block() returned back, once it is written. */
  written(bytes: Uint8Array): void {
    if (this.spares.length < 4) this.spares.push(bytes.buffer as ArrayBuffer);
  }

  private num(): number {
    return this.nums[this.i++];
  }

  /** The next string, written as JSON (from the block's text in place). */
  private strOut(): void {
    const from = this.at;
    this.at += this.lens[this.j++];
    this.w.strIn(this.text, from, this.at);
  }

  private iso(ns: number): void {
    const whole = Math.floor(ns / 1e9);
    this.w.iso(this.baseSec + whole, Math.round(ns - whole * 1e9));
  }

  private flow(): void {
    const w = this.w;
    w.piece(J.id);
    this.strOut();
    const proto = this.num();
    const c = this.num();
    const version = this.num();
    const refPoint = this.num();
    const e = endpointTexts(version, proto, c, this.source.keys(refPoint), this.num() * KEY_WORDS);
    w.piece(J.proto).str(protoName(proto)).piece(J.client).str(e.client).piece(J.server).str(e.server);
    w.piece(J.points);
    const points = this.num();
    for (let i = 0; i < points; i++) {
      if (i) w.byte(0x2c);
      const point = this.num();
      const local = this.num();
      const pf = local >= 0 ? this.source.flow(point, local) : new PackedPointFlow(this.own[-1 - local], 0);
      pf.clientSide = c;
      const s = pf.s;
      const shift = this.shiftNs[point];
      w.piece(this.pointHeads[point]).num(s[S.Packets + 0] + s[S.Packets + 1]);
      w.piece(J.bytes).num(s[S.Bytes + 0] + s[S.Bytes + 1]);
      w.piece(J.first);
      this.iso(pf.firstT + shift);
      w.piece(J.last);
      this.iso(pf.lastT + shift);
      w.piece(J.history).str(flowHistory(pf)).piece(J.state).str(flowState(pf));
      w.piece(J.clientPackets).num(s[S.Packets + c]).piece(J.serverPackets).num(s[S.Packets + 1 - c]);
      w.piece(J.keepAlives).num(pf.keepAlives).piece(J.retransmissions).num(pf.retransmissions);
      const reason = this.num();
      if (reason) {
        w.piece(J.endReason);
        this.strOut();
        if (reason === 2) {
          w.piece(J.agesOutAt);
          this.iso(this.num());
        }
      }
      const cookies = pf.cookies;
      if (cookies) {
        w.piece(J.cookies);
        for (let k = 0; k < cookies.length; k++) {
          if (k) w.byte(0x2c);
          w.hex32(cookies[k]);
        }
        w.byte(0x5d);
      }
      w.byte(0x7d);
    }
    w.piece(J.devices);
    const devices = this.num();
    for (let i = 0; i < devices; i++) {
      if (i) w.byte(0x2c);
      w.piece(this.deviceHeads[this.num()]).num(this.num()).piece(J.transmitted).num(this.num());
      w.piece(J.dropped).num(this.num()).piece(J.unaccounted).num(this.num()).piece(J.latencyUs).num(this.num());
      if (this.num()) {
        w.piece(J.endReason);
        this.strOut();
      }
      w.byte(0x7d);
    }
    w.piece(J.carriers);
    const segments = this.num();
    for (let i = 0; i < segments; i++) {
      if (i) w.byte(0x2c);
      w.piece(J.carrierDevices);
      const n = this.num();
      for (let k = 0; k < n; k++) {
        if (k) w.byte(0x2c);
        this.strOut();
      }
      w.piece(J.from);
      this.iso(this.num());
      w.piece(J.to);
      this.iso(this.num());
      w.byte(0x7d);
    }
    if (this.num()) {
      w.piece(J.relatedFlow);
      this.strOut();
    } else w.byte(0x5d);
    const nat = this.num();
    if (nat) {
      w.piece(J.nat);
      for (let i = 0; i < nat; i++) {
        if (i) w.byte(0x2c);
        w.piece(J.device);
        this.strOut();
        w.piece(J.stage);
        this.strOut();
        w.piece(J.client);
        this.strOut();
        w.piece(J.server);
        this.strOut();
        w.byte(0x7d);
      }
      w.byte(0x5d);
    }
    w.byte(0x7d);
  }
}
