/**
 * `stagediff export` on the generated incident, through the real binary: CSV parsed again with
 * papaparse and compared, JSON, HTML, SVG, pcapng read back with tshark, a case file and a
 * traffic log; exit codes as for analyze.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { emptyCase, newAnnotation, serializeCase } from '../../shared/case/case-file.ts';
import { caseCaptures } from '../../shared/node/case-io.ts';
import { columnsOf, tableRows, type ExportWhat } from '../../shared/export/tables.ts';
import { joinTrafficLog, parseTrafficLog } from '../../shared/tlog/traffic-log.ts';
import { generate } from '../robustness/limits-harness.ts';
import { HAVE_TSHARK, incidentOnDisk, ROOT, sourceOf, TRAFFIC_LOG, tshark, type IncidentOnDisk } from './support.ts';
import type { ExportSource } from '../../shared/export/source.ts';

const bin = join(ROOT, 'bin', 'stagediff.cjs');
let inc: IncidentOnDisk;
let src: ExportSource;
let caps: string[];

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--cli-only']);
  inc = incidentOnDisk();
  src = sourceOf(inc);
  caps = inc.files.map((f) => f.path);
});

/** What papaparse reads back, with the cells our rows would print. */
function expectCsvEqualsRows(text: string, what: ExportWhat, rows: Iterable<Record<string, unknown>>) {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  expect(parsed.meta.fields).toEqual([...columnsOf(what)]);
  const want = [...rows].map((r) => Object.fromEntries(columnsOf(what).map((c) => [c, r[c] === null || r[c] === undefined ? '' : String(r[c])])));
  expect(parsed.data.length).toBe(want.length);
  expect(parsed.data).toEqual(want);
  return parsed.data;
}

