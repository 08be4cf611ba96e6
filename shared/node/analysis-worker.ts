/**
 * worker_threads worker (the pool reuses it, so the JIT stays warm):
 *   index    one capture file into an index in shared memory, posted back (columns and packed
 *            flows shared: nothing is copied);
 *   analyze  its part of the analysis of every index (see analyzePart): blocks of flows posted
 *            back as they are done, at most MAX_AHEAD ahead of the main thread's acknowledgements.
 */
import { parentPort } from 'node:worker_threads';
import { writeSync } from 'node:fs';
import { indexPacked, releaseLargeCore } from './index-core.ts';
import { wasmFlowIds } from './flow-ids.ts';
import { useFlowIds } from '../engine/model.ts';
import { transferables } from '../engine/capture-index.ts';
import { analyzePart, useQuietFlows, type AnalysisInput, type AnalyzeOptions } from '../engine/analyze.ts';
import { wasmQuietFlows } from './quiet-flows.ts';

type WorkerRequest =
  | { type: 'index'; id: number; path: string; lean?: boolean }
  | { type: 'analyze'; id: number; inputs: AnalysisInput[]; opts: AnalyzeOptions; part: number; parts: number; json: boolean }
  | { type: 'ack'; id: number };

function heapMb(v8: typeof import('node:v8')): string {
  const h = v8.getHeapStatistics();
  return `${Math.round(h.used_heap_size / 1048576)}/${Math.round(h.total_heap_size / 1048576)} MB`;
}

// The model's flow ids by WebAssembly (flow-ids.ts), when there is the module.
useFlowIds(wasmFlowIds());
// Quiet flows' analysis by WebAssembly (quiet-flows.ts), when there is the module.
useQuietFlows(wasmQuietFlows());

/** Blocks a worker may have posted and not had acknowledged. */
const MAX_AHEAD = 4;
let ahead = 0;
let wake: (() => void) | null = null;

const port = parentPort!;
port.on('message', async (msg: WorkerRequest) => {
  if (msg.type === 'index') {
    const { ix, readBy } = await indexPacked(msg.path, (p) => port.postMessage({ type: 'progress', id: msg.id, ...p }), msg.lean === true);
    port.postMessage({ type: 'done', id: msg.id, ix, readBy }, transferables(ix));
  } else if (msg.type === 'ack') {
    ahead--;
    wake?.();
  } else {
    try {
      ahead = 0;
      // This thread's index core, if it read files with many flows, goes now (releaseLargeCore).
      await releaseLargeCore();
      // node:v8 for the heap's size in STAGEDIFF_TIMING's line only (loaded when asked for).
      const v8 = process.env.STAGEDIFF_TIMING ? await import('node:v8') : null;
      // The indexes stay packed: the analysis reads them in place (a lean model), or views them.
      const total = await analyzePart(
        msg.inputs,
        msg.opts,
        msg.part,
        msg.parts,
        msg.json,
        async (block, totalFlows) => {
          ahead++;
          // Copied, not transferred: a block's records are small, and a transfer cost more per message.
          port.postMessage({ type: 'block', id: msg.id, block, totalFlows });
          while (ahead >= MAX_AHEAD) await new Promise<void>((r) => (wake = r));
          wake = null;
        },
        // STAGEDIFF_TIMING=1: this part's phases on stderr, written before the worker answers
        // (a worker's process.stderr goes through the main thread, which may have exited by then).
        v8 ? (t) => writeSync(2, `stagediff: timing: part ${msg.part}: model ${Math.round(t.modelMs)} ms, flows ${Math.round(t.flowsMs)} ms (${t.quiet} of ${t.flows} quiet), heap ${heapMb(v8)}\n`) : undefined,
      );
      // The build's run (STAGEDIFF_CODE_CACHE=write) writes this thread's code cache now, before
      // the answer lets the process end (worker-load.ts).
      (globalThis as Record<symbol, (() => void) | undefined>)[Symbol.for('stagediff.codeCacheDone')]?.();
      // Else its index core stays until the pool ends the thread, after the analysis: a full
      // collection to free it sooner took a few ms on the critical path (before the analysis) or
      // at the end (where the process's exit then waited for it), and with few flows the peak of
      // memory is earlier (the 2 GB set: 187 MB freeing it before the analysis, 189 MB without).
      port.postMessage({ type: 'analyzed', id: msg.id, totalFlows: total });
    } catch (e) {
      port.postMessage({ type: 'failed', id: msg.id, message: (e as Error).message });
    }
  }
});
