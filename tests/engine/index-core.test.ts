/**
 * The index's WebAssembly core (wasm/index-core.ts via shared/node/index-core.ts) makes exactly
 * the lean index the JavaScript indexer makes, field by field, on every file it takes: the
 * generated incidents and bulk GWLB traffic in every classic pcap and pcapng variant (both byte
 * orders, micro- and nanoseconds), IPv4 and IPv6, the shapes it hands to the full decoder (ICMP
 * errors, extension headers, tunnels, fragments, malformed packets), damaged captures and every
 * public capture it takes. Every file it does not take whole it declines (null), and the
 * JavaScript indexer reads it: other link types, a truncated record, pcapng blocks it does not
 * read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heldCoreFlows, indexWithCore, LARGE_CORE_FLOWS, looksCoreReadable, releaseCore, releaseLargeCore, type CoreResult } from '../../shared/node/index-core.ts';
import { indexFile } from '../../shared/node/file-source.ts';
import type { IndexedCapture } from '../../shared/engine/capture-index.ts';
import { generateScenario, SCENARIOS, writeBulk, type Variant } from '../gen/scenarios.ts';
import { PcapWriter } from '../../shared/writers/pcap.ts';
import { PcapngWriter } from '../../shared/writers/pcapng.ts';
import { plainIndex } from '../support/plain-index.ts';

const pub = join(import.meta.dirname, '..', '..', '..', 'shared', 'captures', 'public');
const PCAP_VARIANTS: Variant[] = ['pcap-le-us', 'pcap-le-ns', 'pcap-be-us', 'pcap-be-ns'];
const NG_VARIANTS: Variant[] = ['pcapng-le-us', 'pcapng-le-ns', 'pcapng-be-us', 'pcapng-be-ns'];
const VARIANTS = [...PCAP_VARIANTS, ...NG_VARIANTS];
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stagediff-core-'));
});

/** Why the core last declined a file (indexWithCoreAt). */
let declined = '';
const coreDeclined = () => declined;

/** The core's index of the file, or null (declined: why in coreDeclined(); or no such file). */
async function indexWithCoreAt(path: string): Promise<IndexedCapture | null> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const r: CoreResult = await indexWithCore(fh.fd, (await fh.stat()).size);
    declined = r.why;
    return r.ix;
  } finally {
    await fh.close();
  }
}

/** An Ethernet/IPv4/TCP packet between 10.0.0.1:`port` (side A) and 10.0.0.2:443. */
function tcpPacket(fromA: boolean, seq: number, flags: number, len = 0, port = 40000): Buffer {
  const p = Buffer.alloc(14 + 20 + 20 + len);
  p.writeUInt16BE(0x0800, 12);
  p.writeUInt8(0x45, 14);
  p.writeUInt16BE(40 + len, 16);
  p.writeUInt8(64, 22);
  p.writeUInt8(6, 23);
  p.writeUInt32BE(fromA ? 0x0a000001 : 0x0a000002, 26);
  p.writeUInt32BE(fromA ? 0x0a000002 : 0x0a000001, 30);
  p.writeUInt16BE(fromA ? port : 443, 34);
  p.writeUInt16BE(fromA ? 443 : port, 36);
  p.writeUInt32BE(seq >>> 0, 38);
  p.writeUInt8(0x50, 46);
  p.writeUInt8(flags, 47);
  p.writeUInt16BE(1000, 48);
  return p;
}

const js = (path: string) => indexFile(path, undefined, undefined, { shared: true, sync: true, lean: true });

