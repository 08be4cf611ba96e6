/**
 * JSON written straight into UTF-8 bytes: what `analyze --json` streams out for every flow. The
 * text is byte for byte what JSON.stringify gives for the same values (tests check it), but no
 * intermediate objects, strings or joins are made, and the bytes go to stdout (or to the main
 * thread, transferred) without being encoded again.
 */

import { isoDate, isoText } from './addr.ts';

const encoder = new TextEncoder();

/** A constant piece of JSON text (ASCII), encoded once. */
export function jsonPiece(text: string): Uint8Array {
  return encoder.encode(text);
}

const HEX = jsonPiece('0123456789abcdef');
const NULL = jsonPiece('null');
/** "00" .. "99": the digits of i at D2[2i], D2[2i + 1]. */
const D2 = new Uint8Array(200);
/** "000" .. "999": the digits of i at D3[3i .. 3i + 2]. */
const D3 = new Uint8Array(3000);
for (let i = 0; i < 1000; i++) {
  if (i < 100) {
    D2[2 * i] = 48 + Math.floor(i / 10);
    D2[2 * i + 1] = 48 + (i % 10);
  }
  D3[3 * i] = 48 + Math.floor(i / 100);
  D3[3 * i + 1] = 48 + (Math.floor(i / 10) % 10);
  D3[3 * i + 2] = 48 + (i % 10);
}

export class JsonBytes {
  private buf: Uint8Array;
  private n = 0;
  /** Date part ("YYYY-MM-DDT") of the last time written, for its day. */
  private day = NaN;
  private readonly dayText = new Uint8Array(16);
  private dayLen = 0;

  /**
   * `spare`: buffers handed back by whoever took earlier bytes (see take), or undefined when
   * there is none; without it take() copies.
   */
  constructor(
    initial = 1 << 16,
    private readonly spare?: () => ArrayBuffer | undefined,
  ) {
    this.buf = new Uint8Array(initial);
  }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    // At least 64 bytes: doubling an empty buffer (constructed with 0) would never make room.
    let cap = Math.max(64, this.buf.length * 2);
    while (cap < this.n + k) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  /**
   * The bytes written so far, and the writer emptied. A copy; with a `spare` source, the writer's
   * own buffer instead (its ArrayBuffer is the caller's: to transfer, then to hand back), and the
   * writer goes on in a spare buffer at least as large, or a new one (a fresh buffer costs a page
   * fault per 4 KB on first write: recycling a few spares saves those and the copy).
   */
  take(): Uint8Array {
    // Nothing written (the analysis without JSON): nothing to hand over, the buffer stays.
    if (this.n === 0) return new Uint8Array(0);
    if (!this.spare) {
      const out = this.buf.slice(0, this.n);
      this.n = 0;
      return out;
    }
    const out = this.buf.subarray(0, this.n);
    let next = this.spare();
    // Spares smaller than the writer has grown to (from its first blocks) are let go.
    while (next && next.byteLength < this.buf.length) next = this.spare();
    this.buf = next ? new Uint8Array(next) : new Uint8Array(this.buf.length);
    this.n = 0;
    return out;
  }

  piece(p: Uint8Array): this {
    const len = p.length;
    this.room(len);
    // Pieces are a few bytes: a loop beats TypedArray.prototype.set's call for them.
    const b = this.buf;
    let o = this.n;
    for (let i = 0; i < len; i++) b[o++] = p[i];
    this.n = o;
    return this;
  }

  byte(c: number): this {
    this.room(1);
    this.buf[this.n++] = c;
    return this;
  }

  /** A string as JSON: quoted, escaped as JSON.stringify escapes it. */
  str(s: string): this {
    return this.strIn(s, 0, s.length);
  }

