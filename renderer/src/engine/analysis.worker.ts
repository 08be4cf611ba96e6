/// <reference lib="webworker" />
/**
 * Analysis worker: keeps every capture's index and runs the analysis when captures, labels,
 * clock offsets or timers change (no re-indexing). Also works out, for the views, each packet's
 * verdict (forwarded / dropped / received only) and which result flow each local flow belongs to.
 */
import { startAnalysis } from '../../../shared/engine/analyze.ts';
import type { FlowSummary } from '../../../shared/api/analysis.ts';
import type { Model } from '../../../shared/engine/model.ts';
import { matchStages } from '../../../shared/engine/align.ts';
import { flowRows, type FlowAtPoint } from '../../../shared/engine/model.ts';
import type { IndexedCapture } from '../../../shared/engine/capture-index.ts';
import { unpackIndex } from '../../../shared/engine/packed-flows.ts';
import { type AnalysisLinks, type AnalysisReply, type AnalysisRequest, V_DROPPED, V_FORWARDED, V_RECEIVED_ONLY } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const indexes = new Map<number, IndexedCapture>();

function links(model: Model): AnalysisLinks {
  const flowOf = model.points.map((p) => new Int32Array(p.ix.flows.length).fill(-1));
  const verdicts = model.points.map((p) => new Uint8Array(p.ix.packets));
  const hasTransmit = new Set(model.points.filter((p) => p.stage === 'transmit').map((p) => p.device));
  const flowAt: Int32Array[] = [];
  model.flows.forEach((flow, gi) => {
    const at = new Int32Array(flow.at.length * 2);
    flow.at.forEach((a, k) => {
      at[2 * k] = a.point.index;
      at[2 * k + 1] = a.local;
      flowOf[a.point.index][a.local] = gi;
    });
    flowAt.push(at);
    const byDevice = new Map<string, Partial<Record<string, FlowAtPoint>>>();
    for (const a of flow.at) {
      let d = byDevice.get(a.point.device);
      if (!d) byDevice.set(a.point.device, (d = {}));
      d[a.point.stage] = a;
    }
    for (const [device, st] of byDevice) {
      const rx = st.receive;
      const tx = st.transmit;
      const dp = st.drop;
      const fw = st.firewall;
      if (tx) for (const r of flowRows(tx)) verdicts[tx.point.index][r] = V_FORWARDED;
      if (dp) for (const r of flowRows(dp)) verdicts[dp.point.index][r] = V_DROPPED;
      if (!rx) continue;
      const rxRows = flowRows(rx);
      const v = verdicts[rx.point.index];
      if (tx) {
        const m = matchStages(rx, tx);
        for (let k = 0; k < rxRows.length; k++) if (m.matched[k] >= 0) v[rxRows[k]] = V_FORWARDED;
      }
      if (dp) {
        const m = matchStages(rx, dp);
        for (let k = 0; k < rxRows.length; k++) if (m.matched[k] >= 0) v[rxRows[k]] = V_DROPPED;
      }
      if (hasTransmit.has(device)) for (const r of rxRows) if (v[r] === 0) v[r] = V_RECEIVED_ONLY;
      if (fw) {
        const m = matchStages(rx, fw);
        const fwRows = flowRows(fw);
        const fv = verdicts[fw.point.index];
        for (let j = 0; j < fwRows.length; j++) if (m.reverse[j] >= 0) fv[fwRows[j]] = v[rxRows[m.reverse[j]]];
      }
    }
  });
  return {
    flowOf,
    verdicts,
    flowAt,
  };
}

self.onmessage = (e: MessageEvent<AnalysisRequest>) => {
  const m = e.data;
  if (m.type === 'set') {
    indexes.set(m.id, unpackIndex(m.ix));
    return;
  }
  if (m.type === 'remove') {
    indexes.delete(m.id);
    return;
  }
  const t0 = performance.now();
  try {
    const present = m.captures.filter((c) => indexes.has(c.id));
    const inputs = present.map((c) => ({ spec: c.spec, ix: indexes.get(c.id)! }));
    const run = startAnalysis(inputs, { settings: m.settings, clockOffsets: m.clockOffsets });
    const model = run.model;
    // Progress while the flows are analysed (every flow's rules: seconds with a few hundred
    // thousand flows), at most every 200 ms.
    const flows: FlowSummary[] = [];
    let shown = performance.now();
    for (const done of run.steps((f) => flows.push(f))) {
      const now = performance.now();
      if (now - shown < 200) continue;
      shown = now;
      const progress: AnalysisReply = { type: 'progress', seq: m.seq, done, total: run.totalFlows };
      self.postMessage(progress);
    }
    const result = run.finish();
    result.flows = flows;
    const first: AnalysisReply = { type: 'result', seq: m.seq, result, ids: present.map((c) => c.id), ms: performance.now() - t0 };
    try {
      self.postMessage(first);
    } catch (err) {
      // Copying the result to the page needs one buffer for all of it: with about a million
      // flows that is more memory than Chromium gives a message.
      const n = (x: number) => x.toLocaleString('en-US');
      throw new Error(
        `${n(result.flows.length)} flows and ${n(result.findings.length)} findings are more than the app can take over from its analysis (${(err instanceof Error ? err.message : String(err)).replace(/\.$/, '')}). ` +
          'Analyse these captures with the command line (stagediff analyze --json FILES), or open fewer or shorter captures.',
      );
    }
    const t1 = performance.now();
    // The analysis's own model: no second build (and the same NAT joins).
    const x = links(model);
    const transfer: Transferable[] = [...x.flowOf, ...x.verdicts, ...x.flowAt].map((a) => a.buffer);
    const second: AnalysisReply = { type: 'links', seq: m.seq, links: x, ms: performance.now() - t1 };
    self.postMessage(second, transfer);
  } catch (err) {
    const reply: AnalysisReply = { type: 'error', seq: m.seq, message: err instanceof Error ? `${err.message}` : String(err) };
    self.postMessage(reply);
  }
};
