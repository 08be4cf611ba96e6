import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { bootError, spawnWorker } from '../../shared/node/worker-spawn.ts';

const distSpawner = join(import.meta.dirname, '..', '..', 'dist', 'worker-spawn.mjs');

describe('worker threads started early (bin/stagediff.mjs starts them before the CLI bundle loads)', () => {
  it('a thread that dies before anyone listens keeps its error for the pool and does not bring the process down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-spawn-'));
    const file = join(dir, 'broken-worker.mjs');
    writeFileSync(file, "throw new Error('worker bundle is damaged');\n");
    const w = spawnWorker(file);
    // (events.once would reject on the error event itself: wait for the exit alone.)
    await new Promise((r) => w.on('exit', r));
    expect(bootError(w)?.message).toContain('worker bundle is damaged');
  });

  it('the pool (in dist/cli.mjs) sees the boot error of a thread that dist/worker-spawn.mjs started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-spawn-'));
    const file = join(dir, 'broken-worker.mjs');
    writeFileSync(file, "throw new Error('damaged again');\n");
    const bundled = (await import(distSpawner)) as { spawnWorker: typeof spawnWorker };
    const w = bundled.spawnWorker(file);
    await new Promise((r) => w.on('exit', r));
    expect(bootError(w)?.message).toContain('damaged again');
  });

  it('a healthy thread has no boot error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-spawn-'));
    const file = join(dir, 'ok-worker.mjs');
    writeFileSync(file, "import { parentPort } from 'node:worker_threads'; parentPort.postMessage('up');\n");
    const w = spawnWorker(file);
    const [msg] = await once(w, 'message');
    expect(msg).toBe('up');
    expect(bootError(w)).toBeNull();
    await w.terminate();
  });
});
