/**
 * From indexed captures to the AnalysisResult (`analyze --json`, the app's views): capture
 * inventory, flows with one entry per capture point, findings and clock estimates.
 */
import type { AnalysisResult, CaptureSummary, FlowPoint, FlowSummary } from '../api/analysis.ts';
import type { CaptureSpec } from './labels.ts';
import { flowHistory, flowState, type IndexedCapture } from './capture-index.ts';
import { buildModel, isoAt, protoName, type Model } from './model.ts';
import { runRules } from '../findings/run.ts';
import { endReason } from '../findings/end-reason.ts';
import { estimateClocks } from './clock.ts';
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
  let lo = Infinity;
  let hi = -Infinity;
  let bytes = 0;
  for (let i = 0; i < ix.packets; i++) {
    const t = ix.tNs[i];
    if (t < lo) lo = t;
    if (t > hi) hi = t;
    bytes += ix.wireLen[i];
  }
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

export function analyzeIndexes(inputs: AnalysisInput[], opts: AnalyzeOptions = {}): AnalysisResult {
  const settings = opts.settings ?? { ...DEFAULT_SETTINGS };
  const clockOffsets = opts.clockOffsets ?? {};
  const model = buildModel(inputs, settings, clockOffsets);
  const flows: FlowSummary[] = [];
  const findings = runRules(model, (f) => {
    const flow = f.flow;
    const reasons = new Map<string, ReturnType<typeof endReason>>();
    for (const v of f.devices.values()) reasons.set(v.device, endReason(model, f, v));
    const points: FlowPoint[] = flow.at.map((a) => {
      const pf = a.pf;
      const c = flow.clientSide;
      const p: FlowPoint = {
        device: a.point.device,
        stage: a.point.stage,
        packets: pf.packets[0] + pf.packets[1],
        bytes: pf.bytes[0] + pf.bytes[1],
        first: isoAt(model, pf.firstT + a.point.shiftNs),
        last: isoAt(model, pf.lastT + a.point.shiftNs),
        history: flowHistory(pf),
        state: flowState(pf),
        clientPackets: pf.packets[c],
        serverPackets: pf.packets[1 - c],
        keepAlives: pf.keepAlives,
        retransmissions: pf.retransmissions,
      };
      const r = reasons.get(a.point.device);
      if (r) {
        p.endReason = r.reason;
        if (r.agesOutAt) p.agesOutAt = r.agesOutAt;
      }
      if (pf.cookies) p.cookies = pf.cookies.map(hex32);
      return p;
    });
    const devices = [...f.devices.values()].map((v) => ({
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
    flows.push({
      id: flow.id,
      proto: protoName(flow.proto),
      client: flow.client,
      server: flow.server,
      points,
      devices,
      carriers,
    });
  });
  return {
    version: 1,
    captures: inputs.map((x) => captureSummary(x.spec, x.ix, x.sha256)),
    flows,
    findings,
    clockOffsets,
    clockEstimates: estimateClocks(model),
    settings: { ...settings },
  };
}

export type { Model };
