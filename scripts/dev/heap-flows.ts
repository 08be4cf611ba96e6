// Dev tool: memory per capture-point flow kept by the indexer (its packed FlowStore: heap and
// array buffers), with --expose-gc.
import { CaptureIndexer } from '../../shared/engine/capture-index.ts';
import { readFileSync } from 'node:fs';
const gc = (globalThis as { gc?: () => void }).gc!;
const bytes = readFileSync(process.argv[2]);
gc();
const m0 = process.memoryUsage();
const ix = new CaptureIndexer(true, true, true);
for (let o = 0; o < bytes.length; o += 1 << 20) ix.push(bytes.subarray(o, o + (1 << 20)));
gc();
const m1 = process.memoryUsage();
const n = ix.flows.count;
const hist = ix.flows.pack().hist.length;
console.log(`${n} flows: ${((m1.heapUsed - m0.heapUsed) / n).toFixed(0)} B of heap per flow, ${((m1.arrayBuffers - m0.arrayBuffers) / n).toFixed(0)} B of array buffers per flow (all of the index's columns); history ${(hist / n).toFixed(1)} letters a flow`);
