/**
 * The case around the analysis (issue 5): notes (annotations), the case file (save, open,
 * autosave, relinking moved captures by sha256) and imported PAN-OS traffic logs. Its own store
 * beside the Session (which it reads and drives through its public methods), so the analysis
 * state stays as it is.
 *
 * Autosave: Electron writes the case atomically through main (userData/autosave.stagediff.json,
 * and the case's own file once it has one); the browser fallback keeps it in localStorage. At
 * start the last autosave is offered for restore; until the user answers, nothing overwrites it.
 */
import type { Stage } from '../../../shared/api/analysis.ts';
import type { OpenedFile } from '../../../shared/api/bridge.ts';
import type { Annotation, AnnotationTarget, CaseCapture, CaseFile } from '../../../shared/api/case.ts';
import { caseSettings, emptyCase, newAnnotation, parseCase, relinkCaptures, resolveAnnotations, serializeCase, settingsDelta } from '../../../shared/case/case-file.ts';
import { isoText } from '../../../shared/format/addr.ts';
import { joinTrafficLog, parseTrafficLog, type TrafficLog, type TrafficLogJoin } from '../../../shared/tlog/traffic-log.ts';
import { hashBlob } from '../engine/export-client.ts';
import { bridge, bridgeSource, fileSource } from '../engine/source.ts';
import type { AppState, Session } from './session.ts';

export const AUTOSAVE_KEY = 'stagediff.autosave.v1';

export interface NoteIndex {
  byFinding: Map<string, Annotation[]>;
  byFlow: Map<string, Annotation[]>;
  /** `${capture path}\u0000${frame}` */
  byPacket: Map<string, Annotation[]>;
  ranges: Annotation[];
}

export interface RestoreOffer {
  case: CaseFile;
  /** 'autosave': left by the last run; 'file': a case the user opened. */
  from: 'autosave' | 'file';
  path: string | null;
}

export interface PendingCaptures {
  /** Captures of the case not found yet: drop or pick them (matched by sha256). */
  missing: CaseCapture[];
  title: string;
}

export interface CaseState {
  title: string;
  annotations: Annotation[];
  notes: NoteIndex;
  /** Electron: the case file's path once saved or opened. */
  casePath: string | null;
  logs: TrafficLog[];
  join: TrafficLogJoin | null;
  /** The note editor: open on a target (existing notes of the target are listed there). */
  noteTarget: AnnotationTarget | null;
  offer: RestoreOffer | null;
  pending: PendingCaptures | null;
  /** A traffic log waiting for the user to say which firewall wrote it. */
  askDevice: { name: string; text: string } | null;
  /** Long-running work: hashing, exporting. */
  busy: string | null;
  /** Last autosave (ISO), for the status line. */
  autosavedAt: string | null;
}

type Listener = () => void;

export function packetKey(path: string, frame: number): string {
  return `${path}\u0000${frame}`;
}

function indexNotes(list: Annotation[]): NoteIndex {
  const n: NoteIndex = { byFinding: new Map(), byFlow: new Map(), byPacket: new Map(), ranges: [] };
  const push = (m: Map<string, Annotation[]>, k: string, a: Annotation) => {
    const l = m.get(k);
    if (l) l.push(a);
    else m.set(k, [a]);
  };
  for (const a of list) {
    const t = a.target;
    if (t.kind === 'finding') push(n.byFinding, t.findingId, a);
    else if (t.kind === 'flow') push(n.byFlow, t.flowId, a);
    else if (t.kind === 'packet') push(n.byPacket, packetKey(t.path, t.frame), a);
    else n.ranges.push(a);
  }
  return n;
}

/** ns on the analysis clock (relative to baseSec) -> ISO-8601 UTC with ns. */
export function nsToIso(ns: number, baseSec: number): string {
  const whole = Math.floor(ns / 1e9);
  return isoText(baseSec + whole, Math.round(ns - whole * 1e9));
}

