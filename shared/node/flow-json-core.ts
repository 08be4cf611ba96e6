/**
 * The flows' JSON of `analyze --json` written by WebAssembly (wasm/flow-json.ts) on the thread
 * that writes the output: the same bytes as FlowJson (shared/engine/flow-records.ts), which writes
 * any block the module does not take (a point turned around for NAT, a string that is not ASCII,
 * a number or time it does not write) and everything when there is no module. In JavaScript the
 * JSON's first blocks run before V8 has compiled its code, and the compiles themselves take CPU
 * from the analysis thread beside it (docs/performance.md, fifteenth session).
 */
import { FlowJson, pointSource, type FlowRecordsBlock, type RecordContext } from '../engine/flow-records.ts';
import { N, type IndexedCapture } from '../engine/capture-index.ts';
import { KEY_WORDS } from '../engine/flow-table.ts';
import type { PackedFlows } from '../engine/packed-flows.ts';
import { instantiate, placer } from './wasm-module.ts';

interface JsonExports {
  memory: WebAssembly.Memory;
  layout(): number;
  layout2(): number;
  pfNums(): number;
  pfMeta(): number;
  pfHist(): number;
  pfCookies(): number;
  keysAt(): number;
  dynamicStart(): number;
  setContext(baseSec: number, points: number, nPoints: number, devices: number, nDevices: number): void;
  block(flows: number, nums: number, numCount: number, text: number, lens: number, lenCount: number, out: number, cap: number): number;
  setFlowTable(at: number): void;
  HIST_MAX: WebAssembly.Global;
  COOKIES_MAX: WebAssembly.Global;
  FULL: WebAssembly.Global;
}

/** What writes a block's flows as JSON lines (FlowJson's interface). */
export interface FlowJsonWriter {
  block(b: FlowRecordsBlock, flows: number): Uint8Array;
  written(bytes: Uint8Array): void;
  /** Blocks the module wrote, and blocks FlowJson wrote. */
  readonly counts: { core: number; js: number };
  /** The points' flows laid out in the module's memory (FLOW_TABLE_BYTES). */
  readonly flowTable?: boolean;
}

const encoder = new TextEncoder();

/** The capture points' packed flows and key words the imports read (the writer's that is writing now). */
let packed: PackedFlows[] = [];
let keys: Uint32Array[] = [];
let x: JsonExports | null | undefined;
/** The module's scratch, as the imports fill it (views made again when its memory has grown). */
let pfNums = new Float64Array(0);
let pfHist = new Uint8Array(0);
let pfCookies = new Uint32Array(0);
let pfMeta = new Int32Array(0);
let keyWords = new Uint32Array(0);
let viewed: ArrayBuffer | null = null;
let histMax = 0;
let cookiesMax = 0;

const imports = {
  env: {
    abort: () => {},
    /** Flow `local` of capture point `point` into the scratch: 1, or 0 when it does not fit (FlowJson writes the block). */
    pointFlow: (point: number, local: number): number => {
      const p = packed[point];
      const base = local * N.Count;
      for (let k = 0; k < N.Count; k++) pfNums[k] = p.nums[base + k];
      const h0 = p.histStart[local];
      const h1 = p.histStart[local + 1];
      const c0 = p.cookieStart[local];
      const c1 = p.cookieStart[local + 1];
      if (h1 - h0 > histMax || c1 - c0 > cookiesMax) return 0;
      for (let i = h0; i < h1; i++) {
        const c = p.hist.charCodeAt(i);
        if (c > 0x7f) return 0;
        pfHist[i - h0] = c;
      }
      for (let c = c0; c < c1; c++) pfCookies[c - c0] = p.cookies[c];
      pfMeta[0] = h1 - h0;
      pfMeta[1] = c1 - c0;
      return 1;
    },
    flowKeys: (point: number, local: number): void => {
      const from = keys[point];
      for (let w = 0; w < KEY_WORDS; w++) keyWords[w] = from[local * KEY_WORDS + w];
    },
  },
};

