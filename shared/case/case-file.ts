/**
 * The case file `*.stagediff.json`: serialize, parse (with messages that name the field), relink
 * captures that moved (recognised by sha256), and the annotation helpers the app and the CLI
 * share. Plain ECMAScript: runs in Node, the renderer and its Web Worker.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Stage } from '../api/analysis.ts';
import type { AnalysisResult, Finding, FlowSummary } from '../api/analysis.ts';
import {
  CASE_FORMAT,
  CASE_VERSION,
  type Annotation,
  type AnnotationTarget,
  type CaseCapture,
  type CaseFile,
  type FlowRef,
} from '../api/case.ts';
import { DEFAULT_SETTINGS, parseSettings, type Settings } from '../engine/settings.ts';
import { stageFromWord } from '../engine/labels.ts';

export class CaseError extends Error {}

// ---------------------------------------------------------------- sha256, streamed

/** An incremental sha256: feed chunks of any size, then `hex()`. Never holds the file. */
export interface Sha256Stream {
  update(chunk: Uint8Array): void;
  hex(): string;
}

export function createSha256(): Sha256Stream {
  const h = sha256.create();
  return {
    update(chunk) {
      h.update(chunk);
    },
    hex() {
      return bytesToHex(h.digest());
    },
  };
}

/** sha256 over a chunk source (a File's stream reader in the renderer, fs reads in Node). */
export async function sha256OfChunks(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const h = createSha256();
  let size = 0;
  for await (const c of chunks) {
    h.update(c);
    size += c.length;
  }
  return { sha256: h.hex(), size };
}

// ---------------------------------------------------------------- building a case

export function emptyCase(title?: string): CaseFile {
  const c: CaseFile = { format: CASE_FORMAT, version: CASE_VERSION, captures: [], clockOffsets: {}, settings: {}, annotations: [] };
  if (title) c.title = title;
  return c;
}

/** Only the timers that differ from the defaults are kept, so a case follows future default changes knowingly. */
export function settingsDelta(settings: Partial<Settings> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!settings) return out;
  for (const [k, v] of Object.entries(settings)) {
    if (typeof v === 'number' && (DEFAULT_SETTINGS as unknown as Record<string, number>)[k] !== v) out[k] = v;
  }
  return out;
}

/** The full timers of a case (defaults + what the case sets). */
export function caseSettings(c: CaseFile): Settings {
  return parseSettings(c.settings, { ...DEFAULT_SETTINGS }, 'case settings');
}

let annotationCounter = 0;

