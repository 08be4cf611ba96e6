/// <reference lib="webworker" />
/**
 * Analysis worker: keeps every capture's index and runs the analysis when captures, labels,
 * clock offsets or timers change (no re-indexing). Also works out, for the views, each packet's
 * verdict (forwarded / dropped / received only) and which result flow each local flow belongs to.
 */
import { startAnalysis } from '../../../shared/engine/analyze.ts';
import type { FlowSummary } from '../../../shared/api/analysis.ts';
import { formatCount } from '../util/time.ts';
import type { Model } from '../../../shared/engine/model.ts';
import { matchStages } from '../../../shared/engine/align.ts';
import { flowRows, type FlowAtPoint } from '../../../shared/engine/model.ts';
import type { IndexedCapture } from '../../../shared/engine/capture-index.ts';
import { unpackIndex } from '../../../shared/engine/packed-flows.ts';
import { type AnalysisLinks, type AnalysisReply, type AnalysisRequest, V_DROPPED, V_FORWARDED, V_RECEIVED_ONLY } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const indexes = new Map<number, IndexedCapture>();

/**
 * Most flows the app analyses: 500,000 (a million tiny flows, one finding each) loaded in
 * Chromium in ~24 s with a 1.3 GB page heap; a million crashed the page after the analysis,
 * while the page took over the result (docs/decisions.md, "The app analyses at most 500,000 flows").
 */
const APP_MAX_FLOWS = 500_000;

/**
 * Flows or findings per message to the page: the page's thread spends ~12 µs a flow taking one
 * in (structured clone), so 20,000 a message held it for 200-300 ms at a time.
 */
const SLICE = 5_000;

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

/** Captures whose index is on its way from their index worker (IndexRequest 'analysis'). */
const coming = new Map<number, Promise<void>>();

self.onmessage = async (e: MessageEvent<AnalysisRequest>) => {
  const m = e.data;
  if (m.type === 'expect') {
    const { id, port } = m;
    coming.set(
      id,
      new Promise((resolve) => {
        port.onmessage = (p: MessageEvent<IndexedCapture>) => {
          port.close();
          if (coming.has(id)) indexes.set(id, unpackIndex(p.data));
          coming.delete(id);
          resolve();
        };
      }),
    );
    return;
  }
  if (m.type === 'set') {
    indexes.set(m.id, unpackIndex(m.ix));
    return;
  }
  if (m.type === 'remove') {
    indexes.delete(m.id);
    coming.delete(m.id);
    return;
  }
  // The page asks once every capture is indexed; an index may still be on its way here.
  await Promise.all(m.captures.map((c) => coming.get(c.id)));
  const t0 = performance.now();
  try {
    const present = m.captures.filter((c) => indexes.has(c.id));
    const inputs = present.map((c) => ({ spec: c.spec, ix: indexes.get(c.id)! }));
    const run = startAnalysis(inputs, { settings: m.settings, clockOffsets: m.clockOffsets });
    const model = run.model;
    if (run.totalFlows > APP_MAX_FLOWS) {
      throw new Error(
        `These captures hold ${formatCount(run.totalFlows)} flows: more than the app can analyse and show at once (at most ${formatCount(APP_MAX_FLOWS)}; beyond that its page runs out of memory). ` +
          'Analyse them with the command line (stagediff analyze --json FILES, or stagediff export), or open fewer or shorter captures.',
      );
    }
    // The flows go to the page in slices as they are analysed (it reads them while the rest is
    // analysed, and neither side holds one message of every flow), with the progress at most
    // every 200 ms; then the findings in slices, then the rest of the result.
    let flows: FlowSummary[] = [];
    let shown = performance.now();
    const post = (reply: AnalysisReply) => self.postMessage(reply);
    for (const done of run.steps((f) => flows.push(f))) {
      if (flows.length >= SLICE) {
        post({ type: 'part', seq: m.seq, flows });
        flows = [];
      }
      const now = performance.now();
      if (now - shown < 200) continue;
      shown = now;
      post({ type: 'progress', seq: m.seq, done, total: run.totalFlows });
    }
    if (flows.length) post({ type: 'part', seq: m.seq, flows });
    const result = run.finish();
    for (let i = 0; i < result.findings.length; i += SLICE) post({ type: 'part', seq: m.seq, findings: result.findings.slice(i, i + SLICE) });
    post({ type: 'result', seq: m.seq, result: { ...result, findings: [] }, ids: present.map((c) => c.id), ms: performance.now() - t0 });
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
