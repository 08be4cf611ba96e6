/**
 * The scenario generator: deterministic bytes, every file variant says the same thing, every
 * checksum is right, and the captures tell the story expected.json claims. No tshark needed
 * (decoding here is a small independent reader written for these tests).
 */
import { describe, expect, it } from 'vitest';
import { flagNames, internetChecksum, onesSum, foldChecksum } from './packets.ts';
import {
  BULK_FILES, SCENARIOS, VARIANTS, generateScenario, variantInfo, writeBulk,
  type GeneratedFile, type GeneratedScenario, type Variant,
} from './scenarios.ts';

interface Rec {
  tsSec: number;
  tsNsec: number;
  frame: Uint8Array;
  origLen: number;
}

/** Minimal pcap / pcapng reader for the generator's own files. */
function readCapture(b: Uint8Array): { format: 'pcap' | 'pcapng'; bigEndian: boolean; nanosecond: boolean; records: Rec[] } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const records: Rec[] = [];
  const magicBE = v.getUint32(0, false);
  if (magicBE === 0x0a0d0d0a) {
    const little = v.getUint32(8, true) === 0x1a2b3c4d;
    let nanosecond = false;
    let off = 0;
    while (off < b.length) {
      const type = v.getUint32(off, little);
      const len = v.getUint32(off + 4, little);
      expect(len % 4).toBe(0);
      expect(v.getUint32(off + len - 4, little)).toBe(len);
      if (type === 1) {
        let o = off + 16;
        while (o < off + len - 4) {
          const code = v.getUint16(o, little);
          const olen = v.getUint16(o + 2, little);
          if (code === 0) break;
          if (code === 9) nanosecond = b[o + 4] === 9;
          o += 4 + ((olen + 3) & ~3);
        }
      } else if (type === 6) {
        const units = v.getUint32(off + 12, little) * 2 ** 32 + v.getUint32(off + 16, little);
        const per = nanosecond ? 1e9 : 1e6;
        const hi = v.getUint32(off + 12, little);
        const lo = v.getUint32(off + 16, little);
        const big = (BigInt(hi) << 32n) | BigInt(lo);
        const sec = Number(big / BigInt(per));
        const frac = Number(big % BigInt(per));
        void units;
        const cap = v.getUint32(off + 20, little);
        records.push({ tsSec: sec, tsNsec: nanosecond ? frac : frac * 1000, frame: b.slice(off + 28, off + 28 + cap), origLen: v.getUint32(off + 24, little) });
      }
      off += len;
    }
    return { format: 'pcapng', bigEndian: !little, nanosecond, records };
  }
  const le = v.getUint32(0, true);
  const little = le === 0xa1b2c3d4 || le === 0xa1b23c4d;
  const magic = v.getUint32(0, little);
  const nanosecond = magic === 0xa1b23c4d;
  expect([0xa1b2c3d4, 0xa1b23c4d]).toContain(magic);
  let off = 24;
  while (off < b.length) {
    const cap = v.getUint32(off + 8, little);
    const frac = v.getUint32(off + 4, little);
    records.push({ tsSec: v.getUint32(off, little), tsNsec: nanosecond ? frac : frac * 1000, frame: b.slice(off + 16, off + 16 + cap), origLen: v.getUint32(off + 12, little) });
    off += 16 + cap;
  }
  expect(off).toBe(b.length);
  return { format: 'pcap', bigEndian: !little, nanosecond, records };
}

const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const ip4 = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const ip6 = (b: Uint8Array, o: number): string => Array.from({ length: 8 }, (_, i) => u16(b, o + 2 * i).toString(16)).join(':');

interface Decoded {
  geneve?: { outerSrc: string; outerDst: string; cookie: number; endpointId: string; udpSrc: number };
  vlan?: number;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  flags: number;
  seq: number;
  payloadLength: number;
  ipId: number;
}

