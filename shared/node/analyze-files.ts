/**
 * Node side of `analyze`: indexes every capture in worker threads (one per core), then runs the
 * analysis. A file that cannot be read still appears, with its error; it never stops the others.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import type { AnalysisResult } from '../api/analysis.ts';
import type { CaptureSpec } from '../engine/labels.ts';
import { analyzeIndexes, type AnalyzeOptions } from '../engine/analyze.ts';
import type { IndexedCapture } from '../engine/capture-index.ts';
import { indexFile, type Progress } from './file-source.ts';

function workerPath(): string | null {
  // Bundled: dist/cli.mjs sits next to dist/analysis-worker.mjs. From sources (tests): no worker.
  const here = dirname(fileURLToPath(import.meta.url));
  const p = join(here, 'analysis-worker.mjs');
  return existsSync(p) ? p : null;
}

function indexInWorker(file: string, path: string, onProgress?: (p: Progress) => void): Promise<IndexedCapture> {
  return new Promise((resolve) => {
    const w = new Worker(file, { workerData: { path } });
    w.on('message', (msg: { type: string } & Progress & { ix: IndexedCapture }) => {
      if (msg.type === 'progress') onProgress?.(msg);
      else if (msg.type === 'done') resolve(msg.ix);
    });
    w.on('error', async (e) => {
      // A worker that fails is retried in-process so the message names the real problem.
      const ix = await indexFile(path).catch(() => null);
      if (ix) resolve(ix);
      else resolve(emptyIndex(`internal error: ${e.message}`));
    });
  });
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
  };
}

export async function indexAll(specs: CaptureSpec[], onProgress?: (i: number, p: Progress) => void): Promise<IndexedCapture[]> {
  const wp = workerPath();
  const out: IndexedCapture[] = new Array(specs.length);
  const lanes = Math.max(1, Math.min(specs.length, availableParallelism()));
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < specs.length) {
        const i = next++;
        const cb = onProgress ? (p: Progress) => onProgress(i, p) : undefined;
        out[i] = wp && specs.length > 1 ? await indexInWorker(wp, specs[i].path, cb) : await indexFile(specs[i].path, cb);
      }
    }),
  );
  return out;
}

export async function analyzeFiles(specs: CaptureSpec[], opts: AnalyzeOptions): Promise<AnalysisResult> {
  const ixs = await indexAll(specs);
  return analyzeIndexes(
    specs.map((spec, i) => ({ spec, ix: ixs[i] })),
    opts,
  );
}
