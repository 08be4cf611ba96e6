/**
 * A virtualised packet grid over a PacketSet (AG Grid infinite row model): row objects are built
 * only for the blocks on screen, and their fields are read from the typed-array columns only for
 * the rows on screen, so a million packets cost two typed arrays, not a million objects. Sorting
 * reorders an index permutation.
 *
 * Scrolling a million rows (and dragging the scrollbar across them) has to fit in a frame, so the
 * body is drawn the cheap way: AG Grid's plain JavaScript grid (createGrid, no React component per
 * row or cell) with every row a full-width row whose cells one small renderer stamps out from a
 * template (a clone and a text per cell; rows that leave the screen are refilled for the rows that
 * come in), laid out at the header's column positions. The header stays AG Grid's own (sort,
 * resize, reorder, tooltips); the row model, row ids, row classes, hover and clicks too.
 *
 * A row is drawn from its row index (RowSource), not from the block the infinite row model loads
 * for it: that model draws rows whose block has not arrived yet as empty placeholders, gets the
 * block in a timer and then draws every placeholder a second time. Drawn from the index, the
 * first drawing is already the right one, and blocks load only once scrolling has settled
 * (blockLoadDebounceMillis), so that a scrollbar drag draws each screen once.
 */
import { useEffect, useMemo, useRef } from 'react';
import { createGrid } from 'ag-grid-community';
import type { ColDef, Column, GetRowIdParams, GridApi, GridOptions, ICellRendererComp, ICellRendererParams, IDatasource, IGetRowsParams, IRowNode, RowClassParams, RowClickedEvent, SortModelItem, ViewportChangedEvent } from 'ag-grid-community';
import { useAppState, useSession } from '../state/hooks.ts';
import type { AnalysisView, PacketRef } from '../state/session.ts';
import { endpoints, timeNs, verdictCode, verdictOf, type PacketSet } from '../util/packets.ts';
import { NO_FLOW, P_COOKIE, P_KEEPALIVE, P_RETRANS } from '../../../shared/engine/capture-index.ts';
import { hex32 } from '../../../shared/format/addr.ts';
import { tcpFlagsText } from '../engine/detail.ts';
import { formatTime, zoneLabel, type TimeFormat } from '../util/time.ts';
import { gridTheme } from './gridTheme.ts';
import { useCase, useCaseController } from '../state/case-hooks.ts';
import { packetKey, type NoteIndex } from '../state/case.ts';

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

/**
 * One grid row: a capture position and row plus lazily computed display fields (AG Grid reads the
 * getters only for the cells it renders, and column virtualisation renders only the columns in
 * view). Constructing one costs four fields, so a block of rows is cheap to hand to the grid.
 */
export class GridRow {
  private ep: { src: string; dst: string; proto: string } | null = null;
  constructor(
    readonly a: AnalysisView,
    readonly pos: number,
    readonly row: number,
    readonly note: string | undefined,
    private readonly notes: { readonly current: NoteIndex },
  ) {}
  /** The user's notes on the packet, read when drawn (so a new note needs a redraw, no reload). */
  get userNotes(): string | undefined {
    const byPacket = this.notes.current.byPacket;
    const list = byPacket.size ? byPacket.get(packetKey(this.a.entries[this.pos].source.path, this.row + 1)) : undefined;
    return list?.map((n) => `✎ ${n.text}`).join('\n');
  }
  get key(): string {
    return `${this.pos}:${this.row}`;
  }
  get frame(): number {
    return this.row + 1;
  }
  get timeNs(): number {
    return timeNs(this.a, this.pos, this.row);
  }
  get device(): string {
    return this.a.entries[this.pos].device;
  }
  get stage(): string {
    return this.a.entries[this.pos].stage;
  }
  private endpoints(): { src: string; dst: string; proto: string } {
    return (this.ep ??= endpoints(this.a, this.pos, this.row));
  }
  get src(): string {
    return this.endpoints().src;
  }
  get dst(): string {
    return this.endpoints().dst;
  }
  get proto(): string {
    return this.endpoints().proto;
  }
  get flags(): string {
    const ix = this.a.entries[this.pos].ix!;
    const fl = ix.flags[this.row];
    let flags = this.proto === 'tcp' ? tcpFlagsText(ix.tcpFlags[this.row]) : '';
    if (fl & P_KEEPALIVE) flags += ' keep-alive';
    if (fl & P_RETRANS) flags += ' retrans';
    return flags.trim();
  }
  get seq(): number | null {
    return this.proto === 'tcp' ? this.a.entries[this.pos].ix!.seq[this.row] : null;
  }
  get ack(): number | null {
    return this.proto === 'tcp' ? this.a.entries[this.pos].ix!.ack[this.row] : null;
  }
  get len(): number {
    return this.a.entries[this.pos].ix!.len[this.row];
  }
  get cookie(): string {
    const ix = this.a.entries[this.pos].ix!;
    return ix.flags[this.row] & P_COOKIE ? hex32(ix.cookie[this.row]) : '';
  }
  get verdict(): string {
    return verdictOf(this.a, this.pos, this.row);
  }
  get flow(): string {
    const local = this.a.entries[this.pos].ix!.flow[this.row];
    const flowOf = this.a.extras.flowOf;
    const g = local === NO_FLOW || !flowOf ? -1 : flowOf[this.pos][local];
    return g >= 0 ? this.a.result.flows[g].id : '';
  }
}

