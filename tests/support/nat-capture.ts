/** A short TCP conversation as raw-IP pcap bytes, as seen before or after a NAT (tests/engine/nat). */
import { tcpPacket, ACK, PSH, SYN, FIN } from '../gen/packets.ts';
import { PcapWriter } from '../../shared/writers/pcap.ts';
import { concat } from '../gen/scenarios.ts';

export function pcap(pkts: { t: number; b: Uint8Array }[]): Uint8Array {
  const w = new PcapWriter({ linkType: 101, nanosecond: true });
  const parts = [w.header(), ...pkts.map((p) => w.record(1_700_000_000 + Math.floor(p.t), Math.round((p.t % 1) * 1e9), p.b))];
  return concat(parts);
}

/** A conversation as seen with the given client address/port (server fixed). */
export function conversation(client: string, cport: number, serverAddr = '198.51.100.7', drop = new Set<number>()) {
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
