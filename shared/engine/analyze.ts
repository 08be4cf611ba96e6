/**
 * From indexed captures to the AnalysisResult (`analyze --json`, the app's views): capture
 * inventory, flows with one entry per capture point, findings and clock estimates.
 */
import type { AnalysisResult, CaptureSummary, Finding, FlowPoint, FlowSummary } from '../api/analysis.ts';
import type { CaptureSpec } from './labels.ts';
import { flowHistory, flowState, S, type IndexedCapture } from './capture-index.ts';
import { buildModel, describeFlow, flowRows, forgetFlow, isoAt, leanFlow, leanModel, protoName, timeOf, type Flow, type LeanModel, type Model } from './model.ts';
import type { FlowFacts } from '../findings/facts.ts';
import { ruleSteps, runFlowRules, sortFindings } from '../findings/run.ts';
import { flowFacts, stagesByDevice } from '../findings/facts.ts';
import { endReason } from '../findings/end-reason.ts';
import { encodeFlow, FlowRecords, recordContext, type FlowRecordsBlock } from './flow-records.ts';
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

/**
 * Flows the analysis may hand to someone else (the CLI's WebAssembly: shared/node/quiet-flows.ts):
 * a flow no rule reports on and seen on one device, whose record (encodeFlow's) it can write
 * itself. The JavaScript analysis below stays the reference and does every flow it declines.
 */
export interface QuietFlows {
  /** Ready for this model's flows (false: the JavaScript analysis does them all). */
  begin(model: Model): boolean;
  /** Before the lean model's flows of ranks [from, end) are asked about (a block): may make them ready at once. */
  block?(lean: LeanModel, from: number, end: number): void;
  /** Whether the lean model's flow of rank i is quiet, its record then written to `r` (when there are records). */
  lean(lean: LeanModel, i: number, r: FlowRecords | null): boolean;
}

let quietFlows: QuietFlows | null = null;

/** Sets the QuietFlows hook for analyzePart in this thread (null: none). */
export function useQuietFlows(q: QuietFlows | null): void {
  quietFlows = q;
}

/** Whether this thread has a QuietFlows hook (analyzePart then wants its indexes packed). */
export function quietFlowsUsed(): boolean {
  return quietFlows !== null;
}

/** Flows per block when the analysis is split over threads. */
export const BLOCK_FLOWS = 256;

/** One block of flows (ids BLOCK_FLOWS * block + 1 ...) analysed: what the merge needs of it. */
export interface AnalysisBlock {
  block: number;
  flows: number;
  /** The flows' summaries as records (FlowJson writes them as JSON), when asked for. */
  records: FlowRecordsBlock | null;
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
  timings?: (t: { modelMs: number; flowsMs: number; quiet: number; flows: number }) => void,
): Promise<number> {
  const settings = opts.settings ?? { ...DEFAULT_SETTINGS };
  // The clock only when asked for (a worker thread's first performance.now() loads node's
  // performance modules: ~0.5 ms on the critical path).
  const t0 = timings ? performance.now() : 0;
  // With a QuietFlows hook, a lean model (no objects for the flows the hook takes), when it can
  // be (else, and without the hook, the full one). Each flow is described when its turn comes
  // (below): the text then dies with the flow.
  const lean = quietFlows ? leanModel(inputs, settings, opts.clockOffsets ?? {}) : null;
  const model = lean ? lean.model : buildModel(inputs, settings, opts.clockOffsets ?? {}, false);
  const modelMs = timings ? performance.now() - t0 : 0;
  const captured = stagesByDevice(model);
  const flows = model.flows;
  const total = lean ? lean.order.length : flows.length;
  if (parts > 1 && !lean) {
    // Only this part's flows are looked at again: let the rest of the model go.
    model.flows = [];
    for (const x of inputs) x.ix.flows = [];
    for (let b = 0; b * BLOCK_FLOWS < total; b++) {
      if (b % parts !== part) flows.fill(null as unknown as Flow, b * BLOCK_FLOWS, Math.min(total, (b + 1) * BLOCK_FLOWS));
    }
  }
  const sent = new Map<string, number>();
  const joins = model.natJoins;
  // The flows' summaries, as records (the thread that writes the output makes the JSON).
  const r = new FlowRecords();
  const context = recordContext(model);
  const quiet = lean && quietFlows?.begin(model) ? quietFlows : null;
  let quietCount = 0;
  let mine = 0;
  for (let b = part; b * BLOCK_FLOWS < total; b += parts) {
    const end = Math.min(total, (b + 1) * BLOCK_FLOWS);
    const findings: Finding[] = [];
    const clock: ClockSamples = new Map();
    if (quiet !== null) quiet.block?.(lean!, b * BLOCK_FLOWS, end);
    for (let i = b * BLOCK_FLOWS; i < end; i++) {
      mine++;
      // A quiet flow (one device: no clock samples either) has its record written by the hook,
      // and no objects made.
      if (quiet !== null && quiet.lean(lean!, i, json ? r : null)) {
        quietCount++;
        continue;
      }
      let flow: Flow;
      if (lean) flow = leanFlow(lean, i);
      else {
        flow = flows[i];
        // Its objects can go once it is done (the heap need not grow for the ones to come).
        flows[i] = null as unknown as Flow;
        // Without the endpoint text (the records carry where it is, the findings make it if they
        // need it), and without a NAT lookup when there is no NAT (it gives every flow an identity hash).
        describeFlow(flow, joins.size ? joins.get(flow) : undefined, false);
      }
      const f = flowFacts(model, flow, captured);
      runFlowRules(model, f, findings);
      if (json) encodeFlow(r, model, f);
      // Once this thread has sent enough samples for a pair, the merge (in flow order) has them.
      addClockSamples(flow, clock, sent);
      // Done with this flow: a full model's flow and views were made before the analysis and live
      // in V8's old space by now: what its analysis hung on them (text, row views) is let go here,
      // or the young collections would keep it, through the old objects, until the next full one.
      forgetFlow(flow);
    }
    for (const [k, arr] of clock) sent.set(k, (sent.get(k) ?? 0) + arr.length);
    await onBlock({ block: b, flows: end - b * BLOCK_FLOWS, records: json ? r.take(context) : null, findings, clock }, total);
  }
  timings?.({ modelMs, flowsMs: performance.now() - t0 - modelMs, quiet: quietCount, flows: mine });
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
    from: isoAt(model, s.first),
    to: isoAt(model, s.last),
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