/**
 * The set's rows in the grid's order: row i of the grid under a sort (a sort reorders an index
 * permutation, kept for the last sort asked for).
 */
class RowSource {
  private sortKey = '';
  // null: time order (the set's own order), no permutation needed.
  private perm: Uint32Array | null = null;
  constructor(
    readonly a: AnalysisView,
    readonly set: PacketSet,
    private readonly notes: { readonly current: NoteIndex },
  ) {}
  at(i: number, sort: SortModelItem | undefined): GridRow {
    const key = sort ? `${sort.colId}:${sort.sort}` : '';
    if (key !== this.sortKey) {
      this.perm = sort ? permutation(this.a, this.set, sort.colId, sort.sort === 'desc') : null;
      this.sortKey = key;
    }
    const j = this.perm ? this.perm[i] : i;
    return new GridRow(this.a, this.set.pos[j], this.set.row[j], this.set.notes?.[j], this.notes);
  }
}

/** The sort the grid shows (the first sorted column, as the sort model given to getRows). */
function currentSort(api: GridApi): SortModelItem | undefined {
  let best: Column | undefined;
  for (const c of api.getColumns() ?? []) if (c.getSort() && (!best || (c.getSortIndex() ?? 0) < (best.getSortIndex() ?? 0))) best = c;
  const sort = best?.getSort();
  return best && sort ? { colId: best.getColId(), sort } : undefined;
}

/** A row node's packet: its loaded data, or (block not loaded yet) the row at its index. */
type RowOf = (node: IRowNode<GridRow>, api: GridApi) => GridRow | undefined;

/** How one column's cell is filled from a row (text, or the verdict / note badges). */
interface CellSpec {
  /** CSS classes of the cell besides `ag-cell pkt-cell`. */
  cls: string;
  fill(cell: HTMLElement, r: GridRow, tf: TimeFormat): void;
}

/**
 * Sets an element's text in place: the text node it already holds is rewritten, so a row drawn
 * again (RowLayout.take) makes no new node.
 */
function setText(e: Node, s: string): void {
  const t = e.firstChild;
  if (t && t.nodeType === Node.TEXT_NODE && !t.nextSibling) (t as Text).data = s;
  else e.textContent = s;
}

function setTitle(e: HTMLElement, title: string | undefined): void {
  if (title) e.title = title;
  else if (e.hasAttribute('title')) e.removeAttribute('title');
}

/** The cell's one badge span (made once per cell: a drawn-again row reuses it). */
function badge(cell: HTMLElement): HTMLElement {
  return (cell.firstElementChild as HTMLElement | null) ?? cell.appendChild(document.createElement('span'));
}

const text =
  (get: (r: GridRow, tf: TimeFormat) => string | number | null | undefined) =>
  (cell: HTMLElement, r: GridRow, tf: TimeFormat): void => {
    const v = get(r, tf);
    setText(cell, v === null || v === undefined ? '' : String(v));
  };

