/**
 * The index's WebAssembly core (wasm/index-core.ts) from Node: a classic pcap or pcapng file
 * (Ethernet, Linux cooked, raw IP) read straight into the module's memory and indexed
 * there, lean and in shared memory, as CaptureIndexer would index it (same columns, flows, history
 * letters). The module is compiled and instantiated once per thread (~1 ms), and reused for each
 * file.
 *
 * Packets of shapes the core does not decode itself (ICMP errors, IPv6 extension headers, other
 * tunnels, fragments, malformed packets) it hands back one at a time: the full decoder decodes
 * them here, the core makes their rows. It answers null for any file it does not take whole: not
 * a pcap 2.x or pcapng of those link types, or anything the reader would report (a truncated
 * record, an oversized caplen, a bad block length). The caller then indexes the file in
 * JavaScript, which stays the reference.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { assembleIndex, column, N, quotedKey, release, transientColumns, type IndexedCapture, type Transient } from '../engine/capture-index.ts';
import { Decoded } from '../decode/decoded.ts';
import { decodePacket } from '../decode/decode.ts';
import { KEY_WORDS } from '../engine/flow-table.ts';
import { maxCapLenForLinkType } from '../readers/linktypes.ts';
import { indexFile, type Progress } from './file-source.ts';
import { FlowStore, HIST_INLINE, packIndex } from '../engine/packed-flows.ts';
import { instantiate, WASM_OFF } from './wasm-module.ts';

interface CoreExports {
  memory: WebAssembly.Memory;
  init(le: number, nano: number, maxCap: number, pcapng: number, linkType: number): number;
  run(start: number, avail: number): number;
  ringFull(): number;
  ringStart(): number;
  flushed(): void;
  input(): number;
  inputCapacity(): number;
  getStatus(): number;
  reason(): number;
  stoppedRecord(): number;
  packets(): number;
  firstSecond(): number;
  leastTime(): number;
  greatestTime(): number;
  wire(): number;
  flows(): number;
  interfaces(): number;
  coreLinkType(linkType: number): number;
  interfaceLinkType(i: number): number;
  pendingLinkType(): number;
  recordDecoded(...fields: number[]): number;
  pendingRecord(): number;
  pendingCapLen(): number;
  pendingOrigLen(): number;
  pendingLength(): number;
  malformed(): number;
  columns(which: number): number;
  group(): number;
  groupColumn(k: number): number;
}

const PCAP_US = 0xa1b2c3d4;
const PCAP_NS = 0xa1b23c4d;

/** A classic pcap file's byte order from its first four bytes: true little-endian, null not pcap. */
function pcapLittleEndian(dv: DataView): boolean | null {
  const lm = dv.getUint32(0, true);
  if (lm === PCAP_US || lm === PCAP_NS) return true;
  const be = dv.getUint32(0, false);
  return be === PCAP_US || be === PCAP_NS ? false : null;
}

/** pcapng's section header block type (the same in either byte order). */
const PCAPNG_SHB = 0x0a0d0d0a;

/**
 * Whether a regular file starts as a classic pcap file (either byte order, micro- or
 * nanoseconds) or a pcapng one: one the core may read. False for anything else, and when it
 * cannot be read (the reader says why, later). Anything but a regular file is not opened at all: opening a FIFO
 * waits for a writer (or, without blocking, counts as its reader and lets a writer in that then
 * loses it), and reading takes bytes off it.
 */
