/**
 * A tiny scripting layer for rule tests: one TCP conversation, packets placed by hand on the
 * capture points (device x stage) that saw them. Raw-IP pcap files, real bytes.
 */
import { PcapWriter } from '../../shared/writers/pcap.ts';
import { tcpPacket, ACK, FIN, PSH, RST, SYN } from '../gen/packets.ts';
import type { Stage } from '../../shared/api/analysis.ts';
import type { BytesCapture } from './analyze-bytes.ts';

export { ACK, FIN, PSH, RST, SYN };
export const BASE = 1_700_000_000;

interface Pkt {
  t: number;
  bytes: Uint8Array;
}

export class MiniNet {
  private points = new Map<string, Pkt[]>();
  private seq = [1000, 5000];
  constructor(
    readonly client = '10.0.0.1',
    readonly server = '192.0.2.10',
    readonly cport = 40000,
    readonly sport = 443,
  ) {}

  /** Declares a capture point even if it sees nothing. */
  capture(device: string, stage: Stage): this {
    if (!this.points.has(`${device}|${stage}`)) this.points.set(`${device}|${stage}`, []);
    return this;
  }

  /**
   * A packet at time t (seconds) from the client (or server), seen at the given capture points
   * ("fw1:receive"...). `len` payload bytes; seq/ack advance like a real stack unless given.
   */
  send(t: number, fromClient: boolean, flags: number, at: string[], len = 0, seqOverride?: number): this {
    const i = fromClient ? 0 : 1;
    const seq = seqOverride ?? this.seq[i];
    const bytes = tcpPacket({
      src: fromClient ? this.client : this.server,
      dst: fromClient ? this.server : this.client,
      srcPort: fromClient ? this.cport : this.sport,
      dstPort: fromClient ? this.sport : this.cport,
      seq,
      ack: this.seq[1 - i],
      flags,
      payload: new Uint8Array(len).fill(0x41 + (Math.round(t) % 26)),
    });
    if (seqOverride === undefined) this.seq[i] = (seq + len + (flags & (SYN | FIN) ? 1 : 0)) >>> 0;
    for (const p of at) {
      const [device, stage] = p.split(':');
      this.capture(device, stage as Stage);
      // Transmit and drop copies are stamped 50 µs after the arrival.
      this.points.get(`${device}|${stage}`)!.push({ t: t + (stage === 'receive' ? 0 : 50e-6), bytes });
    }
    return this;
  }

  handshake(t: number, device: string, stages = ['receive', 'transmit']): this {
    const at = stages.map((s) => `${device}:${s}`);
    this.send(t, true, SYN, at).send(t + 0.01, false, SYN | ACK, at).send(t + 0.02, true, ACK, at);
    return this;
  }

  files(): BytesCapture[] {
    return [...this.points].map(([key, pkts]) => {
      const [device, stage] = key.split('|');
      const w = new PcapWriter({ linkType: 101, nanosecond: true });
      const parts = [w.header()];
      for (const p of pkts.sort((a, b) => a.t - b.t)) {
        const ns = Math.round(p.t * 1e9);
        parts.push(w.record(BASE + Math.floor(ns / 1e9), ns % 1e9, p.bytes));
      }
      const bytes = new Uint8Array(parts.reduce((s, x) => s + x.length, 0));
      let o = 0;
      for (const x of parts) {
        bytes.set(x, o);
        o += x.length;
      }
      return { path: `${device}_${stage}.pcap`, device, stage: stage as Stage, bytes };
    });
  }
}
