/** An ICMP error is linked to the flow it reports on (the quoted IP and transport header). */
import { describe, expect, it } from 'vitest';
import { icmpErrorCapture, icmpErrorsCapture } from '../support/icmp-capture.ts';
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

  it('errors from several routers quoting a flow the captures do not have: related to none (no crash)', () => {
    const bytes = icmpErrorsCapture(['192.0.2.1', '192.0.2.2', '192.0.2.3'], false);
    const r = analyzeBytes([{ path: 'x.pcap', device: 'fw', stage: 'receive', bytes }]);
    expect(r.flows.map((f) => [f.proto, f.relatedFlow ?? null])).toEqual([
      ['icmp', null],
      ['icmp', null],
      ['icmp', null],
    ]);
    // With the query captured, each points at it.
    const all = analyzeBytes([{ path: 'x.pcap', device: 'fw', stage: 'receive', bytes: icmpErrorsCapture(['192.0.2.1', '192.0.2.2'], true) }]);
    expect(all.flows.map((f) => f.relatedFlow ?? null)).toEqual([null, 'f1', 'f1']);
  });
});
