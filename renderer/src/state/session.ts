/**
 * The app's state and the controller that feeds it: captures being indexed in Web Workers (one
 * per file, up to navigator.hardwareConcurrency at once), one analysis worker, selections and
 * preferences. Components read snapshots with useSyncExternalStore; every change replaces the
 * snapshot object.
 */
import type { AnalysisResult, Finding, FlowSummary, Stage } from '../../../shared/api/analysis.ts';
import { leanView, type IndexedCapture } from '../../../shared/engine/capture-index.ts';
import { postable, viewFlows } from '../../../shared/engine/packed-flows.ts';
import { inferLabel } from '../../../shared/engine/labels.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../../shared/engine/settings.ts';
import type { AnalysisExtras, AnalysisReply, AnalysisRequest, IndexReply, IndexRequest } from '../engine/protocol.ts';
import { CHUNK_BYTES } from '../engine/protocol.ts';
import { bridge, type CaptureSource } from '../engine/source.ts';
import { budgetMessage, captureToStop, machineMemory, packetBudget } from './memory-budget.ts';
import { isoToNs, type TimeFormat, type TimeMode, type TimeZoneMode } from '../util/time.ts';

export type CaptureStatus = 'queued' | 'indexing' | 'done' | 'error' | 'cancelled';

export interface CaptureEntry {
  id: number;
  source: CaptureSource;
  device: string;
  stage: Stage;
  labelled: 'explicit' | 'inferred' | 'none';
  status: CaptureStatus;
  bytesRead: number;
  packets: number;
  error?: string;
  ix?: IndexedCapture;
  header?: Uint8Array;
  indexMs?: number;
  /** Every byte read; the index worker is grouping the packets by flow. */
  grouping?: boolean;
}

export interface Prefs {
  zone: TimeZoneMode;
  timeMode: TimeMode;
  theme: 'dark' | 'light';
  /** Timeline: every packet, not only the selected flow's. */
  showAllPackets: boolean;
}

export interface AnalysisView {
  result: AnalysisResult;
  /** Clock and capture order at once; flowOf/verdicts/flowAt arrive a moment later. */
  extras: AnalysisExtras;
  ms: number;
  linksMs: number | null;
  /** Entries in the order of result.captures / extras arrays. */
  entries: CaptureEntry[];
  /** Evidence path -> capture position. */
  pathToPos: Map<string, number>;
  flowIndex: Map<string, number>;
  findings: Finding[];
  startNs: number;
  endNs: number;
}

export interface PacketRef {
  pos: number;
  row: number;
}

export interface ZoomRequest {
  fromNs: number;
  toNs: number;
  seq: number;
}

export interface AppState {
  captures: CaptureEntry[];
  clockOffsets: Record<string, number>;
  settings: Settings;
  prefs: Prefs;
  analysis: AnalysisView | null;
  analyzing: boolean;
  /** Flows analysed so far, while a long analysis runs (null: none reported yet). */
  analysisProgress: { done: number; total: number } | null;
  analysisError: string | null;
  selectedFindingId: string | null;
  selectedFlow: number;
  selectedPacket: PacketRef | null;
  zoom: ZoomRequest | null;
  dialog: 'settings' | 'about' | null;
  message: string | null;
  /** Drop (or open) to findings on screen, for the status bar. */
  loadMs: number | null;
}

const PREFS_KEY = 'stagediff.prefs.v1';
const SETTINGS_KEY = 'stagediff.settings.v1';

function loadJson<T>(key: string, fallback: T): T {
  try {
    const t = localStorage.getItem(key);
    if (!t) return fallback;
    return { ...fallback, ...(JSON.parse(t) as object) } as T;
  } catch {
    return fallback;
  }
}

function saveJson(key: string, v: unknown): void {
  try {
    localStorage.setItem(key, JSON.stringify(v));
  } catch {
    // storage full or disabled: preferences just do not persist
  }
}

