/**
 * Classic libpcap savefile (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/).
 *
 *  File header (24 bytes)                   Record header (16 bytes), then caplen bytes
 *  0 magic a1b2c3d4 (us) / a1b23c4d (ns)     0 ts seconds
 *  4 version major (2) | minor (4)          4 ts microseconds or nanoseconds
 *  8 thiszone (ignored)                     8 captured length (caplen)
 * 12 sigfigs (ignored)                     12 original length (origlen)
 * 16 snaplen
 * 20 link type: bits 0..15 LINKTYPE_*, 16..25 reserved (must be 0), 26 FCS-length present,
 *    28..31 FCS length (libpcap pcap-common.h LT_LINKTYPE / LT_RESERVED1 / LT_FCS_LENGTH)
 *
 * Byte order is whatever the magic number reads as.
 */
import type { FormatParser, ReaderContext } from './reader.ts';
import { maxCapLenForLinkType } from './linktypes.ts';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap's LT_RESERVED1: bits that must be zero in the link-type field. */
const LT_RESERVED1 = 0x03ff0000;

export class PcapParser implements FormatParser {
  need = FILE_HEADER;
  private readonly ctx: ReaderContext;
  private headerDone = false;
  private le = true;
  private nano = false;
  private linkType = 0;
  private maxCapLen = 262144;

  constructor(ctx: ReaderContext) {
    this.ctx = ctx;
  }

  step(buf: Uint8Array, view: DataView, pos: number, avail: number): number {
    if (!this.headerDone) return this.fileHeader(view, pos, avail);
    if (avail < RECORD_HEADER) {
      this.need = RECORD_HEADER;
      return 0;
    }
    const le = this.le;
    const capLen = view.getUint32(pos + 8, le);
    const offset = this.ctx.bytesConsumed;
    if (capLen > this.maxCapLen) {
      this.ctx.fail(offset, `record caplen ${capLen} is bigger than the maximum of ${this.maxCapLen} for link type ${this.linkType} (corrupt file?)`);
      return -1;
    }
    const total = RECORD_HEADER + capLen;
    if (avail < total) {
      this.need = total;
      return 0;
    }
    let sec = view.getUint32(pos, le);
    let frac = view.getUint32(pos + 4, le);
    // A fraction of a second >= 1 s (tcpdump's timestamp_invalid_micro/nano.pcap) is added
    // whole, carrying into the seconds: 1418145370 s + 1000000 us = 1418145371.000000000.
    // tshark 4.0 prints such a time unnormalised ("1418145370.1000000000") and reads a
    // nanosecond field >= 2^31 as negative (it is a signed int in nstime_t); the file format
    // says unsigned, so we carry instead (documented disagreement, see the reader tests).
    let nsec: number;
    if (this.nano) {
      if (frac >= 1e9) {
        const carry = Math.floor(frac / 1e9);
        sec += carry;
        frac -= carry * 1e9;
      }
      nsec = frac;
    } else {
      if (frac >= 1e6) {
        const carry = Math.floor(frac / 1e6);
        sec += carry;
        frac -= carry * 1e6;
      }
      nsec = frac * 1000;
    }
    const rec = this.ctx.rec;
    rec.fileOffset = offset;
    rec.tsSec = sec;
    rec.tsNsec = nsec;
    rec.capLen = capLen;
    rec.origLen = view.getUint32(pos + 12, le);
    rec.bytes = buf;
    rec.offset = pos + RECORD_HEADER;
    this.ctx.emit();
    return total;
  }

  private fileHeader(view: DataView, pos: number, avail: number): number {
    if (avail < FILE_HEADER) {
      this.need = FILE_HEADER;
      return 0;
    }
    const magicBE = view.getUint32(pos, false);
    this.le = !(magicBE === PCAP_MAGIC_US || magicBE === PCAP_MAGIC_NS);
    const le = this.le;
    const magic = view.getUint32(pos, le);
    this.nano = magic === PCAP_MAGIC_NS;
    const major = view.getUint16(pos + 4, le);
    const minor = view.getUint16(pos + 6, le);
    if (major !== 2) {
      // libpcap and Wireshark both refuse these (pcap-invalid-version-1.pcap is 1.4).
      this.ctx.fail(this.ctx.bytesConsumed, `unsupported pcap version ${major}.${minor} (2.x expected)`);
      return -1;
    }
    if (minor > 4) {
      // Wireshark reads 2.5 (pcap-invalid-version-2.pcap); libpcap refuses it. We read it, as tshark does.
      this.ctx.warn(this.ctx.bytesConsumed, `unusual pcap version ${major}.${minor} (2.4 expected); read as 2.4`);
    }
    const snapLen = view.getUint32(pos + 16, le);
    const linkField = view.getUint32(pos + 20, le);
    if ((linkField & LT_RESERVED1) !== 0) {
      // libpcap (sf-pcap.c) and Wireshark both refuse such a file.
      this.ctx.fail(this.ctx.bytesConsumed, `link-type field 0x${hex32(linkField)} has its reserved bits 16..25 set (libpcap's LT_RESERVED1 must be zero)`);
      return -1;
    }
    this.linkType = linkField & 0xffff; // libpcap's LT_LINKTYPE: FCS-length bits 26..31 dropped
    this.maxCapLen = maxCapLenForLinkType(this.linkType);
    this.ctx.addInterface({
      linkType: this.linkType,
      snapLen,
      name: null,
      tsResolution: this.nano ? '1000000000' : '1000000',
      tsOffsetSec: 0,
    });
    const rec = this.ctx.rec;
    rec.interfaceId = 0;
    rec.linkType = this.linkType;
    rec.hasTimestamp = true;
    rec.comment = null;
    this.headerDone = true;
    return FILE_HEADER;
  }

  truncated(_buf: Uint8Array, view: DataView, avail: number): string {
    if (!this.headerDone) return `truncated pcap file header: ${FILE_HEADER} bytes expected, file ends after ${avail}`;
    if (avail < RECORD_HEADER) return `truncated record header: ${RECORD_HEADER} bytes expected, file ends after ${avail}`;
    const capLen = view.getUint32(8, this.le);
    return `truncated record: header says ${capLen} bytes, file ends after ${avail - RECORD_HEADER}`;
  }
}

export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
