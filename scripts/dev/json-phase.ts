// Dev tool: times the CLI's flows JSON (FlowJson, on the main thread in `analyze --json`) alone,
// warm, over the records of a real analysis: `node OUT.mjs CAPTURE...` (ROUNDS=n).
import { indexPacked } from '../../shared/node/index-core.ts';
import { analyzePart, type AnalysisBlock } from '../../shared/engine/analyze.ts';
import { parseCaptureArg } from '../../shared/engine/labels.ts';
import { viewIndex } from '../../shared/engine/packed-flows.ts';
import { FlowJson, pointSource } from '../../shared/engine/flow-records.ts';
const files = process.argv.slice(2);
const inputs = [];
for (const f of files) inputs.push({ spec: parseCaptureArg(f), ix: viewIndex((await indexPacked(f, undefined, true)).ix) });
const blocks: AnalysisBlock[] = [];
await analyzePart(inputs, {}, 0, 1, true, (b) => void blocks.push(b));
for (let r = 0; r < Number(process.env.ROUNDS ?? 8); r++) {
  const t0 = performance.now();
  const fj = new FlowJson(blocks[0].records!.context, pointSource(inputs));
  let bytes = 0;
  for (const b of blocks) {
    const out = fj.block(b.records!, b.flows);
    bytes += out.length;
    fj.written(out);
  }
  console.error(`round ${r}: ${(performance.now() - t0).toFixed(1)} ms, ${bytes} bytes`);
}
