/**
 * The case file (`*.stagediff.json`): what an engineer needs to reopen an investigation:
 * the captures (path, sha256, size, label), per-device clock offsets, the timers, and the
 * annotations. Declared once here; the CLI, the Electron main process and the renderer read it.
 */
import type { Stage } from './analysis.ts';

export const CASE_FORMAT = 'stagediff-case';
export const CASE_VERSION = 1;

export interface CaseCapture {
  /** Path as last opened (absolute where the platform gave one). */
  path: string;
  /** sha256 of the file's bytes, 64 lower-case hex digits. */
  sha256: string;
  /** File size in bytes. */
  size: number;
  device: string;
  stage: Stage;
}

/** What a note is about. Finding and flow ids are those of the analysis the case was saved with. */
export type AnnotationTarget =
  | { kind: 'finding'; findingId: string; flow?: FlowRef }
  | { kind: 'flow'; flowId: string; flow?: FlowRef }
  /** A packet: the capture's path (as in `captures`) and its 1-based frame number. */
  | { kind: 'packet'; path: string; frame: number }
  /** A time range (ISO-8601 UTC, on the common clock after offsets); optionally one device's. */
  | { kind: 'range'; from: string; to: string; device?: string };

/** The flow's endpoints, so a note still finds its flow when ids change (captures added). */
export interface FlowRef {
  proto: string;
  client: string;
  server: string;
}

export interface Annotation {
  id: string;
  target: AnnotationTarget;
  text: string;
  author?: string;
  /** ISO-8601 UTC. */
  created: string;
}

export interface CaseFile {
  format: typeof CASE_FORMAT;
  version: typeof CASE_VERSION;
  /** Free text: the incident's name. */
  title?: string;
  captures: CaseCapture[];
  /** Seconds added to every timestamp of a device. */
  clockOffsets: Record<string, number>;
  /** Timers in seconds, camelCase keys of Settings (only those that differ may be given). */
  settings: Record<string, number>;
  annotations: Annotation[];
  /** ISO-8601 UTC of the last save. */
  savedAt?: string;
}
