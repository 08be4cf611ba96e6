/**
 * The HTML report of the generated incident, checked for real: loaded in headless Chromium with
 * the network blocked, screenshotted to test-results/, hostile strings rendered as text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { reportHtml } from '../../shared/export/report-html.ts';
import { buildFlowTimelines, timelineSvgDocument } from '../../shared/export/timeline-svg.ts';
import { newAnnotation, findingTarget } from '../../shared/case/case-file.ts';
import { joinTrafficLog, parseTrafficLog } from '../../shared/tlog/traffic-log.ts';
import { CHROMIUM_ARGS, chromiumPath, htmlToPdf, svgToPng } from '../../shared/node/chromium-render.ts';
import type { ExportSource } from '../../shared/export/source.ts';
import type { Annotation } from '../../shared/api/case.ts';
import { readFileSync } from 'node:fs';
import { incidentOnDisk, RESULTS, sourceOf, TRAFFIC_LOG } from './support.ts';

const EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">';
let src: ExportSource;
let notes: Annotation[];
let html: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  const inc = incidentOnDisk();
  src = sourceOf(inc);
  const moved = src.result.findings.find((f) => f.kind === 'session-moved')!;
  const drop = inc.files.find((f) => f.device === 'PA-VM-2' && f.stage === 'drop')!;
  notes = [
    newAnnotation(findingTarget(moved), 'Customer confirms the app idles ~400 s between requests. Ticket INC-4711.', { author: 'ana', id: 'n1', now: new Date('2024-03-01T09:00:00Z') }),
    newAnnotation({ kind: 'packet', path: drop.path, frame: 1 }, `first drop ${EVIL}`, { author: `mallory ${EVIL}`, id: 'n2', now: new Date('2024-03-01T09:05:00Z') }),
    newAnnotation({ kind: 'range', from: moved.lastSeenFrom as string, to: moved.reappearedAt as string }, 'GWLB idle timer runs out in here (350 s)', { id: 'n3', now: new Date('2024-03-01T09:06:00Z') }),
  ];
  const tlog = joinTrafficLog(src.result, [parseTrafficLog(readFileSync(TRAFFIC_LOG, 'utf8'), { source: TRAFFIC_LOG })]);
  // A capture point whose labels came from a hostile file name.
  src.result.captures[0] = { ...src.result.captures[0], path: `/tmp/${EVIL}.pcap` };
  html = reportHtml(src, { title: `INC-4711 ${EVIL}`, annotations: notes, trafficLog: tlog, generatedAt: '2024-03-01T10:00:00.000Z', captureHashes: { [inc.files[1].path]: { sha256: 'f'.repeat(64), size: 1 } } });
  writeFileSync(join(RESULTS, 'report.html'), html);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
});

describe('HTML report', () => {
  it('is one self-contained file: no script, no external reference, a CSP that forbids loading', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
  });

  it('holds the summary, each finding with its fix and evidence, the timeline, flows, notes, traffic log and inventory', () => {
    const moved = src.result.findings.find((f) => f.kind === 'session-moved')!;
    expect(html).toContain('1 session moved between firewalls');
    expect(html).toContain(moved.summary.replace(/>/g, '&gt;'));
    expect(html).toContain('<b>Fix:</b> make the endpoints send TCP keep-alives');
    expect(html).toMatch(/<svg [^>]*class="timeline"/);
    expect(html).toContain('moved PA-VM-1 → PA-VM-2 after 400 s idle');
    expect(html).toContain('Customer confirms the app idles ~400 s');
    expect(html).toContain('Capture inventory');
    expect(html).toContain('f'.repeat(64));
    expect(html).toContain('tcp-rst-from-client');
    expect(html).toContain('<span class="badge bad">disagrees</span>');
    for (const e of moved.evidence) expect(html).toContain(e.time);
  });

  it('renders offline in Chromium: no request leaves the page, hostile strings show as text, screenshot saved', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, javaScriptEnabled: true });
    const requests: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requests.push(url);
      return url.startsWith('data:') || url.startsWith('about:') ? route.continue() : route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setContent(html, { waitUntil: 'load' });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('h1').innerText()).toBe(`INC-4711 ${EVIL}`);
    const text = await page.locator('body').innerText();
    expect(text).toContain('first drop <script>window.__pwned = 1</script>');
    expect(await page.locator('svg.timeline').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.card.critical').count()).toBeGreaterThanOrEqual(1);
    expect(requests.filter((u) => !u.startsWith('data:') && !u.startsWith('about:'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(RESULTS, 'report.png'), fullPage: false });
    await page.locator('.card.critical').first().screenshot({ path: join(RESULTS, 'report-moved-session.png') });
    await context.close();
  });

  it('prints to PDF through headless Chromium', async () => {
    const pdf = await htmlToPdf(html);
    expect(new TextDecoder().decode(pdf.subarray(0, 5))).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000);
    writeFileSync(join(RESULTS, 'report.pdf'), pdf);
  });
});

describe('timeline SVG and PNG', () => {
  it('a standalone SVG of the findings flows, escaped, and its PNG', async () => {
    const tls = buildFlowTimelines(src, { annotations: notes });
    expect(tls.map((t) => t.flowId)).toEqual([...new Set(src.result.findings.map((f) => f.flowId))]);
    const moved = tls[0];
    expect(moved.lanes.map((l) => `${l.device} ${l.stage}`)).toEqual(['PA-VM-1 receive', 'PA-VM-1 firewall', 'PA-VM-1 transmit', 'PA-VM-2 receive', 'PA-VM-2 drop']);
    expect(moved.gaps.filter((g) => g.pastTimeout)).toHaveLength(1);
    expect(moved.moves).toHaveLength(1);
    expect(moved.marks.filter((m) => m.kind === 'dropped').length).toBe(10);
    const svg = timelineSvgDocument(tls, { title: `INC ${EVIL}` });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).not.toMatch(/<script|<img/i);
    writeFileSync(join(RESULTS, 'timeline.svg'), svg);
    const png = await svgToPng(svg);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    writeFileSync(join(RESULTS, 'timeline.png'), png);
  });
});
