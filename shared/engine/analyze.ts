/**
 * From indexed captures to the AnalysisResult (`analyze --json`, the app's views): capture
 * inventory, flows with one entry per capture point, findings and clock estimates.
 */
import type { AnalysisResult, CaptureSummary, Finding, FlowPoint, FlowSummary } from '../api/analysis.ts';
import type { CaptureSpec } from './labels.ts';
import { flowHistory, flowState, S, type IndexedCapture } from './capture-index.ts';
import { buildModel, describeFlow, flowRows, forgetFlow, isoAt, protoName, timeOf, type Flow, type Model } from './model.ts';
import type { FlowFacts } from '../findings/facts.ts';
import { ruleSteps, runFlowRules, sortFindings } from '../findings/run.ts';
import { flowFacts, stagesByDevice } from '../findings/facts.ts';
import { endReason, type EndReason } from '../findings/end-reason.ts';
import { JsonBytes, jsonPiece } from '../format/json-bytes.ts';
import { addClockSamples, clockEstimates, estimateClocks, mergeClockSamples, type ClockSamples } from './clock.ts';
import { DEFAULT_SETTINGS, type Settings } from './settings.ts';
import { hex32, isoText } from '../format/addr.ts';

export interface AnalyzeOptions {
  settings?: Settings;
  clockOffsets?: Record<string, number>;
}

export interface AnalysisInput {
  spec: CaptureSpec;
  ix: IndexedCapture;
  sha256?: string;
}

export function captureSummary(spec: CaptureSpec, ix: IndexedCapture, sha256?: string): CaptureSummary {
  const lo = ix.firstNs;
  const hi = ix.lastNs;
  const bytes = ix.wireBytes;
  const iso = (t: number) => {
    const whole = Math.floor(t / 1e9);
    return isoText(ix.baseSec + whole, t - whole * 1e9);
  };
  const s: CaptureSummary = {
    path: spec.path,
    device: spec.device,
    stage: spec.stage,
    format: ix.format,
    linkTypes: ix.linkTypes,
    packets: ix.packets,
    first: ix.packets ? iso(lo) : null,
    last: ix.packets ? iso(hi) : null,
    bytes,
    malformed: ix.malformed,
    undecodedLinkTypes: ix.undecodedLinkTypes,
    errors: ix.errors,
  };
  if (sha256) s.sha256 = sha256;
  return s;
}

/** Per packet of each capture (same order as the inputs): what happened to it at its device. */
export interface PacketDetail {
  /** Verdict codes, see VERDICT_NAMES. */
  verdict: Uint8Array[];
  /** Receive-to-transmit latency in microseconds (receive rows that were transmitted), else NaN. */
  latencyUs: Float32Array[];
  /** Common-clock time of each packet: nanoseconds since `baseSec` (after clock offsets). */
  baseSec: number;
  shiftNs: number[];
}

export const VERDICT_NAMES = ['', 'forwarded', 'dropped', 'only received', 'transmitted', 'dropped', 'seen'] as const;
export const V_FORWARDED = 1;
export const V_DROPPED = 2;
export const V_ONLY_RECEIVED = 3;
export const V_TRANSMITTED = 4;
export const V_DROP_STAGE = 5;
export const V_SEEN = 6;

export function analyzeIndexes(inputs: AnalysisInput[], opts: AnalyzeOptions = {}): AnalysisResult {
  return analyzeWithDetail(inputs, opts, false).result;
}

export function analyzeWithDetail(
  inputs: AnalysisInput[],
  opts: AnalyzeOptions = {},
  withDetail = true,
): { result: AnalysisResult; detail: PacketDetail | null; model: Model } {
  const run = startAnalysis(inputs, opts, withDetail);
  const flows: FlowSummary[] = [];
  for (const _ of run.steps((f) => flows.push(f)));
  const result = run.finish();
  result.flows = flows;
  return { result, detail: run.detail, model: run.model };
}

/**
 * The analysis as steps, for callers that must not hold every flow summary at once (the CLI on
 * a million flows): `steps(onFlow)` hands each flow's summary over as it is made and yields the
 * number of flows done after each batch; `finish()` gives the rest of the result (flows empty).
 */
