/** Messages between the UI thread and the engine's Web Workers. */
import type { AnalysisResult, Finding, FlowSummary } from '../../../shared/api/analysis.ts';
import type { IndexedCapture } from '../../../shared/engine/capture-index.ts';
import type { CaptureSpec } from '../../../shared/engine/labels.ts';
import type { Settings } from '../../../shared/engine/settings.ts';

/** Bytes per read: File.slice(...).arrayBuffer() of this size, or one bridge readRange call. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

export type IndexRequest =
  /** Where the analysis worker takes the index (its lean view) when it is made: first, before the bytes. */
  | { type: 'analysis'; port: MessagePort }
  /** Read the File in the worker. */
  | { type: 'file'; file: Blob }
  /** Bytes pushed by the UI thread (Electron bridge reads); then 'end'. */
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'end' };

export type IndexReply =
  /** grouping: every byte is read, the packets are being grouped by flow (seconds for a big file). */
  | { type: 'progress'; bytesRead: number; packets: number; grouping?: boolean }
  /** header: the file's bytes before the first record (pcap header, pcapng SHB/IDBs), for packet detail. */
  | { type: 'done'; ix: IndexedCapture; header: Uint8Array; ms: number }
  | { type: 'error'; message: string };

/** Verdict of one packet at one capture point. */
export const V_UNKNOWN = 0;
export const V_FORWARDED = 1;
export const V_DROPPED = 2;
export const V_RECEIVED_ONLY = 3;
export const VERDICT_NAMES = ['', 'forwarded', 'dropped', 'received only'] as const;

export type AnalysisRequest =
  /** A capture's index (lean) comes on this port, from its index worker. */
  | { type: 'expect'; id: number; port: MessagePort }
  /** A capture's index (lean), from the page (an analysis worker that replaced one that died). */
  | { type: 'set'; id: number; ix: IndexedCapture }
  | { type: 'remove'; id: number }
  | {
      type: 'analyze';
      seq: number;
      captures: { id: number; spec: CaptureSpec }[];
      settings: Settings;
      clockOffsets: Record<string, number>;
    };

/** Per-packet links computed after the findings (the views need them; the findings do not). */
export interface AnalysisLinks {
  /** Per capture (in result.captures order): local flow id -> index into result.flows (-1 when none). */
  flowOf: Int32Array[];
  /** Per capture: one verdict per packet (V_*). */
  verdicts: Uint8Array[];
  /** Per result flow: (capture index, local flow id) pairs, flattened. */
  flowAt: Int32Array[];
}

export interface AnalysisExtras extends Partial<AnalysisLinks> {
  /** Capture ids in the order of result.captures and of every per-capture array. */
  ids: number[];
  /** Common clock base (seconds); packet time = shiftNs[c] + ix.tNs[row]. */
  baseSec: number;
  /** Per capture: ns added to ix.tNs to get the common clock. */
  shiftNs: number[];
}

export type AnalysisReply =
  /** The findings first (ids: capture ids in result.captures order)... */
  | { type: 'result'; seq: number; result: AnalysisResult; ids: number[]; ms: number }
  /** ...then the per-packet links for the views. */
  | { type: 'links'; seq: number; links: AnalysisLinks; ms: number }
  | { type: 'error'; seq: number; message: string }
  /**
   * Part of the result, before 'result': flows as they are analysed, then the findings, in
   * slices (a million flows in one message is more than Chromium can copy at once).
   */
  | { type: 'part'; seq: number; flows?: FlowSummary[]; findings?: Finding[] }
  /** Flows analysed so far (sent while an analysis takes long). */
  | { type: 'progress'; seq: number; done: number; total: number };
