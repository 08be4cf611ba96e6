/**
 * Fuzz targets and their invariants, shared by the Jazzer.js entry points (reader.fuzz.ts,
 * decode.fuzz.ts) and by the corpus regression test (corpus.test.ts).
 *
 * A target throws FuzzViolation when an invariant fails; anything else thrown is a crash of the
 * code under test. Both are findings. Hangs are caught by the fuzzer's per-input timeout.
 *
 * (a) readerPipeline: bytes -> CaptureIndexer (which wraps CaptureReader) pushed in chunk sizes
 *     derived from the input -> analyzeIndexes. Invariants: nothing throws; every input ends as
 *     packets or as a file error with an offset inside the file; chunking changes nothing (the
 *     same bytes pushed whole give the same records, times, offsets and errors); packets come in
 *     file order; malformed <= packets; the analysis serialises to JSON without NaN.
 * (b) decodeTarget: byte 0 picks the link type (0, 1, 101, 113, 228, 229, 276), byte 1 the
 *     snapshot cut, the rest is the packet. decodePacket + packetFields must not throw, must not
 *     fall back to the "decoder error" catch-all (that means a decoder threw), must keep every
 *     layer and offset inside the captured bytes, and must give the same answer whatever lies
 *     around the packet in the buffer (a read past the captured length shows up as a difference).
 */
import { CaptureIndexer, type IndexedCapture } from '../../shared/engine/capture-index.ts';
import { analyzeIndexes } from '../../shared/engine/analyze.ts';
import { Decoded } from '../../shared/decode/decoded.ts';
import { decodePacket } from '../../shared/decode/decode.ts';
import { packetFields } from '../../shared/decode/fields.ts';
import type { PacketRecord } from '../../shared/capture/record.ts';

export class FuzzViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FuzzViolation';
  }
}

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new FuzzViolation(message);
}

/** Deterministic chunk sizes from the input itself (so a crash reproduces from the file alone). */
export function chunkSizes(data: Uint8Array): () => number {
  let s = (data.length * 2654435761) >>> 0;
  for (let i = 0; i < Math.min(data.length, 64); i += 7) s = Math.imul(s ^ data[i], 0x01000193) >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    // Mostly tiny chunks (1..16 bytes) to split every header, sometimes large ones.
    return (s & 3) === 0 ? 1 + (s % 4096) : 1 + ((s >>> 3) % 16);
  };
}

export function indexChunked(data: Uint8Array, next: () => number): IndexedCapture {
  const ix = new CaptureIndexer();
  for (let o = 0; o < data.length; ) {
    const n = next();
    // A fresh copy per chunk: the reader must not keep views into the caller's buffer.
    if (!ix.push(data.slice(o, o + n))) break;
    o += n;
  }
  return ix.finish();
}

export function indexWhole(data: Uint8Array): IndexedCapture {
  const ix = new CaptureIndexer();
  ix.push(data);
  return ix.finish();
}

const ISO = /^[+-]?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

function sameColumns(a: IndexedCapture, b: IndexedCapture): void {
  check(a.packets === b.packets, `chunked read gave ${a.packets} packets, whole read ${b.packets}`);
  check(JSON.stringify(a.errors) === JSON.stringify(b.errors), `chunked read errors ${JSON.stringify(a.errors)} != whole read errors ${JSON.stringify(b.errors)}`);
  check(a.malformed === b.malformed, 'malformed count depends on chunking');
  for (let i = 0; i < a.packets; i++) {
    check(a.fileOffset[i] === b.fileOffset[i], `packet ${i}: file offset depends on chunking`);
    check(Object.is(a.tNs[i], b.tNs[i]), `packet ${i}: time depends on chunking`);
    check(a.flow[i] === b.flow[i] && a.flags[i] === b.flags[i] && a.hash[i] === b.hash[i], `packet ${i}: decode depends on chunking`);
  }
}

/** (a) The whole reader + indexer + analysis path. */
export function readerPipeline(data: Uint8Array): void {
  const chunked = indexChunked(data, chunkSizes(data));
  const whole = indexWhole(data);
  sameColumns(chunked, whole);
  const ix = chunked;
  check(ix.bytesRead === data.length || ix.errors.length > 0, 'reading stopped early without an error');
  check(ix.format !== null || ix.errors.length > 0, 'not recognised as a capture, yet no error');
  for (const e of ix.errors) {
    check(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= data.length, `error offset ${e.offset} outside the file (${data.length} bytes)`);
    check(typeof e.message === 'string' && e.message.length > 0 && e.message.length < 500, 'error without a short message');
    check(!/\bat \S+:\d+:\d+/.test(e.message), `error message carries a stack trace: ${e.message}`);
  }
  check(ix.malformed <= ix.packets, 'more malformed packets than packets');
  for (let i = 0; i < ix.packets; i++) {
    check(ix.fileOffset[i] < data.length && (i === 0 || ix.fileOffset[i] > ix.fileOffset[i - 1]), `packet ${i}: file offset ${ix.fileOffset[i]} out of order or outside the file`);
    check(!Number.isNaN(ix.tNs[i]), `packet ${i}: time is NaN`);
  }
  // Two capture points of one device (receive, transmit) from the same bytes: exercises the
  // stage alignment and the rules, not only the inventory.
  const res = analyzeIndexes([
    { spec: { path: 'fuzz-rx.pcap', device: 'fw1', stage: 'receive', labelled: 'explicit' }, ix: chunked },
    { spec: { path: 'fuzz-tx.pcap', device: 'fw1', stage: 'transmit', labelled: 'explicit' }, ix: whole },
  ]);
  let bad = '';
  JSON.stringify(res, (key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value) && bad === '') bad = `${key}: ${value}`;
    return value;
  });
  check(bad === '', `analysis output has a non-finite number (${bad})`);
  for (const c of res.captures) {
    check(c.packets === ix.packets, 'capture summary packet count differs from the index');
    if (c.packets > 0) check(ISO.test(c.first ?? '') && ISO.test(c.last ?? ''), `capture times not ISO-8601: ${c.first} .. ${c.last}`);
  }
}

