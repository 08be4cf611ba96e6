/**
 * The merged, annotated pcapng of the generated incident, read back with tshark: every packet of
 * every capture, one interface per capture point, chronological after clock offsets, and the
 * finding and annotation comments on the right packets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mergeComments, mergePcapng, type MergeSource } from '../../shared/export/pcapng-merged.ts';
import { flowFirstFrames, packetView, type ExportSource } from '../../shared/export/source.ts';
import { newAnnotation, findingTarget } from '../../shared/case/case-file.ts';
import { fileChunks } from '../../shared/node/export-cmd.ts';
import { indexBytes } from '../support/analyze-bytes.ts';
import { HAVE_TSHARK, incidentOnDisk, sourceOf, tshark, type IncidentOnDisk } from './support.ts';

let inc: IncidentOnDisk;
let src: ExportSource;
const OFFSET = { 'PA-VM-2': -0.5 };

async function merge(out: string, sources: MergeSource[], annotations = [] as ReturnType<typeof newAnnotation>[]) {
  const view = packetView(src)!;
  const comments = mergeComments(src.result, annotations, flowFirstFrames(view));
  const ws = createWriteStream(out);
  const stats = await mergePcapng(sources, { clockOffsets: OFFSET, comments, batchBytes: 64 * 1024 }, (c) => new Promise<void>((res, rej) => ws.write(c, (e) => (e ? rej(e) : res()))));
  await new Promise<void>((r) => ws.end(r));
  return stats;
}

beforeAll(() => {
  inc = incidentOnDisk('pcapng-be-ns');
  src = sourceOf(inc, OFFSET);
});

describe.skipIf(!HAVE_TSHARK)('merged annotated pcapng (read back with tshark)', () => {
  let out = '';
  let stats: Awaited<ReturnType<typeof merge>>;
  const moved = () => src.result.findings.find((f) => f.kind === 'session-moved')!;

  beforeAll(async () => {
    out = join(inc.dir, 'merged.pcapng');
    const drop = inc.files.find((f) => f.device === 'PA-VM-2' && f.stage === 'drop')!;
    const notes = [
      newAnnotation(findingTarget(moved()), 'customer app idles 400 s', { author: 'ana', id: 'n1' }),
      newAnnotation({ kind: 'packet', path: drop.path, frame: 2 }, 'second drop: <still FIN,ACK>', { id: 'n2' }),
      newAnnotation({ kind: 'flow', flowId: moved().flowId }, 'the moved session', { id: 'n3' }),
      newAnnotation({ kind: 'range', from: moved().reappearedAt as string, to: moved().reappearedAt as string, device: 'PA-VM-2' }, 'GWLB re-hash', { id: 'n4' }),
    ];
    // Tiny chunks: records span chunk boundaries in every source.
    const sources = inc.files.map((f) => ({ path: f.path, device: f.device, stage: f.stage, chunks: fileChunks(f.path) }));
    stats = await merge(out, sources, notes);
  });

  it('holds every packet of every capture', () => {
    const total = inc.files.reduce((a, f) => a + indexBytes(f.bytes).packets, 0);
    expect(stats.packets).toBe(total);
    expect(tshark(['-r', out, '-T', 'fields', '-e', 'frame.number']).trim().split('\n')).toHaveLength(total);
    expect(stats.errors).toEqual([]);
  });

  it('has one interface per capture point, named "DEVICE STAGE", with the source link type', () => {
    const names = tshark(['-r', out, '-T', 'fields', '-e', 'frame.interface_name']).trim().split('\n');
    const counts = new Map<string, number>();
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (const f of inc.files) {
      const n = indexBytes(f.bytes).packets;
      if (n) expect(counts.get(`${f.device} ${f.stage}`)).toBe(n);
    }
    expect(stats.interfaces.map((i) => i.name)).toEqual(inc.files.map((f) => `${f.device} ${f.stage}`));
    expect(new Set(stats.interfaces.map((i) => i.linkType))).toEqual(new Set([1]));
    // if_description is the source file.
    const desc = new Set(tshark(['-r', out, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'frame.interface_description']).trim().split('\n'));
    for (const f of inc.files) if (indexBytes(f.bytes).packets) expect(desc.has(`${f.device} ${f.stage}\t${f.path}`)).toBe(true);
  });

  it('is in time order after the clock offsets, with the offsets applied to the timestamps', () => {
    const lines = tshark(['-r', out, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.interface_name']).trim().split('\n');
    const times = lines.map((l) => Number(l.split('\t')[0]));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] - 1e-6);
    // The first PA-VM-2 packet moved 0.5 s earlier than in its file.
    const firstPa2 = lines.find((l) => l.includes('PA-VM-2 receive'))!;
    const orig = tshark(['-r', inc.files.find((f) => f.device === 'PA-VM-2' && f.stage === 'receive')!.path, '-c', '1', '-T', 'fields', '-e', 'frame.time_epoch']).trim();
    expect(Number(firstPa2.split('\t')[0])).toBeCloseTo(Number(orig) - 0.5, 6);
  });

  it('carries the finding summaries on evidence packets and the annotations as packet comments', () => {
    const rows = tshark(['-r', out, '-Y', 'frame.comment', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', '-e', 'frame.interface_name', '-e', 'frame.comment'])
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const all = rows.map((r) => r[1]).join('\n');
    const m = moved();
    expect(all).toContain(`stagediff critical session-moved (${m.id}): ${m.summary}`);
    expect(all).toContain(`[this packet: last packet on PA-VM-1 before ${m.idleSeconds} s of silence]`);
    expect(all).toContain(`note on ${m.id} by ana: customer app idles 400 s`);
    expect(all).toContain('note: second drop: <still FIN,ACK>');
    expect(all).toContain(`note on flow ${m.flowId}: the moved session`);
    expect(all).toMatch(/note on 2023-11-25T22:28:46\.\d+Z \.\. .* \(PA-VM-2\): GWLB re-hash/);
    // Evidence of the moved session sits on PA-VM-1 receive, PA-VM-2 receive and PA-VM-2 drop.
    const where = new Set(rows.filter((r) => r[1].includes('session-moved')).map((r) => r[0]));
    expect(where).toEqual(new Set(['PA-VM-1 receive', 'PA-VM-2 receive', 'PA-VM-2 drop']));
    // Every evidence packet has its comment.
    const evidence = src.result.findings.reduce((a, f) => a + f.evidence.length, 0);
    expect(rows.filter((r) => /stagediff (critical|warning|info) /.test(r[1])).length).toBe(evidence);
    // The generator's own pcapng comments (first packet of each file) are kept.
    expect(all).toContain('stagediff generator: scenario gwlb-incident');
  });

  it('streams: memory does not hold the files (one chunk per source at a time)', () => {
    expect(statSync(out).size).toBeGreaterThan(inc.files.reduce((a, f) => a + f.bytes.length, 0) * 0.9);
    expect(readFileSync(out).subarray(0, 4)).toEqual(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]));
  });
});

describe('merge robustness', () => {
  it('a damaged source contributes what it could and is reported, the others are complete', async () => {
    const f = inc.files[0];
    const cut = f.bytes.subarray(0, Math.floor(f.bytes.length / 2) + 3);
    const sources: MergeSource[] = [
      { path: 'cut.pcapng', device: f.device, stage: f.stage, chunks: [cut] },
      { path: inc.files[1].path, device: inc.files[1].device, stage: inc.files[1].stage, chunks: [inc.files[1].bytes] },
    ];
    const chunks: Uint8Array[] = [];
    const stats = await mergePcapng(sources, {}, (c) => void chunks.push(c));
    expect(stats.perSource[1]).toBe(indexBytes(inc.files[1].bytes).packets);
    expect(stats.perSource[0]).toBe(indexBytes(cut).packets);
    expect(stats.errors).toEqual([{ path: 'cut.pcapng', offset: expect.any(Number), message: expect.stringMatching(/truncated|ends/i) }]);
  });
});