/** Decodes Ethernet (+802.1Q) / IPv4 [/ UDP 6081 / GENEVE / inner IP] / TCP|UDP, checking every checksum and length. */
function decode(f: Uint8Array): Decoded {
  let at = 12;
  let etherType = u16(f, at);
  let vlan: number | undefined;
  if (etherType === 0x8100) {
    vlan = u16(f, 14) & 0x0fff;
    at = 16;
    etherType = u16(f, at);
  }
  at += 2;
  expect(etherType).toBe(0x0800);
  let ip = at;
  let geneve: Decoded['geneve'];
  expect(internetChecksum(f, ip, ip + 20)).toBe(0);
  expect(u16(f, ip + 2)).toBe(f.length - ip);
  if (f[ip + 9] === 17 && u16(f, ip + 22) === 6081) {
    const udp = ip + 20;
    expect(u16(f, udp + 4)).toBe(f.length - udp);
    expect(u16(f, udp + 6)).toBe(0);
    const g = udp + 8;
    expect(f[g] >> 6).toBe(0); // version 0
    expect((f[g] & 0x3f) * 4).toBe(32);
    const proto = u16(f, g + 2);
    const opts = [[1, 2], [2, 2], [3, 1]];
    let o = g + 8;
    for (const [type, words] of opts) {
      expect(u16(f, o)).toBe(0x0108);
      expect(f[o + 2]).toBe(type);
      expect(f[o + 3] & 0x1f).toBe(words);
      o += 4 + words * 4;
    }
    geneve = { outerSrc: ip4(f, ip + 12), outerDst: ip4(f, ip + 16), cookie: u32(f, g + 36), endpointId: Buffer.from(f.subarray(g + 12, g + 20)).toString('hex'), udpSrc: u16(f, udp) };
    ip = g + 40;
    expect(ip - at).toBe(68);
    expect(proto).toBe(f[ip] >> 4 === 6 ? 0x86dd : 0x0800);
  }
  const v6 = f[ip] >> 4 === 6;
  let l4: number;
  let proto: number;
  let src: string;
  let dst: string;
  let pseudo: number;
  let ipId = -1;
  if (v6) {
    expect(u16(f, ip + 4)).toBe(f.length - ip - 40);
    l4 = ip + 40;
    proto = f[ip + 6];
    src = ip6(f, ip + 8);
    dst = ip6(f, ip + 24);
    pseudo = onesSum(f, ip + 8, ip + 40) + proto + (f.length - l4);
  } else {
    expect(internetChecksum(f, ip, ip + 20)).toBe(0);
    expect(u16(f, ip + 2)).toBe(f.length - ip);
    l4 = ip + 20;
    proto = f[ip + 9];
    src = ip4(f, ip + 12);
    dst = ip4(f, ip + 16);
    ipId = u16(f, ip + 4);
    pseudo = onesSum(f, ip + 12, ip + 20) + proto + (f.length - l4);
  }
  const hasChecksum = proto === 6 || u16(f, l4 + 6) !== 0;
  if (hasChecksum) expect(foldChecksum(onesSum(f, l4, f.length, pseudo))).toBe(0);
  const tcp = proto === 6;
  const hdr = tcp ? (f[l4 + 12] >> 4) * 4 : 8;
  return {
    geneve, vlan, src, dst, proto, ipId,
    sport: u16(f, l4), dport: u16(f, l4 + 2),
    flags: tcp ? f[l4 + 13] : -1,
    seq: tcp ? u32(f, l4 + 4) : 0,
    payloadLength: f.length - l4 - hdr,
  };
}

const cache = new Map<string, GeneratedScenario>();
function gen(name: string, variant: Variant): GeneratedScenario {
  const key = `${name}/${variant}`;
  if (!cache.has(key)) cache.set(key, generateScenario(name, variant));
  return cache.get(key)!;
}
const file = (s: GeneratedScenario, device: string, stage: string): GeneratedFile => s.files.find((f) => f.device === device && f.stage === stage)!;
const packetsOf = (s: GeneratedScenario, device: string, stage: string) => readCapture(file(s, device, stage).bytes).records.map((r) => ({ ...r, d: decode(r.frame) }));
const isFlow = (d: Decoded, client: string, server: string): boolean => {
  const c = `${d.src}:${d.sport}`;
  const sv = `${d.dst}:${d.dport}`;
  return (c === client && sv === server) || (sv === client && c === server);
};
const time = (r: Rec): number => r.tsSec + r.tsNsec / 1e9;

