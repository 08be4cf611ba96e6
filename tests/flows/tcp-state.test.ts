/**
 * Focused tests of the per-capture-point TCP state (shared/engine/capture-index.ts tcp(),
 * shared/engine/tcp-state.ts): keep-alive and retransmission marks (Wireshark's
 * tcp.analysis.keep_alive / .retransmission), Zeek's history letters and conn_state, and who the
 * client is.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACK, FIN, PSH, RST, SYN, tcpPacket } from '../gen/packets.ts';
import { analyzeBytes, indexBytes } from '../support/analyze-bytes.ts';
import { P_KEEPALIVE, P_RETRANS } from '../../shared/engine/capture-index.ts';
import { connState, Ep } from '../../shared/engine/tcp-state.ts';

const PUBLIC_DIR = fileURLToPath(new URL('../../../shared/captures/public/', import.meta.url));

interface Seg {
  from: 'c' | 's';
  flags: number;
  seq: number;
  ack?: number;
  len?: number;
  window?: number;
}

const C = { addr: '10.0.0.1', port: 50000 };
const S = { addr: '10.0.0.2', port: 443 };

/** A classic pcap (LINKTYPE_RAW, microseconds) of the segments, 1 ms apart. */
function pcap(segs: Seg[], c = C, s = S): Uint8Array {
  const recs = segs.map((g) => {
    const [a, b] = g.from === 'c' ? [c, s] : [s, c];
    return tcpPacket({
      src: a.addr,
      dst: b.addr,
      srcPort: a.port,
      dstPort: b.port,
      seq: g.seq,
      ack: g.ack ?? 0,
      flags: g.flags,
      window: g.window,
      payload: new Uint8Array(g.len ?? 0).fill(0x41),
    });
  });
  const out = new Uint8Array(24 + recs.reduce((n, r) => n + 16 + r.length, 0));
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true);
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setUint32(16, 65535, true);
  v.setUint32(20, 101, true);
  let o = 24;
  recs.forEach((r, i) => {
    v.setUint32(o, 1700000000, true);
    v.setUint32(o + 4, i * 1000, true);
    v.setUint32(o + 8, r.length, true);
    v.setUint32(o + 12, r.length, true);
    out.set(r, o + 16);
    o += 16 + r.length;
  });
  return out;
}

function analyze(bytes: Uint8Array) {
  const r = analyzeBytes([{ path: 'x.pcap', device: 'd', stage: 'unknown', bytes }]);
  expect(r.flows).toHaveLength(1);
  return { flow: r.flows[0], point: r.flows[0].points[0] };
}

/** Client ISN 1000, server ISN 5000, then `rest`. */
const handshake: Seg[] = [
  { from: 'c', flags: SYN, seq: 1000 },
  { from: 's', flags: SYN | ACK, seq: 5000, ack: 1001 },
  { from: 'c', flags: ACK, seq: 1001, ack: 5001 },
];

