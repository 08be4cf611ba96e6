/**
 * Where a capture's bytes come from: a File (dropped, picked, or the bundled sample), or a path the
 * Electron main process allowed (menu, "open with"), read in byte ranges through the bridge.
 */
import type { OpenedFile, StagediffBridge } from '../../../shared/api/bridge.ts';
import { CHUNK_BYTES } from './protocol.ts';

export interface CaptureSource {
  name: string;
  /** Full path when known (Electron), else the file name. */
  path: string;
  size: number;
  /** Present for File-backed sources: the index worker reads it directly. */
  file?: Blob;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bridge(): StagediffBridge | null {
  const b = (globalThis as { stagediff?: StagediffBridge }).stagediff;
  return b && b.kind === 'electron' ? b : null;
}

export function fileSource(file: File): CaptureSource {
  const path = bridge()?.pathForFile(file) || file.name;
  return {
    name: file.name,
    path,
    size: file.size,
    file,
    read: async (offset, length) => new Uint8Array(await file.slice(offset, Math.min(file.size, offset + length)).arrayBuffer()),
  };
}

export function bridgeSource(f: OpenedFile, b: StagediffBridge): CaptureSource {
  return {
    name: f.name,
    path: f.path,
    size: f.size,
    read: async (offset, length) => {
      const out = new Uint8Array(Math.max(0, Math.min(length, f.size - offset)));
      for (let o = 0; o < out.length; o += CHUNK_BYTES) {
        const part = await b.readRange({ path: f.path, offset: offset + o, length: Math.min(CHUNK_BYTES, out.length - o) });
        out.set(part, o);
        if (part.length === 0) break;
      }
      return out;
    },
  };
}
