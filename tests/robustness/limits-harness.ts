/**
 * Resource-limit harness, bundled and run by scripts/limits.mjs (which tests/robustness/limits.test.ts
 * runs at a small scale):
 *   node harness.mjs gen KIND N FILE     writes a capture with a streaming writer (one 4 MiB buffer)
 *   node harness.mjs run FILE [--index-only] [--two-stages]
 *                                        indexes it (indexFile, as the CLI does) and analyses it
 *                                        (analyzeIndexes); prints one JSON line with times, memory
 *                                        and progress
 * KIND:
 *   tiny        N packets of 42 bytes (Ethernet + IPv4 + UDP, no payload) over 1024 flows
 *   one-flow    one TCP connection of N packets: handshake, then 10-byte segments and their ACKs
 *   many-flows  N TCP flows of 2 packets each (SYN, SYN-ACK), every flow a new client address/port
 *   many-udp    N UDP flows of one packet each (no finding per flow, unlike many-flows)
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { PcapWriter } from '../../shared/writers/pcap.ts';
import { indexFile, type Progress } from '../../shared/node/file-source.ts';
import { analyzeIndexes, type AnalysisInput } from '../../shared/engine/analyze.ts';

const BUF = 4 << 20;

class Out {
  private readonly fd: number;
  private readonly buf = new Uint8Array(BUF);
  private pos = 0;
  bytes = 0;
  readonly w = new PcapWriter({ nanosecond: true });
  constructor(path: string) {
    this.fd = openSync(path, 'w');
    this.put(this.w.header());
  }
  private put(b: Uint8Array): void {
    if (this.pos + b.length > BUF) this.flush();
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  record(tNs: number, pkt: Uint8Array, len: number): void {
    if (this.pos + 16 + len > BUF) this.flush();
    const sec = 1_700_000_000 + Math.floor(tNs / 1e9);
    this.pos = this.w.writeRecord(this.buf, this.pos, sec, tNs % 1e9, pkt, 0, len);
  }
  flush(): void {
    let o = 0;
    while (o < this.pos) o += writeSync(this.fd, this.buf, o, this.pos - o);
    this.bytes += this.pos;
    this.pos = 0;
  }
  close(): number {
    this.flush();
    closeSync(this.fd);
    return this.bytes;
  }
}

/** Ethernet + IPv4 header template; proto 17 or 6. */
function ipPacket(size: number, proto: number): Uint8Array {
  const p = new Uint8Array(size);
  p.set([0, 0x50, 0x56, 1, 2, 3, 0, 0x50, 0x56, 4, 5, 6, 0x08, 0x00], 0);
  p[14] = 0x45;
  p[16] = (size - 14) >> 8;
  p[17] = (size - 14) & 0xff;
  p[22] = 64;
  p[23] = proto;
  return p;
}

function setAddrs(p: Uint8Array, src: number, dst: number): void {
  const v = new DataView(p.buffer);
  v.setUint32(26, src);
  v.setUint32(30, dst);
}

function setTcp(p: Uint8Array, sport: number, dport: number, seq: number, ack: number, flags: number): void {
  const v = new DataView(p.buffer);
  v.setUint16(34, sport);
  v.setUint16(36, dport);
  v.setUint32(38, seq >>> 0);
  v.setUint32(42, ack >>> 0);
  p[46] = 0x50;
  p[47] = flags;
  v.setUint16(48, 65535);
}

const CLIENT = 0x0a000001;
const SERVER = 0x0a630001;

