import { useEffect, useMemo, useRef, useState } from 'react';
import type { Finding } from '../../../shared/api/analysis.ts';
import { useAppState, useSession } from '../state/hooks.ts';
import { analysisFailed, type AppState } from '../state/session.ts';
import { formatCount, formatDuration } from '../util/time.ts';
import type { Annotation } from '../../../shared/api/case.ts';
import { findingTarget } from '../../../shared/case/case-file.ts';
import { useCase, useCaseController } from '../state/case-hooks.ts';
import { noteTitle } from './notes-util.ts';

const KIND_TITLES: Record<string, string> = {
  'session-moved': 'Moved sessions',
  'non-syn-drop': 'Non-SYN first packet dropped',
  'idle-timeout-exceeded': 'Idle past the GWLB timeout',
  'half-close-timeout': 'Half-closed timer exceeded',
  'asymmetric-path': 'Asymmetric path',
  'incomplete-handshake': 'Incomplete handshake',
  rst: 'Resets',
  'fin-not-forwarded': 'FIN not forwarded',
  'not-forwarded': 'Received, not forwarded',
};

const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** Splits "… Fix: …" into explanation and fix. */
export function splitFix(text: string): { why: string; fix: string | null } {
  const i = text.search(/\bFix:\s/);
  if (i < 0) return { why: text, fix: null };
  const fix = text.slice(i + 4).trim();
  return { why: text.slice(0, i).trim(), fix: fix.charAt(0).toUpperCase() + fix.slice(1) };
}

interface Group {
  key: string;
  title: string;
  severity: string;
  items: Finding[];
  /** Each item's place in items, by finding id. */
  at: Map<string, number>;
}

/**
 * Findings drawn at once per group: a capture of many short flows (a scan, a SYN flood) can make
 * hundreds of thousands of findings of one kind, and an element for each would stall the page
 * for minutes. A group shows a window of its findings with buttons for the ones before and after;
 * the window moves to the selected finding (a click elsewhere, j/k, a search).
 */
const FINDINGS_PAGE = 100;

