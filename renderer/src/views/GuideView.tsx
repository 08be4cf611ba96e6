/**
 * The built-in user guide: docs/guide.md, rendered to HTML at build time (scripts/guide.mjs
 * escapes raw HTML and turns remote links into text), shown in a panel over the app. Links of the
 * form stagediff:COMMAND run an app command (e.g. open the sample incident) and close the guide.
 */
import { useEffect, useRef, useState } from 'react';
import type { Commands } from './App.tsx';
import './guide.css';

type Guide = (typeof import('virtual:stagediff-guide'))['default'];
type LinkCommand = 'open-sample' | 'about' | 'settings';
const LINK_COMMANDS: readonly string[] = ['open-sample', 'about', 'settings'];

export function GuideView({ run, onClose }: { run: Commands['run']; onClose: () => void }) {
  const [guide, setGuide] = useState<Guide | null>(null);
  const [error, setError] = useState<string | null>(null);
  const body = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let live = true;
    import('virtual:stagediff-guide').then(
      (m) => live && setGuide(m.default),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    closeRef.current?.focus();
    // The app's single-key shortcuts (j, k, /, 0...) must not act behind the guide.
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopImmediatePropagation();
        onClose();
      } else if (!e.ctrlKey && !e.metaKey && !e.altKey) e.stopImmediatePropagation();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);

  const jump = (id: string) => body.current?.querySelector(`[id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'start' });

  const onClick = (e: React.MouseEvent) => {
    const a = (e.target as HTMLElement).closest('a');
    if (!a) return;
    e.preventDefault();
    const cmd = a.getAttribute('data-command');
    if (cmd && LINK_COMMANDS.includes(cmd)) {
      onClose();
      run(cmd as LinkCommand);
      return;
    }
    const href = a.getAttribute('href') ?? '';
    if (href.startsWith('#') && href.length > 1) jump(href.slice(1));
  };

  return (
    <div className="guide-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="guide" role="dialog" aria-modal="true" aria-label="User guide" data-testid="guide">
        <header>
          <h2>{guide?.title ?? 'User guide'}</h2>
          <button className="quiet" onClick={() => (onClose(), run('about'))}>
            About and keyboard shortcuts
          </button>
          <button className="icon" ref={closeRef} onClick={onClose} aria-label="Close the guide" title="Close (Esc)">
            ×
          </button>
        </header>
        <div className="guide-main">
          <nav className="guide-toc" aria-label="Contents">
            {guide?.toc.map((t) => (
              <a key={t.id} href={`#${t.id}`} className={`d${t.depth}`} onClick={(e) => (e.preventDefault(), jump(t.id))}>
                {t.text}
              </a>
            ))}
          </nav>
          <div className="guide-body" ref={body} onClick={onClick}>
            {error && <p className="muted">Could not load the guide: {error}</p>}
            {!guide && !error && <p className="muted">Loading the guide…</p>}
            {/* Built from our own docs/guide.md at build time; raw HTML in it is escaped (scripts/guide.mjs). */}
            {guide && <article className="guide-article" dangerouslySetInnerHTML={{ __html: guide.html }} />}
          </div>
        </div>
      </div>
    </div>
  );
}