export function sameTarget(a: AnnotationTarget, b: AnnotationTarget): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'finding':
      return a.findingId === (b as typeof a).findingId;
    case 'flow':
      return a.flowId === (b as typeof a).flowId;
    case 'packet':
      return a.path === (b as typeof a).path && a.frame === (b as typeof a).frame;
    case 'range':
      return a.from === (b as typeof a).from && a.to === (b as typeof a).to;
  }
}

/**
 * Indexing, analysing, or an analysis still to come: captures indexed but not analysed yet (the
 * session starts the analysis on a timer after the last index), or its per-packet links.
 */
function busyLoading(s: AppState): boolean {
  if (s.analyzing || s.captures.some((c) => c.status === 'queued' || c.status === 'indexing')) return true;
  if (s.analysisError) return false;
  const a = s.analysis;
  const done = s.captures.filter((c) => c.status === 'done');
  if (!done.length) return false;
  return !a || a.linksMs === null || done.some((c) => !a.extras.ids.includes(c.id));
}

export class CaseController {
  private state: CaseState;
  private readonly listeners = new Set<Listener>();
  private readonly hashes = new Map<string, Promise<{ sha256: string; size: number } | null>>();
  private readonly known = new Map<string, { sha256: string; size: number }>();
  private lastResult: unknown = null;
  private lastSig = '';
  /** Captures changed: hash them once the load is over. */
  private hashWanted = false;
  private autosaveTimer: ReturnType<typeof setTimeout> | null = null;
  /** Off while a restore offer waits for an answer: the old autosave must survive until then. */
  private armed = true;
  private restoring = false;

  constructor(private readonly session: Session) {
    this.state = {
      title: 'incident',
      annotations: [],
      notes: indexNotes([]),
      casePath: null,
      logs: [],
      join: null,
      noteTarget: null,
      offer: null,
      pending: null,
      askDevice: null,
      busy: null,
      autosavedAt: null,
    };
    session.subscribe(() => this.onSession(session.get()));
    window.addEventListener('pagehide', () => this.flushAutosave());
  }

  get = (): CaseState => this.state;
  subscribe = (l: Listener): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  private set(patch: Partial<CaseState>): void {
    this.state = { ...this.state, ...patch };
    if (patch.annotations) this.state.notes = indexNotes(this.state.annotations);
    for (const l of this.listeners) l();
    if (patch.annotations || patch.title !== undefined) this.scheduleAutosave();
  }

  // ---------------------------------------------------------------- following the session

  private onSession(s: AppState): void {
    const r = s.analysis?.result ?? null;
    if (r && r !== this.lastResult) {
      this.lastResult = r;
      const resolved = resolveAnnotations(this.state.annotations, r);
      const changed = resolved.some((x, i) => x !== this.state.annotations[i]);
      const join = this.state.logs.length ? joinTrafficLog(r, this.state.logs) : null;
      this.set({ ...(changed ? { annotations: resolved } : {}), join });
    }
    // Captures opened while the restore offer waits: the user started new work. The old autosave
    // is kept aside (browser: a second key; Electron: writeCaseFile's .bak) and autosave resumes.
    if (this.state.offer && s.captures.length && !this.restoring) {
      if (!bridge()) {
        try {
          const old = localStorage.getItem(AUTOSAVE_KEY);
          if (old) localStorage.setItem(`${AUTOSAVE_KEY}.previous`, old);
        } catch {
          // storage unavailable
        }
      }
      this.armed = true;
      this.set({ offer: null });
    }
    const sig = JSON.stringify([s.captures.map((c) => [c.source.path, c.device, c.stage, c.status === 'done']), s.clockOffsets, s.settings]);
    if (sig !== this.lastSig) {
      this.lastSig = sig;
      this.scheduleAutosave();
      this.hashWanted = true;
    }
    if (this.hashWanted) this.hashInBackground(s);
  }

  /**
   * Hashes the captures in the background, one file at a time (one worker), and only once the
   * indexing, the analysis and its per-packet links are done: hashing a gigabyte in JavaScript
   * takes a core for seconds, and four hash workers at once took both cores from the analysis
   * and then from the first scrolling of the grids.
   */
  private hashInBackground(s: AppState): void {
    if (busyLoading(s)) return;
    this.hashWanted = false;
    void this.hashOneByOne(s.captures.filter((c) => c.status === 'done').map((c) => c.source.path));
  }

