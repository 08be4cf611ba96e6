/** Helpers for the reader tests: read real files, push them in chunks, collect what the sink gets. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CaptureReader } from '../../shared/readers/reader.ts';
import type { CaptureIssue, PacketRecord } from '../../shared/capture/record.ts';

export const PUBLIC_DIR = fileURLToPath(new URL('../../../shared/captures/public/', import.meta.url));

export function publicCaptures(): string[] {
  return readdirSync(PUBLIC_DIR).filter((n) => /\.(pcap|pcapng)$/.test(n)).sort();
}

export function readPublic(name: string): Uint8Array {
  return new Uint8Array(readFileSync(PUBLIC_DIR + name));
}

/** One record as tshark shows it: [time_epoch | null, len, cap_len, interface_id | null, comment | null]. */
export type Row = [string | null, number, number, number | null, string | null];

export interface TsharkFile {
  status: number;
  error: string | null;
  nonPacketRecords: number;
  packets: Row[];
}

export const tshark = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/tshark.json', import.meta.url)), 'utf8'),
) as { tshark: string; files: Record<string, TsharkFile> };

export interface Collected {
  records: { row: Row; fileOffset: number; linkType: number; index: number; data: string }[];
  fatals: CaptureIssue[];
  warnings: CaptureIssue[];
  reader: CaptureReader;
}

