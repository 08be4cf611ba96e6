/**
 * A worker thread's entry (dist/worker-load.cjs): runs the worker's bundle beside it
 * (dist/analysis-worker.cjs) compiled with the V8 code cache the build made for it
 * (dist/analysis-worker.cache), so that the thread neither parses the bundle nor compiles the
 * functions a run calls (~5 ms of a 1 GB `analyze`, on its critical path: this thread's boot,
 * first file and analysis). Without the cache, or with one V8 rejects (another node, other V8
 * flags) or one made for other bytes than the bundle's, the bundle is compiled as usual.
 *
 * The cache file holds the bundle's bytes it was made for, then V8's data: V8 itself checks only
 * the source's length, so the bytes are compared here (a memcmp of ~200 KB) before V8 sees the
 * data. STAGEDIFF_CODE_CACHE=write (the build, scripts/build.mjs) makes the thread write the cache
 * once its work is done (codeCacheDone(), from analysis-worker.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

/** Node's CommonJS wrapper (Module.wrap), which the cached code was made with. */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n});';

const dir = __dirname;
const bundle = join(dir, 'analysis-worker.cjs');
const cacheFile = join(dir, 'analysis-worker.cache');
const src = readFileSync(bundle);

/** V8's data from the cache file when it was made for these bytes, else undefined. */
function cachedFor(bytes: Buffer): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  if (file.length < 4) return undefined;
  const n = file.readUInt32LE(0);
  return n === bytes.length && file.length > 4 + n && file.subarray(4, 4 + n).equals(bytes) ? file.subarray(4 + n) : undefined;
}

const write = process.env.STAGEDIFF_CODE_CACHE === 'write';
const cachedData = write ? undefined : cachedFor(src);
const script = new Script(WRAP_HEAD + src.toString('utf8') + WRAP_TAIL, { filename: bundle, cachedData });
if (process.env.STAGEDIFF_CODE_CACHE === 'log') process.stderr.write(`stagediff: worker code cache ${cachedData ? (script.cachedDataRejected ? 'rejected' : 'used') : 'absent'}\n`);

// Called by the bundle when its work is done: with STAGEDIFF_CODE_CACHE=write, the cache of
// everything compiled so far goes beside the bundle.
(globalThis as Record<symbol, unknown>)[Symbol.for('stagediff.codeCacheDone')] = () => {
  if (!write) return;
  const data = script.createCachedData();
  const head = Buffer.alloc(4);
  head.writeUInt32LE(src.length, 0);
  writeFileSync(cacheFile, Buffer.concat([head, src, data]));
};

const mod = { exports: {} };
(script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void)(mod.exports, createRequire(bundle), mod, bundle, dir);
