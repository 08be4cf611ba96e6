import { useEffect, useRef, useState } from 'react';
import { useAppState, useSession } from '../state/hooks.ts';
import { analysisFailed } from '../state/session.ts';
import type { Commands } from './App.tsx';
import { formatBytes, formatCount } from '../util/time.ts';
import { EXPORT_ITEMS } from './exports.ts';
import { useCase } from '../state/case-hooks.ts';
import type { MenuCommand } from '../../../shared/api/bridge.ts';

export function TopBar({ run }: { run: Commands['run'] }) {
  const s = useAppState();
  const session = useSession();
  const [exportOpen, setExportOpen] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);
  const kase = useCase();
  // File > Export… (Ctrl+E) opens this menu.
  useEffect(() => {
    const open = () => setExportOpen(true);
    window.addEventListener('stagediff-export-menu', open);
    return () => window.removeEventListener('stagediff-export-menu', open);
  }, []);
  useEffect(() => {
    if (!exportOpen) return;
    const close = (e: MouseEvent) => {
      if (!menuRef.current?.contains(e.target as Node)) setExportOpen(false);
    };
    window.addEventListener('mousedown', close);
    return () => window.removeEventListener('mousedown', close);
  }, [exportOpen]);

  const reading = s.captures.filter((c) => c.status === 'indexing' || c.status === 'queued');
  // The files the analysis holds (not those that failed, were cancelled or did not fit in memory).
  const held = s.analysis?.entries ?? [];
  const packets = held.reduce((n, c) => n + c.packets, 0);
  const bytes = held.reduce((n, c) => n + c.source.size, 0);
  const notRead = s.captures.length - held.length;
  const has = s.captures.length > 0;
  const ready = s.loadMs !== null && !reading.length && !s.analyzing && s.analysis ? `${(s.loadMs / 1000).toFixed(2)} s` : null;
  const autosaved = kase.autosavedAt && has ? new Date(kase.autosavedAt).toLocaleTimeString() : null;
  const failed = analysisFailed(s);
  let status = '';
  if (reading.length) status = `Reading ${reading.length} of ${s.captures.length} files…`;
  else if (s.analyzing) status = s.analysisProgress ? `Analysing… ${formatCount(s.analysisProgress.done)} of ${formatCount(s.analysisProgress.total)} flows` : 'Analysing…';
  else if (failed) status = 'Analysis failed (see Findings)';
  else if (s.analysis) {
    status = `${held.length} files · ${formatBytes(bytes)} · ${formatCount(packets)} packets · ${formatCount(s.analysis.result.flows.length)} flows${notRead > 0 ? ` · ${notRead} not read` : ''}`;
  }
  return (
    <header className="topbar">
      <div className="brand" title="stagediff: where did each session go?">
        <span className="brand-mark" aria-hidden="true" />
        stagediff
      </div>
      <nav className="actions">
        <button onClick={() => run('open-captures')} title="Open capture files (Ctrl+O)">
          Open captures…
        </button>
        <button onClick={() => run('open-sample')}>Open sample incident</button>
        <button onClick={() => run('open-case')} title="Open a saved case (Ctrl+Shift+O)">
          Open case…
        </button>
        <button onClick={() => run('save-case')} disabled={!has && !kase.annotations.length} title="Save the case: capture paths with sha256, labels, clock offsets, timers and notes (Ctrl+S). Autosaved as you work." data-testid="save-case">
          Save case
        </button>
        <button onClick={() => run('import-traffic-log')} disabled={!s.analysis} title="Import a PAN-OS traffic log (Monitor > Logs > Traffic > Export CSV): the logged session end reason appears beside the inferred one in the Flows tab" data-testid="import-log">
          Traffic log…
        </button>
        <div className="menu-anchor" ref={menuRef}>
          <button onClick={() => setExportOpen((v) => !v)} disabled={!s.analysis} aria-haspopup="menu" aria-expanded={exportOpen}>
            Export ▾
          </button>
          {exportOpen && (
            <div className="menu" role="menu">
              {EXPORT_ITEMS.map((it, k) => (
                <button
                  key={it.kind}
                  role="menuitem"
                  data-export={it.kind}
                  className={k > 0 && EXPORT_ITEMS[k - 1].group !== it.group ? 'menu-sep' : ''}
                  onClick={() => (setExportOpen(false), run(`export-${it.kind}` as MenuCommand))}
                >
                  {it.label}
                </button>
              ))}
            </div>
          )}
        </div>
        {has && (
          <button className="quiet" onClick={() => session.clear()} title="Close all captures">
            Close all
          </button>
        )}
      </nav>
      {/* Cut at the end when the bar is narrow (the least needed part last); the tooltip has it all. */}
      <div className="status" data-testid="status" title={[status, ready && `drop to findings ${ready}`, autosaved && `autosaved ${autosaved}`].filter(Boolean).join(' · ') || undefined}>
        {failed && !reading.length ? <span className="err">{status}</span> : status}
        {ready && <span className="muted"> · ready in {ready}</span>}
        {autosaved && (
          <span className="muted" data-testid="autosaved" title={kase.casePath ? `Also saved to ${kase.casePath}` : 'Kept so that closing or a crash loses nothing; restored on the next start'}>
            {' '}
            · autosaved {autosaved}
          </span>
        )}
      </div>
      <div className="prefs">
        <Segmented
          label="Time zone"
          value={s.prefs.zone}
          options={[
            ['utc', 'UTC'],
            ['local', 'Local'],
          ]}
          onChange={(zone) => session.setPrefs({ zone })}
        />
        <Segmented
          label="Time display"
          value={s.prefs.timeMode}
          options={[
            ['absolute', 'Clock'],
            ['relative', 'Relative'],
          ]}
          onChange={(timeMode) => session.setPrefs({ timeMode })}
        />
        <button className="icon" title={`Switch to ${s.prefs.theme === 'dark' ? 'light' : 'dark'} theme`} onClick={() => session.setPrefs({ theme: s.prefs.theme === 'dark' ? 'light' : 'dark' })}>
          {s.prefs.theme === 'dark' ? '☀' : '☾'}
        </button>
        <button onClick={() => run('settings')} title="Timers, time zone, theme (Ctrl+,)">
          Settings
        </button>
        <button className="icon" onClick={() => run('guide')} title="User guide (F1)" aria-label="User guide" data-testid="guide-button">
          ?
        </button>
      </div>
    </header>
  );
}

export function Segmented<T extends string>({ label, value, options, onChange }: { label: string; value: T; options: [T, string][]; onChange: (v: T) => void }) {
  return (
    <div className="segmented" role="radiogroup" aria-label={label}>
      {options.map(([v, text]) => (
        <button key={v} role="radio" aria-checked={v === value} className={v === value ? 'on' : ''} onClick={() => onChange(v)}>
          {text}
        </button>
      ))}
    </div>
  );
}
