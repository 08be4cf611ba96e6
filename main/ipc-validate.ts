/**
 * Checks on everything that crosses the IPC boundary. The renderer is treated as untrusted: every
 * handler checks the sender's frame URL and the shape and range of every argument, and file reads
 * are limited to paths the user opened (the allow-list lives here, in the main process).
 */
import { isAbsolute, normalize, resolve, sep } from 'node:path';
import { MAX_READ_BYTES, MAX_SAVE_BYTES, MAX_SAVE_PART_BYTES, type ReadRangeRequest, type SaveBeginRequest, type SaveRequest, type SaveWriteRequest } from '../shared/api/bridge.ts';

export class IpcArgumentError extends Error {}

/** The app's own origin: renderer pages are served from app://stagediff/. */
export const APP_ORIGIN = 'app://stagediff';

/** True when a sender frame URL belongs to the app (app://stagediff/...). */
export function isAppUrl(url: string | undefined | null): boolean {
  if (typeof url !== 'string') return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'app:' && u.host === 'stagediff';
}

/** Paths the user opened. Keys are resolved, normalised absolute paths. */
export class FileAllowList {
  private readonly paths = new Set<string>();

  /** Allow a path the user chose (dialog, argv, case file). Returns the normalised path. */
  add(path: string): string {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) throw new IpcArgumentError('bad path');
    const p = resolve(normalize(path));
    this.paths.add(p);
    return p;
  }

  /** The normalised path when allowed; throws otherwise. Relative paths are never allowed. */
  check(path: unknown): string {
    if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || path.includes('\0')) {
      throw new IpcArgumentError('path must be a non-empty string');
    }
    if (!isAbsolute(path)) throw new IpcArgumentError('path must be absolute');
    const p = resolve(normalize(path));
    // The literal text must already be normal: "/a/b/../c" is rejected even if /a/c is allowed.
    if (p !== path && p + sep !== path) throw new IpcArgumentError('path is not in normal form');
    if (!this.paths.has(p)) throw new IpcArgumentError('file was not opened by the user');
    return p;
  }

  has(path: string): boolean {
    return this.paths.has(resolve(normalize(path)));
  }

  get size(): number {
    return this.paths.size;
  }
}

function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

/** A ReadRangeRequest with an allowed path, or throws. */
export function validateReadRange(arg: unknown, allow: FileAllowList): ReadRangeRequest {
  if (typeof arg !== 'object' || arg === null) throw new IpcArgumentError('readRange expects an object');
  const a = arg as Record<string, unknown>;
  const path = allow.check(a.path);
  if (!isInt(a.offset, 0, Number.MAX_SAFE_INTEGER)) throw new IpcArgumentError('offset must be an integer >= 0');
  if (!isInt(a.length, 1, MAX_READ_BYTES)) throw new IpcArgumentError(`length must be an integer 1..${MAX_READ_BYTES}`);
  return { path, offset: a.offset, length: a.length };
}

/** A file name without directories or characters that file systems refuse. */
export function safeFileName(name: unknown, fallback = 'stagediff-export'): string {
  if (typeof name !== 'string') return fallback;
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f<>:"|?*]/g, '_').replace(/^\.+/, '').slice(0, 200);
  return clean || fallback;
}


export function validateSave(arg: unknown): SaveRequest {
  if (typeof arg !== 'object' || arg === null) throw new IpcArgumentError('save expects an object');
  const a = arg as Record<string, unknown>;
  return { ...saveTarget(a), data: saveData(a.data, MAX_SAVE_BYTES) };
}

/** A save in parts: the dialog's suggestion and filters, as for save. */
export function validateSaveBegin(arg: unknown): SaveBeginRequest {
  if (typeof arg !== 'object' || arg === null) throw new IpcArgumentError('saveBegin expects an object');
  return saveTarget(arg as Record<string, unknown>);
}

/** A part of a save in parts (at most MAX_SAVE_PART_BYTES), or its end. */
export function validateSaveWrite(arg: unknown): SaveWriteRequest {
  if (typeof arg !== 'object' || arg === null) throw new IpcArgumentError('saveWrite expects an object');
  const a = arg as Record<string, unknown>;
  if (typeof a.token !== 'string' || !/^[0-9a-f-]{36}$/.test(a.token)) throw new IpcArgumentError('saveWrite: bad token');
  if (a.end !== undefined) {
    if (a.end !== 'finish' && a.end !== 'abandon') throw new IpcArgumentError('saveWrite: end must be finish or abandon');
    return { token: a.token, end: a.end };
  }
  return { token: a.token, data: saveData(a.data, MAX_SAVE_PART_BYTES) };
}

function saveData(data: unknown, max: number): string | Uint8Array {
  if (typeof data === 'string') {
    if (data.length > max) throw new IpcArgumentError('export too large');
  } else if (data instanceof Uint8Array) {
    if (data.byteLength > max) throw new IpcArgumentError('export too large');
  } else throw new IpcArgumentError('data must be a string or Uint8Array');
  return data;
}

function saveTarget(a: Record<string, unknown>): SaveBeginRequest {
  const filters: SaveRequest['filters'] = [];
  if (Array.isArray(a.filters)) {
    for (const f of a.filters.slice(0, 10)) {
      if (typeof f !== 'object' || f === null) continue;
      const { name, extensions } = f as Record<string, unknown>;
      if (typeof name !== 'string' || !Array.isArray(extensions)) continue;
      const exts = extensions.filter((e): e is string => typeof e === 'string' && /^[A-Za-z0-9*]{1,10}$/.test(e));
      if (exts.length) filters.push({ name: name.slice(0, 60), extensions: exts });
    }
  }
  return { defaultName: safeFileName(a.defaultName), filters };
}

/** Paths for noteRecent: only allowed ones (others are ignored, not errors). */
export function validateRecent(arg: unknown, allow: FileAllowList): string[] {
  if (!Array.isArray(arg)) throw new IpcArgumentError('noteRecent expects an array of paths');
  const out: string[] = [];
  for (const p of arg.slice(0, 100)) {
    try {
      out.push(allow.check(p));
    } catch {
      // not opened by the user: ignore
    }
  }
  return out;
}
