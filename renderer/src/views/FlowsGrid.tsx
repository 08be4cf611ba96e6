import { useEffect, useMemo, useRef, useState } from 'react';
import { AgGridReact } from 'ag-grid-react';
import type { ColDef, ColGroupDef, GridApi } from 'ag-grid-community';
import { useAppState, useSession } from '../state/hooks.ts';
import { formatDuration, formatTime, isoToNs, zoneLabel } from '../util/time.ts';
import { gridTheme } from './gridTheme.ts';
import { flowTarget } from '../../../shared/case/case-file.ts';
import { useCase, useCaseController } from '../state/case-hooks.ts';
import { noteLines } from './notes-util.ts';
import { loggedSessions } from '../../../shared/tlog/traffic-log.ts';
import type { FlowPoint } from '../../../shared/api/analysis.ts';

type FlowRow = Record<string, string | number | null> & { idx: number; id: string };

/**
 * Flows from which the search waits for a pause in typing (SEARCH_PAUSE_MS) before it filters:
 * AG Grid's quick filter goes through every row's text, ~0.4 s a keystroke at 250,000 flows.
 */
const SEARCH_DEBOUNCE_FLOWS = 20_000;
const SEARCH_PAUSE_MS = 250;

// Grid options that never change, made once: the grid's React wrapper applies every option whose
// value is a new object at each render (each selection, at 250,000 rows ~30 ms more a keystroke).
const DEFAULT_COL_DEF: ColDef<FlowRow> = { resizable: true, sortable: true, filter: true, floatingFilter: true, suppressHeaderMenuButton: true };
const ROW_SELECTION = { mode: 'singleRow', checkboxes: false, enableClickSelection: true } as const;
const rowId = (p: { data: FlowRow }) => String(p.data.idx);

/**
 * The flows of the analysis in an AG Grid. `hidden`: on another tab; the grid keeps what it shows
 * and builds nothing new until it is shown again (a new analysis, new notes or a new time format
 * meanwhile are built once, then).
 */
