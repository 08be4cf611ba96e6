/**
 * pcapng cases no public file covers, built byte by byte: timestamp resolutions and offsets,
 * the obsolete Packet Block, comments, and every way a block can lie about itself.
 */
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../shared/readers/reader.ts';
import type { PacketRecord } from '../../shared/capture/record.ts';
import {
  Bytes, block, concat, epb, idb, opt, pb, readInChunks, shb, spb, tsoffset, tsresol, utf8,
} from './support.ts';

const DATA = Uint8Array.from({ length: 60 }, (_, i) => i);
const ts = (r: { row: unknown[] }) => r.row[0];

describe('pcapng timestamps', () => {
  for (const le of [true, false]) {
    const order = le ? 'LE' : 'BE';
    it(`${order}: default resolution is microseconds`, () => {
      const f = concat(shb(le), idb(le, 1, 0), epb(le, 0, 1_700_000_000_123_456n, DATA));
      expect(readInChunks(f, 7).records.map(ts)).toEqual(['1700000000.123456000']);
    });

    it(`${order}: tsresol 9 (10^-9) keeps every nanosecond of a 1.7e18 count`, () => {
      const f = concat(shb(le), idb(le, 1, 0, [tsresol(9)]), epb(le, 0, 1_700_000_000_123_456_789n, DATA), epb(le, 0, 18_446_744_073_709_551_615n, DATA));
      const got = readInChunks(f, 7);
      expect(got.records.map(ts)).toEqual(['1700000000.123456789', '18446744073.709551615']);
      expect(got.reader.interfaces[0].tsResolution).toBe('1000000000');
    });

    it(`${order}: tsresol 0x94 (2^-20) and 0xa0 (2^-32), truncated to whole ns`, () => {
      const f = concat(
        shb(le),
        idb(le, 1, 0, [tsresol(0x94)]),
        idb(le, 1, 0, [tsresol(0xa0)]),
        epb(le, 0, (1_700_000_000n << 20n) + 1n, DATA), // 1/2^20 s = 953.67 ns
        epb(le, 1, (1_700_000_000n << 32n) + (1n << 31n) + 1n, DATA), // 0.5 s + 0.23 ns
      );
      const got = readInChunks(f, 7);
      expect(got.records.map(ts)).toEqual(['1700000000.000000953', '1700000000.500000000']);
      expect(got.reader.interfaces.map((i) => i.tsResolution)).toEqual(['1048576', '4294967296']);
    });

    it(`${order}: tsresol 10^-3 and 10^-12 and 10^-19`, () => {
      const f = concat(
        shb(le),
        idb(le, 1, 0, [tsresol(3)]),
        idb(le, 1, 0, [tsresol(12)]),
        idb(le, 1, 0, [tsresol(19)]),
        epb(le, 0, 1_700_000_000_123n, DATA),
        epb(le, 1, 1_700_000_000_123_456_789_999n & ((1n << 64n) - 1n), DATA),
        epb(le, 2, 12_345_678_901_234_567_890n, DATA),
      );
      const got = readInChunks(f, 5);
      const picos = 1_700_000_000_123_456_789_999n & ((1n << 64n) - 1n);
      const sec = picos / 10n ** 12n;
      const ns = (picos % 10n ** 12n) / 1000n;
      expect(got.records.map(ts)).toEqual(['1700000000.123000000', `${sec}.${String(ns).padStart(9, '0')}`, '1.234567890']);
    });

    it(`${order}: if_tsoffset adds signed seconds`, () => {
      const f = concat(
        shb(le),
        idb(le, 1, 0, [tsoffset(le, 1_600_000_000n)]),
        idb(le, 1, 0, [tsresol(9), tsoffset(le, -100n)]),
        epb(le, 0, 100_000_000_250_000n, DATA),
        epb(le, 1, 1_000_000_000_500n, DATA),
      );
      const got = readInChunks(f, 7);
      expect(got.records.map(ts)).toEqual(['1700000000.250000000', '900.000000500']);
      expect(got.reader.interfaces.map((i) => i.tsOffsetSec)).toEqual([1_600_000_000, -100]);
    });
  }

  it('tsresol 255 (2^-127) neither crashes nor hangs', () => {
    const f = concat(shb(true), idb(true, 1, 0, [tsresol(255)]), epb(true, 0, 0xffffffffffffffffn, DATA));
    const got = readInChunks(f, 7);
    expect(got.fatals).toEqual([]);
    expect(got.records.map(ts)).toEqual(['0.000000000']);
    expect(got.reader.interfaces[0].tsResolution).toBe((2n ** 127n).toString());
  });

  it('tsresol 127 (10^-127) neither crashes nor hangs', () => {
    const f = concat(shb(true), idb(true, 1, 0, [tsresol(127)]), epb(true, 0, 0xffffffffffffffffn, DATA));
    expect(readInChunks(f, 7).records.map(ts)).toEqual(['0.000000000']);
  });
});

