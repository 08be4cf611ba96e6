/** Classic pcap: the variants, the link-type field, implausible lengths, and what is not a capture. */
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../shared/readers/reader.ts';
import { linkTypeName } from '../../shared/readers/linktypes.ts';
import { concat, pcapHeader, pcapRecord, readInChunks, readPublic } from './support.ts';

const DATA = Uint8Array.from({ length: 54 }, (_, i) => 255 - i);

describe('classic pcap variants', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      it(`${le ? 'LE' : 'BE'} ${nano ? 'ns' : 'us'}`, () => {
        const f = concat(
          pcapHeader(le, nano, 1, 262144),
          pcapRecord(le, 1_700_000_000, nano ? 123_456_789 : 123_456, DATA, 1514),
          pcapRecord(le, 1_700_000_001, 0, DATA.subarray(0, 20)),
        );
        const got = readInChunks(f, 7, { pcapInterfaceId: true });
        expect(got.fatals).toEqual([]);
        expect(got.records.map((r) => r.row)).toEqual([
          [nano ? '1700000000.123456789' : '1700000000.123456000', 1514, 54, 0, null],
          ['1700000001.000000000', 20, 20, 0, null],
        ]);
        expect(got.records.map((r) => r.fileOffset)).toEqual([24, 24 + 16 + 54]);
        expect(got.records[0].data).toBe(Buffer.from(DATA).toString('hex'));
        expect(got.reader.format).toBe('pcap');
        expect(got.reader.interfaces).toEqual([{ linkType: 1, snapLen: 262144, name: null, tsResolution: nano ? '1000000000' : '1000000', tsOffsetSec: 0 }]);
      });
    }
  }

  it('real files: LE us, BE us, LE ns (values as tshark prints them)', () => {
    expect(readInChunks(readPublic('zeek_geneve.pcap'), 7).records).toHaveLength(6);
    const be = readInChunks(readPublic('arkime_bigendian.pcap'), 7);
    expect(be.records.map((r) => r.row)).toEqual([
      ['1335958313.152630000', 98, 98, null, null],
      ['1335958317.529201000', 98, 98, null, null],
    ]);
    const ns = readInChunks(readPublic('zeek_vntag.pcap'), 7);
    expect(ns.records.map((r) => r.row[0])).toEqual(['1342606813.729856830', '1342606813.729856950', '1342606813.729857070']);
  });

  it('a header-only file has no packets and no error', () => {
    const got = readInChunks(readPublic('zeek_empty.pcap'), 1);
    expect(got.records).toEqual([]);
    expect(got.fatals).toEqual([]);
    expect(got.reader.linkTypes).toEqual([1]);
  });
});

describe('the link-type field', () => {
  it('FCS-length bits (0x30000001) are masked to link type 1', () => {
    const got = readInChunks(readPublic('tcpdump_tcp_header_heapoverflow.pcap'), 7);
    expect(got.fatals).toEqual([]);
    expect(got.reader.linkTypes).toEqual([1]);
    expect(got.records[0].linkType).toBe(1);
    expect(readInChunks(concat(pcapHeader(true, false, 0x04000000 | 0xf0000000 | 276), pcapRecord(true, 1, 1, DATA)), 7).records[0].linkType).toBe(276);
  });

  it('reserved bits 16..25 set: refused like libpcap and tshark', () => {
    const got = readInChunks(readPublic('libpcap_linktype-reserved-field-not-zero.pcap'), 7);
    expect(got.fatals).toEqual([{ offset: 0, message: "link-type field 0x00300000 has its reserved bits 16..25 set (libpcap's LT_RESERVED1 must be zero)" }]);
  });

  it('names common link types', () => {
    expect([0, 1, 101, 113, 228, 229, 276, 147].map(linkTypeName)).toEqual(['NULL', 'EN10MB', 'RAW', 'LINUX_SLL', 'IPV4', 'IPV6', 'LINUX_SLL2', 'DLT 147']);
  });
});