/** Indexes the file both ways: whether the core took it, after checking it made the same index. */
async function same(path: string): Promise<boolean> {
  const core = await indexWithCoreAt(path);
  if (!core) return false;
  expect(plainIndex(core)).toEqual(plainIndex(await js(path)));
  return true;
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('the index core in WebAssembly', () => {
  it('tells classic pcap and pcapng files (the core may read them; the CLI gives them a reading thread sooner) by their first bytes', () => {
    for (const variant of VARIANTS) expect(looksCoreReadable(write(`magic-${variant}.pcap`, generateScenario('gwlb-incident', variant).files[0].bytes))).toBe(true);
    expect(looksCoreReadable(write('magic.txt', new TextEncoder().encode('not a capture')))).toBe(false);
    expect(looksCoreReadable(write('magic-short.pcap', new Uint8Array([0xd4, 0xc3])))).toBe(false);
    expect(looksCoreReadable(join(dir, 'no-such-file.pcap'))).toBe(false);
    // A FIFO is not opened (that would wait for a writer, and reading would take its bytes).
    const fifo = join(dir, 'magic-fifo.pcap');
    execFileSync('mkfifo', [fifo]);
    expect(looksCoreReadable(fifo)).toBe(false);
  });

  it('makes the JavaScript indexer lean index of every generated scenario it takes, in every pcap and pcapng variant', async () => {
    const taken: string[] = [];
    for (const variant of VARIANTS) {
      for (const name of SCENARIOS) {
        for (const f of generateScenario(name, variant).files) {
          if (await same(write(`${variant}-${name}-${f.fileName}`, f.bytes))) taken.push(`${variant} ${name} ${f.fileName}`);
        }
      }
    }
    // The GENEVE incident is the core's to read, over IPv4 and with IPv6 inside (every file).
    for (const v of VARIANTS) expect(taken.some((t) => t.startsWith(`${v} gwlb-incident PA-VM-1`))).toBe(true);
    expect(taken.filter((t) => t.includes('v6-skew')).length).toBe(generateScenario('gwlb-incident-v6-skew').files.length * VARIANTS.length);
    expect(taken.length).toBeGreaterThan(80);
  }, 120_000);

  it('makes the same index of bulk GWLB traffic (a thousand concurrent flows)', async () => {
    for (const variant of ['pcap-le-us', 'pcap-be-ns', 'pcapng-le-ns', 'pcapng-be-us'] as Variant[]) {
      const parts: Uint8Array[][] = [[], [], [], []];
      await writeBulk(6e6, variant, { write: (file, chunk) => void parts[file].push(chunk.slice()) });
      for (let i = 0; i < 4; i++) {
        const bytes = Buffer.concat(parts[i]);
        const path = write(`bulk-${variant}-${i}.pcap`, bytes);
        expect(await same(path)).toBe(true);
        const ix = await indexWithCoreAt(path);
        expect(ix!.packedFlows!.count).toBeGreaterThan(500);
      }
    }
  }, 120_000);

  it('declines what it does not take whole, and the JavaScript indexer reads it', async () => {
    const g = generateScenario('gwlb-incident', 'pcap-le-us');
    const f = g.files[0];
    // pcapng files joined with cat (a section each, in either byte order): the core's; a simple
    // packet block: the reader's.
    const ng = generateScenario('gwlb-incident', 'pcapng-le-us').files[0];
    const ngBe = generateScenario('gwlb-incident', 'pcapng-be-ns').files[1];
    const two = write('two-sections.pcapng', Buffer.concat([ng.bytes, ngBe.bytes, ng.bytes]));
    expect(await same(two)).toBe(true);
    expect((await indexWithCoreAt(two))!.packets).toBe(2 * (await js(write('ng1.pcapng', ng.bytes))).packets + (await js(write('ng2.pcapng', ngBe.bytes))).packets);
    const spb = Buffer.alloc(16 + 60);
    spb.writeUInt32LE(3, 0);
    spb.writeUInt32LE(spb.length, 4);
    spb.writeUInt32LE(60, 8);
    spb.writeUInt32LE(spb.length, spb.length - 4);
    // A simple packet block (no timestamp): the core's too now (see the binary resolutions below).
    const simple = write('simple-packet.pcapng', Buffer.concat([ng.bytes, spb]));
    expect(await same(simple)).toBe(true);
    expect((await js(simple)).packets).toBe((await js(write('ng1.pcapng', ng.bytes))).packets + 1);
    // A packet block naming an interface its section does not describe: the reader's to report.
    const pb = Buffer.from(spb);
    pb.writeUInt32LE(2, 0);
    const badPb = write('obsolete-packet.pcapng', Buffer.concat([ng.bytes, pb]));
    expect(await indexWithCoreAt(badPb)).toBeNull();
    expect(coreDeclined()).toMatch(/^a pcapng block the core does not read \(record \d+\)$/);
    expect((await js(badPb)).errors[0].message).toMatch(/names interface 60/);
    // A record cut short (in a capture the core takes whole).
    const whole = generateScenario('half-close', 'pcap-le-us').files[0].bytes;
    expect(await indexWithCoreAt(write('whole.pcap', whole))).not.toBeNull();
    const cut = write('cut.pcap', whole.subarray(0, whole.length - 10));
    expect(await indexWithCoreAt(cut)).toBeNull();
    expect(coreDeclined()).toBe('a record cut short at the end');
    expect((await js(cut)).errors[0].message).toMatch(/truncated record/);
    // A link type the core does not read (IEEE 802.11).
    const wifi = new PcapWriter({ linkType: 105 });
    expect(await indexWithCoreAt(write('wifi.pcap', Buffer.concat([wifi.header(), wifi.record(1, 0, new Uint8Array(60))])))).toBeNull();
    expect(coreDeclined()).toBe('link type 105');
    // A caplen over the link type's maximum.
    const big = Buffer.from(f.bytes);
    big.writeUInt32LE(0x7fffffff, 24 + 8);
    expect(await indexWithCoreAt(write('big.pcap', big))).toBeNull();
    expect(coreDeclined()).toBe('a caplen over the maximum (record 1)');
    // Not a capture at all.
    expect(await indexWithCoreAt(write('text.pcap', Buffer.from('hello, this is not a capture file')))).toBeNull();
    expect(await indexWithCoreAt(join(dir, 'no-such-file.pcap'))).toBeNull();
  });

  it('reads binary timestamp resolutions, simple and obsolete packet blocks as the reader does', async () => {
    // One section, one Ethernet interface of if_tsresol 0x80 | n (2^n units a second) and snaplen
    // 100, then enhanced packet blocks at timestamps that put every 32-bit word to work, and simple
    // packet blocks (no timestamp; cut to the snaplen and to the block).
    const block = (type: number, body: Buffer) => {
      const len = 12 + body.length;
      const b = Buffer.alloc(len);
      b.writeUInt32LE(type, 0);
      b.writeUInt32LE(len, 4);
      body.copy(b, 8);
      b.writeUInt32LE(len, len - 4);
      return b;
    };
    const shb = () => {
      const body = Buffer.alloc(16);
      body.writeUInt32LE(0x1a2b3c4d, 0);
      body.writeUInt16LE(1, 4);
      body.writeBigInt64LE(-1n, 8);
      return block(0x0a0d0d0a, body);
    };
    const idb = (tsresol: number) => {
      const body = Buffer.alloc(8 + 8 + 4);
      body.writeUInt16LE(1, 0);
      body.writeUInt32LE(100, 4);
      body.writeUInt16LE(9, 8);
      body.writeUInt16LE(1, 10);
      body.writeUInt8(tsresol, 12);
      return block(1, body);
    };
    // An enhanced packet block, or (`obsolete`) the packet block before it: a 16-bit interface id
    // and a drops count where the EPB has its 32-bit id.
    const epb = (ts: bigint, data: Buffer, obsolete = false) => {
      const pad = (4 - (data.length % 4)) % 4;
      const body = Buffer.alloc(20 + data.length + pad);
      if (obsolete) body.writeUInt16LE(3, 2);
      body.writeUInt32LE(Number(ts >> 32n), 4);
      body.writeUInt32LE(Number(ts & 0xffffffffn), 8);
      body.writeUInt32LE(data.length, 12);
      body.writeUInt32LE(data.length, 16);
      data.copy(body, 20);
      return block(obsolete ? 2 : 6, body);
    };
    const spbOf = (origLen: number, data: Buffer) => {
      const pad = (4 - (data.length % 4)) % 4;
      const body = Buffer.alloc(4 + data.length + pad);
      body.writeUInt32LE(origLen, 0);
      data.copy(body, 4);
      return block(3, body);
    };
    const pkt = (k: number) => tcpPacket(k % 2 === 0, 1000 + k, 0x18, 20);
    // 150 bytes of payload, each different: a cut shows in the signature (the payload's last bytes).
    const long = tcpPacket(true, 5000, 0x18, 150);
    for (let i = 54; i < long.length; i++) long[i] = i & 0xff;
    const times = [0n, 1n, 0xffffffffn, 0x100000000n, 0x123456789abcdn, 0x1fffffffffffffn, 0x20000000000000n, 0xfedcba9876543210n, 0xffffffffffffffffn];
    let taken = 0;
    for (const n of [0, 6, 20, 30, 31, 32, 33, 40, 52, 63, 64, 70, 100, 127]) {
      const recs = times.map((t, k) => epb(t, pkt(k), k % 3 === 2));
      // Simple packet blocks: one whole, one cut to what the block holds, one cut to the snaplen (100).
      recs.splice(3, 0, spbOf(74, pkt(20)), spbOf(200, pkt(21)), spbOf(204, long));
      const path = write(`binary-${n}.pcapng`, Buffer.concat([shb(), idb(0x80 | n), ...recs]));
      // Whole seconds past 2^53 (small n): the reader's to round; else the core's, and the same.
      if (await same(path)) taken++;
      else expect(coreDeclined()).toMatch(/a pcapng block the core does not read/);
    }
    expect(taken).toBeGreaterThan(8);
  });

  it('keeps every GENEVE cookie of a flow whose cookie changes, as the JavaScript indexer does', async () => {
    // The incident's first record with a flow cookie (AWS option class 0x0108, type 3), and the
    // same with another cookie.
    const f = generateScenario('gwlb-incident', 'pcap-le-us').files[0];
    const b = Buffer.from(f.bytes);
    let rec = b.subarray(0, 0);
    let at = -1;
    for (let pos = 24; pos < b.length && at < 0; ) {
      const len = b.readUInt32LE(pos + 8);
      const pkt = b.subarray(pos + 16, pos + 16 + len);
      for (let i = 0; i + 8 <= pkt.length; i++) if (pkt[i] === 0x01 && pkt[i + 1] === 0x08 && pkt[i + 2] === 3) at = i + 4;
      rec = b.subarray(pos, pos + 16 + len);
      pos += 16 + len;
    }
    expect(at).toBeGreaterThan(0);
    const second = Buffer.from(rec);
    second.writeUInt32BE((second.readUInt32BE(16 + at) ^ 0xffff) >>> 0, 16 + at);
    // Back and forth: A, B, B, A (three kept: a cookie is kept when it differs from the last).
    const path = write('cookie.pcap', Buffer.concat([b.subarray(0, 24), rec, second, second, rec]));
    expect(await same(path)).toBe(true);
    const ix = await indexWithCoreAt(path);
    expect(ix!.packedFlows!.cookies.length).toBe(3);
  });

  it('makes the same index of 20,000 flows (the hash table grows four times)', async () => {
    const w = new PcapWriter({ nanosecond: true });
    const recs = Array.from({ length: 20_000 }, (_, k) => w.record(1_700_000_000 + (k >> 10), (k & 1023) * 1000, tcpPacket(true, k * 7919, 0x02, 0, 1024 + k)));
    const path = write('many-flows.pcap', Buffer.concat([w.header(), ...recs]));
    expect(await same(path)).toBe(true);
    expect((await indexWithCoreAt(path))!.packedFlows!.count).toBe(20_000);
  });

  it('takes frames without IP (ARP, LLDP, 802.3 with LLC) as rows of no flow, as the JavaScript indexer does', async () => {
    const frame = (type: number, len: number) => {
      const p = Buffer.alloc(Math.max(len, 14), 0xab);
      p.writeUInt16BE(type, 12);
      return p.subarray(0, len);
    };
    const others = [frame(0x0806, 42), frame(0x88cc, 60), frame(0x0026, 60), frame(0x88cc, 14), frame(0x9000, 20)];
    const pkts = [tcpPacket(true, 1, 0x02), ...others.slice(0, 2), tcpPacket(false, 9, 0x12), ...others.slice(2), tcpPacket(true, 2, 0x10)];
    const w = new PcapWriter();
    const path = write('no-ip.pcap', Buffer.concat([w.header(), ...pkts.map((p, k) => w.record(1_700_000_000 + k, 0, p))]));
    expect(await same(path)).toBe(true);
    const ix = (await indexWithCoreAt(path))!;
    expect([ix.packets, ix.rows.length, ix.packedFlows!.count]).toEqual([8, 3, 1]);
    // A frame cut inside its Ethernet header: the full decoder calls it malformed, for both.
    const cut = write('no-ip-cut.pcap', Buffer.concat([w.header(), w.record(1_700_000_000, 0, frame(0x0806, 13))]));
    expect(await same(cut)).toBe(true);
    expect((await indexWithCoreAt(cut))!.malformed).toBe(1);
  });

  it('reads through 802.1Q and 802.1ad tags, as the JavaScript indexer does', async () => {
    // A tag (TPID, TCI) before the type: one 802.1Q, or an 802.1ad S-tag and a C-tag (QinQ).
    const tagged = (p: Buffer, tpids: number[]) => {
      const tags = Buffer.alloc(4 * tpids.length);
      tpids.forEach((t, k) => {
        tags.writeUInt16BE(t, 4 * k);
        tags.writeUInt16BE(0x2000 | (100 + k), 4 * k + 2);
      });
      return Buffer.concat([p.subarray(0, 12), tags, p.subarray(12)]);
    };
    const arp = Buffer.alloc(42, 0xab);
    arp.writeUInt16BE(0x0806, 12);
    const pkts = [
      tagged(tcpPacket(true, 1, 0x02), [0x8100]),
      tagged(tcpPacket(false, 9, 0x12), [0x88a8, 0x8100]),
      tcpPacket(true, 2, 0x10),
      tagged(tcpPacket(true, 2, 0x18, 20), [0x9100]),
      tagged(arp, [0x8100]),
    ];
    const w = new PcapWriter();
    const path = write('vlan.pcap', Buffer.concat([w.header(), ...pkts.map((p, k) => w.record(1_700_000_000 + k, 0, p))]));
    expect(await same(path)).toBe(true);
    const ix = (await indexWithCoreAt(path))!;
    // One flow whatever the tags (the key has none), the tagged ARP a row of no flow.
    expect([ix.packets, ix.rows.length, ix.packedFlows!.count]).toEqual([5, 4, 1]);
    // A tag cut short: malformed, by the full decoder, for both.
    const cut = write('vlan-cut.pcap', Buffer.concat([w.header(), w.record(1_700_000_000, 0, tagged(arp, [0x8100]).subarray(0, 16))]));
    expect(await same(cut)).toBe(true);
    expect((await indexWithCoreAt(cut))!.malformed).toBe(1);
  });

  it('takes ICMP, ICMPv6 and protocols without ports, and hands the shapes it does not decode to the full decoder', async () => {
    // Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2) or IPv6 (2001:db8::1 -> 2001:db8::2) + `body`.
    const ip4 = (proto: number, body: Buffer, fromA = true) => {
      const p = Buffer.alloc(34 + body.length);
      p.writeUInt16BE(0x0800, 12);
      p.writeUInt8(0x45, 14);
      p.writeUInt16BE(20 + body.length, 16);
      p.writeUInt8(64, 22);
      p.writeUInt8(proto, 23);
      p.writeUInt32BE(fromA ? 0x0a000001 : 0x0a000002, 26);
      p.writeUInt32BE(fromA ? 0x0a000002 : 0x0a000001, 30);
      body.copy(p, 34);
      return p;
    };
    const ip6 = (next: number, body: Buffer, fromA = true) => {
      const p = Buffer.alloc(54 + body.length);
      p.writeUInt16BE(0x86dd, 12);
      p.writeUInt8(0x60, 14);
      p.writeUInt16BE(body.length, 18);
      p.writeUInt8(next, 20);
      p.writeUInt8(64, 21);
      p.writeUInt32BE(0x20010db8, 22);
      p.writeUInt8(fromA ? 1 : 2, 37);
      p.writeUInt32BE(0x20010db8, 38);
      p.writeUInt8(fromA ? 2 : 1, 53);
      body.copy(p, 54);
      return p;
    };
    const icmp = (type: number, code: number, rest: Buffer) => Buffer.concat([Buffer.from([type, code, 0, 0]), rest]);
    const echo = (type: number, id: number) => icmp(type, 0, Buffer.from([id >> 8, id & 255, 0, 1, 0xde, 0xad]));
    const w = new PcapWriter();
    const file = (name: string, pkts: Buffer[]) => write(name, Buffer.concat([w.header(), ...pkts.map((p, k) => w.record(1_700_000_000 + k, 0, p))]));
    const taken = file('icmp.pcap', [
      ip4(1, echo(8, 77)),
      ip4(1, echo(0, 77), false),
      ip4(1, echo(8, 78)),
      // Unreachable with nothing quoted after its 8 bytes; a redirect with no room for one.
      ip4(1, icmp(3, 1, Buffer.alloc(4))),
      ip4(1, icmp(5, 0, Buffer.alloc(2))),
      ip6(58, echo(128, 5)),
      ip6(58, echo(129, 5), false),
      // Neighbour solicitation; ESP and OSPF (flows without ports); IPv6 with no next header.
      ip6(58, icmp(135, 0, Buffer.alloc(20))),
      ip4(50, Buffer.alloc(24, 7)),
      ip4(89, Buffer.alloc(24, 7), false),
      ip6(59, Buffer.alloc(8)),
    ]);
    expect(await same(taken)).toBe(true);
    expect((await indexWithCoreAt(taken))!.packedFlows!.count).toBe(8);
    // An unreachable quoting the IPv4/UDP packet it answers (the flow it reports on is kept);
    // IPv6 with a hop-by-hop header; IP in IP; a fragment; an IPv4 header with a bad length: the
    // core hands each to the full decoder and makes the row from what it decoded.
    const quoted = ip4(17, Buffer.from([0x9c, 0x40, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00])).subarray(14);
    const frag = ip4(17, Buffer.alloc(16));
    frag.writeUInt16BE(0x2000, 20);
    const bad = ip4(6, Buffer.alloc(20));
    bad.writeUInt16BE(400, 16);
    for (const [name, pkt, malformed] of [
      ['icmp-quote', ip4(1, icmp(3, 3, Buffer.concat([Buffer.alloc(4), quoted]))), 0],
      ['hop-by-hop', ip6(0, Buffer.from([6, 0, 0, 0, 0, 0, 0, 0])), 1],
      ['ip-in-ip', ip4(4, quoted), 0],
      ['fragment', frag, 0],
      ['bad-length', bad, 1],
    ] as const) {
      const path = file(`${name}.pcap`, [ip4(1, echo(8, 1)), pkt, tcpPacket(true, 5, 0x02)]);
      expect(await same(path), name).toBe(true);
      expect((await indexWithCoreAt(path))!.malformed, name).toBe(malformed);
    }
    const reported = (await indexWithCoreAt(join(dir, 'icmp-quote.pcap')))!.packedFlows!;
    expect(Array.from(reported.reportsOn).some((x) => x !== 0)).toBe(true);
    // A damaged record header: an original length past 2^31 on a packet the full decoder reads
    // (IPv4 total length 0, as TSO frames have: the IP length comes from the original length).
    const tso = ip4(1, echo(8, 9));
    tso.writeUInt16BE(0, 16);
    const rec = Buffer.from(w.record(1_700_000_000, 0, tso));
    rec.writeUInt32LE(0xa3000062, 12);
    const huge = write('huge-origlen.pcap', Buffer.concat([w.header(), rec]));
    expect(await same(huge)).toBe(true);
    expect((await indexWithCoreAt(huge))!.wireBytes).toBe(0xa3000062);
  });

  it('reads Linux cooked captures (v1, v2), BSD loopback and raw IP as the JavaScript indexer does', async () => {
    // The same packets under each link layer: TCP both ways, an ARP frame, a packet of another
    // ARPHRD type (netlink: nothing past the header), a raw packet of version 5 (malformed).
    const tcp = [tcpPacket(true, 1, 0x02), tcpPacket(false, 9, 0x12), tcpPacket(true, 2, 0x18, 30)].map((p) => p.subarray(14));
    const arp = Buffer.alloc(28, 0xab);
    const sll = (proto: number, body: Buffer, hatype = 1) => {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(hatype, 2);
      h.writeUInt16BE(6, 4);
      h.writeUInt16BE(proto, 14);
      return Buffer.concat([h, body]);
    };
    const sll2 = (proto: number, body: Buffer, hatype = 1) => {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(proto, 0);
      h.writeUInt16BE(hatype, 8);
      return Buffer.concat([h, body]);
    };
    const bad = Buffer.from(tcp[0]);
    bad[0] = 0x55;
    // BSD loopback: the address family in the writer's byte order (NULL) or network order (LOOP).
    const fam = (f: number, le: boolean, body: Buffer) => {
      const h = Buffer.alloc(4);
      if (le) h.writeUInt32LE(f);
      else h.writeUInt32BE(f);
      return Buffer.concat([h, body]);
    };
    const v6 = (b: Buffer) => {
      // The IPv4 TCP packet's ports and flags under an IPv6 header (2001:db8::1 <-> 2001:db8::2).
      const h = Buffer.alloc(40);
      h.writeUInt32BE(0x60000000, 0);
      h.writeUInt16BE(b.length - 20, 4);
      h.writeUInt8(6, 6);
      h.writeUInt8(64, 7);
      // The IPv4 source's last byte names the IPv6 source's (10.0.0.2 -> 2001:db8::2).
      const [src, dst] = b[15] === 1 ? [1, 2] : [2, 1];
      h.writeUInt32BE(0x20010db8, 8);
      h.writeUInt32BE(src, 20);
      h.writeUInt32BE(0x20010db8, 24);
      h.writeUInt32BE(dst, 36);
      return Buffer.concat([h, b.subarray(20)]);
    };
    const sets: [number, Buffer[]][] = [
      [0, [fam(2, true, tcp[0]), fam(2, false, tcp[1]), fam(2, true, tcp[2]), fam(7, true, arp), Buffer.from([2, 0])]],
      [0, [fam(24, true, v6(tcp[0])), fam(28, false, v6(tcp[1])), fam(30, true, v6(tcp[2]))]],
      [108, [fam(2, false, tcp[0]), fam(2, false, tcp[1]), fam(0x02000000, false, tcp[2]), fam(24, false, v6(tcp[2]))]],
      [113, [...tcp.map((p) => sll(0x0800, p)), sll(0x0806, arp), sll(0x0800, tcp[0], 824), sll(0x0004, arp)]],
      [276, [...tcp.map((p) => sll2(0x0800, p)), sll2(0x0806, arp), sll2(0x0800, tcp[0], 824)]],
      [101, [...tcp, bad]],
      [228, tcp],
    ];
    for (const [k, [linkType, pkts]] of sets.entries()) {
      const w = new PcapWriter({ linkType });
      const path = write(`link-${k}-${linkType}.pcap`, Buffer.concat([w.header(), ...pkts.map((p, k) => w.record(1_700_000_000 + k, 0, p))]));
      expect(await same(path), `link type ${linkType}`).toBe(true);
      // LOOP's third packet: a family in the wrong byte order (not swapped back for LOOP): no flow.
      expect((await indexWithCoreAt(path))!.packedFlows!.count, `link type ${linkType}`).toBe(linkType === 108 ? 2 : 1);
    }
    // pcapng with an interface of each (as dumpcap writes `-i any` beside `-i eth0`): each packet
    // read by its interface's link layer, every link type listed once.
    const ng = new PcapngWriter();
    const blocks = [ng.sectionHeader(), ...[276, 1, 113, 101, 276].map((linkType) => ng.interfaceDescription({ linkType, tsResolution: 9 }))];
    const eth = [tcpPacket(true, 1, 0x02), tcpPacket(false, 9, 0x12), tcpPacket(true, 2, 0x18, 30)];
    const of = (lt: number) => sets.find(([l]) => l === lt)![1];
    [of(276)[0], eth[1], of(113)[2], tcp[1], of(276)[3], of(276)[4]].forEach((p, k) => blocks.push(ng.enhancedPacket([0, 1, 2, 3, 4, 4][k], 1_700_000_000 + k, 0, p)));
    const mixed = write('links.pcapng', Buffer.concat(blocks));
    expect(await same(mixed)).toBe(true);
    const ix = (await indexWithCoreAt(mixed))!;
    expect([ix.linkTypes, ix.packets, ix.packedFlows!.count]).toEqual([[276, 1, 113, 101], 6, 1]);
  });

  it('keeps a history longer than its letters in place, as the JavaScript indexer does', async () => {
    // One TCP flow: 24 SYNs, each with another sequence number (Zeek's S again each time), then
    // data, FIN and RST from both sides: a history well past 16 letters.
    const w = new PcapWriter();
    const tcp = (fromA: boolean, seq: number, flags: number, len = 0) => tcpPacket(fromA, seq, flags, len);
    const pkts: Buffer[] = [];
    for (let k = 0; k < 24; k++) pkts.push(tcp(true, 1000 * k, 0x02));
    pkts.push(tcp(false, 5, 0x12), tcp(true, 1, 0x18, 10), tcp(false, 6, 0x18, 10), tcp(true, 11, 0x11), tcp(false, 16, 0x11), tcp(true, 12, 0x04));
    const bytes = Buffer.concat([w.header(), ...pkts.map((p, k) => w.record(1_700_000_000 + k, 0, p))]);
    const path = write('long-history.pcap', bytes);
    expect(await same(path)).toBe(true);
    const ix = await indexWithCoreAt(path);
    expect(ix!.packedFlows!.hist.length).toBeGreaterThan(24);
  });

  it('makes the same grouping of rows out of time order (a few swapped, a flow reversed past the insertion sort budget)', async () => {
    // Three flows: one in order, one with neighbours swapped (sorted by insertion), one of 400
    // packets whose times run backwards (past insertion's budget of moves: the full sort), with
    // equal times among them (then by row).
    const w = new PcapWriter();
    const recs: Uint8Array[] = [];
    for (let k = 0; k < 400; k++) {
      const us = k % 50 === 0 ? 1000 : k % 7 === 3 ? 10 * (k + 1) : 10 * k;
      recs.push(w.record(1_700_000_000, us, tcpPacket(true, k, 0x10, 0, 40001)));
      recs.push(w.record(1_700_000_001, 400_000 - 1000 * Math.floor(k / 2), tcpPacket(k % 2 === 0, k, 0x10, 0, 40002)));
      recs.push(w.record(1_700_000_002, 10 * k, tcpPacket(true, k, 0x10, 0, 40003)));
    }
    const path = write('out-of-order.pcap', Buffer.concat([w.header(), ...recs]));
    expect(await same(path)).toBe(true);
    const ix = (await indexWithCoreAt(path))!;
    // Each flow's rows in time order.
    for (let f = 0; f < 3; f++) {
      for (let p = ix.rowStart[f] + 1; p < ix.rowStart[f + 1]; p++) expect(ix.groupT[p]).toBeGreaterThanOrEqual(ix.groupT[p - 1]);
    }
  });

  it('makes the same index of a file of more records than its columns hold (copied out and grouped in JavaScript), some out of order', async () => {
    // 600,000 records (the core groups up to 2^19 itself): 300 flows, every 1000th record
    // 0.4 s early (before its flow's record before).
    const w = new PcapWriter();
    const recs: Uint8Array[] = [w.header()];
    const pkt = [0, 1, 2].map((side) => tcpPacket(side !== 1, 7, 0x10, side * 10));
    for (let k = 0; k < 600_000; k++) {
      const p = Buffer.from(pkt[k % 3]);
      p.writeUInt16BE(40000 + (k % 300), k % 3 === 1 ? 36 : 34);
      recs.push(w.record(1_700_000_000 + Math.floor(k / 1000), (k % 1000) * 1000 - (k % 1000 === 999 ? 400_000 : 0), p));
    }
    const path = write('many-records.pcap', Buffer.concat(recs));
    expect(await same(path)).toBe(true);
    const ix = (await indexWithCoreAt(path))!;
    expect(ix.packets).toBe(600_000);
    expect(ix.packedFlows!.count).toBe(300);
  }, 60_000);

  it('reads again after its instance was let go (releaseCore: a new instance, the same index)', async () => {
    const path = write('again.pcap', generateScenario('gwlb-incident', 'pcap-le-us').files[0].bytes);
    const before = plainIndex((await indexWithCoreAt(path))!);
    await releaseCore();
    await releaseCore();
    expect(plainIndex((await indexWithCoreAt(path))!)).toEqual(before);
  });

  it('lets a core go before an analysis only when its flow tables are large (releaseLargeCore)', async () => {
    await releaseCore();
    const small = write('few-flows.pcap', generateScenario('gwlb-incident', 'pcap-le-us').files[0].bytes);
    await indexWithCoreAt(small);
    const few = heldCoreFlows();
    expect(few).toBeGreaterThan(0);
    await releaseLargeCore();
    expect(heldCoreFlows()).toBe(few);
    // One SYN each from LARGE_CORE_FLOWS + 1000 client ports and addresses: as many flows.
    const w = new PcapWriter();
    const recs: Uint8Array[] = [w.header()];
    const n = LARGE_CORE_FLOWS + 1000;
    for (let k = 0; k < n; k++) {
      const p = tcpPacket(true, k, 0x02, 0, 1024 + (k % 60000));
      p.writeUInt32BE(0x0a000100 + Math.floor(k / 60000), 26);
      recs.push(w.record(1_700_000_000, k, p));
    }
    const many = write('many-flows.pcap', Buffer.concat(recs));
    expect((await indexWithCoreAt(many))!.packedFlows!.count).toBe(n);
    expect(heldCoreFlows()).toBe(n);
    await releaseLargeCore();
    expect(heldCoreFlows()).toBe(0);
  }, 60_000);

  it('agrees with the JavaScript indexer on damaged captures (bytes flipped at random, fixed seed)', async () => {
    // Flipped bytes make packets of other shapes, odd flags, sequence jumps, odd lengths,
    // oversized caplens and cut records: the core either declines or makes the same index.
    let seed = 0x5eed;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let taken = 0;
    for (let it = 0; it < 240; it++) {
      const g = generateScenario(SCENARIOS[it % SCENARIOS.length], VARIANTS[it % VARIANTS.length]);
      const b = Buffer.from(g.files[it % g.files.length].bytes);
      const flips = 1 + Math.floor(rnd() * 8);
      for (let j = 0; j < flips; j++) {
        const at = 24 + Math.floor(rnd() * (b.length - 24));
        const r = rnd();
        // A byte, a bit, or a 16-bit word (lengths, ports): the last found an original length
        // past 2^31 reaching the full decoder as a negative number (the module's u32 as int32).
        if (r < 0.4) b[at] = Math.floor(rnd() * 256);
        else if (r < 0.8) b[at] ^= 1 << Math.floor(rnd() * 8);
        else b.writeUInt16BE(Math.floor(rnd() * 65536), Math.min(at, b.length - 2));
      }
      if (await same(write(`damaged-${it}.pcap`, b))) taken++;
    }
    expect(taken).toBeGreaterThan(80);
  }, 120_000);

  it('agrees on every public capture it takes, and declines the others', async () => {
    let taken = 0;
    let declined = 0;
    let ng = 0;
    for (const n of readdirSync(pub).filter((x) => /\.(pcap|pcapng|cap)$/.test(x))) {
      if (await same(join(pub, n))) {
        taken++;
        if (n.endsWith('.pcapng')) ng++;
      } else declined++;
    }
    // pcapng from other writers too (options, name resolution and statistics blocks, several
    // interfaces): pcapng-test-generator's, Zeek's multi-interface capture. Every Ethernet, Linux
    // cooked or raw IP file the reader reads without complaint is the core's (shapes it does not
    // decode itself go to the full decoder); other link types and pcapng it does not read are not.
    expect(ng).toBeGreaterThanOrEqual(8);
    expect(taken).toBeGreaterThanOrEqual(105);
    expect(declined).toBeGreaterThan(5);
    expect(taken + declined).toBeGreaterThan(100);
  }, 120_000);
});