const KIND_ORDER: Record<string, number> = { 'session-moved': 0 };
const SEV_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** Moved sessions first, then by severity; the engine's order otherwise. */
export function orderFindings(f: Finding[]): Finding[] {
  return f
    .map((x, i) => ({ x, i }))
    .sort((a, b) => (KIND_ORDER[a.x.kind] ?? 1) - (KIND_ORDER[b.x.kind] ?? 1) || (SEV_ORDER[a.x.severity] ?? 3) - (SEV_ORDER[b.x.severity] ?? 3) || a.i - b.i)
    .map((e) => e.x);
}

type Listener = () => void;

/** The last analysis of the open captures failed (its message in analysisError). */
export function analysisFailed(s: AppState): boolean {
  return !!s.analysisError && !s.analyzing && s.captures.length > 0;
}

export class Session {
  private state: AppState;
  private readonly listeners = new Set<Listener>();
  private nextId = 1;
  private readonly workers = new Map<number, Worker>();
  private readonly idle: Worker[] = [];
  private analysisWorker: Worker | null = null;
  private seq = 0;
  /** The parts of the analysis under way (AnalysisReply 'part'), until its 'result'. */
  private parts: { seq: number; flows: FlowSummary[][]; findings: Finding[][] } = { seq: 0, flows: [], findings: [] };
  private timer: ReturnType<typeof setTimeout> | null = null;
  private loadStarted: number | null = null;
  private zoomSeq = 0;
  /** Load milestones (performance.now()), for the status bar tooltip and the tests. */
  readonly marks: { name: string; t: number }[] = [];
  private mark(name: string): void {
    if (this.marks.length > 200) this.marks.splice(0, 100);
    this.marks.push({ name, t: performance.now() });
  }
  readonly maxWorkers: number;
  /** The machine's memory (bytes), for the packets' budget (memory-budget.ts). */
  private memoryBytes = machineMemory();

  constructor() {
    this.maxWorkers = Math.max(1, Math.min(16, navigator.hardwareConcurrency || 2));
    // The desktop app knows the machine's memory exactly (a browser rounds it, at most 8 GB).
    void bridge()
      ?.appInfo()
      .then((i) => (this.memoryBytes = machineMemory(i.memoryBytes)))
      .catch(() => {});
    const prefs = loadJson<Prefs>(PREFS_KEY, {
      zone: 'utc',
      timeMode: 'absolute',
      theme: matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark',
      showAllPackets: false,
    });
    this.state = {
      captures: [],
      clockOffsets: {},
      settings: loadJson<Settings>(SETTINGS_KEY, { ...DEFAULT_SETTINGS }),
      prefs,
      analysis: null,
      analyzing: false,
      analysisProgress: null,
      analysisError: null,
      selectedFindingId: null,
      selectedFlow: -1,
      selectedPacket: null,
      zoom: null,
      dialog: null,
      message: null,
      loadMs: null,
    };
  }

