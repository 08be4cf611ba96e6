/**
 * Node side of `analyze`: indexes every capture in worker threads (a pool the caller sizes, at
 * most one per core; the CLI's own thread reads files too), then splits the analysis over the
 * pool's threads. A file that cannot be read still appears, with its error; it never stops the
 * others.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { bootError, spawnWorker, workerPath } from './worker-spawn.ts';
import type { CaptureSpec } from '../engine/labels.ts';
import type { IndexedCapture } from '../engine/capture-index.ts';
import { unpackIndex } from '../engine/packed-flows.ts';
import { indexFile, type Progress } from './file-source.ts';
import { indexLean, indexPacked, releaseCore, type LeanRead } from './index-core.ts';
import type { AnalysisResult } from '../api/analysis.ts';
import { analyzePart, BlockMerger, captureSummary, quietFlowsUsed, type AnalysisBlock, type AnalysisInput, type AnalyzeOptions } from '../engine/analyze.ts';

type Reply = { type: string; id: number } & Progress & { ix: IndexedCapture; block: AnalysisBlock; totalFlows: number; message: string; readBy?: string };

/** A worker thread ran out of the memory it may use: a limit of the machine, not a bug. */
export class OutOfMemory extends Error {}

const outOfMemory = (e: Error | string) => typeof e !== 'string' && (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';

/** What a worker thread's death means to the user (out of memory: what the limit is and what to do). */
function workerError(e: Error): string {
  if (!outOfMemory(e)) return e.message;
  const mb = Number(process.env.STAGEDIFF_HEAP_MB);
  return (
    `out of memory: the thread needed more than the ${mb > 0 ? `${mb} MB` : 'memory'} of JavaScript heap it may use ` +
    "(STAGEDIFF_HEAP_MB; by default three quarters of this machine's memory, 4 to 32 GB). Analyse fewer or shorter captures at a time " +
    '(editcap -A/-B cuts a capture by time), or use a machine with more memory.'
  );
}

/** One worker thread of the pool: indexes files one at a time, then takes part in the analysis. */
class PoolWorker {
  private readonly w: Worker;
  private next = 0;
  private readonly handlers = new Map<number, (msg: Reply) => void>();
  private failure: Error | null = null;
  constructor(w: Worker) {
    this.w = w;
    this.failure = bootError(w);
    this.w.on('message', (msg: Reply) => this.handlers.get(msg.id)?.(msg));
    this.w.on('error', (e) => {
      this.failure = e;
      for (const [id, h] of [...this.handlers]) {
        this.settle(id);
        h({ type: 'error', id, message: workerError(e) } as Reply);
      }
    });
  }

  private request(msg: Record<string, unknown>, handler: (msg: Reply) => void, transfer: Transferable[] = []): number {
    const id = this.next++;
    if (this.failure) {
      handler({ type: 'error', id, message: workerError(this.failure) } as Reply);
      return id;
    }
    // The thread is unref'ed (an idle pool never holds the process open), so while it owes an
    // answer it is ref'ed: else a thread that died (out of memory) left the event loop empty
    // before its 'error' event came, and node exited (13) without a word.
    if (this.handlers.size === 0) this.w.ref();
    this.handlers.set(id, handler);
    this.w.postMessage({ ...msg, id }, transfer as never);
    return id;
  }

  /** The request answered for good: no handler left, the thread no longer holds the process. */
  private settle(id: number): void {
    this.handlers.delete(id);
    if (this.handlers.size === 0) this.w.unref();
  }

  /** A file's index, and how it was read (indexPacked's readBy in the worker). */
  index(path: string, onProgress?: (p: Progress) => void, lean = false): Promise<LeanRead> {
    return new Promise((resolve) => {
      this.request({ type: 'index', path, lean }, async (msg) => {
        if (msg.type === 'progress') onProgress?.(msg);
        else if (msg.type === 'done') {
          this.settle(msg.id);
          resolve({ ix: msg.ix, readBy: msg.readBy ?? '' });
        } else if (msg.type === 'error') {
          // Out of memory: the file says so (this thread has no more memory than the worker had).
          if (this.failure && outOfMemory(this.failure)) return resolve({ ix: emptyIndex(msg.message), readBy: 'none (out of memory)' });
          // A worker that fails otherwise: the file is read in-process so the message names the real problem.
          const ix = await indexFile(path, undefined, undefined, { lean }).catch(() => emptyIndex(`internal error: ${msg.message}`));
          resolve({ ix, readBy: 'js (the worker failed)' });
        }
      });
    });
  }

  /** This worker's part of the analysis; `onBlock` gets each block, `ack` releases the next. */
  analyze(inputs: AnalysisInput[], opts: AnalyzeOptions, part: number, parts: number, json: boolean, onBlock: (b: AnalysisBlock, ack: () => void, totalFlows: number) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      const id = this.request({ type: 'analyze', inputs, opts, part, parts, json }, (msg) => {
        if (msg.type === 'block') onBlock(msg.block, () => this.w.postMessage({ type: 'ack', id }), msg.totalFlows);
        else if (msg.type === 'analyzed') {
          this.settle(id);
          resolve(msg.totalFlows);
        } else if (msg.type === 'failed' || msg.type === 'error') {
          this.settle(id);
          reject(this.failure && outOfMemory(this.failure) ? new OutOfMemory(msg.message) : new Error(`analysis worker: ${msg.message}`));
        }
      });
    });
  }

  /** The thread died (its error was reported to what it was doing). */
  get failed(): boolean {
    return this.failure !== null;
  }

  close(): void {
    void this.w.terminate();
  }
}

