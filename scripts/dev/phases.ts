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
  const pf0 = process.resourceUsage().minorPageFault;
  const t2 = performance.now();
  // BLOCKS=1: the time of each block of flows (the first include the JIT's warm-up); BLOCKS=2
  // also prints a line on stdout per block, to read between --trace-opt / --trace-deopt lines.
  const blockMs: string[] = [];
  let last = t2;
  const onBlock = (b: import('../../shared/engine/analyze.ts').AnalysisBlock) => {
    // The records the JSON is written from (flow-records.ts): numbers and text.
    bytes += b.records ? b.records.nums.byteLength + b.records.text.length : 0;
    if (!process.env.BLOCKS) return;
    const now = performance.now();
    blockMs.push((now - last).toFixed(1));
    last = now;
    if (process.env.BLOCKS === '2') console.log(`BLOCK ${(now - t2).toFixed(0)} ms`);
  };
  await analyzePart(inputs, {}, 0, m.startsWith("full") || m === "packedfull" ? 1 : 2, m !== "fullnojson", onBlock, (t) => console.error(`${m}: model ${t.modelMs.toFixed(0)} ms flows ${t.flowsMs.toFixed(0)} ms`));
  if (blockMs.length) console.error(blockMs.join(' '));
  console.error(`${m} analysis ${(performance.now() - t2).toFixed(0)} ms, page faults ${process.resourceUsage().minorPageFault - pf0}`);
  await (globalThis as { __stopAlloc?: () => Promise<void> }).__stopAlloc?.();
}
