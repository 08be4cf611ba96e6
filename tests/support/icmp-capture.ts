/** A raw-IP pcap with a UDP query and the ICMP port unreachable that quotes it. */
import { ipv4, udpPacket, internetChecksum, put16 } from '../gen/packets.ts';
import { PcapWriter } from '../../shared/writers/pcap.ts';
import { concat } from '../gen/scenarios.ts';

export function icmpErrorCapture(): Uint8Array {
  return icmpErrorsCapture(['192.0.2.53'], true);
}

/**
 * The UDP query (or not: `withQuery` false) and an ICMP port unreachable quoting it from each of
 * `from` (each its own ICMP flow), a millisecond apart.
 */
export function icmpErrorsCapture(from: string[], withQuery: boolean): Uint8Array {
  const query = udpPacket({ src: '10.1.1.1', dst: '192.0.2.53', srcPort: 53000, dstPort: 53, payload: new Uint8Array(30) });
  const w = new PcapWriter({ linkType: 101 });
  const parts = [w.header()];
  if (withQuery) parts.push(w.record(1_700_000_000, 0, query));
  from.forEach((src, i) => {
    const icmp = new Uint8Array(8 + 28);
    icmp[0] = 3; // destination unreachable
    icmp[1] = 3; // port unreachable
    icmp.set(query.subarray(0, 28), 8);
    put16(icmp, 2, internetChecksum(icmp));
    parts.push(w.record(1_700_000_000, 1000 * (i + 1), ipv4(src, '10.1.1.1', 1, icmp)));
  });
  return concat(parts);
}
