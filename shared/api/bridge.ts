/**
 * The typed bridge between the Electron preload and the renderer, declared once here.
 *
 * The preload exposes an object of type `StagediffBridge` as `window.stagediff` (Electron only;
 * in the browser fallback it is absent and the renderer uses File objects and downloads instead).
 * Plain types only: no Electron, Node or DOM imports, so both sides and the tests can use it.
 *
 * Security model: the renderer never names an arbitrary path to read. Files become readable only
 * when the user picked them in a main-process dialog, passed them on the command line / "open
 * with", or opened a case file that lists them; the main process keeps that allow-list and
 * rejects every other path (including `..` tricks and symlinks resolved elsewhere).
 */

/** IPC channel names (renderer -> main are invoked; main -> renderer are sent). */
import type { CaseFile as NewCaseFile } from './case.ts';

export const IPC = {
  /** invoke: (OpenCapturesRequest) -> OpenedFile[] : shows the open dialog in main. */
  openCaptures: 'stagediff:open-captures',
  /** invoke: () -> CaseFile | null : shows the open dialog for a case file. */
  openCase: 'stagediff:open-case',
  /** invoke: (ReadRangeRequest) -> Uint8Array : bytes of an allowed file. */
  readRange: 'stagediff:read-range',
  /** invoke: (SaveRequest) -> SaveResult : save dialog, then writes the data. */
  save: 'stagediff:save',
  /** invoke: (string[] paths) -> void : remember files opened (recent files menu). */
  noteRecent: 'stagediff:note-recent',
  /** invoke: () -> AppInfo */
  appInfo: 'stagediff:app-info',
  /** send (main -> renderer): MenuCommand */
  menu: 'stagediff:menu',
  /** send (main -> renderer): OpenedFile[] (file association, second instance, recent files). */
  openFiles: 'stagediff:open-files',
  /** invoke: (SaveCaseRequest) -> SaveResult : writes a case atomically (save dialog unless a known case path). */
  saveCase: 'stagediff:save-case',
  /** invoke: (CaseFile | null) -> void : the autosave copy in userData (null deletes it). */
  autosave: 'stagediff:autosave',
  /** invoke: () -> OpenedCase | null : the autosave copy left by the last run. */
  loadAutosave: 'stagediff:load-autosave',
  /** invoke: (string[] paths) -> FileHash[] : sha256 of files the user opened (Node's hash, fast). */
  hashFiles: 'stagediff:hash-files',
  /** invoke: (SavePdfRequest) -> SaveResult : prints the report HTML to PDF, then the save dialog. */
  savePdf: 'stagediff:save-pdf',
  /** invoke: (SaveBeginRequest) -> SaveBeginResult : save dialog, then a file to write in parts (saveWrite). */
  saveBegin: 'stagediff:save-begin',
  /** invoke: (SaveWriteRequest) -> SaveResult | void : a part appended, or the file finished or given up (`end`). */
  saveWrite: 'stagediff:save-write',
} as const;

/** Menu items the renderer acts on. */
export type MenuCommand =
  | 'open-captures'
  | 'open-case'
  | 'save-case'
  | 'export'
  | 'open-sample'
  | 'settings'
  | 'about'
  | 'next-finding'
  | 'previous-finding'
  | 'focus-search'
  | 'zoom-in'
  | 'zoom-out'
  | 'zoom-fit'
  // issue 5: notes, case, exports, traffic log
  | 'save-case-as'
  | 'import-traffic-log'
  | 'export-html'
  | 'export-pdf'
  | 'export-png'
  | 'export-svg'
  | 'export-flows-csv'
  | 'export-flows-json'
  | 'export-packets-csv'
  | 'export-packets-json'
  | 'export-findings-csv'
  | 'export-findings-json'
  | 'export-pcapng'
  | 'note-range'
  // issue 8: the built-in user guide
  | 'guide';

export const MENU_COMMANDS: readonly MenuCommand[] = [
  'open-captures',
  'open-case',
  'save-case',
  'export',
  'open-sample',
  'settings',
  'about',
  'next-finding',
  'previous-finding',
  'focus-search',
  'zoom-in',
  'zoom-out',
  'zoom-fit',
  'save-case-as',
  'import-traffic-log',
  'export-html',
  'export-pdf',
  'export-png',
  'export-svg',
  'export-flows-csv',
  'export-flows-json',
  'export-packets-csv',
  'export-packets-json',
  'export-findings-csv',
  'export-findings-json',
  'export-pcapng',
  'note-range',
  'guide',
];

