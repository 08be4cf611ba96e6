// Dev tool: times the index and analysis phases in one thread (no workers).
import { indexFile } from '../../shared/node/file-source.ts';
import { analyzePart } from '../../shared/engine/analyze.ts';
import { parseCaptureArg } from '../../shared/engine/labels.ts';
import { packIndex, viewIndex } from '../../shared/engine/packed-flows.ts';
const files = process.argv.slice(2);
const t0 = performance.now();
const ixs: import('../shared/engine/capture-index.ts').IndexedCapture[] = [];
for (const f of files) {
  const a = performance.now();
  ixs.push(await indexFile(f, undefined, undefined, { shared: !!process.env.SHARED, sync: true, lean: !!process.env.LEAN }));
  console.error(`index ${f}: ${(performance.now() - a).toFixed(0)} ms`);
}
const t1 = performance.now();
console.error(`index ${(t1 - t0).toFixed(0)} ms`);
const packed = ixs.map((ix) => packIndex(ix, true));
const mode = process.env.MODE ?? 'full,half,packed';
let bytes = 0;
for (const m of mode.split(",").filter((x) => x !== "none")) {
  const inputs = files.map((f, i) => ({ spec: parseCaptureArg(f), ix: m.startsWith("packed") ? viewIndex({ ...packed[i] }) : { ...ixs[i] } }));
  await (globalThis as { __startAlloc?: () => Promise<void> }).__startAlloc?.();
  const t2 = performance.now();
  await analyzePart(inputs, {}, 0, m.startsWith("full") || m === "packedfull" ? 1 : 2, m !== "fullnojson", (b) => { bytes += b.json.length; }, (t) => console.error(`${m}: model ${t.modelMs.toFixed(0)} ms flows ${t.flowsMs.toFixed(0)} ms`));
  console.error(`${m} analysis ${(performance.now() - t2).toFixed(0)} ms`);
  await (globalThis as { __stopAlloc?: () => Promise<void> }).__stopAlloc?.();
}
