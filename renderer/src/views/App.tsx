import { useEffect, useRef, useState } from 'react';
import type { MenuCommand } from '../../../shared/api/bridge.ts';
import { SessionContext, useAppState } from '../state/hooks.ts';
import type { Session } from '../state/session.ts';
import { addFilesWithCase, addOpened, applyCase, caseOf, openCaptures, openSample, saveText } from '../state/files.ts';
import { bridge } from '../engine/source.ts';
import { TopBar } from './TopBar.tsx';
import { DropZone } from './DropZone.tsx';
import { Workspace } from './Workspace.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';
import { AboutDialog } from './AboutDialog.tsx';
import { exportFindingsCsv, exportFlowsCsv, exportJson } from './exports.ts';

export interface Commands {
  run(cmd: MenuCommand | 'export-json' | 'export-findings' | 'export-flows'): void;
}

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
}

export function App({ session }: { session: Session }) {
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} />
    </SessionContext.Provider>
  );
}

function Shell({ session }: { session: Session }) {
  const s = useAppState();
  const fileInput = useRef<HTMLInputElement>(null);
  const caseInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);

  const run: Commands['run'] = (cmd) => {
    switch (cmd) {
      case 'open-captures':
        void openCaptures(session, fileInput.current);
        break;
      case 'open-sample':
        void openSample(session);
        break;
      case 'open-case': {
        const b = bridge();
        if (b) void b.openCase().then((c) => c && applyCase(session, c, true), (e: Error) => session.notify(e.message));
        else caseInput.current?.click();
        break;
      }
      case 'save-case':
        void saveText(session, 'incident.stagediff.json', `${JSON.stringify(caseOf(session), null, 2)}\n`, 'application/json', 'json');
        break;
      case 'export':
      case 'export-json':
        exportJson(session);
        break;
      case 'export-findings':
        exportFindingsCsv(session);
        break;
      case 'export-flows':
        exportFlowsCsv(session);
        break;
      case 'settings':
        session.openDialog('settings');
        break;
      case 'about':
        session.openDialog('about');
        break;
      case 'next-finding':
        session.stepFinding(1);
        break;
      case 'previous-finding':
        session.stepFinding(-1);
        break;
      case 'focus-search':
        (document.querySelector('[data-search]') as HTMLInputElement | null)?.focus();
        break;
      case 'zoom-in':
      case 'zoom-out':
      case 'zoom-fit':
        window.dispatchEvent(new CustomEvent('stagediff-zoom', { detail: cmd }));
        break;
    }
  };
  const runRef = useRef(run);
  runRef.current = run;

  useEffect(() => {
    document.documentElement.dataset.theme = s.prefs.theme;
  }, [s.prefs.theme]);

  // Electron: menu commands and files opened from outside.
  useEffect(() => {
    const b = bridge();
    if (!b) return;
    const off1 = b.onMenu((c) => runRef.current(c));
    const off2 = b.onOpenFiles((files) => addOpened(session, files));
    return () => {
      off1();
      off2();
    };
  }, [session]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        if (session.get().dialog) session.openDialog(null);
        else if (isTyping(e.target)) (e.target as HTMLElement).blur();
        return;
      }
      if ((e.ctrlKey || e.metaKey) && !e.altKey) {
        const k = e.key.toLowerCase();
        if (k === 'f') return e.preventDefault(), runRef.current('focus-search');
        if (k === 'o') return e.preventDefault(), runRef.current(e.shiftKey ? 'open-case' : 'open-captures');
        if (k === 's') return e.preventDefault(), runRef.current('save-case');
        if (k === ',') return e.preventDefault(), runRef.current('settings');
        return;
      }
      if (e.altKey || isTyping(e.target) || session.get().dialog) return;
      const map: Record<string, MenuCommand> = { j: 'next-finding', k: 'previous-finding', '/': 'focus-search', '+': 'zoom-in', '=': 'zoom-in', '-': 'zoom-out', '0': 'zoom-fit' };
      const cmd = map[e.key];
      if (cmd) {
        e.preventDefault();
        runRef.current(cmd);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [session]);

  const hasFiles = (e: React.DragEvent) => [...e.dataTransfer.types].includes('Files');

  return (
    <div
      className="app"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        dragDepth.current++;
        setDragging(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1);
        if (dragDepth.current === 0) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        dragDepth.current = 0;
        setDragging(false);
        const files = [...e.dataTransfer.files];
        if (files.length) addFilesWithCase(session, files);
      }}
    >
      <TopBar run={run} />
      {s.captures.length === 0 ? <DropZone run={run} /> : <Workspace />}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop capture files to add them</div>
        </div>
      )}
      {s.dialog === 'settings' && <SettingsDialog />}
      {s.dialog === 'about' && <AboutDialog />}
      {s.message && (
        <div className="toast" role="status">
          <span>{s.message}</span>
          <button className="link" onClick={() => session.notify(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <input
        ref={fileInput}
        type="file"
        multiple
        accept=".pcap,.pcapng,.cap,application/vnd.tcpdump.pcap"
        hidden
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) addFilesWithCase(session, files);
        }}
      />
      <input
        ref={caseInput}
        type="file"
        accept=".json,application/json"
        hidden
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          try {
            const c = JSON.parse(await f.text());
            if (c?.stagediffCase !== 1 || !Array.isArray(c.captures)) throw new Error('not a stagediff case file');
            applyCase(session, { stagediffCase: 1, captures: c.captures, clockOffsets: c.clockOffsets ?? {}, settings: c.settings ?? {} }, false);
          } catch (err) {
            session.notify(`${f.name}: ${(err as Error).message}`);
          }
        }}
      />
    </div>
  );
}
