/**
 * A virtualised packet grid over a PacketSet (AG Grid infinite row model): row objects are built
 * only for the blocks on screen, straight from the typed-array columns, so a million packets
 * cost two typed arrays, not a million objects. Sorting reorders an index permutation.
 */
import { useEffect, useMemo, useRef } from 'react';
import { AgGridReact } from 'ag-grid-react';
import type { ColDef, GridApi, IDatasource, IGetRowsParams, RowClassParams } from 'ag-grid-community';
import { useAppState, useSession } from '../state/hooks.ts';
import type { AnalysisView } from '../state/session.ts';
import { packetRow, timeNs, verdictCode, type PacketRow, type PacketSet } from '../util/packets.ts';
import { formatTime, zoneLabel, type TimeFormat } from '../util/time.ts';
import { gridTheme } from './gridTheme.ts';
import { useCase, useCaseController } from '../state/case-hooks.ts';
import { packetKey, type NoteIndex } from '../state/case.ts';

/** A packet row with the user's notes on that packet. */
type NotedRow = PacketRow & { userNotes?: string };

const SORT_KEYS: Record<string, (a: AnalysisView, p: number, r: number) => number> = {
  timeNs: (a, p, r) => timeNs(a, p, r),
  frame: (_a, _p, r) => r,
  len: (a, p, r) => a.entries[p].ix!.len[r],
  seq: (a, p, r) => a.entries[p].ix!.seq[r],
  ack: (a, p, r) => a.entries[p].ix!.ack[r],
  cookie: (a, p, r) => a.entries[p].ix!.cookie[r],
  verdict: (a, p, r) => verdictCode(a, p, r),
  device: (_a, p) => p,
  stage: (_a, p) => p,
};

function permutation(a: AnalysisView, set: PacketSet, colId: string | null, desc: boolean): Uint32Array {
  const perm = new Uint32Array(set.length);
  for (let i = 0; i < perm.length; i++) perm[i] = i;
  const key = colId ? SORT_KEYS[colId] : undefined;
  if (!key) return perm;
  const k = new Float64Array(set.length);
  if (colId === 'device' || colId === 'stage') {
    // Order capture positions by their label text once, then sort by that rank.
    const names = a.entries.map((e) => (colId === 'device' ? `${e.device}\u0000${e.stage}` : `${e.stage}\u0000${e.device}`));
    const order = names.map((_, i) => i).sort((x, y) => names[x].localeCompare(names[y], undefined, { numeric: true }));
    const rank = new Float64Array(names.length);
    order.forEach((p, i) => (rank[p] = i));
    for (let i = 0; i < set.length; i++) k[i] = rank[set.pos[i]] * 1e15 + timeNs(a, set.pos[i], set.row[i]) / 1e3;
  } else for (let i = 0; i < set.length; i++) k[i] = key(a, set.pos[i], set.row[i]);
  perm.sort((x, y) => (desc ? k[y] - k[x] : k[x] - k[y]) || x - y);
  return perm;
}

export function columns(tf: TimeFormat, withNote: boolean): ColDef<NotedRow>[] {
  const cols: ColDef<NotedRow>[] = [
    {
      colId: 'usernotes',
      field: 'userNotes',
      headerName: '✎',
      headerTooltip: 'Your notes on the packet; click to add or edit',
      width: 46,
      sortable: false,
      resizable: false,
      cellClass: 'note-cell',
      cellRenderer: (p: { value?: string; data?: NotedRow }) =>
        !p.data ? null : p.value ? (
          <span className="note-badge" title={p.value} data-testid="packet-note">
            ✎
          </span>
        ) : (
          <span className="note-add" title="Add a note on this packet">
            ✎
          </span>
        ),
    },
    { colId: 'frame', field: 'frame', headerName: 'Frame', width: 70, type: 'rightAligned', cellClass: 'mono' },
    { colId: 'timeNs', field: 'timeNs', headerName: `Time (${zoneLabel(tf)})`, width: 128, valueFormatter: (p) => (p.value === undefined ? '' : formatTime(p.value as number, tf, 6)), cellClass: 'mono' },
    { colId: 'device', field: 'device', headerName: 'Device', width: 92 },
    { colId: 'stage', field: 'stage', headerName: 'Stage', width: 78 },
    {
      colId: 'verdict',
      field: 'verdict',
      headerName: 'Verdict',
      width: 104,
      cellRenderer: (p: { value?: string }) => (p.value ? <span className={`verdict v-${p.value.replace(/\s+/g, '-')}`}>{p.value}</span> : <span className="muted">—</span>),
    },
    { colId: 'flags', field: 'flags', headerName: 'Flags', width: 128, sortable: false, cellClass: 'mono' },
    { colId: 'src', field: 'src', headerName: 'Source', width: 160, sortable: false, cellClass: 'mono' },
    { colId: 'dst', field: 'dst', headerName: 'Destination', width: 160, sortable: false, cellClass: 'mono' },
    { colId: 'proto', field: 'proto', headerName: 'Proto', width: 60, sortable: false },
    { colId: 'len', field: 'len', headerName: 'Len', width: 60, type: 'rightAligned', cellClass: 'mono' },
    { colId: 'seq', field: 'seq', headerName: 'Seq', width: 100, type: 'rightAligned', cellClass: 'mono' },
    { colId: 'ack', field: 'ack', headerName: 'Ack', width: 100, type: 'rightAligned', cellClass: 'mono' },
    { colId: 'cookie', field: 'cookie', headerName: 'GENEVE cookie', width: 108, cellClass: 'mono' },
    { colId: 'flow', field: 'flow', headerName: 'Flow', width: 64, sortable: false, cellClass: 'mono' },
  ];
  if (withNote) cols.splice(6, 0, { colId: 'note', field: 'note', headerName: 'Evidence', width: 250, sortable: false, tooltipField: 'note' });
  return cols;
}