export function startAnalysis(inputs: AnalysisInput[], opts: AnalyzeOptions = {}, withDetail = false) {
  const settings = opts.settings ?? { ...DEFAULT_SETTINGS };
  const clockOffsets = opts.clockOffsets ?? {};
  const model = buildModel(inputs, settings, clockOffsets);
  const detail: PacketDetail | null = withDetail
    ? {
        verdict: inputs.map((x) => new Uint8Array(x.ix.packets)),
        latencyUs: inputs.map((x) => new Float32Array(x.ix.packets).fill(NaN)),
        baseSec: model.baseSec,
        shiftNs: model.points.map((p) => p.shiftNs),
      }
    : null;
  const findings: Finding[] = [];
  return {
    model,
    detail,
    totalFlows: model.flows.length,
    captures: () => inputs.map((x) => captureSummary(x.spec, x.ix, x.sha256)),
    steps(onFlow: (f: FlowSummary) => void): Generator<number> {
      return ruleSteps(model, findings, (f) => {
        if (detail) fillDetail(detail, f);
        onFlow(flowSummary(model, f));
      });
    },
    finish(): AnalysisResult {
      return {
        version: 1,
        captures: inputs.map((x) => captureSummary(x.spec, x.ix, x.sha256)),
        flows: [],
        findings: sortFindings(findings),
        clockOffsets,
        clockEstimates: estimateClocks(model),
        settings: { ...settings },
      };
    },
  };
}

/** Flows per block when the analysis is split over threads. */
export const BLOCK_FLOWS = 256;

/** One block of flows (ids BLOCK_FLOWS * block + 1 ...) analysed: what the merge needs of it. */
export interface AnalysisBlock {
  block: number;
  flows: number;
  /** The flows' summaries as JSON (UTF-8), one per line ("  {...}" joined by ",\n"), when asked for. */
  json: Uint8Array;
  /** Set by the thread that received the block: hands `json`'s buffer back once it is written. */
  release?: () => void;
  findings: Finding[];
  clock: ClockSamples;
}

/**
 * One part of an analysis split over `parts` threads: every thread builds the same model, then
 * analyses the blocks b with b % parts === part. `onBlock` may return a promise (flow control:
 * the next block waits for it).
 */
export async function analyzePart(
  inputs: AnalysisInput[],
  opts: AnalyzeOptions,
  part: number,
  parts: number,
  json: boolean,
  onBlock: (b: AnalysisBlock, totalFlows: number) => void | Promise<void>,
  timings?: (t: { modelMs: number; flowsMs: number }) => void,
  /** Where the JSON is written (a worker's takes its buffers back, see JsonBytes.take). */
  w = new JsonBytes(),
): Promise<number> {
  const settings = opts.settings ?? { ...DEFAULT_SETTINGS };
  const t0 = performance.now();
  // Each flow is described when its turn comes (below): the text then dies with the flow.
  const model = buildModel(inputs, settings, opts.clockOffsets ?? {}, false);
  const modelMs = performance.now() - t0;
  const captured = stagesByDevice(model);
  const flows = model.flows;
  const total = flows.length;
  if (parts > 1) {
    // Only this part's flows are looked at again: let the rest of the model go.
    model.flows = [];
    for (const x of inputs) x.ix.flows = [];
    for (let b = 0; b * BLOCK_FLOWS < total; b++) {
      if (b % parts !== part) flows.fill(null as unknown as Flow, b * BLOCK_FLOWS, Math.min(total, (b + 1) * BLOCK_FLOWS));
    }
  }
  const sent = new Map<string, number>();
  const joins = model.natJoins;
  for (let b = part; b * BLOCK_FLOWS < total; b += parts) {
    const end = Math.min(total, (b + 1) * BLOCK_FLOWS);
    const findings: Finding[] = [];
    const clock: ClockSamples = new Map();
    for (let i = b * BLOCK_FLOWS; i < end; i++) {
      const flow = flows[i];
      // (Most captures have no NAT: no lookup, which would give every flow an identity hash.)
      describeFlow(flow, joins.size ? joins.get(flow) : undefined);
      const f = flowFacts(model, flow, captured);
      runFlowRules(model, f, findings);
      if (json) {
        w.piece(i === b * BLOCK_FLOWS ? INDENT : NEXT_LINE);
        writeFlowSummary(w, model, f);
      }
      // Once this thread has sent enough samples for a pair, the merge (in flow order) has them.
      addClockSamples(flow, clock, sent);
      // Done with this flow: its objects can go (the heap need not grow for the ones to come).
      // The flow and its views were made before the analysis and live in V8's old space by
      // now: what its analysis hung on them (text, row views) is let go here, or the young
      // collections would keep it, through the old objects, until the next full one.
      forgetFlow(flow);
      flows[i] = null as unknown as Flow;
    }
    for (const [k, arr] of clock) sent.set(k, (sent.get(k) ?? 0) + arr.length);
    await onBlock({ block: b, flows: end - b * BLOCK_FLOWS, json: w.take(), findings, clock }, total);
  }
  timings?.({ modelMs, flowsMs: performance.now() - t0 - modelMs });
  return total;
}