/** A capture file the main process allows the renderer to read. */
export interface OpenedFile {
  /** Absolute path, as the main process resolved it. */
  path: string;
  /** Base name, for display and label inference. */
  name: string;
  size: number;
  /** Labels from a case file, when known. */
  device?: string;
  stage?: string;
}

export interface ReadRangeRequest {
  path: string;
  /** Byte offset, integer >= 0. */
  offset: number;
  /** Bytes to read, integer 1..MAX_READ_BYTES. */
  length: number;
}

/** The largest byte range one readRange call may ask for (the renderer reads in chunks). */
export const MAX_READ_BYTES = 16 * 1024 * 1024;
/** Most bytes (or characters) one save request may carry (the main process refuses more). */
export const MAX_SAVE_BYTES = 512 * 1024 * 1024;
/** Most bytes (or characters) one part of a save in parts may carry; the parts together are not limited. */
export const MAX_SAVE_PART_BYTES = 64 * 1024 * 1024;

/** A save in parts: what saveBegin asks (the dialog's suggestion and filters, as SaveRequest). */
export type SaveBeginRequest = Omit<SaveRequest, 'data'>;

/** The file chosen and opened for the parts (`token` names it in saveWrite), or the dialog cancelled. */
export type SaveBeginResult = { saved: false } | { saved: true; token: string; path: string };

/**
 * The next part of a save in parts (`data`), or its end (`end`: 'finish' renames the written file
 * into place and answers the SaveResult; 'abandon' deletes it).
 */
export interface SaveWriteRequest {
  token: string;
  data?: string | Uint8Array;
  end?: 'finish' | 'abandon';
}

export interface SaveRequest {
  /** Suggested file name (no directories). */
  defaultName: string;
  /** File-type filters shown in the dialog. */
  filters: { name: string; extensions: string[] }[];
  /** UTF-8 text or raw bytes. */
  data: string | Uint8Array;
}

export type SaveResult = { saved: true; path: string } | { saved: false };

export interface AppInfo {
  name: string;
  version: string;
  electron: string;
  chrome: string;
  platform: string;
  /** The machine's memory in bytes (os.totalmem): the app's budget for packets is half of it. */
  memoryBytes: number;
}

/** A case file main read for the renderer (Open Case, or the autosave copy). */
export interface OpenedCase {
  /** Where it was read from ('' for the autosave copy, which has no user-visible path). */
  path: string;
  case: NewCaseFile;
  /** The case file itself was damaged and its `.bak` copy was read instead. */
  fromBackup: boolean;
  /** What was wrong with the original when fromBackup. */
  problem?: string;
}

export interface SaveCaseRequest {
  case: NewCaseFile;
  /** Write here without a dialog; main accepts only case paths the user opened or saved this run. */
  path?: string;
  /** Suggested name for the dialog (no directories). */
  defaultName?: string;
}

export interface SavePdfRequest {
  defaultName: string;
  /** The self-contained report (shared/export/report-html.ts). */
  html: string;
}

export type FileHash = { path: string; sha256: string; size: number } | { path: string; error: string };

/** Something with a name and size that webUtils.getPathForFile accepts (a DOM File). */
export interface FileLike {
  readonly name: string;
  readonly size: number;
}

/** What the preload exposes as `window.stagediff`. */
export interface StagediffBridge {
  readonly kind: 'electron';
  /** Path of a dropped File (webUtils.getPathForFile); "" when it has none. */
  pathForFile(file: FileLike): string;
  openCaptures(): Promise<OpenedFile[]>;
  readRange(req: ReadRangeRequest): Promise<Uint8Array>;
  save(req: SaveRequest): Promise<SaveResult>;
  /** A save in parts (an export bigger than one save request takes): the dialog, then saveWrite. */
  saveBegin(req: SaveBeginRequest): Promise<SaveBeginResult>;
  saveWrite(req: SaveWriteRequest): Promise<SaveResult | void>;
  noteRecent(paths: string[]): Promise<void>;
  appInfo(): Promise<AppInfo>;
  /** Case open (dialog in main) now returns the new case format; its captures become readable. */
  openCase(): Promise<OpenedCase | null>;
  saveCase(req: SaveCaseRequest): Promise<SaveResult>;
  autosave(c: NewCaseFile | null): Promise<void>;
  loadAutosave(): Promise<OpenedCase | null>;
  hashFiles(paths: string[]): Promise<FileHash[]>;
  savePdf(req: SavePdfRequest): Promise<SaveResult>;
  /** Subscribe to menu commands; returns the unsubscribe function. */
  onMenu(listener: (command: MenuCommand) => void): () => void;
  /** Subscribe to files opened from outside (open with, second launch, recent files). */
  onOpenFiles(listener: (files: OpenedFile[]) => void): () => void;
}
