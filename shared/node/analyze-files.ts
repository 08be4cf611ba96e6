/**
 * Node side of `analyze`: indexes every capture in worker threads (one per core), then runs the
 * analysis. A file that cannot be read still appears, with its error; it never stops the others.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import type { CaptureSpec } from '../engine/labels.ts';
import type { IndexedCapture } from '../engine/capture-index.ts';
import { indexFile, type Progress } from './file-source.ts';

function workerPath(): string | null {
  // Bundled: dist/cli.mjs sits next to dist/analysis-worker.mjs. From sources (tests): no worker.
  const here = dirname(fileURLToPath(import.meta.url));
  const p = join(here, 'analysis-worker.mjs');
  return existsSync(p) ? p : null;
}

/** One worker thread that indexes the files it is given, one at a time. */
class IndexWorker {
  private readonly w: Worker;
  private next = 0;
  private readonly waiting = new Map<number, { path: string; resolve: (ix: IndexedCapture) => void; onProgress?: (p: Progress) => void }>();
  constructor(file: string) {
    this.w = new Worker(file);
    this.w.unref();
    this.w.on('message', (msg: { type: string; id: number } & Progress & { ix: IndexedCapture }) => {
      const job = this.waiting.get(msg.id);
      if (!job) return;
      if (msg.type === 'progress') job.onProgress?.(msg);
      else if (msg.type === 'done') {
        this.waiting.delete(msg.id);
        job.resolve(msg.ix);
      }
    });
    this.w.on('error', async (e) => {
      // A worker that fails: its files are read in-process so the message names the real problem.
      for (const [id, job] of this.waiting) {
        this.waiting.delete(id);
        job.resolve(await indexFile(job.path).catch(() => emptyIndex(`internal error: ${e.message}`)));
      }
    });
  }
  index(path: string, onProgress?: (p: Progress) => void): Promise<IndexedCapture> {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, { path, resolve, onProgress });
      this.w.postMessage({ id, path });
    });
  }
  close(): void {
    void this.w.terminate();
  }
}

function emptyIndex(message: string): IndexedCapture {
  const z = () => new Uint32Array(0);
  return {
    format: null,
    linkTypes: [],
    packets: 0,
    bytesRead: 0,
    malformed: 0,
    undecodedLinkTypes: {},
    errors: [{ offset: 0, message }],
    baseSec: 0,
    tNs: new Float64Array(0),
    flow: z(),
    flags: new Uint8Array(0),
    tcpFlags: new Uint16Array(0),
    seq: z(),
    ack: z(),
    len: z(),
    ipId: new Int32Array(0),
    hash: z(),
    cookie: z(),
    wireLen: z(),
    fileOffset: new Float64Array(0),
    flows: [],
    flowKeys: z(),
    rowStart: new Int32Array(1),
    rows: new Int32Array(0),
    firstNs: 0,
    lastNs: 0,
    wireBytes: 0,
  };
}

export async function indexAll(specs: CaptureSpec[], onProgress?: (i: number, p: Progress) => void): Promise<IndexedCapture[]> {
  const wp = workerPath();
  const out: IndexedCapture[] = new Array(specs.length);
  const lanes = Math.max(1, Math.min(specs.length, availableParallelism()));
  // Largest files first, so the lanes finish together.
  const order = specs.map((_, i) => i);
  const sizes = specs.map((s) => {
    try {
      return statSync(s.path).size;
    } catch {
      return 0;
    }
  });
  order.sort((a, b) => sizes[b] - sizes[a]);
  let next = 0;
  const workers = wp && specs.length > 1 ? Array.from({ length: lanes }, () => new IndexWorker(wp)) : [];
  try {
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        while (next < order.length) {
          const i = order[next++];
          const cb = onProgress ? (p: Progress) => onProgress(i, p) : undefined;
          out[i] = workers.length ? await workers[lane].index(specs[i].path, cb) : await indexFile(specs[i].path, cb);
        }
      }),
    );
  } finally {
    for (const w of workers) w.close();
  }
  return out;
}
