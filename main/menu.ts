/**
 * The application menu as a template (Electron's MenuItemConstructorOptions shape). Built by a
 * plain function so tests check it without Electron; main.ts passes it to Menu.buildFromTemplate.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../shared/api/bridge.ts';
import { baseName } from '../shared/engine/labels.ts';

export interface MenuActions {
  /** A command the renderer handles. */
  command(cmd: MenuCommand): void;
  /** Reopen a recent file (main checks and allows it). */
  openRecent(path: string): void;
  clearRecent(): void;
  /** Open the project page or docs: not used (offline app); kept for About. */
  about(): void;
}

export function buildMenuTemplate(
  platform: string,
  recent: readonly string[],
  actions: MenuActions,
  appName = 'stagediff',
): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const cmd = (c: MenuCommand) => () => actions.command(c);
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? [
        ...recent.map((p, i) => ({
          label: `${i < 9 ? `&${i + 1} ` : ''}${baseName(p).replace(/&/g, '&&')}`,
          sublabel: p,
          click: () => actions.openRecent(p),
        })),
        { type: 'separator' as const },
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No recent files', enabled: false }];
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'Open Captures…', accelerator: 'CmdOrCtrl+O', click: cmd('open-captures') },
      { label: 'Open Recent', submenu: recentItems },
      { label: 'Open Case…', accelerator: 'CmdOrCtrl+Shift+O', click: cmd('open-case') },
      { label: 'Save Case…', accelerator: 'CmdOrCtrl+S', click: cmd('save-case') },
      { label: 'Save Case As…', accelerator: 'CmdOrCtrl+Shift+S', click: cmd('save-case-as') },
      { type: 'separator' },
      { label: 'Import Traffic Log…', click: cmd('import-traffic-log') },
      { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: cmd('export') },
      {
        label: 'Export',
        submenu: [
          { label: 'HTML Report…', click: cmd('export-html') },
          { label: 'PDF Report…', click: cmd('export-pdf') },
          { type: 'separator' },
          { label: 'Timeline as PNG…', click: cmd('export-png') },
          { label: 'Timeline as SVG…', click: cmd('export-svg') },
          { type: 'separator' },
          { label: 'Findings (CSV)…', click: cmd('export-findings-csv') },
          { label: 'Findings (JSON)…', click: cmd('export-findings-json') },
          { label: 'Flows (CSV)…', click: cmd('export-flows-csv') },
          { label: 'Flows (JSON)…', click: cmd('export-flows-json') },
          { label: 'Packets (CSV)…', click: cmd('export-packets-csv') },
          { label: 'Packets (JSON)…', click: cmd('export-packets-json') },
          { type: 'separator' },
          { label: 'Merged Annotated pcapng…', click: cmd('export-pcapng') },
        ],
      },
      { type: 'separator' },
      { label: 'Open Sample Incident', click: cmd('open-sample') },
      ...(mac ? [] : [{ type: 'separator' as const }, { label: 'Settings…', accelerator: 'CmdOrCtrl+,', click: cmd('settings') }, { type: 'separator' as const }, { role: 'quit' as const }]),
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
      { type: 'separator' },
      { label: 'Find', accelerator: 'CmdOrCtrl+F', click: cmd('focus-search') },
      { type: 'separator' },
      { label: 'Note the Visible Time Range…', click: cmd('note-range') },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      { label: 'Next Finding', accelerator: 'J', registerAccelerator: false, click: cmd('next-finding') },
      { label: 'Previous Finding', accelerator: 'K', registerAccelerator: false, click: cmd('previous-finding') },
      { type: 'separator' },
      { label: 'Zoom Timeline In', accelerator: '=', registerAccelerator: false, click: cmd('zoom-in') },
      { label: 'Zoom Timeline Out', accelerator: '-', registerAccelerator: false, click: cmd('zoom-out') },
      { label: 'Fit Timeline', accelerator: '0', registerAccelerator: false, click: cmd('zoom-fit') },
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    label: '&Help',
    role: 'help',
    submenu: [
      { label: 'User Guide', accelerator: 'F1', click: cmd('guide') },
      { type: 'separator' },
      { label: `About ${appName}`, click: cmd('about') },
    ],
  };
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: appName,
      submenu: [
        { label: `About ${appName}`, click: cmd('about') },
        { type: 'separator' },
        { label: 'Settings…', accelerator: 'Cmd+,', click: cmd('settings') },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push(file, edit, view, { role: 'windowMenu' }, help);
  return template;
}
