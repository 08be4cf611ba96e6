// Dev tool: the analysis phase (model, flows and their records, then the JSON: FlowJson) in one thread,
// ROUNDS times over the same indexes: the first round pays V8's compiles, the later ones do not.
import { indexPacked } from '../../shared/node/index-core.ts';
import { analyzePart, type AnalysisBlock } from '../../shared/engine/analyze.ts';
import { parseCaptureArg } from '../../shared/engine/labels.ts';
import { viewIndex } from '../../shared/engine/packed-flows.ts';
import { FlowJson, pointSource } from '../../shared/engine/flow-records.ts';
const files = process.argv.slice(2);
const packed = [];
for (const f of files) packed.push((await indexPacked(f, undefined, true)).ix);
for (let r = 0; r < Number(process.env.ROUNDS ?? 4); r++) {
  const inputs = files.map((f, i) => ({ spec: parseCaptureArg(f), ix: viewIndex({ ...packed[i] }) }));
  const t0 = performance.now();
  const blocks: AnalysisBlock[] = [];
  let model = 0;
  await analyzePart(inputs, {}, 0, 1, true, (b) => void blocks.push(b), (t) => (model = t.modelMs));
  const t1 = performance.now();
  const fj = new FlowJson(blocks[0].records!.context, pointSource(inputs));
  let bytes = 0;
  for (const b of blocks) {
    const out = fj.block(b.records!, b.flows);
    bytes += out.length;
    fj.written(out);
  }
  const t2 = performance.now();
  console.error(`round ${r}: model ${model.toFixed(0)} ms, analysis ${(t1 - t0).toFixed(0)} ms, json ${(t2 - t1).toFixed(0)} ms (${bytes} bytes)`);
}
