import { useEffect, useMemo, useRef } from 'react';
import { AgGridReact } from 'ag-grid-react';
import type { ColDef, ColGroupDef, GridApi } from 'ag-grid-community';
import { useAppState, useSession } from '../state/hooks.ts';
import { formatDuration, formatTime, isoToNs, zoneLabel } from '../util/time.ts';
import { gridTheme } from './gridTheme.ts';

type FlowRow = Record<string, string | number | null> & { idx: number; id: string };

export function FlowsGrid({ search }: { search: string }) {
  const s = useAppState();
  const session = useSession();
  const a = s.analysis;
  const apiRef = useRef<GridApi<FlowRow> | null>(null);
  const tf = session.timeFormat();

  const { rows, cols } = useMemo(() => {
    if (!a) return { rows: [] as FlowRow[], cols: [] as (ColDef<FlowRow> | ColGroupDef<FlowRow>)[] };
    const devices = [...new Set(a.entries.map((e) => e.device))].sort((x, y) => x.localeCompare(y, undefined, { numeric: true }));
    const kinds = new Map<string, string[]>();
    for (const f of a.findings) {
      const k = kinds.get(f.flowId);
      if (k) {
        if (!k.includes(f.kind)) k.push(f.kind);
      } else kinds.set(f.flowId, [f.kind]);
    }
    const rows: FlowRow[] = a.result.flows.map((f, idx) => {
      let first = Infinity;
      let last = -Infinity;
      for (const p of f.points) {
        first = Math.min(first, isoToNs(p.first, a.extras.baseSec));
        last = Math.max(last, isoToNs(p.last, a.extras.baseSec));
      }
      const r: FlowRow = { idx, id: f.id, proto: f.proto, client: f.client, server: f.server, first, duration: (last - first) / 1e9, findings: (kinds.get(f.id) ?? []).join(', ') };
      for (const d of devices) {
        const pts = f.points.filter((p) => p.device === d);
        if (!pts.length) continue;
        const main = pts.find((p) => p.stage === 'receive') ?? pts[0];
        const dev = f.devices.find((x) => x.device === d);
        r[`${d}|packets`] = main.packets;
        r[`${d}|history`] = main.history;
        r[`${d}|state`] = main.state;
        r[`${d}|end`] = dev?.endReason ?? main.endReason ?? '';
        r[`${d}|dropped`] = dev?.dropped ?? 0;
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
      ...devices.map(
        (d): ColGroupDef<FlowRow> => ({
          headerName: d,
          headerClass: 'device-group',
          children: [
            { colId: `${d}|packets`, field: `${d}|packets`, headerName: 'Pkts', width: 70, type: 'rightAligned', filter: 'agNumberColumnFilter' },
            { colId: `${d}|history`, field: `${d}|history`, headerName: 'History', width: 96, cellClass: 'mono' },
            { colId: `${d}|state`, field: `${d}|state`, headerName: 'State', width: 70, cellClass: 'mono' },
            { colId: `${d}|end`, field: `${d}|end`, headerName: 'End reason', width: 116, cellClass: (p) => (p.value === 'aged-out' ? 'warn' : '') },
            { colId: `${d}|dropped`, field: `${d}|dropped`, headerName: 'Drop', width: 64, type: 'rightAligned', filter: 'agNumberColumnFilter', cellClass: (p) => (Number(p.value) > 0 ? 'bad' : 'muted') },
          ],
        }),
      ),
    ];
    return { rows, cols };
  }, [a, tf.zone, tf.mode, tf.baseSec, tf.originNs]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const api = apiRef.current;
    if (!api || s.selectedFlow < 0) return;
    const node = api.getRowNode(String(s.selectedFlow));
    if (node && !node.isSelected()) {
      node.setSelected(true, true);
      api.ensureNodeVisible(node, 'middle');
    }
  }, [s.selectedFlow, rows]);

  if (!a) return <div className="grid-empty">No flows yet.</div>;
  return (
    <div className="grid-wrap" data-testid="flows-grid">
      <AgGridReact<FlowRow>
        theme={gridTheme}
        rowData={rows}
        columnDefs={cols}
        defaultColDef={{ resizable: true, sortable: true, filter: true, floatingFilter: true, suppressHeaderMenuButton: true }}
        getRowId={(p) => String(p.data.idx)}
        quickFilterText={search}
        rowSelection={{ mode: 'singleRow', checkboxes: false, enableClickSelection: true }}
        onRowClicked={(e) => e.data && e.data.idx !== s.selectedFlow && session.selectFlow(e.data.idx)}
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
