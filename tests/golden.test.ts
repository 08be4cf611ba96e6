/**
 * Golden tests: for every public capture and the generated GWLB incident, what
 * `stagediff packets --json` prints agrees with tshark 4.0 field by field.
 *
 * The expectations in tests/golden/ come from scripts/golden.mjs (run by hand where tshark is
 * installed; these tests never call tshark). Here our reader, decoder and field printer run over
 * the same bytes, in process, exactly as the CLI does, and every field tshark printed (and every
 * field of that list we printed) must match. A disagreement is our bug unless it is in ALLOWED
 * below, each with the reason and a section in docs/decisions.md ("Where we differ from tshark").
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../shared/readers/reader.ts';
import { Decoded } from '../shared/decode/decoded.ts';
import { decodePacket } from '../shared/decode/decode.ts';
import { isDecodedLinkType } from '../shared/decode/link.ts';
import { packetFields, type PacketFields } from '../shared/decode/fields.ts';
import { generateScenario, type Variant } from './gen/scenarios.ts';
import { edgeCaptures } from './decode/edge-captures.ts';

const GOLDEN_DIR = fileURLToPath(new URL('./golden/', import.meta.url));
const PUBLIC_DIR = fileURLToPath(new URL('../../shared/captures/public/', import.meta.url));

type Value = string | number;
type Cell = Value | Value[] | null;

interface GoldenFile {
  tshark: string;
  file: string;
  sha256: string;
  status: number;
  stderr: string | null;
  nonPacketRecords: number;
  fields: string[];
  packets: Cell[][];
}

interface Difference {
  file: string;
  /** Our frame.number (1-based position among packets), 0 for a file-level difference. */
  frame: number;
  field: string;
  ours: Cell;
  tshark: Cell;
}

/**
 * Known disagreements where tshark 4.0, not our decoder, is the odd one out (or where we decode
 * deliberately less). Each entry matches differences by file (exact name or RegExp on the
 * golden's path relative to tests/golden), optionally frames and fields; every entry must match
 * at least one difference, so a fixed quirk cannot linger here. Reasons: docs/decisions.md,
 * "Where we differ from tshark".
 */
interface Allowed {
  file: string | RegExp;
  frames?: number[];
  fields?: string[];
  why: string;
}

const ALLOWED: Allowed[] = [
  // pcapng blocks that are not packets (custom blocks; tshark shows them as "PCAPNG" frames
  // without an encapsulation) take a frame number in tshark; our reader skips them, so every
  // later packet's frame.number is lower. The golden files leave those records out (they carry
  // no protocol fields) and the packets line up again by position.
  {
    file: /^pcapngtg_(le_test018|le_test102|le_test202|be_test202)\.pcapng\.json$/,
    fields: ['frame.number'],
    why: 'tshark numbers non-packet pcapng records as frames',
  },
  // Several sections, each with its own interfaces: tshark 4.0 prints the section-local
  // interface id; we number interfaces across sections, as the reader contract says
  // (tests/readers/tshark-agreement.test.ts has the same exception).
  {
    file: /^pcapngtg_(le_test201|le_test202|be_test202)\.pcapng\.json$/,
    fields: ['frame.interface_id'],
    why: 'tshark 4.0 reports section-local interface ids',
  },
  // The 2nd record header claims caplen 1409179648. Wireshark then guesses the file is the
  // "modified" SS990417 pcap variant (24-byte record headers): its first packet starts 8 bytes
  // later than the real one (so no IP is found) and it shows a 2nd, garbage record. We read the
  // first record as the file header says and stop at the bad one.
  {
    file: 'sv_bug-6875-01_fuzz.pcap',
    why: 'Wireshark guesses the modified-pcap variant of a corrupt file',
  },
  // A timestamp fraction >= 1 s: we carry it into the seconds; tshark 4.0 prints it
  // unnormalised ("1418145370.1000000000") or overflows a 32-bit multiplication.
  {
    file: /^tcpdump_timestamp_invalid_(micro|nano)\.pcap\.json$/,
    fields: ['frame.time_epoch'],
    why: 'fraction >= 1 s carried into seconds',
  },
];

// ---------------------------------------------------------------------------------------------

interface Case {
  /** Path of the golden file relative to tests/golden ("x.pcap.json", "generated/s/v/f.pcap.json"). */
  rel: string;
  golden: GoldenFile;
  bytes: () => Uint8Array;
}

function goldenFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...goldenFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

const generatedCache = new Map<string, Map<string, Uint8Array>>();
function generatedBytes(scenario: string, variant: string, fileName: string): Uint8Array {
  const key = `${scenario}/${variant}`;
  let files = generatedCache.get(key);
  if (!files) {
    files = new Map(generateScenario(scenario, variant as Variant).files.map((f) => [f.fileName, f.bytes]));
    generatedCache.set(key, files);
  }
  const b = files.get(fileName);
  if (!b) throw new Error(`generator wrote no ${fileName} for ${key}: rerun node scripts/golden.mjs`);
  return b;
}