function fillVerdict(cell: HTMLElement, r: GridRow): void {
  const v = r.verdict;
  const e = badge(cell);
  if (v) {
    e.className = `verdict v-${v.replace(/\s+/g, '-')}`;
    setText(e, v);
  } else {
    e.className = 'muted';
    setText(e, '—');
  }
}

function fillUserNotes(cell: HTMLElement, r: GridRow): void {
  const e = badge(cell);
  setText(e, '✎');
  const notes = r.userNotes;
  if (notes) {
    e.className = 'note-badge';
    e.title = notes;
    e.dataset.testid = 'packet-note';
  } else {
    e.className = 'note-add';
    e.title = 'Add a note on this packet';
    delete e.dataset.testid;
  }
}

function fillNote(cell: HTMLElement, r: GridRow): void {
  setText(cell, r.note ?? '');
  setTitle(cell, r.note);
}

const CELLS: Record<string, CellSpec> = {
  usernotes: { cls: 'note-cell', fill: fillUserNotes },
  frame: { cls: 'mono pkt-right', fill: text((r) => r.frame) },
  timeNs: { cls: 'mono', fill: text((r, tf) => formatTime(r.timeNs, tf, 6)) },
  device: { cls: '', fill: text((r) => r.device) },
  stage: { cls: '', fill: text((r) => r.stage) },
  verdict: { cls: '', fill: fillVerdict },
  note: { cls: '', fill: fillNote },
  flags: { cls: 'mono', fill: text((r) => r.flags) },
  src: { cls: 'mono', fill: text((r) => r.src) },
  dst: { cls: 'mono', fill: text((r) => r.dst) },
  proto: { cls: '', fill: text((r) => r.proto) },
  len: { cls: 'mono pkt-right', fill: text((r) => r.len) },
  seq: { cls: 'mono pkt-right', fill: text((r) => r.seq) },
  ack: { cls: 'mono pkt-right', fill: text((r) => r.ack) },
  cookie: { cls: 'mono', fill: text((r) => r.cookie) },
  flow: { cls: 'mono', fill: text((r) => r.flow) },
};

/** The header's columns (AG Grid draws the header; the rows are drawn from CELLS). */
export function columns(tf: TimeFormat, withNote: boolean): ColDef<GridRow>[] {
  const cols: ColDef<GridRow>[] = [
    { colId: 'usernotes', headerName: '✎', headerTooltip: 'Your notes on the packet; click to add or edit', width: 46, sortable: false, resizable: false },
    { colId: 'frame', headerName: 'Frame', width: 70, type: 'rightAligned' },
    { colId: 'timeNs', headerName: `Time (${zoneLabel(tf)})`, width: 128 },
    { colId: 'device', headerName: 'Device', width: 92 },
    { colId: 'stage', headerName: 'Stage', width: 78 },
    { colId: 'verdict', headerName: 'Verdict', width: 116 },
    { colId: 'flags', headerName: 'Flags', width: 128, sortable: false },
    { colId: 'src', headerName: 'Source', width: 160, sortable: false },
    { colId: 'dst', headerName: 'Destination', width: 160, sortable: false },
    { colId: 'proto', headerName: 'Proto', width: 60, sortable: false },
    { colId: 'len', headerName: 'Len', width: 60, type: 'rightAligned' },
    { colId: 'seq', headerName: 'Seq', width: 100, type: 'rightAligned' },
    { colId: 'ack', headerName: 'Ack', width: 100, type: 'rightAligned' },
    { colId: 'cookie', headerName: 'GENEVE cookie', width: 108 },
    { colId: 'flow', headerName: 'Flow', width: 64, sortable: false },
  ];
  if (withNote) cols.splice(6, 0, { colId: 'note', headerName: 'Evidence', width: 250, sortable: false });
  return cols;
}

/** A drawn row's elements: the row and its cells, in the order of the layout that made them. */
interface RowView {
  el: HTMLElement;
  cells: HTMLElement[];
  version: number;
}

/** Rows kept for reuse: more than a screen of rows leaves and comes in at once (a jump). */
const POOL_MAX = 200;

