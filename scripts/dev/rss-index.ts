// Dev tool: RSS growth while indexing files one after another in this thread.
import { indexFile } from '../../shared/node/file-source.ts';
import { transferables } from '../../shared/engine/capture-index.ts';
const rss = () => Math.round(process.memoryUsage().rss / 1e6);
const faults = () => process.resourceUsage().minorPageFault;
console.log('start', rss(), 'MB', faults(), 'faults');
const keep = [];
for (const f of process.argv.slice(2)) {
  const ix = await indexFile(f, undefined, undefined, { shared: !!process.env.SHARED, sync: true, lean: !!process.env.LEAN });
  keep.push(ix);
  let bytes = 0;
  for (const k of Object.keys(ix) as (keyof typeof ix)[]) {
    const v = ix[k] as unknown;
    if (ArrayBuffer.isView(v)) bytes += (v as Uint8Array).byteLength;
  }
  const h = process.memoryUsage();
  console.log(f.split('/').pop(), 'packets', ix.packets, 'columns', Math.round(bytes / 1e6), 'MB', (bytes / ix.packets).toFixed(1), 'B/packet; rss', rss(), 'heap', Math.round(h.heapUsed / 1e6), 'external', Math.round(h.external / 1e6), 'ab', Math.round(h.arrayBuffers / 1e6), 'faults', faults());
}