let edge: Map<string, Uint8Array> | null = null;
function edgeBytes(fileName: string): Uint8Array {
  edge ??= new Map(edgeCaptures().map((c) => [c.fileName, c.bytes]));
  const b = edge.get(fileName);
  if (!b) throw new Error(`tests/decode/edge-captures.ts builds no ${fileName}: rerun node scripts/golden.mjs`);
  return b;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const path of goldenFiles(GOLDEN_DIR)) {
    const rel = relative(GOLDEN_DIR, path).split('\\').join('/');
    const golden = JSON.parse(readFileSync(path, 'utf8')) as GoldenFile;
    const m = /^generated\/([^/]+)\/([^/]+)\/(.+)\.json$/.exec(rel);
    const bytes = m
      ? () => generatedBytes(m[1], m[2], m[3])
      : rel.startsWith('edge/')
        ? () => edgeBytes(golden.file)
        : () => new Uint8Array(readFileSync(join(PUBLIC_DIR, golden.file)));
    out.push({ rel, golden, bytes });
  }
  return out;
}

/** Our fields for every packet of a capture, as the CLI prints them. */
function ourPackets(bytes: Uint8Array): PacketFields[] {
  const d = new Decoded();
  const rows: PacketFields[] = [];
  const reader: CaptureReader = new CaptureReader({
    record(rec) {
      if (isDecodedLinkType(rec.linkType)) decodePacket(d, rec.linkType, rec.bytes, rec.offset, rec.capLen, rec.origLen);
      else d.reset();
      rows.push(packetFields(rec, d, { pcapng: reader.format === 'pcapng' }));
    },
    fatal() {},
  });
  reader.push(bytes);
  reader.end();
  return rows;
}

function same(a: Cell, b: Cell): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => x === b[i]);
  }
  return a === b;
}

interface Compared {
  differences: Difference[];
  packets: number;
  fields: number;
}

function compare(c: Case): Compared {
  const { golden } = c;
  const ours = ourPackets(c.bytes());
  const differences: Difference[] = [];
  let fields = 0;
  if (ours.length !== golden.packets.length) {
    differences.push({ file: c.rel, frame: 0, field: 'packets', ours: ours.length, tshark: golden.packets.length });
  }
  const n = Math.min(ours.length, golden.packets.length);
  for (let i = 0; i < n; i++) {
    const row = golden.packets[i];
    const mine = ours[i];
    for (let j = 0; j < golden.fields.length; j++) {
      const f = golden.fields[j];
      const theirs = row[j] ?? null;
      const v = mine[f];
      const ourCell: Cell = v === undefined ? null : v;
      if (theirs === null && ourCell === null) continue;
      fields++;
      if (!same(ourCell, theirs)) differences.push({ file: c.rel, frame: i + 1, field: f, ours: ourCell, tshark: theirs });
    }
  }
  return { differences, packets: n, fields };
}

function allowedBy(d: Difference): Allowed | undefined {
  return ALLOWED.find(
    (a) =>
      (typeof a.file === 'string' ? d.file === `${a.file}.json` || d.file === a.file : a.file.test(d.file)) &&
      (!a.frames || a.frames.includes(d.frame)) &&
      (!a.fields || a.fields.includes(d.field)),
  );
}

const all = cases();
const used = new Set<Allowed>();
const totals = { files: 0, packets: 0, fields: 0, allowed: 0 };

describe('golden: our packet fields agree with tshark 4.0', () => {
  it('has golden files for every public capture', () => {
    const names = existsSync(PUBLIC_DIR) ? readdirSync(PUBLIC_DIR).filter((n) => /\.(pcap|pcapng)$/.test(n)) : [];
    const missing = names.filter((n) => !all.some((c) => c.rel === `${n}.json`));
    expect(missing, 'run node scripts/golden.mjs').toEqual([]);
  });

  for (const c of all) {
    it(c.rel.replace(/\.json$/, ''), () => {
      const got = createHash('sha256').update(c.bytes()).digest('hex');
      expect(got, `${c.rel}: the capture changed since its golden file was written; run node scripts/golden.mjs`).toBe(c.golden.sha256);
      const r = compare(c);
      const unexplained: Difference[] = [];
      for (const d of r.differences) {
        const a = allowedBy(d);
        if (a) {
          used.add(a);
          totals.allowed++;
        } else unexplained.push(d);
      }
      totals.files++;
      totals.packets += r.packets;
      totals.fields += r.fields - (r.differences.length - unexplained.length);
      if (process.env.GOLDEN_DUMP) for (const d of unexplained) process.stdout.write(`DIFF ${JSON.stringify(d)}\n`);
      expect(unexplained.slice(0, 20)).toEqual([]);
    });
  }

  it('every allow-list entry is still needed', () => {
    // Runs last (Vitest keeps declaration order within a file).
    const stale = ALLOWED.filter((a) => !used.has(a)).map((a) => `${String(a.file)}: ${a.why}`);
    process.stdout.write(
      `golden: ${totals.files} files, ${totals.packets} packets, ${totals.fields} fields agree; ${totals.allowed} allowed differences\n`,
    );
    expect(stale).toEqual([]);
  });
});