  // ---- store ----
  get = (): AppState => this.state;
  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  private set(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
  private updateCapture(id: number, patch: Partial<CaptureEntry>): void {
    this.set({ captures: this.state.captures.map((c) => (c.id === id ? { ...c, ...patch } : c)) });
  }

  timeFormat(): TimeFormat {
    const a = this.state.analysis;
    return { zone: this.state.prefs.zone, mode: this.state.prefs.timeMode, baseSec: a?.extras.baseSec ?? 0, originNs: a?.startNs ?? 0 };
  }

  // ---- captures ----
  addSources(sources: CaptureSource[], labels?: Map<string, { device: string; stage: Stage }>): void {
    if (!sources.length) return;
    if (!this.state.captures.some((c) => c.status === 'queued' || c.status === 'indexing')) this.loadStarted = performance.now();
    this.mark('add');
    const taken = new Set(this.state.captures.map((c) => c.source.path));
    const added: CaptureEntry[] = [];
    for (const s of sources) {
      // Two files with one name (from two folders, browser mode): keep their paths apart.
      let path = s.path;
      for (let k = 2; taken.has(path); k++) path = `${s.path} (${k})`;
      taken.add(path);
      const given = labels?.get(s.path) ?? labels?.get(s.name);
      const inferred = inferLabel(s.name);
      added.push({
        id: this.nextId++,
        source: { ...s, path },
        device: given?.device || inferred.device,
        stage: given?.stage ?? inferred.stage,
        labelled: given ? 'explicit' : inferred.labelled,
        status: 'queued',
        bytesRead: 0,
        packets: 0,
      });
    }
    this.set({ captures: [...this.state.captures, ...added], message: null });
    this.analysis();
    this.pump();
  }

  private pump(): void {
    let running = this.state.captures.filter((c) => c.status === 'indexing').length;
    for (const c of this.state.captures) {
      if (running >= this.maxWorkers) break;
      if (c.status !== 'queued') continue;
      running++;
      this.startIndexing(c);
    }
    if (!this.state.captures.some((c) => c.status === 'queued' || c.status === 'indexing')) this.requestAnalysis(0);
  }

  /** An idle index worker from the pool, or a new one (the pool never exceeds maxWorkers). */
  private takeWorker(): Worker {
    return this.idle.pop() ?? new Worker(new URL('../engine/index.worker.ts', import.meta.url), { type: 'module', name: 'index' });
  }

  private startIndexing(c: CaptureEntry): void {
    const w = this.takeWorker();
    this.mark(`index-start ${c.source.name}`);
    this.workers.set(c.id, w);
    this.updateCapture(c.id, { status: 'indexing' });
    // The index worker hands the analysis worker its copy of the index directly.
    const ch = new MessageChannel();
    const aw = this.analysis();
    aw.postMessage({ type: 'expect', id: c.id, port: ch.port2 } satisfies AnalysisRequest, [ch.port2]);
    w.postMessage({ type: 'analysis', port: ch.port1 } satisfies IndexRequest, [ch.port1]);
    w.onmessage = (e: MessageEvent<IndexReply>) => {
      const m = e.data;
      if (m.type === 'progress') {
        this.updateCapture(c.id, { bytesRead: m.bytesRead, packets: m.packets, grouping: m.grouping === true });
        this.keepToBudget();
      } else if (m.type === 'done') {
        this.mark(`index-done ${c.source.name}`);
        this.releaseWorker(c.id);
        const err = m.ix.errors[0];
        // The analysis worker that was given the port has the index; one started since (the
        // other died) gets it from here.
        if (aw !== this.analysisWorker) this.sendIndex(this.analysis(), c.id, m.ix);
        // This thread reads the packed flow table in place and keeps it packed (see postable).
        if (m.ix.packedFlows) m.ix.flows = viewFlows(m.ix.packedFlows);
        this.updateCapture(c.id, {
          status: 'done',
          ix: m.ix,
          header: m.header,
          packets: m.ix.packets,
          bytesRead: m.ix.bytesRead,
          indexMs: m.ms,
          error: err ? `offset ${err.offset}: ${err.message}` : undefined,
        });
        this.pump();
      } else {
        this.releaseWorker(c.id);
        this.updateCapture(c.id, { status: 'error', error: m.message });
        this.pump();
      }
    };
    w.onerror = (e) => {
      this.finishWorker(c.id);
      this.updateCapture(c.id, { status: 'error', error: e.message || 'worker failed' });
      this.pump();
    };
    if (c.source.file) w.postMessage({ type: 'file', file: c.source.file });
    else void this.feed(c, w);
  }

  /**
   * Stops reading the captures the packets' memory budget has no room for, the last added first
   * (memory-budget.ts); each says why on its row, and the others go on.
   */
  private keepToBudget(): void {
    const budget = packetBudget(this.memoryBytes);
    let stopped = false;
    for (let c = captureToStop(this.state.captures, budget); c; c = captureToStop(this.state.captures, budget)) {
      this.finishWorker(c.id);
      this.analysisWorker?.postMessage({ type: 'remove', id: c.id } satisfies AnalysisRequest);
      this.updateCapture(c.id, { status: 'error', error: budgetMessage(c, this.state.captures, this.memoryBytes) });
      stopped = true;
    }
    if (stopped) this.pump();
  }

  /** The file is done: the worker goes back to the pool for the next file. */
  private releaseWorker(id: number): void {
    const w = this.workers.get(id);
    this.workers.delete(id);
    if (w) {
      w.onmessage = null;
      w.onerror = null;
      this.idle.push(w);
    }
  }

  /** Bridge-backed source: read ranges here and hand them to the worker. */
  private async feed(c: CaptureEntry, w: Worker): Promise<void> {
    try {
      for (let o = 0; o < c.source.size; o += CHUNK_BYTES) {
        if (this.workers.get(c.id) !== w) return;
        const bytes = await c.source.read(o, CHUNK_BYTES);
        w.postMessage({ type: 'chunk', bytes }, [bytes.buffer]);
      }
      w.postMessage({ type: 'end' });
    } catch (e) {
      this.finishWorker(c.id);
      this.updateCapture(c.id, { status: 'error', error: (e as Error).message });
      this.pump();
    }
  }

  private finishWorker(id: number): void {
    const w = this.workers.get(id);
    if (w) w.terminate();
    this.workers.delete(id);
  }

  cancel(id: number): void {
    const c = this.state.captures.find((x) => x.id === id);
    if (!c || (c.status !== 'indexing' && c.status !== 'queued')) return;
    this.finishWorker(id);
    this.updateCapture(id, { status: 'cancelled' });
    this.pump();
  }

  cancelAll(): void {
    for (const c of this.state.captures) this.cancel(c.id);
  }

  remove(id: number): void {
    this.finishWorker(id);
    this.analysisWorker?.postMessage({ type: 'remove', id } satisfies AnalysisRequest);
    this.set({ captures: this.state.captures.filter((c) => c.id !== id) });
    this.pump();
  }

  clear(): void {
    for (const c of this.state.captures) this.finishWorker(c.id);
    this.analysisWorker?.terminate();
    this.analysisWorker = null;
    this.set({ captures: [], analysis: null, selectedFindingId: null, selectedFlow: -1, selectedPacket: null, clockOffsets: {}, loadMs: null, analysisError: null });
  }

  setLabel(id: number, patch: { device?: string; stage?: Stage }): void {
    const c = this.state.captures.find((x) => x.id === id);
    if (!c) return;
    const device = patch.device !== undefined ? patch.device.trim() || c.device : c.device;
    this.updateCapture(id, { device, stage: patch.stage ?? c.stage, labelled: 'explicit' });
    this.requestAnalysis();
  }

  setClockOffset(device: string, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const clockOffsets = { ...this.state.clockOffsets };
    if (seconds === 0) delete clockOffsets[device];
    else clockOffsets[device] = seconds;
    this.set({ clockOffsets });
    this.requestAnalysis();
  }

  setSettings(settings: Settings): void {
    saveJson(SETTINGS_KEY, settings);
    this.set({ settings });
    this.requestAnalysis();
  }

  setPrefs(patch: Partial<Prefs>): void {
    const prefs = { ...this.state.prefs, ...patch };
    saveJson(PREFS_KEY, prefs);
    this.set({ prefs });
  }

  // ---- analysis ----
  private analysis(): Worker {
    if (!this.analysisWorker) {
      const w = new Worker(new URL('../engine/analysis.worker.ts', import.meta.url), { type: 'module', name: 'analysis' });
      w.onmessage = (e: MessageEvent<AnalysisReply>) => this.onAnalysis(e.data);
      // The worker died (an uncaught error, or Chromium stopped it when its heap ran out): the
      // next analysis gets a new one.
      w.onerror = (e) => {
        w.terminate();
        if (this.analysisWorker === w) this.analysisWorker = null;
        this.set({ analyzing: false, analysisError: e.message || 'the analysis stopped without a message (out of memory?)' });
      };
      this.analysisWorker = w;
      // A worker that replaces one that died has none of the indexes made so far.
      for (const c of this.state.captures) if (c.status === 'done' && c.ix) this.sendIndex(w, c.id, c.ix);
    }
    return this.analysisWorker;
  }

  /** An index made earlier, to an analysis worker (its lean view, copied). */
  private sendIndex(w: Worker, id: number, ix: IndexedCapture): void {
    w.postMessage({ type: 'set', id, ix: postable(leanView(ix)) } satisfies AnalysisRequest);
  }

  requestAnalysis(delayMs = 150): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.state.captures.some((c) => c.status === 'queued' || c.status === 'indexing')) return;
      const done = this.state.captures.filter((c) => c.status === 'done');
      if (!done.length) {
        this.set({ analysis: null, analyzing: false });
        return;
      }
      const req: AnalysisRequest = {
        type: 'analyze',
        seq: ++this.seq,
        captures: done.map((c) => ({ id: c.id, spec: { path: c.source.path, device: c.device, stage: c.stage, labelled: c.labelled } })),
        settings: this.state.settings,
        clockOffsets: this.state.clockOffsets,
      };
      this.set({ analyzing: true, analysisProgress: null });
      this.mark('analyze');
      this.analysis().postMessage(req);
    }, delayMs);
  }

  private onAnalysis(m: AnalysisReply): void {
    if (m.seq !== this.seq) return;
    if (m.type === 'error') {
      this.set({ analyzing: false, analysisProgress: null, analysisError: m.message });
      return;
    }
    if (m.type === 'progress') {
      this.set({ analysisProgress: { done: m.done, total: m.total } });
      return;
    }
    if (m.type === 'part') {
      if (this.parts.seq !== m.seq) this.parts = { seq: m.seq, flows: [], findings: [] };
      if (m.flows) this.parts.flows.push(m.flows);
      if (m.findings) this.parts.findings.push(m.findings);
      return;
    }
    if (m.type === 'result' && this.parts.seq === m.seq) {
      // The flows and findings came ahead in parts.
      const { flows, findings } = this.parts;
      this.parts = { seq: 0, flows: [], findings: [] };
      m.result.flows = flows.flat().concat(m.result.flows);
      m.result.findings = findings.flat().concat(m.result.findings);
    }
    this.mark(m.type);
    if (m.type === 'links') {
      const a = this.state.analysis;
      if (!a) return;
      this.set({ analysis: { ...a, extras: { ...a.extras, ...m.links }, linksMs: m.ms } });
      return;
    }
    const byId = new Map(this.state.captures.map((c) => [c.id, c]));
    const entries = m.ids.map((id) => byId.get(id)!).filter(Boolean);
    const offsets = m.result.clockOffsets ?? {};
    // The common clock, as shared/engine/model.ts builds it.
    const withPackets = entries.filter((e) => (e.ix?.packets ?? 0) > 0);
    const baseSec = withPackets.length ? Math.min(...withPackets.map((e) => e.ix!.baseSec)) : 0;
    const shiftNs = entries.map((e) => (e.ix!.baseSec - baseSec) * 1e9 + Math.round((offsets[e.device] ?? 0) * 1e9));
    const extras: AnalysisExtras = { ids: m.ids, baseSec, shiftNs };
    const pathToPos = new Map<string, number>();
    m.result.captures.forEach((c, i) => pathToPos.set(c.path, i));
    const flowIndex = new Map<string, number>();
    m.result.flows.forEach((f, i) => flowIndex.set(f.id, i));
    let startNs = Infinity;
    let endNs = -Infinity;
    for (const c of m.result.captures) {
      if (c.first) startNs = Math.min(startNs, isoToNs(c.first, baseSec) + (offsets[c.device] ?? 0) * 1e9);
      if (c.last) endNs = Math.max(endNs, isoToNs(c.last, baseSec) + (offsets[c.device] ?? 0) * 1e9);
    }
    if (!Number.isFinite(startNs)) {
      startNs = 0;
      endNs = 1e9;
    }
    const findings = orderFindings(m.result.findings);
    const prev = this.state;
    const loadMs = this.loadStarted !== null ? performance.now() - this.loadStarted : prev.loadMs;
    this.loadStarted = null;
    // Keep the selection across re-analysis (labels, offsets, timers changed). Flow ids may be
    // renumbered (flows are numbered in time order), so match on kind and endpoints.
    const prevFinding = prev.analysis?.findings.find((f) => f.id === prev.selectedFindingId);
    const prevFlow = prev.analysis && prev.selectedFlow >= 0 ? prev.analysis.result.flows[prev.selectedFlow] : undefined;
    const sameFlow = (x: { client: string; server: string; proto: string }, y?: { client: string; server: string; proto: string }) =>
      !!y && x.client === y.client && x.server === y.server && x.proto === y.proto;
    const keep = prevFinding ? findings.find((f) => f.kind === prevFinding.kind && sameFlow(f.flow, prevFinding.flow)) : undefined;
    const firstLoad = prev.analysis === null;
    const sel = keep ?? (firstLoad ? findings[0] : undefined);
    let selectedFlow = sel ? (flowIndex.get(sel.flowId) ?? -1) : -1;
    if (!sel && prevFlow) selectedFlow = m.result.flows.findIndex((f) => sameFlow(f, prevFlow));
    const samePackets = !firstLoad && prev.analysis?.entries.length === entries.length && prev.analysis.entries.every((e, i) => e.id === entries[i].id);
    this.set({
      analyzing: false,
      analysisError: null,
      loadMs,
      analysis: { result: m.result, extras, ms: m.ms, linksMs: null, entries, pathToPos, flowIndex, findings, startNs, endNs },
      selectedFindingId: sel ? sel.id : null,
      selectedFlow,
      selectedPacket: samePackets ? prev.selectedPacket : null,
    });
    if (sel && !keep) this.zoomToFinding(sel);
    else if (firstLoad) this.zoomTo(startNs, endNs);
  }

  // ---- selection ----
  selectFinding(id: string | null): void {
    const a = this.state.analysis;
    if (!a || id === null) {
      this.set({ selectedFindingId: null });
      return;
    }
    const f = a.findings.find((x) => x.id === id);
    if (!f) return;
    this.set({ selectedFindingId: id, selectedFlow: a.flowIndex.get(f.flowId) ?? -1, selectedPacket: null });
    this.zoomToFinding(f);
  }

  stepFinding(delta: number): void {
    const a = this.state.analysis;
    if (!a || !a.findings.length) return;
    const i = a.findings.findIndex((f) => f.id === this.state.selectedFindingId);
    const j = i < 0 ? (delta > 0 ? 0 : a.findings.length - 1) : Math.max(0, Math.min(a.findings.length - 1, i + delta));
    this.selectFinding(a.findings[j].id);
  }

  selectFlow(index: number): void {
    const a = this.state.analysis;
    if (!a) return;
    const f = a.result.flows[index];
    const finding = f ? a.findings.find((x) => x.flowId === f.id) : undefined;
    this.set({ selectedFlow: index, selectedFindingId: finding?.id ?? null, selectedPacket: null });
    if (f) this.zoomToFlow(index);
  }

  selectPacket(ref: PacketRef | null): void {
    this.set({ selectedPacket: ref });
  }

  flowSpanNs(index: number): [number, number] | null {
    const a = this.state.analysis;
    const f = a?.result.flows[index];
    if (!a || !f || !f.points.length) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of f.points) {
      lo = Math.min(lo, isoToNs(p.first, a.extras.baseSec));
      hi = Math.max(hi, isoToNs(p.last, a.extras.baseSec));
    }
    return [lo, hi];
  }

  zoomToFlow(index: number): void {
    const s = this.flowSpanNs(index);
    if (s) this.zoomTo(s[0], s[1]);
  }

  private zoomToFinding(f: Finding): void {
    const a = this.state.analysis;
    if (!a) return;
    const i = a.flowIndex.get(f.flowId);
    if (i !== undefined) this.zoomToFlow(i);
  }

  zoomTo(fromNs: number, toNs: number): void {
    const span = Math.max(toNs - fromNs, 1e6);
    const pad = span * 0.06;
    this.set({ zoom: { fromNs: fromNs - pad, toNs: fromNs + span + pad, seq: ++this.zoomSeq } });
  }

  openDialog(dialog: AppState['dialog']): void {
    this.set({ dialog });
  }

  notify(message: string | null): void {
    this.set({ message });
  }
}
