import { useState } from 'react';
import type { Annotation } from '../../../shared/api/case.ts';
import { useAppState, useSession } from '../state/hooks.ts';
import { useCase, useCaseController } from '../state/case-hooks.ts';
import { sameTarget } from '../state/case.ts';
import { Dialog } from './Dialog.tsx';
import { describeTarget } from './notes-util.ts';

/** Notes on one target: the existing ones (edit, delete) and a field for a new one. */
export function NoteDialog() {
  const s = useAppState();
  const session = useSession();
  const c = useCase();
  const kase = useCaseController();
  const [text, setText] = useState('');
  const target = c.noteTarget;
  if (!target) return null;
  const existing = c.annotations.filter((n) => sameTarget(n.target, target));
  const close = () => kase.openNote(null);
  const add = () => {
    if (kase.addNote(target, text)) {
      setText('');
      close();
    }
  };
  return (
    <Dialog
      title={existing.length ? 'Notes' : 'Add a note'}
      onClose={close}
      footer={
        <>
          <span className="muted small">Ctrl+Enter saves · notes are kept in the case and shown in the report</span>
          <span className="spacer" />
          <button onClick={close}>{existing.length ? 'Done' : 'Cancel'}</button>
          <button className="primary" onClick={add} disabled={!text.trim()} data-testid="note-save">
            Add note
          </button>
        </>
      }
    >
      <div className="note-dialog">
        <p className="note-target" data-testid="note-target">
          {describeTarget(target, s.analysis, session.timeFormat())}
        </p>
        {existing.map((n) => (
          <ExistingNote key={n.id} n={n} />
        ))}
        <textarea
          className="note-input"
          data-testid="note-text"
          placeholder={existing.length ? 'Another note…' : 'What did you find? (e.g. "client idle 400 s: keep-alive is off on this host")'}
          value={text}
          rows={4}
          autoFocus
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              add();
            } else if (e.key === 'Escape') {
              e.preventDefault();
              close();
            }
          }}
        />
      </div>
    </Dialog>
  );
}

function ExistingNote({ n }: { n: Annotation }) {
  const kase = useCaseController();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(n.text);
  return (
    <div className="note-item" data-note={n.id}>
      {editing ? (
        <>
          <textarea className="note-input" value={draft} rows={3} autoFocus onChange={(e) => setDraft(e.target.value)} data-testid="note-edit" />
          <div className="note-actions">
            <button
              className="primary"
              onClick={() => {
                kase.editNote(n.id, draft);
                setEditing(false);
              }}
            >
              Save
            </button>
            <button onClick={() => (setDraft(n.text), setEditing(false))}>Cancel</button>
          </div>
        </>
      ) : (
        <>
          <div className="note-text">{n.text}</div>
          <div className="note-actions">
            <span className="muted small">{new Date(n.created).toLocaleString()}</span>
            <span className="spacer" />
            <button className="quiet" onClick={() => setEditing(true)}>
              Edit
            </button>
            <button className="quiet danger" onClick={() => kase.deleteNote(n.id)}>
              Delete
            </button>
          </div>
        </>
      )}
    </div>
  );
}
