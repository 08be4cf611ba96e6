/**
 * The indexer's packed flow table (FlowStore): what does not fit in a flow's row (a history past
 * the letters kept in place, a GENEVE cookie that changes, the flow an ICMP error quotes) is kept
 * and handed over as the packed table the analysis reads.
 */
import { describe, expect, it } from 'vitest';
import { cookieAt, FlowStore, PackedPointFlow, unpackFlows } from '../../shared/engine/packed-flows.ts';
import { flowHistory, flowState } from '../../shared/engine/capture-index.ts';
import { KEY_WORDS } from '../../shared/engine/flow-table.ts';
import { tcpPacket, ACK, RST, SYN } from '../gen/packets.ts';
import { pcap } from '../support/nat-capture.ts';
import { indexBytes } from '../support/analyze-bytes.ts';

describe('packed flow table', () => {
  it('keeps a history longer than its in-place letters (Zeek repeats S and R on a new sequence number)', () => {
    const syn = (i: number) => tcpPacket({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 443, seq: 1000 + 7 * i, ack: 0, flags: SYN });
    const rst = (seq: number) => tcpPacket({ src: '10.0.0.2', dst: '10.0.0.1', srcPort: 443, dstPort: 40000, seq, ack: 1001, flags: RST | ACK });
    const pkts = [...Array.from({ length: 20 }, (_, i) => syn(i)), rst(5000), rst(6000), rst(6000)];
    const ix = indexBytes(pcap(pkts.map((b, i) => ({ t: i * 0.5, b }))));
    expect(ix.flows).toHaveLength(1);
    const fl = ix.flows[0];
    expect(flowHistory(fl)).toBe('S'.repeat(20) + 'rr');
    expect(flowState(fl)).toBe('REJ');
    expect(fl.s[0] + fl.s[1]).toBe(23);
    // The same through PointFlows made from the packed table.
    expect(flowHistory(unpackFlows(ix.packedFlows!)[0])).toBe('S'.repeat(20) + 'rr');
  });

  it('keeps every change of cookie in order with the row it started at, and the quoted flow of an ICMP error', () => {
    const st = new FlowStore();
    for (let f = 0; f < 3000; f++) st.add(4, 6);
    // Flow 1's packets at rows 10, 20, ... carry cookies 7, 7, 0xfffffff0, 7, 7.
    [7, 7, 0xfffffff0, 7, 7].forEach((c, k) => st.cookie(1, c, 10 * (k + 1)));
    st.cookie(2999, 42, 5);
    for (let k = 0; k < 40; k++) st.letter(2000, k % 2, 0x41);
    const key = new Uint32Array(KEY_WORDS).fill(9);
    st.report(5, key);
    const p = st.pack();
    expect(p.count).toBe(3000);
    const v = (f: number) => new PackedPointFlow(p, f);
    expect(v(1).cookies).toEqual([7, 0xfffffff0, 7]);
    expect(v(1).cookieFrom).toEqual([10, 30, 40]);
    // The cookie of each packet, from the changes alone (the lean index keeps no cookie column).
    const back = unpackFlows(p)[1];
    for (const pf of [v(1), back]) expect([10, 20, 30, 40, 50].map((r) => cookieAt(pf, r))).toEqual([7, 7, 0xfffffff0, 7, 7]);
    expect(cookieAt(v(2999), 5)).toBe(42);
    expect(cookieAt(v(0), 5)).toBeNull();
    expect(v(2999).cookies).toEqual([42]);
    expect(v(0).cookies).toBeNull();
    expect(v(2000).history).toBe('Aa'.repeat(20));
    expect(v(1999).history).toBe('');
    expect(v(5).reportsOn).toEqual(key);
    expect(v(6).reportsOn).toBeNull();
    expect(v(2999).id).toBe(2999);
    // A new flow starts with no next or last sequence number (-1), as PointFlow does.
    expect(Array.from(v(0).s).slice(6, 12)).toEqual([-1, -1, 0, 0, -1, -1]);
  });
});