describe('scenario generator', () => {
  it('writes the same bytes every run', () => {
    for (const name of SCENARIOS) {
      const a = generateScenario(name, 'pcapng-le-ns');
      const b = generateScenario(name, 'pcapng-le-ns');
      expect(a.files.map((f) => f.fileName)).toEqual(b.files.map((f) => f.fileName));
      a.files.forEach((f, i) => expect(Buffer.from(f.bytes).equals(Buffer.from(b.files[i].bytes))).toBe(true));
      expect(JSON.stringify(a.expected)).toBe(JSON.stringify(b.expected));
    }
  });

  it.each(SCENARIOS)('%s: every variant holds the same frames, times truncated only to the file resolution', (name) => {
    const ref = readAll(gen(name, 'pcapng-be-ns'));
    for (const variant of VARIANTS) {
      const s = gen(name, variant);
      const info = variantInfo(variant);
      expect(s.files.every((f) => f.fileName === `${f.device}_${f.stage}.${info.extension}`)).toBe(true);
      const got = readAll(s);
      expect(Object.keys(got)).toEqual(Object.keys(ref));
      for (const [k, cap] of Object.entries(got)) {
        expect(cap.format).toBe(info.format);
        expect(cap.bigEndian).toBe(info.bigEndian);
        expect(cap.nanosecond).toBe(info.nanosecond);
        expect(cap.records.length).toBe(ref[k].records.length);
        const mismatches = cap.records.filter((r, i) => {
          const want = ref[k].records[i];
          return r.tsSec !== want.tsSec
            || r.tsNsec !== (info.nanosecond ? want.tsNsec : Math.floor(want.tsNsec / 1000) * 1000)
            || !Buffer.from(r.frame).equals(Buffer.from(want.frame))
            || r.origLen !== r.frame.length;
        });
        expect(mismatches.length, `${variant} ${k}`).toBe(0);
      }
      expect(s.expected.findings.map((f) => [f.kind, f.client, f.server, f.fromDevice, f.droppedPackets])).toEqual(
        gen(name, 'pcapng-be-ns').expected.findings.map((f) => [f.kind, f.client, f.server, f.fromDevice, f.droppedPackets]),
      );
    }
  });

  it.each(SCENARIOS)('%s: every frame decodes with correct checksums and lengths', (name) => {
    const s = gen(name, 'pcap-le-ns');
    let n = 0;
    for (const f of s.files) {
      for (const r of readCapture(f.bytes).records) {
        decode(r.frame);
        n++;
      }
    }
    expect(n).toBeGreaterThan(50);
  });
});

function readAll(s: GeneratedScenario): Record<string, ReturnType<typeof readCapture>> {
  return Object.fromEntries(s.files.map((f) => [`${f.device}_${f.stage}`, readCapture(f.bytes)]));
}

