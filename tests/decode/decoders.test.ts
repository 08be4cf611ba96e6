/**
 * Decoders on hand-built bytes: the summary fields flows are keyed on (which the golden tests do
 * not see) and the cases the GWLB depends on. Field output against tshark for the same builders
 * is in tests/golden/edge/.
 */
import { describe, expect, it } from 'vitest';
import { Decoded, Layer, Tunnel } from '../../shared/decode/decoded.ts';
import { decodePacket } from '../../shared/decode/decode.ts';
import { packetFields } from '../../shared/decode/fields.ts';
import type { PacketRecord } from '../../shared/capture/record.ts';
import { ipv4Text, ipv6Text } from '../../shared/format/addr.ts';
import {
  awsOptions, eth, geneve, geneveOption, hex, icmp, ipv4, ipv6, tcp, udp, V6_A, V6_B,
} from './edge-captures.ts';

function decode(frame: number[], opts: { linkType?: number; origLen?: number } = {}): { d: Decoded; bytes: Uint8Array } {
  const bytes = Uint8Array.from(frame);
  const d = new Decoded();
  decodePacket(d, opts.linkType ?? 1, bytes, 0, bytes.length, opts.origLen ?? bytes.length);
  return { d, bytes };
}

function fields(frame: number[], opts: { linkType?: number; origLen?: number } = {}): Record<string, unknown> {
  const { d, bytes } = decode(frame, opts);
  const rec: PacketRecord = {
    index: 0, fileOffset: 0, interfaceId: 0, linkType: opts.linkType ?? 1, tsSec: 1700000000, tsNsec: 0,
    capLen: bytes.length, origLen: opts.origLen ?? bytes.length, bytes, offset: 0, comment: null,
  };
  return packetFields(rec, d);
}

function kinds(d: Decoded): Layer[] {
  return Array.from(d.kind.subarray(0, d.nLayers)) as Layer[];
}

const GWLB = { src: [172, 21, 200, 78], dst: [172, 21, 200, 84] };
const CLIENT_SYN = ipv4(6, tcp(51544, 443, [], { flags: 0x02, seq: 7, ack: 0 }), {
  src: [172, 21, 43, 170], dst: [198, 51, 100, 52], id: 4660,
});

