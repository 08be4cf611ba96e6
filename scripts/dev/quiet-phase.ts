// Dev tool: the analysis phase (analyzePart with records) in one thread, ROUNDS times over the same
// indexes (packed, as the analysis worker gets them), with the quiet flows' WebAssembly (QUIET=0:
// without), timing the hook's calls apart.
import { indexPacked } from '../../shared/node/index-core.ts';
import { analyzePart, useQuietFlows, type QuietFlows } from '../../shared/engine/analyze.ts';
import { parseCaptureArg } from '../../shared/engine/labels.ts';
import { wasmQuietFlows } from '../../shared/node/quiet-flows.ts';
import { useFlowIds } from '../../shared/engine/model.ts';
import { wasmFlowIds } from '../../shared/node/flow-ids.ts';
const files = process.argv.slice(2);
const packed = [];
for (const f of files) packed.push((await indexPacked(f, undefined, true)).ix);
useFlowIds(wasmFlowIds());
const hook = wasmQuietFlows()!;
let ms = 0;
const timed: QuietFlows = {
  begin: (m) => hook.begin(m),
  block(lean, from, end) {
    const t = performance.now();
    hook.block!(lean, from, end);
    ms += performance.now() - t;
  },
  lean(lean, i, r) {
    const t = performance.now();
    const q = hook.lean(lean, i, r);
    ms += performance.now() - t;
    return q;
  },
};
if (process.env.QUIET !== '0') useQuietFlows(timed);
for (let r = 0; r < Number(process.env.ROUNDS ?? 4); r++) {
  const inputs = files.map((f, i) => ({ spec: parseCaptureArg(f), ix: { ...packed[i] } }));
  ms = 0;
  const t0 = performance.now();
  let model = 0;
  await analyzePart(inputs, {}, 0, 1, true, () => {}, (t) => (model = t.modelMs));
  console.error(`round ${r}: model ${model.toFixed(0)} ms, analysis ${(performance.now() - t0).toFixed(0)} ms, in the hook ${ms.toFixed(0)} ms`);
}
