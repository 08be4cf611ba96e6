import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { bootError, spawnWorker } from '../../shared/node/worker-spawn.ts';

const distSpawner = join(import.meta.dirname, '..', '..', 'dist', 'worker-spawn.cjs');

/** A worker script with this source, in a fresh temporary folder. */
function workerFile(source: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'stagediff-spawn-')), 'worker.mjs');
  writeFileSync(file, source);
  return file;
}

/** Waits for the thread to end (events.once would reject on the error event itself). */
function exited(w: Worker): Promise<unknown> {
  return new Promise((r) => w.on('exit', r));
}

describe('worker threads started early (bin/stagediff.cjs starts them before the CLI bundle loads)', () => {
  it('a thread that dies before anyone listens keeps its error for the pool and does not bring the process down', async () => {
    const w = spawnWorker(workerFile("throw new Error('worker bundle is damaged');\n"));
    await exited(w);
    expect(bootError(w)?.message).toContain('worker bundle is damaged');
  });

  it('the pool (in dist/cli.mjs) sees the boot error of a thread that dist/worker-spawn.cjs started', async () => {
    const bundled = (await import(distSpawner)) as { spawnWorker: typeof spawnWorker };
    const w = bundled.spawnWorker(workerFile("throw new Error('damaged again');\n"));
    await exited(w);
    expect(bootError(w)?.message).toContain('damaged again');
  });

  it('a healthy thread has no boot error', async () => {
    const w = spawnWorker(workerFile("import { parentPort } from 'node:worker_threads'; parentPort.postMessage('up');\n"));
    const [msg] = await once(w, 'message');
    expect(msg).toBe('up');
    expect(bootError(w)).toBeNull();
    await w.terminate();
  });
});
