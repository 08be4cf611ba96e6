/**
 * pcapng writer (draft-ietf-opsawg-pcapng): SHB, IDB, EPB with opt_comment.
 *
 *   block: type (4) | total length (4) | body, padded to 32 bits | total length (4)
 *   SHB 0x0A0D0D0A: byte-order magic 0x1A2B3C4D, version 1.0, section length -1
 *   IDB 0x00000001: link type (2), reserved (2), snaplen (4), options
 *                   opt_comment (1), if_name (2), if_description (3), if_tsresol (9: one byte, 6 = µs, 9 = ns)
 *   EPB 0x00000006: interface id, timestamp high, timestamp low (units of the interface's
 *                   if_tsresol), captured length, original length, data, options opt_comment (1),
 *                   which may repeat
 *   options: code (2) | length (2) | value padded to 32 bits; opt_endofopt (0, 0) ends the list.
 *
 * Streaming: every method returns one block; `pcapngChunks` yields a whole file block by block.
 * `writeEnhancedPacket` writes straight into a caller's buffer for hot loops.
 */

export interface PcapngWriterOptions {
  /** Section byte order. Default little-endian. */
  bigEndian?: boolean;
  /** shb_userappl, written in the SHB when given. */
  application?: string;
}

export interface PcapngInterface {
  linkType: number;
  snapLen?: number;
  name?: string;
  /** if_tsresol as a power of ten: 6 (µs, the pcapng default) or 9 (ns). */
  tsResolution?: 6 | 9;
  /** if_description (option 3). */
  description?: string;
  /** opt_comment (option 1) of the interface. */
  comment?: string;
}

/** One opt_comment, or several (each its own option; tshark shows one frame.comment each). */
export type PcapngComment = string | readonly string[] | null | undefined;

function commentOptions(comment: PcapngComment): Option[] | null {
  if (!comment) return null;
  const list = typeof comment === 'string' ? [comment] : comment;
  const opts: Option[] = [];
  for (const c of list) if (c) opts.push({ code: 1, value: clampOption(encoder.encode(c)) });
  return opts.length ? opts : null;
}

/** An option value is at most 65535 bytes (16-bit length); longer text is cut at a character boundary. */
function clampOption(v: Uint8Array): Uint8Array {
  if (v.length <= 65535) return v;
  let end = 65535;
  while (end > 0 && (v[end] & 0xc0) === 0x80) end--;
  return v.subarray(0, end);
}

export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const encoder = new TextEncoder();

export class PcapngWriter {
  readonly bigEndian: boolean;
  private readonly little: boolean;
  private readonly application?: string;
  private readonly interfaces: { snapLen: number; resolution: 6 | 9 }[] = [];

  constructor(options: PcapngWriterOptions = {}) {
    this.bigEndian = options.bigEndian ?? false;
    this.little = !this.bigEndian;
    this.application = options.application;
  }

  /** Section header block. Starts a new section: interfaces are numbered from 0 again. */
  sectionHeader(): Uint8Array {
    this.interfaces.length = 0;
    const opts: Option[] = [];
    if (this.application) opts.push({ code: 4, value: encoder.encode(this.application) });
    const optLen = optionsLength(opts);
    const total = 12 + 16 + optLen;
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    v.setUint32(0, PCAPNG_SHB, this.little);
    v.setUint32(4, total, this.little);
    v.setUint32(8, PCAPNG_BYTE_ORDER_MAGIC, this.little);
    v.setUint16(12, 1, this.little);
    v.setUint16(14, 0, this.little);
    v.setInt32(16, -1, this.little); // section length -1: not given
    v.setInt32(20, -1, this.little);
    writeOptions(out, v, 24, opts, this.little);
    v.setUint32(total - 4, total, this.little);
    return out;
  }

  /** Interface description block; the interface gets the next id (0, 1, ...) of the section. */
  interfaceDescription(iface: PcapngInterface): Uint8Array {
    const resolution = iface.tsResolution ?? 6;
    const snapLen = iface.snapLen ?? 262144;
    this.interfaces.push({ snapLen, resolution });
    const opts: Option[] = [];
    if (iface.comment) opts.push({ code: 1, value: clampOption(encoder.encode(iface.comment)) });
    if (iface.name) opts.push({ code: 2, value: encoder.encode(iface.name) });
    if (iface.description) opts.push({ code: 3, value: clampOption(encoder.encode(iface.description)) });
    if (resolution !== 6) opts.push({ code: 9, value: Uint8Array.of(resolution) });
    const optLen = optionsLength(opts);
    const total = 12 + 8 + optLen;
    const out = new Uint8Array(total);
    const v = new DataView(out.buffer);
    v.setUint32(0, PCAPNG_IDB, this.little);
    v.setUint32(4, total, this.little);
    v.setUint16(8, iface.linkType, this.little);
    v.setUint16(10, 0, this.little);
    v.setUint32(12, snapLen, this.little);
    writeOptions(out, v, 16, opts, this.little);
    v.setUint32(total - 4, total, this.little);
    return out;
  }

  /** Bytes an EPB takes for `length` packet bytes (after the snaplen cut) and an optional comment. */
  enhancedPacketSize(interfaceId: number, length: number, comment?: PcapngComment): number {
    const capLen = Math.min(length, this.iface(interfaceId).snapLen);
    const opts = commentOptions(comment);
    const commentLen = opts ? optionsLength(opts) : 0;
    return 32 + pad4(capLen) + commentLen;
  }

