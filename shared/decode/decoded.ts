/**
 * The result of decoding one packet: a reusable struct of numbers (no per-packet allocation).
 * `layers` records every header in wire order (outer first) so the field printer can list
 * occurrences in the order tshark does; the summary fields describe the innermost IP packet,
 * which is what flows are keyed on.
 */
export const enum Layer {
  Ethernet = 1,
  Vlan,
  VnTag,
  Sll,
  Sll2,
  Null,
  Ipv4,
  Ipv6,
  Udp,
  Tcp,
  Icmp,
  Icmpv6,
  Geneve,
  Vxlan,
  Arp,
  /** 802.1ad service tag (TPID 0x88a8): Wireshark names it ieee8021ad, not vlan. */
  SVlan,
  Gre,
}

export const MAX_LAYERS = 32;

export const enum Tunnel {
  None = 0,
  Geneve = 1,
  Vxlan = 2,
}

export class Decoded {
  /**
   * Layers in wire order: kind, start offset, end offset (exclusive) within the record bytes. The
   * end is where decoding of that header stopped: a header cut short or found inconsistent ends
   * before the first field Wireshark would not show (e.g. at its version byte when the version is
   * wrong), so the field printer shows exactly the fields that were decoded.
   */
  nLayers = 0;
  readonly kind = new Uint8Array(MAX_LAYERS);
  readonly start = new Int32Array(MAX_LAYERS);
  readonly end = new Int32Array(MAX_LAYERS);
  /** 1 when the layer is inside an ICMP error (the quoted header), else 0. */
  readonly quoted = new Uint8Array(MAX_LAYERS);
  /**
   * One number per layer for the field printer, -1 when unused. TCP: the tcp.len tshark shows
   * (-1: none, as for fragments, quoted headers and a header longer than the segment). IPv4: the
   * offset of the address shown as ip.dst from the layer start (16, or the final destination of
   * a source route option).
   */
  readonly aux = new Int32Array(MAX_LAYERS);
  /**
   * Where the current layer's bytes end on the wire (exclusive, may lie beyond the captured
   * bytes): the frame's original length, narrowed by each IP total length / UDP length met on the
   * way in (as Wireshark narrows a tvb's reported length). Decoders read it, IP and UDP set it.
   */
  reportedEnd = 0;

  /** Why the packet could not be decoded completely, or null. Constant strings only. */
  malformed: string | null = null;
  /** Link type was not one we decode. */
  undecodedLink = false;
  /** The record was cut by the snapshot length (caplen < origlen): short headers are expected. */
  snapped = false;

  /** Innermost (non-quoted) IP layer: version 4 or 6, 0 when there is none. */
  ipVersion = 0;
  /** Offsets of the innermost source and destination address in the record bytes. */
  srcAddrOff = 0;
  dstAddrOff = 0;
  ipProto = -1;
  ipId = -1;
  ipTtl = 0;
  /** Innermost IP packet length per its header (total length, or 40 + payload length). */
  ipLen = 0;
  /** Non-first fragment, or first fragment with more to come. */
  fragment = false;
  srcPort = 0;
  dstPort = 0;

  /** A complete TCP header of the innermost packet was decoded. */
  tcpOk = false;
  tcpFlags = 0;
  tcpSeq = NaN;
  tcpAck = NaN;
  tcpWindow = 0;
  /** TCP payload length per the IP length (tcp.len), and where the captured payload is. */
  tcpLen = 0;
  payloadOff = 0;
  payloadCapLen = 0;
  tcpMss = -1;
  tcpWscale = -1;
  tcpSackPerm = false;
  tcpTsVal = NaN;
  tcpTsEcr = NaN;

  icmpType = -1;
  icmpCode = -1;
  /** For ICMP errors: the quoted packet's protocol and ports (the flow it reports on), else -1. */
  quotedProto = -1;

  tunnel: Tunnel = Tunnel.None;
  vni = -1;
  /** Outer (first) IPv4 addresses as uint32, for tunnel endpoints; -1 when absent. */
  outerSrc4 = NaN;
  outerDst4 = NaN;
  /** AWS GWLB GENEVE options (class 0x0108); -1 / 0 when absent. */
  flowCookie = NaN;
  endpointIdOff = -1;
  attachmentIdOff = -1;

  /**
   * The uint32 fields (sequence numbers, timestamps, IPv4 addresses, the GWLB cookie) start as NaN,
   * a double, and reset() then gives them their values: V8 gives a field the representation of the
   * first value stored, and one that started as a small integer would change it at the first
   * value above 2^30, giving Decoded a new map and throwing away every optimized decoder and the
   * indexer that holds it.
   */
  constructor() {
    this.reset();
  }

  reset(): void {
    this.nLayers = 0;
    this.reportedEnd = 0;
    this.malformed = null;
    this.undecodedLink = false;
    this.snapped = false;
    this.ipVersion = 0;
    this.srcAddrOff = 0;
    this.dstAddrOff = 0;
    this.ipProto = -1;
    this.ipId = -1;
    this.ipTtl = 0;
    this.ipLen = 0;
    this.fragment = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpOk = false;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.tcpLen = 0;
    this.payloadOff = 0;
    this.payloadCapLen = 0;
    this.tcpMss = -1;
    this.tcpWscale = -1;
    this.tcpSackPerm = false;
    this.tcpTsVal = -1;
    this.tcpTsEcr = -1;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.quotedProto = -1;
    this.tunnel = Tunnel.None;
    this.vni = -1;
    this.outerSrc4 = -1;
    this.outerDst4 = -1;
    this.flowCookie = -1;
    this.endpointIdOff = -1;
    this.attachmentIdOff = -1;
  }

  /** Appends a layer; returns its index, or -1 when the stack is full (marks malformed). */
  push(kind: Layer, start: number, end: number, quoted: boolean): number {
    const i = this.nLayers;
    if (i >= MAX_LAYERS) {
      this.malformed ??= 'too many nested headers';
      return -1;
    }
    this.kind[i] = kind;
    this.start[i] = start;
    this.end[i] = end < start ? start : end;
    this.quoted[i] = quoted ? 1 : 0;
    this.aux[i] = -1;
    this.nLayers = i + 1;
    return i;
  }
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

const FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'] as const;

/** Flag names joined by commas in bit order FIN,SYN,RST,PSH,ACK,URG,ECE,CWR ("PSH,ACK"). */
export function tcpFlagNames(flags: number): string {
  const names: string[] = [];
  for (let i = 0; i < 8; i++) if (flags & (1 << i)) names.push(FLAG_NAMES[i]);
  return names.join(',');
}
