/**
 * Capture index: reads one capture point's records, decodes them and keeps one row per packet in
 * typed-array columns plus the capture point's flow table (packed rows, FlowStore). Memory grows
 * with packets indexed (about 75 bytes each, 24 for `analyze`'s lean index) and flows (about
 * 400 bytes each), never with file size.
 */
import { CaptureReader } from '../readers/reader.ts';
import type { CaptureFormat, CaptureIssue, PacketRecord, RecordSink } from '../capture/record.ts';
import { Decoded, Layer, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/decoded.ts';
import { decodePacket } from '../decode/decode.ts';
import { decodeForIndex } from '../decode/fast-index.ts';
import { isDecodedLinkType } from '../decode/link.ts';
import { FlowTable, KEY_WORDS } from './flow-table.ts';
import { connState, Ep, seqLt, updateEndpoints } from './tcp-state.ts';
import { FlowStore, viewFlows, type PackedFlows } from './packed-flows.ts';

export const NO_FLOW = 0xffffffff;

/** Bits of the per-packet `flags` column. */
export const P_MALFORMED = 1;
export const P_KEEPALIVE = 2;
export const P_RETRANS = 4;
export const P_COOKIE = 8;
export const P_FRAGMENT = 16;
/** Sent by the canonical side B of its flow (see FlowTable). */
export const P_SIDE_B = 32;
export const P_PAYLOAD_HASH = 64;

/** Ports that name a service: a side using one of these (and not the other) is the server. */
const SERVICE_PORTS = new Set([
  20, 21, 22, 23, 25, 53, 67, 69, 80, 88, 110, 123, 135, 137, 139, 143, 161, 179, 389, 443, 445, 465, 514, 587,
  636, 993, 995, 1433, 1521, 1812, 3128, 3306, 3389, 5060, 5432, 5900, 6379, 8000, 8080, 8443, 9200,
]);
function servicePort(p: number): boolean {
  return p < 1024 || SERVICE_PORTS.has(p);
}

/**
 * Slots of PointFlow.s (each holds side A, then side B): packets, IP bytes and payload bytes;
 * Wireshark's next expected sequence number (-1 none); Zeek's start_seq and last_seq (-1 not
 * initialised); the sequence numbers of the last SYN, FIN and RST (for repeated letters); the
 * history letters seen (bit mask); Zeek's retransmission and zero-window counts.
 */
export const enum S {
  Packets = 0,
  Bytes = 2,
  Payload = 4,
  NextSeq = 6,
  StartSeq = 8,
  LastSeq = 10,
  LastSyn = 12,
  LastFin = 14,
  LastRst = 16,
  Seen = 18,
  Retrans = 20,
  ZeroWindow = 22,
}

/** Slots of a flow's numbers in PackedFlows.nums (and FlowStore.nums). */
export const enum N {
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
  /** PointFlow.s: N.Ep - N.S numbers. */
  S = 10,
  Ep = 34,
  Prev = 36,
  KeepAlives = 38,
  Retransmissions = 39,
  ReportsOn = 40,
  Count = 41,
}
/**
 * A flow's slots (see S), as an array of unboxed doubles from the start: sequence numbers past
 * 2^31 are not small integers, and an array that changed its element kind on some flows but not
 * on others would make every access to it polymorphic.
 */
function newSlots(): number[] {
  const s = [0.5, 0, 0, 0, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  s[0] = 0;
  return s;
}

/** A new flow's slots (see S): what FlowStore.add puts in a new row. */
export const SLOTS_AT_START = Float64Array.from(newSlots());

/** Per-flow state at one capture point. Flows are far fewer than packets. */
export class PointFlow {
  /** Which canonical side is the client: 0 = A, 1 = B. */
  clientSide = 0;
  /** True once a SYN or SYN-ACK fixed the client. */
  clientKnown = false;
  /** Canonical side of the sender of the first packet seen here (Zeek's '^' when not the client). */
  firstSide = 0;
  firstRow = 0;
  lastRow = 0;
  firstT = 0;
  lastT = 0;
  /**
   * Per-side counters and sequence state in one array (one allocation per flow instead of a
   * dozen): s[S.X + side], side 0 = A, 1 = B. See `S` for the slots.
   */
  readonly s: number[] = newSlots();
  /** Zeek endpoint states per side and the state before the last change (Zeek's prev_state). */
  readonly ep: [Ep, Ep] = [Ep.Inactive, Ep.Inactive];
  readonly prev: [Ep, Ep] = [Ep.Inactive, Ep.Inactive];
  /** History letters in canonical case (side A upper): rendered per client at the end. */
  history = '';
  keepAlives = 0;
  retransmissions = 0;
  cookies: number[] | null = null;
  /** The row (of this capture) from which each of `cookies` was seen. */
  cookieFrom: number[] | null = null;
  /** ICMP errors: the key (KEY_WORDS words) of the flow the first error reports on. */
  reportsOn: Uint32Array | null = null;
  constructor(
    readonly id: number,
    readonly version: number,
    readonly proto: number,
  ) {}
}

/**
 * What the analysis reads of a flow at one capture point: a PointFlow, or a PackedPointFlow (a
 * view of a packed flow table, in the analysis workers). Only `clientSide` is set afterwards.
 */
export interface FlowState {
  readonly id: number;
  readonly version: number;
  readonly proto: number;
  clientSide: number;
  readonly clientKnown: boolean;
  readonly firstSide: number;
  readonly firstRow: number;
  readonly lastRow: number;
  readonly firstT: number;
  readonly lastT: number;
  readonly s: ArrayLike<number>;
  readonly ep: ArrayLike<Ep>;
  readonly prev: ArrayLike<Ep>;
  readonly history: string;
  readonly keepAlives: number;
  readonly retransmissions: number;
  readonly cookies: readonly number[] | null;
  /** The row (of this capture) from which each of `cookies` was seen: cookieAt(). */
  readonly cookieFrom: readonly number[] | null;
  readonly reportsOn: Uint32Array | null;
}

export interface IndexedCapture {
  format: CaptureFormat | null;
  linkTypes: number[];
  packets: number;
  bytesRead: number;
  malformed: number;
  undecodedLinkTypes: Record<string, number>;
  errors: CaptureIssue[];
  /** Times are nanoseconds relative to baseSec (exact integers in a float64). */
  baseSec: number;
  tNs: Float64Array;
  flow: Uint32Array;
  flags: Uint8Array;
  tcpFlags: Uint16Array;
  seq: Uint32Array;
  ack: Uint32Array;
  len: Uint32Array;
  ipId: Int32Array;
  hash: Uint32Array;
  cookie: Uint32Array;
  wireLen: Uint32Array;
  fileOffset: Float64Array;
  flows: FlowState[];
  /** Set instead of `flows` while the index travels between threads (packIndex / unpackIndex). */
  packedFlows?: PackedFlows;
  /** KEY_WORDS words per flow. */
  flowKeys: Uint32Array;
  /** Rows grouped by flow, each group in time order: rows[rowStart[f] .. rowStart[f + 1]). */
  rowStart: Int32Array;
  rows: Int32Array;
  /**
   * What the analysis reads of every row, in the grouped order of `rows` (so that a flow's
   * packets lie side by side, not scattered through the capture): time (as tNs), signature
   * (packetSignature: seq, ack, TCP flags, length, payload hash in one word), IP ID, and TCP flags
   * | per-packet flags << 16.
   */
  groupT: Float64Array;
  groupSig: Uint32Array;
  groupIpId: Int32Array;
  groupBits: Int32Array;
  /**
   * A lean index (for `analyze`, which reads only the grouped columns) has the per-packet columns
   * empty: tNs, flow, flags, tcpFlags, seq, ack, len, ipId, hash, cookie, wireLen, fileOffset.
   */
  lean?: boolean;
  /** Earliest and latest packet time (tNs), and the sum of wire lengths. */
  firstNs: number;
  lastNs: number;
  wireBytes: number;
}

/**
 * The index as the analysis reads it (a lean index, see IndexedCapture.lean): the flows and the
 * columns grouped by flow, without the per-packet columns only the views and exports read (24 of
 * ~75 bytes a packet). What the app's index workers hand to its analysis worker.
 */
export function leanView(ix: IndexedCapture): IndexedCapture {
  const u32 = new Uint32Array(0);
  const f64 = new Float64Array(0);
  return { ...ix, tNs: f64, flow: u32, flags: new Uint8Array(0), tcpFlags: new Uint16Array(0), seq: u32, ack: u32, len: u32, ipId: new Int32Array(0), hash: u32, cookie: u32, wireLen: u32, fileOffset: f64, lean: true };
}

/**
 * Every typed array of an index that a worker can transfer instead of copying (columns in
 * shared memory are shared by postMessage anyway and cannot be transferred).
 */
export function transferables(ix: IndexedCapture): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const p = ix.packedFlows;
  const packed = p ? [p.nums, p.histStart, p.cookies, p.cookieFrom, p.cookieStart, p.reportsOn] : [];
  for (const a of [ix.tNs, ix.flow, ix.flags, ix.tcpFlags, ix.seq, ix.ack, ix.len, ix.ipId, ix.hash, ix.cookie, ix.wireLen, ix.fileOffset, ix.flowKeys, ix.rowStart, ix.rows, ix.groupT, ix.groupSig, ix.groupIpId, ix.groupBits, ...packed]) {
    if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  }
  return [...out];
}

export type Column = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
export type ColumnCtor<T extends Column> = { new (n: number): T; new (b: ArrayBufferLike): T; BYTES_PER_ELEMENT: number };

/** A zeroed column of n elements, in shared memory when `shared` (for several worker threads). */
export function column<T extends Column>(ctor: ColumnCtor<T>, n: number, shared: boolean): T {
  return shared ? new ctor(new SharedArrayBuffer(n * ctor.BYTES_PER_ELEMENT)) : new ctor(n);
}

/**
 * Groups a capture's rows by flow (counting sort), each group sorted by time, with the grouped
 * copies of the columns the analysis reads. One pass in file order: the reads are sequential and
 * the writes go to one place per flow.
 */
function groupRows(
  n: number,
  c: GroupSource & { flow: Uint32Array },
  /** packetSignature of each row when known (lean indexes), else made from c's columns. */
  sig: Uint32Array | null,
  flowCount: number,
  shared = false,
): Groups {
  // Each pass is a function of its own: V8 compiles a long loop while it runs (OSR), and code
  // after it in the same function, not run yet, threw that compiled loop away (see
  // docs/decisions.md, "Code shaped so V8 compiles it once").
  const rowStart = column(Int32Array, flowCount + 1, shared);
  countRows(c.flow, n, rowStart, flowCount);
  const m = rowStart[flowCount];
  const g: Groups = {
    rowStart,
    rows: column(Int32Array, m, shared),
    groupT: column(Float64Array, m, shared),
    groupSig: column(Uint32Array, m, shared),
    groupIpId: column(Int32Array, m, shared),
    groupBits: column(Int32Array, m, shared),
  };
  fillGroups(g, c, sig, n, flowCount);
  sortGroups(g, c, sig, flowCount);
  return g;
}

export type Groups = { rowStart: Int32Array; rows: Int32Array; groupT: Float64Array; groupSig: Uint32Array; groupIpId: Int32Array; groupBits: Int32Array };

/** rowStart[f] = the first grouped position of flow f (rowStart[flowCount] = rows with a flow). */
function countRows(flow: Uint32Array, n: number, rowStart: Int32Array, flowCount: number): void {
  countPerFlow(flow, n, rowStart);
  runningSums(rowStart, flowCount);
}

// Each loop is the whole of its function, with nothing after it that needs type feedback (a call,
// a store): V8 compiles such a loop while it runs (on the stack), and code after it that had not
// run yet threw the compiled loop away at the end of every thread's first file.
function countPerFlow(flow: Uint32Array, n: number, rowStart: Int32Array): void {
  for (let i = 0; i < n; i++) if (flow[i] !== NO_FLOW) rowStart[flow[i] + 1]++;
}

/** rowStart[f + 1] += rowStart[f] for f < flowCount: counts made starting positions. */
export function runningSums(rowStart: Int32Array, flowCount: number): void {
  for (let f = 0; f < flowCount; f++) rowStart[f + 1] += rowStart[f];
}

/** Each row's fields at its flow's next grouped position (rows in file order). */
function fillGroups(g: Groups, c: GroupSource & { flow: Uint32Array }, sig: Uint32Array | null, n: number, flowCount: number): void {
  const { flow } = c;
  const rows = g.rows;
  const fill = g.rowStart.slice(0, flowCount);
  for (let i = 0; i < n; i++) {
    const f = flow[i];
    if (f === NO_FLOW) continue;
    const p = fill[f]++;
    rows[p] = i;
    groupAt(g, p, c, sig, i);
  }
}

/** Files are nearly in time order; the receive stage may be slightly out of order: sorts those flows' rows. */
function sortGroups(g: Groups, c: GroupSource, sig: Uint32Array | null, flowCount: number): void {
  const { rowStart, rows, groupT } = g;
  const t = c.tNs;
  for (let f = 0; f < flowCount; f++) {
    const s = rowStart[f];
    const e = rowStart[f + 1];
    for (let k = s + 1; k < e; k++) {
      if (groupT[k] < groupT[k - 1]) {
        if (!insertionSort(rows, t, s, e)) rows.subarray(s, e).sort((a, b) => t[a] - t[b] || a - b);
        for (let q = s; q < e; q++) groupAt(g, q, c, sig, rows[q]);
        break;
      }
    }
  }
}

/**
 * rows[s..e) (row numbers, in file order) sorted by (time, row) in place by insertion: a flow's
 * rows are nearly in time order (a receive stage swaps a few neighbours), which this sorts in
 * about linear time without calling a comparator. Gives up (false, rows left in some order) past
 * a budget of moves, so that rows far out of order cannot take quadratic time.
 */
function insertionSort(rows: Int32Array, t: Float64Array, s: number, e: number): boolean {
  let budget = 16 * (e - s) + 256;
  for (let i = s + 1; i < e; i++) {
    const r = rows[i];
    const tr = t[r];
    let j = i - 1;
    while (j >= s) {
      const q = rows[j];
      const tq = t[q];
      if (tq < tr || (tq === tr && q < r)) break;
      rows[j + 1] = q;
      j--;
      if (--budget < 0) {
        // The row back in the gap: still a permutation, for the full sort to finish.
        rows[j + 1] = r;
        return false;
      }
    }
    rows[j + 1] = r;
  }
  return true;
}

type GroupSource = { tNs: Float64Array; tcpFlags: Uint16Array; flags: Uint8Array; seq: Uint32Array; ack: Uint32Array; len: Uint32Array; hash: Uint32Array; ipId: Int32Array };

function groupAt(
  g: { groupT: Float64Array; groupSig: Uint32Array; groupIpId: Int32Array; groupBits: Int32Array },
  p: number,
  c: GroupSource,
  sig: Uint32Array | null,
  i: number,
): void {
  g.groupT[p] = c.tNs[i];
  g.groupSig[p] = sig ? sig[i] : packetSignature(c.seq[i], c.ack[i], c.tcpFlags[i], c.len[i], c.hash[i]);
  g.groupIpId[p] = c.ipId[i];
  g.groupBits[p] = c.tcpFlags[i] | (c.flags[i] << 16);
}

/** Bytes per row of a lean index's transient columns: tNs, flow, ipId, sig, tcpFlags, flags. */
const TRANSIENT_ROW_BYTES = 23;
/** Above glibc's largest dynamic mmap threshold (32 MiB on 64-bit): see CaptureIndexer.transient. */
const TRANSIENT_MIN_BYTES = 33 << 20;

/** A lean index's transient columns: views of one block (see CaptureIndexer.transient). */
export interface Transient {
  block: ArrayBuffer;
  /** Rows the block is laid out for. */
  rows: number;
  tNs: Float64Array<ArrayBuffer>;
  flow: Uint32Array<ArrayBuffer>;
  ipId: Int32Array<ArrayBuffer>;
  sig: Uint32Array<ArrayBuffer>;
  tcpFlags: Uint16Array<ArrayBuffer>;
  flags: Uint8Array<ArrayBuffer>;
}

/** The transient columns in `block`, `cap` rows each (each column at a fixed place). */
function carveTransient(block: ArrayBuffer, cap: number): Transient {
  const rows = block.byteLength / TRANSIENT_ROW_BYTES;
  return {
    block,
    rows,
    tNs: new Float64Array(block, 0, cap),
    flow: new Uint32Array(block, 8 * rows, cap),
    ipId: new Int32Array(block, 12 * rows, cap),
    sig: new Uint32Array(block, 16 * rows, cap),
    tcpFlags: new Uint16Array(block, 20 * rows, cap),
    flags: new Uint8Array(block, 22 * rows, cap),
  };
}

/**
 * Transient columns of `cap` rows: in `old`'s block while it has room (nothing moves), else in a
 * new block (at least TRANSIENT_MIN_BYTES, see CaptureIndexer.transient) with `old`'s first `keep`
 * rows, `old`'s block given back at once. `empty`: a new block of `cap` rows only (columns no one fills).
 */
export function transientColumns(old: Transient | null, keep: number, cap: number, empty = false): Transient {
  if (old && cap <= old.rows) return carveTransient(old.block, cap);
  const rows = empty ? cap : Math.max(cap, Math.ceil(TRANSIENT_MIN_BYTES / TRANSIENT_ROW_BYTES));
  const t = carveTransient(new ArrayBuffer(rows * TRANSIENT_ROW_BYTES), cap);
  if (old) {
    for (const k of ['tNs', 'flow', 'ipId', 'sig', 'tcpFlags', 'flags'] as const) (t[k] as Uint8Array).set((old[k] as Uint8Array).subarray(0, keep));
    release(old.block);
  }
  return t;
}

/** Bits of the history letters in S.Seen, by upper-case character code. */
const HIST_BIT = new Int32Array(128);
for (let k = 0; k < 10; k++) HIST_BIT['SHADFRTWQI'.charCodeAt(k)] = 1 << k;
/** History letters (Zeek's, see tcp-state.ts) as upper-case character codes. */
const enum L {
  S = 0x53,
  H = 0x48,
  A = 0x41,
  D = 0x44,
  F = 0x46,
  R = 0x52,
  T = 0x54,
  W = 0x57,
  Q = 0x51,
  I = 0x49,
}
/** Slot of S's slot k in a FlowStore row. */
const enum F {
  Packets = N.S + S.Packets,
  Bytes = N.S + S.Bytes,
  Payload = N.S + S.Payload,
  NextSeq = N.S + S.NextSeq,
  StartSeq = N.S + S.StartSeq,
  LastSeq = N.S + S.LastSeq,
  LastSyn = N.S + S.LastSyn,
  LastFin = N.S + S.LastFin,
  LastRst = N.S + S.LastRst,
  Seen = N.S + S.Seen,
  Retrans = N.S + S.Retrans,
  ZeroWindow = N.S + S.ZeroWindow,
}

export class CaptureIndexer implements RecordSink {
  private readonly reader: CaptureReader;
  private readonly d = new Decoded();
  private readonly table = new FlowTable();
  /** The capture point's flows, packed from the start (no object per flow). */
  readonly flows: FlowStore;
  private n = 0;
  private cap = 0;
  private baseSec = NaN;
  private tNs = new Float64Array(0);
  private flow = new Uint32Array(0);
  private flags = new Uint8Array(0);
  private tcpFlags = new Uint16Array(0);
  private seq = new Uint32Array(0);
  private ack = new Uint32Array(0);
  private len = new Uint32Array(0);
  private ipId = new Int32Array(0);
  private hash = new Uint32Array(0);
  /** Lean indexes: packetSignature instead of seq, ack, len and hash. */
  private sig = new Uint32Array(0);
  private cookie = new Uint32Array(0);
  private wireLen = new Uint32Array(0);
  private fileOffset = new Float64Array(0);
  private malformed = 0;
  /** Byte counts start as NaN, a double, and the constructor zeroes them (see Decoded's constructor). */
  private wireBytes = NaN;
  private readonly undecoded: Record<string, number> = {};
  private readonly errors: CaptureIssue[] = [];
  bytesRead = NaN;
  /** Size of the whole input when known (0 = unknown): the columns are sized once from it. */
  private expected = NaN;
  private sized = false;
  /** Lean indexes: the memory of the columns dropped once grouped (see transient()). */
  private tr: Transient | null = null;

  /**
   * `shared`: columns in SharedArrayBuffers, so that several worker threads can read the index
   * without copies (Node's analysis workers); plain ArrayBuffers otherwise (transferable).
   * `fast`: common packets through the index's fast decoder (decodeForIndex); false: every
   * packet through the full decoder (the reference, for tests).
   */
  constructor(
    private readonly shared = false,
    private readonly fast = true,
    /** A lean index (see IndexedCapture.lean): the columns only the app and export read are not kept. */
    private readonly lean = false,
  ) {
    this.wireBytes = 0;
    this.bytesRead = 0;
    this.expected = 0;
    this.flows = new FlowStore(shared);
    this.grow(65536);
    // The indexer is its reader's sink: the reader's call to record() then has one target in
    // every indexer of a thread, where a closure per indexer made V8 throw away the optimized
    // reading path at each new file and compile it again.
    this.reader = new CaptureReader(this);
  }

  /** RecordSink: a fatal problem (the reader stops). */
  fatal(issue: CaptureIssue): void {
    this.errors.push(issue);
  }

  /** RecordSink: a problem the reader went on after (the first 100 are kept). */
  warning(issue: CaptureIssue): void {
    if (this.errors.length < 100) this.errors.push(issue);
  }

  get packets(): number {
    return this.n;
  }

  /**
   * The input's size, when known (a regular file): after the first chunk the columns are sized
   * for the whole input from its packets per byte (+10 %) instead of being doubled and copied as
   * they fill; doubling remains the fallback if the estimate runs out.
   */
  expectBytes(total: number): void {
    if (total > 0) this.expected = total;
  }

  push(chunk: Uint8Array): boolean {
    this.bytesRead += chunk.length;
    const more = this.reader.push(chunk);
    if (!this.sized && this.expected > this.bytesRead && this.n >= 256) {
      this.sized = true;
      const est = Math.ceil((this.n / this.bytesRead) * this.expected * 1.1) + 1024;
      if (est > this.cap) this.grow(est, true);
    }
    return more;
  }

  /** Room for at least `min` rows: exactly `min` when `exact`, else doubling. */
  private grow(min: number, exact = false): void {
    let cap = this.cap || 65536;
    if (exact) cap = Math.max(cap, min);
    else while (cap < min) cap *= 2;
    if (cap === this.cap) return;
    const g = <T extends Column>(old: T, ctor: ColumnCtor<T>, shared = this.shared): T => {
      const a = column(ctor, cap, shared);
      a.set(old.subarray(0, this.n) as ArrayLike<number> & T);
      return a;
    };
    if (this.lean) this.transient(cap);
    else {
      this.tNs = g(this.tNs, Float64Array);
      this.flow = g(this.flow, Uint32Array);
      this.flags = g(this.flags, Uint8Array);
      this.tcpFlags = g(this.tcpFlags, Uint16Array);
      this.ipId = g(this.ipId, Int32Array);
      this.cookie = g(this.cookie, Uint32Array);
      this.seq = g(this.seq, Uint32Array);
      this.ack = g(this.ack, Uint32Array);
      this.len = g(this.len, Uint32Array);
      this.hash = g(this.hash, Uint32Array);
      this.wireLen = g(this.wireLen, Uint32Array);
      this.fileOffset = g(this.fileOffset, Float64Array);
    }
    this.cap = cap;
  }

  /**
   * A lean index drops these columns once grouped, so they never leave this thread: they live in
   * one block of plain memory, released at once by finish(). The block is at least
   * TRANSIENT_MIN_BYTES: glibc maps an allocation that large on its own and unmaps it when it is
   * freed, whereas smaller ones come from its heaps, which keep freed memory (measured: ~50 MB
   * more peak RSS at 2 GB). Untouched pages of the block take no memory. Each column sits at a
   * fixed place in the block, so growing within it moves nothing.
   */
  private transient(cap: number): void {
    const t = (this.tr = transientColumns(this.tr, this.n, cap));
    this.tNs = t.tNs;
    this.flow = t.flow;
    this.ipId = t.ipId;
    this.sig = t.sig;
    this.tcpFlags = t.tcpFlags;
    this.flags = t.flags;
  }

  /** RecordSink: one packet record. */
  record(rec: PacketRecord): void {
    const i = this.n;
    if (i >= this.cap) this.grow(i + 1);
    this.n = i + 1;
    if (this.baseSec !== this.baseSec) this.baseSec = rec.tsSec;
    const t = (rec.tsSec - this.baseSec) * 1e9 + rec.tsNsec;
    this.tNs[i] = t;
    this.wireBytes += rec.origLen;
    if (!this.lean) {
      this.wireLen[i] = rec.origLen;
      this.fileOffset[i] = rec.fileOffset;
    }
    if (!isDecodedLinkType(rec.linkType)) {
      const k = String(rec.linkType);
      this.undecoded[k] = (this.undecoded[k] ?? 0) + 1;
      this.flow[i] = NO_FLOW;
      this.flags[i] = 0;
      this.tcpFlags[i] = 0;
      this.ipId[i] = -1;
      if (this.lean) this.sig[i] = 0;
      else {
        this.cookie[i] = 0;
        this.seq[i] = 0;
        this.ack[i] = 0;
        this.len[i] = 0;
        this.hash[i] = 0;
      }
      return;
    }
    const d =
      this.fast && decodeForIndex(this.d, rec.linkType, rec.bytes, rec.offset, rec.capLen, rec.origLen)
        ? this.d
        : decodePacket(this.d, rec.linkType, rec.bytes, rec.offset, rec.capLen, rec.origLen);
    let f = 0;
    if (d.malformed !== null) {
      f |= P_MALFORMED;
      this.malformed++;
    }
    if (d.fragment) f |= P_FRAGMENT;
    if (d.flowCookie !== -1) f |= P_COOKIE;
    if (!this.lean) this.cookie[i] = d.flowCookie === -1 ? 0 : d.flowCookie;
    this.ipId[i] = d.ipId;
    const tcpFlags = d.ipProto === 6 ? d.tcpFlags : 0;
    const len = d.ipProto === 6 ? d.tcpLen : d.ipLen;
    this.tcpFlags[i] = tcpFlags;
    // Payload hash: with seq, ack, flags, length and IP ID it tells segments apart across
    // stages, without hashing whole payloads in the hot path (payloadHash).
    let h = 0;
    if (d.payloadCapLen > 0) {
      h = payloadHash(rec.bytes, d.payloadOff, d.payloadCapLen);
      f |= P_PAYLOAD_HASH;
    }
    if (this.lean) this.sig[i] = packetSignature(d.tcpSeq, d.tcpAck, tcpFlags, len, h);
    else {
      this.seq[i] = d.tcpSeq;
      this.ack[i] = d.tcpAck;
      this.len[i] = len;
      this.hash[i] = h;
    }
    if (d.ipVersion === 0) {
      this.flow[i] = NO_FLOW;
      this.flags[i] = f;
      return;
    }
    const side = this.keyFor(d, rec.bytes);
    const id = this.table.lookupOrAdd();
    const st = this.flows;
    const o = id * N.Count;
    if (this.table.lastWasNew) {
      st.add(d.ipVersion, d.ipProto);
      const a = st.nums;
      a[o + N.FirstRow] = i;
      a[o + N.FirstT] = t;
      a[o + N.FirstSide] = side;
      // Until a SYN or SYN-ACK says otherwise (tcp() below): the side on a service port is the
      // server, else the sender of the first packet. As Zeek's TCPAnalyzer::WantConnection: when
      // both ports name a service, the side with the higher port is the client.
      const sp = servicePort(d.srcPort);
      const dp = servicePort(d.dstPort);
      const senderIsServer = sp && (!dp || d.srcPort < d.dstPort);
      a[o + N.ClientSide] = senderIsServer ? 1 - side : side;
    }
    const a = st.nums;
    if (side === 1) f |= P_SIDE_B;
    this.flow[i] = id;
    a[o + N.LastRow] = i;
    if (t > a[o + N.LastT]) a[o + N.LastT] = t;
    if (t < a[o + N.FirstT]) a[o + N.FirstT] = t;
    a[o + F.Packets + side]++;
    a[o + F.Bytes + side] += d.ipLen;
    if (d.flowCookie !== -1) st.cookie(id, d.flowCookie >>> 0, i);
    if (d.quotedProto >= 0 && (d.ipProto === 1 || d.ipProto === 58) && !st.hasReport(id)) {
      const k = quotedKey(d, rec.bytes);
      if (k) st.report(id, k);
    }
    if (d.tcpOk) f |= this.tcp(a, o, id, side, d);
    else if (d.ipProto !== 6) {
      a[o + F.Payload + side] += d.ipLen;
      // Zeek's UDP history: D / d for the first datagram of each side.
      if (d.ipProto === 17) this.letter(a, o, id, side, L.D);
    }
    this.flags[i] = f;
  }

  /** Fills the table's probe key; returns the side (0 = A, 1 = B) of the packet's sender. */
  private keyFor(d: Decoded, b: Uint8Array): number {
    const k = this.table.probe;
    const words = d.ipVersion === 4 ? 1 : 4;
    // Compare (src addr, src port) with (dst addr, dst port) to order the sides.
    let cmp = 0;
    for (let w = 0; w < words && cmp === 0; w++) {
      const s = readWord(b, d.srcAddrOff + 4 * w) >>> 0;
      const t = readWord(b, d.dstAddrOff + 4 * w) >>> 0;
      cmp = s < t ? -1 : s > t ? 1 : 0;
    }
    if (cmp === 0) cmp = d.srcPort < d.dstPort ? -1 : d.srcPort > d.dstPort ? 1 : 0;
    const aOff = cmp <= 0 ? d.srcAddrOff : d.dstAddrOff;
    const bOff = cmp <= 0 ? d.dstAddrOff : d.srcAddrOff;
    k[0] = (d.ipVersion << 8) | (d.ipProto & 0xff);
    for (let w = 0; w < 4; w++) {
      k[1 + w] = w < words ? readWord(b, aOff + 4 * w) : 0;
      k[5 + w] = w < words ? readWord(b, bOff + 4 * w) : 0;
    }
    const pa = cmp <= 0 ? d.srcPort : d.dstPort;
    const pb = cmp <= 0 ? d.dstPort : d.srcPort;
    k[9] = ((pa << 16) | pb) >>> 0;
    return cmp <= 0 ? 0 : 1;
  }

  /**
   * A history letter (upper-case code) once per side (Zeek's CheckHistory), and again when
   * `again` (Zeek's AddHistory).
   */
  private letter(a: Float64Array, o: number, id: number, side: number, upper: number, again = false): void {
    const bit = HIST_BIT[upper];
    if (!(a[o + F.Seen + side] & bit)) a[o + F.Seen + side] |= bit;
    else if (!again) return;
    this.flows.letter(id, side, upper);
  }

  /** Appends a scaled letter (Zeek's ScaledHistoryEntry): at the 1st, 10th, 100th, 1000th... time. */
  private scaled(id: number, side: number, upper: number, n: number): void {
    let t = 1;
    while (t < n) t *= 10;
    if (t === n) this.flows.letter(id, side, upper);
  }

  /**
   * TCP state, history, keep-alive and retransmission marks for one segment. History and endpoint
   * states follow Zeek's TCPSessionAdapter::Process; the returned per-packet marks follow
   * Wireshark's tcp.analysis.keep_alive / .retransmission.
   */
  private tcp(a: Float64Array, o: number, id: number, x: number, d: Decoded): number {
    const y = 1 - x;
    const fl8 = d.tcpFlags;
    const syn = (fl8 & TCP_SYN) !== 0;
    const ack = (fl8 & TCP_ACK) !== 0;
    const fin = (fl8 & TCP_FIN) !== 0;
    const rst = (fl8 & TCP_RST) !== 0;
    const len = d.tcpLen;
    const seq = d.tcpSeq >>> 0;
    let mark = 0;

    // The client: a SYN-ACK's receiver at once; a SYN's sender at once when it opens the flow
    // here, else after the state machine (Zeek flips the roles there: SYN/SYN-ACK reversal).
    if (syn && a[o + N.ClientKnown] === 0 && (ack || a[o + F.Packets] + a[o + F.Packets + 1] === 1)) {
      a[o + N.ClientSide] = ack ? y : x;
      a[o + N.ClientKnown] = 1;
    }
    const isOrig = x === a[o + N.ClientSide];
    const ep = o + N.Ep;

    // Zeek's init_endpoint: (re)start the sender's sequence space.
    const segLen = (rst ? 0 : len) + (syn ? 1 : 0) + (fin ? 1 : 0);
    const end = (seq + segLen) >>> 0;
    const st = a[ep + x];
    if (st === Ep.Inactive) {
      a[o + F.StartSeq + x] = syn ? seq : (seq - 1) >>> 0;
      a[o + F.LastSeq + x] = syn ? end : seq;
    } else if (syn && (st === Ep.SynSent || st === Ep.SynAckSent ? seq !== a[o + F.StartSeq + x] : st === Ep.Established || st === Ep.Partial || (st === Ep.Reset && a[o + N.Prev + x] === Ep.Inactive))) {
      a[o + F.StartSeq + x] = seq;
      a[o + F.LastSeq + x] = end;
    }

    // History (Zeek's update_history): one letter per kind and side, S/H/F/R again on a new seq.
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) this.letter(a, o, id, x, fin && rst ? L.I : L.Q);
    else if (bits === 1) {
      if (syn) {
        const c = ack ? L.H : L.S;
        this.letter(a, o, id, x, c, seq !== a[o + F.LastSyn + x]);
        a[o + F.LastSyn + x] = seq;
      } else if (fin) {
        const e = (seq + len) >>> 0;
        this.letter(a, o, id, x, L.F, e !== a[o + F.LastFin + x]);
        a[o + F.LastFin + x] = e;
      } else {
        this.letter(a, o, id, x, L.R, seq !== a[o + F.LastRst + x]);
        a[o + F.LastRst + x] = seq;
      }
    } else if (len > 0) this.letter(a, o, id, x, L.D);
    else if (ack) this.letter(a, o, id, x, L.A);

    // Zero window (Zeek's update_window): not with a RST, not after the peer's FIN or own RST.
    if (d.tcpWindow === 0 && !rst && a[ep + y] !== Ep.Closed && a[ep + x] !== Ep.Reset) {
      this.scaled(id, x, L.W, ++a[o + F.ZeroWindow + x]);
    }
    a[o + F.Payload + x] += len;

    // Retransmission as Zeek counts it (update_last_seq): payload ending at or before the highest
    // sequence number this side has sent.
    const last = a[o + F.LastSeq + x] >>> 0;
    const delta = (end - last) | 0;
    if ((syn || rst) && (delta > 1048576 || delta < -1048576)) {
      // untrusted jump
    } else if (fin && last === ((a[o + F.StartSeq + x] + 1) >>> 0)) a[o + F.LastSeq + x] = end;
    else if (a[ep + x] === Ep.Reset) {
      // no sequence numbers trusted after a RST
    } else if (delta > 0) a[o + F.LastSeq + x] = end;
    else if (len > 0) this.scaled(id, x, L.T, ++a[o + F.Retrans + x]);

    // Keep-alive and retransmission marks (Wireshark tcp.analysis.keep_alive / .retransmission).
    const wsLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
    const next = a[o + F.NextSeq + x];
    if (next >= 0 && !rst) {
      const expected = next >>> 0;
      if (len <= 1 && !syn && !fin && ((seq + 1) >>> 0) === expected) {
        mark |= P_KEEPALIVE;
        a[o + N.KeepAlives]++;
      } else if (wsLen > 0 && seqLt(seq, expected)) {
        mark |= P_RETRANS;
        a[o + N.Retransmissions]++;
      }
    }
    if (!rst && (wsLen > 0 || next < 0)) {
      const e = (seq + wsLen) >>> 0;
      if (next < 0 || seqLt(next >>> 0, e)) a[o + F.NextSeq + x] = e;
    }

    // Endpoint states (Zeek's UpdateStateMachine); a SYN/SYN-ACK reversal makes the SYN sender
    // the client, which the SYN rule below does anyway.
    updateEndpoints(a, ep, o + N.Prev, x, isOrig, syn, ack, fin, rst, len);
    if (syn && !ack && a[o + N.ClientKnown] === 0) {
      a[o + N.ClientSide] = x;
      a[o + N.ClientKnown] = 1;
    }
    return mark;
  }

  private keyColumn(): Uint32Array {
    const words = this.table.count * KEY_WORDS;
    const out = column(Uint32Array, words, this.shared);
    out.set(this.table.keys.subarray(0, words));
    return out;
  }

  /** Finishes reading and hands over the index (columns trimmed to the packets read). */
  finish(): IndexedCapture {
    this.reader.end();
    const n = this.n;
    // Each column as a view of its first n rows, no copy: the rows past n were never written, so
    // their pages were never touched and take no memory (zeroed allocations are mapped lazily).
    // But postMessage copies a plain (not shared) buffer whole, spare rows too: when more than an
    // eighth is spare (the columns grew by doubling), a trimmed copy is handed over instead.
    const view = this.shared || this.lean || this.cap - n <= this.cap / 8;
    const trim = <T extends { subarray(a: number, b: number): T; slice(a: number, b: number): T }>(take: () => T, drop: () => void): T => {
      const out = view ? take().subarray(0, n) : take().slice(0, n);
      drop();
      return out;
    };
    const c = {
      tNs: trim(() => this.tNs, () => (this.tNs = new Float64Array(0))),
      flow: trim(() => this.flow, () => (this.flow = new Uint32Array(0))),
      flags: trim(() => this.flags, () => (this.flags = new Uint8Array(0))),
      tcpFlags: trim(() => this.tcpFlags, () => (this.tcpFlags = new Uint16Array(0))),
      seq: trim(() => this.seq, () => (this.seq = new Uint32Array(0))),
      ack: trim(() => this.ack, () => (this.ack = new Uint32Array(0))),
      len: trim(() => this.len, () => (this.len = new Uint32Array(0))),
      ipId: trim(() => this.ipId, () => (this.ipId = new Int32Array(0))),
      hash: trim(() => this.hash, () => (this.hash = new Uint32Array(0))),
      cookie: this.lean ? new Uint32Array(0) : trim(() => this.cookie, () => (this.cookie = new Uint32Array(0))),
      wireLen: this.lean ? new Uint32Array(0) : trim(() => this.wireLen, () => (this.wireLen = new Uint32Array(0))),
      fileOffset: this.lean ? new Float64Array(0) : trim(() => this.fileOffset, () => (this.fileOffset = new Float64Array(0))),
    };
    const sig = this.lean ? trim(() => this.sig, () => (this.sig = new Uint32Array(0))) : null;
    const block = this.tr?.block;
    this.tr = null;
    this.cap = 0;
    return assembleIndex({
      format: this.reader.format,
      linkTypes: this.reader.linkTypes.slice(),
      n,
      bytesRead: this.bytesRead,
      malformed: this.malformed,
      undecoded: this.undecoded,
      errors: this.errors,
      baseSec: this.baseSec,
      wireBytes: this.wireBytes,
      c,
      sig,
      flows: this.flows,
      keys: this.keyColumn(),
      shared: this.shared,
      lean: this.lean,
      drop: () => {
        if (block) release(block);
      },
    });
  }
}