/** A new annotation with a unique id and the current time (or `now`). */
export function newAnnotation(target: AnnotationTarget, text: string, opts: { author?: string; now?: Date; id?: string } = {}): Annotation {
  const created = (opts.now ?? new Date()).toISOString();
  annotationCounter = (annotationCounter + 1) % 1e6;
  const id = opts.id ?? `a-${Date.parse(created).toString(36)}-${annotationCounter.toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  const a: Annotation = { id, target, text, created };
  if (opts.author) a.author = opts.author;
  return a;
}

/** Target helpers that also remember the flow's endpoints. */
export function findingTarget(f: Finding): AnnotationTarget {
  return { kind: 'finding', findingId: f.id, flow: { ...f.flow } };
}
export function flowTarget(f: FlowSummary): AnnotationTarget {
  return { kind: 'flow', flowId: f.id, flow: { proto: f.proto, client: f.client, server: f.server } };
}

export function withAnnotation(c: CaseFile, a: Annotation): CaseFile {
  return { ...c, annotations: [...c.annotations.filter((x) => x.id !== a.id), a] };
}

export function withoutAnnotation(c: CaseFile, id: string): CaseFile {
  return { ...c, annotations: c.annotations.filter((x) => x.id !== id) };
}

/**
 * Annotations re-pointed at the current analysis: a finding or flow note whose id now names
 * another flow (captures were added) is moved to the flow with its endpoints. Notes whose flow
 * is gone keep their target (they still show in the report's annotation list).
 */
export function resolveAnnotations(annotations: Annotation[], result: AnalysisResult): Annotation[] {
  // Nothing to re-point: no index over every flow and finding (hundreds of milliseconds with a
  // few hundred thousand flows).
  if (!annotations.some((a) => (a.target.kind === 'flow' || a.target.kind === 'finding') && a.target.flow)) return annotations;
  const flowByKey = new Map<string, FlowSummary>();
  const flowById = new Map<string, FlowSummary>();
  for (const f of result.flows) {
    flowByKey.set(flowKey(f), f);
    flowById.set(f.id, f);
  }
  const findingById = new Map(result.findings.map((f) => [f.id, f]));
  return annotations.map((a) => {
    const t = a.target;
    if (t.kind === 'flow' && t.flow) {
      const now = flowById.get(t.flowId);
      if (now && flowKey(now) === flowKey(t.flow)) return a;
      const moved = flowByKey.get(flowKey(t.flow));
      if (moved) return { ...a, target: { ...t, flowId: moved.id } };
    }
    if (t.kind === 'finding' && t.flow) {
      const now = findingById.get(t.findingId);
      if (now && flowKey(now.flow) === flowKey(t.flow)) return a;
      const flow = flowByKey.get(flowKey(t.flow));
      const kind = t.findingId.replace(/^f\d+-/, '');
      const moved = flow && result.findings.find((f) => f.flowId === flow.id && f.kind === kind);
      if (moved) return { ...a, target: { ...t, findingId: moved.id } };
    }
    return a;
  });
}

function flowKey(f: FlowRef): string {
  return `${f.proto} ${f.client} ${f.server}`;
}

// ---------------------------------------------------------------- serialize / parse

/** Stable JSON (fixed key order, 2-space indent, trailing newline): diffs well, hashes the same. */
export function serializeCase(c: CaseFile): string {
  const out: Record<string, unknown> = { format: CASE_FORMAT, version: CASE_VERSION };
  if (c.title !== undefined) out.title = c.title;
  if (c.savedAt !== undefined) out.savedAt = c.savedAt;
  out.captures = c.captures.map((x) => ({ path: x.path, sha256: x.sha256, size: x.size, device: x.device, stage: x.stage }));
  out.clockOffsets = sortedObject(c.clockOffsets);
  out.settings = sortedObject(c.settings);
  out.annotations = c.annotations.map((a) => {
    const o: Record<string, unknown> = { id: a.id, target: targetOut(a.target), text: a.text };
    if (a.author !== undefined) o.author = a.author;
    o.created = a.created;
    return o;
  });
  return `${JSON.stringify(out, null, 2)}\n`;
}

function targetOut(t: AnnotationTarget): Record<string, unknown> {
  switch (t.kind) {
    case 'finding':
      return t.flow ? { kind: t.kind, findingId: t.findingId, flow: { ...t.flow } } : { kind: t.kind, findingId: t.findingId };
    case 'flow':
      return t.flow ? { kind: t.kind, flowId: t.flowId, flow: { ...t.flow } } : { kind: t.kind, flowId: t.flowId };
    case 'packet':
      return { kind: t.kind, path: t.path, frame: t.frame };
    case 'range':
      return t.device !== undefined ? { kind: t.kind, from: t.from, to: t.to, device: t.device } : { kind: t.kind, from: t.from, to: t.to };
  }
}

function sortedObject<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** Reads a case file's text. Throws CaseError naming the field: `annotations[2].target.frame: ...`. */
export function parseCase(text: string, source = 'case file'): CaseFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CaseError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const fail = (field: string, msg: string): never => {
    throw new CaseError(`${source}: ${field}: ${msg}`);
  };
  const obj = (v: unknown, field: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, `expected an object, got ${describe(v)}`);
    return v as Record<string, unknown>;
  };
  const str = (v: unknown, field: string, opts: { empty?: boolean } = {}): string => {
    if (typeof v !== 'string') return fail(field, `expected a string, got ${describe(v)}`);
    if (!opts.empty && v.trim() === '') fail(field, 'must not be empty');
    return v;
  };
  const iso = (v: unknown, field: string): string => {
    const s = str(v, field);
    if (!ISO.test(s) || Number.isNaN(Date.parse(s))) fail(field, `expected an ISO-8601 time like 2023-11-25T22:22:06.820960000Z, got ${JSON.stringify(s)}`);
    return s;
  };
  const arr = (v: unknown, field: string): unknown[] => {
    if (!Array.isArray(v)) fail(field, `expected an array, got ${describe(v)}`);
    return v as unknown[];
  };

  const top = obj(raw, '(top level)');
  if (top.format !== CASE_FORMAT) {
    fail('format', `expected "${CASE_FORMAT}", got ${describe(top.format)}: this is not a stagediff case file`);
  }
  if (typeof top.version !== 'number') fail('version', `expected a number, got ${describe(top.version)}`);
  if (top.version !== CASE_VERSION) {
    fail('version', (top.version as number) > CASE_VERSION
      ? `case file version ${top.version} is newer than this stagediff (it reads version ${CASE_VERSION}); update stagediff`
      : `unknown version ${top.version}`);
  }
  const c = emptyCase();
  if (top.title !== undefined) c.title = str(top.title, 'title', { empty: true });
  if (top.savedAt !== undefined) c.savedAt = iso(top.savedAt, 'savedAt');

  const paths = new Set<string>();
  arr(top.captures, 'captures').forEach((v, i) => {
    const f = `captures[${i}]`;
    const o = obj(v, f);
    const path = str(o.path, `${f}.path`);
    if (paths.has(path)) fail(`${f}.path`, `${JSON.stringify(path)} is listed twice`);
    paths.add(path);
    const sha = str(o.sha256, `${f}.sha256`);
    if (!HEX64.test(sha)) fail(`${f}.sha256`, `expected 64 lower-case hex digits, got ${JSON.stringify(sha)}`);
    if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) fail(`${f}.size`, `expected a byte count, got ${describe(o.size)}`);
    const device = str(o.device, `${f}.device`);
    const stageWord = str(o.stage, `${f}.stage`);
    const stage: Stage | null = stageFromWord(stageWord);
    if (!stage) fail(`${f}.stage`, `expected receive, firewall, transmit, drop or unknown, got ${JSON.stringify(stageWord)}`);
    c.captures.push({ path, sha256: sha, size: o.size as number, device, stage: stage as Stage });
  });

  if (top.clockOffsets !== undefined) {
    for (const [dev, v] of Object.entries(obj(top.clockOffsets, 'clockOffsets'))) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`clockOffsets.${dev}`, `expected seconds (a number), got ${describe(v)}`);
      c.clockOffsets[dev] = v as number;
    }
  }
  if (top.settings !== undefined) {
    const s = obj(top.settings, 'settings');
    try {
      parseSettings(s, { ...DEFAULT_SETTINGS }, 'settings');
    } catch (e) {
      throw new CaseError(`${source}: ${(e as Error).message}`);
    }
    for (const [k, v] of Object.entries(s)) c.settings[k.replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase())] = Number(v);
  }

  const ids = new Set<string>();
  arr(top.annotations ?? [], 'annotations').forEach((v, i) => {
    const f = `annotations[${i}]`;
    const o = obj(v, f);
    const id = str(o.id, `${f}.id`);
    if (ids.has(id)) fail(`${f}.id`, `${JSON.stringify(id)} is used twice`);
    ids.add(id);
    const t = obj(o.target, `${f}.target`);
    const flowRef = (x: unknown, field: string): FlowRef | undefined => {
      if (x === undefined) return undefined;
      const r = obj(x, field);
      return { proto: str(r.proto, `${field}.proto`), client: str(r.client, `${field}.client`), server: str(r.server, `${field}.server`) };
    };
    let target: AnnotationTarget;
    switch (t.kind) {
      case 'finding': {
        const flow = flowRef(t.flow, `${f}.target.flow`);
        target = { kind: 'finding', findingId: str(t.findingId, `${f}.target.findingId`), ...(flow ? { flow } : {}) };
        break;
      }
      case 'flow': {
        const flow = flowRef(t.flow, `${f}.target.flow`);
        target = { kind: 'flow', flowId: str(t.flowId, `${f}.target.flowId`), ...(flow ? { flow } : {}) };
        break;
      }
      case 'packet': {
        const path = str(t.path, `${f}.target.path`);
        if (typeof t.frame !== 'number' || !Number.isSafeInteger(t.frame) || t.frame < 1) {
          fail(`${f}.target.frame`, `expected a frame number (1, 2, ...), got ${describe(t.frame)}`);
        }
        target = { kind: 'packet', path, frame: t.frame as number };
        break;
      }
      case 'range': {
        const from = iso(t.from, `${f}.target.from`);
        const to = iso(t.to, `${f}.target.to`);
        if (Date.parse(to) < Date.parse(from)) fail(`${f}.target.to`, `ends (${to}) before it starts (${from})`);
        target = { kind: 'range', from, to, ...(t.device !== undefined ? { device: str(t.device, `${f}.target.device`) } : {}) };
        break;
      }
      default:
        return fail(`${f}.target.kind`, `expected finding, flow, packet or range, got ${describe(t.kind)}`);
    }
    const a: Annotation = { id, target, text: str(o.text, `${f}.text`, { empty: true }), created: iso(o.created, `${f}.created`) };
    if (o.author !== undefined) a.author = str(o.author, `${f}.author`, { empty: true });
    c.annotations.push(a);
  });
  return c;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

// ---------------------------------------------------------------- relinking moved captures

export interface RelinkResult {
  case: CaseFile;
  /** Captures found at another path (same sha256). */
  relinked: { from: string; to: string }[];
  /** Captures with no candidate of the same sha256: ask the user for them. */
  missing: CaseCapture[];
}

/**
 * Points the case's captures at the candidates (files the user picked, or a folder listing
 * with hashes) that have the same sha256. A capture whose own path is among the candidates with
 * the right hash stays; a path whose file now has another hash is not trusted (listed missing).
 * Packet annotations follow their capture to the new path.
 */
export function relinkCaptures(c: CaseFile, candidates: { path: string; sha256: string }[]): RelinkResult {
  const byHash = new Map<string, string[]>();
  for (const x of candidates) {
    const list = byHash.get(x.sha256.toLowerCase()) ?? [];
    if (!list.includes(x.path)) list.push(x.path);
    byHash.set(x.sha256.toLowerCase(), list);
  }
  const taken = new Set<string>();
  const relinked: { from: string; to: string }[] = [];
  const missing: CaseCapture[] = [];
  const moved = new Map<string, string>();
  // Two captures with identical bytes (the same file labelled twice is refused by parseCase,
  // but copies exist) each take their own candidate: prefer the same base name.
  const captures = c.captures.map((cap) => {
    const paths = (byHash.get(cap.sha256) ?? []).filter((p) => !taken.has(p));
    if (paths.length === 0) {
      missing.push(cap);
      return cap;
    }
    const to = paths.includes(cap.path) ? cap.path : (paths.find((p) => baseOf(p) === baseOf(cap.path)) ?? paths[0]);
    taken.add(to);
    if (to === cap.path) return cap;
    relinked.push({ from: cap.path, to });
    moved.set(cap.path, to);
    return { ...cap, path: to };
  });
  const annotations = c.annotations.map((a) =>
    a.target.kind === 'packet' && moved.has(a.target.path) ? { ...a, target: { ...a.target, path: moved.get(a.target.path)! } } : a,
  );
  return { case: { ...c, captures, annotations }, relinked, missing };
}

function baseOf(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}