/** Worker threads for indexing and then analysing (the same threads: their JIT stays warm). */
export class WorkerPool {
  private constructor(readonly workers: PoolWorker[]) {}

  /**
   * A pool of `size` workers, or null when there is no bundled worker (running from sources).
   * Threads already started (`early`, see worker-spawn.ts) are used first; those left over end.
   */
  static open(size = availableParallelism(), early: Worker[] = []): WorkerPool | null {
    const wp = workerPath();
    for (const w of early.slice(size)) void w.terminate();
    if (!wp || size <= 0) return null;
    return new WorkerPool(Array.from({ length: size }, (_, i) => new PoolWorker(early[i] ?? spawnWorker(wp))));
  }

  /** Starts workers until there are `size` (the CLI's analysis may want more than read). */
  grow(size: number): void {
    const wp = workerPath();
    while (wp && this.workers.length < size) this.workers.push(new PoolWorker(spawnWorker(wp)));
  }

  close(): void {
    for (const w of this.workers) w.close();
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
    groupT: new Float64Array(0),
    groupSig: z(),
    groupIpId: new Int32Array(0),
    groupBits: new Int32Array(0),
    firstNs: 0,
    lastNs: 0,
    wireBytes: 0,
  };
}

/**
 * Indexes every capture, largest first, one file per worker at a time (in `pool`, or in a pool
 * of its own when there are several files, else in-process).
 */
export async function indexAll(
  specs: CaptureSpec[],
  onProgress?: (i: number, p: Progress) => void,
  pool?: WorkerPool | null,
  /** Leave the flows of indexes made in workers packed (for analyzeAll with the same pool). */
  keepPacked = false,
  /** Lean indexes (only what the analysis reads: IndexedCapture.lean). */
  lean = false,
  /**
   * This thread reads files too, as one more lane beside the pool's workers (the CLI: its main
   * thread has nothing else to do, is ready before a worker has booted, and spares the process a
   * thread). Not for a thread that must stay responsive (the app's).
   */
  mainLane = false,
  /** Filled with each file's lane and start/end times (performance.now()), for STAGEDIFF_TIMING. */
  laneLog?: { file: number; lane: string; startMs: number; endMs: number; readBy: string }[],
): Promise<IndexedCapture[]> {
  const out: IndexedCapture[] = new Array(specs.length);
  const own = pool === undefined && specs.length > 1 ? WorkerPool.open(Math.min(specs.length, availableParallelism())) : null;
  const workers = (pool ?? own)?.workers ?? [];
  const here = mainLane && workers.length > 0 ? 1 : 0;
  const lanes = Math.max(1, Math.min(specs.length, workers.length + here || 1));
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
  let reading = lanes;
  try {
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        while (next < order.length) {
          const i = order[next++];
          const cb = onProgress ? (p: Progress) => onProgress(i, p) : undefined;
          const startMs = performance.now();
          let readBy = 'js';
          if (lane < workers.length) ({ ix: out[i], readBy } = await workers[lane].index(specs[i].path, cb, lean));
          else if (here) {
            // As a worker's lane: a failure inside the reader leaves this file with its message,
            // never the others without theirs.
            ({ ix: out[i], readBy } = await indexPacked(specs[i].path, cb, lean, 4 << 20).catch((e: Error): LeanRead => ({ ix: emptyIndex(`internal error: ${e.message}`), readBy })));
          } else if (lean) ({ ix: out[i], readBy } = await indexLean(specs[i].path, cb, true, 0, false));
          else out[i] = await indexFile(specs[i].path, cb, undefined, { lean });
          laneLog?.push({ file: i, lane: lane < workers.length ? `worker ${lane + 1}` : 'main', startMs, endMs: performance.now(), readBy });
        }
        reading--;
        // This thread's lane is done while workers still read theirs: its index core's memory can
        // go now, by a full collection (~7 ms), on time it would wait anyway. When its lane is the
        // last, the core stays (at most the columns of one file: ~35 bytes a record, up to 18 MB):
        // the collection would delay the analysis, or compete with it for the two cores.
        if (lane >= workers.length && here && reading > 0) await releaseCore();
      }),
    );
  } finally {
    own?.close();
  }
  if (!keepPacked) for (const ix of out) unpackIndex(ix);
  return out;
}

