/**
 * Exports saved in parts (saveBegin, saveWrite): an export bigger than one IPC message may carry
 * (MAX_SAVE_BYTES) is written as the renderer hands over its pieces. Each save writes a file of
 * its own beside the one the user chose, renamed into place when it is finished; one given up
 * (or left open when the window closes) is deleted, so a half-written export never takes the
 * chosen name. Plain Node: tests/main/export-save.test.ts drives it without Electron.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

interface OpenSave {
  path: string;
  temp: string;
  fh: FileHandle;
  /** The write in progress: parts are appended one after another. */
  chain: Promise<unknown>;
}

export class ExportSaves {
  private readonly saves = new Map<string, OpenSave>();

  /** A new save to `path` (chosen by the user): its token. */
  async begin(path: string): Promise<string> {
    const token = randomUUID();
    const temp = join(dirname(path), `.${basename(path)}.${token.slice(0, 8)}.part`);
    const fh = await open(temp, 'wx');
    this.saves.set(token, { path, temp, fh, chain: Promise.resolve() });
    return token;
  }

  /** Appends a part (text as UTF-8); a failed write gives the save up and says why. */
  async write(token: string, data: string | Uint8Array): Promise<void> {
    const s = this.get(token);
    const done = s.chain.then(() => s.fh.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
    s.chain = done;
    try {
      await done;
    } catch (e) {
      await this.abandon(token);
      throw e;
    }
  }

  /** The file closed and renamed into place: its path. */
  async finish(token: string): Promise<string> {
    const s = this.get(token);
    this.saves.delete(token);
    try {
      await s.chain;
      await s.fh.close();
      await rename(s.temp, s.path);
    } catch (e) {
      await s.fh.close().catch(() => {});
      await unlink(s.temp).catch(() => {});
      throw e;
    }
    return s.path;
  }

  /** The save given up: its file deleted. */
  async abandon(token: string): Promise<void> {
    const s = this.saves.get(token);
    if (!s) return;
    this.saves.delete(token);
    await s.chain.catch(() => {});
    await s.fh.close().catch(() => {});
    await unlink(s.temp).catch(() => {});
  }

  /** Every open save given up (the window closes). */
  async abandonAll(): Promise<void> {
    await Promise.all([...this.saves.keys()].map((t) => this.abandon(t)));
  }

  /** Saves not finished nor given up. */
  get open(): number {
    return this.saves.size;
  }

  private get(token: string): OpenSave {
    const s = this.saves.get(token);
    if (!s) throw new Error('no such save (finished, given up, or never begun)');
    return s;
  }
}
