/**
 * Reading capture files from disk: one reusable 1 MiB buffer, never the whole file. Regular
 * files are read by position; pipes (a FIFO, `<(zcat x.pcap.gz)`) in sequence, opened without
 * blocking so a pipe nobody writes to cannot hang the analysis.
 */
import type { FileHandle } from 'node:fs/promises';
import { closeSync, constants, fstatSync, readSync, type Stats } from 'node:fs';
import { CaptureIndexer, type IndexedCapture } from '../engine/capture-index.ts';

export const CHUNK = 1 << 20;
/** Blocking reads: small enough that a chunk is still in the core's cache when it is parsed. */
export const SYNC_CHUNK = 256 << 10;
/** How long a pipe may stay silent before its first byte. */
export const PIPE_WAIT_MS = 5000;

export interface Progress {
  bytes: number;
  packets: number;
  total: number;
}

/** A file that could not be opened or read: where and why, in the user's words. */
export class FileReadError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

function openMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a capture file';
  if (code === 'ENOTDIR') return 'no such file (a part of the path is not a directory)';
  return `cannot open: ${(e as Error).message}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The file's bytes in chunks (the same buffer each time: consume before asking for the next).
 * Throws FileReadError with the byte offset. `onSize` learns the size of a regular file.
 */
export async function* readChunks(
  path: string,
  signal?: AbortSignal,
  onSize?: (size: number) => void,
  sync = false,
  /**
   * The file already open as this descriptor (a regular file, read with blocking reads whatever
   * `sync` says): read through it, and close it at the end.
   */
  opened?: number,
): AsyncGenerator<Uint8Array> {
  // node:fs/promises when it is needed: a thread that only reads regular files the core takes
  // never loads it (~1 ms of a worker thread's boot, on the critical path of a run).
  const fsp = opened === undefined ? await import('node:fs/promises') : null;
  let st: Stats;
  try {
    st = fsp ? await fsp.stat(path) : fstatSync(opened!);
  } catch (e) {
    if (opened !== undefined) closeSync(opened);
    throw new FileReadError(0, openMessage(e));
  }
  if (opened !== undefined) {
    try {
      if (!st.isFile()) throw new FileReadError(0, 'not a regular file');
      onSize?.(st.size);
      yield* readBlocking(opened, signal);
    } finally {
      closeSync(opened);
    }
    return;
  }
  if (st.isDirectory()) throw new FileReadError(0, 'is a directory, not a capture file');
  const regular = st.isFile();
  if (!regular && !st.isFIFO() && !st.isCharacterDevice() && !st.isSocket()) throw new FileReadError(0, 'not a regular file');
  onSize?.(regular ? st.size : 0);
  let fh: FileHandle;
  try {
    fh = await fsp!.open(path, regular ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new FileReadError(0, openMessage(e));
  }
  try {
    if (regular && sync) {
      // A worker thread has nothing else to do: plain blocking reads beat the read-ahead
      // below (its promises and thread-pool hand-offs cost more than they overlap on 2 cores).
      yield* readBlocking(fh.fd, signal);
      return;
    }
    if (regular) {
      // Two buffers: the next chunk is read (in libuv's thread pool) while the caller parses
      // this one.
      const bufs = [new Uint8Array(CHUNK), new Uint8Array(CHUNK)];
      let pos = 0;
      let which = 0;
      const readAt = (b: Uint8Array, at: number) =>
        fh.read(b, 0, CHUNK, at).then(
          (r) => r.bytesRead,
          (e: Error) => {
            throw new FileReadError(at, `read error: ${e.message}`);
          },
        );
      let pending = readAt(bufs[0], 0);
      for (;;) {
        if (signal?.aborted) throw new FileReadError(pos, 'cancelled');
        const n = await pending;
        if (n === 0) return;
        const buf = bufs[which];
        pos += n;
        which ^= 1;
        pending = readAt(bufs[which], pos);
        // Keep the prefetch's rejection from going unhandled if the caller stops early.
        pending.catch(() => {});
        yield n === CHUNK ? buf : buf.subarray(0, n);
      }
    }
    const buf = new Uint8Array(CHUNK);
    let pos = 0;
    let waited = 0;
    for (;;) {
      if (signal?.aborted) throw new FileReadError(pos, 'cancelled');
      let n: number;
      try {
        n = (await fh.read(buf, 0, CHUNK, null)).bytesRead;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          // A pipe with a writer but no data yet.
          await sleep(10);
          continue;
        }
        throw new FileReadError(pos, `read error: ${(e as Error).message}`);
      }
      if (n === 0) {
        // A pipe with no writer yet reads as end of file: wait a little for the first writer.
        if (pos === 0 && waited < PIPE_WAIT_MS) {
          await sleep(20);
          waited += 20;
          continue;
        }
        if (pos === 0) throw new FileReadError(0, `nothing arrived on this pipe within ${PIPE_WAIT_MS / 1000} s`);
        return;
      }
      pos += n;
      yield n === CHUNK ? buf : buf.subarray(0, n);
    }
  } finally {
    await fh.close();
  }
}

/** A regular file's bytes by blocking reads of SYNC_CHUNK from its start, through `fd`. */
function* readBlocking(fd: number, signal?: AbortSignal): Generator<Uint8Array> {
  const buf = new Uint8Array(SYNC_CHUNK);
  let pos = 0;
  for (;;) {
    if (signal?.aborted) throw new FileReadError(pos, 'cancelled');
    let n: number;
    try {
      n = readSync(fd, buf, 0, SYNC_CHUNK, pos);
    } catch (e) {
      throw new FileReadError(pos, `read error: ${(e as Error).message}`);
    }
    if (n === 0) return;
    pos += n;
    yield n === SYNC_CHUNK ? buf : buf.subarray(0, n);
  }
}

/** Reads the file through the indexer. A file that cannot be opened or read ends as an error. */
/**
 * `shared`: the index columns in shared memory (for several worker threads); `sync`: blocking
 * reads of regular files (in a worker thread); `lean`: only what the analysis reads (see
 * IndexedCapture.lean).
 */
export async function indexFile(
  path: string,
  onProgress?: (p: Progress) => void,
  signal?: AbortSignal,
  {
    shared = false,
    sync = false,
    lean = false,
    yieldBytes = 0,
    opened,
  }: {
    shared?: boolean;
    sync?: boolean;
    lean?: boolean;
    /** Blocking reads on a thread with other work (the CLI's main thread): let its event loop run after each this many bytes. */
    yieldBytes?: number;
    /** The file already open: its descriptor (readChunks' `opened`). */
    opened?: number;
  } = {},
): Promise<IndexedCapture> {
  const ix = new CaptureIndexer(shared, true, lean);
  let total = 0;
  let lastReport = 0;
  let lastYield = 0;
  try {
    for await (const chunk of readChunks(path, signal, (s) => ix.expectBytes((total = s)), sync, opened)) {
      if (!ix.push(chunk)) break;
      if (onProgress && ix.bytesRead - lastReport >= 16 * CHUNK) {
        lastReport = ix.bytesRead;
        onProgress({ bytes: ix.bytesRead, packets: ix.packets, total });
      }
      if (yieldBytes && ix.bytesRead - lastYield >= yieldBytes) {
        lastYield = ix.bytesRead;
        await new Promise((r) => setImmediate(r));
      }
    }
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    const out = ix.finish();
    // The I/O error is the cause: it replaces what the reader said about the bytes it got.
    out.errors = [{ offset: e.offset, message: e.message }];
    return out;
  }
  onProgress?.({ bytes: ix.bytesRead, packets: ix.packets, total });
  return ix.finish();
}
