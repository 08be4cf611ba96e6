import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

describe("the worker's V8 code cache (dist/worker-load.cjs, dist/analysis-worker.cache)", () => {
  const dist = join(import.meta.dirname, '..', '..', 'dist');
  const pcap = join(import.meta.dirname, '..', '..', 'renderer', 'public', 'sample', 'PA-VM-1_receive.pcap');

  /** A worker started from `dir`'s worker-load.cjs indexes a file; what it said about its cache, and the index's packets. */
  async function indexThrough(dir: string): Promise<{ log: string; packets: number }> {
    const prev = process.env.STAGEDIFF_CODE_CACHE;
    process.env.STAGEDIFF_CODE_CACHE = 'log';
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(join(dir, 'worker-load.cjs'), { stderr: true });
    if (prev === undefined) delete process.env.STAGEDIFF_CODE_CACHE;
    else process.env.STAGEDIFF_CODE_CACHE = prev;
    let log = '';
    w.stderr.on('data', (d) => (log += d));
    w.postMessage({ type: 'index', id: 1, path: pcap, lean: true });
    const packets = await new Promise<number>((resolve, reject) => {
      w.on('message', (m) => m.type === 'done' && resolve(m.ix.packets));
      w.on('error', reject);
    });
    await w.terminate();
    return { log, packets };
  }

  it('the build made the cache, and a worker uses it', async () => {
    const r = await indexThrough(dist);
    expect(r.log).toContain('worker code cache used');
    expect(r.packets).toBeGreaterThan(0);
  });

  it('a cache made for other bytes than the bundle is not used (V8 checks only their length), and the worker works as without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-cache-'));
    for (const f of readdirSync(dist)) if (/^(worker-load\.cjs|analysis-worker\.(cjs|cache)|[\w-]+\.wasm)$/.test(f)) copyFileSync(join(dist, f), join(dir, f));
    const bundle = readFileSync(join(dir, 'analysis-worker.cjs'), 'utf8');
    // The same length, other bytes.
    const changed = bundle.replace('"use strict";', "'use strict';");
    expect(changed).not.toBe(bundle);
    expect(changed.length).toBe(bundle.length);
    writeFileSync(join(dir, 'analysis-worker.cjs'), changed);
    const r = await indexThrough(dir);
    expect(r.log).toContain('worker code cache absent');
    expect(r.packets).toBe((await indexThrough(dist)).packets);
  });

  it("a cache whose V8 data was damaged is not used (V8 does not check it in a release build)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-cache-'));
    for (const f of readdirSync(dist)) if (/^(worker-load\.cjs|analysis-worker\.(cjs|cache)|[\w-]+\.wasm)$/.test(f)) copyFileSync(join(dist, f), join(dir, f));
    const cache = readFileSync(join(dir, 'analysis-worker.cache'));
    const n = cache.readUInt32LE(0);
    const at = 8 + n + Math.floor((cache.length - 8 - n) / 2);
    cache[at] ^= 0xff;
    writeFileSync(join(dir, 'analysis-worker.cache'), cache);
    const r = await indexThrough(dir);
    expect(r.log).toContain('worker code cache absent');
    expect(r.packets).toBeGreaterThan(0);
  });
});
