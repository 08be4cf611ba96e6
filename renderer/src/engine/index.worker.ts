/// <reference lib="webworker" />
/**
 * Indexing worker: one capture file in, its columnar index out. Reads the File itself as a
 * stream (or takes chunks from the UI thread), reports progress about every 100 ms.
 * Cancel = the UI terminates the worker.
 */
import { CaptureIndexer, leanView, transferables } from '../../../shared/engine/capture-index.ts';
import { packIndex } from '../../../shared/engine/packed-flows.ts';
import type { IndexReply, IndexRequest } from './protocol.ts';

declare const self: DedicatedWorkerGlobalScope;

let indexer: CaptureIndexer | null = null;
let started = 0;
let lastProgress = 0;
/** The first bytes of the file, kept until the first record's offset is known. */
let head: Uint8Array = new Uint8Array(0);
const HEAD_MAX = 1024 * 1024;

function post(m: IndexReply, transfer: Transferable[] = []): void {
  self.postMessage(m, transfer);
}

/**
 * Columns in shared memory when the page is cross-origin isolated (main/web-policy.mjs): the page,
 * the analysis worker and an export worker then read one copy of the index.
 */
const shared = self.crossOriginIsolated === true;

function begin(): CaptureIndexer {
  if (!indexer) {
    indexer = new CaptureIndexer(shared);
    started = performance.now();
  }
  return indexer;
}

function push(bytes: Uint8Array): void {
  const ix = begin();
  if (head.length < HEAD_MAX) {
    const take = bytes.subarray(0, HEAD_MAX - head.length);
    const h = new Uint8Array(head.length + take.length);
    h.set(head);
    h.set(take, head.length);
    head = h;
  }
  ix.push(bytes);
  const now = performance.now();
  if (now - lastProgress > 100) {
    lastProgress = now;
    post({ type: 'progress', bytesRead: ix.bytesRead, packets: ix.packets });
  }
}

/** The analysis worker's port for the index being made (IndexRequest 'analysis'). */
let analysisPort: MessagePort | null = null;

function finish(): void {
  const made = begin();
  post({ type: 'progress', bytesRead: made.bytesRead, packets: made.packets, grouping: true });
  // Flow table packed into a few typed arrays: transferred, not cloned object by object.
  const ix = packIndex(made.finish(), shared);
  // The analysis worker's view, lean, goes straight from this thread (columns in shared memory
  // are shared; others are copied here, before they are transferred below): the page's thread
  // neither copies it nor waits while it is copied (~1.4 s for a 2.5 GB file when the page
  // passed the whole index on).
  analysisPort?.postMessage(leanView(ix));
  analysisPort?.close();
  analysisPort = null;
  const firstRecord = ix.packets > 0 ? ix.fileOffset[0] : 0;
  const header = head.slice(0, Math.min(firstRecord, head.length));
  const transfer: Transferable[] = [header.buffer];
  transfer.push(...transferables(ix));
  post({ type: 'progress', bytesRead: ix.bytesRead, packets: ix.packets });
  post({ type: 'done', ix, header, ms: performance.now() - started }, transfer);
  // Ready for the next file (the worker is pooled).
  indexer = null;
  head = new Uint8Array(0);
  lastProgress = 0;
}

self.onmessage = async (e: MessageEvent<IndexRequest>) => {
  const m = e.data;
  try {
    if (m.type === 'analysis') analysisPort = m.port;
    else if (m.type === 'file') {
      const f = m.file;
      // Columns sized once for the whole file instead of doubling as they fill.
      begin().expectBytes(f.size);
      // The File's own stream: Chromium reads ahead while a chunk is parsed, and it reads ~1.5x
      // faster than File.slice(...).arrayBuffer() calls (docs/decisions.md, "The app reads a
      // dropped file as a stream").
      const reader = f.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        push(value);
      }
      finish();
    } else if (m.type === 'chunk') push(m.bytes);
    else if (m.type === 'end') finish();
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