describe('implausible records and odd headers', () => {
  it('caplen 2 GB is fatal at the record header, not trusted', () => {
    const f = concat(pcapHeader(true, false), pcapRecord(true, 1, 1, DATA), pcapRecord(true, 2, 2, DATA, 0x80000000, 0x80000000));
    for (const chunk of [1, 7, 1 << 20]) {
      const got = readInChunks(f, chunk);
      expect(got.records).toHaveLength(1);
      expect(got.fatals).toEqual([{ offset: 24 + 16 + 54, message: 'record caplen 2147483648 is bigger than the maximum of 262144 for link type 1 (corrupt file?)' }]);
    }
  });

  it('caplen above 262144 is allowed for D-Bus (128 MiB), as in Wireshark', () => {
    const big = new Uint8Array(300_000);
    const got = readInChunks(concat(pcapHeader(false, false, 231, 0x8000000), pcapRecord(false, 1, 1, big)), 65536);
    expect(got.fatals).toEqual([]);
    expect(got.records[0].row[2]).toBe(300_000);
  });

  it('caplen > origlen and caplen > snaplen are read as they are (neither libpcap nor Wireshark refuses them)', () => {
    const got = readInChunks(concat(pcapHeader(true, false, 1, 20), pcapRecord(true, 1, 1, DATA, 10)), 7);
    expect(got.fatals).toEqual([]);
    expect(got.records[0].row.slice(1, 3)).toEqual([10, 54]);
  });

  it('version 1.4 is fatal; 2.5 is read with a warning (tshark reads it, libpcap does not)', () => {
    expect(readInChunks(readPublic('libpcap_pcap-invalid-version-1.pcap'), 7).fatals).toEqual([{ offset: 0, message: 'unsupported pcap version 1.4 (2.x expected)' }]);
    const v25 = readInChunks(readPublic('libpcap_pcap-invalid-version-2.pcap'), 7);
    expect(v25.fatals).toEqual([]);
    expect(v25.records).toHaveLength(1);
    expect(v25.warnings).toEqual([{ offset: 0, message: 'unusual pcap version 2.5 (2.4 expected); read as 2.4' }]);
  });

  it('a fraction of a second >= 1 s is carried into the seconds', () => {
    const f = concat(pcapHeader(false, true), pcapRecord(false, 10, 3_500_000_000, DATA), pcapRecord(false, 10, 0xffffffff, DATA));
    expect(readInChunks(f, 7).records.map((r) => r.row[0])).toEqual(['13.500000000', '14.294967295']);
  });
});

describe('not a capture', () => {
  it('empty file', () => {
    expect(readInChunks(new Uint8Array(0), 7).fatals).toEqual([{ offset: 0, message: 'empty file' }]);
  });
  it('text', () => {
    expect(readInChunks(new TextEncoder().encode('# hello\n'), 1).fatals).toEqual([{ offset: 0, message: 'not a pcap or pcapng file (magic 0x23206865)' }]);
  });
  it('zip', () => {
    const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]);
    const got = readInChunks(zip, 7);
    expect(got.fatals).toEqual([{ offset: 0, message: 'not a pcap or pcapng file (magic 0x504b0304)' }]);
    expect(got.reader.format).toBeNull();
  });
});

describe('the reader never throws and stops cleanly', () => {
  it('push returns false once stopped; later pushes and end() do nothing', () => {
    const fatals: unknown[] = [];
    const r = new CaptureReader({ record: () => {}, fatal: (i) => fatals.push(i) });
    expect(r.push(Uint8Array.from([1, 2, 3, 4, 5]))).toBe(false);
    expect(r.push(Uint8Array.from([1, 2, 3, 4, 5]))).toBe(false);
    r.end();
    r.end();
    expect(fatals).toHaveLength(1);
    expect(r.stopped).toBe(true);
  });

  it('a throwing sink becomes one fatal issue, without a stack trace', () => {
    const fatals: { offset: number; message: string }[] = [];
    const r = new CaptureReader({ record: () => { throw new Error('boom'); }, fatal: (i) => fatals.push(i) });
    expect(r.push(concat(pcapHeader(true, false), pcapRecord(true, 1, 1, DATA)))).toBe(false);
    r.end();
    expect(fatals).toEqual([{ offset: 24, message: 'reader stopped: boom' }]);
  });

  it('random bytes after a valid header never throw or hang', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let n = 0; n < 300; n++) {
      const headers = [pcapHeader(n % 2 === 0, n % 3 === 0), concat(pcapHeader(true, false), pcapRecord(true, 1, 1, DATA))];
      const png = readPublic('pcapngtg_le_test202.pcapng');
      const base = [headers[0], headers[1], png][n % 3];
      const f = base.slice();
      for (let k = 0; k < 6; k++) f[(rnd() * 257 + rnd()) % f.length] = rnd();
      const tail = Uint8Array.from({ length: 200 }, rnd);
      for (const chunk of [1, 13, 4096]) {
        const got = readInChunks(concat(f, tail), chunk);
        expect(got.fatals.length).toBeLessThanOrEqual(1);
      }
    }
  });
});
