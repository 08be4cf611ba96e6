/**
 * Streaming capture reader: bytes in (chunks with arbitrary boundaries), packet records out.
 *
 * The first four bytes say the format (classic pcap magic in either byte order and either
 * timestamp precision, or the pcapng Section Header Block type); the format parser then reads
 * one unit at a time (file header, record, block). A unit that lies wholly inside the current
 * chunk is parsed in place; only a unit that spans chunks is copied into a small growable scratch
 * buffer, which never holds more than that one unit. Memory therefore does not grow with the
 * file. One PacketRecord object is reused for every record.
 *
 * Errors never throw: a problem that stops reading goes to sink.fatal once (with the byte offset
 * of the record or block concerned) and the reader stops; push() then returns false.
 */
import type { CaptureFormat, InterfaceInfo, PacketRecord, RecordSink } from '../capture/record.ts';
import { PcapParser, PCAP_MAGIC_US, PCAP_MAGIC_NS } from './pcap.ts';
import { PcapngParser, PCAPNG_SHB_TYPE } from './pcapng.ts';

/** What a format parser gets from the reader. */
export interface ReaderContext {
  /** The record object reused for every packet. */
  readonly rec: PacketRecord;
  /** File offset of the unit the parser is looking at (= bytes consumed so far). */
  readonly bytesConsumed: number;
  /** rec is filled in (except index): hand it to the sink. */
  emit(): void;
  /** Report a fatal problem and stop. */
  fail(offset: number, message: string): void;
  warn(offset: number, message: string): void;
  addInterface(info: InterfaceInfo): void;
  readonly interfaces: InterfaceInfo[];
}

/** A format parser reads one unit (header, record, block) at buf[pos..pos+avail). */
export interface FormatParser {
  /**
   * > 0: bytes consumed (a whole unit). 0: more bytes are needed; `need` says how many from pos
   * (always > avail). < 0: stopped (fail() was called).
   */
  step(buf: Uint8Array, view: DataView, pos: number, avail: number): number;
  /** Bytes needed from the start of the current unit; valid after step() returned 0. */
  need: number;
  /** The message for a file that ends after `avail` bytes of the current unit. */
  truncated(buf: Uint8Array, view: DataView, avail: number): string;
}

const INITIAL_SCRATCH = 64 * 1024;

const NO_BYTES = new Uint8Array(0);

/**
 * The record a reader fills in for every packet. A class rather than an object literal: each
 * literal made for the next file re-recorded the type of `bytes` (an empty Uint8Array, where
 * the chunks read are Buffers) and V8 threw away the optimized reading path again.
 */
class Record implements PacketRecord {
  index = 0;
  /** NaN, then 0: doubles from the start (offsets and epoch seconds pass 2^30; see Decoded's constructor). */
  fileOffset = NaN;
  interfaceId = 0;
  linkType = 0;
  tsSec = NaN;
  tsNsec = 0;
  hasTimestamp = true;
  capLen = 0;
  origLen = 0;
  bytes = NO_BYTES;
  offset = 0;
  comment: string | null = null;
  constructor() {
    this.fileOffset = 0;
    this.tsSec = 0;
  }
}

export class CaptureReader implements ReaderContext {
  readonly interfaces: InterfaceInfo[] = [];
  /** Distinct link types of the interfaces described, in the order first seen. */
  readonly linkTypes: number[] = [];
  /** Packet records delivered so far. */
  packets = 0;
  readonly rec: PacketRecord = new Record();

  private readonly sink: RecordSink;
  private _format: CaptureFormat | null = null;
  /** NaN until the constructor: a double from the start (see Decoded's constructor). */
  private _bytesConsumed = NaN;
  private _stopped = false;
  private parser: FormatParser | null = null;
  private ended = false;
  /** Bytes of the pending unit that spans chunks: scratch[0..carry). */
  private scratch = new Uint8Array(0);
  private scratchView = new DataView(this.scratch.buffer);
  private carry = 0;
  /** Bytes the pending unit needs in all (valid while carry > 0). */
  private need = 4;

  constructor(sink: RecordSink) {
    this.sink = sink;
    this._bytesConsumed = 0;
  }

  /** 'pcap' or 'pcapng' once the magic number has been read. */
  get format(): CaptureFormat | null {
    return this._format;
  }

  /** Bytes of complete units (headers, records, blocks) read: the file offset of the next one. */
  get bytesConsumed(): number {
    return this._bytesConsumed;
  }

  /** True once a fatal problem stopped reading. */
  get stopped(): boolean {
    return this._stopped;
  }