/**
 * Flows (counted at each capture point) worth one analysis worker: every worker builds the whole
 * model and warms its own JIT, and on two cores a second one mostly costs memory (the 10 GB set,
 * ~440,000 point flows: ~80 MB more at the peak for 0.1-0.5 s of ~7 s; docs/performance.md, sixth
 * session). STAGEDIFF_ANALYSIS_WORKERS=N (CLI) sets the number.
 */
export const FLOWS_PER_ANALYSIS_WORKER = 500_000;

/** Analysis workers for these indexes by default: one per FLOWS_PER_ANALYSIS_WORKER point flows. */
export function analysisWorkers(ixs: IndexedCapture[]): number {
  let flows = 0;
  for (const ix of ixs) flows += ix.packedFlows ? ix.packedFlows.count : ix.flows.length;
  return Math.max(1, Math.ceil(flows / FLOWS_PER_ANALYSIS_WORKER));
}

/**
 * The analysis, split over the pool's workers by blocks of flows (in-process without a pool).
 * `onBlock` sees the blocks in flow order; the next blocks wait while its promise is pending
 * (the output drains). Returns the result without flows.
 */
export async function analyzeAll(
  inputs: AnalysisInput[],
  opts: AnalyzeOptions,
  json: boolean,
  onBlock: (b: AnalysisBlock, totalFlows: number) => void | Promise<void>,
  pool?: WorkerPool | null,
  /** At most this many of the pool's workers analyse (default: all). */
  maxWorkers = Infinity,
): Promise<AnalysisResult> {
  // The captures' summaries once the work is under way (the workers are given it first).
  const captures = () => inputs.map((x) => captureSummary(x.spec, x.ix, x.sha256));
  let total = 0;
  // A worker that died while indexing (its files were then read in-process) takes no part.
  const workers = pool ? pool.workers.filter((w) => !w.failed).slice(0, Math.max(1, maxWorkers)) : [];
  if (workers.length === 0) {
    // With the quiet flows' hook the analysis reads packed indexes in place (a lean model);
    // without, the flows unpacked are quicker to read than views.
    if (!quietFlowsUsed()) for (const x of inputs) unpackIndex(x.ix);
    const merger = new BlockMerger(() => {});
    await analyzePart(inputs, opts, 0, 1, json, async (b, t) => {
      merger.add(b);
      await onBlock(b, t);
    });
    return merger.finish(captures(), opts);
  }
  // Blocks are emitted in order; each is acknowledged to its worker once the caller took it.
  let chain: Promise<void> = Promise.resolve();
  const merger = new BlockMerger((b) => {
    const ack = acks.get(b.block)!;
    acks.delete(b.block);
    chain = chain.then(() => onBlock(b, total)).then(ack);
  });
  const acks = new Map<number, () => void>();
  const parts = workers.length;
  await Promise.all(
    workers.map((w, part) =>
      w.analyze(inputs, opts, part, parts, json, (b, ack, t) => {
        total = t;
        acks.set(b.block, ack);
        merger.add(b);
      }),
    ),
  );
  await chain;
  return merger.finish(captures(), opts);
}
