/**
 * Case files on disk: atomic save (temp file in the same folder, fsync, rename over the old
 * one), the last good copy kept as `NAME.bak`, and a message naming the file and the problem
 * when a case file cannot be read. Also sha256 of capture files, streamed.
 */
import { readChunks } from './file-source.ts';
import { open, readFile, rename, copyFile, unlink, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { CaseCapture, CaseFile } from '../api/case.ts';
import type { Stage } from '../api/analysis.ts';
import { CaseError, parseCase, serializeCase } from '../case/case-file.ts';

export class CaseFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export function backupPath(path: string): string {
  return `${path}.bak`;
}

/**
 * Writes the case atomically. Before replacing an existing case file that still reads as a
 * valid case, that file is copied to `.bak`: a crash at any point leaves either the old or the
 * new file in place, and a bad save never overwrites the last good copy.
 */
export async function writeCaseFile(path: string, c: CaseFile): Promise<void> {
  const text = serializeCase({ ...c, savedAt: c.savedAt ?? new Date().toISOString() });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    throw new CaseFileError(path, `${path}: could not save the case: ${(e as Error).message}`);
  }
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw new CaseFileError(path, `${path}: could not save the case: ${(e as Error).message}`);
  }
  await fh.close();
  try {
    const old = await readFile(path, 'utf8').catch(() => null);
    if (old !== null && old !== text) {
      let good = true;
      try {
        parseCase(old, path);
      } catch {
        good = false;
      }
      if (good) await copyFile(path, backupPath(path));
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new CaseFileError(path, `${path}: could not save the case: ${(e as Error).message}`);
  }
  // Make the rename itself durable where the platform allows syncing a directory.
  const dir = await open(dirname(path), 'r').catch(() => null);
  if (dir) {
    await dir.sync().catch(() => {});
    await dir.close();
  }
}

/** Reads and validates a case file. Throws CaseFileError: "FILE: what is wrong (field)". */
export async function readCaseFile(path: string): Promise<CaseFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new CaseFileError(path, `${path}: cannot open the case file: ${why}`);
  }
  if (text.trim() === '') throw new CaseFileError(path, `${path}: the case file is empty (a save was cut short?)${await backupHint(path)}`);
  try {
    return parseCase(text, path);
  } catch (e) {
    if (e instanceof CaseError) throw new CaseFileError(path, `${e.message}${await backupHint(path)}`);
    throw e;
  }
}

/**
 * Opens a case, falling back to the `.bak` copy when the case file itself is damaged.
 * `problem` then says what was wrong with the original, for the app to show.
 */
export async function openCaseFile(path: string): Promise<{ case: CaseFile; fromBackup: boolean; problem?: string }> {
  try {
    return { case: await readCaseFile(path), fromBackup: false };
  } catch (e) {
    if (!(e instanceof CaseFileError)) throw e;
    try {
      const c = await readCaseFile(backupPath(path));
      return { case: c, fromBackup: true, problem: e.message };
    } catch {
      throw e;
    }
  }
}

async function backupHint(path: string): Promise<string> {
  try {
    await stat(backupPath(path));
    return `; the last good copy is ${backupPath(path)}`;
  } catch {
    return '';
  }
}

/**
 * sha256 and size of a file, read in 1 MiB chunks. Node's OpenSSL hash here (about 1 GB/s, where
 * the pure-JS one the renderer uses manages about 75 MB/s): same digest, tested against each other.
 */
export async function sha256File(path: string, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of readChunks(path, signal)) {
    h.update(chunk);
    size += chunk.length;
  }
  return { sha256: h.digest('hex'), size };
}

/** The case entries of labelled capture files (hashes them). Files that cannot be read are skipped. */
export async function caseCaptures(specs: { path: string; device: string; stage: Stage }[]): Promise<CaseCapture[]> {
  const out: CaseCapture[] = [];
  for (const s of specs) {
    try {
      const { sha256, size } = await sha256File(s.path);
      out.push({ path: s.path, sha256, size, device: s.device, stage: s.stage });
    } catch {
      // unreadable: the analysis lists it with its error
    }
  }
  return out;
}