/** What an index is made of once its records are read (CaptureIndexer.finish, the WebAssembly core). */
export interface IndexParts {
  format: CaptureFormat | null;
  linkTypes: number[];
  n: number;
  bytesRead: number;
  malformed: number;
  undecoded: Record<string, number>;
  errors: CaptureIssue[];
  /** NaN when no record was read. */
  baseSec: number;
  wireBytes: number;
  /** The least and greatest of c.tNs when the reader kept them (else worked out from the column). */
  firstNs?: number;
  lastNs?: number;
  /** The columns, n rows each (lean: only tNs, flow, flags, tcpFlags and ipId have rows). */
  c: GroupSource & { flow: Uint32Array; seq: Uint32Array; ack: Uint32Array; len: Uint32Array; hash: Uint32Array; cookie: Uint32Array; wireLen: Uint32Array; fileOffset: Float64Array };
  /** packetSignature of each row (lean indexes). */
  sig: Uint32Array | null;
  flows: FlowStore;
  /** KEY_WORDS words per flow, a column of its own. */
  keys: Uint32Array;
  shared: boolean;
  lean: boolean;
  /** Lean: gives back the memory of the columns only the grouping reads, once it is done. */
  drop: () => void;
  /** The rows grouped already (the WebAssembly core's group()): c's columns are not read. */
  groups?: Groups;
}

