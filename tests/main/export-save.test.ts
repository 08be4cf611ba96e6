/**
 * Exports saved in parts (main/export-save.ts, the renderer's save-parts.ts, their IPC
 * validation): the file the user chose holds every part in order, appears only once finished,
 * and a save given up (or failing) leaves nothing behind. The renderer's side runs against the
 * main process's own validation and writer, called directly (no IPC, no dialog: the path stands
 * for the one the dialog gave).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportSaves } from '../../main/export-save.ts';
import { validateSaveBegin, validateSaveWrite } from '../../main/ipc-validate.ts';
import { pieces, saveInParts } from '../../renderer/src/views/save-parts.ts';
import { MAX_SAVE_PART_BYTES, type SaveBeginResult, type SaveResult, type StagediffBridge } from '../../shared/api/bridge.ts';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagediff-save-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The main process's side of saveBegin / saveWrite, the dialog answering `path`. */
function mainSide(saves: ExportSaves, path: string): Pick<StagediffBridge, 'saveBegin' | 'saveWrite'> {
  return {
    saveBegin: async (arg): Promise<SaveBeginResult> => {
      validateSaveBegin(arg);
      return { saved: true, token: await saves.begin(path), path };
    },
    saveWrite: async (arg): Promise<SaveResult | void> => {
      const req = validateSaveWrite(arg);
      if (req.end === 'finish') return { saved: true, path: await saves.finish(req.token) };
      if (req.end === 'abandon') return saves.abandon(req.token);
      return saves.write(req.token, req.data!);
    },
  };
}

describe('exports saved in parts', () => {
  it('write every part in order, and the file takes its name only when finished', async () => {
    const saves = new ExportSaves();
    const path = join(dir, 'packets.csv');
    const token = await saves.begin(path);
    await saves.write(token, 'a,b\n');
    await saves.write(token, new Uint8Array([0x31, 0x2c, 0x32, 0x0a]));
    await saves.write(token, 'é,😀\n');
    expect(existsSync(path)).toBe(false);
    expect(await saves.finish(token)).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe('a,b\n1,2\né,😀\n');
    expect(readdirSync(dir)).toEqual(['packets.csv']);
    expect(saves.open).toBe(0);
    await expect(saves.write(token, 'late')).rejects.toThrow(/no such save/);
    await expect(saves.finish(token)).rejects.toThrow(/no such save/);
  });

  it('leave nothing behind when given up, or when the window closes', async () => {
    const saves = new ExportSaves();
    const a = await saves.begin(join(dir, 'a.json'));
    await saves.write(a, '[1,');
    await saves.abandon(a);
    const b = await saves.begin(join(dir, 'b.json'));
    const c = await saves.begin(join(dir, 'c.json'));
    await saves.write(b, 'x');
    await saves.abandonAll();
    expect(readdirSync(dir)).toEqual([]);
    expect(saves.open).toBe(0);
    await expect(saves.write(c, 'x')).rejects.toThrow(/no such save/);
  });

  it('from the renderer: pieces no bigger than a part, text never cut inside a character, the same bytes as the whole', async () => {
    // Pieces of at most 7 characters or bytes: surrogate pairs fall on the cuts.
    const text = ['ab😀cdef😀', 'g'.repeat(20), '😀😀😀😀😀'];
    const bytes = [new Uint8Array(30).map((_, i) => i), new Uint8Array(0), new Uint8Array([255])];
    for (const [name, parts] of [['t.csv', text], ['b.pcapng', bytes]] as const) {
      const path = join(dir, name);
      const seen: number[] = [];
      const side = mainSide(new ExportSaves(), path);
      const write = side.saveWrite;
      side.saveWrite = (req) => {
        if (req.data !== undefined) seen.push(typeof req.data === 'string' ? req.data.length : req.data.byteLength);
        return write(req);
      };
      expect(await saveInParts(side, { defaultName: name, filters: [] }, [...parts], 7)).toEqual({ saved: true, path });
      const whole = typeof parts[0] === 'string' ? Buffer.from((parts as string[]).join(''), 'utf8') : Buffer.concat(parts as Uint8Array[]);
      expect(readFileSync(path).equals(whole)).toBe(true);
      expect(Math.max(...seen)).toBeLessThanOrEqual(7);
      expect(seen.length).toBeGreaterThan(parts.length);
    }
    for (const p of pieces('😀'.repeat(10), 7)) expect(Buffer.from(p as string, 'utf8').toString('utf8')).toBe(p);
  });

  it('from the renderer: a part the main process refuses gives the save up, and its file goes', async () => {
    const path = join(dir, 'flows.json');
    const saves = new ExportSaves();
    // A piece past what one part may carry (the renderer asked to cut them bigger than that).
    const big = new Uint8Array(MAX_SAVE_PART_BYTES + 1);
    await expect(saveInParts(mainSide(saves, path), { defaultName: 'flows.json', filters: [] }, [new Uint8Array(3), big], MAX_SAVE_PART_BYTES + 1)).rejects.toThrow(/too large/);
    expect(readdirSync(dir)).toEqual([]);
    expect(saves.open).toBe(0);
  });

  it('IPC: a part at most MAX_SAVE_PART_BYTES, a token of the right form, an end that is finish or abandon', () => {
    const token = '0123abcd-0123-4567-89ab-0123456789ab';
    expect(validateSaveWrite({ token, data: 'x' })).toEqual({ token, data: 'x' });
    expect(validateSaveWrite({ token, end: 'finish' })).toEqual({ token, end: 'finish' });
    const bads = [{ token: '../x', data: 'x' }, { token, end: 'rename' }, { token, data: null }, { token }, null, { token, data: 'x'.repeat(MAX_SAVE_PART_BYTES + 1) }];
    bads.forEach((bad, i) => expect(() => validateSaveWrite(bad), `case ${i}`).toThrow());
    expect(validateSaveBegin({ defaultName: 'a/b.csv', filters: [{ name: 'CSV', extensions: ['csv', '../x'] }] })).toEqual({ defaultName: 'b.csv', filters: [{ name: 'CSV', extensions: ['csv'] }] });
  });
});
