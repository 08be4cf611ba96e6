/**
 * Corruption sweeps over every reader variant: pcap LE/BE x us/ns, pcapng LE/BE x us/ns and a
 * multi-section pcapng mixing both byte orders and resolutions (all generated, so every variant
 * has real GWLB traffic). tests/readers/ already cuts the public files at every byte and checks
 * each pcapng block error once (little-endian); this adds:
 *   - truncation at every byte of every generated variant,
 *   - seeded random byte flips: the records wholly before the first damaged byte are kept,
 *     at most one fatal error, at or after the damaged record, the same for any chunking,
 *     and the indexer + analysis never throw (the fuzz target's invariants),
 *   - absurd lengths in every variant (caplen 2 GB, block length 0 / 4 / not a multiple of 4 /
 *     4 GB, a packet naming an interface described only later, tsresol 255, option length 65535,
 *     absurd section length, snaplen 2^32-1, time offsets of +-2^63 s),
 *   - the CLI (`stagediff analyze --json`): the error names the file and the offset, and the
 *     complete packets before the damage are counted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateScenario, VARIANTS } from '../gen/scenarios.ts';
import {
  block, Bytes, concat, epb, idb, opt, pcapHeader, pcapRecord, readInChunks, shb, spb, tsoffset, tsresol, unitBoundaries, type Collected,
} from '../readers/support.ts';
import { readerPipeline } from '../fuzz/targets.ts';

const root = join(import.meta.dirname, '..', '..');

/** The first `max` bytes of a file, cut back to a unit boundary. */
function head(bytes: Uint8Array, max: number): Uint8Array {
  let cut = 0;
  for (const b of unitBoundaries(bytes)) if (b <= max) cut = b;
  return bytes.slice(0, cut);
}

function generated(variant: string, max: number): Uint8Array {
  const f = generateScenario('gwlb-incident', variant as (typeof VARIANTS)[number]).files.find((x) => x.fileName.startsWith('PA-VM-1_receive'));
  if (!f) throw new Error('no PA-VM-1_receive file');
  return head(f.bytes, max);
}

/** Every variant, small: 8 generated files plus one multi-section pcapng (LE ns, BE us, LE us). */
function variants(max: number): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = VARIANTS.map((v) => [v, generated(v, max)]);
  out.push(['pcapng-multi-section', concat(generated('pcapng-le-ns', max / 3), generated('pcapng-be-us', max / 3), generated('pcapng-le-us', max / 3))]);
  return out;
}

const ALL = variants(1600);

/** Records as comparable values (row, offset, data). */
const recs = (c: Collected) => c.records;

describe('every variant: truncation at every byte', () => {
  for (const [name, bytes] of ALL) {
    it(`${name} (${bytes.length} bytes)`, () => {
      const full = readInChunks(bytes, bytes.length);
      expect(full.fatals).toEqual([]);
      expect(full.records.length).toBeGreaterThan(3);
      const bounds = unitBoundaries(bytes);
      expect(bounds[bounds.length - 1]).toBe(bytes.length);
      for (let cut = 1; cut < bytes.length; cut++) {
        let unitStart = 0;
        for (const b of bounds) if (b <= cut) unitStart = b;
        const expected = full.records.filter((r) => r.fileOffset < unitStart);
        for (const chunk of [cut, 5]) {
          const got = readInChunks(bytes.subarray(0, cut), chunk);
          expect(recs(got), `cut ${cut}`).toEqual(expected);
          if (bounds.includes(cut)) expect(got.fatals, `cut ${cut}`).toEqual([]);
          else {
            expect(got.fatals, `cut ${cut}`).toHaveLength(1);
            expect(got.fatals[0].offset, `cut ${cut}`).toBe(unitStart);
            expect(got.fatals[0].message, `cut ${cut}`).toMatch(/^(truncated |file too short)/);
          }
        }
      }
    });
  }
});