/** The index of parts: times' range, rows grouped by flow, flows packed. */
export function assembleIndex(p: IndexParts): IndexedCapture {
  const { n, c } = p;
  const firstNs = p.firstNs ?? least(c.tNs, n);
  const lastNs = p.lastNs ?? greatest(c.tNs, n);
  const groups = p.groups ?? groupRows(n, c, p.sig, p.flows.count, p.shared);
  if (p.lean) {
    // Everything the analysis reads of these is in the grouped columns now (times in groupT,
    // flags in groupBits).
    p.drop();
    c.tNs = new Float64Array(0);
    c.flow = new Uint32Array(0);
    c.flags = new Uint8Array(0);
    c.tcpFlags = new Uint16Array(0);
    c.ipId = new Int32Array(0);
  }
  const packedFlows = p.flows.pack();
  return {
    format: p.format,
    linkTypes: p.linkTypes,
    packets: n,
    bytesRead: p.bytesRead,
    malformed: p.malformed,
    undecodedLinkTypes: p.undecoded,
    errors: p.errors,
    baseSec: p.baseSec === p.baseSec ? p.baseSec : 0,
    ...c,
    // A lean index goes to the analysis, which views the packed table itself.
    flows: p.lean ? [] : viewFlows(packedFlows),
    packedFlows,
    flowKeys: p.keys,
    ...groups,
    firstNs: n ? firstNs : 0,
    lastNs: n ? lastNs : 0,
    wireBytes: p.wireBytes,
    ...(p.lean ? { lean: true } : {}),
  };
}

