/** Each rule of docs/domain.md on a hand-made conversation: what it reports and what it leaves alone. */
import { describe, expect, it } from 'vitest';
import { MiniNet, ACK, FIN, PSH, RST, SYN } from '../support/mini-net.ts';
import { analyzeBytes } from '../support/analyze-bytes.ts';
import { DEFAULT_SETTINGS } from '../../shared/engine/settings.ts';
import type { Finding } from '../../shared/api/analysis.ts';

const RX1 = ['fw1:receive', 'fw1:transmit'];
const DROP2 = ['fw2:receive', 'fw2:drop'];

function analyse(net: MiniNet, settings = {}) {
  return analyzeBytes(net.files(), { settings: { ...DEFAULT_SETTINGS, ...settings } });
}
function kinds(fs: Finding[]) {
  return fs.map((f) => f.kind).sort();
}
function established() {
  const n = new MiniNet();
  for (const c of ['fw1:receive', 'fw1:transmit', 'fw1:drop', 'fw2:receive', 'fw2:transmit', 'fw2:drop']) {
    const [d, s] = c.split(':');
    n.capture(d, s as never);
  }
  n.handshake(0, 'fw1');
  n.send(0.1, true, PSH | ACK, RX1, 300).send(0.2, false, PSH | ACK, RX1, 1200).send(0.3, true, ACK, RX1);
  return n;
}

describe('session-moved', () => {
  it('a session idle 400 s moves from fw1 to fw2, which drops its non-SYN packets', () => {
    const n = established();
    n.send(400.3, true, PSH | ACK, DROP2, 100, undefined);
    n.send(401.3, true, PSH | ACK, DROP2, 100, n['seq'][0] - 100);
    n.send(403.3, true, PSH | ACK, DROP2, 100, n['seq'][0] - 100);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['session-moved']);
    expect(r.findings[0]).toMatchObject({ fromDevice: 'fw1', toDevice: 'fw2', firstReappearedFlags: 'PSH,ACK', droppedPackets: 3, severity: 'critical' });
    expect(r.findings[0].idleSeconds).toBeCloseTo(400, 1);
  });

  it('counts the server FIN-ACK that reaches the old firewall after the gap as evidence, not as a move back', () => {
    const n = established();
    n.send(400.3, false, FIN | ACK, ['fw1:receive']);
    n.send(405.3, true, PSH | ACK, DROP2, 100);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['session-moved']);
    const f = r.findings[0];
    expect(f).toMatchObject({ fromDevice: 'fw1', toDevice: 'fw2', firstReappearedFlags: 'PSH,ACK', droppedPackets: 1 });
    expect(f.idleSeconds).toBeCloseTo(405, 1);
    expect(f.evidence.some((e) => e.device === 'fw1' && e.note?.includes('after the gap'))).toBe(true);
  });

  it('without a drop capture, packets that never leave the new firewall are enough', () => {
    const n = new MiniNet();
    n.capture('fw2', 'transmit');
    n.handshake(0, 'fw1');
    n.send(0.1, true, PSH | ACK, RX1, 10);
    n.send(360.1, true, PSH | ACK, ['fw2:receive'], 10);
    expect(kinds(analyse(n).findings)).toEqual(['session-moved']);
  });

  it('is not reported when the new firewall forwards the traffic (idle-timeout-exceeded instead)', () => {
    const n = established();
    n.send(400.3, true, PSH | ACK, ['fw2:receive', 'fw2:transmit'], 100);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['idle-timeout-exceeded']);
    expect(r.findings[0]).toMatchObject({ device: 'fw2', fromDevice: 'fw1' });
  });

  it('is not reported for a gap shorter than the GWLB idle timeout, nor for a new SYN on the 5-tuple', () => {
    const short = established();
    short.send(300.3, true, PSH | ACK, DROP2, 100);
    expect(kinds(analyse(short).findings)).not.toContain('session-moved');
    const syn = established();
    syn.send(500, true, SYN, ['fw2:receive', 'fw2:transmit'], 0, 777);
    expect(kinds(analyse(syn).findings)).not.toContain('session-moved');
  });

  it('follows the configured GWLB idle timeout', () => {
    const n = established();
    n.send(200.3, true, PSH | ACK, DROP2, 100);
    expect(kinds(analyse(n).findings)).not.toContain('session-moved');
    expect(kinds(analyse(n, { gwlbIdleTimeout: 120 }).findings)).toEqual(['session-moved']);
  });
});