function groupFindings(findings: Finding[]): Group[] {
  const groups = new Map<string, Group>();
  for (const f of findings) {
    const key = `${f.kind === 'session-moved' ? '0' : String(1 + SEVERITIES.indexOf(f.severity as never))}:${f.kind}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, title: KIND_TITLES[f.kind] ?? f.kind, severity: f.severity, items: [], at: new Map() }));
    g.at.set(f.id, g.items.length);
    g.items.push(f);
  }
  return [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The part of a group's items to draw, [from, to): the stored window, moved to the selected item if it lies outside. */
function findingsWindow(n: number, stored: readonly [number, number] | undefined, selected: number | undefined): [number, number] {
  let [from, to] = stored ?? [0, FINDINGS_PAGE];
  if (selected !== undefined && (selected < from || selected >= to)) {
    from = Math.max(0, selected - 10);
    to = from + FINDINGS_PAGE;
  }
  from = Math.max(0, Math.min(from, n));
  return [from, Math.max(from, Math.min(to, n))];
}

/** What the panel says before there is an analysis. */
function waitingText(s: AppState): string {
  if (s.captures.some((c) => c.status === 'queued' || c.status === 'indexing')) return 'Reading captures…';
  if (!s.analyzing) return 'No analysis yet.';
  const p = s.analysisProgress;
  return p ? `Analysing flows: ${formatCount(p.done)} of ${formatCount(p.total)}…` : 'Analysing…';
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

export function FindingsPanel() {
  const s = useAppState();
  const session = useSession();
  const a = s.analysis;
  const groups = useMemo(() => groupFindings(a?.findings ?? []), [a]);
  const [open, setOpen] = useState<Record<string, boolean>>({});
  // Each big group's window, as last drawn (it moves with the selection), for one analysis.
  const windows = useRef({ of: a, at: new Map<string, [number, number]>() });
  if (windows.current.of !== a) windows.current = { of: a, at: new Map() };
  const [, redraw] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);
  const notes = useCase().notes;
  const kase = useCaseController();

  const counts = { critical: 0, warning: 0, info: 0 } as Record<string, number>;
  for (const f of a?.findings ?? []) counts[f.severity] = (counts[f.severity] ?? 0) + 1;

  useEffect(() => {
    const el = listRef.current?.querySelector('.finding.selected');
    el?.scrollIntoView({ block: 'nearest' });
  }, [s.selectedFindingId]);

  const selectedIn = (g: Group) => (s.selectedFindingId === null ? undefined : g.at.get(s.selectedFindingId));
  const isOpen = (g: Group) => open[g.key] ?? (g.items.length <= 6 || selectedIn(g) !== undefined);

  /** A group's window of findings, with buttons for the ones before and after it. */
  const groupItems = (g: Group) => {
    const n = g.items.length;
    const [from, to] = findingsWindow(n, windows.current.at.get(g.key), selectedIn(g));
    windows.current.at.set(g.key, [from, to]);
    const show = (w: [number, number]) => {
      windows.current.at.set(g.key, w);
      redraw((k) => k + 1);
    };
    return (
      <>
        {from > 0 && (
          <button className="quiet more-findings" data-testid="findings-earlier" onClick={() => show([Math.max(0, from - FINDINGS_PAGE), to])}>
            Show {formatCount(Math.min(from, FINDINGS_PAGE))} earlier ({formatCount(from)} before these)
          </button>
        )}
        {g.items.slice(from, to).map((f) => (
          <FindingItem key={f.id} f={f} selected={f.id === s.selectedFindingId} onSelect={() => session.selectFinding(f.id)} notes={notes.byFinding.get(f.id)} onNote={() => kase.openNote(findingTarget(f))} />
        ))}
        {to < n && (
          <button className="quiet more-findings" data-testid="findings-more" onClick={() => show([from, Math.min(n, to + FINDINGS_PAGE)])}>
            Show {formatCount(Math.min(n - to, FINDINGS_PAGE))} more ({formatCount(n - to)} after these)
          </button>
        )}
      </>
    );
  };

  return (
    <aside className="panel findings" aria-label="Findings">
      <header className="panel-head">
        <h2>Findings</h2>
        <span className="sev-counts">
          {SEVERITIES.map((sv) =>
            counts[sv] ? (
              <span key={sv} className={`count sev-${sv}`} title={`${counts[sv]} ${sv}`}>
                {counts[sv]} {sv}
              </span>
            ) : null,
          )}
        </span>
      </header>
      <div className="findings-list" ref={listRef} data-testid="findings">
        {analysisFailed(s) ? (
          <div className="analysis-error" role="alert" data-testid="analysis-error">
            <p className="err">The analysis failed.</p>
            <p>{s.analysisError}</p>
            {a && <p className="muted">The findings below are from the analysis before.</p>}
          </div>
        ) : (
          !a && (
            <p className="empty" data-testid="findings-waiting">
              {waitingText(s)}
            </p>
          )
        )}
        {a && a.findings.length === 0 && <p className="empty">No findings: every session looks consistent across the captures.</p>}
        {groups.map((g) => (
          <section key={g.key} className="fgroup">
            <button className="fgroup-head" onClick={() => setOpen({ ...open, [g.key]: !isOpen(g) })} aria-expanded={isOpen(g)}>
              <span className="chev">{isOpen(g) ? '▾' : '▸'}</span>
              <span className={`sev-dot sev-${g.severity}`} aria-hidden="true" />
              <span className="fgroup-title">{g.title}</span>
              <span className="fgroup-count">{g.items.length}</span>
            </button>
            {isOpen(g) && groupItems(g)}
          </section>
        ))}
      </div>
      <footer className="panel-foot muted small">
        <kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>/</kbd> search
      </footer>
    </aside>
  );
}

function FindingItem({ f, selected, onSelect, notes, onNote }: { f: Finding; selected: boolean; onSelect: () => void; notes?: Annotation[]; onNote: () => void }) {
  const { why, fix } = splitFix(f.explanation);
  const from = str(f.fromDevice);
  const to = str(f.toDevice);
  const idle = num(f.idleSeconds);
  const dropped = num(f.droppedPackets);
  const device = str(f.device);
  return (
    <article
      className={`finding sev-${f.severity} ${selected ? 'selected' : ''}`}
      data-kind={f.kind}
      data-finding={f.id}
      tabIndex={0}
      onClick={onSelect}
      onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), onSelect())}
      aria-selected={selected}
    >
      <div className="finding-top">
        <span className={`sev-tag sev-${f.severity}`}>{f.severity}</span>
        <span className="flow-text mono" title={`${f.flow.proto} ${f.flow.client} → ${f.flow.server}`}>
          {f.flow.client} → {f.flow.server}
        </span>
        {notes && notes.length > 0 && (
          <span className="note-badge" title={noteTitle(notes)} data-testid="finding-notes">
            ✎ {notes.length}
          </span>
        )}
      </div>
      {(from || to || idle !== undefined || dropped !== undefined || device) && (
        <div className="chips">
          {from && to ? (
            <span className="chip devices" data-testid="moved-devices">
              {from} <span className="arrow">→</span> {to}
            </span>
          ) : device ? (
            <span className="chip">{device}</span>
          ) : null}
          {idle !== undefined && (
            <span className="chip idle" data-testid="idle" title={`${idle} s idle`}>
              idle {formatDuration(idle)}
              {num(f.timeoutSeconds) !== undefined && <span className="muted"> &gt; {num(f.timeoutSeconds)} s</span>}
            </span>
          )}
          {dropped !== undefined && dropped > 0 && <span className="chip dropped">{dropped} dropped</span>}
          {str(f.cookieBefore) && str(f.cookieAfter) && (
            <span className="chip mono" title="GWLB flow cookie before and after">
              {str(f.cookieBefore)} → {str(f.cookieAfter)}
            </span>
          )}
        </div>
      )}
      <p className="summary">{f.summary}</p>
      {selected && (
        <div className="finding-more">
          <h4>Why</h4>
          <p>{why}</p>
          {fix && (
            <>
              <h4>Fix</h4>
              <p className="fix">{fix}</p>
            </>
          )}
          {notes?.map((n) => (
            <p key={n.id} className="note-inline" data-note={n.id}>
              <span aria-hidden="true">✎ </span>
              {n.text}
            </p>
          ))}
          <div className="finding-foot">
            <p className="muted small">
              {f.evidence.length} evidence packet{f.evidence.length === 1 ? '' : 's'} · flow {f.flowId} · {f.kind}
            </p>
            <button
              className="quiet small-btn"
              data-testid="note-finding"
              onClick={(e) => {
                e.stopPropagation();
                onNote();
              }}
              title="Add a note on this finding (kept in the case, shown in the report)"
            >
              ✎ {notes?.length ? 'Notes' : 'Note'}
            </button>
          </div>
        </div>
      )}
    </article>
  );
}