  private async hashOneByOne(paths: string[]): Promise<void> {
    for (const p of paths) await this.hashOf(p);
  }

  /** sha256 of a capture (by its path in the session), computed once. */
  hashOf(path: string): Promise<{ sha256: string; size: number } | null> {
    let p = this.hashes.get(path);
    if (p) return p;
    const entry = this.session.get().captures.find((c) => c.source.path === path);
    if (!entry) return Promise.resolve(null);
    const b = bridge();
    const file = entry.source.file;
    p = (async () => {
      try {
        if (file) return await hashBlob(file);
        if (b) {
          const [h] = await b.hashFiles([path]);
          return h && 'sha256' in h ? { sha256: h.sha256, size: h.size } : null;
        }
      } catch {
        // unreadable: left out of the case's hash list
      }
      return null;
    })().then((h) => {
      if (h) this.known.set(path, h);
      else this.hashes.delete(path);
      return h;
    });
    this.hashes.set(path, p);
    return p;
  }

  // ---------------------------------------------------------------- notes

  openNote(target: AnnotationTarget | null): void {
    this.set({ noteTarget: target });
  }

  addNote(target: AnnotationTarget, text: string): Annotation | null {
    const t = text.trim();
    if (!t) return null;
    const a = newAnnotation(target, t);
    this.set({ annotations: [...this.state.annotations, a] });
    return a;
  }

  editNote(id: string, text: string): void {
    const t = text.trim();
    if (!t) return this.deleteNote(id);
    this.set({ annotations: this.state.annotations.map((a) => (a.id === id ? { ...a, text: t } : a)) });
  }

  deleteNote(id: string): void {
    this.set({ annotations: this.state.annotations.filter((a) => a.id !== id) });
  }

  notesOf(target: AnnotationTarget): Annotation[] {
    return this.state.annotations.filter((a) => sameTarget(a.target, target));
  }

  setTitle(title: string): void {
    this.set({ title: title.trim() || 'incident' });
  }

  // ---------------------------------------------------------------- the case file

  /** The case as it stands, hashing what is not hashed yet. */
  async buildCase(): Promise<CaseFile> {
    const s = this.session.get();
    const c = emptyCase(this.state.title);
    const done = s.captures.filter((x) => x.status === 'done' || x.status === 'error');
    const hs = await Promise.all(done.map((x) => this.hashOf(x.source.path)));
    done.forEach((x, i) => {
      const h = hs[i];
      if (h) c.captures.push({ path: x.source.path, sha256: h.sha256, size: h.size, device: x.device, stage: x.stage });
    });
    c.captures.push(...(this.state.pending?.missing ?? []).filter((m) => !c.captures.some((x) => x.path === m.path)));
    c.clockOffsets = { ...s.clockOffsets };
    c.settings = settingsDelta(s.settings);
    c.annotations = this.state.annotations;
    return c;
  }

  async saveCase(saveAs = false): Promise<void> {
    const s = this.session.get();
    if (!s.captures.length && !this.state.annotations.length) return this.session.notify('Nothing to save yet: open captures first.');
    this.set({ busy: 'Hashing the captures for the case…' });
    try {
      const c = await this.buildCase();
      c.savedAt = new Date().toISOString();
      const b = bridge();
      if (b) {
        const r = await b.saveCase({ case: c, path: saveAs ? undefined : (this.state.casePath ?? undefined), defaultName: caseName(this.state.title) });
        if (r.saved) {
          this.set({ casePath: r.path });
          this.session.notify(`Case saved: ${r.path}`);
        }
      } else {
        download(caseName(this.state.title), serializeCase(c), 'application/json');
        this.session.notify(`Case downloaded as ${caseName(this.state.title)} (${c.captures.length} captures, ${c.annotations.length} notes). Also kept in this browser.`);
      }
    } catch (e) {
      this.session.notify(`Could not save the case: ${(e as Error).message}`);
    } finally {
      this.set({ busy: null });
    }
  }