describe('GENEVE with the AWS GWLB options (class 0x0108)', () => {
  it('decodes the endpoint id, attachment id and flow cookie and keys the flow on the inner packet', () => {
    const frame = eth(0x0800, ipv4(17, udp(55000, 6081, geneve(0x0800, 0, awsOptions(0x12345678), CLIENT_SYN)), GWLB));
    const { d, bytes } = decode(frame);
    expect(d.malformed).toBeNull();
    expect(d.tunnel).toBe(Tunnel.Geneve);
    expect(d.vni).toBe(0);
    expect(d.flowCookie).toBe(0x12345678);
    expect(Array.from(bytes.subarray(d.endpointIdOff, d.endpointIdOff + 8))).toEqual(hex('0a1b2c3d4e5f6071'));
    expect(Array.from(bytes.subarray(d.attachmentIdOff, d.attachmentIdOff + 8))).toEqual(hex('1122334455667788'));
    // The innermost packet is what flows are keyed on; the outer header stays available.
    expect(ipv4Text(bytes, d.srcAddrOff)).toBe('172.21.43.170');
    expect(ipv4Text(bytes, d.dstAddrOff)).toBe('198.51.100.52');
    expect([d.srcPort, d.dstPort, d.tcpFlags, d.tcpOk]).toEqual([51544, 443, 0x02, true]);
    expect(d.outerSrc4 >>> 0).toBe(((172 << 24) | (21 << 16) | (200 << 8) | 78) >>> 0);
    // Overhead as the domain notes say: 20 IP + 8 UDP + 8 GENEVE + 32 options.
    expect(d.start[kinds(d).lastIndexOf(Layer.Ipv4)] - 14).toBe(68);
    expect(fields(frame)).toMatchObject({
      'ip.src': ['172.21.200.78', '172.21.43.170'],
      'udp.dstport': 6081,
      'geneve.proto_type': 0x0800,
      'geneve.option.class': [0x0108, 0x0108, 0x0108],
      'geneve.option.type': [1, 2, 3],
      'geneve.aws.endpoint_id': '0x0a1b2c3d4e5f6071',
      'geneve.aws.attachment_id': '0x1122334455667788',
      'geneve.aws.flow_cookie': '0x12345678',
      'tcp.flags': 2,
    });
  });

  it('reads the option length with all 5 bits (an option of 17 words before the AWS ones)', () => {
    const opts = [geneveOption(0x0108, 7, new Array<number>(68).fill(0x42)), ...awsOptions(0xcafef00d)];
    const { d } = decode(eth(0x0800, ipv4(17, udp(55004, 6081, geneve(0x0800, 2, opts, CLIENT_SYN)), GWLB)));
    expect(d.malformed).toBeNull();
    expect(d.flowCookie).toBe(0xcafef00d);
    expect(d.srcPort).toBe(51544);
  });

  it('finds the options in any order and ignores other classes', () => {
    const opts = [geneveOption(0x0103, 0x80, [0, 0, 0, 0]), ...awsOptions(5).reverse()];
    const { d } = decode(eth(0x0800, ipv4(17, udp(1, 6081, geneve(0x0800, 9, opts, CLIENT_SYN)))));
    expect([d.flowCookie, d.vni, d.malformed]).toEqual([5, 9, null]);
    expect(d.endpointIdOff).toBeGreaterThan(0);
  });

  it('decodes an IPv6 inner packet (protocol type 0x86dd) and inner Ethernet (0x6558)', () => {
    const inner6 = ipv6(6, tcp(40000, 443, [], { flags: 0x10 }));
    const a = decode(eth(0x0800, ipv4(17, udp(1, 6081, geneve(0x86dd, 0, awsOptions(1), inner6)))));
    expect([a.d.ipVersion, a.d.srcPort, a.d.dstPort, a.d.malformed]).toEqual([6, 40000, 443, null]);
    expect(ipv6Text(a.bytes, a.d.srcAddrOff)).toBe('2001:db8::1');
    const b = decode(eth(0x0800, ipv4(17, udp(1, 6081, geneve(0x6558, 77, [], eth(0x0800, CLIENT_SYN))))));
    expect([b.d.ipVersion, b.d.srcPort, b.d.vni, b.d.malformed]).toEqual([4, 51544, 77, null]);
    expect(kinds(b.d).filter((k) => k === Layer.Ethernet)).toHaveLength(2);
  });

  it('marks a truncated GENEVE header or options malformed, keeps what was read, never throws', () => {
    const full = eth(0x0800, ipv4(17, udp(55005, 6081, geneve(0x0800, 3, awsOptions(2), CLIENT_SYN)), GWLB));
    for (let cut = 42; cut < full.length; cut++) {
      const { d } = decode(full.slice(0, cut), { origLen: full.length });
      expect(d.malformed, `cut at ${cut}`).not.toBe('decoder error');
      if (cut < 42 + 8) expect(d.malformed).toBe('truncated GENEVE header');
      else if (cut < 42 + 40) {
        expect(d.malformed).toBe('truncated GENEVE options');
        expect(d.tunnel).toBe(Tunnel.Geneve);
        expect(d.flowCookie).toBe(-1);
      } else expect(d.flowCookie).toBe(2);
      // Until the inner IP header is complete the flow is the outer one; then the inner ports
      // (0 while the inner TCP header has less than 4 bytes).
      if (cut < 42 + 40 + 20) expect(d.dstPort).toBe(6081);
      else expect(d.srcPort).toBe(cut < 42 + 40 + 24 ? 0 : 51544);
    }
    // Opt Len shorter than the options it holds: malformed, and the payload is taken from where
    // Opt Len says, as Wireshark does.
    const { d } = decode(eth(0x0800, ipv4(17, udp(1, 6081, geneve(0x0800, 4, awsOptions(3), CLIENT_SYN, 2)))));
    expect(d.malformed).toBe('GENEVE option runs past the options');
  });
});