function views(m: JsonExports): void {
  const mem = m.memory.buffer;
  if (mem === viewed) return;
  viewed = mem;
  pfNums = new Float64Array(mem, m.pfNums(), N.Count);
  pfHist = new Uint8Array(mem, m.pfHist(), histMax);
  pfCookies = new Uint32Array(mem, m.pfCookies(), cookiesMax);
  pfMeta = new Int32Array(mem, m.pfMeta(), 2);
  keyWords = new Uint32Array(mem, m.keysAt(), KEY_WORDS);
}

function module(): JsonExports | null {
  if (x !== undefined) return x;
  x = instantiate('flow-json.wasm', imports) as unknown as JsonExports | null;
  if (x) {
    histMax = x.HIST_MAX.value as number;
    cookiesMax = x.COOKIES_MAX.value as number;
  }
  return x;
}

/** The points' flows laid out by prepareFlowJson: for which inputs, and where the layout ends (0: not laid out). */
let prepared: { inputs: { ix: IndexedCapture }[]; end: number } | null = null;

/**
 * The module made ready in this thread ahead of the first block (compiled and instantiated: a few
 * ms), and the points' flows of these inputs laid out in its memory (flowTable: ~6 ms for the
 * bench's 22,000 point flows, mostly the memory's first touch), while the analysis threads build
 * their model.
 */
export function prepareFlowJson(inputs?: { ix: IndexedCapture }[]): void {
  const m = module();
  prepared = null;
  if (!m || !inputs || !inputs.every((i) => i.ix.packedFlows && i.ix.flows.length === 0)) return;
  prepared = { inputs, end: flowTable(m, inputs, m.dynamicStart(), FLOW_TABLE_BYTES) };
}

/** The module's view of the slots of a flow's numbers (wasm/flow-json.ts layout()), to check against N's. */
export function moduleLayout(): [number, number] | null {
  const m = module();
  return m ? [m.layout(), m.layout2()] : null;
}

const PAGE = 65536;

function ensure(m: JsonExports, end: number): void {
  const have = m.memory.buffer.byteLength;
  if (end > have) m.memory.grow(Math.ceil((end - have) / PAGE));
}

/**
 * Bytes of packed flows (all capture points') the writer copies into the module's memory at once,
 * so that the module reads them there rather than asking JavaScript for each point flow (~400
 * bytes a point flow: ~160,000 of them). More: the module asks, through its imports.
 */
export const FLOW_TABLE_BYTES = 64 << 20;

/**
 * The writer of one analysis's flows (its records' context; the analysed indexes the records point
 * into): the module's, when there is one and every index is packed, with FlowJson for what it
 * does not write; else FlowJson alone. One analysis at a time in a thread: each writer lays the
 * points' packed flows out in the same place of the module's memory (when they take at most
 * `tableBytes`, FLOW_TABLE_BYTES; prepareFlowJson may have done it), and its context after them.
 */
