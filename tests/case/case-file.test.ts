/** The case file: what an engineer saves at the end of a shift and opens again the next morning. */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { CaseFile } from '../../shared/api/case.ts';
import {
  CaseError,
  createSha256,
  emptyCase,
  findingTarget,
  flowTarget,
  newAnnotation,
  parseCase,
  relinkCaptures,
  resolveAnnotations,
  serializeCase,
  settingsDelta,
  sha256OfChunks,
  withAnnotation,
  withoutAnnotation,
} from '../../shared/case/case-file.ts';
import { analyzeBytes } from '../support/analyze-bytes.ts';
import { generateScenario } from '../gen/scenarios.ts';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);
const now = new Date('2024-03-01T09:30:00.000Z');

function sampleCase(): CaseFile {
  let c = emptyCase('INC-4711 GWLB sessions dropped');
  c.captures = [
    { path: '/cases/4711/PA-VM-1_receive.pcap', sha256: H1, size: 154044, device: 'PA-VM-1', stage: 'receive' },
    { path: '/cases/4711/PA-VM-2_drop.pcap', sha256: H2, size: 2994, device: 'PA-VM-2', stage: 'drop' },
  ];
  c.clockOffsets = { 'PA-VM-2': -3.7 };
  c.settings = settingsDelta({ gwlbIdleTimeout: 600, tcpTimeout: 3600 });
  c = withAnnotation(c, newAnnotation({ kind: 'finding', findingId: 'f4-session-moved', flow: { proto: 'tcp', client: '172.21.43.170:51544', server: '198.51.100.52:443' } }, 'Customer confirms: the app idles 400 s.', { author: 'ana', now, id: 'a1' }));
  c = withAnnotation(c, newAnnotation({ kind: 'flow', flowId: 'f13' }, 'same firewall, new cookie', { now, id: 'a2' }));
  c = withAnnotation(c, newAnnotation({ kind: 'packet', path: '/cases/4711/PA-VM-2_drop.pcap', frame: 3 }, 'first drop <here>', { now, id: 'a3' }));
  c = withAnnotation(c, newAnnotation({ kind: 'range', from: '2023-11-25T22:22:06.820960000Z', to: '2023-11-25T22:28:46.820960000Z', device: 'PA-VM-1' }, 'silence', { author: 'bo', now, id: 'a4' }));
  return c;
}

