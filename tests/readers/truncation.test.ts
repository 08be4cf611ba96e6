/**
 * A file cut at any byte yields exactly the complete records before the cut, plus one fatal
 * naming the offset of the record (or header, or block) the cut went through; a cut exactly
 * between records is not an error. Checked on whole-file pushes and on 7-byte chunks.
 */
import { describe, expect, it } from 'vitest';
import { readInChunks, readPublic, unitBoundaries } from './support.ts';

const FILES = [
  'arkime_bigendian.pcap', // pcap BE, us
  'zeek_geneve-arp.pcap', // pcap LE, us
  'tcpdump_tcp-handshake-nano.pcap', // pcap LE, ns
  'pcapngtg_le_test010.pcapng', // SPBs
  'pcapngtg_be_test005.pcapng', // pcapng BE, 2 IDBs
  'pcapngtg_le_test202.pcapng', // 3 sections LE/BE/LE, custom blocks
  'zeek_pcapng-multi-interface.pcapng', // ns + us interfaces
];

describe('truncation at every byte', () => {
  for (const name of FILES) {
    it(name, () => {
      const bytes = readPublic(name);
      const full = readInChunks(bytes, bytes.length);
      expect(full.fatals).toEqual([]);
      const bounds = unitBoundaries(bytes);
      expect(bounds[bounds.length - 1]).toBe(bytes.length);
      for (let cut = 0; cut < bytes.length; cut++) {
        const part = bytes.subarray(0, cut);
        let unitStart = 0;
        for (const b of bounds) if (b <= cut) unitStart = b;
        const expectedRecords = full.records.filter((r) => r.fileOffset < unitStart);
        for (const chunk of [cut || 1, 7]) {
          const got = readInChunks(part, chunk);
          expect(got.records, `cut ${cut}`).toEqual(expectedRecords);
          if (cut === 0) {
            expect(got.fatals).toEqual([{ offset: 0, message: 'empty file' }]);
          } else if (bounds.includes(cut)) {
            expect(got.fatals, `cut ${cut}`).toEqual([]);
          } else {
            expect(got.fatals, `cut ${cut}`).toHaveLength(1);
            expect(got.fatals[0].offset, `cut ${cut}`).toBe(unitStart);
            expect(got.fatals[0].message).toMatch(/^(truncated |file too short)/);
            // pcap records count what follows their 16-byte header ("header says N bytes").
            const after = got.fatals[0].message.includes('header says') ? cut - unitStart - 16 : cut - unitStart;
            expect(got.fatals[0].message).toMatch(new RegExp(`(ends after |too short: )${after}( bytes|$)`));
          }
        }
      }
    });
  }

  it('names the record length and what is left', () => {
    const bytes = readPublic('arkime_bigendian.pcap'); // first record: 98 bytes captured
    const got = readInChunks(bytes.subarray(0, 24 + 16 + 50), 1 << 20);
    expect(got.fatals).toEqual([{ offset: 24, message: 'truncated record: header says 98 bytes, file ends after 50' }]);
    const hdr = readInChunks(bytes.subarray(0, 24 + 5), 3);
    expect(hdr.fatals).toEqual([{ offset: 24, message: 'truncated record header: 16 bytes expected, file ends after 5' }]);
    const fh = readInChunks(bytes.subarray(0, 10), 3);
    expect(fh.fatals).toEqual([{ offset: 0, message: 'truncated pcap file header: 24 bytes expected, file ends after 10' }]);
    const magic = readInChunks(bytes.subarray(0, 3), 1);
    expect(magic.fatals).toEqual([{ offset: 0, message: 'file too short: 3 bytes, not even a capture file magic number' }]);
  });

  it('names the pcapng block that is cut', () => {
    const bytes = readPublic('pcapngtg_le_test001.pcapng');
    const bounds = unitBoundaries(bytes);
    const epb = bounds[2]; // SHB, IDB, then the first EPB
    const got = readInChunks(bytes.subarray(0, epb + 40), 7);
    expect(got.fatals).toHaveLength(1);
    expect(got.fatals[0].offset).toBe(epb);
    expect(got.fatals[0].message).toMatch(/^truncated enhanced packet block: block length says \d+ bytes, file ends after 40$/);
  });
});