describe('every variant: seeded random byte flips', () => {
  let seed = 0x5eed;
  const rnd = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  for (const [name, bytes] of ALL) {
    it(name, () => {
      const full = readInChunks(bytes, bytes.length);
      const bounds = unitBoundaries(bytes);
      for (let trial = 0; trial < 150; trial++) {
        const f = bytes.slice();
        const flips = 1 + rnd(4);
        let first = f.length;
        for (let k = 0; k < flips; k++) {
          const at = rnd(f.length);
          const old = f[at];
          f[at] = trial % 3 === 0 ? old ^ (1 << rnd(8)) : rnd(256);
          if (f[at] !== old) first = Math.min(first, at);
        }
        if (first === f.length) continue;
        let unitStart = 0;
        let unitEnd = bytes.length;
        for (const b of bounds) {
          if (b <= first) unitStart = b;
          else if (b < unitEnd) unitEnd = b;
        }
        const what = `trial ${trial}, first damaged byte ${first} (unit ${unitStart}..${unitEnd})`;
        const whole = readInChunks(f, f.length);
        // The units before the damaged one read exactly as before.
        const intact = full.records.filter((r) => r.fileOffset < unitStart);
        expect(whole.records.slice(0, intact.length), what).toEqual(intact);
        expect(whole.fatals.length, what).toBeLessThanOrEqual(1);
        if (whole.fatals.length === 1) {
          expect(whole.fatals[0].offset, what).toBeGreaterThanOrEqual(unitStart);
          expect(whole.fatals[0].offset, what).toBeLessThanOrEqual(f.length);
          expect(whole.fatals[0].message.length, what).toBeGreaterThan(10);
        }
        for (const chunk of [1, 7]) {
          const c = readInChunks(f, chunk);
          expect(recs(c), `${what}, chunks of ${chunk}`).toEqual(recs(whole));
          expect(c.fatals, `${what}, chunks of ${chunk}`).toEqual(whole.fatals);
        }
        if (trial % 5 === 0) readerPipeline(f);
      }
    });
  }
});

// ---- absurd lengths ----

const DATA = Uint8Array.from({ length: 60 }, (_, i) => (i < 12 ? i : i === 12 ? 8 : i === 14 ? 0x45 : i));

interface Case {
  what: string;
  bytes: Uint8Array;
  /** Complete packets expected before the damage. */
  packets: number;
  /** Offset the fatal error must name, or null for no error. */
  offset: number | null;
  message?: RegExp;
}

function pcapCases(le: boolean, nano: boolean): Case[] {
  const head = concat(pcapHeader(le, nano), pcapRecord(le, 1, 1, DATA));
  const at = head.length;
  return [
    { what: 'caplen 2 GB', bytes: concat(head, pcapRecord(le, 2, 2, DATA, 0x80000000, 0x80000000)), packets: 1, offset: at, message: /caplen 2147483648 is bigger than the maximum of 262144/ },
    { what: 'caplen 4 GB - 1', bytes: concat(head, pcapRecord(le, 2, 2, DATA, 100, 0xffffffff)), packets: 1, offset: at, message: /caplen 4294967295/ },
    { what: 'caplen 1 MB with the bytes missing', bytes: concat(head, pcapRecord(le, 2, 2, DATA, 100, 262144)), packets: 1, offset: at, message: /^truncated record: header says 262144 bytes, file ends after 60$/ },
    { what: 'origlen 4 GB - 1 (read as it is)', bytes: concat(head, pcapRecord(le, 2, 2, DATA, 0xffffffff)), packets: 2, offset: null },
    { what: 'snaplen 4 GB - 1 and link type 65535 (not decoded, still read)', bytes: concat(pcapHeader(le, nano, 0xffff, 0xffffffff), pcapRecord(le, 1, 1, DATA)), packets: 1, offset: null },
    { what: 'seconds 2^32 - 1 and fraction 2^32 - 1', bytes: concat(head, pcapRecord(le, 0xffffffff, 0xffffffff, DATA)), packets: 2, offset: null },
  ];
}

