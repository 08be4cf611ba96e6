/** An ICMP error is linked to the flow it reports on (the quoted IP and transport header). */
import { describe, expect, it } from 'vitest';
import { icmpErrorCapture } from '../support/icmp-capture.ts';
import { analyzeBytes } from '../support/analyze-bytes.ts';

describe('ICMP errors', () => {
  it('a port unreachable points at the UDP flow it quotes', () => {
    const bytes = icmpErrorCapture();
    const r = analyzeBytes([{ path: 'x.pcap', device: 'fw', stage: 'receive', bytes }]);
    const udp = r.flows.find((f) => f.proto === 'udp')!;
    const icmpFlow = r.flows.find((f) => f.proto === 'icmp')!;
    expect(udp.client).toBe('10.1.1.1:53000');
    expect(icmpFlow.relatedFlow).toBe(udp.id);
  });
});