export function looksCoreReadable(path: string): boolean {
  const head = new Uint8Array(4);
  let fd = -1;
  try {
    if (!statSync(path).isFile()) return false;
    fd = openSync(path, 'r');
    if (readSync(fd, head, 0, 4, 0) !== 4) return false;
  } catch {
    return false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  const dv = new DataView(head.buffer);
  return pcapLittleEndian(dv) !== null || dv.getUint32(0, true) === PCAPNG_SHB;
}
const LINKTYPE_ETHERNET = 1;
/** Bytes read at a time (the core's input holds this plus the start of a cut record). */
const READ = 4 << 20;
/** The core's ring columns, in the order of its columns(k) (k = 0..5), and their types. */
const RING_COLUMNS = [
  ['tNs', Float64Array],
  ['flow', Uint32Array],
  ['ipId', Int32Array],
  ['sig', Uint32Array],
  ['tcpFlags', Uint16Array],
  ['flags', Uint8Array],
] as const;

let instance: CoreExports | null | undefined;

/** The core's reasons to stop (wasm/index-core.ts `why`). */
const DECLINED: Record<number, string> = {
  2: 'too many flows',
  3: 'a caplen over the maximum',
  4: 'a pcapng block the core does not read',
  5: 'a pcapng interface of another link type or timestamp resolution',
};

/** The core's index of a file, or null and why it declined the file. */
export type CoreResult = { ix: IndexedCapture; why: '' } | { ix: null; why: string };

/**
 * The current file's flows with a history longer than the core keeps in place, and with more than
 * one GENEVE cookie (FlowStore's maps): the core calls these (rarely).
 */
let histMore = new Map<number, string>();
let cookieMore = new Map<number, number[]>();
/** The current file's flows of ICMP errors, and the flow each reports on (FlowStore.report). */
let reports = new Map<number, Uint32Array>();
/** The core's status for a record it leaves to the full decoder (wasm/index-core.ts DECODE). */
const DECODE = 2;
const waiting = new Decoded();

/**
 * The record the core is waiting on (a shape it does not decode: ICMP errors, IPv6 extension
 * headers, tunnels other than GENEVE, malformed packets, ...) decoded by the full decoder, as
 * CaptureIndexer.record does, and handed back to the core for its row. False when the core's flow
 * table is full.
 */
function decodeWaiting(x: CoreExports): boolean {
  const b = new Uint8Array(x.memory.buffer);
  const d = waiting;
  // The module's u32 results reach JavaScript as int32: an original length past 2^31 (a damaged
  // record) would turn negative.
  decodePacket(d, x.pendingLinkType() >>> 0, b, x.pendingRecord() >>> 0, x.pendingCapLen() >>> 0, x.pendingOrigLen() >>> 0);
  const id = x.recordDecoded(
    d.ipVersion, d.ipProto, d.srcAddrOff, d.dstAddrOff, d.srcPort, d.dstPort, d.tcpOk ? 1 : 0, d.tcpFlags, d.tcpSeq, d.tcpAck,
    d.tcpWindow, d.tcpLen, d.ipLen, d.ipId, d.payloadOff, d.payloadCapLen, d.flowCookie, d.malformed !== null ? 1 : 0, d.fragment ? 1 : 0,
  );
  if (id === -2) return false;
  if (id >= 0 && d.quotedProto >= 0 && (d.ipProto === 1 || d.ipProto === 58) && !reports.has(id)) {
    const k = quotedKey(d, b);
    if (k) reports.set(id, k);
  }
  return true;
}
const imports = {
  env: {
    abort: () => {},
    letterMore: (f: number, code: number) => histMore.set(f, (histMore.get(f) ?? '') + String.fromCharCode(code)),
    cookieMore: (f: number, c: number, row: number, first: number, firstRow: number) => {
      let more = cookieMore.get(f);
      if (!more) cookieMore.set(f, (more = [first >>> 0, firstRow]));
      more.push(c >>> 0, row);
    },
  },
};

/**
 * Lets this thread's instance of the core go, once it has read its files, and has V8 collect it
 * now: its memory keeps the columns of the largest file it grouped (35 bytes a record, up to 18 MB:
 * wasm/index-core.ts ROWS), which a WebAssembly memory never gives back while it lives, and
 * which V8 would otherwise free only at some later full collection, if any (the 2 GB set's peak
 * RSS 227 -> 200 MB). A full collection of a heap that holds little: a few milliseconds.
 */
export async function releaseCore(): Promise<void> {
  if (!instance) return;
  instance = undefined;
  heldFlows = 0;
  await collectGarbage();
}

/** The most flows one file of this thread's core had: its flow tables (~400 bytes a flow) stay in its memory. */
let heldFlows = 0;

/** Flows past which a thread's core memory is worth a collection before an analysis (~26 MB of flow tables). */
export const LARGE_CORE_FLOWS = 1 << 16;

/**
 * releaseCore() when this thread's core holds the flow tables of a file with many flows (past
 * LARGE_CORE_FLOWS; a capture with a million flows: ~400 MB of them); else it stays until the
 * thread ends, the collection's few milliseconds spared.
 */
export async function releaseLargeCore(): Promise<void> {
  if (heldFlows > LARGE_CORE_FLOWS) await releaseCore();
}

/** The flows of the largest file this thread's core holds the tables of (0: none held). */
export function heldCoreFlows(): number {
  return heldFlows;
}

/** V8's full collection, from `gc` (exposed once per thread: node runs without --expose-gc). */
async function collectGarbage(): Promise<void> {
  // The build's run that makes the worker's code cache: V8 flags set now would be the cache's, and
  // a thread booting with the default ones would reject it (worker-load.ts).
  if (process.env.STAGEDIFF_CODE_CACHE === 'write') return;
  try {
    // node:v8 only now (it loads ten of node's modules: ~0.5 ms of a worker thread's boot, which
    // is on the critical path of a run, where most threads never collect).
    (await import('node:v8')).setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Without it the memory goes at V8's next full collection.
  }
}

/**
 * This thread's instance of the core, or null when there is none (sources not built). One for
 * every file the thread reads: init() starts it afresh, and its memory, already touched, is
 * reused (fresh pages cost a fault each, several microseconds in a VM).
 */
function core(): CoreExports | null {
  if (instance === undefined) instance = instantiate('index-core.wasm', imports) as unknown as CoreExports | null;
  return instance;
}

/**
 * The index of a pcap file (open as `fd`, `size` bytes) made by the core, or why the file is not
 * one it takes whole. The file stays open either way.
 */
export async function indexWithCore(
  fd: number,
  size: number,
  onProgress?: (p: Progress) => void,
  /** On a thread with other work (the CLI's main thread): let its event loop run after each this many bytes. */
  yieldBytes = 0,
): Promise<CoreResult> {
  const no = (why: string): CoreResult => ({ ix: null, why });
  if (WASM_OFF) return no('STAGEDIFF_WASM=0');
  if (size < 24) return no('not a pcap file');
  const x = core();
  if (!x) return no('no WebAssembly core (dist/index-core.wasm not built, or not loadable)');
  const head = new Uint8Array(24);
  if (readSync(fd, head, 0, 24, 0) !== 24) return no('not a pcap file');
  const dv = new DataView(head.buffer);
  const ng = dv.getUint32(0, true) === PCAPNG_SHB;
  // pcapng: the core reads every block from the section header on (byte order, interfaces).
  let pos = ng ? 0 : 24;
  let link = LINKTYPE_ETHERNET;
  if (ng) {
    if (!x.init(1, 0, maxCapLenForLinkType(LINKTYPE_ETHERNET), 1, LINKTYPE_ETHERNET)) return no('no memory');
  } else {
    const le = pcapLittleEndian(dv);
    if (le === null) return no('not a pcap or pcapng file');
    const nano = dv.getUint32(0, le) === PCAP_NS;
    const major = dv.getUint16(4, le);
    const minor = dv.getUint16(6, le);
    link = dv.getUint32(20, le);
    // What the reader would warn about or refuse (another version, reserved bits) is its to say.
    if (major !== 2 || minor > 4) return no(`pcap version ${major}.${minor}`);
    if (!x.coreLinkType(link)) return no(`link type ${link}`);
    if (!x.init(le ? 1 : 0, nano ? 1 : 0, maxCapLenForLinkType(link), 0, link)) return no('no memory');
  }
  histMore = new Map();
  cookieMore = new Map();
  reports = new Map();
  // A file declined part-way leaves its flow tables in the core's memory too (releaseLargeCore).
  const declined = (why: string): CoreResult => {
    heldFlows = Math.max(heldFlows, x.flows());
    return no(why);
  };
  // The columns the core fills in its ring, copied out into a block sized for the file from its
  // records per byte so far (+10 %; doubled if that runs out), given back once the rows are
  // grouped. (A block for as many records as the file could hold would be ~20 times too big:
  // untouched, but V8 counts its size and collects garbage the more often.)
  let t: Transient | null = null;
  let cap = 0;
  const copyOut = () => {
    const from = x.ringStart();
    const n = x.packets();
    if (n === from) return;
    if (n > cap) {
      cap = Math.max(Math.ceil((n / Math.max(1, pos - 24)) * (size - 24) * 1.1) + 1024, 2 * cap, n);
      t = transientColumns(t, from, cap);
    }
    const mem = x.memory.buffer;
    for (let k = 0; k < RING_COLUMNS.length; k++) {
      const [name, Ctor] = RING_COLUMNS[k];
      (t![name] as Uint8Array).set(new Ctor(mem, x.columns(k), n - from) as Uint8Array, from);
    }
    x.flushed();
  };
  const IN = x.input();
  const room = x.inputCapacity();
  let carry = 0;
  let lastReport = 0;
  let lastYield = 0;
  for (;;) {
    const want = Math.min(READ, room - carry);
    const got = readSync(fd, new Uint8Array(x.memory.buffer, IN + carry, want), 0, want, pos);
    if (got === 0) break;
    pos += got;
    const avail = carry + got;
    let done = 0;
    for (;;) {
      done += x.run(done, avail);
      if (x.getStatus() === DECODE) {
        if (!decodeWaiting(x)) return declined(`${DECLINED[x.reason()] ?? 'declined'} (record ${x.stoppedRecord() + 1})`);
        done += x.pendingLength();
        continue;
      }
      if (x.getStatus() !== 0) return declined(`${DECLINED[x.reason()] ?? 'declined'} (record ${x.stoppedRecord() + 1})`);
      if (!x.ringFull()) break;
      copyOut();
    }
    carry = avail - done;
    // The memory may have grown (a new buffer): view it afresh.
    if (carry) new Uint8Array(x.memory.buffer).copyWithin(IN, IN + done, IN + avail);
    if (onProgress && pos - lastReport >= 16 << 20) {
      lastReport = pos;
      onProgress({ bytes: pos, packets: x.packets(), total: size });
    }
    if (yieldBytes && pos - lastYield >= yieldBytes) {
      lastYield = pos;
      await new Promise((r) => setImmediate(r));
    }
  }
  // A record cut by the end of the file: the reader reports it.
  if (carry) return declined('a record cut short at the end');
  // Every record still in the core's columns: the core groups them (else they are copied out,
  // and grouped here as the JavaScript indexer's are).
  const grouped = x.ringStart() === 0 ? x.group() : -1;
  if (grouped < 0) copyOut();
  const n = x.packets();
  // Grouped by the core: no column of the records is read (an empty block stands for them).
  const tt = t ?? transientColumns(null, 0, 0, grouped >= 0);
  const flows = x.flows();
  heldFlows = Math.max(heldFlows, flows);
  onProgress?.({ bytes: pos, packets: n, total: size });
  const mem = x.memory.buffer;
  const at = (k: number) => x.columns(k);
  const copied = <T extends Int32Array | Uint32Array | Float64Array>(Ctor: new (b: ArrayBufferLike, o: number, l: number) => T, from: number, len: number): T => {
    const out = column(Ctor as never, len, true) as unknown as T;
    out.set(new Ctor(mem, from, len) as never);
    return out;
  };
  const groups =
    grouped < 0
      ? undefined
      : {
          rowStart: copied(Int32Array, x.columns(13), flows + 1),
          rows: copied(Int32Array, x.columns(14), grouped),
          // One grouped column at a time, each copied out before the core makes the next.
          groupT: copied(Float64Array, x.groupColumn(0), grouped),
          groupSig: copied(Uint32Array, x.groupColumn(1), grouped),
          groupIpId: copied(Int32Array, x.groupColumn(2), grouped),
          groupBits: copied(Int32Array, x.groupColumn(3), grouped),
        };
  const keys = column(Uint32Array, flows * KEY_WORDS, true);
  keys.set(new Uint32Array(mem, at(6), flows * KEY_WORDS));
  const store = FlowStore.fromRows(
    flows,
    {
      nums: new Float64Array(mem, at(7), flows * N.Count),
      histLen: new Uint8Array(mem, at(8), flows),
      histBytes: new Uint8Array(mem, at(9), flows * HIST_INLINE),
      histMore,
      cookieFirst: new Uint32Array(mem, at(10), flows),
      cookieCount: new Int32Array(mem, at(11), flows),
      cookieFirstRow: new Int32Array(mem, at(12), flows),
      cookieMore,
      reports,
    },
    true,
  );
  const ix = assembleIndex({
    format: ng ? 'pcapng' : 'pcap',
    linkTypes: ng ? interfaceLinkTypes(x) : [link],
    n,
    bytesRead: size,
    malformed: x.malformed(),
    undecoded: {},
    errors: [],
    baseSec: x.firstSecond(),
    // The core kept the times' range as it read them: no two more passes over the column.
    firstNs: x.leastTime(),
    lastNs: x.greatestTime(),
    wireBytes: x.wire(),
    c: {
      tNs: tt.tNs.subarray(0, n),
      flow: tt.flow.subarray(0, n),
      ipId: tt.ipId.subarray(0, n),
      tcpFlags: tt.tcpFlags.subarray(0, n),
      flags: tt.flags.subarray(0, n),
      seq: new Uint32Array(0),
      ack: new Uint32Array(0),
      len: new Uint32Array(0),
      hash: new Uint32Array(0),
      cookie: new Uint32Array(0),
      wireLen: new Uint32Array(0),
      fileOffset: new Float64Array(0),
    },
    sig: tt.sig.subarray(0, n),
    flows: store,
    keys,
    shared: true,
    lean: true,
    drop: () => release(tt.block),
    groups,
  });
  return { ix, why: '' };
}

/** A pcapng file's link types, once each, in the order its interfaces describe them (the reader's `linkTypes`). */
function interfaceLinkTypes(x: CoreExports): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.interfaces(); i++) {
    const t = x.interfaceLinkType(i);
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** An index and how it was read: "core", or "js" and why not the core. */
export interface LeanRead {
  ix: IndexedCapture;
  readBy: string;
}

/**
 * A lean index of a regular file whose packets all have the common shapes by the WebAssembly
 * core; else by the JavaScript indexer, through the same open file (if it was replaced or cut
 * meanwhile, the reader reports what it finds in the file the core began with). Anything else
 * (not lean, a pipe, a file that cannot be opened): the JavaScript indexer, which says what is
 * wrong. `shared`: the JavaScript indexer's columns in shared memory (the core's always are).
 */
export async function indexLean(path: string, onProgress: ((p: Progress) => void) | undefined, lean: boolean, yieldBytes = 0, shared = true): Promise<LeanRead> {
  let opened: number | undefined;
  let readBy = 'js';
  try {
    if (lean && statSync(path).isFile()) opened = openSync(path, 'r');
    else if (lean) readBy = 'js (not a regular file)';
  } catch {
    opened = undefined;
    readBy = 'js (cannot open)';
  }
  if (opened !== undefined) {
    // A read error on the way: the JavaScript indexer reads the file again and reports it.
    let r: CoreResult;
    try {
      r = await indexWithCore(opened, fstatSync(opened).size, onProgress, yieldBytes);
    } catch (e) {
      r = { ix: null, why: (e as Error).message };
    }
    if (r.ix) {
      closeSync(opened);
      return { ix: r.ix, readBy: 'core' };
    }
    readBy = `js (${r.why})`;
  }
  return { ix: await indexFile(path, onProgress, undefined, { shared, sync: true, lean, yieldBytes, opened }), readBy };
}

/**
 * How an analysis lane reads a file (a worker, or the CLI's main thread with `yieldBytes`): blocking
 * reads, the index in shared memory and packed, ready to go to the analysis threads.
 */
export async function indexPacked(path: string, onProgress: ((p: Progress) => void) | undefined, lean: boolean, yieldBytes = 0): Promise<LeanRead> {
  const r = await indexLean(path, onProgress, lean, yieldBytes);
  return { ix: packIndex(r.ix, true), readBy: r.readBy };
}
