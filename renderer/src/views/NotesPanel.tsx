import type { Annotation } from '../../../shared/api/case.ts';
import { useAppState, useSession } from '../state/hooks.ts';
import { useCase, useCaseController } from '../state/case-hooks.ts';
import type { Session } from '../state/session.ts';
import { isoToNs } from '../util/time.ts';
import { timeNs } from '../util/packets.ts';
import { describeTarget } from './notes-util.ts';

const KIND_LABEL = { finding: 'Finding', flow: 'Flow', packet: 'Packet', range: 'Range' } as const;

/** Goes to what a note is about: selects the finding, flow or packet, or zooms to the range. */
export function goToNote(session: Session, n: Annotation): void {
  const a = session.get().analysis;
  if (!a) return;
  const t = n.target;
  if (t.kind === 'finding') session.selectFinding(t.findingId);
  else if (t.kind === 'flow') {
    const i = a.flowIndex.get(t.flowId);
    if (i !== undefined) session.selectFlow(i);
  } else if (t.kind === 'packet') {
    const pos = a.entries.findIndex((e) => e.source.path === t.path);
    if (pos < 0 || t.frame > (a.entries[pos].ix?.packets ?? 0)) return;
    const row = t.frame - 1;
    const local = a.entries[pos].ix!.flow[row];
    const g = a.extras.flowOf?.[pos]?.[local] ?? -1;
    if (g >= 0 && g !== session.get().selectedFlow) session.selectFlow(g);
    session.selectPacket({ pos, row });
    const ns = timeNs(a, pos, row);
    session.zoomTo(ns - 2e9, ns + 2e9);
  } else session.zoomTo(isoToNs(t.from, a.extras.baseSec), isoToNs(t.to, a.extras.baseSec));
}

/** Every note of the case, in the order they were written. */
export function NotesPanel() {
  const s = useAppState();
  const session = useSession();
  const c = useCase();
  const kase = useCaseController();
  const tf = session.timeFormat();
  const titleRow = (
    <label className="case-title">
      <span className="muted small">Case title</span>
      <input defaultValue={c.title} key={c.title} onBlur={(e) => kase.setTitle(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()} data-testid="case-title" />
      <span className="muted small">used for the saved case and the report</span>
    </label>
  );
  if (!c.annotations.length) {
    return (
      <div className="notes-wrap">
        {titleRow}
        <div className="grid-empty notes-empty">
          <div>
            <p>No notes yet.</p>
            <p className="muted small">
              Add one from a finding (✎ Note), a flow (✎ column of the Flows tab, or ✎ Flow on the timeline), a packet (✎ column, or the packet detail), or a time range (Shift+drag on the timeline, or ✎ Range). Notes are saved in the case, shown on the timeline and in the report.
            </p>
          </div>
        </div>
      </div>
    );
  }
  return (
    <div className="notes-list" data-testid="notes-list">
      {titleRow}
      {c.annotations.map((n) => (
        <article key={n.id} className="note-row" data-note={n.id} data-kind={n.target.kind}>
          <span className={`note-kind k-${n.target.kind}`}>{KIND_LABEL[n.target.kind]}</span>
          <div className="note-body">
            <button className="link note-about" onClick={() => goToNote(session, n)} title="Go to it">
              {describeTarget(n.target, s.analysis, tf)}
            </button>
            <div className="note-text">{n.text}</div>
          </div>
          <span className="muted small note-when">{new Date(n.created).toLocaleString()}</span>
          <button className="quiet" onClick={() => kase.openNote(n.target)}>
            Edit
          </button>
          <button className="quiet danger" onClick={() => kase.deleteNote(n.id)} aria-label="Delete note">
            Delete
          </button>
        </article>
      ))}
    </div>
  );
}
