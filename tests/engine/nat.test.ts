/** NAT between receive (pre-NAT) and transmit (post-NAT) stages of one firewall. */
import { describe, expect, it } from 'vitest';
import { conversation, pcap } from '../support/nat-capture.ts';
import { analyzeBytes } from '../support/analyze-bytes.ts';

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

  it('forty translated sessions with the same sequence numbers: each joined to its own flow, by time', () => {
    // Same ISNs and payloads (a load generator, a retried script): the signatures collide; the
    // packet that left the firewall belongs to the session that received it just before.
    const n = 40;
    const rx = Array.from({ length: n }, (_, i) => conversation(`10.0.0.${10 + i}`, 40000 + i).map((p) => ({ ...p, t: p.t + i * 0.5 }))).flat();
    const tx = Array.from({ length: n }, (_, i) => conversation(`203.0.113.${10 + i}`, 61000 + i).map((p) => ({ ...p, t: p.t + i * 0.5 + 0.0001 }))).flat();
    const r = analyzeBytes([
      { path: 'fw_receive.pcap', device: 'fw', stage: 'receive', bytes: pcap(rx) },
      { path: 'fw_transmit.pcap', device: 'fw', stage: 'transmit', bytes: pcap(tx) },
    ]);
    expect(r.flows.map((f) => [f.client, f.nat?.map((x) => x.client)])).toEqual(
      Array.from({ length: n }, (_, i) => [`10.0.0.${10 + i}:${40000 + i}`, [`203.0.113.${10 + i}:${61000 + i}`]]),
    );
    expect(r.flows.map((f) => f.devices[0].unaccounted)).toEqual(new Array(n).fill(0));
    expect(r.findings).toEqual([]);
  });
});