/**
 * The least of t[0..n) (Infinity for none). least and greatest are two loops of their own, each
 * ending in a plain return (see countPerFlow): one loop making an array of both was thrown away at
 * the end of every thread's first file.
 */
function least(t: Float64Array, n: number): number {
  let lo = Infinity;
  for (let i = 0; i < n; i++) if (t[i] < lo) lo = t[i];
  return lo;
}

/** The greatest of t[0..n) (-Infinity for none). */
function greatest(t: Float64Array, n: number): number {
  let hi = -Infinity;
  for (let i = 0; i < n; i++) if (t[i] > hi) hi = t[i];
  return hi;
}

/**
 * Gives a column's memory back now instead of at the next full garbage collection (which may
 * come only after the analysis has grown the heap): transferring detaches the buffer, and the
 * clone that owns the memory dies young. Shared memory cannot be detached and stays as it is.
 */
export function release(buf: ArrayBufferLike): void {
  if (buf instanceof ArrayBuffer && buf.byteLength > 0) structuredClone(buf, { transfer: [buf] });
}

// The first ArrayBuffer a V8 isolate detaches (release() above; a worker transferring a buffer)
// voids an assumption every optimized function that reads a typed array was compiled under, and
// V8 throws all of that code away: after a thread's first file, its whole reading path was
// compiled again (trace-deopt: ~40 functions "marked for deoptimization"). Detaching a tiny
// buffer when this module loads spends that once, before anything is optimized.
release(new ArrayBuffer(8));

