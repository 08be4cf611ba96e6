/**
 * Electron main process: one window, the menu, file associations, dialogs and the IPC handlers
 * behind the preload bridge. Thin on purpose: all analysis runs in the renderer's Web Workers.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { readFile, stat, open, writeFile } from 'node:fs/promises';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IPC, type AppInfo, type FileHash, type MenuCommand, type OpenedCase, type OpenedFile, type SaveBeginRequest, type SaveBeginResult, type SaveResult } from '../shared/api/bridge.ts';
import { captureArgs, CAPTURE_EXTENSIONS } from './args.ts';
import { CSP, ISOLATION_HEADERS } from './csp.ts';
import { buildMenuTemplate } from './menu.ts';
import { addRecent, MIN_SIZE, parseState, serializeState, visibleBounds, type AppState } from './window-state.ts';
import { APP_ORIGIN, FileAllowList, IpcArgumentError, isAppUrl, validateReadRange, validateRecent, validateSave, validateSaveBegin, validateSaveWrite } from './ipc-validate.ts';
import { ExportSaves } from './export-save.ts';
import { mimeType, resolveStatic } from './static-files.ts';
import { openCaseFile, sha256File, writeCaseFile } from '../shared/node/case-io.ts';
import { autosavePath, CasePaths, pdfRequestAllowed, validateCase, validateHashFiles, validateSaveCase, validateSavePdf, withCaseExtension } from './case-ipc.ts';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { pathToFileURL } from 'node:url';

const rendererRoot = join(__dirname, '..', 'renderer');
const stateFile = () => join(app.getPath('userData'), 'state.json');
const allow = new FileAllowList();
const casePaths = new CasePaths();
let state: AppState = parseState(null);
let win: BrowserWindow | null = null;
/** Exports being saved in parts (saveBegin, saveWrite). */
const exportSaves = new ExportSaves();
let rendererReady = false;
const pendingFiles: OpenedFile[] = [];

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
]);