export function PacketTable({ set, testId, withNote = false, emptyText }: { set: PacketSet | null; testId: string; withNote?: boolean; emptyText: string }) {
  const s = useAppState();
  const session = useSession();
  const a = s.analysis;
  const apiRef = useRef<GridApi<NotedRow> | null>(null);
  const tf = session.timeFormat();
  const cols = useMemo(() => columns(tf, withNote), [tf.zone, tf.mode, tf.baseSec, tf.originNs, withNote]); // eslint-disable-line react-hooks/exhaustive-deps
  const kase = useCaseController();
  const { notes } = useCase();
  const notesRef = useRef<NoteIndex>(notes);
  notesRef.current = notes;
  useEffect(() => {
    apiRef.current?.refreshInfiniteCache();
  }, [notes]);

  const datasource = useMemo<IDatasource | null>(() => {
    if (!a || !set) return null;
    let cacheKey = '';
    let perm: Uint32Array | null = null;
    return {
      rowCount: set.length,
      getRows(p: IGetRowsParams) {
        const sm = p.sortModel[0];
        const key = sm ? `${sm.colId}:${sm.sort}` : '';
        if (!perm || key !== cacheKey) {
          perm = permutation(a, set, sm?.colId ?? null, sm?.sort === 'desc');
          cacheKey = key;
        }
        const rows: NotedRow[] = [];
        const end = Math.min(p.endRow, set.length);
        const byPacket = notesRef.current.byPacket;
        for (let i = p.startRow; i < end; i++) {
          const j = perm[i];
          const r: NotedRow = packetRow(a, set.pos[j], set.row[j], set.notes?.[j]);
          if (byPacket.size) {
            const list = byPacket.get(packetKey(a.entries[r.pos].source.path, r.frame));
            if (list) r.userNotes = list.map((n) => `✎ ${n.text}`).join('\n');
          }
          rows.push(r);
        }
        p.successCallback(rows, set.length);
      },
    };
  }, [a, set]);

  useEffect(() => {
    const api = apiRef.current;
    if (api && datasource) api.setGridOption('datasource', datasource);
  }, [datasource]);

  useEffect(() => {
    apiRef.current?.redrawRows();
  }, [s.selectedPacket]);

  if (!a || !set) return <div className="grid-empty">{emptyText}</div>;
  if (set.length === 0) return <div className="grid-empty">{emptyText}</div>;
  const sel = s.selectedPacket;
  return (
    <div className="grid-wrap" data-testid={testId} data-rows={set.length}>
      <AgGridReact<NotedRow>
        theme={gridTheme}
        columnDefs={cols}
        defaultColDef={{ resizable: true, sortable: true, suppressHeaderMenuButton: true }}
        rowModelType="infinite"
        cacheBlockSize={200}
        maxBlocksInCache={50}
        infiniteInitialRowCount={Math.min(set.length, 200)}
        getRowId={(p) => p.data.key}
        rowClassRules={{
          'row-selected': (p: RowClassParams<NotedRow>) => !!sel && !!p.data && p.data.pos === sel.pos && p.data.row === sel.row,
          'row-dropped': (p: RowClassParams<NotedRow>) => p.data?.verdict === 'dropped',
        }}
        onGridReady={(e) => {
          apiRef.current = e.api;
          if (datasource) e.api.setGridOption('datasource', datasource);
        }}
        onRowClicked={(e) => e.data && session.selectPacket({ pos: e.data.pos, row: e.data.row })}
        onCellClicked={(e) => {
          if (e.data && e.colDef.colId === 'usernotes') kase.openNote({ kind: 'packet', path: a.entries[e.data.pos].source.path, frame: e.data.frame });
        }}
        suppressCellFocus={false}
        enableCellTextSelection
        animateRows={false}
        suppressColumnVirtualisation
        tooltipShowDelay={400}
      />
    </div>
  );
}
