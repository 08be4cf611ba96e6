import { describe, expect, it } from 'vitest';
import { PcapWriter, pcapChunks } from '../../shared/writers/pcap.ts';
import { PcapngWriter, pcapngChunks, timestampUnits } from '../../shared/writers/pcapng.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('classic pcap writer', () => {
  it('writes the magic of each byte order and resolution', () => {
    expect(hex(new PcapWriter({}).header().subarray(0, 4))).toBe('d4c3b2a1');
    expect(hex(new PcapWriter({ bigEndian: true }).header().subarray(0, 4))).toBe('a1b2c3d4');
    expect(hex(new PcapWriter({ nanosecond: true }).header().subarray(0, 4))).toBe('4d3cb2a1');
    expect(hex(new PcapWriter({ bigEndian: true, nanosecond: true }).header().subarray(0, 4))).toBe('a1b23c4d');
  });

  it('writes version 2.4, snaplen and link type in the file byte order', () => {
    const h = new PcapWriter({ bigEndian: true, linkType: 113, snapLen: 1500 }).header();
    const v = new DataView(h.buffer);
    expect([v.getUint16(4), v.getUint16(6), v.getUint32(16), v.getUint32(20)]).toEqual([2, 4, 1500, 113]);
  });

  it('keeps microseconds or nanoseconds and cuts a packet to the snaplen', () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    const us = new PcapWriter({ snapLen: 64 }).record(1_700_000_000, 123_456_789, bytes);
    const v = new DataView(us.buffer);
    expect([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)]).toEqual([1_700_000_000, 123_456, 64, 100]);
    expect(us.length).toBe(16 + 64);
    const ns = new PcapWriter({ nanosecond: true, bigEndian: true }).record(5, 999_999_999, bytes.subarray(0, 3), 60);
    expect(hex(ns)).toBe('00000005' + '3b9ac9ff' + '00000003' + '0000003c' + '000102');
  });

  it('streams a file as header + one chunk per record', () => {
    const chunks = [...pcapChunks({}, [{ tsSec: 1, tsNsec: 0, bytes: new Uint8Array(10) }, { tsSec: 2, tsNsec: 0, bytes: new Uint8Array(20) }])];
    expect(chunks.map((c) => c.length)).toEqual([24, 26, 36]);
  });
});

describe('pcapng writer', () => {
  it('splits 64-bit timestamps exactly (compared with BigInt)', () => {
    const cases: [number, number][] = [[0, 0], [1, 1], [1_700_950_921, 123_456_789], [4_294_967_295, 999_999_999], [1_048_576, 5], [2_000_000_000, 999_999_000]];
    for (const [s, n] of cases) {
      for (const res of [6, 9] as const) {
        const units = BigInt(s) * (res === 9 ? 1_000_000_000n : 1_000_000n) + (res === 9 ? BigInt(n) : BigInt(Math.floor(n / 1000)));
        expect(timestampUnits(s, n, res)).toEqual([Number(units >> 32n), Number(units & 0xffffffffn)]);
      }
    }
  });

  it('writes SHB, IDB and EPB with consistent, 4-byte padded lengths in either byte order', () => {
    for (const bigEndian of [false, true]) {
      const chunks = [...pcapngChunks({ bigEndian, application: 'test' }, [{ linkType: 1, snapLen: 65535, name: 'PA-VM-1/receive', tsResolution: 9 }], [
        { tsSec: 1_700_950_921, tsNsec: 1, bytes: new Uint8Array(61).fill(7), comment: 'hello, comment' },
        { tsSec: 1_700_950_922, tsNsec: 2, bytes: new Uint8Array(64).fill(9) },
      ])];
      const little = !bigEndian;
      const types = [0x0a0d0d0a, 1, 6, 6];
      chunks.forEach((c, i) => {
        const v = new DataView(c.buffer, c.byteOffset, c.byteLength);
        expect(v.getUint32(0, little)).toBe(types[i]);
        expect(v.getUint32(4, little)).toBe(c.length);
        expect(v.getUint32(c.length - 4, little)).toBe(c.length);
        expect(c.length % 4).toBe(0);
      });
      const shb = new DataView(chunks[0].buffer);
      expect(shb.getUint32(8, little)).toBe(0x1a2b3c4d);
      // IDB: if_name then if_tsresol = 9, then opt_endofopt.
      const idb = chunks[1];
      const iv = new DataView(idb.buffer);
      expect(iv.getUint16(16, little)).toBe(2);
      expect(iv.getUint16(18, little)).toBe(15);
      expect(new TextDecoder().decode(idb.subarray(20, 35))).toBe('PA-VM-1/receive');
      expect(iv.getUint16(36, little)).toBe(9);
      expect(iv.getUint16(38, little)).toBe(1);
      expect(idb[40]).toBe(9);
      // EPB with a comment: 61 bytes padded to 64, option 1 of 14 bytes padded to 16, end of options.
      const epb = chunks[2];
      const ev = new DataView(epb.buffer);
      expect(ev.getUint32(20, little)).toBe(61);
      expect(ev.getUint32(24, little)).toBe(61);
      expect(epb.length).toBe(28 + 64 + 4 + 16 + 4 + 4);
      expect(ev.getUint16(92, little)).toBe(1);
      expect(ev.getUint16(94, little)).toBe(14);
      expect(new TextDecoder().decode(epb.subarray(96, 110))).toBe('hello, comment');
      expect(ev.getUint32(112, little)).toBe(0);
      expect(chunks[3].length).toBe(32 + 64);
    }
  });

  it('writes a packet straight into a caller buffer', () => {
    const w = new PcapngWriter();
    w.sectionHeader();
    w.interfaceDescription({ linkType: 1 });
    const target = new Uint8Array(200);
    const end = w.writeEnhancedPacket(target, 8, 0, 10, 500_000_000, new Uint8Array(50).fill(1), 5, 30, 40);
    expect(end).toBe(8 + 32 + 32);
    const v = new DataView(target.buffer);
    expect([v.getUint32(8 + 12, true), v.getUint32(8 + 16, true), v.getUint32(8 + 20, true), v.getUint32(8 + 24, true)]).toEqual([0, 10_500_000, 30, 40]);
  });

  it('refuses a packet on an interface that was not described', () => {
    const w = new PcapngWriter();
    w.sectionHeader();
    expect(() => w.enhancedPacket(0, 0, 0, new Uint8Array(1))).toThrow(/interface 0/);
  });
});
