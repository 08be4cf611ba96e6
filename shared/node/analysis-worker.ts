/**
 * worker_threads worker: indexes capture files one after another (the pool reuses it, so the JIT
 * stays warm) and posts each index back with its typed arrays transferred.
 */
import { parentPort } from 'node:worker_threads';
import { indexFile } from './file-source.ts';
import { transferables } from '../engine/capture-index.ts';

parentPort!.on('message', async (msg: { id: number; path: string }) => {
  const ix = await indexFile(msg.path, (p) => parentPort!.postMessage({ type: 'progress', id: msg.id, ...p }));
  parentPort!.postMessage({ type: 'done', id: msg.id, ix }, transferables(ix));
});