describe('keep-alives (Wireshark tcp.analysis.keep_alive: seq = next - 1, 0 or 1 byte)', () => {
  const data: Seg = { from: 'c', flags: PSH | ACK, seq: 1001, ack: 5001, len: 100 };
  const reply: Seg = { from: 's', flags: ACK, seq: 5001, ack: 1101 };

  it('a zero-length keep-alive is marked, counted, and neither a retransmission nor a letter', () => {
    const segs = [...handshake, data, reply, { from: 'c', flags: ACK, seq: 1100, ack: 5001 } as Seg, reply];
    const ix = indexBytes(pcap(segs));
    expect(ix.flags[5] & P_KEEPALIVE).toBe(P_KEEPALIVE);
    expect(ix.flags[5] & P_RETRANS).toBe(0);
    const { point } = analyze(pcap(segs));
    expect(point.keepAlives).toBe(1);
    expect(point.retransmissions).toBe(0);
    expect(point.history).toBe('ShADa');
    expect(point.state).toBe('S1');
  });

  it('a 1-byte keep-alive (Windows) is marked as keep-alive, not retransmission; Zeek history has T', () => {
    const segs = [...handshake, data, reply, { from: 'c', flags: ACK, seq: 1100, ack: 5001, len: 1 } as Seg, reply];
    const ix = indexBytes(pcap(segs));
    expect(ix.flags[5] & P_KEEPALIVE).toBe(P_KEEPALIVE);
    expect(ix.flags[5] & P_RETRANS).toBe(0);
    const { point } = analyze(pcap(segs));
    expect(point.keepAlives).toBe(1);
    expect(point.retransmissions).toBe(0);
    // Zeek counts any payload ending at or below the highest sequence sent as retransmitted.
    expect(point.history).toBe('ShADaT');
  });

  it('an ACK at the next sequence number is not a keep-alive', () => {
    const segs = [...handshake, data, reply, { from: 'c', flags: ACK, seq: 1101, ack: 5001 } as Seg];
    const ix = indexBytes(pcap(segs));
    expect(ix.flags[5] & (P_KEEPALIVE | P_RETRANS)).toBe(0);
  });

  it('Windows keep-alives in a public capture (arkime_websocket.pcap)', () => {
    const { point } = analyze(new Uint8Array(readFileSync(`${PUBLIC_DIR}arkime_websocket.pcap`)));
    expect(point.keepAlives).toBe(2);
    expect(point.retransmissions).toBe(0);
  });
});

describe('retransmissions', () => {
  it('a data segment sent again is marked; T is logged at the 1st and 10th time', () => {
    const data: Seg = { from: 'c', flags: PSH | ACK, seq: 1001, ack: 5001, len: 100 };
    const segs: Seg[] = [...handshake, data];
    for (let i = 0; i < 10; i++) segs.push(data);
    const ix = indexBytes(pcap(segs));
    expect(ix.flags[3] & P_RETRANS).toBe(0);
    for (let i = 4; i < 14; i++) expect(ix.flags[i] & P_RETRANS).toBe(P_RETRANS);
    const { point } = analyze(pcap(segs));
    expect(point.retransmissions).toBe(10);
    expect(point.history).toBe('ShADTT');
  });

  it('a retransmitted FIN is marked (zeek_fin_retransmission.pcap): FIN before the SYN-ACK, then FIN/ACK', () => {
    const bytes = new Uint8Array(readFileSync(`${PUBLIC_DIR}zeek_fin_retransmission.pcap`));
    const ix = indexBytes(bytes);
    // SYN, FIN (same seq as the SYN), SYN-ACK, FIN/ACK (the FIN again), RST.
    expect(Array.from(ix.tcpFlags)).toEqual([SYN, FIN, SYN | ACK, FIN | ACK, RST]);
    expect(Array.from(ix.flags, (f) => f & P_RETRANS)).toEqual([0, P_RETRANS, 0, P_RETRANS, 0]);
    const { point } = analyze(bytes);
    expect(point.retransmissions).toBe(2);
    // Zeek: a FIN carries no payload, so it is no T; the same FIN sequence logs F once.
    expect(point.history).toBe('SFhr');
    // Zeek's baseline (core.tcp.fin-retransmit): orig TCP_CLOSED, resp TCP_RESET, 3 and 2 packets.
    expect(point.state).toBe('RSTR');
    expect([point.clientPackets, point.serverPackets]).toEqual([3, 2]);
  });

  it('a FIN sent again after the data is a retransmission, a FIN with a new sequence a second F', () => {
    const segs: Seg[] = [
      ...handshake,
      { from: 'c', flags: FIN | ACK, seq: 1001, ack: 5001 },
      { from: 'c', flags: FIN | ACK, seq: 1001, ack: 5001 },
      { from: 'c', flags: FIN | ACK, seq: 1002, ack: 5001 },
    ];
    const ix = indexBytes(pcap(segs));
    expect(Array.from(ix.flags.subarray(3), (f) => f & P_RETRANS)).toEqual([0, P_RETRANS, 0]);
    expect(analyze(pcap(segs)).point.history).toBe('ShAFF');
  });
});