/**
 * The flow key of the packet quoted in an ICMP error (its IP header and first transport bytes),
 * ordered like FlowTable keys; null when the quote is too short to name the flow.
 */
export function quotedKey(d: Decoded, b: Uint8Array): Uint32Array | null {
  let ip = -1;
  for (let i = 0; i < d.nLayers; i++) {
    if (d.quoted[i] && (d.kind[i] === Layer.Ipv4 || d.kind[i] === Layer.Ipv6)) {
      ip = i;
      break;
    }
  }
  if (ip < 0) return null;
  const v6 = d.kind[ip] === Layer.Ipv6;
  const s = d.start[ip];
  if (d.end[ip] - s < (v6 ? 40 : 20)) return null;
  const words = v6 ? 4 : 1;
  const srcOff = s + (v6 ? 8 : 12);
  const dstOff = s + (v6 ? 24 : 16);
  let sp = 0;
  let dp = 0;
  const t = ip + 1 < d.nLayers && d.quoted[ip + 1] ? ip + 1 : -1;
  if (t >= 0 && (d.kind[t] === Layer.Tcp || d.kind[t] === Layer.Udp) && d.end[t] - d.start[t] >= 4) {
    sp = (b[d.start[t]] << 8) | b[d.start[t] + 1];
    dp = (b[d.start[t] + 2] << 8) | b[d.start[t] + 3];
  }
  let cmp = 0;
  for (let w = 0; w < words && cmp === 0; w++) {
    const x = readWord(b, srcOff + 4 * w) >>> 0;
    const y = readWord(b, dstOff + 4 * w) >>> 0;
    cmp = x < y ? -1 : x > y ? 1 : 0;
  }
  if (cmp === 0) cmp = sp < dp ? -1 : sp > dp ? 1 : 0;
  const k = new Uint32Array(KEY_WORDS);
  k[0] = ((v6 ? 6 : 4) << 8) | (d.quotedProto & 0xff);
  const aOff = cmp <= 0 ? srcOff : dstOff;
  const bOff = cmp <= 0 ? dstOff : srcOff;
  for (let w = 0; w < words; w++) {
    k[1 + w] = readWord(b, aOff + 4 * w);
    k[5 + w] = readWord(b, bOff + 4 * w);
  }
  k[9] = (((cmp <= 0 ? sp : dp) << 16) | (cmp <= 0 ? dp : sp)) >>> 0;
  return k;
}

