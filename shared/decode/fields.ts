/**
 * Wireshark-named fields of one decoded packet (`stagediff packets --json`). A field present in
 * several layers (outer and inner IP) is an array, outer first, as `tshark -E occurrence=a` lists
 * it. Not a hot path: it allocates freely.
 */
import { Decoded, Layer } from './decoded.ts';
import { u16, u24, u32 } from './bytes.ts';
import { hexBytes, hex32, ipv4Text, ipv6Text, macText, epochText } from '../format/addr.ts';
import type { PacketRecord } from '../capture/record.ts';

type Value = string | number;
export type PacketFields = Record<string, Value | Value[]>;

function add(out: Record<string, Value[]>, name: string, v: Value): void {
  (out[name] ??= []).push(v);
}

export interface FieldOptions {
  /**
   * The record comes from a pcapng file: tshark then prints frame.interface_id for every packet
   * (0 included); for classic pcap it prints none. Without it, interface 0 is left out.
   */
  pcapng?: boolean;
}

export function packetFields(rec: PacketRecord, d: Decoded, opts?: FieldOptions): PacketFields {
  const b = rec.bytes;
  const acc: Record<string, Value[]> = {};
  for (let i = 0; i < d.nLayers; i++) {
    const s = d.start[i];
    const e = d.end[i];
    const n = e - s;
    switch (d.kind[i] as Layer) {
      // Each field is shown when its bytes lie inside the decoded extent of its layer (see
      // Decoded.end): a header cut short shows the fields before the cut, as tshark does.
      case Layer.Ethernet:
        if (n >= 14) {
          add(acc, 'eth.dst', macText(b, s));
          add(acc, 'eth.src', macText(b, s + 6));
        }
        break;
      case Layer.Vlan:
        if (n >= 2) add(acc, 'vlan.id', u16(b, s) & 0x0fff);
        break;
      case Layer.Ipv4: {
        if (n >= 6) add(acc, 'ip.id', u16(b, s + 4));
        if (n >= 10) add(acc, 'ip.proto', b[s + 9]);
        if (n >= 16) add(acc, 'ip.src', ipv4Text(b, s + 12));
        const dst = d.aux[i] >= 0 ? d.aux[i] : 16;
        if (n >= 20 && s + dst + 4 <= b.length) add(acc, 'ip.dst', ipv4Text(b, s + dst));
        break;
      }
      case Layer.Ipv6:
        if (n >= 24) add(acc, 'ipv6.src', ipv6Text(b, s + 8));
        if (n >= 40) add(acc, 'ipv6.dst', ipv6Text(b, s + 24));
        break;
      case Layer.Udp:
        if (n >= 4) {
          add(acc, 'udp.srcport', u16(b, s));
          add(acc, 'udp.dstport', u16(b, s + 2));
        }
        break;
      case Layer.Tcp:
        if (n >= 4) {
          add(acc, 'tcp.srcport', u16(b, s));
          add(acc, 'tcp.dstport', u16(b, s + 2));
        }
        // An ICMP-quoted header shows tcp.seq (raw, as no analysis runs there), not tcp.seq_raw.
        if (n >= 8 && !d.quoted[i]) add(acc, 'tcp.seq_raw', u32(b, s + 4));
        if (n >= 12) add(acc, 'tcp.ack_raw', u32(b, s + 8));
        if (n >= 14) add(acc, 'tcp.flags', u16(b, s + 12) & 0x0fff);
        if (n >= 16) add(acc, 'tcp.window_size_value', u16(b, s + 14));
        if (d.aux[i] >= 0) add(acc, 'tcp.len', d.aux[i]);
        break;
      case Layer.Geneve:
        if (n >= 4) add(acc, 'geneve.proto_type', u16(b, s + 2));
        if (n >= 7) add(acc, 'geneve.vni', u24(b, s + 4));
        for (let p = s + 8; p + 4 <= e; ) {
          const cls = u16(b, p);
          const type = b[p + 2];
          const len = (b[p + 3] & 0x1f) * 4;
          if (p + 4 + len > e) break;
          add(acc, 'geneve.option.class', cls);
          add(acc, 'geneve.option.type', type);
          if (cls === 0x0108) {
            if (type === 1 && len >= 8) add(acc, 'geneve.aws.endpoint_id', hexBytes(b, p + 4, 8));
            else if (type === 2 && len >= 8) add(acc, 'geneve.aws.attachment_id', hexBytes(b, p + 4, 8));
            else if (type === 3 && len >= 4) add(acc, 'geneve.aws.flow_cookie', hex32(u32(b, p + 4)));
          }
          p += 4 + len;
        }
        break;
      case Layer.Vxlan:
        if (n >= 7) add(acc, 'vxlan.vni', u24(b, s + 4));
        break;
      // ICMP shows type and code once 6 bytes are there; ICMPv6 shows each as soon as its byte is.
      case Layer.Icmp:
        if (n >= 6) {
          add(acc, 'icmp.type', b[s]);
          add(acc, 'icmp.code', b[s + 1]);
        }
        break;
      case Layer.Icmpv6:
        if (n >= 1) add(acc, 'icmpv6.type', b[s]);
        if (n >= 2) add(acc, 'icmpv6.code', b[s + 1]);
        break;
      default:
        break;
    }
  }
  const out: PacketFields = { 'frame.number': rec.index + 1 };
  // A pcapng Simple Packet Block has no timestamp: tshark leaves the field empty.
  if (rec.hasTimestamp !== false) out['frame.time_epoch'] = epochText(rec.tsSec, rec.tsNsec);
  out['frame.len'] = rec.origLen;
  out['frame.cap_len'] = rec.capLen;
  if (rec.interfaceId !== 0 || opts?.pcapng) out['frame.interface_id'] = rec.interfaceId;
  for (const k of Object.keys(acc)) {
    const v = acc[k];
    out[k] = v.length === 1 ? v[0] : v;
  }
  if (d.malformed) out['_ws.malformed'] = d.malformed;
  if (rec.comment !== null) out['frame.comment'] = rec.comment;
  return out;
}
