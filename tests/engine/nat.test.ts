/** NAT between receive (pre-NAT) and transmit (post-NAT) stages of one firewall. */
import { describe, expect, it } from 'vitest';
import { tcpPacket, ACK, PSH, SYN, FIN } from '../gen/packets.ts';
import { PcapWriter } from '../../shared/writers/pcap.ts';
import { analyzeBytes } from '../support/analyze-bytes.ts';

function pcap(pkts: { t: number; b: Uint8Array }[]): Uint8Array {
  const w = new PcapWriter({ linkType: 101, nanosecond: true });
  const parts = [w.header(), ...pkts.map((p) => w.record(1_700_000_000 + Math.floor(p.t), Math.round((p.t % 1) * 1e9), p.b))];
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** A conversation as seen with the given client address/port (server fixed). */
function conversation(client: string, cport: number, serverAddr = '198.51.100.7', drop = new Set<number>()) {
  const c2s = (seq: number, ack: number, flags: number, len = 0) =>
    tcpPacket({ src: client, dst: serverAddr, srcPort: cport, dstPort: 443, seq, ack, flags, payload: new Uint8Array(len).fill(7) });
  const s2c = (seq: number, ack: number, flags: number, len = 0) =>
    tcpPacket({ src: serverAddr, dst: client, srcPort: 443, dstPort: cport, seq, ack, flags, payload: new Uint8Array(len).fill(9) });
  const all = [
    c2s(100, 0, SYN),
    s2c(900, 101, SYN | ACK),
    c2s(101, 901, ACK),
    c2s(101, 901, PSH | ACK, 50),
    s2c(901, 151, PSH | ACK, 500),
    c2s(151, 1401, PSH | ACK, 50),
    c2s(201, 1401, FIN | ACK),
    s2c(1401, 202, FIN | ACK),
    c2s(202, 1402, ACK),
  ];
  return all.map((b, i) => ({ t: i * 0.01, b })).filter((_, i) => !drop.has(i));
}

describe('NAT between receive and transmit', () => {
  for (const [name, translated] of [
    ['source NAT that keeps the side order', '100.64.0.9'],
    ['source NAT that turns the side order around', '203.0.113.250'],
  ] as const) {
    it(`${name}: one flow, transmitted packets aligned, translation reported`, () => {
      const rx = conversation('10.0.0.5', 40000);
      const tx = conversation(translated, 61000, undefined, new Set([5]));
      const r = analyzeBytes([
        { path: 'fw_receive.pcap', device: 'fw', stage: 'receive', bytes: pcap(rx) },
        { path: 'fw_transmit.pcap', device: 'fw', stage: 'transmit', bytes: pcap(tx.map((p) => ({ ...p, t: p.t + 0.0001 }))) },
      ]);
      expect(r.flows).toHaveLength(1);
      const f = r.flows[0];
      expect(f.client).toBe('10.0.0.5:40000');
      expect(f.server).toBe('198.51.100.7:443');
      expect(f.nat).toEqual([{ device: 'fw', stage: 'transmit', client: `${translated}:61000`, server: '198.51.100.7:443' }]);
      expect(f.devices[0]).toMatchObject({ received: 9, transmitted: 8, unaccounted: 1 });
      const txPoint = f.points.find((p) => p.stage === 'transmit')!;
      expect(txPoint.history).toBe(f.points.find((p) => p.stage === 'receive')!.history);
      expect(r.findings.map((x) => x.kind)).toEqual(['not-forwarded']);
    });
  }
});
