/**
 * The index's fast decoder (shared/decode/fast-index.ts) against the full decoder, the reference:
 * on every packet of every capture we have (public, hand-built edge cases, generated incidents in
 * every file variant, a bulk GWLB set, NAT and ICMP captures), whenever the fast path takes a
 * packet, every field the capture index reads is the same; and whole indexes built both ways are
 * identical.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CaptureReader } from '../../shared/readers/reader.ts';
import { Decoded } from '../../shared/decode/decoded.ts';
import { decodePacket } from '../../shared/decode/decode.ts';
import { decodeForIndex } from '../../shared/decode/fast-index.ts';
import { CaptureIndexer } from '../../shared/engine/capture-index.ts';
import { edgeCaptures } from './edge-captures.ts';
import { concat, generateScenario, SCENARIOS, VARIANTS, writeBulk } from '../gen/scenarios.ts';
import { icmpErrorCapture } from '../support/icmp-capture.ts';
import { conversation, pcap } from '../support/nat-capture.ts';

const pub = join(import.meta.dirname, '..', '..', '..', 'shared', 'captures', 'public');

/** Every field CaptureIndexer.onRecord (and its keyFor / tcp) reads of a decoded packet. */
function indexFields(d: Decoded) {
  return {
    malformed: d.malformed !== null,
    fragment: d.fragment,
    flowCookie: d.flowCookie,
    ipId: d.ipId,
    ipVersion: d.ipVersion,
    ipProto: d.ipProto,
    ipLen: d.ipLen,
    srcAddrOff: d.srcAddrOff,
    dstAddrOff: d.dstAddrOff,
    srcPort: d.srcPort,
    dstPort: d.dstPort,
    tcpOk: d.tcpOk,
    tcpFlags: d.tcpFlags,
    tcpSeq: d.tcpSeq,
    tcpAck: d.tcpAck,
    tcpLen: d.tcpLen,
    tcpWindow: d.tcpWindow,
    payloadOff: d.payloadOff,
    payloadCapLen: d.payloadCapLen,
    quotedProto: d.quotedProto,
  };
}

async function bulkSet(): Promise<Uint8Array[]> {
  const parts: Uint8Array[][] = [[], [], [], []];
  await writeBulk(3e6, 'pcap-le-us', { write: (file: number, chunk: Uint8Array) => void parts[file].push(chunk.slice()) });
  return parts.map((p) => concat(p));
}

async function allCaptures(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const n of readdirSync(pub).filter((x) => /\.(pcap|pcapng|cap)$/.test(x))) out.push({ name: n, bytes: readFileSync(join(pub, n)) });
  for (const c of edgeCaptures()) out.push({ name: `edge ${c.fileName}`, bytes: c.bytes });
  for (const s of SCENARIOS) for (const v of VARIANTS) for (const f of generateScenario(s, v).files) out.push({ name: `${s} ${v} ${f.fileName}`, bytes: f.bytes });
  (await bulkSet()).forEach((bytes, i) => out.push({ name: `bulk ${i}`, bytes }));
  out.push({ name: 'icmp error', bytes: icmpErrorCapture() });
  out.push({ name: 'nat', bytes: pcap(conversation('10.0.0.5', 40000)) });
  return out;
}

describe('the index fast path agrees with the full decoder', () => {
  it('field by field on every packet it takes, and it takes the common GWLB packets', async () => {
    const full = new Decoded();
    const fast = new Decoded();
    let packets = 0;
    let taken = 0;
    let bulkPackets = 0;
    let bulkTaken = 0;
    for (const c of await allCaptures()) {
      const reader = new CaptureReader({
        record: (r) => {
          packets++;
          const ok = decodeForIndex(fast, r.linkType, r.bytes, r.offset, r.capLen, r.origLen);
          if (c.name.startsWith('bulk')) bulkPackets++;
          if (!ok) return;
          taken++;
          if (c.name.startsWith('bulk')) bulkTaken++;
          decodePacket(full, r.linkType, r.bytes, r.offset, r.capLen, r.origLen);
          const want = indexFields(full);
          const got = indexFields(fast);
          if (JSON.stringify(got) !== JSON.stringify(want)) expect({ capture: c.name, offset: r.fileOffset, ...got }).toEqual({ capture: c.name, offset: r.fileOffset, ...want });
        },
        fatal: () => {},
        warning: () => {},
      });
      reader.push(c.bytes);
      reader.end();
    }
    expect(packets).toBeGreaterThan(50_000);
    // The generated GWLB traffic (GENEVE, AWS options, inner TCP) is what the fast path is for.
    expect(bulkTaken / bulkPackets).toBeGreaterThan(0.99);
    expect(taken).toBeGreaterThan(packets / 2);
  }, 120_000);

  it('whole indexes built with and without it are identical', async () => {
    for (const c of await allCaptures()) {
      const a = new CaptureIndexer(false, true);
      const b = new CaptureIndexer(false, false);
      a.push(c.bytes);
      b.push(c.bytes);
      const x = a.finish();
      const y = b.finish();
      for (const k of ['tNs', 'flow', 'flags', 'tcpFlags', 'seq', 'ack', 'len', 'ipId', 'hash', 'cookie', 'wireLen', 'fileOffset', 'flowKeys', 'rowStart', 'rows'] as const) {
        if (!Buffer.from(x[k].buffer, x[k].byteOffset, x[k].byteLength).equals(Buffer.from(y[k].buffer, y[k].byteOffset, y[k].byteLength))) {
          expect(`${c.name}: ${k}`).toBe('identical');
        }
      }
      // Every flow's state: the indexer's packed flow tables, field for field.
      expect(x.packedFlows).toEqual(y.packedFlows);
      expect([x.packets, x.malformed, x.errors]).toEqual([y.packets, y.malformed, y.errors]);
    }
  }, 120_000);
});
