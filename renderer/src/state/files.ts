/**
 * Getting captures in: drop, file picker, Electron dialogs / "open with", the bundled sample
 * incident.
 */
import type { OpenedFile } from '../../../shared/api/bridge.ts';
import type { Stage } from '../../../shared/api/analysis.ts';
import { stageFromWord } from '../../../shared/engine/labels.ts';
import { bridge, bridgeSource, fileSource } from '../engine/source.ts';
import type { Session } from './session.ts';

export function addFiles(session: Session, files: Iterable<File>): void {
  const list = [...files].filter((f) => f.size >= 0);
  session.addSources(list.map(fileSource));
}

export function addOpened(session: Session, files: OpenedFile[]): void {
  const b = bridge();
  if (!b) return;
  const labels = new Map<string, { device: string; stage: Stage }>();
  for (const f of files) {
    const stage = f.stage ? stageFromWord(f.stage) : null;
    if (f.device && stage) labels.set(f.path, { device: f.device, stage });
  }
  session.addSources(files.map((f) => bridgeSource(f, b)), labels);
}

/** Open captures: the Electron dialog, or the browser's file picker. */
export async function openCaptures(session: Session, input: HTMLInputElement | null): Promise<void> {
  const b = bridge();
  if (b) {
    addOpened(session, await b.openCaptures());
    return;
  }
  input?.click();
}

export async function openSample(session: Session): Promise<void> {
  session.notify('Loading the sample incident…');
  try {
    const res = await fetch('sample/manifest.json');
    if (!res.ok) throw new Error(`sample/manifest.json: HTTP ${res.status}`);
    const manifest = (await res.json()) as { files: string[] };
    const files = await Promise.all(
      manifest.files.map(async (name) => {
        if (!/^[\w.-]+$/.test(name)) throw new Error(`bad sample file name ${name}`);
        const r = await fetch(`sample/${name}`);
        if (!r.ok) throw new Error(`sample/${name}: HTTP ${r.status}`);
        return new File([await r.blob()], name, { type: 'application/octet-stream' });
      }),
    );
    session.clear();
    addFiles(session, files);
  } catch (e) {
    session.notify(`Could not load the sample incident: ${(e as Error).message}`);
  }
}


