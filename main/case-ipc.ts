/**
 * Checks for the case, autosave, hashing and PDF calls of the bridge (issue 5). Plain functions:
 * tests/main/case-ipc.test.ts runs them without Electron. The renderer is untrusted: a case it
 * sends is re-read with the same parser that reads case files from disk, a case path it names
 * must be one the user opened or saved in this run, and only opened files are hashed.
 */
import { isAbsolute, join, normalize, resolve } from 'node:path';
import type { CaseFile } from '../shared/api/case.ts';
import type { SaveCaseRequest, SavePdfRequest } from '../shared/api/bridge.ts';
import { CaseError, parseCase, serializeCase } from '../shared/case/case-file.ts';
import { IpcArgumentError, safeFileName, type FileAllowList } from './ipc-validate.ts';

/** The autosave copy: one per user profile, next to state.json. */
export function autosavePath(userData: string): string {
  return join(userData, 'autosave.stagediff.json');
}

/** A case name for the save dialog: the title, made file-safe, with the case extension. */
export function caseFileName(title: string | undefined): string {
  const base = safeFileName((title ?? '').trim().replace(/\s+/g, '-'), 'incident').replace(/\.stagediff\.json$/i, '').replace(/\.json$/i, '');
  return `${base || 'incident'}.stagediff.json`;
}

/** Makes sure a save-dialog path ends in .stagediff.json (the dialog may drop the double extension). */
export function withCaseExtension(path: string): string {
  if (/\.stagediff\.json$/i.test(path)) return path;
  if (/\.json$/i.test(path)) return path.replace(/\.json$/i, '.stagediff.json');
  return `${path}.stagediff.json`;
}

const MAX_CASE_CHARS = 64 * 1024 * 1024;

/** A case object from the renderer, checked by a round trip through the file format. */
export function validateCase(arg: unknown): CaseFile {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) throw new IpcArgumentError('case must be an object');
  let text: string;
  try {
    text = serializeCase(arg as CaseFile);
  } catch (e) {
    throw new IpcArgumentError(`not a case: ${(e as Error).message}`);
  }
  if (text.length > MAX_CASE_CHARS) throw new IpcArgumentError('case too large');
  try {
    return parseCase(text, 'case');
  } catch (e) {
    if (e instanceof CaseError) throw new IpcArgumentError(e.message);
    throw e;
  }
}

/** Case paths the user chose this run (Open Case, Save Case dialog): only these are written without asking. */
export class CasePaths {
  private readonly paths = new Set<string>();
  add(path: string): string {
    const p = resolve(normalize(path));
    this.paths.add(p);
    return p;
  }
  has(path: string): boolean {
    return this.paths.has(resolve(normalize(path)));
  }
}

export function validateSaveCase(arg: unknown, known: CasePaths): { case: CaseFile; path: string | null; defaultName: string } {
  if (typeof arg !== 'object' || arg === null) throw new IpcArgumentError('saveCase expects an object');
  const a = arg as Partial<Record<keyof SaveCaseRequest, unknown>>;
  const c = validateCase(a.case);
  let path: string | null = null;
  if (a.path !== undefined && a.path !== null && a.path !== '') {
    if (typeof a.path !== 'string' || a.path.includes('\0') || !isAbsolute(a.path)) throw new IpcArgumentError('case path must be absolute');
    // An unknown path is not an error: the renderer may remember a path from an earlier run; ask.
    if (known.has(a.path)) path = resolve(normalize(a.path));
  }
  return { case: c, path, defaultName: typeof a.defaultName === 'string' ? caseFileName(a.defaultName.replace(/\.stagediff\.json$/i, '')) : caseFileName(c.title) };
}

/** The paths to hash: opened files only; others are refused one by one (reported, not thrown). */
export function validateHashFiles(arg: unknown, allow: FileAllowList): { ok: string[]; refused: string[] } {
  if (!Array.isArray(arg)) throw new IpcArgumentError('hashFiles expects an array of paths');
  const ok: string[] = [];
  const refused: string[] = [];
  for (const p of arg.slice(0, 1000)) {
    try {
      ok.push(allow.check(p));
    } catch {
      refused.push(typeof p === 'string' ? p : String(p));
    }
  }
  return { ok, refused };
}

const MAX_PDF_HTML = 128 * 1024 * 1024;

export function validateSavePdf(arg: unknown): SavePdfRequest {
  if (typeof arg !== 'object' || arg === null) throw new IpcArgumentError('savePdf expects an object');
  const a = arg as Record<string, unknown>;
  if (typeof a.html !== 'string' || a.html.length === 0) throw new IpcArgumentError('html must be a non-empty string');
  if (a.html.length > MAX_PDF_HTML) throw new IpcArgumentError('report too large');
  const name = safeFileName(a.defaultName, 'stagediff-report.pdf');
  return { html: a.html, defaultName: /\.pdf$/i.test(name) ? name : `${name}.pdf` };
}

/**
 * The only URL the PDF window may load: the report's temporary file. Everything else (images,
 * fonts, anything a report might name) is refused, like the app's own window.
 */
export function pdfRequestAllowed(url: string, reportUrl: string): boolean {
  return url === reportUrl || url.startsWith('data:');
}