  /** s.slice(from, to) as JSON, without making the slice (unless it needs escaping). */
  strIn(s: string, from: number, to: number): this {
    this.room(to - from + 2);
    const b = this.buf;
    let o = this.n;
    b[o++] = 0x22;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      // Printable ASCII other than '"' and '\': as is. Anything else: JSON.stringify's text.
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return this.slowStr(s.slice(from, to));
      b[o++] = c;
    }
    b[o++] = 0x22;
    this.n = o;
    return this;
  }

  private slowStr(s: string): this {
    const text = JSON.stringify(s);
    this.room(text.length * 3);
    this.n += encoder.encodeInto(text, this.buf.subarray(this.n)).written;
    return this;
  }

  /** A number as JSON.stringify writes it (NaN and infinities: null). */
  num(v: number): this {
    if (Number.isSafeInteger(v) && v >= 0) return this.uint(v);
    if (!Number.isFinite(v)) return this.piece(NULL);
    const text = String(v);
    this.room(text.length);
    for (let i = 0; i < text.length; i++) this.buf[this.n++] = text.charCodeAt(i);
    return this;
  }

  private uint(v: number): this {
    this.room(16);
    const b = this.buf;
    if (v < 10) {
      b[this.n++] = 48 + v;
      return this;
    }
    if (v < 0x80000000) {
      // Two digits at a time, in 32-bit integer arithmetic (counts, bytes, ports).
      let digits = 2;
      for (let x = v; x >= 100; x = (x / 10) | 0) digits++;
      let e = this.n + digits;
      this.n = e;
      let x = v;
      while (x >= 100) {
        const q = (x / 100) | 0;
        const r = 2 * (x - q * 100);
        b[--e] = D2[r + 1];
        b[--e] = D2[r];
        x = q;
      }
      if (x >= 10) {
        b[--e] = D2[2 * x + 1];
        b[--e] = D2[2 * x];
      } else b[--e] = 48 + x;
      return this;
    }
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    let o = this.n + digits;
    this.n = o;
    for (let x = v; o > this.n - digits; x = Math.floor(x / 10)) b[--o] = 48 + (x % 10);
    return this;
  }

  /** `"0x"` and eight hex digits, quoted (hex32). */
  hex32(v: number): this {
    this.room(12);
    const b = this.buf;
    let o = this.n;
    b[o++] = 0x22;
    b[o++] = 0x30;
    b[o++] = 0x78;
    for (let sh = 28; sh >= 0; sh -= 4) b[o++] = HEX[(v >>> sh) & 15];
    b[o++] = 0x22;
    this.n = o;
    return this;
  }

  /** ISO-8601 UTC with nanoseconds, quoted, as isoText(sec, nsec) writes it. */
  iso(sec: number, nsec: number): this {
    if (!Number.isInteger(sec) || !Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) return this.str(isoText(sec, nsec));
    const days = Math.floor(sec / 86400);
    if (days !== this.day) this.setDay(days);
    this.room(this.dayLen + 22);
    const b = this.buf;
    let o = this.n;
    b[o++] = 0x22;
    for (let k = 0; k < this.dayLen; k++) b[o++] = this.dayText[k];
    // Within the day, and the nanoseconds: 32-bit integers, written from digit tables.
    let s = sec - days * 86400;
    const hh = (s / 3600) | 0;
    s -= hh * 3600;
    const mm = (s / 60) | 0;
    s -= mm * 60;
    b[o++] = D2[2 * hh];
    b[o++] = D2[2 * hh + 1];
    b[o++] = 0x3a;
    b[o++] = D2[2 * mm];
    b[o++] = D2[2 * mm + 1];
    b[o++] = 0x3a;
    b[o++] = D2[2 * s];
    b[o++] = D2[2 * s + 1];
    b[o++] = 0x2e;
    const ms = (nsec / 1e6) | 0;
    const rest = nsec - ms * 1e6;
    const us = (rest / 1000) | 0;
    const ns = rest - us * 1000;
    b[o++] = D3[3 * ms];
    b[o++] = D3[3 * ms + 1];
    b[o++] = D3[3 * ms + 2];
    b[o++] = D3[3 * us];
    b[o++] = D3[3 * us + 1];
    b[o++] = D3[3 * us + 2];
    b[o++] = D3[3 * ns];
    b[o++] = D3[3 * ns + 1];
    b[o++] = D3[3 * ns + 2];
    b[o++] = 0x5a;
    b[o++] = 0x22;
    this.n = o;
    return this;
  }

  private setDay(days: number): void {
    // The date part exactly as isoText writes it (any year, signed beyond 0..9999).
    const text = isoDate(days);
    this.day = days;
    this.dayLen = text.length;
    for (let i = 0; i < text.length; i++) this.dayText[i] = text.charCodeAt(i);
  }
}