export function formatTime(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

function hexOf(bytes: Uint8Array, offset: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += bytes[offset + i].toString(16).padStart(2, '0');
  return s;
}

/** Push `bytes` in chunks of `chunkSize` (copied, so the reader cannot rely on the caller's buffer). */
export function readInChunks(bytes: Uint8Array, chunkSize: number, opts: { pcapInterfaceId?: boolean } = {}): Collected {
  const out: Collected = { records: [], fatals: [], warnings: [], reader: undefined as unknown as CaptureReader };
  let reader: CaptureReader;
  reader = new CaptureReader({
    record(rec: PacketRecord) {
      const ifId = reader.format === 'pcap' && !opts.pcapInterfaceId ? null : rec.interfaceId;
      out.records.push({
        row: [rec.hasTimestamp === false ? null : formatTime(rec.tsSec, rec.tsNsec), rec.origLen, rec.capLen, ifId, rec.comment],
        fileOffset: rec.fileOffset,
        linkType: rec.linkType,
        index: rec.index,
        data: hexOf(rec.bytes, rec.offset, rec.capLen),
      });
    },
    fatal(issue) {
      out.fatals.push(issue);
    },
    warning(issue) {
      out.warnings.push(issue);
    },
  });
  out.reader = reader;
  for (let i = 0; i < bytes.length; i += chunkSize) {
    const chunk = bytes.slice(i, Math.min(bytes.length, i + chunkSize));
    if (!reader.push(chunk)) break;
  }
  reader.end();
  return out;
}

// ---- hand-built files ----

/** Little helper to write pcapng / pcap bytes in either byte order. */
export class Bytes {
  private parts: number[] = [];
  constructor(readonly le: boolean) {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u32(v: number): this {
    const b = [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
    this.parts.push(...(this.le ? b : b.reverse()));
    return this;
  }
  u64(v: bigint): this {
    const x = BigInt.asUintN(64, v);
    const hi = Number(x >> 32n);
    const lo = Number(x & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.parts.push(bytes[i]);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function concat(...arrays: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let p = 0;
  for (const a of arrays) {
    out.set(a, p);
    p += a.length;
  }
  return out;
}

export interface Option {
  code: number;
  value: Uint8Array;
}
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const opt = (code: number, value: Uint8Array | number[]): Option => ({ code, value: Uint8Array.from(value) });

function options(b: Bytes, opts: Option[]): void {
  if (opts.length === 0) return;
  for (const o of opts) b.u16(o.code).u16(o.value.length).raw(o.value).pad4();
  b.u16(0).u16(0);
}

/** A block with the given body (padded), both length fields filled in. `lengthFix` can corrupt them. */
export function block(le: boolean, type: number, body: (b: Bytes) => void, fix: { len?: number; trailer?: number } = {}): Uint8Array {
  const inner = new Bytes(le);
  body(inner);
  inner.pad4();
  const len = 12 + inner.length;
  return new Bytes(le).u32(type).u32(fix.len ?? len).raw(inner.bytes()).u32(fix.trailer ?? len).bytes();
}

export function shb(le: boolean, opts: Option[] = [], version: [number, number] = [1, 0]): Uint8Array {
  return block(le, 0x0a0d0d0a, (b) => {
    b.u32(0x1a2b3c4d).u16(version[0]).u16(version[1]).u64(-1n);
    options(b, opts);
  });
}

export function idb(le: boolean, linkType: number, snapLen: number, opts: Option[] = []): Uint8Array {
  return block(le, 1, (b) => {
    b.u16(linkType).u16(0).u32(snapLen);
    options(b, opts);
  });
}

export function epb(le: boolean, ifId: number, ts: bigint, data: Uint8Array, origLen = data.length, opts: Option[] = [], capLen = data.length): Uint8Array {
  return block(le, 6, (b) => {
    b.u32(ifId).u32(Number(BigInt.asUintN(64, ts) >> 32n)).u32(Number(BigInt.asUintN(64, ts) & 0xffffffffn));
    b.u32(capLen).u32(origLen).raw(data).pad4();
    options(b, opts);
  });
}

/** Obsolete Packet Block (type 2): 16-bit interface id and drops count. */
export function pb(le: boolean, ifId: number, ts: bigint, data: Uint8Array, origLen = data.length, opts: Option[] = []): Uint8Array {
  return block(le, 2, (b) => {
    b.u16(ifId).u16(0).u32(Number(ts >> 32n)).u32(Number(ts & 0xffffffffn));
    b.u32(data.length).u32(origLen).raw(data).pad4();
    options(b, opts);
  });
}

export function spb(le: boolean, origLen: number, data: Uint8Array): Uint8Array {
  return block(le, 3, (b) => {
    b.u32(origLen).raw(data).pad4();
  });
}

/** if_tsresol option value. */
export const tsresol = (v: number): Option => opt(9, [v]);
/** if_tsoffset option value (signed seconds). */
export function tsoffset(le: boolean, sec: bigint): Option {
  return opt(14, new Bytes(le).u64(sec).bytes());
}

export function pcapHeader(le: boolean, nano: boolean, linkField = 1, snapLen = 65535, version: [number, number] = [2, 4]): Uint8Array {
  return new Bytes(le).u32(nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(version[0]).u16(version[1]).u32(0).u32(0).u32(snapLen).u32(linkField).bytes();
}

export function pcapRecord(le: boolean, sec: number, frac: number, data: Uint8Array, origLen = data.length, capLen = data.length): Uint8Array {
  return new Bytes(le).u32(sec).u32(frac).u32(capLen).u32(origLen).raw(data).bytes();
}

/** Offsets where the file's units (header, records, blocks) start, plus the file length: an independent walk. */
export function unitBoundaries(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [0];
  const magicLE = view.getUint32(0, true);
  if (magicLE === 0x0a0d0d0a) {
    let p = 0;
    let le = true;
    while (p + 12 <= bytes.length) {
      if (view.getUint32(p, true) === 0x0a0d0d0a) le = view.getUint32(p + 8, true) === 0x1a2b3c4d;
      p += view.getUint32(p + 4, le);
      if (p <= bytes.length) out.push(p);
    }
  } else {
    const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
    let p = 24;
    out.push(p);
    while (p + 16 <= bytes.length) {
      p += 16 + view.getUint32(p + 8, le);
      if (p <= bytes.length) out.push(p);
    }
  }
  return out;
}
