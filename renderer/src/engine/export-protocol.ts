/**
 * Messages of the export worker (export.worker.ts): one worker per job, terminated when done.
 * Exports re-run the analysis with per-packet detail over copies of the capture indexes, so the
 * analysis worker and the UI stay free; the merged pcapng reads capture bytes either from a File
 * (browser, dropped files) or through the UI thread (Electron bridge reads), one chunk per request.
 */
import type { Annotation } from '../../../shared/api/case.ts';
import type { Stage } from '../../../shared/api/analysis.ts';
import type { IndexedCapture } from '../../../shared/engine/capture-index.ts';
import type { CaptureSpec } from '../../../shared/engine/labels.ts';
import type { Settings } from '../../../shared/engine/settings.ts';
import type { ExportWhat } from '../../../shared/export/tables.ts';
import type { TrafficLog } from '../../../shared/tlog/traffic-log.ts';

export interface ExportInput {
  spec: CaptureSpec;
  ix: IndexedCapture;
  sha256?: string;
}

export interface MergeSourceSpec {
  path: string;
  device: string;
  stage: Stage;
  size: number;
  /** File-backed source: read in the worker. Otherwise the worker asks the UI for chunks. */
  file?: Blob;
}

export type ExportJob =
  | { kind: 'html'; title: string; annotations: Annotation[]; logs: TrafficLog[]; hashes: Record<string, { sha256: string; size?: number }>; generatedAt?: string }
  | { kind: 'svg'; title: string; annotations: Annotation[]; flowIds?: string[] }
  | { kind: 'table'; format: 'csv' | 'json'; what: ExportWhat; logs: TrafficLog[] }
  | { kind: 'pcapng'; annotations: Annotation[]; sources: MergeSourceSpec[] };

export type ExportRequest =
  | { type: 'run'; inputs: ExportInput[]; settings: Settings; clockOffsets: Record<string, number>; job: ExportJob }
  /** sha256 of a File, streamed (no analysis). */
  | { type: 'hash'; file: Blob }
  /** The UI's answer to a 'read' (bytes empty at the end of the file). */
  | { type: 'chunk'; req: number; bytes: Uint8Array; error?: string };

export type ExportReply =
  | { type: 'progress'; text: string }
  | { type: 'read'; req: number; source: number; offset: number; length: number }
  /** A piece of a big output (tables, the merged pcapng), in order; the rest comes with 'done'. */
  | { type: 'part'; text?: string; bytes?: Uint8Array }
  | { type: 'done'; text?: string; bytes?: Uint8Array; info?: string }
  | { type: 'hashed'; sha256: string; size: number }
  | { type: 'error'; message: string };