/**
 * The payload's hash (wasm/index-core.ts has the same): FNV-1a's steps over its first 16 captured
 * bytes and its last 4 after those, four bytes a step (little-endian words, a part's last one
 * padded with zeros), from the offset basis mixed with the captured length. A word a step, not a
 * byte: five multiplications in a row for most packets, not twenty.
 */
export function payloadHash(b: Uint8Array, p0: number, capLen: number): number {
  const end = p0 + capLen;
  const e = p0 + (capLen < 16 ? capLen : 16);
  let h = 0x811c9dc5 ^ capLen;
  for (let p = p0; p < e; p += 4) h = Math.imul(h ^ le32(b, p, e), 0x01000193);
  const t = end - 4 > e ? end - 4 : e;
  if (t < end) h = Math.imul(h ^ le32(b, t, end), 0x01000193);
  return h >>> 0;
}

/** The little-endian word at p of bytes [p, lim) (fewer than four: the rest zeros). */
function le32(b: Uint8Array, p: number, lim: number): number {
  if (lim - p >= 4) return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
  return b[p] | (p + 1 < lim ? b[p + 1] << 8 : 0) | (p + 2 < lim ? b[p + 2] << 16 : 0);
}

/**
 * What tells one packet from the others of its flow across capture stages, in one word: TCP seq,
 * ack, flags and length (other protocols: their length) and the payload hash; what NAT leaves
 * alone. The IP ID (kept beside it) and the sender's side (a NAT join may turn a capture point's
 * sides around) are not in it.
 */