describe('IPv6 extension headers', () => {
  const U = udp(546, 547, [1, 2, 3, 4]);
  it('walks hop-by-hop, destination options and routing to the upper layer', () => {
    const chain = [60, 0, 5, 2, 0, 0, 1, 0, 43, 1, ...new Array<number>(14).fill(1), 17, 2, 0, 1, 0, 0, 0, 0, ...V6_B, ...U];
    const { d } = decode(eth(0x86dd, ipv6(0, chain)));
    expect([d.ipProto, d.srcPort, d.dstPort, d.malformed, d.fragment]).toEqual([17, 546, 547, null, false]);
  });
  it('stops at a non-first fragment and marks the first one', () => {
    const first = decode(eth(0x86dd, ipv6(44, [6, 0, 0, 1, 0, 0, 0xab, 0xcd, ...tcp(1, 2, [])])));
    expect([first.d.ipProto, first.d.fragment, first.d.srcPort, first.d.tcpOk]).toEqual([6, true, 1, true]);
    const later = decode(eth(0x86dd, ipv6(44, [6, 0, 0x05, 0xc8, 0, 0, 0xab, 0xcd, ...new Array<number>(24).fill(0)])));
    expect([later.d.ipProto, later.d.fragment, later.d.srcPort, later.d.tcpOk]).toEqual([6, true, 0, false]);
  });
  it('skips an authentication header (length in 4-byte words)', () => {
    const ah = [6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, ...new Array<number>(12).fill(0)];
    const { d } = decode(eth(0x86dd, ipv6(51, [...ah, ...tcp(80, 8080, [])])));
    expect([d.ipProto, d.srcPort, d.dstPort]).toEqual([6, 80, 8080]);
  });
  it('marks a chain cut short or running past the packet', () => {
    const cut = decode(eth(0x86dd, ipv6(0, [60, 0, 1, 4, 0, 0, 0, 0, 17, 0])));
    expect(cut.d.malformed).toBe('truncated IPv6 extension header');
    const past = decode(eth(0x86dd, ipv6(0, [17, 9, 0, 0, 0, 0, 0, 0, ...U])));
    expect(past.d.malformed).toBe('IPv6 extension header runs past the packet');
  });
});

describe('VLAN tags', () => {
  const ip = ipv4(17, udp(5000, 5001, [0, 0]));
  it('802.1ad QinQ: the S-tag is not a vlan.id (Wireshark: ieee8021ad), the C-tag is', () => {
    const frame = eth(0x88a8, [0, 200, 0x81, 0x00, 0x01, 0x2c, 0x08, 0x00, ...ip]);
    const { d } = decode(frame);
    expect(kinds(d)).toEqual([Layer.Ethernet, Layer.SVlan, Layer.Vlan, Layer.Ipv4, Layer.Udp]);
    expect([d.srcPort, d.malformed]).toEqual([5000, null]);
    expect(fields(frame)['vlan.id']).toBe(300);
  });
  it('stacked 802.1Q tags and VN-Tag', () => {
    expect(fields(eth(0x8100, [0, 7, 0x81, 0x00, 0, 8, 0x08, 0x00, ...ip]))['vlan.id']).toEqual([7, 8]);
    const { d } = decode(eth(0x8926, [0x80, 1, 0, 2, 0x08, 0x00, ...ip]));
    expect([kinds(d)[1], d.srcPort]).toEqual([Layer.VnTag, 5000]);
  });
  it('a tag after a Linux cooked header', () => {
    const sll = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x81, 0x00];
    const { d } = decode([...sll, 0, 5, 0x08, 0x00, ...ip], { linkType: 113 });
    expect([d.srcPort, d.malformed]).toEqual([5000, null]);
  });
});