/** Puts the blocks of the parts back in flow order. */
export class BlockMerger {
  private next = 0;
  private readonly waiting = new Map<number, AnalysisBlock>();
  private readonly findings: Finding[] = [];
  private readonly clock: ClockSamples = new Map();
  constructor(private readonly emit: (b: AnalysisBlock) => void) {}

  add(b: AnalysisBlock): void {
    this.waiting.set(b.block, b);
    for (let x = this.waiting.get(this.next); x; x = this.waiting.get(this.next)) {
      this.waiting.delete(this.next++);
      for (const f of x.findings) this.findings.push(f);
      mergeClockSamples(this.clock, x.clock);
      this.emit(x);
    }
  }

  finish(captures: CaptureSummary[], opts: AnalyzeOptions): AnalysisResult {
    return {
      version: 1,
      captures,
      flows: [],
      findings: sortFindings(this.findings),
      clockOffsets: opts.clockOffsets ?? {},
      clockEstimates: clockEstimates(this.clock),
      settings: { ...(opts.settings ?? DEFAULT_SETTINGS) },
    };
  }
}

export function flowSummary(model: Model, f: FlowFacts): FlowSummary {
  const flow = f.flow;
  const reasons = new Map<string, ReturnType<typeof endReason>>();
  for (const v of f.deviceList) reasons.set(v.device, endReason(model, f, v));
  const points: FlowPoint[] = flow.at.map((a) => {
    const pf = a.pf;
    const c = flow.clientSide;
    const p: FlowPoint = {
      device: a.point.device,
      stage: a.point.stage,
      packets: pf.s[S.Packets + 0] + pf.s[S.Packets + 1],
      bytes: pf.s[S.Bytes + 0] + pf.s[S.Bytes + 1],
      first: isoAt(model, pf.firstT + a.point.shiftNs),
      last: isoAt(model, pf.lastT + a.point.shiftNs),
      history: flowHistory(pf),
      state: flowState(pf),
      clientPackets: pf.s[S.Packets + c],
      serverPackets: pf.s[S.Packets + 1 - c],
      keepAlives: pf.keepAlives,
      retransmissions: pf.retransmissions,
    };
    const r = reasons.get(a.point.device);
    if (r) {
      p.endReason = r.reason;
      if (r.agesOutNs !== undefined) p.agesOutAt = isoAt(model, r.agesOutNs);
    }
    if (pf.cookies) p.cookies = pf.cookies.map(hex32);
    return p;
  });
  const devices = f.deviceList.map((v) => ({
    device: v.device,
    received: v.received,
    transmitted: v.transmitted,
    dropped: v.dropped,
    unaccounted: v.unaccounted,
    latencyUs: v.latencyUs,
    endReason: reasons.get(v.device)?.reason,
  }));
  const carriers = f.segments.map((s) => ({
    devices: [...s.devices],
    from: isoAt(model, f.timeline.t[s.start]),
    to: isoAt(model, f.timeline.t[s.end - 1]),
  }));
  return {
    id: flow.id,
    proto: protoName(flow.proto),
    client: flow.client,
    server: flow.server,
    points,
    devices,
    carriers,
    ...(flow.relatedFlow ? { relatedFlow: flow.relatedFlow } : {}),
    ...(flow.nat.length ? { nat: flow.nat } : {}),
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
 * Per model, the JSON that opens each capture point's entry (`{"device":…,"stage":…,"packets":`,
 * by point index) and each device's (`{"device":…,"received":`, by name): the same for every flow,
 * so encoded once.
 */
const HEADS = new WeakMap<Model, { points: Uint8Array[]; devices: Map<string, Uint8Array> }>();

function headsOf(model: Model): { points: Uint8Array[]; devices: Map<string, Uint8Array> } {
  let h = HEADS.get(model);
  if (!h) {
    const points = model.points.map((p) => jsonPiece(`{"device":${JSON.stringify(p.device)},"stage":${JSON.stringify(p.stage)},"packets":`));
    const devices = new Map(model.devices.map((d) => [d, jsonPiece(`{"device":${JSON.stringify(d)},"received":`)]));
    HEADS.set(model, (h = { points, devices }));
  }
  return h;
}

/** A time on the model's common clock, as isoAt writes it. */
function isoBytes(w: JsonBytes, m: Model, ns: number): void {
  const whole = Math.floor(ns / 1e9);
  w.iso(m.baseSec + whole, Math.round(ns - whole * 1e9));
}

/**
 * flowSummary(model, f) written as JSON into `w`: the same bytes as JSON.stringify of it
 * (tests/engine/json-bytes.test.ts), without the objects and strings in between.
 */
export function writeFlowSummary(w: JsonBytes, model: Model, f: FlowFacts): void {
  const flow = f.flow;
  const c = flow.clientSide;
  w.piece(J.id).str(flow.id).piece(J.proto).str(protoName(flow.proto)).piece(J.client).str(flow.client).piece(J.server).str(flow.server);
  w.piece(J.points);
  // Each device's end reason, found by device name for its capture points (a handful).
  const devs = f.deviceList;
  const reasons: EndReason[] = [];
  for (let i = 0; i < devs.length; i++) reasons.push(endReason(model, f, devs[i]));
  const heads = headsOf(model);
  for (let i = 0; i < flow.at.length; i++) {
    const a = flow.at[i];
    const pf = a.pf;
    const p = a.point;
    if (i) w.byte(0x2c);
    w.piece(heads.points[p.index]).num(pf.s[S.Packets + 0] + pf.s[S.Packets + 1]);
    w.piece(J.bytes).num(pf.s[S.Bytes + 0] + pf.s[S.Bytes + 1]);
    w.piece(J.first);
    isoBytes(w, model, pf.firstT + p.shiftNs);
    w.piece(J.last);
    isoBytes(w, model, pf.lastT + p.shiftNs);
    w.piece(J.history).str(flowHistory(pf)).piece(J.state).str(flowState(pf));
    w.piece(J.clientPackets).num(pf.s[S.Packets + c]).piece(J.serverPackets).num(pf.s[S.Packets + 1 - c]);
    w.piece(J.keepAlives).num(pf.keepAlives).piece(J.retransmissions).num(pf.retransmissions);
    let d = 0;
    while (d < devs.length && devs[d].device !== p.device) d++;
    const r = reasons[d];
    if (r) {
      w.piece(J.endReason).str(r.reason);
      if (r.agesOutNs !== undefined) {
        w.piece(J.agesOutAt);
        isoBytes(w, model, r.agesOutNs);
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
  for (let i = 0; i < devs.length; i++) {
    const v = devs[i];
    if (i) w.byte(0x2c);
    // Every device of a flow is one of the model's (its capture points').
    w.piece(heads.devices.get(v.device)!).num(v.received).piece(J.transmitted).num(v.transmitted);
    w.piece(J.dropped).num(v.dropped).piece(J.unaccounted).num(v.unaccounted).piece(J.latencyUs).num(v.latencyUs ?? NaN);
    const r = reasons[i];
    if (r) w.piece(J.endReason).str(r.reason);
    w.byte(0x7d);
  }
  w.piece(J.carriers);
  for (let i = 0; i < f.segments.length; i++) {
    const s = f.segments[i];
    if (i) w.byte(0x2c);
    w.piece(J.carrierDevices);
    let k = 0;
    for (const d of s.devices) {
      if (k++) w.byte(0x2c);
      w.str(d);
    }
    w.piece(J.from);
    isoBytes(w, model, f.timeline.t[s.start]);
    w.piece(J.to);
    isoBytes(w, model, f.timeline.t[s.end - 1]);
    w.byte(0x7d);
  }
  if (flow.relatedFlow) w.piece(J.relatedFlow).str(flow.relatedFlow);
  else w.byte(0x5d);
  if (flow.nat.length) {
    w.piece(J.nat);
    for (let i = 0; i < flow.nat.length; i++) {
      const n = flow.nat[i];
      if (i) w.byte(0x2c);
      w.piece(J.device).str(n.device).piece(J.stage).str(n.stage).piece(J.client).str(n.client).piece(J.server).str(n.server).byte(0x7d);
    }
    w.byte(0x5d);
  }
  w.byte(0x7d);
}

function fillDetail(detail: PacketDetail, f: FlowFacts): void {
  for (const a of f.flow.at) {
    const v = detail.verdict[a.point.index];
    const rows = flowRows(a);
    const code = a.point.stage === 'transmit' ? V_TRANSMITTED : a.point.stage === 'drop' ? V_DROP_STAGE : V_SEEN;
    for (let k = 0; k < rows.length; k++) v[rows[k]] = code;
  }
  for (const dv of f.deviceList) {
    const rx = dv.stage.receive;
    if (!rx || (!dv.rxToTx && !dv.rxToDrop)) continue;
    const rows = flowRows(rx);
    const v = detail.verdict[rx.point.index];
    const lat = detail.latencyUs[rx.point.index];
    const tx = dv.stage.transmit;
    for (let k = 0; k < rows.length; k++) {
      const t = dv.rxToTx ? dv.rxToTx.matched[k] : -1;
      const d = dv.rxToDrop ? dv.rxToDrop.matched[k] : -1;
      v[rows[k]] = t !== -1 ? V_FORWARDED : d !== -1 ? V_DROPPED : V_ONLY_RECEIVED;
      if (t !== -1 && tx) lat[rows[k]] = (timeOf(tx.point, t) - timeOf(rx.point, rows[k])) / 1e3;
    }
  }
}

export type { Model };
