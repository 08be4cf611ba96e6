/**
 * pcapng (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/).
 *
 * Every block:                      Section Header Block (type 0x0A0D0D0A, section 4.1)
 *  0 block type                       8 byte-order magic 0x1A2B3C4D
 *  4 block total length              12 major (1) | minor (0)
 *  8 body ...                        16 section length (64-bit, -1 = unknown), then options
 *  L-4 block total length again
 *
 * Interface Description Block (1, 4.2): 8 link type (16 bits) | reserved, 12 snaplen, options
 *   (if_name 2, if_tsresol 9, if_tsoffset 14).
 * Enhanced Packet Block (6, 4.3): 8 interface id, 12 ts high, 16 ts low, 20 caplen, 24 origlen,
 *   28 data padded to 32 bits, options (opt_comment 1).
 * Simple Packet Block (3, 4.4): 8 origlen, 12 data; interface 0 of the section, no timestamp.
 * Packet Block (2, obsolete, appendix): 8 interface id (16 bits) | drops (16 bits), then as EPB.
 * Other blocks (NRB, ISB, DSB, custom, unknown) are skipped after their length is checked.
 *
 * Options: code (16) | length (16) | value padded to 32 bits; code 0 ends the list.
 * The byte order is the one of the current section's SHB, so a file may switch at each SHB.
 * Interface ids restart at 0 in each section; records carry a global id (the interface's index
 * in the reader's `interfaces`, across sections), as tshark's frame.interface_id does.
 */
import type { FormatParser, ReaderContext } from './reader.ts';
import { maxCapLenForLinkType } from './linktypes.ts';
import { hex32 } from './pcap.ts';

export const PCAPNG_SHB_TYPE = 0x0a0d0d0a;
const BOM = 0x1a2b3c4d;
const BOM_SWAPPED = 0x4d3c2b1a;

const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_EPB = 6;

/** Wireshark's MAX_BLOCK_SIZE (wiretap/pcapng.c): an EPB holding the biggest D-Bus packet, plus options. */
const MAX_BLOCK = 32 + 128 * 1024 * 1024 + 131072;

const TWO_32 = 4294967296;
const TWO_48 = 281474976710656;

export class PcapngParser implements FormatParser {
  need = 12;
  private readonly ctx: ReaderContext;
  /** Byte order of the current section. */
  private le = true;
  /** Global id of the current section's interface 0, and how many it describes so far. */
  private ifBase = 0;
  private ifCount = 0;
  /** File offset where the current section ends (by its SHB), or -1 when unknown. */
  private sectionEnd = -1;
  private sectionStart = 0;

  // Per interface (global id), filled from its IDB.
  private readonly ifLinkType: number[] = [];
  private readonly ifSnapLen: number[] = [];
  private readonly ifMaxCapLen: number[] = [];
  /** Decimal resolution 10^-n with n <= 9: units per second (fast path), else 0. */
  private readonly ifDiv: number[] = [];
  /** 10^(9-n) for the fast path. */
  private readonly ifMul: number[] = [];
  /** Units per second for every other resolution (finer than ns, or 2^-n): BigInt path. */
  private readonly ifDivBig: (bigint | null)[] = [];
  private readonly ifTsOffset: number[] = [];

  // Option values found by readOptions().
  private optName: string | null = null;
  private optTsresol = 6;
  private optTsOffset = 0;
  private optComment: string | null = null;

  constructor(ctx: ReaderContext) {
    this.ctx = ctx;
  }

