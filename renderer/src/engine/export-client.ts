/**
 * The UI side of the export worker: runs one job (or one hash) in a fresh worker, answers its
 * chunk reads from the capture sources, and terminates it when done. Cancel = abort the signal.
 */
import type { ExportJob, ExportReply, ExportRequest } from './export-protocol.ts';
import type { AppState } from '../state/session.ts';
import type { CaptureSource } from './source.ts';
import { postable } from '../../../shared/engine/packed-flows.ts';

function worker(): Worker {
  return new Worker(new URL('./export.worker.ts', import.meta.url), { type: 'module', name: 'export' });
}

export interface ExportOutput {
  text?: string;
  bytes?: Uint8Array;
  /** Every piece of the output in order (a big one comes in several; see ExportReply 'part'). */
  parts: (string | Uint8Array)[];
  info?: string;
}

/** Runs an export over the analysed captures of `state`. `sources` answer chunk reads by index. */
export function runExport(state: AppState, job: ExportJob, opts: { sources?: CaptureSource[]; onProgress?: (t: string) => void; signal?: AbortSignal } = {}): Promise<ExportOutput> {
  const a = state.analysis;
  if (!a) return Promise.reject(new Error('nothing analysed yet: open captures first'));
  const inputs = a.entries.filter((e) => e.ix).map((e) => ({ spec: { path: e.source.path, device: e.device, stage: e.stage, labelled: e.labelled }, ix: postable(e.ix!) }));
  const req: ExportRequest = { type: 'run', inputs, settings: state.settings, clockOffsets: state.clockOffsets, job };
  return new Promise((resolve, reject) => {
    const w = worker();
    const done = () => w.terminate();
    const parts: (string | Uint8Array)[] = [];
    opts.signal?.addEventListener('abort', () => {
      done();
      reject(new Error('cancelled'));
    });
    w.onmessage = async (e: MessageEvent<ExportReply>) => {
      const m = e.data;
      if (m.type === 'progress') opts.onProgress?.(m.text);
      else if (m.type === 'part') parts.push((m.text ?? m.bytes)!);
      else if (m.type === 'read') {
        const src = opts.sources?.[m.source];
        try {
          if (!src) throw new Error(`no source ${m.source}`);
          const bytes = await src.read(m.offset, m.length);
          w.postMessage({ type: 'chunk', req: m.req, bytes } satisfies ExportRequest, [bytes.buffer]);
        } catch (err) {
          w.postMessage({ type: 'chunk', req: m.req, bytes: new Uint8Array(0), error: (err as Error).message } satisfies ExportRequest);
        }
      } else if (m.type === 'done') {
        done();
        parts.push((m.text ?? m.bytes ?? '')!);
        // text and bytes: the whole output when it came in one piece.
        const whole = parts.length === 1;
        resolve({ text: whole ? m.text : undefined, bytes: whole ? m.bytes : undefined, parts, info: m.info });
      } else if (m.type === 'error') {
        done();
        reject(new Error(m.message));
      }
    };
    w.onerror = (e) => {
      done();
      reject(new Error(e.message || 'export worker failed'));
    };
    w.postMessage(req);
  });
}

/** sha256 of a File (or any Blob), streamed in a worker. */
export function hashBlob(file: Blob): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const w = worker();
    w.onmessage = (e: MessageEvent<ExportReply>) => {
      const m = e.data;
      if (m.type === 'hashed') {
        w.terminate();
        resolve({ sha256: m.sha256, size: m.size });
      } else if (m.type === 'error') {
        w.terminate();
        reject(new Error(m.message));
      }
    };
    w.onerror = (e) => {
      w.terminate();
      reject(new Error(e.message || 'hash worker failed'));
    };
    w.postMessage({ type: 'hash', file } satisfies ExportRequest);
  });
}