describe('pcapng packet blocks', () => {
  it('obsolete Packet Block (type 2), both byte orders', () => {
    for (const le of [true, false]) {
      const f = concat(shb(le), idb(le, 1, 0), idb(le, 101, 0), pb(le, 1, 1_700_000_000_000_001n, DATA, 1500, [opt(1, utf8('old block'))]));
      const got = readInChunks(f, 3);
      expect(got.fatals).toEqual([]);
      expect(got.records.map((r) => r.row)).toEqual([['1700000000.000001000', 1500, 60, 1, 'old block']]);
      expect(got.records[0].linkType).toBe(101);
      expect(got.records[0].data).toBe(Buffer.from(DATA).toString('hex'));
    }
  });

  it('opt_comment values are joined by a newline, UTF-8 decoded; other options ignored', () => {
    const f = concat(
      shb(true, [opt(1, utf8('section comment'))]),
      idb(true, 1, 0, [opt(2, utf8('eth0'))]),
      epb(true, 0, 1n, DATA, 60, [opt(2, [0, 0, 0, 1]), opt(1, utf8('first')), opt(1, utf8('zweite Zeile: ümlaut, 😀'))]),
      epb(true, 0, 2n, DATA),
    );
    const got = readInChunks(f, 1);
    expect(got.records.map((r) => r.row[4])).toEqual(['first\nzweite Zeile: ümlaut, 😀', null]);
    expect(got.reader.interfaces[0].name).toBe('eth0');
  });

  it('SPB: captured length = min(original length, snaplen, block room); no timestamp', () => {
    const f = concat(shb(true), idb(true, 1, 40), spb(true, 60, DATA.subarray(0, 40)), spb(true, 30, DATA.subarray(0, 30)), spb(true, 1000, DATA.subarray(0, 20)));
    const got = readInChunks(f, 7);
    expect(got.records.map((r) => r.row)).toEqual([
      [null, 60, 40, 0, null],
      [null, 30, 30, 0, null],
      [null, 1000, 20, 0, null],
    ]);
  });

  it('several sections with mixed byte order: interface ids are global and restart per section', () => {
    const f = concat(
      shb(true), idb(true, 1, 0), idb(true, 0, 0), epb(true, 1, 1n, DATA),
      shb(false), idb(false, 229, 0), epb(false, 0, 2n, DATA), spb(false, 60, DATA),
      shb(true), idb(true, 276, 0), epb(true, 0, 3n, DATA),
    );
    const got = readInChunks(f, 7);
    expect(got.fatals).toEqual([]);
    expect(got.records.map((r) => [r.row[3], r.linkType])).toEqual([[1, 0], [2, 229], [2, 229], [3, 276]]);
    expect(got.reader.linkTypes).toEqual([1, 0, 229, 276]);
    expect(got.reader.format).toBe('pcapng');
  });

  it('unknown, NRB, ISB and custom blocks are skipped', () => {
    const f = concat(shb(true), block(true, 4, (b) => b.u32(0)), idb(true, 1, 0), block(true, 5, (b) => b.u32(0).u64(0n)), block(true, 0xbad, (b) => b.u32(32473).raw([1, 2, 3])), block(true, 0x12345678, () => {}), epb(true, 0, 1n, DATA));
    const got = readInChunks(f, 7);
    expect(got.fatals).toEqual([]);
    expect(got.records).toHaveLength(1);
  });

  it('reuses one PacketRecord object and hands out views, not copies', () => {
    const f = concat(shb(true), idb(true, 1, 0), epb(true, 0, 1n, DATA), epb(true, 0, 2n, DATA));
    const seen: PacketRecord[] = [];
    const r = new CaptureReader({ record: (rec) => seen.push(rec), fatal: () => {} });
    r.push(f);
    r.end();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0].bytes.buffer).toBe(f.buffer);
  });
});