  /** Open Case: Electron's dialog; the browser's file input passes the File here. */
  async openCaseFromFile(file: File): Promise<void> {
    try {
      const c = parseCase(await file.text(), file.name);
      await this.applyCase(c, null);
    } catch (e) {
      this.session.notify(`${(e as Error).message}`);
    }
  }

  async openCaseElectron(): Promise<void> {
    const b = bridge();
    if (!b) return;
    try {
      const o = await b.openCase();
      if (!o) return;
      if (o.fromBackup) this.session.notify(`The case file was damaged (${o.problem ?? 'unreadable'}); opened its last good copy (.bak).`);
      await this.applyCase(o.case, o.path);
    } catch (e) {
      this.session.notify(`Could not open the case: ${(e as Error).message}`);
    }
  }

  /**
   * Replaces the workspace with a case: labels, offsets, timers, notes. Electron opens the
   * captures where the case says (checked by sha256) and asks for the rest; the browser asks
   * for all of them (drop or pick; matched by sha256).
   */
  async applyCase(c: CaseFile, path: string | null): Promise<void> {
    this.armed = true;
    this.session.clear();
    for (const [dev, off] of Object.entries(c.clockOffsets)) this.session.setClockOffset(dev, off);
    this.session.setSettings(caseSettings(c));
    this.hashes.clear();
    this.known.clear();
    this.set({ title: c.title ?? 'incident', annotations: c.annotations, casePath: path, offer: null, pending: null, logs: [], join: null });
    const b = bridge();
    if (b && c.captures.length) {
      this.set({ busy: `Checking ${c.captures.length} capture files…` });
      try {
        const hs = await b.hashFiles(c.captures.map((x) => x.path));
        const ok = hs.filter((h): h is { path: string; sha256: string; size: number } => 'sha256' in h);
        const r = relinkCaptures(c, ok);
        const found = r.case.captures.filter((x) => !r.missing.includes(x));
        for (const x of found) {
          const h = ok.find((y) => y.path === x.path);
          if (h) {
            this.known.set(x.path, h);
            this.hashes.set(x.path, Promise.resolve(h));
          }
        }
        this.set({ annotations: r.case.annotations });
        const files: OpenedFile[] = found.map((x) => ({ path: x.path, name: baseName(x.path), size: x.size, device: x.device, stage: x.stage }));
        if (files.length) this.session.addSources(files.map((f) => bridgeSource(f, b)), labelsOf(found));
        if (r.missing.length) this.set({ pending: { missing: r.missing, title: c.title ?? 'incident' } });
      } finally {
        this.set({ busy: null });
      }
    } else if (c.captures.length) {
      this.set({ pending: { missing: c.captures, title: c.title ?? 'incident' } });
    }
    this.scheduleAutosave();
  }

  /**
   * Files dropped or picked. With a case waiting for captures, they are hashed and matched to
   * it by sha256 (they take the case's labels); other files are added as new captures.
   */
  async addFiles(files: File[]): Promise<void> {
    if (this.state.offer) await this.restore();
    const pending = this.state.pending;
    if (!pending) {
      this.session.addSources(files.map(fileSource));
      return;
    }
    this.set({ busy: `Recognising ${files.length} file${files.length === 1 ? '' : 's'} by sha256…` });
    try {
      const sources = files.map(fileSource);
      const hs = await Promise.all(files.map((f) => hashBlob(f).catch(() => null)));
      const candidates = sources.flatMap((s, i) => (hs[i] ? [{ path: s.path, sha256: hs[i]!.sha256 }] : []));
      const partial: CaseFile = { ...emptyCase(), captures: pending.missing, annotations: this.state.annotations };
      const r = relinkCaptures(partial, candidates);
      const matched = r.case.captures.filter((x) => !r.missing.includes(x));
      sources.forEach((s, i) => {
        const h = hs[i];
        if (h) {
          this.known.set(s.path, h);
          this.hashes.set(s.path, Promise.resolve(h));
        }
      });
      this.set({ annotations: r.case.annotations, pending: r.missing.length ? { ...pending, missing: r.missing } : null });
      this.session.addSources(sources, labelsOf(matched));
      const others = sources.length - matched.length;
      this.session.notify(
        `${matched.length} of ${files.length} file${files.length === 1 ? '' : 's'} recognised as captures of the case by sha256` +
          (others ? `; ${others} other file${others === 1 ? '' : 's'} added as new captures` : '') +
          (r.missing.length ? `; ${r.missing.length} still missing.` : '.'),
      );
    } finally {
      this.set({ busy: null });
    }
  }

