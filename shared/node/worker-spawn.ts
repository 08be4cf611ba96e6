/**
 * Starting the analysis worker threads. Its own small bundle (dist/worker-spawn.cjs), so that
 * bin/stagediff.cjs can start the threads of `analyze` before it loads the CLI bundle: a
 * thread takes ~35 ms to boot and load its code, the CLI bundle ~20 ms to load, and the two now
 * overlap.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

/**
 * The worker's entry next to this bundle: dist/worker-load.cjs (which runs dist/analysis-worker.cjs
 * with its code cache), else dist/analysis-worker.cjs itself; null when running from sources (tests).
 */
export function workerPath(): string | null {
  const dir = dirname(fileURLToPath(import.meta.url));
  return [join(dir, 'worker-load.cjs'), join(dir, 'analysis-worker.cjs')].find((p) => existsSync(p)) ?? null;
}

/**
 * One analysis worker thread, not keeping the process alive. Its old-space limit is the one
 * bin/stagediff.cjs works out (STAGEDIFF_HEAP_MB: most of the RAM; V8's default of ~4 GB is too
 * small for a million flows); a small young generation: the workers' garbage is short-lived
 * per-flow data, and V8's default kept ~40 MB more resident at 2 GB.
 */
export function spawnWorker(file: string): Worker {
  const heapMb = Number(process.env.STAGEDIFF_HEAP_MB) || undefined;
  const w = new Worker(file, { resourceLimits: { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: heapMb } });
  w.unref();
  // A thread that dies before the pool takes it (which listens from then on) must not bring the
  // process down: its error is kept for the pool.
  w.once('error', (e) => ((w as Worker & { [BOOT_ERROR]?: Error })[BOOT_ERROR] = e));
  return w;
}

/**
 * Where a thread's boot error is kept: on the Worker itself under a registered symbol, because
 * the threads bin/stagediff.cjs starts come from dist/worker-spawn.cjs and the pool that takes
 * them is in dist/cli.mjs, each bundle with its own copy of this module.
 */
const BOOT_ERROR = Symbol.for('stagediff.bootError');

/** The error a thread died of before anyone listened, if it did. */
export function bootError(w: Worker): Error | null {
  return (w as Worker & { [BOOT_ERROR]?: Error })[BOOT_ERROR] ?? null;
}

/** `n` analysis worker threads, or none when there is no bundled worker. */
export function startWorkers(n: number): Worker[] {
  const file = workerPath();
  return file ? Array.from({ length: n }, () => spawnWorker(file)) : [];
}