describe('idle-timeout-exceeded', () => {
  it('a flow idle 420 s that comes back on the same firewall is a warning', () => {
    const n = established();
    n.send(420.3, true, PSH | ACK, RX1, 50).send(420.4, false, ACK, RX1);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['idle-timeout-exceeded']);
    expect(r.findings[0]).toMatchObject({ device: 'fw1', timeoutSeconds: 350, severity: 'warning' });
    expect(r.findings[0].idleSeconds).toBeCloseTo(420, 0);
  });

  it('keep-alives every 300 s keep the flow alive: no finding', () => {
    const n = established();
    for (let t = 300; t <= 1200; t += 300) {
      n.send(t, true, ACK, RX1, 0, n['seq'][0] - 1).send(t + 0.01, false, ACK, RX1);
    }
    const r = analyse(n);
    expect(r.findings).toEqual([]);
    expect(r.flows[0].points.find((p) => p.device === 'fw1' && p.stage === 'receive')!.keepAlives).toBe(4);
  });
});

describe('non-syn-drop', () => {
  it("a firewall's first packet of a flow is an ACK and it drops it", () => {
    const n = new MiniNet();
    n.send(1, true, PSH | ACK, ['fw1:receive', 'fw1:drop'], 20).send(2, true, PSH | ACK, ['fw1:receive', 'fw1:drop'], 20);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['non-syn-drop']);
    expect(r.findings[0]).toMatchObject({ device: 'fw1', firstFlags: 'PSH,ACK', droppedPackets: 2 });
  });
});

describe('asymmetric-path', () => {
  it('SYN through fw1 and the SYN-ACK dropped on fw2 milliseconds later', () => {
    const n = new MiniNet();
    n.send(0, true, SYN, RX1).send(0.004, false, SYN | ACK, DROP2).send(1, true, SYN, RX1, 0, 1000).send(1.004, false, SYN | ACK, DROP2, 0, 5000);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['asymmetric-path']);
    expect(r.findings[0]).toMatchObject({ forwardDevice: 'fw1', reverseDevice: 'fw2', severity: 'critical' });
  });
});

describe('incomplete-handshake', () => {
  it('a SYN without SYN-ACK, retransmitted', () => {
    const n = new MiniNet();
    n.send(0, true, SYN, RX1).send(1, true, SYN, RX1, 0, 1000).send(3, true, SYN, RX1, 0, 1000).send(30, true, SYN, RX1, 0, 1000);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['incomplete-handshake']);
    expect(r.findings[0].missing).toBe('SYN-ACK');
    expect(r.flows[0].devices[0].endReason).toBe('incomplete');
  });
  it('SYN and SYN-ACK without the final ACK', () => {
    const n = new MiniNet();
    n.send(0, true, SYN, RX1).send(0.01, false, SYN | ACK, RX1).send(40, false, SYN | ACK, RX1, 0, 5000);
    expect(analyse(n).findings.map((f) => [f.kind, f.missing])).toEqual([['incomplete-handshake', 'ACK']]);
  });
  it('a SYN in the last seconds of the captures is not judged', () => {
    const n = new MiniNet();
    n.send(0, true, SYN, RX1);
    expect(analyse(n).findings).toEqual([]);
  });
  it('nor a SYN-ACK: the ACK may come after the captures end (within the handshake timer)', () => {
    const n = new MiniNet();
    n.send(0, true, SYN, RX1).send(0.01, false, SYN | ACK, RX1).send(9, false, SYN | ACK, RX1, 0, 5000);
    expect(analyse(n).findings).toEqual([]);
    const late = new MiniNet();
    late.send(0, true, SYN, RX1).send(0.01, false, SYN | ACK, RX1).send(10.02, false, SYN | ACK, RX1, 0, 5000);
    expect(analyse(late).findings.map((f) => [f.kind, f.missing])).toEqual([['incomplete-handshake', 'ACK']]);
  });
});

describe('rst', () => {
  it('a reset from the server maps to tcp-rst-from-server', () => {
    const n = established();
    n.send(1, false, RST | ACK, RX1);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['rst']);
    expect(r.findings[0]).toMatchObject({ from: 'server', severity: 'info' });
    expect(r.flows[0].devices.find((d) => d.device === 'fw1')!.endReason).toBe('tcp-rst-from-server');
  });
  it('a reset from the client', () => {
    const n = established();
    n.send(1, true, RST, RX1);
    expect(analyse(n).findings[0]).toMatchObject({ kind: 'rst', from: 'client' });
  });
});

