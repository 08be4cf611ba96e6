/**
 * The Export menu: every export is built by the shared/export functions in a worker
 * (engine/export.worker.ts) and saved through the Electron save dialog, or downloaded in the
 * browser fallback. PDF: Electron's printToPDF of the report; the browser opens the report in a
 * new tab for its own Print > Save as PDF.
 */
import type { ExportWhat } from '../../../shared/export/tables.ts';
import type { Session } from '../state/session.ts';
import { download, type CaseController } from '../state/case.ts';
import { runExport } from '../engine/export-client.ts';
import type { ExportJob } from '../engine/export-protocol.ts';
import { bridge } from '../engine/source.ts';
import { MAX_SAVE_BYTES } from '../../../shared/api/bridge.ts';
import { saveInParts } from './save-parts.ts';

export type ExportKind = 'html' | 'pdf' | 'png' | 'svg' | 'pcapng' | `${ExportWhat}-${'csv' | 'json'}`;

export const EXPORT_ITEMS: { kind: ExportKind; label: string; group: string }[] = [
  { kind: 'html', label: 'Report (HTML, self-contained)', group: 'Report' },
  { kind: 'pdf', label: 'Report (PDF)', group: 'Report' },
  { kind: 'png', label: 'Timeline (PNG)', group: 'Timeline' },
  { kind: 'svg', label: 'Timeline (SVG)', group: 'Timeline' },
  { kind: 'findings-csv', label: 'Findings (CSV)', group: 'Tables' },
  { kind: 'findings-json', label: 'Findings (JSON)', group: 'Tables' },
  { kind: 'flows-csv', label: 'Flows (CSV)', group: 'Tables' },
  { kind: 'flows-json', label: 'Flows (JSON)', group: 'Tables' },
  { kind: 'packets-csv', label: 'Packets (CSV)', group: 'Tables' },
  { kind: 'packets-json', label: 'Packets (JSON)', group: 'Tables' },
  { kind: 'pcapng', label: 'Merged, annotated pcapng', group: 'Packets' },
];

const MIME: Record<string, string> = { html: 'text/html', csv: 'text/csv', json: 'application/json', svg: 'image/svg+xml', png: 'image/png', pcapng: 'application/octet-stream', pdf: 'application/pdf' };

function slug(title: string): string {
  return title.trim().replace(/[\\/:*?"<>|\s]+/g, '-').replace(/^[.-]+/, '') || 'incident';
}

/**
 * Saves an export: a download of its pieces in the browser (a Blob of parts: never one string
 * or array of the whole), the save dialog in the desktop app: one request for an export of one
 * piece, the pieces one by one for the others (save-parts.ts: nothing joined, no limit on the
 * whole).
 */
async function save(session: Session, name: string, ext: string, data: string | Uint8Array | (string | Uint8Array)[]): Promise<void> {
  const parts = Array.isArray(data) ? data : [data];
  const b = bridge();
  if (b) {
    const target = { defaultName: name, filters: [{ name: ext.toUpperCase(), extensions: [ext] }] };
    const size = parts.reduce((n, p) => n + (typeof p === 'string' ? p.length : p.byteLength), 0);
    const r = parts.length === 1 && size <= MAX_SAVE_BYTES ? await b.save({ ...target, data: parts[0] }) : await saveInParts(b, target, parts);
    if (r.saved) session.notify(`Saved ${r.path}`);
    return;
  }
  download(name, parts, MIME[ext] ?? 'application/octet-stream');
  session.notify(`Downloaded ${name}`);
}

/** The SVG document drawn on a canvas at 2x, as PNG bytes. */
async function svgToPng(svg: string): Promise<Uint8Array> {
  const w = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1] ?? 960);
  const h = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1] ?? 400);
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'async';
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the timeline SVG could not be drawn'));
      img.src = url;
    });
    const scale = 2;
    const c = document.createElement('canvas');
    c.width = Math.round(w * scale);
    c.height = Math.round(h * scale);
    const g = c.getContext('2d');
    if (!g) throw new Error('no canvas');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.drawImage(img, 0, 0, c.width, c.height);
    const blob = await new Promise<Blob | null>((r) => c.toBlob(r, 'image/png'));
    if (!blob) throw new Error('PNG encoding failed');
    return new Uint8Array(await blob.arrayBuffer());
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function reportJob(session: Session, kase: CaseController): Promise<ExportJob> {
  const c = kase.get();
  return { kind: 'html', title: c.title, annotations: c.annotations, logs: c.logs, hashes: await kase.captureHashes() };
}