export function flowJsonWriter(context: RecordContext, inputs: { ix: IndexedCapture }[], tableBytes = FLOW_TABLE_BYTES): FlowJsonWriter {
  let js: FlowJson | null = null;
  const viaJs = (b: FlowRecordsBlock, flows: number): Uint8Array => (js ??= new FlowJson(context, pointSource(inputs))).block(b, flows);
  const counts = { core: 0, js: 0 };
  const m = module();
  const allPacked = inputs.every((i) => i.ix.packedFlows && i.ix.flows.length === 0);
  if (!m || !allPacked) {
    return {
      block: (b, flows) => {
        counts.js++;
        return viaJs(b, flows);
      },
      written: (bytes) => js?.written(bytes),
      counts,
    };
  }
  // The context: per point its head ({"device":…,"stage":…,"packets":) and clock shift, per device its head.
  const pointHeads = context.points.map((p) => encoder.encode(`{"device":${JSON.stringify(p.device)},"stage":${JSON.stringify(p.stage)},"packets":`));
  const deviceHeads = context.devices.map((d) => encoder.encode(`{"device":${JSON.stringify(d)},"received":`));
  // The points' flows first (laid out ahead by prepareFlowJson for these inputs), then the context.
  const tableAt = m.dynamicStart();
  const table = prepared?.inputs === inputs && tableBytes >= FLOW_TABLE_BYTES ? prepared.end : flowTable(m, inputs, tableAt, tableBytes);
  prepared = null;
  const start = table ? (table + 7) & ~7 : tableAt;
  const pointTable = start;
  const deviceTable = pointTable + 16 * pointHeads.length;
  let at = deviceTable + 8 * deviceHeads.length;
  const headsBytes = [...pointHeads, ...deviceHeads].reduce((n, h) => n + h.length, 0);
  const longestHead = [...pointHeads, ...deviceHeads].reduce((n, h) => Math.max(n, h.length), 0);
  ensure(m, at + headsBytes + PAGE);
  {
    const mem = m.memory.buffer;
    const u32 = new Uint32Array(mem);
    const f64 = new Float64Array(mem);
    const u8 = new Uint8Array(mem);
    pointHeads.forEach((h, i) => {
      u8.set(h, at);
      u32[(pointTable + 16 * i) >> 2] = at;
      u32[(pointTable + 16 * i + 4) >> 2] = h.length;
      f64[(pointTable + 16 * i + 8) >> 3] = context.points[i].shiftNs;
      at += h.length;
    });
    deviceHeads.forEach((h, i) => {
      u8.set(h, at);
      u32[(deviceTable + 8 * i) >> 2] = at;
      u32[(deviceTable + 8 * i + 4) >> 2] = h.length;
      at += h.length;
    });
  }
  /** Where each block's records go; the output after them. */
  const blockAt = (at + 7) & ~7;
  let cap = 1 << 20;
  /** Output buffers handed back (written), and which buffers are this writer's (not FlowJson's). */
  const spares: ArrayBuffer[] = [];
  const mine = new WeakSet<ArrayBufferLike>();
  const points = inputs.map((i) => i.ix.packedFlows!);
  const pointKeys = inputs.map((i) => i.ix.flowKeys);
  return {
    block(b, flows) {
      if (b.own.length > 0) {
        counts.js++;
        return viaJs(b, flows);
      }
      const numsAt = blockAt;
      const textAt = numsAt + 8 * b.nums.length;
      // Room for the text as UTF-8 (3 bytes a UTF-16 unit at most); the lengths after it.
      const lensAt = (textAt + 3 * b.text.length + 3) & ~3;
      const outAt = (lensAt + 4 * b.lens.length + 7) & ~7;
      // The module writes at most 6 bytes a string byte (\u00XX) and a head in one go.
      cap = Math.max(cap, 6 * b.text.length + 2 * longestHead + (64 << 10));
      for (;;) {
        try {
          ensure(m, outAt + cap + PAGE);
        } catch {
          // The module's memory cannot grow (the address space): FlowJson writes the block.
          counts.js++;
          return viaJs(b, flows);
        }
        const mem = m.memory.buffer;
        new Float64Array(mem, numsAt, b.nums.length).set(b.nums);
        const { written } = encoder.encodeInto(b.text, new Uint8Array(mem, textAt, 3 * b.text.length));
        // Not ASCII: the string lengths are not byte lengths.
        if (written !== b.text.length) {
          counts.js++;
          return viaJs(b, flows);
        }
        new Int32Array(mem, lensAt, b.lens.length).set(b.lens);
        packed = points;
        keys = pointKeys;
        views(m);
        m.setContext(context.baseSec, pointTable, pointHeads.length, deviceTable, deviceHeads.length);
        m.setFlowTable(table ? tableAt : 0);
        let n: number;
        try {
          n = m.block(flows, numsAt, b.nums.length, textAt, lensAt, b.lens.length, outAt, cap);
        } catch {
          // A trap (a fault of the module's): FlowJson writes the block; the output stays right.
          n = -1;
        }
        if (n === (m.FULL.value as number)) {
          cap *= 2;
          continue;
        }
        if (n < 0) {
          // Not one the module writes (UNSUPPORTED), or records that do not add up (FlowJson says how).
          counts.js++;
          return viaJs(b, flows);
        }
        counts.core++;
        const spare = spares.pop();
        // A new one as large as the module may write (its pages are touched only as far as used):
        // any spare then takes any block's bytes.
        const out = spare && spare.byteLength >= n ? new Uint8Array(spare, 0, n) : new Uint8Array(new ArrayBuffer(cap), 0, n);
        mine.add(out.buffer);
        out.set(new Uint8Array(m.memory.buffer, outAt, n));
        return out;
      }
    },
    written(bytes) {
      if (!mine.has(bytes.buffer)) js?.written(bytes);
      // As many as the output holds before it writes (1 MiB: ~5 blocks of ~250 KB) and more: a
      // block that finds none makes a new buffer (the memory's first touch, and V8 counts it).
      else if (spares.length < 16) spares.push(bytes.buffer as ArrayBuffer);
    },
    counts,
    flowTable: table !== 0,
  };
}

