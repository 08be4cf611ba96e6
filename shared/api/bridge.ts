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
  | 'zoom-fit';

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

/** A saved case: which files, their labels, clock offsets and timers. */
export interface CaseFile {
  stagediffCase: 1;
  captures: { path: string; device: string; stage: string }[];
  clockOffsets: Record<string, number>;
  settings: Record<string, number>;
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
}

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
  openCase(): Promise<CaseFile | null>;
  readRange(req: ReadRangeRequest): Promise<Uint8Array>;
  save(req: SaveRequest): Promise<SaveResult>;
  noteRecent(paths: string[]): Promise<void>;
  appInfo(): Promise<AppInfo>;
  /** Subscribe to menu commands; returns the unsubscribe function. */
  onMenu(listener: (command: MenuCommand) => void): () => void;
  /** Subscribe to files opened from outside (open with, second launch, recent files). */
  onOpenFiles(listener: (files: OpenedFile[]) => void): () => void;
}