function pcapngCases(le: boolean): Case[] {
  const head = concat(shb(le), idb(le, 1, 0), epb(le, 0, 1n, DATA));
  const at = head.length;
  const u32 = (v: number) => new Bytes(le).u32(v).bytes();
  const badLen = (len: number) => concat(u32(6), u32(len), new Uint8Array(40));
  const hugeSection = shb(le);
  new DataView(hugeSection.buffer).setBigInt64(16, 0x7fffffffffffffffn, le);
  return [
    { what: 'block length 0', bytes: concat(head, badLen(0)), packets: 1, offset: at, message: /block length 0 is less than 12$/ },
    { what: 'block length 4', bytes: concat(head, badLen(4)), packets: 1, offset: at, message: /block length 4 is less than 12$/ },
    { what: 'block length 37 (not a multiple of 4)', bytes: concat(head, badLen(37)), packets: 1, offset: at, message: /block length 37 is not a multiple of 4$/ },
    { what: 'block length 4 GB - 4', bytes: concat(head, badLen(0xfffffffc)), packets: 1, offset: at, message: /block length 4294967292 is bigger than the maximum/ },
    { what: 'EPB caplen 2 GB', bytes: concat(head, epb(le, 0, 2n, DATA, 60, [], 0x80000000)), packets: 1, offset: at, message: /captured length 2147483648 does not fit in a block of 92 bytes$/ },
    { what: 'SPB original length 2 GB (cut to the block, as the spec says)', bytes: concat(head, spb(le, 0x80000000, DATA)), packets: 2, offset: null },
    {
      what: 'a packet naming an interface described only later',
      bytes: concat(head, epb(le, 1, 2n, DATA), idb(le, 1, 0), epb(le, 1, 3n, DATA)),
      packets: 1,
      offset: at,
      message: /enhanced packet block names interface 1, but its section describes only 1$/,
    },
    { what: 'tsresol 255 (2^-127 s)', bytes: concat(shb(le), idb(le, 1, 0, [tsresol(255)]), epb(le, 0, 0xffffffffffffffffn, DATA), epb(le, 0, 1n, DATA)), packets: 2, offset: null },
    { what: 'tsresol 127 (10^-127 s)', bytes: concat(shb(le), idb(le, 1, 0, [tsresol(127)]), epb(le, 0, 0xffffffffffffffffn, DATA)), packets: 1, offset: null },
    { what: 'tsresol 0 (whole seconds) and a 2^64 - 1 timestamp', bytes: concat(shb(le), idb(le, 1, 0, [tsresol(0)]), epb(le, 0, 0xffffffffffffffffn, DATA)), packets: 1, offset: null },
    { what: 'if_tsoffset +2^63 - 1 s', bytes: concat(shb(le), idb(le, 1, 0, [tsoffset(le, 0x7fffffffffffffffn)]), epb(le, 0, 0xffffffffffffffffn, DATA)), packets: 1, offset: null },
    { what: 'if_tsoffset -2^63 + 1 s', bytes: concat(shb(le), idb(le, 1, 0, [tsoffset(le, -0x7fffffffffffffffn)]), epb(le, 0, 5n, DATA)), packets: 1, offset: null },
    { what: 'snaplen 4 GB - 1', bytes: concat(shb(le), idb(le, 1, 0xffffffff), spb(le, 60, DATA)), packets: 1, offset: null },
    {
      what: 'option length 65535',
      bytes: concat(head, block(le, 1, (b) => b.u16(1).u16(0).u32(0).u16(2).u16(0xffff).u32(0))),
      packets: 1,
      offset: at,
      message: /option 2 at file offset \d+ has length 65535, which runs past the end of the block$/,
    },
    { what: 'section length 2^63 - 1', bytes: concat(hugeSection, idb(le, 1, 0), epb(le, 0, 1n, DATA)), packets: 1, offset: null },
    { what: 'section header block of 16 bytes', bytes: concat(head, block(le, 0x0a0d0d0a, (b) => b.u32(0x1a2b3c4d), { len: 16, trailer: 16 })), packets: 1, offset: at, message: /section header block block length 16 is less than its minimum of 28$/ },
    { what: 'IDB link type 65535 (read, not decoded)', bytes: concat(shb(le), idb(le, 0xffff, 0), epb(le, 0, 1n, DATA)), packets: 1, offset: null },
    { what: 'opt_comment of 65532 bytes', bytes: concat(head, epb(le, 0, 2n, DATA, 60, [opt(1, new Uint8Array(65532).fill(0x41))])), packets: 2, offset: null },
  ];
}

describe('absurd lengths in every variant', () => {
  const groups: [string, Case[]][] = [
    ['pcap LE us', pcapCases(true, false)],
    ['pcap LE ns', pcapCases(true, true)],
    ['pcap BE us', pcapCases(false, false)],
    ['pcap BE ns', pcapCases(false, true)],
    ['pcapng LE', pcapngCases(true)],
    ['pcapng BE', pcapngCases(false)],
    // The damage in the second section of a file whose first section is the other byte order.
    ['pcapng BE section after an LE section', pcapngCases(false).map((c) => multi(c, true))],
    ['pcapng LE section after a BE section', pcapngCases(true).map((c) => multi(c, false))],
  ];
  for (const [group, cases] of groups) {
    describe(group, () => {
      for (const c of cases) {
        it(c.what, () => {
          for (const chunk of [1, 7, 1 << 20]) {
            const got = readInChunks(c.bytes, chunk);
            expect(got.records, `chunks of ${chunk}`).toHaveLength(c.packets);
            if (c.offset === null) expect(got.fatals, `chunks of ${chunk}`).toEqual([]);
            else {
              expect(got.fatals, `chunks of ${chunk}`).toHaveLength(1);
              expect(got.fatals[0].offset).toBe(c.offset);
              if (c.message) expect(got.fatals[0].message).toMatch(c.message);
            }
            for (const r of got.records) expect(r.row[0] === null || /^-?\d+\.\d{9}$/.test(r.row[0])).toBe(true);
          }
          // The whole pipeline (indexer, analysis) takes it too, with finite times.
          readerPipeline(c.bytes);
        });
      }
    });
  }
});