describe('gwlb-incident: a session idle 400 s moves from PA-VM-1 to PA-VM-2', () => {
  const s = gen('gwlb-incident', 'pcap-le-us');
  const moved = s.expected.findings.find((f) => f.kind === 'session-moved')!;

  it('expects one session-moved, one server rst and one idle-timeout-exceeded, nothing else', () => {
    expect(s.expected.findings.map((f) => `${f.kind}/${f.severity}`)).toEqual(['session-moved/critical', 'rst/info', 'idle-timeout-exceeded/warning']);
    expect(moved).toMatchObject({ client: '172.21.43.170:51544', server: '198.51.100.52:443', fromDevice: 'PA-VM-1', toDevice: 'PA-VM-2', firstReappearedFlags: 'FIN,ACK', droppedPackets: 10 });
    expect(moved.idleSeconds).toBeCloseTo(400, 3);
    expect(moved.cookieBefore).not.toBe(moved.cookieAfter);
    expect(s.expected.clockOffsets).toEqual({});
  });

  it('shows the flow on PA-VM-1 under one cookie, never in its drop stage', () => {
    const rx = packetsOf(s, 'PA-VM-1', 'receive').filter((p) => isFlow(p.d, moved.client, moved.server));
    const tx = packetsOf(s, 'PA-VM-1', 'transmit').filter((p) => isFlow(p.d, moved.client, moved.server));
    expect(rx.length).toBeGreaterThan(20);
    expect(tx.length).toBe(rx.length);
    expect(new Set(rx.map((p) => p.d.geneve!.cookie))).toEqual(new Set([parseInt(moved.cookieBefore!, 16)]));
    expect(rx[0].d.flags).toBe(0x02);
    expect(rx.every((p) => p.d.geneve!.outerSrc === '172.21.200.78' && p.d.geneve!.outerDst === '172.21.200.84')).toBe(true);
    expect(tx.every((p) => p.d.geneve!.outerSrc === '172.21.200.84' && p.d.geneve!.outerDst === '172.21.200.78')).toBe(true);
    expect(packetsOf(s, 'PA-VM-1', 'drop')).toHaveLength(0);
  });

  it('shows the FIN and the client data arriving on PA-VM-2 under the new cookie and dropped there', () => {
    const rx = packetsOf(s, 'PA-VM-2', 'receive').filter((p) => isFlow(p.d, moved.client, moved.server));
    const drop = packetsOf(s, 'PA-VM-2', 'drop').filter((p) => isFlow(p.d, moved.client, moved.server));
    expect(drop).toHaveLength(moved.droppedPackets!);
    expect(rx).toHaveLength(moved.droppedPackets!);
    expect(flagNames(rx[0].d.flags)).toBe(moved.firstReappearedFlags);
    expect(rx.every((p) => p.d.geneve!.cookie === parseInt(moved.cookieAfter!, 16))).toBe(true);
    expect(packetsOf(s, 'PA-VM-2', 'transmit').filter((p) => isFlow(p.d, moved.client, moved.server))).toHaveLength(0);
    expect(packetsOf(s, 'PA-VM-2', 'firewall').filter((p) => isFlow(p.d, moved.client, moved.server))).toHaveLength(0);
    const lastOnPa1 = packetsOf(s, 'PA-VM-1', 'receive').filter((p) => isFlow(p.d, moved.client, moved.server)).at(-1)!;
    expect(time(rx[0]) - time(lastOnPa1)).toBeCloseTo(moved.idleSeconds!, 3);
  });

  it('sends health checks in the clear to port 80 of each firewall every 10 s', () => {
    for (const [dev, ip] of [['PA-VM-1', '172.21.200.84'], ['PA-VM-2', '172.21.200.85']]) {
      const syns = packetsOf(s, dev, 'receive').filter((p) => !p.d.geneve && p.d.dport === 80 && p.d.flags === 0x02);
      expect(syns.length).toBeGreaterThanOrEqual(90);
      expect(syns.every((p) => p.d.src === '172.21.200.78' && p.d.dst === ip)).toBe(true);
    }
  });

  it('keeps the keep-alive flow on PA-VM-1 with one cookie across 900 s', () => {
    const b = s.expected.flows.find((f) => f.label === 'B keep-alive')!;
    expect(b.devices).toEqual(['PA-VM-1']);
    expect(b.cookies).toHaveLength(1);
    const rx = packetsOf(s, 'PA-VM-1', 'receive').filter((p) => isFlow(p.d, b.client, b.server));
    expect(time(rx.at(-1)!) - time(rx[0])).toBeGreaterThan(900);
    const gaps = rx.slice(1).map((p, i) => time(p) - time(rx[i]));
    expect(Math.max(...gaps)).toBeLessThan(350);
  });

  it('re-hashes the 420 s idle flow onto PA-VM-1 under a new cookie and forwards it', () => {
    const e = s.expected.findings.find((f) => f.kind === 'idle-timeout-exceeded')!;
    const flow = s.expected.flows.find((f) => f.client === e.client)!;
    expect(flow.devices).toEqual(['PA-VM-1']);
    expect(flow.cookies).toHaveLength(2);
    expect(flow.dropped).toEqual({});
    expect(e.idleSeconds).toBeGreaterThan(419);
  });
});

describe('gwlb-incident-v6-skew: IPv6 inside GENEVE, PA-VM-2 3.7 s ahead', () => {
  const s = gen('gwlb-incident-v6-skew', 'pcapng-le-ns');
  const moved = s.expected.findings.find((f) => f.kind === 'session-moved')!;
  it('carries IPv6 in GENEVE and needs PA-VM-2=-3.7 to see the true idle time', () => {
    expect(s.expected.clockOffsets).toEqual({ 'PA-VM-2': -3.7 });
    expect(moved.client).toBe('[2001:db8:21:43::170]:51544');
    const rx = packetsOf(s, 'PA-VM-2', 'drop');
    expect(rx).toHaveLength(moved.droppedPackets!);
    const last = packetsOf(s, 'PA-VM-1', 'transmit').filter((p) => p.d.sport === 51544 || p.d.dport === 51544).at(-1)!;
    expect(time(rx[0]) - 3.7 - time(last)).toBeCloseTo(moved.idleSeconds!, 2);
  });
});