  step(buf: Uint8Array, view: DataView, pos: number, avail: number): number {
    if (avail < 12) {
      this.need = 12;
      return 0;
    }
    const ctx = this.ctx;
    const offset = ctx.bytesConsumed;
    const type = view.getUint32(pos, this.le);
    let le = this.le;
    if (type === PCAPNG_SHB_TYPE) {
      const bom = view.getUint32(pos + 8, false);
      if (bom === BOM) le = false;
      else if (bom === BOM_SWAPPED) le = true;
      else {
        ctx.fail(offset, `section header block with bad byte-order magic 0x${hex32(bom)} (0x1a2b3c4d expected)`);
        return -1;
      }
    }
    const len = view.getUint32(pos + 4, le);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
      const what = len < 12 ? 'is less than 12' : len % 4 !== 0 ? 'is not a multiple of 4' : `is bigger than the maximum of ${MAX_BLOCK}`;
      ctx.fail(offset, `${blockName(type)} block length ${len} ${what}`);
      return -1;
    }
    if (avail < len) {
      this.need = len;
      return 0;
    }
    const trailer = view.getUint32(pos + len - 4, le);
    if (trailer !== len) {
      ctx.fail(offset, `${blockName(type)} trailing block length ${trailer} differs from the leading block length ${len}`);
      return -1;
    }
    if (this.sectionEnd >= 0 && offset + len > this.sectionEnd && type !== PCAPNG_SHB_TYPE) {
      ctx.warn(offset, `block runs past the end of its section (section header at ${this.sectionStart} says it ends at ${this.sectionEnd})`);
      this.sectionEnd = -1; // once per section
    }
    let ok: boolean;
    switch (type) {
      case BT_EPB:
        ok = this.packet(buf, view, pos, len, offset, false);
        break;
      case BT_SPB:
        ok = this.simplePacket(buf, view, pos, len, offset);
        break;
      case BT_IDB:
        ok = this.interfaceDescription(buf, view, pos, len, offset);
        break;
      case PCAPNG_SHB_TYPE:
        ok = this.sectionHeader(buf, view, pos, len, offset, le);
        break;
      case BT_PB:
        ok = this.packet(buf, view, pos, len, offset, true);
        break;
      default:
        ok = true; // NRB, ISB, DSB, custom and unknown blocks: skipped
    }
    return ok ? len : -1;
  }

  truncated(_buf: Uint8Array, view: DataView, avail: number): string {
    if (avail < 8) return `truncated block header: 8 bytes expected, file ends after ${avail}`;
    const type = view.getUint32(0, this.le);
    let le = this.le;
    if (type === PCAPNG_SHB_TYPE) {
      if (avail < 12) return `truncated section header block: 12 bytes needed to read its byte order, file ends after ${avail}`;
      le = view.getUint32(8, false) !== BOM;
    }
    const len = view.getUint32(4, le);
    return `truncated ${blockName(type)}: block length says ${len} bytes, file ends after ${avail}`;
  }

  // ---- blocks ----

  private sectionHeader(buf: Uint8Array, view: DataView, pos: number, len: number, offset: number, le: boolean): boolean {
    const ctx = this.ctx;
    if (len < 28) return this.tooShort(offset, PCAPNG_SHB_TYPE, len, 28);
    const major = view.getUint16(pos + 12, le);
    const minor = view.getUint16(pos + 14, le);
    if (major !== 1 || minor !== 0) {
      ctx.fail(offset, `unsupported pcapng section version ${major}.${minor} (1.0 expected)`);
      return false;
    }
    if (!this.readOptions(buf, view, pos, pos + 24, pos + len - 4, le, offset, PCAPNG_SHB_TYPE)) return false;
    const lenHi = view.getUint32(pos + 16 + (le ? 4 : 0), le);
    const lenLo = view.getUint32(pos + 16 + (le ? 0 : 4), le);
    this.sectionStart = offset;
    this.sectionEnd = lenHi === 0xffffffff && lenLo === 0xffffffff ? -1 : lenHi >= 0x200000 ? -1 : offset + len + lenHi * TWO_32 + lenLo;
    this.le = le;
    this.ifBase = ctx.interfaces.length;
    this.ifCount = 0;
    return true;
  }

  private interfaceDescription(buf: Uint8Array, view: DataView, pos: number, len: number, offset: number): boolean {
    if (len < 20) return this.tooShort(offset, BT_IDB, len, 20);
    const le = this.le;
    const linkType = view.getUint16(pos + 8, le);
    const snapLen = view.getUint32(pos + 12, le);
    this.optName = null;
    this.optTsresol = 6;
    this.optTsOffset = 0;
    if (!this.readOptions(buf, view, pos, pos + 16, pos + len - 4, le, offset, BT_IDB)) return false;
    const tsresol = this.optTsresol;
    const exponent = tsresol & 0x7f;
    const binary = (tsresol & 0x80) !== 0;
    // Units per second: 10^n or 2^n. Kept exact (BigInt) however absurd (2^127 for tsresol 255).
    const unitsBig = (binary ? 2n : 10n) ** BigInt(exponent);
    const fast = !binary && exponent <= 9;
    this.ifLinkType.push(linkType);
    this.ifSnapLen.push(snapLen);
    this.ifMaxCapLen.push(maxCapLenForLinkType(linkType));
    this.ifDiv.push(fast ? 10 ** exponent : 0);
    this.ifMul.push(fast ? 10 ** (9 - exponent) : 0);
    this.ifDivBig.push(fast ? null : unitsBig);
    this.ifTsOffset.push(this.optTsOffset);
    this.ifCount++;
    this.ctx.addInterface({
      linkType,
      snapLen,
      name: this.optName,
      tsResolution: unitsBig.toString(),
      tsOffsetSec: this.optTsOffset,
    });
    return true;
  }

  /** Enhanced Packet Block, or the obsolete Packet Block (16-bit interface id). */
  private packet(buf: Uint8Array, view: DataView, pos: number, len: number, offset: number, obsolete: boolean): boolean {
    const ctx = this.ctx;
    const type = obsolete ? BT_PB : BT_EPB;
    if (len < 32) return this.tooShort(offset, type, len, 32);
    const le = this.le;
    const localId = obsolete ? view.getUint16(pos + 8, le) : view.getUint32(pos + 8, le);
    if (localId >= this.ifCount) {
      ctx.fail(offset, `${blockName(type)} names interface ${localId}, but its section describes ${this.ifCount === 0 ? 'none' : `only ${this.ifCount}`}`);
      return false;
    }
    const ifId = this.ifBase + localId;
    const capLen = view.getUint32(pos + 20, le);
    if (capLen > len - 32) {
      ctx.fail(offset, `${blockName(type)} captured length ${capLen} does not fit in a block of ${len} bytes`);
      return false;
    }
    if (capLen > this.ifMaxCapLen[ifId]) {
      ctx.fail(offset, `${blockName(type)} captured length ${capLen} is bigger than the maximum of ${this.ifMaxCapLen[ifId]} for link type ${this.ifLinkType[ifId]}`);
      return false;
    }
    const optStart = pos + 28 + ((capLen + 3) & ~3);
    const optEnd = pos + len - 4;
    this.optComment = null;
    if (optStart < optEnd && !this.readOptions(buf, view, pos, optStart, optEnd, le, offset, type)) return false;
    const rec = ctx.rec;
    rec.fileOffset = offset;
    rec.interfaceId = ifId;
    rec.linkType = this.ifLinkType[ifId];
    this.timestamp(ifId, view.getUint32(pos + 12, le), view.getUint32(pos + 16, le));
    rec.hasTimestamp = true;
    rec.capLen = capLen;
    rec.origLen = view.getUint32(pos + 24, le);
    rec.bytes = buf;
    rec.offset = pos + 28;
    rec.comment = this.optComment;
    ctx.emit();
    return true;
  }

  private simplePacket(buf: Uint8Array, view: DataView, pos: number, len: number, offset: number): boolean {
    const ctx = this.ctx;
    if (len < 16) return this.tooShort(offset, BT_SPB, len, 16);
    if (this.ifCount === 0) {
      ctx.fail(offset, 'simple packet block before any interface description block in its section');
      return false;
    }
    const ifId = this.ifBase;
    const origLen = view.getUint32(pos + 8, this.le);
    // Section 4.4: the captured length is the original length cut to the snaplen and to what the
    // block holds.
    let capLen = origLen;
    const snapLen = this.ifSnapLen[ifId];
    if (snapLen !== 0 && capLen > snapLen) capLen = snapLen;
    if (capLen > len - 16) capLen = len - 16;
    if (capLen > this.ifMaxCapLen[ifId]) {
      ctx.fail(offset, `simple packet block captured length ${capLen} is bigger than the maximum of ${this.ifMaxCapLen[ifId]} for link type ${this.ifLinkType[ifId]}`);
      return false;
    }
    const rec = ctx.rec;
    rec.fileOffset = offset;
    rec.interfaceId = ifId;
    rec.linkType = this.ifLinkType[ifId];
    // No timestamp in an SPB: tshark shows none (frame.time_epoch empty), so we flag it absent.
    rec.tsSec = 0;
    rec.tsNsec = 0;
    rec.hasTimestamp = false;
    rec.capLen = capLen;
    rec.origLen = origLen;
    rec.bytes = buf;
    rec.offset = pos + 12;
    rec.comment = null;
    ctx.emit();
    return true;
  }

  private tooShort(offset: number, type: number, len: number, min: number): false {
    this.ctx.fail(offset, `${blockName(type)} block length ${len} is less than its minimum of ${min}`);
    return false;
  }

  // ---- options ----

  /** Walks options in [start, end); keeps the ones the block type cares about. */
  private readOptions(buf: Uint8Array, view: DataView, blockPos: number, start: number, end: number, le: boolean, offset: number, type: number): boolean {
    let p = start;
    while (p + 4 <= end) {
      const code = view.getUint16(p, le);
      const olen = view.getUint16(p + 2, le);
      if (code === 0) break; // opt_endofopt
      if (p + 4 + olen > end) {
        this.ctx.fail(offset, `${blockName(type)}: option ${code} at file offset ${offset + (p - blockPos)} has length ${olen}, which runs past the end of the block`);
        return false;
      }
      const v = p + 4;
      if (type === BT_EPB || type === BT_PB) {
        if (code === 1) {
          const s = decodeUtf8(buf, v, olen);
          this.optComment = this.optComment === null ? s : `${this.optComment}\n${s}`;
        }
      } else if (type === BT_IDB) {
        if (code === 2) this.optName = decodeUtf8(buf, v, olen);
        else if (code === 9 && olen >= 1) this.optTsresol = buf[v];
        else if (code === 14 && olen >= 8) this.optTsOffset = Number(view.getBigInt64(v, le));
      }
      p = v + ((olen + 3) & ~3);
    }
    return true;
  }

  // ---- timestamps ----

  /**
   * 64-bit timestamp in the interface's units -> rec.tsSec (integer) + rec.tsNsec (0..1e9-1),
   * exactly: units of 10^-n (n <= 9) by long division over 16-bit limbs (every intermediate
   * < 2^46, so doubles are exact); other resolutions (finer than 1 ns, or 2^-n) with BigInt.
   * The fraction is truncated to whole nanoseconds, as Wireshark does. Then if_tsoffset is added.
   */
  private timestamp(ifId: number, hi: number, lo: number): void {
    const rec = this.ctx.rec;
    const div = this.ifDiv[ifId];
    let sec: number;
    let nsec: number;
    if (div !== 0) {
      if (hi < 0x200000) {
        // units < 2^53: one exact double division, fixed up by one if rounding crossed an integer.
        const units = hi * TWO_32 + lo;
        sec = Math.floor(units / div);
        let rem = units - sec * div;
        if (rem < 0) {
          sec -= 1;
          rem += div;
        } else if (rem >= div) {
          sec += 1;
          rem -= div;
        }
        nsec = rem * this.ifMul[ifId];
      } else {
        let cur = hi >>> 16;
        const q3 = Math.floor(cur / div);
        cur = (cur - q3 * div) * 65536 + (hi & 0xffff);
        const q2 = Math.floor(cur / div);
        cur = (cur - q2 * div) * 65536 + (lo >>> 16);
        const q1 = Math.floor(cur / div);
        cur = (cur - q1 * div) * 65536 + (lo & 0xffff);
        const q0 = Math.floor(cur / div);
        sec = q3 * TWO_48 + q2 * TWO_32 + q1 * 65536 + q0;
        nsec = (cur - q0 * div) * this.ifMul[ifId];
      }
    } else {
      const units = (BigInt(hi) << 32n) | BigInt(lo);
      const d = this.ifDivBig[ifId] as bigint;
      sec = Number(units / d);
      nsec = Number(((units % d) * 1000000000n) / d);
    }
    rec.tsSec = sec + this.ifTsOffset[ifId];
    rec.tsNsec = nsec;
  }
}

