import { useEffect, useMemo, useRef, useState } from 'react';
import { useAppState } from '../state/hooks.ts';
import { allPackets, evidencePackets, flowPackets, type PacketSet } from '../util/packets.ts';
import type { AnalysisResult } from '../../../shared/api/analysis.ts';
import { CaptureBoard } from './CaptureBoard.tsx';
import { FindingsPanel } from './FindingsPanel.tsx';
import { Timeline } from './Timeline.tsx';
import { FlowsGrid } from './FlowsGrid.tsx';
import { PacketTable } from './PacketTable.tsx';
import { PacketDetail } from './PacketDetail.tsx';
import { formatCount } from '../util/time.ts';
import { NotesPanel } from './NotesPanel.tsx';
import { useCase } from '../state/case-hooks.ts';

type Tab = 'evidence' | 'flows' | 'packets' | 'notes';

export function Workspace() {
  const s = useAppState();
  const a = s.analysis;
  const [tab, setTab] = useState<Tab>('evidence');
  const [search, setSearch] = useState('');
  const [scope, setScope] = useState<'flow' | 'all'>('flow');
  const searchRef = useRef<HTMLInputElement>(null);

  const evidence = useMemo(() => (a ? evidencePackets(a, s.selectedFindingId) : null), [a, s.selectedFindingId]);
  const flowSet = useMemo(() => (a && tab === 'packets' && scope === 'flow' && s.selectedFlow >= 0 ? flowPackets(a, s.selectedFlow) : null), [a, tab, scope, s.selectedFlow]);
  // Every packet in time order: made once per analysis (~0.5 s at 2M packets), not at every visit.
  const allOf = useRef<{ result: AnalysisResult | null; set: PacketSet | null }>({ result: null, set: null });
  const all = useMemo(() => {
    if (!a || tab !== 'packets' || scope !== 'all') return null;
    if (allOf.current.result !== a.result) allOf.current = { result: a.result, set: allPackets(a) };
    return allOf.current.set;
  }, [a, tab, scope]);
  const totalPackets = a ? a.entries.reduce((n, e) => n + (e.ix?.packets ?? 0), 0) : 0;
  // The flows grid stays once opened, hidden on the other tabs: at 250,000 flows it takes ~3 s to
  // build (our rows, then AG Grid's row nodes), which every visit to the tab paid again.
  const [flowsOpened, setFlowsOpened] = useState(false);
  if (tab === 'flows' && !flowsOpened) setFlowsOpened(true);
  const noteCount = useCase().annotations.length;

  useEffect(() => {
    const onFocus = () => setTab('flows');
    const el = searchRef.current;
    el?.addEventListener('focus', onFocus);
    return () => el?.removeEventListener('focus', onFocus);
  }, []);

  const tabs: [Tab, string, number | null][] = [
    ['evidence', 'Evidence', evidence?.length ?? null],
    ['flows', 'Flows', a?.result.flows.length ?? null],
    ['packets', 'Packets', a ? totalPackets : null],
    ['notes', 'Notes', noteCount],
  ];
  return (
    <div className="workspace">
      <FindingsPanel />
      <main className="center">
        <CaptureBoard />
        <Timeline />
        <section className="panel bottom">
          <header className="tabs" role="tablist">
            {tabs.map(([t, label, n]) => (
              <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'tab on' : 'tab'} onClick={() => setTab(t)} data-tab={t}>
                {label}
                {n !== null && <span className="tab-count">{formatCount(n)}</span>}
              </button>
            ))}
            {tab === 'packets' && (
              <select className="scope" value={scope} onChange={(e) => setScope(e.target.value as 'flow' | 'all')} aria-label="Which packets">
                <option value="flow">Selected flow</option>
                <option value="all">All packets</option>
              </select>
            )}
            <span className="spacer" />
            <input
              ref={searchRef}
              data-search
              className="search"
              type="search"
              placeholder="Search flows: address, port, history, end reason…  ( / )"
              value={search}
              onChange={(e) => {
                setSearch(e.target.value);
                setTab('flows');
              }}
            />
          </header>
          <div className="bottom-body">
            <div className="bottom-main">
              {tab === 'evidence' && <PacketTable set={evidence} testId="evidence-grid" withNote emptyText={s.selectedFindingId ? 'This finding names no packets.' : 'Select a finding to list its evidence packets.'} />}
              {(tab === 'flows' || flowsOpened) && <FlowsGrid search={search} hidden={tab !== 'flows'} />}
              {tab === 'notes' && <NotesPanel />}
              {tab === 'packets' && <PacketTable set={scope === 'flow' ? flowSet : all} testId="packets-grid" emptyText={scope === 'flow' ? 'Select a flow (or a finding) to list its packets, or choose All packets.' : 'No packets.'} />}
            </div>
            <PacketDetail />
          </div>
        </section>
      </main>
    </div>
  );
}
