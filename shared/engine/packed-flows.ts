/**
 * A capture's flow table as a few flat arrays instead of one object per flow: what threads pass
 * around (structured-cloning tens of thousands of small objects costs more than analysing them),
 * read in place through PackedPointFlow views or turned back into PointFlows.
 */
import { column, N, PointFlow, runningSums, SLOTS_AT_START, type FlowState, type IndexedCapture } from './capture-index.ts';
import { KEY_WORDS } from './flow-table.ts';

export interface PackedFlows {
  count: number;
  /** N.Count numbers per flow, at the slots of N. */
  nums: Float64Array;
  /** History letters of every flow, one after another; flow f's: histStart[f] .. histStart[f + 1]. */
  hist: string;
  histStart: Int32Array;
  /** GENEVE cookies; flow f's: cookies[cookieStart[f] .. cookieStart[f + 1]] (none = null). */
  cookies: Uint32Array;
  /** Beside each cookie, the row from which the flow carried it (FlowState.cookieFrom). */
  cookieFrom: Int32Array;
  cookieStart: Int32Array;
  /** KEY_WORDS words per flow: the flow an ICMP error reports on (slot N.ReportsOn says if any). */
  reportsOn: Uint32Array;
}


/** History letters kept in place per flow; a longer history continues in a map. */
export const HIST_INLINE = 16;

/** History letters (ASCII) to text, a whole table's at once (pack). */
const LETTERS = new TextDecoder('latin1');

/**
 * The flow table of one capture point while it is being indexed, packed from the start: a row of
 * N.Count numbers per flow and a few bytes beside it, growing by doubling, instead of one object
 * (with its arrays and strings) per flow. Rare extras (a history longer than HIST_INLINE letters,
 * a second GENEVE cookie, an ICMP error's quoted flow) live in maps. `pack` hands it over as
 * PackedFlows.
 */
export class FlowStore {
  count = 0;
  private cap = 0;
  /** N.Count numbers per flow (reallocated when it grows: read it after `add`). */
  nums = new Float64Array(0);
  private histLen = new Uint8Array(0);
  private histBytes = new Uint8Array(0);
  private readonly histMore = new Map<number, string>();
  private cookieFirst = new Uint32Array(0);
  private cookieCount = new Int32Array(0);
  private cookieFirstRow = new Int32Array(0);
  /** Every cookie of the flows with more than one, each followed by the row it started at. */
  private readonly cookieMore = new Map<number, number[]>();
  private readonly reports = new Map<number, Uint32Array>();

  private numsCap = 0;

  /**
   * `shared`: the rows in shared memory, so that `pack` hands them over without a copy. Their
   * first block is then at least 33 MiB (~100,000 flows): above glibc's largest mmap threshold, so
   * that it is mapped on its own (untouched pages cost nothing) instead of coming from a malloc
   * heap that keeps what the doubling frees (see CaptureIndexer.transient).
   */
  constructor(
    private readonly shared = false,
    /** No room made yet (fromRows fills the store). */
    empty = false,
  ) {
    if (empty) return;
    this.growNums(shared ? Math.ceil((33 << 20) / (N.Count * 8)) : 1024);
    this.grow(1024);
  }

  /**
   * A store of `count` flows with these rows (copied) and extras (taken): what the WebAssembly
   * core (wasm/index-core.ts) made of a file, handed over as a store so that `pack` treats it alike.
   */
  static fromRows(
    count: number,
    rows: {
      nums: Float64Array;
      histLen: Uint8Array;
      histBytes: Uint8Array;
      histMore: Map<number, string>;
      cookieFirst: Uint32Array;
      cookieCount: Int32Array;
      cookieFirstRow: Int32Array;
      cookieMore: Map<number, number[]>;
      /** The key an ICMP error reports on, by flow. */
      reports?: Map<number, Uint32Array>;
    },
    shared: boolean,
  ): FlowStore {
    const st = new FlowStore(shared, true);
    st.nums = column(Float64Array, count * N.Count, shared);
    st.nums.set(rows.nums.subarray(0, count * N.Count));
    st.numsCap = count;
    st.histLen = rows.histLen.slice(0, count);
    st.histBytes = rows.histBytes.slice(0, count * HIST_INLINE);
    st.cookieFirst = rows.cookieFirst.slice(0, count);
    st.cookieCount = rows.cookieCount.slice(0, count);
    st.cookieFirstRow = rows.cookieFirstRow.slice(0, count);
    for (const [f, h] of rows.histMore) st.histMore.set(f, h);
    for (const [f, c] of rows.cookieMore) st.cookieMore.set(f, c);
    for (const [f, k] of rows.reports ?? []) st.report(f, k);
    st.cap = count;
    st.count = count;
    return st;
  }