/**
 * The capture points' packed flows laid out from `at` in the module's memory (wasm/flow-json.ts
 * setFlowTable), when they take at most `most` bytes; a point whose history letters are not all
 * ASCII stays out (its flows through the imports, which say so). Returns where the layout ends
 * (0: not laid out).
 */
function flowTable(m: JsonExports, inputs: { ix: IndexedCapture }[], at: number, most: number): number {
  const points = inputs.map((i) => i.ix.packedFlows!);
  // Each point's numbers, history and cookie starts, letters, cookies and key words, and room to align six tables.
  const size = (p: PackedFlows) => 8 * p.count * N.Count + 8 * (p.count + 1) + p.hist.length + 4 * p.cookies.length + 4 * KEY_WORDS * p.count + 48;
  const total = points.reduce((n, p) => n + size(p), 32 * points.length);
  if (total > most) return 0;
  ensure(m, at + total + PAGE);
  const mem = m.memory.buffer;
  const u8 = new Uint8Array(mem);
  const u32 = new Uint32Array(mem);
  const table = at;
  const place = placer(table + 32 * points.length);
  points.forEach((p, i) => {
    const row = (table + 32 * i) >> 2;
    const hist = place(p.hist.length);
    // Not all ASCII: the letters' bytes are not the string's units.
    if (encoder.encodeInto(p.hist, u8.subarray(hist, hist + p.hist.length)).written !== p.hist.length) {
      u32.fill(0, row, row + 8);
      return;
    }
    const nums = place(8 * p.count * N.Count);
    new Float64Array(mem, nums, p.count * N.Count).set(p.nums.subarray(0, p.count * N.Count));
    const histStart = place(4 * (p.count + 1));
    new Int32Array(mem, histStart, p.count + 1).set(p.histStart.subarray(0, p.count + 1));
    const cookieStart = place(4 * (p.count + 1));
    new Int32Array(mem, cookieStart, p.count + 1).set(p.cookieStart.subarray(0, p.count + 1));
    const cookies = place(4 * p.cookies.length);
    new Uint32Array(mem, cookies, p.cookies.length).set(p.cookies);
    const keys = place(4 * KEY_WORDS * p.count);
    new Uint32Array(mem, keys, KEY_WORDS * p.count).set(inputs[i].ix.flowKeys.subarray(0, KEY_WORDS * p.count));
    u32.set([nums, histStart, hist, cookieStart, cookies, keys, p.count, 0], row);
  });
  return place.end;
}