let running = false;

export async function runExportCommand(session: Session, kase: CaseController, kind: ExportKind): Promise<void> {
  const s = session.get();
  if (!s.analysis) return session.notify('Nothing to export yet: open captures first.');
  if (running) return session.notify('An export is already running.');
  running = true;
  const c = kase.get();
  const base = slug(c.title);
  const progress = (t: string) => kase.setBusy(t);
  kase.setBusy('Preparing the export…');
  try {
    if (kind === 'html' || kind === 'pdf') {
      const out = await runExport(s, await reportJob(session, kase), { onProgress: progress });
      const html = out.text ?? '';
      if (kind === 'html') return await save(session, `${base}-report.html`, 'html', html);
      const b = bridge();
      if (b) {
        kase.setBusy('Printing the report to PDF…');
        const r = await b.savePdf({ defaultName: `${base}-report.pdf`, html });
        if (r.saved) session.notify(`Saved ${r.path}`);
        return;
      }
      // Browser fallback: the browser's own print dialog makes the PDF.
      const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
      const tab = window.open(url, '_blank');
      setTimeout(() => URL.revokeObjectURL(url), 120_000);
      session.notify(
        tab
          ? 'The report opened in a new tab: use the browser\u2019s Print (Ctrl+P) and choose \u201cSave as PDF\u201d. (The desktop app and `stagediff export --format pdf` write the PDF directly.)'
          : 'The browser blocked the new tab. Export the HTML report and print it to PDF from the browser, or use `stagediff export --format pdf`.',
      );
      return;
    }
    if (kind === 'svg' || kind === 'png') {
      const flow = s.selectedFlow >= 0 ? s.analysis.result.flows[s.selectedFlow] : undefined;
      const out = await runExport(s, { kind: 'svg', title: c.title, annotations: c.annotations, ...(flow ? { flowIds: [flow.id] } : {}) }, { onProgress: progress });
      const name = `${base}-timeline${flow ? `-${flow.id}` : ''}`;
      if (kind === 'svg') return await save(session, `${name}.svg`, 'svg', out.text ?? '');
      kase.setBusy('Drawing the PNG…');
      return await save(session, `${name}.png`, 'png', await svgToPng(out.text ?? ''));
    }
    if (kind === 'pcapng') {
      const entries = s.analysis.entries;
      const out = await runExport(
        s,
        {
          kind: 'pcapng',
          annotations: c.annotations,
          sources: entries.map((e) => ({ path: e.source.path, device: e.device, stage: e.stage, size: e.source.size, ...(e.source.file ? { file: e.source.file } : {}) })),
        },
        { sources: entries.map((e) => e.source), onProgress: progress },
      );
      await save(session, `${base}-merged.pcapng`, 'pcapng', out.parts);
      if (out.info) session.notify(`${session.get().message ?? ''} (${out.info})`);
      return;
    }
    const [what, format] = kind.split('-') as [ExportWhat, 'csv' | 'json'];
    const out = await runExport(s, { kind: 'table', format, what, logs: c.logs }, { onProgress: progress });
    await save(session, `${base}-${what}.${format}`, format, out.parts);
  } catch (e) {
    session.notify(`Export failed: ${(e as Error).message}`);
  } finally {
    running = false;
    kase.setBusy(null);
  }
}