describe('case file: save and open', () => {
  it('a saved case opens to the same state (every kind of annotation, offsets, timers)', () => {
    const c = sampleCase();
    const text = serializeCase(c);
    const back = parseCase(text);
    expect(back).toEqual(c);
    expect(serializeCase(back)).toBe(text);
    expect(back.settings).toEqual({ gwlbIdleTimeout: 600 });
  });

  it('serializes with a stable key order, so the same state gives the same bytes', () => {
    const a = sampleCase();
    const b = { ...sampleCase(), clockOffsets: { 'PA-VM-2': -3.7 }, settings: { gwlbIdleTimeout: 600 } };
    expect(serializeCase(a)).toBe(serializeCase(b));
    expect(serializeCase(a).split('\n')[1]).toBe('  "format": "stagediff-case",');
  });

  it('adds and removes annotations without touching the others', () => {
    const c = sampleCase();
    const less = withoutAnnotation(c, 'a2');
    expect(less.annotations.map((a) => a.id)).toEqual(['a1', 'a3', 'a4']);
    expect(c.annotations).toHaveLength(4);
    const x = newAnnotation({ kind: 'flow', flowId: 'f1' }, 'x');
    expect(x.id).not.toBe(newAnnotation({ kind: 'flow', flowId: 'f1' }, 'x').id);
    expect(x.created).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('case file: a broken file says which field is wrong', () => {
  const good = JSON.parse(serializeCase(sampleCase()));
  const bad = (mutate: (o: any) => void): string => {
    const o = structuredClone(good);
    mutate(o);
    return JSON.stringify(o);
  };
  it.each([
    ['not JSON', '{"format": "stagediff-case", ', /inc\.stagediff\.json: not valid JSON/],
    ['another format', bad((o) => (o.format = 'something-else')), /format: expected "stagediff-case"/],
    ['a newer version', bad((o) => (o.version = 2)), /version: case file version 2 is newer than this stagediff/],
    ['a bad hash', bad((o) => (o.captures[1].sha256 = 'xyz')), /captures\[1\]\.sha256: expected 64 lower-case hex digits, got "xyz"/],
    ['a bad stage', bad((o) => (o.captures[0].stage = 'egress')), /captures\[0\]\.stage: expected receive, firewall, transmit, drop or unknown/],
    ['a frame 0', bad((o) => (o.annotations[2].target.frame = 0)), /annotations\[2\]\.target\.frame: expected a frame number/],
    ['an unknown target', bad((o) => (o.annotations[0].target.kind = 'host')), /annotations\[0\]\.target\.kind: expected finding, flow, packet or range, got "host"/],
    ['a range that ends first', bad((o) => ([o.annotations[3].target.from, o.annotations[3].target.to] = [o.annotations[3].target.to, o.annotations[3].target.from])), /annotations\[3\]\.target\.to: ends .* before it starts/],
    ['a missing created time', bad((o) => delete o.annotations[1].created), /annotations\[1\]\.created: expected a string, got nothing \(missing\)/],
    ['a timer out of range', bad((o) => (o.settings = { gwlbIdleTimeout: 5 })), /gwlb-idle-timeout must be a number of seconds from 60 to 6000/],
    ['a duplicate capture', bad((o) => o.captures.push(o.captures[0])), /captures\[2\]\.path: .* is listed twice/],
  ])('%s', (_name, text, message) => {
    expect(() => parseCase(text, 'inc.stagediff.json')).toThrow(CaseError);
    expect(() => parseCase(text, 'inc.stagediff.json')).toThrow(message);
  });
});

describe('case file: captures that moved are recognised by their sha256', () => {
  it('relinks a moved capture, and its packet notes follow it', () => {
    const c = sampleCase();
    const r = relinkCaptures(c, [
      { path: '/home/ana/Downloads/PA-VM-1_receive.pcap', sha256: H1 },
      { path: '/home/ana/Downloads/renamed-drop.pcap', sha256: H2 },
      { path: '/home/ana/Downloads/other.pcap', sha256: 'c'.repeat(64) },
    ]);
    expect(r.missing).toEqual([]);
    expect(r.relinked).toEqual([
      { from: '/cases/4711/PA-VM-1_receive.pcap', to: '/home/ana/Downloads/PA-VM-1_receive.pcap' },
      { from: '/cases/4711/PA-VM-2_drop.pcap', to: '/home/ana/Downloads/renamed-drop.pcap' },
    ]);
    expect(r.case.captures.map((x) => [x.path, x.device, x.stage])).toEqual([
      ['/home/ana/Downloads/PA-VM-1_receive.pcap', 'PA-VM-1', 'receive'],
      ['/home/ana/Downloads/renamed-drop.pcap', 'PA-VM-2', 'drop'],
    ]);
    expect(r.case.annotations.find((a) => a.id === 'a3')!.target).toEqual({ kind: 'packet', path: '/home/ana/Downloads/renamed-drop.pcap', frame: 3 });
  });

  it('lists a capture as missing when no file has its hash, even one at its old path', () => {
    const r = relinkCaptures(sampleCase(), [{ path: '/cases/4711/PA-VM-1_receive.pcap', sha256: 'd'.repeat(64) }]);
    expect(r.missing.map((m) => m.path)).toEqual(['/cases/4711/PA-VM-1_receive.pcap', '/cases/4711/PA-VM-2_drop.pcap']);
    expect(r.relinked).toEqual([]);
  });

  it('keeps a capture that is still where it was', () => {
    const r = relinkCaptures(sampleCase(), [{ path: '/cases/4711/PA-VM-1_receive.pcap', sha256: H1 }]);
    expect(r.relinked).toEqual([]);
    expect(r.missing.map((m) => m.device)).toEqual(['PA-VM-2']);
  });
});

describe('sha256, streamed over chunks', () => {
  it('matches node:crypto for any chunking', async () => {
    const bytes = new Uint8Array(3_000_017).map((_, i) => (i * 2654435761) >>> 24);
    const want = createHash('sha256').update(bytes).digest('hex');
    for (const size of [1, 4093, 65536, 1 << 20, bytes.length]) {
      const h = createSha256();
      for (let o = 0; o < bytes.length; o += size) h.update(bytes.subarray(o, o + size));
      expect(h.hex()).toBe(want);
      if (size === 1) break; // one-byte chunks once, on a prefix, is enough
    }
    async function* chunks() {
      for (let o = 0; o < bytes.length; o += 100_000) yield bytes.subarray(o, o + 100_000);
    }
    expect(await sha256OfChunks(chunks())).toEqual({ sha256: want, size: bytes.length });
  });
});

describe('annotations follow their flow when flow ids change', () => {
  it('a note saved on f4 still finds the moved session after more captures renumber the flows', () => {
    const g = generateScenario('gwlb-incident', 'pcap-le-us');
    const files = g.files.map((f) => ({ path: f.fileName, device: f.device, stage: f.stage as 'receive', bytes: f.bytes }));
    const all = analyzeBytes(files);
    const moved = all.findings.find((f) => f.kind === 'session-moved')!;
    const flow = all.flows.find((f) => f.id === moved.flowId)!;
    const notes = [
      newAnnotation(findingTarget(moved), 'on the finding', { id: 'n1' }),
      newAnnotation(flowTarget(flow), 'on the flow', { id: 'n2' }),
    ];
    // Same flow under another id: pretend the ids shifted by renaming them in the result.
    const shifted = { ...all, flows: all.flows.map((f) => ({ ...f, id: `x${f.id}` })), findings: all.findings.map((f) => ({ ...f, id: `x${f.id}`, flowId: `x${f.flowId}` })) };
    const r = resolveAnnotations(notes, shifted);
    expect(r[0].target).toMatchObject({ kind: 'finding', findingId: `x${moved.id}` });
    expect(r[1].target).toMatchObject({ kind: 'flow', flowId: `x${flow.id}` });
    // Unchanged ids stay as they are.
    expect(resolveAnnotations(notes, all)).toEqual(notes);
  });
});
