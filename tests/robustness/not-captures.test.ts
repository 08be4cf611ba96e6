/**
 * Things that are not captures at all, through the real CLI (`node bin/stagediff.cjs analyze
 * --json`, built with `node scripts/build.mjs --cli-only`): text, a zip archive, an empty file, a
 * directory, an unreadable file, a read error, and a file that vanishes and ends while it is
 * being read. Each gives one clear message naming the file and the offset (in the JSON and on
 * stderr), the other files are still analysed, and the exit status follows the README (0 when
 * the analysis ran, 2 when no capture could be read).
 *
 * Unreadable files and root: the tests run as root, for whom chmod 000 is still readable. When
 * root, the CLI is started as user nobody (uid/gid 65534) so that chmod 000 really denies
 * reading; a path through a non-directory (`notes.txt/capture.pcap`, ENOTDIR) is checked too,
 * which fails for every user.
 *
 * The vanishing file: a regular file is cut inside a record and unlinked once the CLI has it
 * open (unlinking alone changes nothing on Linux: the open file stays readable); where exactly
 * the CLI is then varies, so the test asserts what holds wherever it is. The deterministic form,
 * a FIFO written and closed mid-record by the test, is checked too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateScenario } from '../gen/scenarios.ts';
import { PcapWriter } from '../../shared/writers/pcap.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'stagediff.cjs');
let dir = '';
let good = '';
const isRoot = process.getuid?.() === 0;

interface Capture {
  path: string;
  format: string | null;
  packets: number;
  errors: { offset: number; message: string }[];
}

function analyze(paths: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, [bin, 'analyze', '--json', ...paths], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000, ...opts });
  const out = String(r.stdout);
  return { code: r.status, json: out ? (JSON.parse(out) as { captures: Capture[]; flows: unknown[] }) : null, err: String(r.stderr) };
}

/** One capture with exactly one error naming its offset, and the matching stderr line. */
function expectOneError(c: Capture, stderr: string, offset: number, message: RegExp): void {
  expect(c.errors, c.path).toHaveLength(1);
  expect(c.errors[0].offset, c.path).toBe(offset);
  expect(c.errors[0].message, c.path).toMatch(message);
  const lines = stderr.split('\n').filter((l) => l.startsWith(`stagediff: ${c.path}: `));
  expect(lines, stderr).toEqual([`stagediff: ${c.path}: offset ${offset}: ${c.errors[0].message}`]);
}

/** A minimal but valid zip archive holding one stored file. */
function zip(name: string, content: Uint8Array): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const b of content) crc = crcTable[(crc ^ b) & 0xff] ^ (crc >>> 8);
  crc = (crc ^ 0xffffffff) >>> 0;
  const nm = new TextEncoder().encode(name);
  const local = new DataView(new ArrayBuffer(30));
  local.setUint32(0, 0x04034b50, true);
  local.setUint16(4, 20, true);
  local.setUint32(14, crc, true);
  local.setUint32(18, content.length, true);
  local.setUint32(22, content.length, true);
  local.setUint16(26, nm.length, true);
  const central = new DataView(new ArrayBuffer(46));
  central.setUint32(0, 0x02014b50, true);
  central.setUint16(4, 20, true);
  central.setUint16(6, 20, true);
  central.setUint32(16, crc, true);
  central.setUint32(20, content.length, true);
  central.setUint32(24, content.length, true);
  central.setUint16(28, nm.length, true);
  const cdOffset = 30 + nm.length + content.length;
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, 1, true);
  end.setUint16(10, 1, true);
  end.setUint32(12, 46 + nm.length, true);
  end.setUint32(16, cdOffset, true);
  const parts = [new Uint8Array(local.buffer), nm, content, new Uint8Array(central.buffer), nm, new Uint8Array(end.buffer)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--cli-only']);
  dir = mkdtempSync(join(tmpdir(), 'stagediff-notcap-'));
  chmodSync(dir, 0o755); // the CLI may run as nobody (see above)
  const g = generateScenario('gwlb-incident', 'pcap-le-us');
  const rx = g.files.find((f) => f.fileName === 'PA-VM-1_receive.pcap');
  if (!rx) throw new Error('no PA-VM-1_receive.pcap');
  good = join(dir, 'PA-VM-1_receive.pcap');
  writeFileSync(good, rx.bytes);
  writeFileSync(join(dir, 'notes.txt'), 'Incident 4711: captures attached below.\n');
  writeFileSync(join(dir, 'captures.zip'), zip('PA-VM-1_receive.pcap', rx.bytes.subarray(0, 2000)));
  writeFileSync(join(dir, 'empty.pcap'), new Uint8Array(0));
  mkdirSync(join(dir, 'a-directory.pcap'));
  writeFileSync(join(dir, 'secret.pcap'), rx.bytes);
  chmodSync(join(dir, 'secret.pcap'), 0o000);
});