export function packetSignature(seq: number, ack: number, tcpFlags: number, len: number, payloadHash: number): number {
  let h = Math.imul(0x9e3779b1 ^ seq, 0x85ebca6b);
  h = Math.imul(h ^ ack, 0xc2b2ae35);
  h = Math.imul(h ^ tcpFlags, 0x27d4eb2f);
  h = Math.imul(h ^ len, 0x165667b1);
  h = Math.imul(h ^ payloadHash, 0x85ebca6b);
  // An int32, not a uint32: stored in a Uint32Array column all the same, but never boxed.
  return h ^ (h >>> 16);
}

/** A big-endian word as an int32 (not uint32: a small integer, never a boxed number in V8). */
function readWord(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/**
 * History in Zeek's case convention (upper case = client), with Zeek's '^' in front when the client
 * is not the sender of the first packet seen at this point (Zeek flipped the roles).
 */
export function flowHistory(fl: FlowState): string {
  let s = fl.clientSide === fl.firstSide ? '' : '^';
  if (fl.clientSide === 0) return s + fl.history;
  for (const c of fl.history) s += c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
  return s;
}

export function flowState(fl: FlowState): string {
  const c = fl.clientSide;
  const s = 1 - c;
  return connState(fl.proto, fl.ep[c], fl.ep[s], flowHistory(fl), fl.s[S.Payload + c], fl.s[S.Payload + s], fl.s[S.Packets + c], fl.s[S.Packets + s]);
}