export const DECODED_LINK_TYPES = [0, 1, 101, 113, 228, 229, 276] as const;

interface DecodeView {
  fields: string;
  summary: string;
}

function viewOf(d: Decoded, rec: PacketRecord, base: number): DecodeView {
  const layers: number[] = [];
  for (let i = 0; i < d.nLayers; i++) layers.push(d.kind[i], d.start[i] - base, d.end[i] - base, d.quoted[i]);
  const off = (o: number) => (o < 0 ? o : o - base);
  const summary = JSON.stringify([
    layers,
    d.malformed,
    d.ipVersion,
    d.ipVersion ? off(d.srcAddrOff) : 0,
    d.ipVersion ? off(d.dstAddrOff) : 0,
    d.ipProto,
    d.ipId,
    d.ipTtl,
    d.ipLen,
    d.fragment,
    d.srcPort,
    d.dstPort,
    d.tcpOk,
    d.tcpFlags,
    d.tcpSeq,
    d.tcpAck,
    d.tcpWindow,
    d.tcpLen,
    d.payloadCapLen ? off(d.payloadOff) : 0,
    d.payloadCapLen,
    d.tcpMss,
    d.tcpWscale,
    d.tcpSackPerm,
    d.tcpTsVal,
    d.tcpTsEcr,
    d.icmpType,
    d.icmpCode,
    d.quotedProto,
    d.tunnel,
    d.vni,
    d.outerSrc4,
    d.outerDst4,
    d.flowCookie,
    off(d.endpointIdOff),
    off(d.attachmentIdOff),
  ]);
  return { fields: JSON.stringify(packetFields(rec, d, { pcapng: true })), summary };
}

function decodeAt(d: Decoded, linkType: number, pkt: Uint8Array, before: number, after: number, fill: number, origLen: number): { view: DecodeView; d: Decoded; rec: PacketRecord } {
  const buf = new Uint8Array(before + pkt.length + after).fill(fill);
  buf.set(pkt, before);
  const rec: PacketRecord = {
    index: 0,
    fileOffset: 0,
    interfaceId: 0,
    linkType,
    tsSec: 1700000000,
    tsNsec: 5,
    hasTimestamp: true,
    capLen: pkt.length,
    origLen,
    bytes: buf,
    offset: before,
    comment: null,
  };
  decodePacket(d, linkType, buf, before, pkt.length, origLen);
  return { view: viewOf(d, rec, before), d, rec };
}

/** (b) One packet of one link type through decodePacket and packetFields. */
export function decodeTarget(data: Uint8Array): void {
  if (data.length < 2) return;
  const linkType = DECODED_LINK_TYPES[data[0] % DECODED_LINK_TYPES.length];
  const pkt = data.subarray(2);
  // Byte 1: 0..127 = captured whole; else the original was longer (snapshot cut).
  const origLen = data[1] < 128 ? pkt.length : pkt.length + 1 + data[1] * 11;
  const d = new Decoded();
  // The packet alone in its buffer (a read past its end gives undefined) ...
  const a = decodeAt(d, linkType, pkt, 0, 0, 0, origLen);
  check(d.malformed !== 'decoder error', `link type ${linkType}: a decoder threw (caught by decodePacket's catch-all)`);
  const lo = 0;
  const hi = pkt.length;
  for (let i = 0; i < d.nLayers; i++) {
    check(d.start[i] >= lo && d.start[i] <= d.end[i] && d.end[i] <= hi, `link type ${linkType}: layer ${i} (kind ${d.kind[i]}) spans ${d.start[i]}..${d.end[i]}, outside the captured 0..${hi}`);
  }
  if (d.ipVersion !== 0) {
    const w = d.ipVersion === 4 ? 4 : 16;
    check(d.srcAddrOff >= lo && d.srcAddrOff + w <= hi && d.dstAddrOff >= lo && d.dstAddrOff + w <= hi, `link type ${linkType}: IP addresses outside the captured bytes`);
  }
  if (d.payloadCapLen > 0) check(d.payloadOff >= lo && d.payloadOff + d.payloadCapLen <= hi, `link type ${linkType}: payload ${d.payloadOff}+${d.payloadCapLen} outside the captured bytes`);
  for (const o of [d.endpointIdOff, d.attachmentIdOff]) if (o !== -1) check(o >= lo && o + 8 <= hi, `link type ${linkType}: GWLB option value outside the captured bytes`);
  check(!/NaN|undefined|null/.test(a.view.fields), `link type ${linkType}: packetFields gave ${a.view.fields}`);
  // ... and the same packet between other bytes (0x00 and 0xff around it): the answer must not change.
  for (const fill of [0x00, 0xff]) {
    const b = decodeAt(d, linkType, pkt, 13, 64, fill, origLen);
    check(b.view.summary === a.view.summary, `link type ${linkType}: decode reads outside the captured bytes (fill 0x${fill.toString(16)}):\n${a.view.summary}\n${b.view.summary}`);
    check(b.view.fields === a.view.fields, `link type ${linkType}: packetFields reads outside the captured bytes (fill 0x${fill.toString(16)}):\n${a.view.fields}\n${b.view.fields}`);
  }
}
