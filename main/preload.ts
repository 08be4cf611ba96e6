/**
 * Preload (sandboxed): exposes the typed bridge of shared/api/bridge.ts as window.stagediff.
 * Nothing else crosses: no ipcRenderer, no Node objects, only these functions.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC, MENU_COMMANDS, type MenuCommand, type OpenedFile, type StagediffBridge } from '../shared/api/bridge.ts';

const bridge: StagediffBridge = {
  kind: 'electron',
  pathForFile: (file) => {
    try {
      return webUtils.getPathForFile(file as File);
    } catch {
      return '';
    }
  },
  openCaptures: () => ipcRenderer.invoke(IPC.openCaptures),
  openCase: () => ipcRenderer.invoke(IPC.openCase),
  readRange: (req) => ipcRenderer.invoke(IPC.readRange, { path: req.path, offset: req.offset, length: req.length }),
  save: (req) => ipcRenderer.invoke(IPC.save, { defaultName: req.defaultName, filters: req.filters, data: req.data }),
  saveBegin: (req) => ipcRenderer.invoke(IPC.saveBegin, { defaultName: req.defaultName, filters: req.filters }),
  saveWrite: (req) => ipcRenderer.invoke(IPC.saveWrite, { token: req.token, data: req.data, end: req.end }),
  noteRecent: (paths) => ipcRenderer.invoke(IPC.noteRecent, paths),
  appInfo: () => ipcRenderer.invoke(IPC.appInfo),
  saveCase: (req) => ipcRenderer.invoke(IPC.saveCase, { case: req.case, path: req.path, defaultName: req.defaultName }),
  autosave: (c) => ipcRenderer.invoke(IPC.autosave, c),
  loadAutosave: () => ipcRenderer.invoke(IPC.loadAutosave),
  hashFiles: (paths) => ipcRenderer.invoke(IPC.hashFiles, paths),
  savePdf: (req) => ipcRenderer.invoke(IPC.savePdf, { defaultName: req.defaultName, html: req.html }),
  onMenu: (listener) => {
    const h = (_e: IpcRendererEvent, cmd: unknown) => {
      if (typeof cmd === 'string' && (MENU_COMMANDS as readonly string[]).includes(cmd)) listener(cmd as MenuCommand);
    };
    ipcRenderer.on(IPC.menu, h);
    return () => void ipcRenderer.removeListener(IPC.menu, h);
  },
  onOpenFiles: (listener) => {
    const h = (_e: IpcRendererEvent, files: unknown) => {
      if (Array.isArray(files)) listener(files as OpenedFile[]);
    };
    ipcRenderer.on(IPC.openFiles, h);
    return () => void ipcRenderer.removeListener(IPC.openFiles, h);
  },
};

contextBridge.exposeInMainWorld('stagediff', bridge);