describe('pcapng errors are fatal with the offset of the block', () => {
  const head = concat(shb(true), idb(true, 1, 0));
  const at = head.length;
  const cases: [string, Uint8Array, RegExp][] = [
    ['block length 0', block(true, 6, (b) => b.u32(0), { len: 0 }), /block length 0 is less than 12$/],
    ['block length 8', block(true, 6, (b) => b.u32(0), { len: 8 }), /block length 8 is less than 12$/],
    ['block length not a multiple of 4', block(true, 6, (b) => b.raw(new Uint8Array(28)), { len: 42 }), /block length 42 is not a multiple of 4$/],
    ['mismatched trailer', block(true, 6, (b) => b.raw(new Uint8Array(20)), { trailer: 36 }), /trailing block length 36 differs from the leading block length 32$/],
    ['block length 2 GB', block(true, 6, (b) => b.raw(new Uint8Array(20)), { len: 0x80000000 }), /block length 2147483648 is bigger than the maximum/],
    ['caplen 2 GB in a small EPB', epb(true, 0, 1n, DATA, 60, [], 0x80000000), /captured length 2147483648 does not fit in a block of 92 bytes$/],
    ['EPB shorter than its fixed part', block(true, 6, (b) => b.u32(0).u32(0)), /enhanced packet block block length 20 is less than its minimum of 32$/],
    ['packet naming an undescribed interface', epb(true, 1, 1n, DATA), /enhanced packet block names interface 1, but its section describes only 1$/],
    ['option running past the block', block(true, 6, (b) => b.u32(0).u32(0).u32(0).u32(0).u32(0).u16(1).u16(200).u32(0)), /option 1 at file offset \d+ has length 200, which runs past the end of the block$/],
    ['unsupported section version', shb(true, [], [2, 0]), /^unsupported pcapng section version 2\.0 \(1\.0 expected\)$/],
    ['bad byte-order magic', new Bytes(true).u32(0x0a0d0d0a).u32(28).u32(0x11223344).u32(0).u32(0).u32(0).u32(28).bytes(), /bad byte-order magic 0x44332211/],
  ];
  for (const [what, bad, message] of cases) {
    it(what, () => {
      const f = concat(head, epb(true, 0, 1n, DATA), bad, epb(true, 0, 2n, DATA));
      for (const chunk of [1, 7, 1 << 20]) {
        const got = readInChunks(f, chunk);
        expect(got.records).toHaveLength(1);
        expect(got.fatals).toHaveLength(1);
        expect(got.fatals[0].offset).toBe(at + epb(true, 0, 1n, DATA).length);
        expect(got.fatals[0].message).toMatch(message);
        expect(got.reader.stopped).toBe(true);
      }
    });
  }

  it('a packet before any IDB names an undescribed interface', () => {
    const got = readInChunks(concat(shb(true), epb(true, 0, 1n, DATA)), 7);
    expect(got.fatals).toEqual([{ offset: 28, message: 'enhanced packet block names interface 0, but its section describes none' }]);
  });

  it('an SPB before any IDB', () => {
    const got = readInChunks(concat(shb(true), spb(true, 60, DATA)), 7);
    expect(got.fatals).toEqual([{ offset: 28, message: 'simple packet block before any interface description block in its section' }]);
  });

  it('interfaces of a previous section are not visible in the next', () => {
    const got = readInChunks(concat(shb(true), idb(true, 1, 0), shb(false), epb(false, 0, 1n, DATA)), 7);
    expect(got.fatals).toEqual([{ offset: 28 + 20 + 28, message: 'enhanced packet block names interface 0, but its section describes none' }]);
  });

  it('a block running past the length its section header declared is a warning', () => {
    const s = shb(true);
    new DataView(s.buffer).setBigInt64(16, 20n, true); // section of 20 bytes after the SHB
    const got = readInChunks(concat(s, idb(true, 1, 0), epb(true, 0, 1n, DATA)), 7);
    expect(got.fatals).toEqual([]);
    expect(got.records).toHaveLength(1);
    expect(got.warnings).toEqual([{ offset: 48, message: 'block runs past the end of its section (section header at 0 says it ends at 48)' }]);
  });
});
