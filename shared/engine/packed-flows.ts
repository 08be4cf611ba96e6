/**
 * A capture's flow table as a few flat arrays instead of one object per flow: what threads pass
 * around (structured-cloning tens of thousands of small objects costs more than analysing them),
 * read in place through PackedPointFlow views or turned back into PointFlows.
 */
import { column, PointFlow, type FlowState, type IndexedCapture } from './capture-index.ts';
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
  cookieStart: Int32Array;
  /** KEY_WORDS words per flow: the flow an ICMP error reports on (slot N.ReportsOn says if any). */
  reportsOn: Uint32Array;
}

/** Slots of a flow's numbers in PackedFlows.nums. */
const enum N {
  Id = 0,
  Version = 1,
  Proto = 2,
  ClientSide = 3,
  ClientKnown = 4,
  FirstSide = 5,
  FirstRow = 6,
  LastRow = 7,
  FirstT = 8,
  LastT = 9,
  /** PointFlow.s, S_SLOTS numbers. */
  S = 10,
  Ep = 34,
  Prev = 36,
  KeepAlives = 38,
  Retransmissions = 39,
  ReportsOn = 40,
  Count = 41,
}
const S_SLOTS = N.Ep - N.S;

export function packFlows(flows: FlowState[], shared = false): PackedFlows {
  const n = flows.length;
  const nums = column(Float64Array, n * N.Count, shared);
  const histStart = column(Int32Array, n + 1, shared);
  const cookieStart = column(Int32Array, n + 1, shared);
  const reportsOn = column(Uint32Array, n * KEY_WORDS, shared);
  let cookieCount = 0;
  for (const fl of flows) cookieCount += fl.cookies ? fl.cookies.length : 0;
  const cookies = column(Uint32Array, cookieCount, shared);
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
    for (let k = 0; k < S_SLOTS; k++) nums[o + N.S + k] = fl.s[k];
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
    if (fl.cookies) for (const x of fl.cookies) cookies[c++] = x;
  }
  histStart[n] = h;
  cookieStart[n] = c;
  return { count: n, nums, hist: hist.join(''), histStart, cookies, cookieStart, reportsOn };
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
    const o = this.f * N.Count + k;
    return this.p.nums.subarray(o, o + count);
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
    return (this._s ??= this.slots(N.S, S_SLOTS));
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
        list = [];
        for (let c = c0; c < c1; c++) list.push(this.p.cookies[c]);
      }
      this._cookies = list;
    }
    return this._cookies;
  }
  get reportsOn(): Uint32Array | null {
    return this.n(N.ReportsOn) === 1 ? this.p.reportsOn.slice(this.f * KEY_WORDS, (this.f + 1) * KEY_WORDS) : null;
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
    for (let k = 0; k < S_SLOTS; k++) fl.s[k] = s[k];
    fl.ep[0] = this.ep[0];
    fl.ep[1] = this.ep[1];
    fl.prev[0] = this.prev[0];
    fl.prev[1] = this.prev[1];
    fl.keepAlives = this.keepAlives;
    fl.retransmissions = this.retransmissions;
    fl.reportsOn = this.reportsOn;
    fl.history = this.history;
    fl.cookies = this.cookies;
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
  return { ...ix, flows: [], packedFlows: packFlows(ix.flows, shared) };
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