/**
 * Where the cells go: the displayed columns' ids, left edges and widths, and a template row of
 * empty cells to clone. Rebuilt when columns are resized, moved, shown or hidden.
 *
 * Rows that leave the screen come back to its pool and are filled again for rows that come into
 * it: fast scrolling replaces the whole screen every frame, and new elements for each (a clone
 * and a JavaScript wrapper per cell, a text node per value) were most of what the page allocated
 * while scrolling, so a garbage collection fell on top of a frame every second or so.
 */
class RowLayout {
  cells: CellSpec[] = [];
  template: HTMLDivElement = document.createElement('div');
  tf: TimeFormat;
  /** Bumped by each update: rows made for an older layout are not reused. */
  private version = 0;
  private pool: RowView[] = [];
  constructor(tf: TimeFormat) {
    this.tf = tf;
  }
  update(cols: Column[]): void {
    const tpl = document.createElement('div');
    tpl.className = 'pkt-row';
    tpl.setAttribute('role', 'presentation');
    let width = 0;
    this.cells = cols.map((c) => {
      const id = c.getColId();
      const spec = CELLS[id] ?? { cls: '', fill: () => {} };
      const d = document.createElement('div');
      d.className = spec.cls ? `pkt-cell ${spec.cls}` : 'pkt-cell';
      d.setAttribute('role', 'gridcell');
      d.setAttribute('col-id', id);
      const left = c.getLeft() ?? width;
      d.style.left = `${left}px`;
      d.style.width = `${c.getActualWidth()}px`;
      width = Math.max(width, left + c.getActualWidth());
      tpl.appendChild(d);
      return spec;
    });
    tpl.style.width = `${width}px`;
    this.template = tpl;
    this.version++;
    this.pool.length = 0;
  }
  /** A row of this layout's cells, to be filled: one given back, or a new clone of the template. */
  take(): RowView {
    const v = this.pool.pop();
    if (v) return v;
    const el = this.template.cloneNode(true) as HTMLElement;
    return { el, cells: Array.from(el.children) as HTMLElement[], version: this.version };
  }
  /** A row that left the screen: out of the page, and kept if it is of the current layout. */
  give(v: RowView): void {
    v.el.remove();
    if (this.current(v) && this.pool.length < POOL_MAX) this.pool.push(v);
  }
  current(v: RowView): boolean {
    return v.version === this.version;
  }
}

interface PacketRowParams extends ICellRendererParams<GridRow> {
  layout: RowLayout;
  rowOf: RowOf;
}

/** A whole packet row: a row of the layout's cells (see RowLayout.take), one fill per cell. */
class PacketRowRenderer implements ICellRendererComp<GridRow> {
  private e: HTMLElement = document.createElement('div');
  private view: RowView | null = null;
  private layout: RowLayout | null = null;
  init(p: PacketRowParams): void {
    this.layout = p.layout;
    this.draw(p);
  }
  getGui(): HTMLElement {
    return this.e;
  }
  refresh(p: PacketRowParams): boolean {
    const old = this.e;
    const parent = old.parentNode;
    const next = old.nextSibling;
    this.draw(p);
    if (this.e !== old) {
      // A row of another layout, or none: the new element takes the old one's place.
      old.remove();
      parent?.insertBefore(this.e, next);
    }
    return true;
  }
  destroy(): void {
    if (this.view) this.layout?.give(this.view);
    this.view = null;
  }
  private draw(p: PacketRowParams): void {
    const { layout } = p;
    const r = p.rowOf(p.node, p.api);
    if (this.view && (!r || !layout.current(this.view))) this.destroy();
    if (!r) {
      // No such row (an index past the end).
      this.e = document.createElement('div');
      this.e.className = 'pkt-row';
      return;
    }
    const v = (this.view ??= layout.take());
    this.e = v.el;
    const cells = layout.cells;
    for (let i = 0; i < cells.length; i++) cells[i].fill(v.cells[i], r, layout.tf);
  }
}

const isSelected = (r: GridRow | undefined, sel: PacketRef | null): boolean => !!r && !!sel && r.pos === sel.pos && r.row === sel.row;