describe('ICMP errors', () => {
  const inner = ipv4(6, tcp(12345, 80, [], { seq: 100 }), { src: [10, 0, 0, 2], dst: [192, 0, 2, 9] });
  it('quote the offending header: summary stays the ICMP packet, the quoted flow is kept aside', () => {
    const frame = eth(0x0800, ipv4(1, icmp(3, 3, [0, 0, 0, 0], inner.slice(0, 28)), { src: [10, 9, 9, 9], dst: [10, 0, 0, 2] }));
    const { d, bytes } = decode(frame);
    expect([d.ipProto, d.icmpType, d.icmpCode, d.quotedProto, d.malformed]).toEqual([1, 3, 3, 6, null]);
    expect(ipv4Text(bytes, d.srcAddrOff)).toBe('10.9.9.9');
    expect(fields(frame)).toMatchObject({
      'ip.src': ['10.9.9.9', '10.0.0.2'],
      'ip.dst': ['10.0.0.2', '192.0.2.9'],
      'tcp.srcport': 12345,
      'tcp.dstport': 80,
    });
    expect(fields(frame)['tcp.seq_raw']).toBeUndefined();
    expect(fields(frame)['tcp.len']).toBeUndefined();
  });
  it('ICMPv6 quotes IPv6', () => {
    const in6 = ipv6(17, udp(5353, 53, [0, 0, 0, 0]), { src: V6_B, dst: V6_A });
    const { d } = decode(eth(0x86dd, ipv6(58, icmp(1, 4, [0, 0, 0, 0], in6))));
    expect([d.ipProto, d.icmpType, d.quotedProto, d.malformed]).toEqual([58, 1, 17, null]);
  });
});

describe('lengths as Wireshark takes them', () => {
  const T = tcp(1, 2, new Array<number>(10).fill(0x61));
  it('an IP total length beyond an unsnapped frame falls back to the frame', () => {
    const { d } = decode(eth(0x0800, ipv4(6, T, { total: 100 })));
    expect([d.tcpLen, d.malformed]).toEqual([10, 'IPv4 total length larger than the packet']);
  });
  it('a snapped frame keeps the length its IP header says', () => {
    const frame = eth(0x0800, ipv4(6, T, { total: 100 }));
    const { d } = decode(frame, { origLen: 14 + 100 });
    expect([d.tcpLen, d.payloadCapLen, d.malformed]).toEqual([60, 10, null]);
  });
  it('a TCP header cut by the snapshot length keeps its ports', () => {
    const frame = eth(0x0800, ipv4(6, T)).slice(0, 34 + 6);
    const { d } = decode(frame, { origLen: 64 });
    expect([d.srcPort, d.dstPort, d.tcpOk, d.malformed]).toEqual([1, 2, false, 'truncated TCP header']);
  });
  it('TSO: total length 0 means the frame length', () => {
    const { d } = decode(eth(0x0800, ipv4(6, T, { total: 0 })));
    expect([d.tcpLen, d.malformed]).toEqual([10, null]);
  });
});

describe('robustness', () => {
  it('never throws and never falls back to "decoder error" on random and cut bytes', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const base = eth(0x0800, ipv4(17, udp(1, 6081, geneve(0x0800, 0, awsOptions(1), CLIENT_SYN))));
    const d = new Decoded();
    for (let n = 0; n < 3000; n++) {
      const frame = Uint8Array.from(base);
      for (let k = 0; k < 4; k++) frame[rnd() % frame.length] = rnd();
      const cut = rnd() % (frame.length + 1);
      for (const lt of [1, 0, 101, 113, 228, 229, 276]) {
        decodePacket(d, lt, frame, 0, cut, frame.length);
        expect(d.malformed).not.toBe('decoder error');
      }
    }
  });
});
