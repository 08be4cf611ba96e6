import { readFileSync } from 'node:fs';
import { CaptureIndexer } from '/work/main/shared/engine/capture-index.ts';
import { analyzeIndexes } from '/work/main/shared/engine/analyze.ts';
const files = process.argv.slice(2);
const bufs = files.map((f) => readFileSync(f));
for (let rep = 0; rep < 3; rep++) {
  let t0 = performance.now();
  const ixs = bufs.map((b) => { const ix = new CaptureIndexer(); for (let o = 0; o < b.length; o += 1 << 20) ix.push(b.subarray(o, o + (1 << 20))); return ix.finish(); });
  const t1 = performance.now();
  const n = ixs.reduce((s, x) => s + x.packets, 0);
  const r = analyzeIndexes(ixs.map((ix, i) => ({ spec: { path: files[i], device: 'd' + (i >> 1), stage: i % 2 ? 'transmit' : 'receive', labelled: 'explicit' }, ix })));
  const t2 = performance.now();
  const js = JSON.stringify(r);
  const t3 = performance.now();
  console.log(`index ${n} pkts ${(t1 - t0).toFixed(0)} ms = ${(n / (t1 - t0) * 1000 / 1e6).toFixed(2)} Mpps; analyze ${(t2 - t1).toFixed(0)} ms; json ${(t3 - t2).toFixed(0)} ms (${(js.length / 1e6).toFixed(1)} MB)`);
}
