/**
 * Classic libpcap writer (https://wiki.wireshark.org/Development/LibpcapFileFormat).
 *
 *   global header (24 bytes): magic 0xa1b2c3d4 (µs) | 0xa1b23c4d (ns), version 2.4,
 *     thiszone 0, sigfigs 0, snaplen, network (link type)
 *   record header (16 bytes): ts_sec, ts_usec|ts_nsec, incl_len, orig_len
 *
 * Streaming: `header()` once, then one `record()` per packet; nothing is kept between calls.
 * For hot loops, `writeRecord()` writes header + bytes straight into a caller's buffer.
 * Plain TypeScript (no node:*), so the pcapng/pcap exports of the app reuse it.
 */

export interface PcapWriterOptions {
  /** Write the file big-endian (magic a1 b2 c3 d4 on disk). Default little-endian. */
  bigEndian?: boolean;
  /** Nanosecond timestamps (magic 0xa1b23c4d). Default microseconds. */
  nanosecond?: boolean;
  /** Link type (LINKTYPE_ETHERNET = 1 by default). */
  linkType?: number;
  /** Snapshot length: longer packets are cut to it (incl_len), orig_len keeps the full length. */
  snapLen?: number;
}

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export class PcapWriter {
  readonly bigEndian: boolean;
  readonly nanosecond: boolean;
  readonly linkType: number;
  readonly snapLen: number;
  private readonly little: boolean;

  constructor(options: PcapWriterOptions = {}) {
    this.bigEndian = options.bigEndian ?? false;
    this.nanosecond = options.nanosecond ?? false;
    this.linkType = options.linkType ?? 1;
    this.snapLen = options.snapLen ?? 262144;
    this.little = !this.bigEndian;
  }

  /** The 24-byte global header. */
  header(): Uint8Array {
    const out = new Uint8Array(PCAP_GLOBAL_HEADER_LEN);
    const v = new DataView(out.buffer);
    v.setUint32(0, this.nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US, this.little);
    v.setUint16(4, 2, this.little);
    v.setUint16(6, 4, this.little);
    v.setInt32(8, 0, this.little);
    v.setUint32(12, 0, this.little);
    v.setUint32(16, this.snapLen, this.little);
    v.setUint32(20, this.linkType, this.little);
    return out;
  }

  /** Bytes one record takes for a packet of `length` bytes (after the snaplen cut). */
  recordSize(length: number): number {
    return PCAP_RECORD_HEADER_LEN + Math.min(length, this.snapLen);
  }

  /**
   * One record (header + captured bytes). `tsNsec` is always nanoseconds (0..999999999);
   * microsecond files keep floor(tsNsec / 1000).
   */
  record(tsSec: number, tsNsec: number, bytes: Uint8Array, origLen?: number): Uint8Array {
    const out = new Uint8Array(this.recordSize(bytes.length));
    this.writeRecord(out, 0, tsSec, tsNsec, bytes, 0, bytes.length, origLen ?? bytes.length);
    return out;
  }

  /**
   * Writes one record into `target` at `offset` and returns the offset after it.
   * The caller makes sure `recordSize(length)` bytes fit.
   */
  writeRecord(
    target: Uint8Array,
    offset: number,
    tsSec: number,
    tsNsec: number,
    bytes: Uint8Array,
    bytesOffset: number,
    length: number,
    origLen: number = length,
  ): number {
    const capLen = Math.min(length, this.snapLen);
    const frac = this.nanosecond ? tsNsec : Math.floor(tsNsec / 1000);
    this.writeRecordHeader(target, offset, tsSec, frac, capLen, origLen);
    target.set(bytesOffset === 0 && capLen === bytes.length ? bytes : bytes.subarray(bytesOffset, bytesOffset + capLen), offset + PCAP_RECORD_HEADER_LEN);
    return offset + PCAP_RECORD_HEADER_LEN + capLen;
  }

  /** Only the 16-byte record header (`frac` already in the file's unit). */
  writeRecordHeader(target: Uint8Array, offset: number, tsSec: number, frac: number, capLen: number, origLen: number): void {
    if (this.little) {
      putU32LE(target, offset, tsSec);
      putU32LE(target, offset + 4, frac);
      putU32LE(target, offset + 8, capLen);
      putU32LE(target, offset + 12, origLen);
    } else {
      putU32BE(target, offset, tsSec);
      putU32BE(target, offset + 4, frac);
      putU32BE(target, offset + 8, capLen);
      putU32BE(target, offset + 12, origLen);
    }
  }
}

/** A whole file as chunks: the header, then one chunk per record. */
export function* pcapChunks(
  options: PcapWriterOptions,
  packets: Iterable<{ tsSec: number; tsNsec: number; bytes: Uint8Array; origLen?: number }>,
): Generator<Uint8Array> {
  const writer = new PcapWriter(options);
  yield writer.header();
  for (const p of packets) yield writer.record(p.tsSec, p.tsNsec, p.bytes, p.origLen);
}

function putU32LE(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

function putU32BE(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}