/** Rows per block the grid asks getRows for; also how far past the rows drawn a block is asked for ahead. */
const BLOCK_ROWS = 100;

const DEFAULT_COL_DEF: ColDef<GridRow> = { resizable: true, sortable: true, suppressHeaderMenuButton: true };
const getRowId = (p: GetRowIdParams<GridRow>) => p.data.key;

export function PacketTable({ set, testId, withNote = false, emptyText }: { set: PacketSet | null; testId: string; withNote?: boolean; emptyText: string }) {
  const a = useAppState().analysis;
  if (!a || !set || set.length === 0) return <div className="grid-empty">{emptyText}</div>;
  return (
    <div className="grid-wrap" data-testid={testId} data-rows={set.length}>
      <PacketGrid a={a} set={set} withNote={withNote} />
    </div>
  );
}

function PacketGrid({ a, set, withNote }: { a: AnalysisView; set: PacketSet; withNote: boolean }) {
  const s = useAppState();
  const session = useSession();
  const kase = useCaseController();
  const hostRef = useRef<HTMLDivElement>(null);
  const apiRef = useRef<GridApi<GridRow> | null>(null);
  const tf = session.timeFormat();
  const tfKey = `${tf.zone}|${tf.mode}|${tf.baseSec}|${tf.originNs}`;
  const cols = useMemo(() => columns(tf, withNote), [tfKey, withNote]); // eslint-disable-line react-hooks/exhaustive-deps
  const layout = useMemo(() => new RowLayout(tf), []); // eslint-disable-line react-hooks/exhaustive-deps
  const { notes } = useCase();
  const notesRef = useRef<NoteIndex>(notes);
  notesRef.current = notes;

  const source = useMemo(() => new RowSource(a, set, notesRef), [a, set]);
  const sourceRef = useRef(source);
  sourceRef.current = source;
  const rowOf = useMemo<RowOf>(
    () => (node, api) => {
      if (node.data) return node.data;
      const src = sourceRef.current;
      const i = node.rowIndex;
      return i !== null && i >= 0 && i < src.set.length ? src.at(i, currentSort(api)) : undefined;
    },
    [],
  );
  const datasource = useMemo<IDatasource>(
    () => ({
      rowCount: set.length,
      getRows(p: IGetRowsParams) {
        const end = Math.min(p.endRow, set.length);
        const rows: GridRow[] = new Array(Math.max(0, end - p.startRow));
        for (let i = p.startRow; i < end; i++) rows[i - p.startRow] = source.at(i, p.sortModel[0]);
        p.successCallback(rows, set.length);
      },
    }),
    [set, source],
  );

  // The selected packet's row class is read through a ref, so the grid's options never change
  // with the selection; only the rows that gain or lose it are redrawn.
  const sel = s.selectedPacket;
  const selRef = useRef<PacketRef | null>(sel);
  const aRef = useRef(a);
  aRef.current = a;
  const latest = useRef({ cols, datasource });
  latest.current = { cols, datasource };

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    // Columns resized, moved, shown or hidden: the cells move with them.
    const relayout = (e: { api: GridApi<GridRow> }) => {
      layout.update(e.api.getAllDisplayedColumns());
      e.api.redrawRows();
    };
    let lastFirstRow = -1;
    const options: GridOptions<GridRow> = {
      theme: gridTheme,
      columnDefs: latest.current.cols,
      defaultColDef: DEFAULT_COL_DEF,
      rowModelType: 'infinite',
      datasource: latest.current.datasource,
      cacheBlockSize: BLOCK_ROWS,
      maxBlocksInCache: 100,
      // Rows are drawn before their block loads (rowOf), so a block can wait until scrolling
      // settles; loading it draws its rows on screen again.
      blockLoadDebounceMillis: 150,
      // The row count is known: the whole scroll height from the start.
      infiniteInitialRowCount: latest.current.datasource.rowCount,
      // Rows drawn beyond the viewport: few, since a scrollbar jump redraws all of them.
      rowBuffer: 2,
      // Rows are drawn in the scroll event itself instead of in animation-frame slices of up to
      // 60 ms (AG Grid's default, meant for costly cells); a whole screen of these rows costs a
      // few milliseconds.
      suppressAnimationFrame: true,
      getRowId,
      isFullWidthRow: () => true,
      fullWidthCellRenderer: PacketRowRenderer,
      fullWidthCellRendererParams: { layout, rowOf },
      // Not embedded: one renderer and two elements per row (embedded rows get a renderer and
      // a section per pinned side as well).
      embedFullWidthRows: false,
      rowClassRules: {
        'row-selected': (p: RowClassParams<GridRow>) => isSelected(rowOf(p.node, p.api), selRef.current),
        'row-dropped': (p: RowClassParams<GridRow>) => rowOf(p.node, p.api)?.verdict === 'dropped',
      },
      onRowClicked: (e: RowClickedEvent<GridRow>) => {
        const r = rowOf(e.node, e.api);
        if (!r) return;
        session.selectPacket({ pos: r.pos, row: r.row });
        const target = e.event?.target;
        if (target instanceof Element && target.closest('[col-id="usernotes"]')) {
          kase.openNote({ kind: 'packet', path: aRef.current.entries[r.pos].source.path, frame: r.frame });
        }
      },
      // Scrolling steadily (a few rows at a time), asks for the next two blocks in the scroll's
      // direction, so that a block has loaded before its rows come into view. A row drawn
      // before its block has loaded is drawn twice: AG Grid replaces it (a new row node) when the
      // block arrives: about a quarter of the rows drawn at 100 px a frame. Jumps and fast
      // scrolling ask for nothing more (the blocks would be passed before they load).
      onViewportChanged: (e: ViewportChangedEvent<GridRow>) => {
        const moved = e.firstRow - lastFirstRow;
        lastFirstRow = e.firstRow;
        if (moved === 0 || Math.abs(moved) > BLOCK_ROWS / 4) return;
        const n = e.api.getDisplayedRowCount();
        for (let k = 1; k <= 2; k++) {
          const i = moved > 0 ? e.lastRow + k * BLOCK_ROWS : e.firstRow - k * BLOCK_ROWS;
          if (i >= 0 && i < n) e.api.getDisplayedRowAtIndex(i);
        }
      },
      onDisplayedColumnsChanged: relayout,
      onColumnResized: relayout,
      onColumnMoved: relayout,
      enableCellTextSelection: true,
      animateRows: false,
      tooltipShowDelay: 400,
    };
    const api = createGrid(host, options);
    apiRef.current = api;
    layout.update(api.getAllDisplayedColumns());
    return () => {
      apiRef.current = null;
      api.destroy();
    };
  }, [session, kase, layout, rowOf]);

  const mounted = useRef({ cols, datasource, tfKey });
  useEffect(() => {
    const m = mounted.current;
    const api = apiRef.current;
    if (m.tfKey !== tfKey) {
      layout.tf = tf;
      api?.redrawRows();
    }
    if (m.cols !== cols) api?.setGridOption('columnDefs', cols);
    m.cols = cols;
    m.tfKey = tfKey;
  }, [cols, tfKey]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    const api = apiRef.current;
    if (api && mounted.current.datasource !== datasource) {
      api.setGridOption('datasource', datasource);
      api.setRowCount(set.length, true);
    }
    mounted.current.datasource = datasource;
  }, [datasource, set.length]);
  const notesSeen = useRef(notes);
  useEffect(() => {
    // Rows read the notes when drawn.
    if (notesSeen.current !== notes) apiRef.current?.redrawRows();
    notesSeen.current = notes;
  }, [notes]);

  useEffect(() => {
    const prev = selRef.current;
    selRef.current = sel;
    const api = apiRef.current;
    if (!api || prev === sel) return;
    // The rows on screen that gain or lose the selection (loaded or not, hence not by row id).
    const nodes = api.getRenderedNodes().filter((n) => {
      const r = rowOf(n, api);
      return isSelected(r, prev) || isSelected(r, sel);
    });
    if (nodes.length) api.redrawRows({ rowNodes: nodes });
  }, [sel, rowOf]);

  return <div ref={hostRef} className="pkt-grid" />;
}

