/**
 * Case files (`*.stagediff.json`): the captures of an incident with their labels, clock offsets
 * and timers. Paths may be relative to the case file's folder.
 */
import { isAbsolute, resolve } from 'node:path';
import type { CaseFile } from '../shared/api/bridge.ts';

export class CaseFileError extends Error {}

export function parseCaseFile(text: string, caseDir: string): CaseFile {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new CaseFileError(`not a stagediff case: ${(e as Error).message}`);
  }
  const o = obj as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o.stagediffCase !== 1 || !Array.isArray(o.captures)) {
    throw new CaseFileError('not a stagediff case (expected "stagediffCase": 1 and "captures")');
  }
  const captures: CaseFile['captures'] = [];
  for (const c of o.captures.slice(0, 1000)) {
    if (typeof c !== 'object' || c === null) continue;
    const { path, device, stage } = c as Record<string, unknown>;
    if (typeof path !== 'string' || !path || path.includes('\0')) continue;
    captures.push({
      path: isAbsolute(path) ? resolve(path) : resolve(caseDir, path),
      device: typeof device === 'string' ? device.slice(0, 100) : '',
      stage: typeof stage === 'string' ? stage.slice(0, 20) : 'unknown',
    });
  }
  const num = (v: unknown): Record<string, number> => {
    const out: Record<string, number> = {};
    if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k.slice(0, 100)] = x;
    }
    return out;
  };
  return { stagediffCase: 1, captures, clockOffsets: num(o.clockOffsets), settings: num(o.settings) };
}