describe('stagediff export: tables', () => {
  it('--format csv --what packets: every packet, Wireshark field names, parsed back equal', () => {
    const out = join(inc.dir, 'packets.csv');
    const r = run(['export', '--format', 'csv', '--what', 'packets', '-o', out, ...caps]);
    expect(r.code).toBe(0);
    const data = expectCsvEqualsRows(readFileSync(out, 'utf8'), 'packets', tableRows('packets', src));
    expect(data.length).toBe(src.result.captures.reduce((a, c) => a + c.packets, 0));
    const firstDrop = data.find((d) => d['stagediff.device'] === 'PA-VM-2' && d['stagediff.stage'] === 'drop')!;
    // The server's FIN,ACK (its idle timer ran out), hashed to PA-VM-2 and dropped there: as tshark shows it.
    expect(firstDrop).toMatchObject({ 'frame.number': '1', 'ip.src': '198.51.100.52', 'ip.dst': '172.21.43.170', 'tcp.srcport': '443', 'tcp.dstport': '51544', 'stagediff.from_client': '0', 'tcp.flags': '0x0011', 'tcp.flags.str': '·······A···F', 'stagediff.verdict': 'dropped' });
    const forwarded = data.filter((d) => d['stagediff.verdict'] === 'forwarded');
    expect(forwarded.length).toBeGreaterThan(100);
    expect(forwarded.every((d) => d['stagediff.stage'] === 'receive' && d['stagediff.latency_us'] !== '')).toBe(true);
  });

  it('--format csv --what flows with a traffic log: the logged end reason beside the inferred one', () => {
    const out = join(inc.dir, 'flows.csv');
    const r = run(['export', '--format', 'csv', '--what', 'flows', '--traffic-log', TRAFFIC_LOG, '-o', out, ...caps]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('line 6: no flow udp 172.21.200.84:123 -> 169.254.169.123:123 on PA-VM-1');
    const tlog = joinTrafficLog(src.result, [parseTrafficLog(readFileSync(TRAFFIC_LOG, 'utf8'), { source: TRAFFIC_LOG })]);
    const data = expectCsvEqualsRows(readFileSync(out, 'utf8'), 'flows', tableRows('flows', src, { trafficLog: tlog }));
    const dis = data.filter((d) => d['stagediff.end_reason_disagrees'] === 'true');
    expect(new Set(dis.map((d) => `${d['id.orig_h']}:${d['id.orig_p']} ${d['stagediff.device']} ${d.session_end_reason} ${d['stagediff.logged_session_end_reason']}`))).toEqual(
      new Set(['172.21.43.174:49274 PA-VM-1 tcp-fin tcp-rst-from-client']),
    );
  });

  it('--format csv --what findings and --format json agree with the analysis', () => {
    const csv = run(['export', '--format', 'csv', '--what', 'findings', '-o', '-', ...caps]);
    expect(csv.code).toBe(0);
    const data = expectCsvEqualsRows(csv.out, 'findings', tableRows('findings', src));
    expect(data.map((d) => d.kind)).toEqual(src.result.findings.map((f) => f.kind));
    expect(data[0].fix).toMatch(/^make the endpoints send TCP keep-alives/);
    expect(JSON.parse(data[0]['stagediff.fields'])).toMatchObject({ fromDevice: 'PA-VM-1', toDevice: 'PA-VM-2', idleSeconds: 400, droppedPackets: 10 });
    const json = run(['export', '--format', 'json', '--what', 'flows', '-o', '-', ...caps]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.out);
    expect(doc).toMatchObject({ format: 'stagediff-export', version: 1, what: 'flows' });
    expect(doc.rows).toEqual([...tableRows('flows', src)]);
  });
});

describe('stagediff export: report, timeline, pcapng', () => {
  it('--format html with --case: the case labels, offsets and notes are used', async () => {
    const kase = emptyCase('INC-4711 from the case');
    kase.captures = await caseCaptures(inc.files.map((f) => ({ ...f, device: f.device.replace('PA-VM', 'fw'), stage: f.stage })));
    kase.annotations = [newAnnotation({ kind: 'flow', flowId: 'f4' }, 'noted in the case <b>bold?</b>', { author: 'ana' })];
    const casePath = join(inc.dir, 'inc.stagediff.json');
    writeFileSync(casePath, serializeCase(kase));
    const out = join(inc.dir, 'report.html');
    const r = run(['export', '--format', 'html', '--case', casePath, '-o', out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>INC-4711 from the case</title>');
    expect(html).toContain('noted in the case &lt;b&gt;bold?&lt;/b&gt;');
    expect(html).toContain('moved fw-1 → fw-2 after 400 s idle');
    for (const c of kase.captures) expect(html).toContain(c.sha256);
  });

  it('--format html of a scan (3,000 findings of one kind): 50 written out, the rest counted, every link to a card that is there', () => {
    const path = join(inc.dir, 'scan.pcap');
    generate('many-flows', 3000, path);
    const out = join(inc.dir, 'scan.html');
    const r = run(['export', '--format', 'html', '-o', out, path]);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(out, 'utf8');
    const cards = [...html.matchAll(/<div class="card warning" id="([^"]+)">/g)].map((m) => m[1]);
    expect(cards).toHaveLength(50);
    expect(html).toContain('2950 more incomplete-handshake findings not written out in this report');
    expect(html).toContain('2950 more incomplete-handshake findings like the ones above');
    // The summary's and the flow table's links all land on a card.
    const ids = new Set([...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
    const links = [...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThanOrEqual(100); // 50 in the summary, 50 in the flows table
    for (const l of links) expect(ids.has(l), l).toBe(true);
    expect(html.length).toBeLessThan(2_000_000);
  });

  it('--format svg writes the timeline of the findings flows', () => {
    const out = join(inc.dir, 'timeline.svg');
    expect(run(['export', '--format', 'svg', '-o', out, ...caps]).code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect((svg.match(/class="timeline"/g) ?? []).length).toBe(new Set(src.result.findings.map((f) => f.flowId)).size);
  });

  it.skipIf(!HAVE_TSHARK)('--format pcapng: tshark reads every packet and the comments', () => {
    const out = join(inc.dir, 'merged.pcapng');
    const r = run(['export', '--format', 'pcapng', '--clock-offset', 'PA-VM-2=0.25', '-o', out, ...caps]);
    expect(r.code).toBe(0);
    const total = src.result.captures.reduce((a, c) => a + c.packets, 0);
    expect(r.err).toContain(`wrote ${total} packets from 8 captures, 8 interfaces`);
    expect(tshark(['-r', out, '-T', 'fields', '-e', 'frame.number']).trim().split('\n')).toHaveLength(total);
    const comments = tshark(['-r', out, '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.comment']);
    expect(comments).toContain('stagediff critical session-moved');
  });
});

describe('stagediff export: usage and errors', () => {
  it.each([
    [['export', '-o', 'x', 'a.pcap'], /export needs --format/],
    [['export', '--format', 'docx', '-o', 'x', 'a.pcap'], /--format docx: expected one of html, pdf, csv, json, pcapng, svg, png/],
    [['export', '--format', 'csv', '--what', 'hosts', '-o', 'x', 'a.pcap'], /--what hosts: expected flows, packets or findings/],
    [['export', '--format', 'html', 'a.pcap'], /export needs -o OUT/],
    [['export', '--format', 'pcapng', '-o', '-', 'a.pcap'], /writes a binary file/],
    [['export', '--format', 'html', '-o', 'x'], /export needs at least one CAPTURE/],
    [['export', '--format', 'html', '--clock-offset', 'fw1', '-o', 'x', 'a.pcap'], /--clock-offset fw1: expected DEVICE=SECONDS/],
  ])('%j exits 2 with one line', (args, message) => {
    const r = run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a malformed traffic log names the line; a damaged case file names the file', () => {
    const bad = join(inc.dir, 'bad-log.csv');
    writeFileSync(bad, 'Source address,Destination address,Destination Port,IP Protocol,Start Time\n10.0.0.1,10.0.0.2,80,tcp\n');
    const r = run(['export', '--format', 'html', '--traffic-log', bad, '-o', join(inc.dir, 'x.html'), ...caps]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: malformed traffic log CSV:\n  line 2: expected 5 fields as in the header, found 4`);
    const badCase = join(inc.dir, 'bad.stagediff.json');
    writeFileSync(badCase, '{"format":"stagediff-case","version":1,"captures":[{}]}');
    const c = run(['export', '--format', 'html', '--case', badCase, '-o', join(inc.dir, 'y.html')]);
    expect(c.code).toBe(2);
    expect(c.err).toBe(`stagediff: ${badCase}: captures[0].path: expected a string, got nothing (missing)\n`);
  });

  it('no readable capture exits 2 and writes nothing', () => {
    const notes = join(inc.dir, 'notes.txt');
    writeFileSync(notes, 'not a capture');
    const out = join(inc.dir, 'none.html');
    const r = run(['export', '--format', 'html', '-o', out, notes]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('stagediff: no capture could be read');
    expect(() => readFileSync(out)).toThrow();
  });

  it('the help lists export', () => {
    expect(run(['--help']).out).toContain('stagediff export --format html|pdf|csv|json|pcapng|svg|png');
  });
});