describe('half-close-timeout', () => {
  it('server data 150 s after the client FIN is dropped', () => {
    const n = established();
    n.capture('fw1', 'drop');
    n.send(1, true, FIN | ACK, RX1).send(1.01, false, ACK, RX1);
    n.send(60, false, PSH | ACK, RX1, 500);
    n.send(151, false, PSH | ACK, ['fw1:receive', 'fw1:drop'], 500).send(152, false, PSH | ACK, ['fw1:receive', 'fw1:drop'], 500);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['half-close-timeout']);
    expect(r.findings[0]).toMatchObject({ device: 'fw1', droppedPackets: 2 });
    expect(r.findings[0].secondsAfterFin).toBeCloseTo(150, 0);
  });
  it('follows the half-closed timer setting', () => {
    const n = established();
    n.capture('fw1', 'drop');
    n.send(1, true, FIN | ACK, RX1).send(151, false, PSH | ACK, ['fw1:receive', 'fw1:drop'], 500);
    expect(kinds(analyse(n, { tcpHalfClosed: 200 }).findings)).toEqual([]);
  });
});

describe('fin-not-forwarded and not-forwarded', () => {
  it('a FIN and its retransmission reach fw1 but never leave it', () => {
    const n = established();
    n.send(2, true, FIN | ACK, ['fw1:receive']).send(2.5, true, FIN | ACK, ['fw1:receive'], 0, n['seq'][0] - 1);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['fin-not-forwarded']);
    expect(r.findings[0]).toMatchObject({ device: 'fw1', from: 'client', finPackets: 2 });
  });
  it('a data packet received, neither transmitted nor dropped, between forwarded ones', () => {
    const n = established();
    n.send(1, true, PSH | ACK, ['fw1:receive'], 100);
    n.send(2, true, PSH | ACK, RX1, 100);
    const r = analyse(n);
    expect(kinds(r.findings)).toEqual(['not-forwarded']);
    expect(r.findings[0]).toMatchObject({ device: 'fw1', packets: 1, confidence: 'high' });
    expect(r.flows[0].devices.find((d) => d.device === 'fw1')).toMatchObject({ received: 8, transmitted: 7, unaccounted: 1 });
  });
  it('traffic to the firewall itself (a health check) is not "not forwarded"', () => {
    const n = new MiniNet('172.21.200.78', '172.21.200.84', 31000, 80);
    n.capture('fw1', 'drop');
    n.send(0, true, SYN, ['fw1:receive']).send(0.001, false, SYN | ACK, ['fw1:transmit']).send(0.002, true, ACK, ['fw1:receive']);
    n.send(0.003, true, FIN | ACK, ['fw1:receive']).send(0.004, false, FIN | ACK, ['fw1:transmit']).send(0.005, true, ACK, ['fw1:receive']);
    expect(analyse(n).findings).toEqual([]);
  });
});

describe('end reasons', () => {
  it('tcp-fin after FINs, aged-out when the captures outlive the TCP timeout, open otherwise', () => {
    const fin = established();
    fin.send(1, true, FIN | ACK, RX1).send(1.1, false, FIN | ACK, RX1).send(1.2, true, ACK, RX1);
    expect(analyse(fin).flows[0].devices.find((d) => d.device === 'fw1')!.endReason).toBe('tcp-fin');
    const open = established();
    const dev = analyse(open).flows[0].points.find((p) => p.device === 'fw1')!;
    expect(dev.endReason).toBe('open');
    expect(dev.agesOutAt).toMatch(/T23:13:20\.3/);
    const aged = established();
    aged.send(100, true, SYN, ['fw1:receive'], 0, 99); // any later packet extends the capture
    const other = new MiniNet('10.0.0.2');
    other.handshake(200, 'fw1');
    const r = analyzeBytes([...aged.files(), ...other.files()].filter((f) => f.device === 'fw1'), { settings: { ...DEFAULT_SETTINGS, tcpTimeout: 60 } });
    expect(r.flows.find((f) => f.client.startsWith('10.0.0.1'))!.devices[0].endReason).toBe('aged-out');
  });
});