if (!app.requestSingleInstanceLock()) {
  // A second launch: Electron hands our argv to the first instance ('second-instance'); quit.
  app.quit();
} else {
  app.on('second-instance', (_e, argv, cwd) => {
    void openPaths(captureArgs(argv, cwd));
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  // macOS "open with" / dock drop, possibly before ready.
  app.on('open-file', (e, path) => {
    e.preventDefault();
    void openPaths([path]);
  });
  app.whenReady().then(start, (e: unknown) => {
    dialog.showErrorBox('stagediff', `Could not start: ${String(e)}`);
    app.quit();
  });
  app.on('window-all-closed', () => app.quit());
}

function loadState(): void {
  try {
    state = parseState(readFileSync(stateFile(), 'utf8'));
  } catch {
    state = parseState(null);
  }
}

function saveState(): void {
  try {
    mkdirSync(dirname(stateFile()), { recursive: true });
    writeFileSync(stateFile(), serializeState(state));
  } catch {
    // Not worth bothering the user: the next run starts with defaults.
  }
}

function start(): void {
  loadState();
  hardenSessions();
  protocol.handle('app', async (req) => {
    const url = new URL(req.url);
    const file = url.host === 'stagediff' ? resolveStatic(rendererRoot, url.pathname) : null;
    if (!file) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: { 'content-type': mimeType(file), 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', ...ISOLATION_HEADERS },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
  registerIpc();
  rebuildMenu();
  createWindow();
  void openPaths(captureArgs(process.argv, process.cwd()));
}

function hardenSessions(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  // No remote content at all: block every request that is not the app itself (or devtools).
  ses.webRequest.onBeforeRequest((details, callback) => {
    const ok = details.url.startsWith(`${APP_ORIGIN}/`) || details.url.startsWith('devtools:') || details.url.startsWith('blob:') || details.url.startsWith('data:');
    callback({ cancel: !ok });
  });
  // The CSP on every response, not only the app:// ones the protocol handler builds.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
}

app.on('web-contents-created', (_e, contents: WebContents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
});

function createWindow(): void {
  const bounds = visibleBounds(state.window, screen.getAllDisplays().map((d) => d.workArea));
  win = new BrowserWindow({
    ...bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'stagediff',
    backgroundColor: '#1b1f24',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      // Middle-click must not open links in new windows (electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (state.window.maximized) win.maximize();
  win.once('ready-to-show', () => win?.show());
  const remember = () => {
    if (!win) return;
    const maximized = win.isMaximized();
    const b = maximized ? state.window : win.getNormalBounds();
    state.window = { x: b.x, y: b.y, width: b.width, height: b.height, maximized };
  };
  win.on('resize', remember);
  win.on('move', remember);
  win.on('close', () => {
    remember();
    saveState();
  });
  win.on('closed', () => {
    win = null;
    rendererReady = false;
    // An export the window was still saving in parts: its half-written file goes.
    void exportSaves.abandonAll();
  });
  win.webContents.on('did-finish-load', () => {
    rendererReady = true;
    flushPending();
  });
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

function send(channel: string, payload: unknown): void {
  if (win && !win.isDestroyed()) win.webContents.send(channel, payload);
}

function menuCommand(cmd: MenuCommand): void {
  if (cmd === 'open-captures') {
    void showOpenCaptures().then((files) => {
      if (files.length) deliver(files);
    });
    return;
  }
  send(IPC.menu, cmd);
}

function rebuildMenu(): void {
  const template = buildMenuTemplate(process.platform, state.recent, {
    command: menuCommand,
    openRecent: (p) => void openPaths([p]),
    clearRecent: () => {
      state.recent = [];
      saveState();
      rebuildMenu();
    },
    about: () => send(IPC.menu, 'about'),
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function describe(path: string): Promise<OpenedFile | null> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return null;
    const p = allow.add(path);
    return { path: p, name: basename(p), size: s.size };
  } catch {
    return null;
  }
}

function deliver(files: OpenedFile[]): void {
  pendingFiles.push(...files);
  flushPending();
}

function flushPending(): void {
  if (!rendererReady || pendingFiles.length === 0) return;
  send(IPC.openFiles, pendingFiles.splice(0));
}

async function openPaths(paths: string[]): Promise<void> {
  const files = (await Promise.all(paths.map(describe))).filter((f): f is OpenedFile => f !== null);
  if (!files.length) return;
  state.recent = addRecent(state.recent, files.map((f) => f.path));
  saveState();
  if (app.isReady()) rebuildMenu();
  deliver(files);
}

async function showOpenCaptures(): Promise<OpenedFile[]> {
  const opts = {
    title: 'Open captures',
    properties: ['openFile', 'multiSelections'] as ('openFile' | 'multiSelections')[],
    filters: [
      { name: 'Packet captures', extensions: [...CAPTURE_EXTENSIONS] },
      { name: 'All files', extensions: ['*'] },
    ],
  };
  const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
  if (r.canceled) return [];
  const files = (await Promise.all(r.filePaths.map(describe))).filter((f): f is OpenedFile => f !== null);
  state.recent = addRecent(state.recent, files.map((f) => f.path));
  saveState();
  rebuildMenu();
  return files;
}

/** Every handler: the sender must be the app's own top frame, else the call is refused. */
function handle(channel: string, fn: (e: IpcMainInvokeEvent, arg: unknown) => unknown): void {
  ipcMain.handle(channel, async (e, arg: unknown) => {
    const frame = e.senderFrame;
    if (!win || e.sender !== win.webContents || !frame || frame.parent !== null || !isAppUrl(frame.url)) {
      throw new Error('refused: unexpected sender');
    }
    try {
      return await fn(e, arg);
    } catch (err) {
      if (err instanceof IpcArgumentError) throw new Error(`refused: ${err.message}`);
      throw err;
    }
  });
}

/** The export's file, chosen in the save dialog (null: cancelled). */
async function exportPath(req: SaveBeginRequest): Promise<string | null> {
  const opts = { title: 'Export', defaultPath: req.defaultName, filters: req.filters };
  const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
  return r.canceled || !r.filePath ? null : r.filePath;
}

function registerIpc(): void {
  handle(IPC.openCaptures, () => showOpenCaptures());
  handle(IPC.openCase, async (): Promise<OpenedCase | null> => {
    const opts = { title: 'Open case', properties: ['openFile'] as 'openFile'[], filters: [{ name: 'stagediff case', extensions: ['json'] }] };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    if (r.canceled || !r.filePaths[0]) return null;
    const path = casePaths.add(r.filePaths[0]);
    // Falls back to NAME.bak when the case itself is damaged; the renderer says so.
    return allowCase(path, await openCaseFile(path));
  });
  handle(IPC.saveCase, async (_e, arg) => {
    const req = validateSaveCase(arg, casePaths);
    let path = req.path;
    if (!path) {
      const opts = { title: 'Save case', defaultPath: req.defaultName, filters: [{ name: 'stagediff case', extensions: ['json'] }] };
      const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
      if (r.canceled || !r.filePath) return { saved: false };
      path = casePaths.add(withCaseExtension(r.filePath));
    }
    await writeCaseFile(path, { ...req.case, savedAt: new Date().toISOString() });
    return { saved: true, path };
  });
  handle(IPC.autosave, async (_e, arg) => {
    const file = autosavePath(app.getPath('userData'));
    if (arg === null) {
      await unlink(file).catch(() => {});
      await unlink(`${file}.bak`).catch(() => {});
      return;
    }
    mkdirSync(dirname(file), { recursive: true });
    await writeCaseFile(file, { ...validateCase(arg), savedAt: new Date().toISOString() });
  });
  handle(IPC.loadAutosave, async (): Promise<OpenedCase | null> => {
    const file = autosavePath(app.getPath('userData'));
    try {
      await stat(file);
    } catch {
      return null;
    }
    try {
      return allowCase('', await openCaseFile(file));
    } catch {
      return null;
    }
  });
  handle(IPC.hashFiles, async (_e, arg): Promise<FileHash[]> => {
    const { ok, refused } = validateHashFiles(arg, allow);
    const out: FileHash[] = refused.map((path) => ({ path, error: 'file was not opened by the user' }));
    for (const path of ok) {
      try {
        out.push({ path, ...(await sha256File(path)) });
      } catch (e) {
        out.push({ path, error: (e as Error).message });
      }
    }
    return out;
  });
  handle(IPC.savePdf, async (_e, arg) => {
    const req = validateSavePdf(arg);
    const pdf = await printReport(req.html);
    const opts = { title: 'Export PDF', defaultPath: req.defaultName, filters: [{ name: 'PDF', extensions: ['pdf'] }] };
    const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
    if (r.canceled || !r.filePath) return { saved: false };
    await writeFile(r.filePath, pdf);
    return { saved: true, path: r.filePath };
  });
  handle(IPC.readRange, async (_e, arg) => {
    const req = validateReadRange(arg, allow);
    const fh = await open(req.path, 'r');
    try {
      const buf = new Uint8Array(req.length);
      const { bytesRead } = await fh.read(buf, 0, req.length, req.offset);
      return bytesRead === req.length ? buf : buf.slice(0, bytesRead);
    } finally {
      await fh.close();
    }
  });
  handle(IPC.save, async (_e, arg) => {
    const req = validateSave(arg);
    const path = await exportPath(req);
    if (!path) return { saved: false };
    await writeFile(path, req.data);
    return { saved: true, path };
  });
  // An export bigger than one save request: the dialog, then its parts (export-save.ts).
  handle(IPC.saveBegin, async (_e, arg): Promise<SaveBeginResult> => {
    const path = await exportPath(validateSaveBegin(arg));
    if (!path) return { saved: false };
    return { saved: true, token: await exportSaves.begin(path), path };
  });
  handle(IPC.saveWrite, async (_e, arg): Promise<SaveResult | void> => {
    const req = validateSaveWrite(arg);
    if (req.end === 'finish') return { saved: true, path: await exportSaves.finish(req.token) };
    if (req.end === 'abandon') return exportSaves.abandon(req.token);
    return exportSaves.write(req.token, req.data!);
  });
  handle(IPC.noteRecent, (_e, arg) => {
    const paths = validateRecent(arg, allow);
    if (paths.length) {
      state.recent = addRecent(state.recent, paths);
      saveState();
      rebuildMenu();
    }
  });
  handle(IPC.appInfo, (): AppInfo => ({
    name: app.getName(),
    version: app.getVersion(),
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    platform: process.platform,
    memoryBytes: totalmem(),
  }));
}

/** The case's captures become readable (the user chose the case); existing ones only. */
function allowCase(path: string, opened: Awaited<ReturnType<typeof openCaseFile>>): OpenedCase {
  for (const c of opened.case.captures) {
    try {
      c.path = allow.add(c.path);
    } catch {
      // a path main cannot use stays as it is: the renderer lists it as missing
    }
  }
  return { path, case: opened.case, fromBackup: opened.fromBackup, ...(opened.problem ? { problem: opened.problem } : {}) };
}

/**
 * The report as PDF with Chromium's printToPDF: a hidden window with JavaScript off, in its own
 * session that loads only the report's temporary file (the report itself forbids loading anything).
 */
async function printReport(html: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'stagediff-pdf-'));
  const file = join(dir, 'report.html');
  await writeFile(file, html, 'utf8');
  const url = pathToFileURL(file).href;
  const ses = session.fromPartition('stagediff-pdf');
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !pdfRequestAllowed(details.url, url) }));
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  const pdfWin = new BrowserWindow({ show: false, webPreferences: { session: ses, javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false } });
  try {
    await pdfWin.loadURL(url);
    return await pdfWin.webContents.printToPDF({ printBackground: true, pageSize: 'A4', margins: { top: 0.4, bottom: 0.4, left: 0.4, right: 0.4 } });
  } finally {
    pdfWin.destroy();
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