describe('not captures, through stagediff analyze --json', () => {
  it('text, zip, empty file, directory: one message each with the file and offset 0; the good file is still analysed', () => {
    const paths = [good, join(dir, 'notes.txt'), join(dir, 'captures.zip'), join(dir, 'empty.pcap'), join(dir, 'a-directory.pcap')];
    const r = analyze(paths);
    expect(r.code, r.err).toBe(0);
    const caps = r.json!.captures;
    expect(caps.map((c) => c.path)).toEqual(paths);
    expect(caps[0]).toMatchObject({ format: 'pcap', errors: [] });
    expect(caps[0].packets).toBeGreaterThan(100);
    expect(r.json!.flows.length).toBeGreaterThan(5);
    expectOneError(caps[1], r.err, 0, /^not a pcap or pcapng file \(magic 0x496e6369\)$/);
    expectOneError(caps[2], r.err, 0, /^not a pcap or pcapng file \(magic 0x504b0304\)$/);
    expectOneError(caps[3], r.err, 0, /^empty file$/);
    expectOneError(caps[4], r.err, 0, /^is a directory, not a capture file$/);
    for (const c of caps.slice(1)) expect(c).toMatchObject({ format: null, packets: 0 });
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('only bad files: exit 2, each still reported, and "no capture could be read"', () => {
    const paths = [join(dir, 'notes.txt'), join(dir, 'empty.pcap'), join(dir, 'a-directory.pcap'), join(dir, 'missing.pcap')];
    const r = analyze(paths);
    expect(r.code).toBe(2);
    expect(r.json!.captures.map((c) => c.errors.length)).toEqual([1, 1, 1, 1]);
    expectOneError(r.json!.captures[3], r.err, 0, /^no such file$/);
    expect(r.err.trim().split('\n').at(-1)).toBe('stagediff: no capture could be read');
  });

  it(`an unreadable file (chmod 000${isRoot ? ', CLI run as nobody since root reads anything' : ''})`, () => {
    const secret = join(dir, 'secret.pcap');
    const r = analyze([good, secret], isRoot ? { uid: 65534, gid: 65534 } : {});
    expect(r.code, r.err).toBe(0);
    expect(r.json!.captures[0].errors).toEqual([]);
    expectOneError(r.json!.captures[1], r.err, 0, /^permission denied$/);
  });

  it('a path through a non-directory (ENOTDIR: unreadable for root too)', () => {
    const p = join(dir, 'notes.txt', 'capture.pcap');
    const r = analyze([good, p]);
    expect(r.code, r.err).toBe(0);
    expectOneError(r.json!.captures[1], r.err, 0, /ENOTDIR|not a directory/);
  });

  it('a read error after a successful open (/proc/self/mem reads EIO at offset 0)', () => {
    const r = analyze([good, '/proc/self/mem']);
    expect(r.code, r.err).toBe(0);
    expectOneError(r.json!.captures[1], r.err, 0, /^read error: .*EIO/);
    expect(r.json!.captures[0].packets).toBeGreaterThan(100);
  });

  it('a file truncated and unlinked while it is read: one "truncated" error at a record boundary, the packets before it kept', async () => {
    // 128 MiB of 1000-byte records; once the CLI has the file open (seen in /proc/PID/fd) it is
    // cut inside record 3000 and unlinked. Where the CLI is by then varies (it may already have
    // read past the cut, then its next 1 MiB read comes back short or empty), so the test
    // asserts what holds either way: exactly one error, "truncated record", at the offset of a
    // record, with every record before it counted.
    const path = join(dir, 'PA-VM-3_receive.pcap');
    const w = new PcapWriter();
    const pkt = new Uint8Array(984);
    const per = 1024;
    const block = new Uint8Array(per * 1000);
    for (let i = 0; i < per; i++) w.writeRecord(block, i * 1000, 1_700_000_000 + i, 0, pkt, 0, 984);
    const fh = await open(path, 'w');
    await fh.write(w.header());
    for (let k = 0; k < 128; k++) await fh.write(block);
    await fh.close();
    const cut = 24 + 3000 * 1000 + 500;
    // One process (no heap re-exec), so /proc/PID/fd shows the file it reads.
    const child = spawn(process.execPath, [bin, 'analyze', '--json', good, path], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STAGEDIFF_NO_REEXEC: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    let done = false;
    void closed.then(() => (done = true));
    for (;;) {
      let open = false;
      try {
        for (const fd of readdirSync(`/proc/${child.pid}/fd`)) {
          try {
            if (readlinkSync(`/proc/${child.pid}/fd/${fd}`) === path) open = true;
          } catch {
            // fd closed meanwhile
          }
        }
      } catch {
        // process gone
      }
      if (open || done) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    truncateSync(path, cut);
    unlinkSync(path);
    const code = await closed;
    expect(code, stderr).toBe(0);
    const caps = (JSON.parse(stdout) as { captures: Capture[] }).captures;
    expect(caps[0].errors).toEqual([]);
    const c = caps[1];
    expect(c.path).toBe(path);
    expect(c.errors, stderr).toHaveLength(1);
    const at = c.errors[0].offset;
    expect((at - 24) % 1000, `offset ${at}`).toBe(0);
    expect(c.packets).toBe((at - 24) / 1000);
    expect(c.packets).toBeGreaterThanOrEqual(3000);
    expectOneError(c, stderr, at, /^truncated record: header says 984 bytes, file ends after \d+$/);
  });

  // The deterministic form of a capture that vanishes and ends mid-read: the test opens the FIFO
  // for writing (done once the CLI opened it), unlinks it, writes 2.5 MB of records and half of
  // one more, and closes it. (Pipes failed with ESPIPE until file-source.ts read them in sequence.)
  it('a FIFO that vanishes and ends mid-read: one truncated error, every record before it kept', async () => {
    const fifo = join(dir, 'PA-VM-2_receive.pcap');
    execFileSync('mkfifo', [fifo]);
    const w = new PcapWriter();
    const pkt = new Uint8Array(984);
    const recs = 2500;
    const child = spawn(process.execPath, [bin, 'analyze', '--json', good, fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const fh = await open(fifo, 'w'); // resolves once the CLI has opened the FIFO
    unlinkSync(fifo); // gone from the directory while it is being read
    try {
      await fh.write(w.header());
      for (let i = 0; i < recs; i++) await fh.write(w.record(1_700_000_000 + i, 0, pkt));
      await fh.write(w.record(1_700_009_999, 0, pkt).subarray(0, 500));
    } finally {
      await fh.close().catch(() => {});
      await closed;
    }
    const caps = (JSON.parse(stdout) as { captures: Capture[] }).captures;
    expect(caps[1]).toMatchObject({ path: fifo, format: 'pcap', packets: recs });
    expectOneError(caps[1], stderr, 24 + recs * 1000, /^truncated record: header says 984 bytes, file ends after 484$/);
  });

  // A FIFO nobody writes to used to block open() forever; pipes are now opened without blocking
  // and given a few seconds to deliver their first byte.
  it('a FIFO nobody writes to: one message after a short wait, the other file analysed', () => {
    const fifo = join(dir, 'nobody-writes.pcap');
    execFileSync('mkfifo', [fifo]);
    try {
      const r = analyze([good, fifo], { timeout: 15_000 });
      expect(r.code, r.err).toBe(0);
      expect(r.json!.captures[0].errors).toEqual([]);
      expectOneError(r.json!.captures[1], r.err, 0, /pipe/);
    } finally {
      unlinkSync(fifo);
    }
  }, 20_000);
});
