import { useEffect, useRef, useState } from 'react';
import type { MenuCommand } from '../../../shared/api/bridge.ts';
import { SessionContext, useAppState } from '../state/hooks.ts';
import type { Session } from '../state/session.ts';
import { addOpened, openCaptures, openSample } from '../state/files.ts';
import { bridge } from '../engine/source.ts';
import { CaseController } from '../state/case.ts';
import { CaseContext } from '../state/case-hooks.ts';
import { CaseBanner, LogDeviceDialog } from './CaseBanner.tsx';
import { NoteDialog } from './NoteDialog.tsx';
import { TopBar } from './TopBar.tsx';
import { DropZone } from './DropZone.tsx';
import { Workspace } from './Workspace.tsx';
import { SettingsDialog } from './SettingsDialog.tsx';
import { AboutDialog } from './AboutDialog.tsx';
import { GuideView } from './GuideView.tsx';
import { runExportCommand, type ExportKind } from './exports.ts';

export interface Commands {
  run(cmd: MenuCommand): void;
}

/** Menu commands that are exports, and the export each one makes. */
const EXPORT_COMMANDS: Partial<Record<MenuCommand, ExportKind>> = {
  'export-html': 'html',
  'export-pdf': 'pdf',
  'export-png': 'png',
  'export-svg': 'svg',
  'export-flows-csv': 'flows-csv',
  'export-flows-json': 'flows-json',
  'export-packets-csv': 'packets-csv',
  'export-packets-json': 'packets-json',
  'export-findings-csv': 'findings-csv',
  'export-findings-json': 'findings-json',
  'export-pcapng': 'pcapng',
};

/** A dropped or picked file that is not a capture: a traffic-log CSV or a case file. */
function isTrafficLog(f: File): boolean {
  return /\.(csv|tsv)$/i.test(f.name) || f.type === 'text/csv';
}
function isCaseFile(f: File): boolean {
  return /\.json$/i.test(f.name);
}

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
}

export function App({ session, kase }: { session: Session; kase?: CaseController }) {
  const [controller] = useState(() => kase ?? new CaseController(session));
  return (
    <SessionContext.Provider value={session}>
      <CaseContext.Provider value={controller}>
        <Shell session={session} kase={controller} />
      </CaseContext.Provider>
    </SessionContext.Provider>
  );
}

function Shell({ session, kase }: { session: Session; kase: CaseController }) {
  const s = useAppState();
  const fileInput = useRef<HTMLInputElement>(null);
  const caseInput = useRef<HTMLInputElement>(null);
  const logInput = useRef<HTMLInputElement>(null);

  /** Dropped or picked files: traffic logs, case files and captures go their own ways. */
  const takeFiles = (files: File[]) => {
    const logs = files.filter(isTrafficLog);
    const cases = files.filter((f) => !isTrafficLog(f) && isCaseFile(f));
    const captures = files.filter((f) => !isTrafficLog(f) && !isCaseFile(f));
    if (cases[0]) void kase.openCaseFromFile(cases[0]).then(() => (captures.length ? kase.addFiles(captures) : undefined));
    else if (captures.length) void kase.addFiles(captures);
    for (const f of logs) {
      if (!session.get().analysis) {
        session.notify(`${f.name}: open the captures first, then import the traffic log (it is joined to their flows).`);
        continue;
      }
      void f.text().then((t) => kase.importTrafficLog(f.name, t));
    }
  };
  const [dragging, setDragging] = useState(false);
  const [guideOpen, setGuideOpen] = useState(false);
  const dragDepth = useRef(0);

  const run: Commands['run'] = (cmd) => {
    switch (cmd) {
      case 'open-captures':
        void openCaptures(session, fileInput.current);
        break;
      case 'open-sample':
        void openSample(session);
        break;
      case 'open-case':
        if (bridge()) void kase.openCaseElectron();
        else caseInput.current?.click();
        break;
      case 'save-case':
      case 'save-case-as':
        void kase.saveCase(cmd === 'save-case-as');
        break;
      case 'export':
        window.dispatchEvent(new CustomEvent('stagediff-export-menu'));
        break;
      case 'import-traffic-log':
        if (!session.get().analysis) session.notify('Open the captures first, then import the traffic log (it is joined to their flows).');
        else logInput.current?.click();
        break;
      case 'note-range':
        window.dispatchEvent(new CustomEvent('stagediff-note-range'));
        break;
      case 'settings':
        session.openDialog('settings');
        break;
      case 'about':
        session.openDialog('about');
        break;
      case 'guide':
        setGuideOpen(true);
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
      default: {
        const kind = EXPORT_COMMANDS[cmd];
        if (kind) void runExportCommand(session, kase, kind);
      }
    }
  };
  const runRef = useRef(run);
  runRef.current = run;

  useEffect(() => {
    document.documentElement.dataset.theme = s.prefs.theme;
  }, [s.prefs.theme]);

  // The last session's autosave, offered once at start.
  useEffect(() => {
    void kase.checkAutosave();
  }, [kase]);

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
      if (e.key === 'F1') return e.preventDefault(), runRef.current('guide');
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
        if (files.length) takeFiles(files);
      }}
    >
      <TopBar run={run} />
      <CaseBanner pickFiles={() => fileInput.current?.click()} />
      {s.captures.length === 0 ? <DropZone run={run} /> : <Workspace />}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop capture files to add them (or a case .stagediff.json, or a traffic-log .csv)</div>
        </div>
      )}
      {s.dialog === 'settings' && <SettingsDialog />}
      {s.dialog === 'about' && <AboutDialog />}
      {guideOpen && <GuideView run={run} onClose={() => setGuideOpen(false)} />}
      <NoteDialog />
      <LogDeviceDialog />
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
          if (files.length) takeFiles(files);
        }}
      />
      <input
        ref={logInput}
        type="file"
        accept=".csv,text/csv"
        hidden
        data-testid="traffic-log-input"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) kase.importTrafficLog(f.name, await f.text());
        }}
      />
      <input
        ref={caseInput}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="case-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void kase.openCaseFromFile(f);
        }}
      />
    </div>
  );
}