  /** Feed the next bytes of the file. Returns false once reading has stopped (fatal problem). */
  push(chunk: Uint8Array): boolean {
    if (this.stopped || this.ended) return false;
    try {
      this.pushChunk(chunk);
    } catch (e) {
      // Only a throwing sink (or a bug) gets here; report it like any other problem.
      this.fail(this.bytesConsumed, `reader stopped: ${e instanceof Error ? e.message : String(e)}`);
    }
    return !this.stopped;
  }

  /** The file has ended: reports an incomplete record or header still pending. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.stopped) return;
    try {
      if (this.parser === null) {
        if (this.carry === 0) this.fail(0, 'empty file');
        else this.fail(0, `file too short: ${this.carry} bytes, not even a capture file magic number`);
      } else if (this.carry > 0) {
        this.fail(this.bytesConsumed, this.parser.truncated(this.scratch, this.scratchView, this.carry));
      }
    } catch (e) {
      this.fail(this.bytesConsumed, `reader stopped: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.carry = 0;
  }

  // ---- ReaderContext ----

  emit(): void {
    const rec = this.rec;
    rec.index = this.packets++;
    this.sink.record(rec);
  }

  fail(offset: number, message: string): void {
    if (this._stopped) return;
    this._stopped = true;
    this.carry = 0;
    this.sink.fatal({ offset, message });
  }

  warn(offset: number, message: string): void {
    if (this.sink.warning) this.sink.warning({ offset, message });
  }

  addInterface(info: InterfaceInfo): void {
    this.interfaces.push(info);
    if (!this.linkTypes.includes(info.linkType)) this.linkTypes.push(info.linkType);
  }

  // ---- chunk handling ----

  private pushChunk(chunk: Uint8Array): void {
    const len = chunk.length;
    let pos = 0;
    // 1. Complete the unit that spans chunks, if any.
    while (this.carry > 0) {
      if (this.carry < this.need) {
        const take = Math.min(this.need - this.carry, len - pos);
        if (take > 0) {
          this.reserve(this.carry + take);
          this.scratch.set(chunk.subarray(pos, pos + take), this.carry);
          this.carry += take;
          pos += take;
        }
        if (this.carry < this.need) return; // chunk used up
      }
      const r = this.step(this.scratch, this.scratchView, 0, this.carry);
      if (r < 0 || this.stopped) return;
      if (r > 0) {
        this._bytesConsumed += r;
        if (r < this.carry) this.scratch.copyWithin(0, r, this.carry);
        this.carry -= r;
      }
      // r === 0: this.need grew (> carry); loop copies more. A parser that asks for no more
      // than it has would loop forever: stop instead.
      else if (this.need <= this.carry) {
        this.fail(this.bytesConsumed, `reader stopped: no progress at offset ${this.bytesConsumed}`);
        return;
      }
    }
    if (pos >= len) return;
    // 2. Parse units lying wholly inside the chunk in place.
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (pos < len) {
      const r = this.step(chunk, view, pos, len - pos);
      if (r < 0 || this.stopped) return;
      if (r === 0) break;
      pos += r;
      this._bytesConsumed += r;
    }
    // 3. Keep the start of the unit that continues in the next chunk.
    const rest = len - pos;
    if (rest > 0) {
      this.reserve(rest);
      this.scratch.set(chunk.subarray(pos), 0);
      this.carry = rest;
    }
  }

  private step(buf: Uint8Array, view: DataView, pos: number, avail: number): number {
    let parser = this.parser;
    if (parser === null) {
      if (avail < 4) {
        this.need = 4;
        return 0;
      }
      parser = this.sniff(buf, view, pos);
      if (parser === null) return -1;
      this.parser = parser;
    }
    const r = parser.step(buf, view, pos, avail);
    if (r === 0) this.need = parser.need;
    return r;
  }

  private sniff(buf: Uint8Array, view: DataView, pos: number): FormatParser | null {
    const be = view.getUint32(pos, false);
    const le = view.getUint32(pos, true);
    if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) {
      this._format = 'pcap';
      return new PcapParser(this);
    }
    if (be === PCAPNG_SHB_TYPE) {
      this._format = 'pcapng';
      return new PcapngParser(this);
    }
    let hex = '';
    for (let i = 0; i < 4; i++) hex += buf[pos + i].toString(16).padStart(2, '0');
    this.fail(0, `not a pcap or pcapng file (magic 0x${hex})`);
    return null;
  }

  /** Make scratch hold at least n bytes, keeping scratch[0..carry). */
  private reserve(n: number): void {
    if (n <= this.scratch.length) return;
    let size = Math.max(INITIAL_SCRATCH, this.scratch.length * 2);
    while (size < n) size *= 2;
    const next = new Uint8Array(size);
    if (this.carry > 0) next.set(this.scratch.subarray(0, this.carry));
    this.scratch = next;
    this.scratchView = new DataView(next.buffer);
  }
}