describe('the other scenarios', () => {
  it('keepalive-control expects nothing', () => {
    expect(gen('keepalive-control', 'pcap-be-ns').expected.findings).toEqual([]);
  });

  it('half-close: data 150 s after the FIN is dropped on PA-VM-1', () => {
    const s = gen('half-close', 'pcap-le-ns');
    const [f] = s.expected.findings;
    expect(f).toMatchObject({ kind: 'half-close-timeout', device: 'PA-VM-1', droppedPackets: 5 });
    expect(f.secondsAfterFin).toBeCloseTo(150, 3);
    expect(packetsOf(s, 'PA-VM-1', 'drop')).toHaveLength(5);
  });

  it('asymmetric: SYN forwarded by PA-VM-1, every SYN-ACK dropped by PA-VM-2', () => {
    const s = gen('asymmetric', 'pcapng-be-us');
    expect(s.expected.findings).toEqual([expect.objectContaining({ kind: 'asymmetric-path', forwardDevice: 'PA-VM-1', reverseDevice: 'PA-VM-2' })]);
    const drops = packetsOf(s, 'PA-VM-2', 'drop');
    expect(drops.map((p) => flagNames(p.d.flags))).toEqual(['SYN,ACK', 'SYN,ACK', 'SYN,ACK', 'SYN,ACK']);
    const syns = packetsOf(s, 'PA-VM-1', 'transmit').filter((p) => p.d.flags === 0x02 && p.d.sport === 53100);
    expect(syns).toHaveLength(4);
  });

  it('ha-active-active: client packets received on fw-a leave from fw-b, fw-b 2 s ahead', () => {
    const s = gen('ha-active-active', 'pcap-be-us');
    expect(s.expected.findings).toEqual([]);
    expect(s.expected.tolerate).toEqual(['info']);
    const rxA = packetsOf(s, 'fw-a', 'receive').filter((p) => p.d.sport === 51544);
    const txB = packetsOf(s, 'fw-b', 'transmit').filter((p) => p.d.sport === 51544);
    expect(rxA.length).toBeGreaterThan(5);
    expect(txB.length).toBe(rxA.length);
    expect(rxA.every((p) => p.d.vlan === 100 && !p.d.geneve)).toBe(true);
    const byId = new Map(txB.map((p) => [p.d.ipId, p]));
    for (const p of rxA) {
      const t = byId.get(p.d.ipId)!;
      const d = time(t) - time(p);
      expect(d).toBeGreaterThan(2.0);
      expect(d).toBeLessThan(2.001);
    }
  });
});

describe('bulk', () => {
  it.each(['pcap-be-ns', 'pcapng-le-us'] as const)('streams %s in chunks with valid packets and the counts it reports', async (variant) => {
    const chunks: Uint8Array[][] = BULK_FILES.map(() => []);
    let biggest = 0;
    const started = performance.now();
    const summary = await writeBulk(6_000_000, variant, {
      write(i, chunk) {
        biggest = Math.max(biggest, chunk.length);
        chunks[i].push(chunk);
      },
    });
    const secs = (performance.now() - started) / 1000;
    expect(summary.bytes).toBeGreaterThanOrEqual(6_000_000);
    expect(summary.bytes).toBeLessThan(6_000_000 + 4 * 2000);
    expect(biggest).toBeLessThanOrEqual(1 << 20);
    const files = chunks.map((c) => readCapture(Buffer.concat(c)));
    files.forEach((f, i) => expect(f.records.length).toBe(summary.files[i].packets));
    expect(files[0].records.length + files[2].records.length).toBe(summary.packets);
    // Receive and transmit of one firewall carry the same inner packets in the same order.
    for (const fw of [0, 2]) {
      const rx = files[fw].records;
      const tx = files[fw + 1].records;
      for (let i = 0; i < rx.length; i += 97) {
        const a = decode(rx[i].frame);
        const b = decode(tx[i].frame);
        expect([b.src, b.dst, b.seq, b.flags, b.geneve!.cookie]).toEqual([a.src, a.dst, a.seq, a.flags, a.geneve!.cookie]);
        expect(b.geneve!.outerDst).toBe(a.geneve!.outerSrc);
      }
    }
    const sizes = files[0].records.map((r) => r.frame.length);
    expect(sizes.filter((n) => n < 200).length).toBeGreaterThan(sizes.length / 5);
    expect(sizes.filter((n) => n > 1500).length).toBeGreaterThan(sizes.length / 10);
    expect(summary.flows).toBeGreaterThanOrEqual(2000);
    expect(secs).toBeLessThan(10);
  });
});