  private growNums(cap: number): void {
    const n = column(Float64Array, cap * N.Count, this.shared);
    n.set(this.nums);
    this.nums = n;
    this.numsCap = cap;
  }

  private grow(cap: number): void {
    const g = <T extends Float64Array | Uint8Array | Uint32Array | Int32Array>(old: T, n: T): T => {
      n.set(old as ArrayLike<number> & T);
      return n;
    };
    this.histLen = g(this.histLen, new Uint8Array(cap));
    this.histBytes = g(this.histBytes, new Uint8Array(cap * HIST_INLINE));
    this.cookieFirst = g(this.cookieFirst, new Uint32Array(cap));
    this.cookieCount = g(this.cookieCount, new Int32Array(cap));
    this.cookieFirstRow = g(this.cookieFirstRow, new Int32Array(cap));
    this.cap = cap;
  }

  /** A new flow (number = the count before), its state as a PointFlow starts. */
  add(version: number, proto: number): number {
    const f = this.count++;
    if (f >= this.numsCap) this.growNums(this.numsCap * 2);
    if (f >= this.cap) this.grow(this.cap * 2);
    const o = f * N.Count;
    const a = this.nums;
    a[o + N.Id] = f;
    a[o + N.Version] = version;
    a[o + N.Proto] = proto;
    a.set(SLOTS_AT_START, o + N.S);
    return f;
  }

  /** Appends a history letter to flow f's history: `upper` (a character code) from side A, lower case from side B. */
  letter(f: number, side: number, upper: number): void {
    const code = side === 0 ? upper : upper | 0x20;
    const n = this.histLen[f];
    if (n < HIST_INLINE) {
      this.histBytes[f * HIST_INLINE + n] = code;
      this.histLen[f] = n + 1;
    } else this.histMore.set(f, (this.histMore.get(f) ?? '') + String.fromCharCode(code));
  }

  /**
   * A GENEVE cookie (uint32) seen on flow f at `row`: kept when it differs from the last one kept.
   * The common case (the flow's one cookie again) is this small test, which V8 inlines into the
   * indexer's per-packet path; a call would box the uint32 (most are above 2^30) on every packet.
   */
  cookie(f: number, c: number, row: number): void {
    if (this.cookieCount[f] === 1 && this.cookieFirst[f] === c) return;
    this.cookieChange(f, c, row);
  }

  private cookieChange(f: number, c: number, row: number): void {
    const n = this.cookieCount[f];
    if (n === 0) {
      this.cookieFirst[f] = c;
      this.cookieFirstRow[f] = row;
      this.cookieCount[f] = 1;
      return;
    }
    let more = this.cookieMore.get(f);
    const last = more ? more[2 * n - 2] : this.cookieFirst[f];
    if (last === c) return;
    if (!more) this.cookieMore.set(f, (more = [this.cookieFirst[f], this.cookieFirstRow[f]]));
    more.push(c, row);
    this.cookieCount[f] = n + 1;
  }

  hasReport(f: number): boolean {
    return this.reports.has(f);
  }

  /** The flow (key words) an ICMP error on flow f reports on. */
  report(f: number, key: Uint32Array): void {
    this.reports.set(f, key);
    this.nums[f * N.Count + N.ReportsOn] = 1;
  }

