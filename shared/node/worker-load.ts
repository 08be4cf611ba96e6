/**
 * A worker thread's entry (dist/worker-load.cjs): runs the worker's bundle beside it
 * (dist/analysis-worker.cjs) compiled with the V8 code cache the build made for it
 * (dist/analysis-worker.cache), so that the thread neither parses the bundle nor compiles the
 * functions a run calls (~5 ms of a 1 GB `analyze`, on its critical path: this thread's boot,
 * first file and analysis). Without the cache, or with one V8 rejects (another node, other V8
 * flags) or one made for other bytes than the bundle's, the bundle is compiled as usual.
 *
 * The cache file holds the bundle's bytes it was made for, then the CRC-32 of V8's data, then the
 * data: V8 itself checks only the source's length and, in a release build, not the data's
 * checksum, so the bytes are compared and the data's CRC checked here (~1 ms with loading zlib)
 * before V8 sees it: a cache for other code, or damaged on disk, is not used. STAGEDIFF_CODE_CACHE=write (the build, scripts/build.mjs) makes the thread write the cache
 * once its work is done (codeCacheDone(), from analysis-worker.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
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
  if (n !== bytes.length || file.length <= 8 + n || !file.subarray(4, 4 + n).equals(bytes)) return undefined;
  const data = file.subarray(8 + n);
  return crc32(data) === file.readUInt32LE(4 + n) ? data : undefined;
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
  const len = Buffer.alloc(4);
  len.writeUInt32LE(src.length, 0);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(data), 0);
  writeFileSync(cacheFile, Buffer.concat([len, src, crc, data]));
};

const mod = { exports: {} };
// This file's own require: the bundle is in the same folder, so it resolves the same (and
// node:module, with the modules it loads, stays unloaded in the thread).
(script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void)(mod.exports, require, mod, bundle, dir);