describe('who is the client', () => {
  it('the SYN sender, even when the SYN-ACK was captured first (out-of-order receive stage)', () => {
    const segs: Seg[] = [handshake[1], handshake[0], handshake[2], { from: 'c', flags: PSH | ACK, seq: 1001, ack: 5001, len: 10 }];
    const { flow, point } = analyze(pcap(segs));
    expect(flow.client).toBe('10.0.0.1:50000');
    expect(flow.server).toBe('10.0.0.2:443');
    expect([point.clientPackets, point.serverPackets]).toEqual([3, 1]);
    // '^': the client is not the sender of the first packet seen here (Zeek flips the roles).
    expect(point.history).toBe('^hSAD');
  });

  it('the SYN sender, also on two service ports and with the SYN-ACK first', () => {
    const c = { addr: '10.0.0.1', port: 8080 };
    const s = { addr: '10.0.0.2', port: 22 };
    const { flow } = analyze(pcap([handshake[1], handshake[0], handshake[2]], c, s));
    expect(flow.client).toBe('10.0.0.1:8080');
  });

  it('midstream (no handshake): OTH, the side on the service port is the server', () => {
    const segs: Seg[] = [
      { from: 's', flags: PSH | ACK, seq: 5001, ack: 1001, len: 50 },
      { from: 'c', flags: ACK, seq: 1001, ack: 5051 },
      { from: 'c', flags: PSH | ACK, seq: 1001, ack: 5051, len: 20 },
    ];
    const { flow, point } = analyze(pcap(segs));
    expect(flow.client).toBe('10.0.0.1:50000');
    expect(point.history).toBe('^dAD');
    expect(point.state).toBe('OTH');
  });

  it('service-port heuristic: no service port: the first sender is the client', () => {
    const c = { addr: '10.0.0.1', port: 40000 };
    const s = { addr: '10.0.0.2', port: 50000 };
    const { flow, point } = analyze(pcap([{ from: 's', flags: PSH | ACK, seq: 5001, ack: 1001, len: 5 }], c, s));
    expect(flow.client).toBe('10.0.0.2:50000');
    expect(point.history).toBe('D');
  });

  it('service-port heuristic: both ports name a service: the higher port is the client (as Zeek)', () => {
    const c = { addr: '10.0.0.1', port: 8080 };
    const s = { addr: '10.0.0.2', port: 443 };
    const { flow, point } = analyze(pcap([{ from: 's', flags: PSH | ACK, seq: 5001, ack: 1001, len: 5 }], c, s));
    expect(flow.client).toBe('10.0.0.1:8080');
    expect(point.history).toBe('^d');
  });

  it('a lone SYN from a service port still makes its sender the client', () => {
    const c = { addr: '10.0.0.1', port: 80 };
    const s = { addr: '10.0.0.2', port: 50000 };
    const { flow, point } = analyze(pcap([{ from: 'c', flags: SYN, seq: 1 }], c, s));
    expect(flow.client).toBe('10.0.0.1:80');
    expect(point.history).toBe('S');
    expect(point.state).toBe('S0');
  });
});

describe('Zeek states', () => {
  it('REJ when the server resets the SYN; RSTOS0 when the client does', () => {
    expect(analyze(pcap([handshake[0], { from: 's', flags: RST | ACK, seq: 0, ack: 1001 }])).point.state).toBe('REJ');
    expect(analyze(pcap([handshake[0], { from: 'c', flags: RST, seq: 1001 }])).point.state).toBe('RSTOS0');
  });

  it('a zero window is W, a RST with it is not', () => {
    const segs: Seg[] = [...handshake, { from: 's', flags: ACK, seq: 5001, ack: 1001, window: 0 }, { from: 's', flags: RST | ACK, seq: 5001, ack: 1001, window: 0 }];
    expect(analyze(pcap(segs)).point.history).toBe('ShAawr');
  });

  it('ICMP and other protocols are OTH, UDP follows Zeek', () => {
    expect(connState(1, Ep.Inactive, Ep.Inactive, '', 10, 10, 1, 1)).toBe('OTH');
    expect(connState(17, Ep.Inactive, Ep.Inactive, 'Dd', 10, 10, 1, 1)).toBe('SF');
    expect(connState(17, Ep.Inactive, Ep.Inactive, 'D', 10, 0, 1, 0)).toBe('S0');
  });
});