  /**
   * The table as PackedFlows (in shared memory when the store is). The rows are handed over in
   * place, unless they fill less than half of their block: then (a capture with few flows, whose
   * first block is the 33 MiB reservation) they are copied out, so that the packed tables of many
   * small captures do not each keep a large block of address space.
   */
  pack(): PackedFlows {
    const shared = this.shared;
    const n = this.count;
    let nums = this.nums.subarray(0, n * N.Count);
    if (2 * n < this.numsCap) nums = column(Float64Array, n * N.Count, shared);
    if (nums.buffer !== this.nums.buffer) nums.set(this.nums.subarray(0, n * N.Count));
    const histStart = column(Int32Array, n + 1, shared);
    const cookieStart = column(Int32Array, n + 1, shared);
    const reportsOn = column(Uint32Array, n * KEY_WORDS, shared);
    for (const [f, key] of this.reports) reportsOn.set(key, f * KEY_WORDS);
    // In small loops of their own, each without a branch the others' flows take (V8 compiles a
    // loop while it runs: a way through it not yet taken by then throws the compiled code away,
    // and the larger the function, the longer its compile, on the other core's time). Starts from
    // the counts put one place on (runningSums).
    cookieStart[0] = 0;
    cookieStart.set(this.cookieCount.subarray(0, n), 1);
    runningSums(cookieStart, n);
    const cookieTotal = cookieStart[n];
    const cookies = column(Uint32Array, cookieTotal, shared);
    const cookieFrom = column(Int32Array, cookieTotal, shared);
    firstCookies(n, this.cookieCount, this.cookieFirst, this.cookieFirstRow, cookieStart, cookies, cookieFrom);
    for (const [f, more] of this.cookieMore) {
      if (f >= n) continue;
      for (let j = 0, c = cookieStart[f]; j < more.length; j += 2, c++) {
        cookieFrom[c] = more[j + 1];
        cookies[c] = more[j];
      }
    }
    // The histories as one text, decoded at once from their letters laid end to end (one string a
    // flow joined was ~1-2 ms a file of 5,000 flows, in a reader's critical path): each flow's
    // inline letters, then those past HIST_INLINE.
    histStart[0] = 0;
    histStart.set(this.histLen.subarray(0, n), 1);
    for (const [f, more] of this.histMore) if (f < n) histStart[f + 1] += more.length;
    runningSums(histStart, n);
    const text = new Uint8Array(histStart[n]);
    inlineLetters(n, this.histBytes, this.histLen, histStart, text);
    for (const [f, more] of this.histMore) {
      if (f >= n) continue;
      const at = histStart[f] + this.histLen[f];
      for (let j = 0; j < more.length; j++) text[at + j] = more.charCodeAt(j);
    }
    return { count: n, nums, hist: LETTERS.decode(text), histStart, cookies, cookieFrom, cookieStart, reportsOn };
  }
}

/** The one cookie of each flow that has exactly one, at its start (flows with more: their own loop). */
function firstCookies(n: number, count: Int32Array, first: Uint32Array, firstRow: Int32Array, starts: Int32Array, cookies: Uint32Array, from: Int32Array): void {
  for (let f = 0; f < n; f++) {
    if (count[f] !== 1) continue;
    cookies[starts[f]] = first[f];
    from[starts[f]] = firstRow[f];
  }
}

/** Each flow's inline history letters (HIST_INLINE a flow in `bytes`) at its start in `text`. */
function inlineLetters(n: number, bytes: Uint8Array, len: Uint8Array, starts: Int32Array, text: Uint8Array): void {
  for (let f = 0; f < n; f++) {
    const b = f * HIST_INLINE;
    const h = starts[f];
    const l = len[f];
    for (let j = 0; j < l; j++) text[h + j] = bytes[b + j];
  }
}

export function packFlows(flows: FlowState[], shared = false): PackedFlows {
  const n = flows.length;
  const nums = column(Float64Array, n * N.Count, shared);
  const histStart = column(Int32Array, n + 1, shared);
  const cookieStart = column(Int32Array, n + 1, shared);
  const reportsOn = column(Uint32Array, n * KEY_WORDS, shared);
  let cookieCount = 0;
  for (const fl of flows) cookieCount += fl.cookies ? fl.cookies.length : 0;
  const cookies = column(Uint32Array, cookieCount, shared);
  const cookieFrom = column(Int32Array, cookieCount, shared);
  const hist: string[] = [];
  let h = 0;
  let c = 0;
  for (let f = 0; f < n; f++) {
    const fl = flows[f];
    const o = f * N.Count;
    nums[o + N.Id] = fl.id;
    nums[o + N.Version] = fl.version;
    nums[o + N.Proto] = fl.proto;
    nums[o + N.ClientSide] = fl.clientSide;
    nums[o + N.ClientKnown] = fl.clientKnown ? 1 : 0;
    nums[o + N.FirstSide] = fl.firstSide;
    nums[o + N.FirstRow] = fl.firstRow;
    nums[o + N.LastRow] = fl.lastRow;
    nums[o + N.FirstT] = fl.firstT;
    nums[o + N.LastT] = fl.lastT;
    for (let k = 0; k < N.Ep - N.S; k++) nums[o + N.S + k] = fl.s[k];
    nums[o + N.Ep] = fl.ep[0];
    nums[o + N.Ep + 1] = fl.ep[1];
    nums[o + N.Prev] = fl.prev[0];
    nums[o + N.Prev + 1] = fl.prev[1];
    nums[o + N.KeepAlives] = fl.keepAlives;
    nums[o + N.Retransmissions] = fl.retransmissions;
    nums[o + N.ReportsOn] = fl.reportsOn ? 1 : 0;
    if (fl.reportsOn) reportsOn.set(fl.reportsOn, f * KEY_WORDS);
    hist.push(fl.history);
    histStart[f] = h;
    h += fl.history.length;
    cookieStart[f] = c;
    if (fl.cookies) {
      for (let k = 0; k < fl.cookies.length; k++) {
        cookieFrom[c] = fl.cookieFrom![k];
        cookies[c++] = fl.cookies[k];
      }
    }
  }
  histStart[n] = h;
  cookieStart[n] = c;
  return { count: n, nums, hist: hist.join(''), histStart, cookies, cookieFrom, cookieStart, reportsOn };
}

