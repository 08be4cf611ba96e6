/// <reference lib="webworker" />
/**
 * Indexing worker: one capture file in, its columnar index out. Reads the File itself in
 * CHUNK_BYTES slices (or takes chunks from the UI thread), reports progress about every 100 ms.
 * Cancel = the UI terminates the worker.
 */
import { CaptureIndexer } from '../../../shared/engine/capture-index.ts';
import { CHUNK_BYTES, type IndexReply, type IndexRequest } from './protocol.ts';

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

function begin(): CaptureIndexer {
  if (!indexer) {
    indexer = new CaptureIndexer();
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

function finish(): void {
  const ix = begin().finish();
  const firstRecord = ix.packets > 0 ? ix.fileOffset[0] : 0;
  const header = head.slice(0, Math.min(firstRecord, head.length));
  const transfer: Transferable[] = [header.buffer];
  for (const a of [ix.tNs, ix.flow, ix.flags, ix.tcpFlags, ix.seq, ix.ack, ix.len, ix.ipId, ix.hash, ix.cookie, ix.wireLen, ix.fileOffset, ix.flowKeys]) {
    transfer.push(a.buffer);
  }
  post({ type: 'progress', bytesRead: ix.bytesRead, packets: ix.packets });
  post({ type: 'done', ix, header, ms: performance.now() - started }, transfer);
}

self.onmessage = async (e: MessageEvent<IndexRequest>) => {
  const m = e.data;
  try {
    if (m.type === 'file') {
      const f = m.file;
      for (let o = 0; o < f.size; o += CHUNK_BYTES) {
        const buf = await f.slice(o, Math.min(f.size, o + CHUNK_BYTES)).arrayBuffer();
        push(new Uint8Array(buf));
      }
      finish();
    } else if (m.type === 'chunk') push(m.bytes);
    else if (m.type === 'end') finish();
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