export function generate(kind: string, n: number, path: string): { bytes: number; packets: number; flows: number } {
  const out = new Out(path);
  let packets = 0;
  let flows = 0;
  if (kind === 'tiny') {
    const p = ipPacket(42, 17);
    setAddrs(p, CLIENT, SERVER);
    const v = new DataView(p.buffer);
    v.setUint16(36, 53);
    v.setUint16(38, 8);
    for (let i = 0; i < n; i++) {
      v.setUint16(34, 10000 + (i & 1023));
      v.setUint16(18, i & 0xffff); // IP id
      out.record(i * 1000, p, 42);
    }
    packets = n;
    flows = Math.min(n, 1024);
  } else if (kind === 'one-flow') {
    const ctl = ipPacket(54, 6);
    const data = ipPacket(64, 6);
    setAddrs(ctl, CLIENT, SERVER);
    let cSeq = 1000;
    const sSeq = 5000;
    const c2s = (p: Uint8Array) => setAddrs(p, CLIENT, SERVER);
    const s2c = (p: Uint8Array) => setAddrs(p, SERVER, CLIENT);
    let t = 0;
    c2s(ctl);
    setTcp(ctl, 40000, 443, cSeq, 0, 0x02);
    out.record((t += 1000), ctl, 54);
    s2c(ctl);
    setTcp(ctl, 443, 40000, sSeq, cSeq + 1, 0x12);
    out.record((t += 1000), ctl, 54);
    cSeq += 1;
    c2s(ctl);
    setTcp(ctl, 40000, 443, cSeq, sSeq + 1, 0x10);
    out.record((t += 1000), ctl, 54);
    packets = 3;
    c2s(data);
    while (packets < n) {
      setTcp(data, 40000, 443, cSeq, sSeq + 1, 0x18);
      new DataView(data.buffer).setUint16(18, packets & 0xffff);
      out.record((t += 1000), data, 64);
      cSeq += 10;
      packets++;
      if (packets < n) {
        s2c(ctl);
        setTcp(ctl, 443, 40000, sSeq + 1, cSeq, 0x10);
        out.record((t += 1000), ctl, 54);
        packets++;
      }
    }
    flows = 1;
  } else if (kind === 'many-flows') {
    const p = ipPacket(54, 6);
    for (let i = 0; i < n; i++) {
      const client = CLIENT + Math.floor(i / 50000);
      const port = 1024 + (i % 50000);
      setAddrs(p, client, SERVER);
      setTcp(p, port, 443, i * 7919, 0, 0x02);
      out.record(i * 2000, p, 54);
      setAddrs(p, SERVER, client);
      setTcp(p, 443, port, i * 104729, i * 7919 + 1, 0x12);
      out.record(i * 2000 + 500, p, 54);
    }
    // The capture runs on past the TCP handshake timer (an ARP frame, no flow), so that every
    // handshake is judged incomplete: one finding a flow.
    const arp = new Uint8Array(42);
    arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x50, 0x56, 4, 5, 6, 0x08, 0x06], 0);
    out.record(n * 2000 + 11e9, arp, 42);
    packets = 2 * n + 1;
    flows = n;
  } else if (kind === 'many-udp') {
    const p = ipPacket(42, 17);
    const v = new DataView(p.buffer);
    v.setUint16(36, 53);
    v.setUint16(38, 8);
    for (let i = 0; i < n; i++) {
      setAddrs(p, CLIENT + Math.floor(i / 50000), SERVER);
      v.setUint16(34, 1024 + (i % 50000));
      out.record(i * 1000, p, 42);
    }
    packets = n;
    flows = n;
  } else throw new Error(`unknown kind ${kind}`);
  return { bytes: out.close(), packets, flows };
}

export interface RunResult {
  packets: number;
  errors: number;
  flows: number;
  findings: number;
  indexSecs: number;
  analyzeSecs: number;
  /** Peak resident set (process.resourceUsage().maxRSS) after indexing and at the end, MiB. */
  rssAfterIndexMb: number;
  peakRssMb: number;
  baselineRssMb: number;
  /** Progress reports during indexing: [seconds since start, bytes, packets]. */
  progress: [number, number, number][];
}

/**
 * Indexes FILE and analyses it. `twoStages`: the same file also as the transmit stage of the same
 * firewall (indexed a second time after the timing), so the analysis matches every packet
 * across two stages (stage alignment) instead of only summarising one capture.
 */
export async function run(path: string, indexOnly = false, twoStages = false): Promise<RunResult> {
  const base = process.resourceUsage().maxRSS / 1024;
  const progress: [number, number, number][] = [];
  const t0 = performance.now();
  const ix = await indexFile(path, (p: Progress) => progress.push([(performance.now() - t0) / 1000, p.bytes, p.packets]));
  const t1 = performance.now();
  const rssAfterIndexMb = process.resourceUsage().maxRSS / 1024;
  const inputs: AnalysisInput[] = [{ spec: { path, device: 'fw1', stage: 'receive', labelled: 'explicit' }, ix }];
  if (twoStages) inputs.push({ spec: { path, device: 'fw1', stage: 'transmit', labelled: 'explicit' }, ix: await indexFile(path) });
  const t1b = performance.now();
  const res = indexOnly ? null : analyzeIndexes(inputs);
  const t2 = performance.now();
  return {
    packets: ix.packets,
    errors: ix.errors.length,
    flows: res ? res.flows.length : ix.flows.length,
    findings: res ? res.findings.length : -1,
    indexSecs: (t1 - t0) / 1000,
    analyzeSecs: (t2 - t1b) / 1000,
    rssAfterIndexMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    baselineRssMb: base,
    progress,
  };
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'gen') {
    const [kind, n, path] = rest;
    const t0 = performance.now();
    const r = generate(kind, Number(n), path);
    process.stdout.write(`${JSON.stringify({ ...r, secs: (performance.now() - t0) / 1000 })}\n`);
  } else if (cmd === 'run') {
    process.stdout.write(`${JSON.stringify(await run(rest[0], rest.includes('--index-only'), rest.includes('--two-stages')))}\n`);
  } else throw new Error('usage: gen KIND N FILE | run FILE [--index-only] [--two-stages]');
}

if (process.argv[1]?.endsWith('limits-harness.mjs')) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
