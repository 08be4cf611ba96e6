/**
 * Packet detail: reads one record of a capture (by its file offset), decodes it and lays it out as
 * a tree of layers with Wireshark-named fields, plus the raw bytes for the hex dump.
 */
import { CaptureReader } from '../../../shared/readers/reader.ts';
import { Decoded } from '../../../shared/decode/decoded.ts';
import { decodePacket } from '../../../shared/decode/decode.ts';
import { packetFields } from '../../../shared/decode/fields.ts';
import type { PacketRecord } from '../../../shared/capture/record.ts';
import type { CaptureSource } from './source.ts';

/** Layer kinds of shared/decode/decoded.ts (const enum Layer), by value. */
const LAYER_NAMES: Record<number, { name: string; prefix: string[] }> = {
  1: { name: 'Ethernet II', prefix: ['eth.'] },
  2: { name: '802.1Q VLAN', prefix: ['vlan.'] },
  3: { name: 'VN-Tag', prefix: ['vntag.'] },
  4: { name: 'Linux cooked capture (SLL)', prefix: ['sll.'] },
  5: { name: 'Linux cooked capture v2 (SLL2)', prefix: ['sll2.'] },
  6: { name: 'Null/Loopback', prefix: ['null.'] },
  7: { name: 'Internet Protocol Version 4', prefix: ['ip.'] },
  8: { name: 'Internet Protocol Version 6', prefix: ['ipv6.'] },
  9: { name: 'User Datagram Protocol', prefix: ['udp.'] },
  10: { name: 'Transmission Control Protocol', prefix: ['tcp.'] },
  11: { name: 'Internet Control Message Protocol', prefix: ['icmp.'] },
  12: { name: 'ICMPv6', prefix: ['icmpv6.'] },
  13: { name: 'Generic Network Virtualization Encapsulation (GENEVE)', prefix: ['geneve.'] },
  14: { name: 'Virtual eXtensible LAN (VXLAN)', prefix: ['vxlan.'] },
  15: { name: 'Address Resolution Protocol', prefix: ['arp.'] },
};

export interface DetailField {
  name: string;
  value: string;
}

export interface DetailLayer {
  name: string;
  start: number;
  end: number;
  fields: DetailField[];
}

export interface PacketDetail {
  frame: number;
  bytes: Uint8Array;
  capLen: number;
  origLen: number;
  linkType: number;
  layers: DetailLayer[];
  frameFields: DetailField[];
  malformed: string | null;
}

const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'AE'];

export function tcpFlagsText(f: number): string {
  const out: string[] = [];
  for (let i = 0; i < TCP_FLAG_NAMES.length; i++) if (f & (1 << i)) out.push(TCP_FLAG_NAMES[i]);
  return out.join(',');
}

function show(name: string, v: string | number): string {
  if (typeof v === 'number') {
    if (name === 'tcp.flags') return `0x${v.toString(16).padStart(3, '0')} (${tcpFlagsText(v) || 'none'})`;
    if (name === 'geneve.proto_type') return `0x${v.toString(16).padStart(4, '0')}`;
    if (name === 'geneve.option.class') return `0x${v.toString(16).padStart(4, '0')}${v === 0x0108 ? ' (Amazon.com, Inc.)' : ''}`;
    if (name === 'ip.proto') return `${v}${v === 6 ? ' (TCP)' : v === 17 ? ' (UDP)' : v === 1 ? ' (ICMP)' : ''}`;
  }
  return String(v);
}

/** Reads and decodes frame `row + 1` of a capture. header = the file's bytes before its first record. */
export async function readPacketDetail(source: CaptureSource, header: Uint8Array, fileOffset: number, wireLen: number, row: number): Promise<PacketDetail> {
  let want = Math.min(source.size - fileOffset, wireLen + 256);
  for (;;) {
    const bytes = await source.read(fileOffset, want);
    let got: PacketDetail | null = null;
    let fatal: string | null = null;
    const reader = new CaptureReader({
      record: (rec: PacketRecord) => {
        if (got) return;
        got = build(rec, row);
      },
      fatal: (issue) => (fatal = `${issue.message} (offset ${issue.offset})`),
    });
    reader.push(header);
    reader.push(bytes);
    if (got) return got;
    if (fatal) throw new Error(fatal);
    if (want >= source.size - fileOffset || want > 64 * 1024 * 1024) throw new Error(`no packet record at offset ${fileOffset}`);
    want = Math.min(source.size - fileOffset, want * 4);
  }
}

function build(rec: PacketRecord, row: number): PacketDetail {
  const bytes = rec.bytes.slice(rec.offset, rec.offset + rec.capLen);
  const d = decodePacket(new Decoded(), rec.linkType, bytes, 0, rec.capLen, rec.origLen);
  const r = { ...rec, bytes, offset: 0, index: row };
  const fields = packetFields(r, d);
  const used = new Map<string, number>();
  const layers: DetailLayer[] = [];
  for (let i = 0; i < d.nLayers; i++) {
    const info = LAYER_NAMES[d.kind[i]] ?? { name: `Layer ${d.kind[i]}`, prefix: [] };
    const out: DetailField[] = [];
    for (const [name, value] of Object.entries(fields)) {
      if (!info.prefix.some((p) => name.startsWith(p))) continue;
      if (Array.isArray(value)) {
        // Several occurrences (outer and inner IP; GENEVE options): this layer's share.
        if (name.startsWith('geneve.')) {
          for (const v of value) out.push({ name, value: show(name, v) });
          continue;
        }
        const k = used.get(name) ?? 0;
        if (k < value.length) {
          out.push({ name, value: show(name, value[k]) });
          used.set(name, k + 1);
        }
      } else {
        const k = used.get(name) ?? 0;
        if (k === 0) out.push({ name, value: show(name, value) });
        used.set(name, k + 1);
      }
    }
    const qname = d.quoted[i] ? `${info.name} (in ICMP error)` : info.name;
    layers.push({ name: qname, start: d.start[i], end: d.end[i], fields: out });
  }
  const frameFields: DetailField[] = Object.entries(fields)
    .filter(([n]) => n.startsWith('frame.') || n.startsWith('_ws.'))
    .map(([name, value]) => ({ name, value: String(value) }));
  frameFields.push({ name: 'frame.link_type', value: String(rec.linkType) });
  return { frame: row + 1, bytes, capLen: rec.capLen, origLen: rec.origLen, linkType: rec.linkType, layers, frameFields, malformed: d.malformed };
}