function blockName(type: number): string {
  switch (type) {
    case PCAPNG_SHB_TYPE:
      return 'section header block';
    case BT_IDB:
      return 'interface description block';
    case BT_PB:
      return 'packet block';
    case BT_SPB:
      return 'simple packet block';
    case 4:
      return 'name resolution block';
    case 5:
      return 'interface statistics block';
    case BT_EPB:
      return 'enhanced packet block';
    default:
      return `block of type 0x${hex32(type)}`;
  }
}

/** UTF-8 -> string without TextDecoder (plain ECMAScript); bad sequences become U+FFFD. */
export function decodeUtf8(buf: Uint8Array, start: number, length: number): string {
  let out = '';
  const end = start + length;
  let i = start;
  while (i < end) {
    const b = buf[i++];
    let cp: number;
    if (b < 0x80) cp = b;
    else if (b >= 0xc2 && b < 0xe0 && i < end && (buf[i] & 0xc0) === 0x80) {
      cp = ((b & 0x1f) << 6) | (buf[i++] & 0x3f);
    } else if (b >= 0xe0 && b < 0xf0 && i + 1 < end && (buf[i] & 0xc0) === 0x80 && (buf[i + 1] & 0xc0) === 0x80) {
      cp = ((b & 0x0f) << 12) | ((buf[i] & 0x3f) << 6) | (buf[i + 1] & 0x3f);
      i += 2;
      if (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000)) cp = 0xfffd;
    } else if (b >= 0xf0 && b < 0xf5 && i + 2 < end && (buf[i] & 0xc0) === 0x80 && (buf[i + 1] & 0xc0) === 0x80 && (buf[i + 2] & 0xc0) === 0x80) {
      cp = ((b & 0x07) << 18) | ((buf[i] & 0x3f) << 12) | ((buf[i + 1] & 0x3f) << 6) | (buf[i + 2] & 0x3f);
      i += 3;
      if (cp < 0x10000 || cp > 0x10ffff) cp = 0xfffd;
    } else cp = 0xfffd;
    out += String.fromCodePoint(cp);
  }
  return out;
}
