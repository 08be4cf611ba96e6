/** Streams a capture file from disk into an indexer, one reusable 1 MiB buffer at a time. */
import { open } from 'node:fs/promises';
import { CaptureIndexer, type IndexedCapture } from '../engine/capture-index.ts';

export const CHUNK = 1 << 20;

export interface Progress {
  bytes: number;
  packets: number;
  total: number;
}

/** Reads the file through the indexer. A file that cannot be opened or read ends as an error. */
export async function indexFile(path: string, onProgress?: (p: Progress) => void, signal?: AbortSignal): Promise<IndexedCapture> {
  const ix = new CaptureIndexer();
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    return failed(ix, 0, openMessage(e));
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) return failed(ix, 0, 'is a directory, not a capture file');
    const buf = new Uint8Array(CHUNK);
    let pos = 0;
    let lastReport = 0;
    for (;;) {
      if (signal?.aborted) return failed(ix, pos, 'cancelled');
      let r;
      try {
        r = await fh.read(buf, 0, CHUNK, pos);
      } catch (e) {
        return failed(ix, pos, `read error: ${(e as Error).message}`);
      }
      if (r.bytesRead === 0) break;
      pos += r.bytesRead;
      if (!ix.push(r.bytesRead === CHUNK ? buf : buf.subarray(0, r.bytesRead))) break;
      if (onProgress && pos - lastReport >= 16 * CHUNK) {
        lastReport = pos;
        onProgress({ bytes: pos, packets: ix.packets, total: st.size });
      }
    }
    if (onProgress) onProgress({ bytes: pos, packets: ix.packets, total: st.size });
    return ix.finish();
  } finally {
    await fh.close();
  }
}

function openMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a capture file';
  return `cannot open: ${(e as Error).message}`;
}

function failed(ix: CaptureIndexer, offset: number, message: string): IndexedCapture {
  const out = ix.finish();
  // The reader may already have said "empty file" or "truncated" for what it got: the I/O
  // error is the cause, so it goes first and replaces those.
  out.errors = [{ offset, message }];
  return out;
}