  /** Electron: pick the missing captures with the open dialog; recognised by hash in main. */
  async locateElectron(): Promise<void> {
    const b = bridge();
    const pending = this.state.pending;
    if (!b || !pending) return;
    const files = await b.openCaptures();
    if (!files.length) return;
    const hs = await b.hashFiles(files.map((f) => f.path));
    const ok = hs.filter((h): h is { path: string; sha256: string; size: number } => 'sha256' in h);
    const r = relinkCaptures({ ...emptyCase(), captures: pending.missing, annotations: this.state.annotations }, ok);
    const matched = r.case.captures.filter((x) => !r.missing.includes(x));
    for (const h of ok) {
      this.known.set(h.path, { sha256: h.sha256, size: h.size });
      this.hashes.set(h.path, Promise.resolve({ sha256: h.sha256, size: h.size }));
    }
    this.set({ annotations: r.case.annotations, pending: r.missing.length ? { ...pending, missing: r.missing } : null });
    this.session.addSources(files.map((f) => bridgeSource(f, b)), labelsOf(matched));
    void b.noteRecent(files.map((f) => f.path));
  }

  dismissPending(): void {
    this.set({ pending: null });
    this.scheduleAutosave();
  }

  // ---------------------------------------------------------------- autosave and restore

  /** At start: is there an autosave to offer? */
  async checkAutosave(): Promise<void> {
    let c: CaseFile | null = null;
    const b = bridge();
    try {
      if (b) {
        const o = await b.loadAutosave();
        if (o) c = o.case;
      } else {
        const t = localStorage.getItem(AUTOSAVE_KEY);
        if (t) c = parseCase(t, 'autosave');
      }
    } catch {
      c = null;
    }
    if (c && (c.captures.length || c.annotations.length) && !this.session.get().captures.length) {
      this.armed = false;
      this.set({ offer: { case: c, from: 'autosave', path: null } });
    }
  }

  async restore(): Promise<void> {
    const o = this.state.offer;
    if (!o) return;
    this.restoring = true;
    try {
      await this.applyCase(o.case, o.path);
    } finally {
      this.restoring = false;
    }
  }

  discardOffer(): void {
    this.armed = true;
    this.set({ offer: null });
    this.scheduleAutosave();
  }

  private scheduleAutosave(): void {
    if (!this.armed) return;
    if (this.autosaveTimer) clearTimeout(this.autosaveTimer);
    this.autosaveTimer = setTimeout(() => {
      this.autosaveTimer = null;
      void this.autosave();
    }, 400);
  }

  /** Browser: what is known right now goes to localStorage synchronously (page closing). */
  private flushAutosave(): void {
    if (!this.armed || bridge()) return;
    const c = this.caseNow();
    try {
      if (c) localStorage.setItem(AUTOSAVE_KEY, serializeCase(c));
    } catch {
      // storage full: the last autosave stays
    }
  }

  /** The case with the hashes known so far (no waiting): for the synchronous flush. */
  private caseNow(): CaseFile | null {
    const s = this.session.get();
    const c = emptyCase(this.state.title);
    for (const x of s.captures) {
      const h = this.known.get(x.source.path);
      if (h) c.captures.push({ path: x.source.path, sha256: h.sha256, size: h.size, device: x.device, stage: x.stage });
    }
    c.captures.push(...(this.state.pending?.missing ?? []).filter((m) => !c.captures.some((x) => x.path === m.path)));
    c.clockOffsets = { ...s.clockOffsets };
    c.settings = settingsDelta(s.settings);
    c.annotations = this.state.annotations;
    c.savedAt = new Date().toISOString();
    if (!c.captures.length && !c.annotations.length) return null;
    return c;
  }

