// Dev tool: heap used by the model (packed flow views, as in an analysis worker).
import { indexFile } from '../../shared/node/file-source.ts';
import { packIndex, viewIndex } from '../../shared/engine/packed-flows.ts';
import { buildModel } from '../../shared/engine/model.ts';
import { parseCaptureArg } from '../../shared/engine/labels.ts';
import { DEFAULT_SETTINGS } from '../../shared/engine/settings.ts';
const gc = (globalThis as { gc?: () => void }).gc!;
const files = process.argv.slice(2);
const ixs = [];
for (const f of files) ixs.push(packIndex(await indexFile(f, undefined, undefined, { shared: true, sync: true, lean: true }), true));
gc();
const h0 = process.memoryUsage().heapUsed;
const inputs = files.map((f, i) => ({ spec: parseCaptureArg(f), ix: viewIndex({ ...ixs[i] }) }));
gc();
const h1 = process.memoryUsage().heapUsed;
// DESCRIBE=0: as an analysis worker builds it (each flow described when its turn comes).
const m = buildModel(inputs, { ...DEFAULT_SETTINGS }, {}, process.env.DESCRIBE !== '0');
gc();
const h2 = process.memoryUsage().heapUsed;
const pf = inputs.reduce((s, x) => s + x.ix.flows.length, 0);
console.log(`flows ${m.flows.length}, point flows ${pf}; views ${((h1 - h0) / pf).toFixed(0)} B/point flow; model ${((h2 - h1) / m.flows.length).toFixed(0)} B/flow`);