  /** Enhanced packet block. `tsNsec` is nanoseconds; µs interfaces keep floor(tsNsec / 1000). */
  enhancedPacket(
    interfaceId: number,
    tsSec: number,
    tsNsec: number,
    bytes: Uint8Array,
    origLen?: number,
    comment?: PcapngComment,
  ): Uint8Array {
    const out = new Uint8Array(this.enhancedPacketSize(interfaceId, bytes.length, comment));
    this.writeEnhancedPacket(out, 0, interfaceId, tsSec, tsNsec, bytes, 0, bytes.length, origLen ?? bytes.length, comment);
    return out;
  }

  /** Writes one EPB into `target` at `offset`; returns the offset after it. */
  writeEnhancedPacket(
    target: Uint8Array,
    offset: number,
    interfaceId: number,
    tsSec: number,
    tsNsec: number,
    bytes: Uint8Array,
    bytesOffset: number,
    length: number,
    origLen: number = length,
    comment?: PcapngComment,
  ): number {
    const iface = this.iface(interfaceId);
    const capLen = Math.min(length, iface.snapLen);
    const padded = pad4(capLen);
    const opts = commentOptions(comment);
    const total = 32 + padded + (opts ? optionsLength(opts) : 0);
    timestampUnitsInto(scratchUnits, tsSec, tsNsec, iface.resolution);
    const put = this.little ? putU32LE : putU32BE;
    put(target, offset, PCAPNG_EPB);
    put(target, offset + 4, total);
    put(target, offset + 8, interfaceId);
    put(target, offset + 12, scratchUnits[0]);
    put(target, offset + 16, scratchUnits[1]);
    put(target, offset + 20, capLen);
    put(target, offset + 24, origLen);
    target.set(bytesOffset === 0 && capLen === bytes.length ? bytes : bytes.subarray(bytesOffset, bytesOffset + capLen), offset + 28);
    for (let i = offset + 28 + capLen; i < offset + 28 + padded; i++) target[i] = 0;
    if (opts) {
      const v = new DataView(target.buffer, target.byteOffset, target.byteLength);
      writeOptions(target, v, offset + 28 + padded, opts, this.little);
    }
    put(target, offset + total - 4, total);
    return offset + total;
  }

  private iface(interfaceId: number): { snapLen: number; resolution: 6 | 9 } {
    const iface = this.interfaces[interfaceId];
    if (!iface) throw new Error(`pcapng writer: interface ${interfaceId} was not described in this section`);
    return iface;
  }
}

/**
 * A 64-bit timestamp in units of 10^-resolution s as [high, low] 32-bit halves, computed
 * exactly without BigInt (tsSec up to 2^32, the sum stays below 2^53 at every step).
 */
export function timestampUnits(tsSec: number, tsNsec: number, resolution: 6 | 9): [number, number] {
  const out: [number, number] = [0, 0];
  timestampUnitsInto(out, tsSec, tsNsec, resolution);
  return out;
}

const scratchUnits: [number, number] = [0, 0];

/** timestampUnits without allocating: writes [high, low] into `out`. */
export function timestampUnitsInto(out: [number, number], tsSec: number, tsNsec: number, resolution: 6 | 9): void {
  const perSecond = resolution === 9 ? 1e9 : 1e6;
  const frac = resolution === 9 ? tsNsec : Math.floor(tsNsec / 1000);
  const ah = Math.floor(tsSec / 0x100000);
  const al = tsSec - ah * 0x100000;
  const p = ah * perSecond; // < 2^12 * 1e9
  const pHigh = Math.floor(p / 4096);
  const rest = (p - pHigh * 4096) * 0x100000 + al * perSecond + frac;
  const carry = Math.floor(rest / 0x100000000);
  out[0] = (pHigh + carry) >>> 0;
  out[1] = (rest - carry * 0x100000000) >>> 0;
}

/** A file as chunks: SHB, one IDB per interface, then one EPB per packet. */
export function* pcapngChunks(
  options: PcapngWriterOptions,
  interfaces: PcapngInterface[],
  packets: Iterable<{ interfaceId?: number; tsSec: number; tsNsec: number; bytes: Uint8Array; origLen?: number; comment?: PcapngComment }>,
): Generator<Uint8Array> {
  const writer = new PcapngWriter(options);
  yield writer.sectionHeader();
  for (const iface of interfaces) yield writer.interfaceDescription(iface);
  for (const p of packets) yield writer.enhancedPacket(p.interfaceId ?? 0, p.tsSec, p.tsNsec, p.bytes, p.origLen, p.comment);
}

interface Option {
  code: number;
  value: Uint8Array;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Options plus opt_endofopt; no bytes at all when there are no options. */
function optionsLength(opts: Option[]): number {
  if (opts.length === 0) return 0;
  let n = 4;
  for (const o of opts) n += 4 + pad4(o.value.length);
  return n;
}

function writeOptions(out: Uint8Array, v: DataView, offset: number, opts: Option[], little: boolean): number {
  if (opts.length === 0) return offset;
  for (const o of opts) {
    v.setUint16(offset, o.code, little);
    v.setUint16(offset + 2, o.value.length, little);
    out.set(o.value, offset + 4);
    out.fill(0, offset + 4 + o.value.length, offset + 4 + pad4(o.value.length));
    offset += 4 + pad4(o.value.length);
  }
  v.setUint32(offset, 0, little); // opt_endofopt
  return offset + 4;
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