  private async autosave(): Promise<void> {
    if (!this.armed) return;
    const s = this.session.get();
    if (busyLoading(s)) return this.scheduleAutosave();
    const empty = !s.captures.length && !this.state.annotations.length && !this.state.pending;
    const b = bridge();
    try {
      if (empty) {
        if (b) await b.autosave(null);
        else localStorage.removeItem(AUTOSAVE_KEY);
        return;
      }
      // One hash worker at a time (an explicit save hashes in parallel; see hashInBackground).
      await this.hashOneByOne(s.captures.filter((c) => c.status === 'done' || c.status === 'error').map((c) => c.source.path));
      const c = await this.buildCase();
      if (!this.armed) return;
      c.savedAt = new Date().toISOString();
      if (b) {
        await b.autosave(c);
        // A case that has a file of its own is kept there too (atomically, with .bak).
        if (this.state.casePath) await b.saveCase({ case: c, path: this.state.casePath });
      } else localStorage.setItem(AUTOSAVE_KEY, serializeCase(c));
      this.set({ autosavedAt: c.savedAt });
    } catch {
      // The next change tries again; nothing to tell the user unless it keeps failing.
    }
  }

  // ---------------------------------------------------------------- traffic logs

  /** Imports a PAN-OS traffic-log CSV. Asks for the firewall when the log does not name it. */
  importTrafficLog(name: string, text: string, device?: string): void {
    try {
      const log = parseTrafficLog(text, { source: name, ...(device ? { device } : {}) });
      const devices = [...new Set(this.session.get().captures.map((c) => c.device))];
      const named = log.entries.some((e) => e.deviceName || e.serial);
      if (!device && !named && devices.length > 1) {
        this.set({ askDevice: { name, text } });
        return;
      }
      const logs = [...this.state.logs.filter((l) => l.source !== name), device || named ? log : { ...log, device: devices[0] }];
      const r = this.session.get().analysis?.result;
      const join = r ? joinTrafficLog(r, logs) : null;
      this.set({ logs, join, askDevice: null });
      if (join) {
        const mine = join.sessions.filter((x) => x.source === name);
        const dis = mine.filter((x) => x.disagrees).length;
        const un = join.unmatched.filter((u) => u.source === name);
        this.session.notify(
          `${name}: ${log.entries.length} sessions read, ${mine.length} joined to flows` +
            (dis ? `, ${dis} disagree${dis === 1 ? 's' : ''} with the captures (⚠ in the Flows tab)` : ', all agree with the captures') +
            (un.length ? `; ${un.length} matched no flow (line ${un[0].line}: ${un[0].reason}${un.length > 1 ? ', …' : ''})` : '') +
            '.',
        );
      }
    } catch (e) {
      this.set({ askDevice: null });
      this.session.notify(`Could not import the traffic log: ${(e as Error).message}`);
    }
  }

  cancelAskDevice(): void {
    this.set({ askDevice: null });
  }

  removeLogs(): void {
    this.set({ logs: [], join: null });
  }

  setBusy(text: string | null): void {
    this.set({ busy: text });
  }

  /** sha256 per capture path, for the report's capture inventory (hashes what is missing). */
  async captureHashes(): Promise<Record<string, { sha256: string; size: number }>> {
    const s = this.session.get();
    const out: Record<string, { sha256: string; size: number }> = {};
    await Promise.all(
      s.captures.map(async (c) => {
        const h = await this.hashOf(c.source.path);
        if (h) out[c.source.path] = h;
      }),
    );
    return out;
  }
}

function labelsOf(captures: CaseCapture[]): Map<string, { device: string; stage: Stage }> {
  return new Map(captures.map((x) => [x.path, { device: x.device, stage: x.stage }]));
}

export function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

export function caseName(title: string): string {
  const t = title.trim().replace(/[\\/:*?"<>|\s]+/g, '-').replace(/^[.-]+/, '') || 'incident';
  return `${t}.stagediff.json`;
}

/** A download in the browser (no bridge). */
export function download(name: string, data: string | Uint8Array | (string | Uint8Array)[], mime: string): void {
  const url = URL.createObjectURL(new Blob((Array.isArray(data) ? data : [data]) as BlobPart[], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
