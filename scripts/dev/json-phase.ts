// Dev tool: the flows' JSON (flow-json-core.ts, the module) of an analysis's blocks, ROUNDS times
// over the same blocks in one thread: the writer's time a round, and its first round (cold).
import { indexPacked } from '../../shared/node/index-core.ts';
import { analyzePart, useQuietFlows, type AnalysisBlock } from '../../shared/engine/analyze.ts';
import { parseCaptureArg } from '../../shared/engine/labels.ts';
import { wasmQuietFlows } from '../../shared/node/quiet-flows.ts';
import { useFlowIds } from '../../shared/engine/model.ts';
import { wasmFlowIds } from '../../shared/node/flow-ids.ts';
import { flowJsonWriter } from '../../shared/node/flow-json-core.ts';
const files = process.argv.slice(2);
const packed = [];
for (const f of files) packed.push((await indexPacked(f, undefined, true)).ix);
useFlowIds(wasmFlowIds());
useQuietFlows(wasmQuietFlows());
const inputs = files.map((f, i) => ({ spec: parseCaptureArg(f), ix: packed[i] }));
const blocks: AnalysisBlock[] = [];
await analyzePart(inputs, {}, 0, 1, true, (b) => void blocks.push(b));
for (let r = 0; r < Number(process.env.ROUNDS ?? 4); r++) {
  const t0 = performance.now();
  const w = flowJsonWriter(blocks[0].records!.context, inputs);
  let bytes = 0;
  for (const b of blocks) {
    const out = w.block(b.records!, b.flows);
    bytes += out.length;
    w.written(out);
  }
  console.error(`round ${r}: ${(performance.now() - t0).toFixed(1)} ms, ${bytes} bytes, blocks by the module ${w.counts.core}, by FlowJson ${w.counts.js}`);
}