export function FlowsGrid({ search, hidden = false }: { search: string; hidden?: boolean }) {
  const s = useAppState();
  const session = useSession();
  const a = s.analysis;
  const apiRef = useRef<GridApi<FlowRow> | null>(null);
  const tf = session.timeFormat();
  const kase = useCaseController();
  const { notes, join } = useCase();
  const many = (a?.result.flows.length ?? 0) >= SEARCH_DEBOUNCE_FLOWS;
  const [paused, setPaused] = useState(search);
  useEffect(() => {
    if (!many) return;
    const t = setTimeout(() => setPaused(search), SEARCH_PAUSE_MS);
    return () => clearTimeout(t);
  }, [search, many]);
  const quickFilter = many ? paused : search;

  // What the rows are made from (and its parts the rows depend on); while hidden, the last rows made stay.
  const inputs = { a, notes, join, deps: [a, tf.zone, tf.mode, tf.baseSec, tf.originNs, notes, join] };
  const shown = useRef(inputs);
  if (!hidden) shown.current = inputs;
  const { rows, cols } = useMemo(() => {
    const { a, notes, join } = shown.current;
    if (!a) return { rows: [] as FlowRow[], cols: [] as (ColDef<FlowRow> | ColGroupDef<FlowRow>)[] };
    const devices = [...new Set(a.entries.map((e) => e.device))].sort((x, y) => x.localeCompare(y, undefined, { numeric: true }));
    const kinds = new Map<string, string[]>();
    for (const f of a.findings) {
      const k = kinds.get(f.flowId);
      if (k) {
        if (!k.includes(f.kind)) k.push(f.kind);
      } else kinds.set(f.flowId, [f.kind]);
    }
    // Notes per flow: on the flow and on its findings.
    const flowNotes = new Map<string, string[]>();
    const addNotes = (flowId: string, texts: string[]) => flowNotes.set(flowId, [...(flowNotes.get(flowId) ?? []), ...texts]);
    for (const [id, list] of notes.byFlow) addNotes(id, list.map((n) => n.text));
    for (const f of a.findings) {
      const list = notes.byFinding.get(f.id);
      if (list) addNotes(f.flowId, list.map((n) => n.text));
    }
    // Traffic log: which devices it covers (a flow's sessions come from loggedSessions).
    const logDevices = new Set<string>();
    for (const x of join?.sessions ?? []) logDevices.add(x.device);
    for (const x of join?.notLogged ?? []) logDevices.add(x.device);
    // Each device's column fields, made once (not per row).
    const deviceKeys = devices.map((d) => ({ device: d, packets: `${d}|packets`, history: `${d}|history`, state: `${d}|state`, end: `${d}|end`, dropped: `${d}|dropped`, logged: `${d}|logged`, loggedDis: `${d}|loggedDis`, loggedTip: `${d}|loggedTip` }));
    const rows: FlowRow[] = a.result.flows.map((f, idx) => {
      let first = Infinity;
      let last = -Infinity;
      for (const p of f.points) {
        first = Math.min(first, isoToNs(p.first, a.extras.baseSec));
        last = Math.max(last, isoToNs(p.last, a.extras.baseSec));
      }
      const nt = flowNotes.get(f.id) ?? [];
      const mine = join ? loggedSessions(join, f.id) : [];
      const dis = mine.filter((x) => x.disagrees);
      const r: FlowRow = { idx, id: f.id, proto: f.proto, client: f.client, server: f.server, first, duration: (last - first) / 1e9, findings: (kinds.get(f.id) ?? []).join(', '), notes: nt.length, notesText: nt.join('\n'),
        logCheck: dis.length ? dis.map((x) => `${x.device}: ${x.logged ?? '(none)'}`).join(', ') : mine.length ? 'agrees' : '',
        logCheckTip: (dis.length ? dis : mine).map((x) => `${x.disagrees ? '⚠ ' : ''}${x.device} logged “${x.logged ?? '(none)'}”, stagediff inferred “${x.inferred ?? '—'}” (${x.source} line ${x.line})`).join('\n'),
      };
      for (const k of deviceKeys) {
        const d = k.device;
        // The device's receive stage, else its first point.
        let main: FlowPoint | undefined;
        for (const p of f.points) if (p.device === d && (main === undefined || (p.stage === 'receive' && main.stage !== 'receive'))) main = p;
        if (!main) continue;
        const dev = f.devices.find((x) => x.device === d);
        r[k.packets] = main.packets;
        r[k.history] = main.history;
        r[k.state] = main.state;
        r[k.end] = dev?.endReason ?? main.endReason ?? '';
        r[k.dropped] = dev?.dropped ?? 0;
        if (logDevices.has(d)) {
          const ds = mine.filter((x) => x.device === d);
          r[k.logged] = ds.length ? [...new Set(ds.map((x) => x.logged ?? '(none)'))].join(', ') : 'not logged';
          r[k.loggedDis] = ds.some((x) => x.disagrees) ? 'yes' : '';
          r[k.loggedTip] = ds.length
            ? ds
                .map(
                  (x) =>
                    `${x.disagrees ? '⚠ Disagrees: ' : ''}${x.device} logged “${x.logged ?? '(none)'}”; stagediff inferred “${x.inferred ?? '—'}” from the captures.` +
                    `\n${x.source} line ${x.line}${x.sessionId ? `, session ${x.sessionId}` : ''}, started ${x.start}, ${x.elapsedSec ?? '?'} s${x.action ? `, action ${x.action}` : ''}`,
                )
                .join('\n\n')
            : `No session of this flow in ${d}'s traffic log (stagediff inferred “${r[k.end] || '—'}”).`;
        }
      }
      return r;
    });
    const cols: (ColDef<FlowRow> | ColGroupDef<FlowRow>)[] = [
      { field: 'id', headerName: 'Flow', width: 72, pinned: 'left', cellClass: 'mono', comparator: (x: string, y: string) => Number(x.slice(1)) - Number(y.slice(1)) },
      { field: 'proto', headerName: 'Proto', width: 68 },
      { field: 'client', headerName: 'Client', width: 180, cellClass: 'mono' },
      { field: 'server', headerName: 'Server', width: 180, cellClass: 'mono' },
      { field: 'first', headerName: `Start (${zoneLabel(tf)})`, width: 140, filter: 'agNumberColumnFilter', valueFormatter: (p) => formatTime(p.value as number, tf, 3), cellClass: 'mono', getQuickFilterText: () => '' },
      { field: 'duration', headerName: 'Duration', width: 92, type: 'rightAligned', filter: 'agNumberColumnFilter', valueFormatter: (p) => formatDuration(p.value as number), getQuickFilterText: () => '' },
      { field: 'findings', headerName: 'Findings', width: 170, cellClass: (p) => (p.value ? 'has-finding' : '') },
      {
        colId: 'notes',
        field: 'notes',
        headerName: '✎',
        headerTooltip: 'Notes on the flow and its findings; click to add or edit',
        width: 54,
        filter: false,
        cellClass: 'note-cell',
        getQuickFilterText: (p) => String(p.data?.notesText ?? ''),
        cellRenderer: (p: { value?: number; data?: FlowRow }) =>
          p.value ? (
            <span className="note-badge" title={noteLines(String(p.data?.notesText ?? ''))} data-testid="flow-notes">
              ✎ {p.value}
            </span>
          ) : (
            <span className="note-add" title="Add a note on this flow">
              ✎
            </span>
          ),
      },
      ...(join
        ? [
            {
              colId: 'logCheck',
              field: 'logCheck',
              headerName: 'Traffic log',
              headerTooltip: 'The firewall traffic log against the captures: ⚠ where a logged session end reason disagrees with the inferred one (per device in the End (logged) columns)',
              width: 230,
              cellRenderer: (p: { value?: string; data?: FlowRow }) =>
                !p.value ? null : p.value === 'agrees' ? (
                  <span className="log-check agree" title={String(p.data?.logCheckTip ?? '')}>
                    ✓ agrees
                  </span>
                ) : (
                  <span className="log-check disagree" title={String(p.data?.logCheckTip ?? '')} data-disagree="summary">
                    ⚠ {p.value}
                  </span>
                ),
            } satisfies ColDef<FlowRow>,
          ]
        : []),
      ...devices.map(
        (d): ColGroupDef<FlowRow> => ({
          headerName: d,
          headerClass: 'device-group',
          children: [
            { colId: `${d}|packets`, field: `${d}|packets`, headerName: 'Pkts', width: 70, type: 'rightAligned', filter: 'agNumberColumnFilter' },
            { colId: `${d}|history`, field: `${d}|history`, headerName: 'History', width: 96, cellClass: 'mono' },
            { colId: `${d}|state`, field: `${d}|state`, headerName: 'State', width: 70, cellClass: 'mono' },
            { colId: `${d}|end`, field: `${d}|end`, headerName: logDevices.has(d) ? 'End (inferred)' : 'End reason', width: 116, cellClass: (p) => (p.value === 'aged-out' ? 'warn' : ''), headerTooltip: 'The session end reason PAN-OS would log, inferred from the captures' },
            ...(logDevices.has(d)
              ? [
                  {
                    colId: `${d}|logged`,
                    field: `${d}|logged`,
                    headerName: 'End (logged)',
                    headerTooltip: `The session end reason in ${d}'s traffic log; ⚠ where it disagrees with the captures`,
                    width: 128,
                    cellRenderer: (p: { value?: string; data?: FlowRow }) => {
                      const dis = p.data?.[`${d}|loggedDis`] === 'yes';
                      const tip = String(p.data?.[`${d}|loggedTip`] ?? '');
                      if (p.value === 'not logged') return <span className="muted" title={tip}>not logged</span>;
                      return (
                        <span className={dis ? 'logged disagree' : 'logged'} title={tip} data-disagree={dis ? 'true' : undefined}>
                          {dis && <span className="disagree-mark" aria-label="disagrees with the captures">⚠ </span>}
                          {p.value}
                        </span>
                      );
                    },
                  } satisfies ColDef<FlowRow>,
                ]
              : []),
            { colId: `${d}|dropped`, field: `${d}|dropped`, headerName: 'Drop', width: 64, type: 'rightAligned', filter: 'agNumberColumnFilter', cellClass: (p) => (Number(p.value) > 0 ? 'bad' : 'muted') },
          ],
        }),
      ),
    ];
    return { rows, cols };
  }, shown.current.deps); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const api = apiRef.current;
    if (!api || hidden || s.selectedFlow < 0) return;
    const node = api.getRowNode(String(s.selectedFlow));
    if (node && !node.isSelected()) {
      node.setSelected(true, true);
      api.ensureNodeVisible(node, 'middle');
    }
  }, [s.selectedFlow, rows, hidden]);

  if (!a) return hidden ? null : <div className="grid-empty">No flows yet.</div>;
  return (
    <div className="grid-wrap" data-testid="flows-grid" style={hidden ? { display: 'none' } : undefined}>
      <AgGridReact<FlowRow>
        theme={gridTheme}
        rowData={rows}
        columnDefs={cols}
        defaultColDef={DEFAULT_COL_DEF}
        getRowId={rowId}
        quickFilterText={quickFilter}
        rowSelection={ROW_SELECTION}
        onRowClicked={(e) => e.data && e.data.idx !== s.selectedFlow && session.selectFlow(e.data.idx)}
        onCellClicked={(e) => {
          const f = e.data ? a.result.flows[e.data.idx] : undefined;
          if (f && e.colDef.colId === 'notes') kase.openNote(flowTarget(f));
        }}
        tooltipShowDelay={300}
        onGridReady={(e) => {
          apiRef.current = e.api;
          const node = s.selectedFlow >= 0 ? e.api.getRowNode(String(s.selectedFlow)) : undefined;
          if (node) {
            node.setSelected(true, true);
            e.api.ensureNodeVisible(node, 'middle');
          }
        }}
        enableCellTextSelection
        suppressColumnVirtualisation
        animateRows={false}
      />
    </div>
  );
}
