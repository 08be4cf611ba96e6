// Dev tool: heap bytes per capture-point flow kept by the indexer (PointFlow objects), with --expose-gc.
import { CaptureIndexer } from '../../shared/engine/capture-index.ts';
import { readFileSync } from 'node:fs';
const gc = (globalThis as { gc?: () => void }).gc!;
const bytes = readFileSync(process.argv[2]);
gc();
const h0 = process.memoryUsage().heapUsed;
const ix = new CaptureIndexer(true, true, true);
for (let o = 0; o < bytes.length; o += 1 << 20) ix.push(bytes.subarray(o, o + (1 << 20)));
gc();
const h1 = process.memoryUsage().heapUsed;
const n = ix.flows.length;
const hist = ix.flows.reduce((s, f) => s + f.history.length, 0);
console.log(`${n} flows: ${((h1 - h0) / n).toFixed(0)} B of heap per flow; history ${(hist / n).toFixed(1)} letters a flow`);