/** The case's file preceded by a complete section (2 packets) in the other byte order. */
function multi(c: Case, firstLe: boolean): Case {
  const first = concat(shb(firstLe), idb(firstLe, 1, 0, [tsresol(9)]), epb(firstLe, 0, 1n, DATA), epb(firstLe, 0, 2n, DATA));
  return { ...c, bytes: concat(first, c.bytes), packets: c.packets + 2, offset: c.offset === null ? null : c.offset + first.length };
}

// ---- through the CLI ----

describe('stagediff analyze --json names the file and the offset', () => {
  let dir = '';
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--cli-only']);
    dir = mkdtempSync(join(tmpdir(), 'stagediff-corrupt-'));
  });

  it('a cut file, a 2 GB caplen and a bad block length next to a good file', () => {
    const good = generated('pcap-le-us', 4000);
    const goodPackets = readInChunks(good, good.length).records.length;
    const ng = generated('pcapng-be-ns', 4000);
    const ngBounds = unitBoundaries(ng);
    const ngPackets = readInChunks(ng, ng.length).records.length;
    // Cut inside the 5th packet of a pcap file.
    const bounds = unitBoundaries(good);
    const cutAt = bounds[5] + 20;
    const cut = good.slice(0, cutAt);
    // A pcapng file whose 4th block (3rd packet) has a length that is not a multiple of 4.
    const badNg = ng.slice();
    new DataView(badNg.buffer).setUint32(ngBounds[4] + 4, 0x1235, false);
    // A BE ns pcap whose 3rd record claims 2 GB.
    const be = generated('pcap-be-ns', 4000);
    const beBounds = unitBoundaries(be);
    const bigCap = be.slice();
    new DataView(bigCap.buffer).setUint32(beBounds[3] + 8, 0x80000000, false);
    const files: [string, Uint8Array][] = [
      ['PA-VM-1_receive.pcap', good],
      ['PA-VM-1_firewall.pcap', cut],
      ['PA-VM-1_transmit.pcapng', badNg],
      ['PA-VM-2_receive.pcap', bigCap],
    ];
    for (const [n, b] of files) writeFileSync(join(dir, n), b);
    const r = spawnSync(process.execPath, [join(root, 'bin', 'stagediff.cjs'), 'analyze', '--json', ...files.map(([n]) => join(dir, n))], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { captures: { path: string; packets: number; errors: { offset: number; message: string }[] }[]; flows: unknown[] };
    const [ok, c1, c2, c3] = j.captures;
    expect(ok).toMatchObject({ path: join(dir, 'PA-VM-1_receive.pcap'), packets: goodPackets, errors: [] });
    expect(c1).toMatchObject({ path: join(dir, 'PA-VM-1_firewall.pcap'), packets: 4, errors: [{ offset: bounds[5] }] });
    expect(c1.errors[0].message).toMatch(/^truncated record: header says \d+ bytes, file ends after 4$/);
    expect(c2).toMatchObject({ path: join(dir, 'PA-VM-1_transmit.pcapng'), packets: 2, errors: [{ offset: ngBounds[4] }] });
    expect(c2.errors[0].message).toMatch(/block length 4661 is not a multiple of 4/);
    expect(c3).toMatchObject({ path: join(dir, 'PA-VM-2_receive.pcap'), packets: 2, errors: [{ offset: beBounds[3] }] });
    expect(c3.errors[0].message).toMatch(/caplen 2147483648/);
    expect(ngPackets).toBeGreaterThan(2);
    // One line per damaged file on stderr: the path, the offset, the message.
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      `stagediff: ${c1.path}: offset ${bounds[5]}: ${c1.errors[0].message}`,
      `stagediff: ${c2.path}: offset ${ngBounds[4]}: ${c2.errors[0].message}`,
      `stagediff: ${c3.path}: offset ${beBounds[3]}: ${c3.errors[0].message}`,
    ]);
    expect(j.flows.length).toBeGreaterThan(0);
  });
});
