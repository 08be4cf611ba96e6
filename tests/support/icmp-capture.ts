/** A raw-IP pcap with a UDP query and the ICMP port unreachable that quotes it. */
import { ipv4, udpPacket, internetChecksum, put16 } from '../gen/packets.ts';
import { PcapWriter } from '../../shared/writers/pcap.ts';
import { concat } from '../gen/scenarios.ts';

export function icmpErrorCapture(): Uint8Array {
  const query = udpPacket({ src: '10.1.1.1', dst: '192.0.2.53', srcPort: 53000, dstPort: 53, payload: new Uint8Array(30) });
  const icmp = new Uint8Array(8 + 28);
  icmp[0] = 3; // destination unreachable
  icmp[1] = 3; // port unreachable
  icmp.set(query.subarray(0, 28), 8);
  put16(icmp, 2, internetChecksum(icmp));
  const error = ipv4('192.0.2.53', '10.1.1.1', 1, icmp);
  const w = new PcapWriter({ linkType: 101 });
  const parts = [w.header(), w.record(1_700_000_000, 0, query), w.record(1_700_000_000, 1000, error)];
  return concat(parts);
}