export function unpackFlows(p: PackedFlows): PointFlow[] {
  const out: PointFlow[] = new Array(p.count);
  for (let f = 0; f < p.count; f++) out[f] = new PackedPointFlow(p, f).materialize();
  return out;
}

/**
 * A flow of a packed table read in place: a few bytes instead of a PointFlow and its arrays, for
 * the analysis workers, which look closely at only their own share of the flows.
 */
export class PackedPointFlow implements FlowState {
  clientSide: number;
  private _s: Float64Array | null = null;
  private _ep: Float64Array | null = null;
  private _hist: string | null = null;
  private _cookies: number[] | null | undefined = undefined;
  constructor(
    private readonly p: PackedFlows,
    private readonly f: number,
  ) {
    this.clientSide = p.nums[f * N.Count + N.ClientSide];
  }
  private n(k: N): number {
    return this.p.nums[this.f * N.Count + k];
  }
  private slots(k: N, count: number): Float64Array {
    const nums = this.p.nums;
    // A view made by the constructor: a third of subarray's cost (which looks up a species).
    return new Float64Array(nums.buffer, nums.byteOffset + (this.f * N.Count + k) * 8, count);
  }
  get id(): number {
    return this.n(N.Id);
  }
  get version(): number {
    return this.n(N.Version);
  }
  get proto(): number {
    return this.n(N.Proto);
  }
  get clientKnown(): boolean {
    return this.n(N.ClientKnown) === 1;
  }
  get firstSide(): number {
    return this.n(N.FirstSide);
  }
  get firstRow(): number {
    return this.n(N.FirstRow);
  }
  get lastRow(): number {
    return this.n(N.LastRow);
  }
  get firstT(): number {
    return this.n(N.FirstT);
  }
  get lastT(): number {
    return this.n(N.LastT);
  }
  get s(): Float64Array {
    return (this._s ??= this.slots(N.S, N.Ep - N.S));
  }
  get ep(): Float64Array {
    return (this._ep ??= this.slots(N.Ep, 2));
  }
  get prev(): Float64Array {
    return this.slots(N.Prev, 2);
  }
  get keepAlives(): number {
    return this.n(N.KeepAlives);
  }
  get retransmissions(): number {
    return this.n(N.Retransmissions);
  }
  get history(): string {
    return (this._hist ??= this.p.hist.slice(this.p.histStart[this.f], this.p.histStart[this.f + 1]));
  }
  /** The cookie the flow carried at `row` (see cookieAt), read in place. */
  cookieAtRow(row: number): number | null {
    const c0 = this.p.cookieStart[this.f];
    const c1 = this.p.cookieStart[this.f + 1];
    return c1 > c0 ? this.p.cookies[changeAt(this.p.cookieFrom, c0, c1, row)] : null;
  }
  /** Whether the flow carried a GENEVE cookie, without building the list. */
  get tunnelled(): boolean {
    return this.p.cookieStart[this.f + 1] > this.p.cookieStart[this.f];
  }
  get cookies(): number[] | null {
    if (this._cookies === undefined) {
      const c0 = this.p.cookieStart[this.f];
      const c1 = this.p.cookieStart[this.f + 1];
      let list: number[] | null = null;
      if (c1 > c0) {
        // Made to size (an array pushed to keeps room for 17).
        list = new Array<number>(c1 - c0);
        for (let c = c0; c < c1; c++) list[c - c0] = this.p.cookies[c];
      }
      this._cookies = list;
    }
    return this._cookies;
  }
  get cookieFrom(): number[] | null {
    const c0 = this.p.cookieStart[this.f];
    const c1 = this.p.cookieStart[this.f + 1];
    return c1 > c0 ? Array.from(this.p.cookieFrom.subarray(c0, c1)) : null;
  }
  get reportsOn(): Uint32Array | null {
    return this.n(N.ReportsOn) === 1 ? this.p.reportsOn.slice(this.f * KEY_WORDS, (this.f + 1) * KEY_WORDS) : null;
  }
  /** Drops what the getters made (views, lists, strings): made again if asked for. */
  forget(): void {
    this._s = null;
    this._ep = null;
    this._hist = null;
    this._cookies = undefined;
  }
  /** A PointFlow with the same state, to be changed (the packed table may be shared). */
  materialize(): PointFlow {
    const fl = new PointFlow(this.id, this.version, this.proto);
    fl.clientSide = this.clientSide;
    fl.clientKnown = this.clientKnown;
    fl.firstSide = this.firstSide;
    fl.firstRow = this.firstRow;
    fl.lastRow = this.lastRow;
    fl.firstT = this.firstT;
    fl.lastT = this.lastT;
    const s = this.s;
    for (let k = 0; k < N.Ep - N.S; k++) fl.s[k] = s[k];
    fl.ep[0] = this.ep[0];
    fl.ep[1] = this.ep[1];
    fl.prev[0] = this.prev[0];
    fl.prev[1] = this.prev[1];
    fl.keepAlives = this.keepAlives;
    fl.retransmissions = this.retransmissions;
    fl.reportsOn = this.reportsOn;
    fl.history = this.history;
    fl.cookies = this.cookies;
    fl.cookieFrom = this.cookieFrom;
    return fl;
  }
}

/** A packed flow table as views. */
export function viewFlows(p: PackedFlows): PackedPointFlow[] {
  const flows: PackedPointFlow[] = new Array(p.count);
  for (let f = 0; f < p.count; f++) flows[f] = new PackedPointFlow(p, f);
  return flows;
}

/** The flows of a packed index as views (in place; nothing to do when not packed). */
export function viewIndex(ix: IndexedCapture): IndexedCapture {
  const p = ix.packedFlows;
  if (p) {
    ix.flows = viewFlows(p);
    ix.packedFlows = undefined;
  }
  return ix;
}

/**
 * What to post of an index that keeps its packed table beside views of it: the packed table
 * only (views are class instances, which postMessage cannot carry).
 */
export function postable(ix: IndexedCapture): IndexedCapture {
  return ix.packedFlows ? { ...ix, flows: [] } : ix;
}

/** Whether a flow at a capture point carried a GENEVE flow cookie (a view builds no list for it). */
export function hasCookies(pf: FlowState): boolean {
  return pf instanceof PackedPointFlow ? pf.tunnelled : pf.cookies !== null;
}

/** The index with its flows packed (`flows` empty): for postMessage between threads. */
export function packIndex(ix: IndexedCapture, shared = false): IndexedCapture {
  const p = ix.packedFlows;
  // The indexer hands its table over packed already (in shared memory when it was asked to).
  if (p && (!shared || p.nums.buffer instanceof SharedArrayBuffer)) return { ...ix, flows: [] };
  return { ...ix, flows: [], packedFlows: packFlows(p ? viewFlows(p) : ix.flows, shared) };
}

/** Restores the flows of a packed index (in place; nothing to do when not packed). */
export function unpackIndex(ix: IndexedCapture): IndexedCapture {
  if (ix.packedFlows) {
    ix.flows = unpackFlows(ix.packedFlows);
    // Not `delete`: that would turn the object into a slow dictionary for every column read.
    ix.packedFlows = undefined;
  }
  return ix;
}

/** The GENEVE cookie a flow's packet at `row` carried (when it carried one: P_COOKIE), from the flow's changes of cookie. */
export function cookieAt(pf: FlowState, row: number): number | null {
  if (pf instanceof PackedPointFlow) return pf.cookieAtRow(row);
  const cs = pf.cookies;
  return cs ? cs[changeAt(pf.cookieFrom!, 0, cs.length, row)] : null;
}

/** The last k in [c0, c1) whose from[k] <= row (c0 when none): the change in force at `row`. */
function changeAt(from: ArrayLike<number>, c0: number, c1: number, row: number): number {
  let k = c1 - 1;
  while (k > c0 && from[k] > row) k--;
  return k;
}
