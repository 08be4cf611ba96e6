/**
 * Issue 5 end to end in Chromium (browser fallback): annotate the moved session and one of its
 * packets, save the case, reload, restore it from the autosave by dropping the captures again
 * (recognised by sha256), export the HTML report and the flows CSV and check them for real,
 * import the firewall's traffic log and see the disagreement flagged in the flows grid.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from '../gen/scenarios.ts';
import { parseCase } from '../../shared/case/case-file.ts';
import { downloaded, dropFiles, exportAs, foreignRequests, open, ROOT, shot, type Harness } from './browser.ts';

let h: Harness;
const incident = generateScenario('gwlb-incident', 'pcap-le-us');
const files = incident.files.map((f) => ({ name: f.fileName, bytes: f.bytes }));
const FINDING_NOTE = 'Client idle 400 s > GWLB 350 s: keep-alive is off on this host (ticket INC-4711)';
const PACKET_NOTE = 'First packet after the move: FIN-ACK dropped by PA-VM-2';
const RANGE_NOTE = 'Change window: GWLB target group edited';

beforeAll(async () => {
  h = await open();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('annotate, save, restore and export the GWLB incident', () => {
  it('notes the moved-session finding', async () => {
    await dropFiles(h.page, '[data-testid="dropzone"]', files);
    const moved = h.page.locator('.finding[data-kind="session-moved"]').first();
    await moved.waitFor({ timeout: 30_000 });
    await moved.click();
    await moved.locator('[data-testid="note-finding"]').click();
    expect(await h.page.locator('[data-testid="note-target"]').textContent()).toContain('session-moved');
    await h.page.locator('[data-testid="note-text"]').fill(FINDING_NOTE);
    await shot(h.page, 'i5-00-note-dialog');
    await h.page.locator('[data-testid="note-save"]').click();
    await moved.locator('[data-testid="finding-notes"]').waitFor();
    expect(await moved.locator('.note-inline').textContent()).toContain(FINDING_NOTE);
  });

  it('notes an evidence packet from the grid, and a time range on the timeline (Shift+drag)', async () => {
    await h.page.click('[data-tab="evidence"]');
    const row = h.page.locator('[data-testid="evidence-grid"] .ag-row').filter({ hasText: 'dropped by PA-VM-2' }).first();
    await row.waitFor();
    await row.locator('[col-id="usernotes"]').click();
    expect(await h.page.locator('[data-testid="note-target"]').textContent()).toMatch(/Packet · PA-VM-2 \w+ · frame \d+/);
    await h.page.locator('[data-testid="note-text"]').fill(PACKET_NOTE);
    await h.page.keyboard.press('Control+Enter');
    await h.page.locator('[data-testid="evidence-grid"] [data-testid="packet-note"]').first().waitFor();
    await h.page.waitForFunction(() => /packet:1/.test(document.querySelector('[data-testid="timeline"]')?.getAttribute('data-notes') ?? ''));

    const box = (await h.page.locator('[data-testid="timeline"] canvas').boundingBox())!;
    await h.page.keyboard.down('Shift');
    await h.page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5);
    await h.page.mouse.down();
    await h.page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
    await h.page.mouse.up();
    await h.page.keyboard.up('Shift');
    expect(await h.page.locator('[data-testid="note-target"]').textContent()).toContain('Time range');
    await h.page.locator('[data-testid="note-text"]').fill(RANGE_NOTE);
    await h.page.locator('[data-testid="note-save"]').click();
    await h.page.waitForFunction(() => /range:1/.test(document.querySelector('[data-testid="timeline"]')?.getAttribute('data-notes') ?? ''));
    await shot(h.page, 'i5-01-notes');
    await h.page.click('[data-tab="notes"]');
    expect(await h.page.locator('[data-testid="notes-list"] .note-row').count()).toBe(3);
    await shot(h.page, 'i5-02-notes-tab');
  });

  it('saves the case: capture paths with sha256, labels and the notes', async () => {
    const { name, text } = await downloaded(h.page, () => h.page.locator('[data-testid="save-case"]').click());
    expect(name).toMatch(/\.stagediff\.json$/);
    const c = parseCase(text, name);
    expect(c.captures).toHaveLength(files.length);
    for (const f of files) {
      const cap = c.captures.find((x) => x.path === f.name)!;
      expect(cap.sha256).toBe(createHash('sha256').update(f.bytes).digest('hex'));
    }
    expect(c.captures.find((x) => x.path === 'PA-VM-2_drop.pcap')).toMatchObject({ device: 'PA-VM-2', stage: 'drop' });
    expect(c.annotations.map((a) => a.target.kind).sort()).toEqual(['finding', 'packet', 'range']);
    expect(c.annotations.find((a) => a.target.kind === 'finding')?.text).toBe(FINDING_NOTE);
  });

  it('after a reload, restores the autosave: the dropped captures are recognised by sha256 and the notes come back', async () => {
    await h.page.locator('[data-testid="autosaved"]').waitFor({ timeout: 10_000 });
    await h.page.reload();
    const offer = h.page.locator('[data-testid="restore-offer"]');
    await offer.waitFor({ timeout: 10_000 });
    expect(await offer.textContent()).toContain('8 captures, 3 notes');
    await shot(h.page, 'i5-03-restore-offer');
    await h.page.locator('[data-testid="restore"]').click();
    await h.page.locator('[data-testid="pending-captures"]').waitFor();
    await shot(h.page, 'i5-04-pending-captures');
    // Renamed files are recognised by content: drop them under other names.
    await dropFiles(h.page, '.app', files.map((f) => ({ name: `copy-of-${f.name}`, bytes: f.bytes })));
    const moved = h.page.locator('.finding[data-kind="session-moved"]').first();
    await moved.waitFor({ timeout: 30_000 });
    await moved.locator('[data-testid="finding-notes"]').waitFor({ timeout: 10_000 });
    expect(await h.page.locator('[data-testid="pending-captures"]').count()).toBe(0);
    // Labels came from the case, not from the (new) names.
    expect(await h.page.locator('tr[data-capture="copy-of-PA-VM-2_drop.pcap"] select').inputValue()).toBe('drop');
    await moved.click();
    expect(await moved.locator('.note-inline').textContent()).toContain(FINDING_NOTE);
    await h.page.click('[data-tab="evidence"]');
    await h.page.locator('[data-testid="evidence-grid"] [data-testid="packet-note"]').first().waitFor({ timeout: 10_000 });
    expect(await h.page.locator('[data-tab="notes"] .tab-count').textContent()).toBe('3');
  });

  it('exports a self-contained HTML report with the notes, that loads nothing', async () => {
    const { name, text: html } = await exportAs(h.page, 'html');
    expect(name).toMatch(/report\.html$/);
    expect(html).toContain(FINDING_NOTE.replace('>', '&gt;'));
    expect(html).toContain(PACKET_NOTE);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<script/i);
    // Loaded on its own in Chromium: no request at all.
    const page = await h.browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.setContent(html, { waitUntil: 'load' });
    expect(requests).toEqual([]);
    await page.screenshot({ path: join(ROOT, 'test-results', 'i5-05-report.png'), fullPage: false });
    await page.close();
  });

  it('exports the flows as CSV that parses back, one row per flow and capture point, with Wireshark names', async () => {
    const { text } = await exportAs(h.page, 'flows-csv');
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const cols = parsed.meta.fields ?? [];
    expect(cols.length).toBeGreaterThan(5);
    const flows = await h.page.evaluate(() => (globalThis as unknown as { stagediffSession: { get(): { analysis: { result: { flows: unknown[] } } } } }).stagediffSession.get().analysis.result.flows.length);
    expect(parsed.data.length).toBeGreaterThanOrEqual(flows);
    expect(text).toContain('172.21.43.170');
  });

  it('exports the timeline as SVG and PNG, and the findings as JSON', async () => {
    const svg = await exportAs(h.page, 'svg');
    expect(svg.name).toMatch(/timeline-f\d+\.svg$/);
    expect(svg.text).toMatch(/^<\?xml[^]*<svg/);
    expect(svg.text).toContain('PA-VM-2');
    const png = await exportAs(h.page, 'png');
    expect([...png.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    copyFileSync(png.path, join(ROOT, 'test-results', 'i5-07-timeline-export.png'));
    const json = JSON.parse((await exportAs(h.page, 'findings-json')).text) as { what: string; rows: Record<string, unknown>[] };
    expect(json.what).toBe('findings');
    expect(json.rows.some((r) => Object.values(r).includes('session-moved'))).toBe(true);
  });

  it('exports the merged pcapng with the notes as packet comments', async () => {
    const out = await exportAs(h.page, 'pcapng');
    expect(out.bytes.readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(out.bytes.includes(Buffer.from(PACKET_NOTE))).toBe(true);
    if (existsSync('/usr/bin/tshark')) {
      const text = execFileSync('/usr/bin/tshark', ['-r', out.path, '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' });
      expect(text).toContain(PACKET_NOTE);
      expect(text).toContain('session-moved');
    }
  });

  it('imports the PAN-OS traffic log and flags the disagreement in the flows grid', async () => {
    await h.page.locator('[data-testid="traffic-log-input"]').setInputFiles(join(ROOT, 'tests', 'fixtures', 'gwlb-incident-traffic-log.csv'));
    await h.page.locator('.toast').filter({ hasText: 'disagree' }).waitFor({ timeout: 10_000 });
    await h.page.click('[data-tab="flows"]');
    await h.page.fill('[data-search]', '172.21.43.174:49274');
    const grid = h.page.locator('[data-testid="flows-grid"]');
    // A marker in view without scrolling, and the logged reason beside the inferred one per device.
    const summary = grid.locator('[data-disagree="summary"]').first();
    await summary.waitFor({ timeout: 10_000 });
    expect(await summary.textContent()).toContain('PA-VM-1: tcp-rst-from-client');
    expect(await summary.isVisible()).toBe(true);
    const flag = grid.locator('[data-disagree="true"]').first();
    await flag.waitFor({ timeout: 10_000 });
    expect(await flag.textContent()).toContain('tcp-rst-from-client');
    expect(await flag.getAttribute('title')).toMatch(/inferred “tcp-fin”/);
    expect(await grid.locator('.ag-header').textContent()).toContain('End (logged)');
    await shot(h.page, 'i5-06-traffic-log');
    await h.page.fill('[data-search]', '');
  });

  it('Open case: the saved case file plus the dropped captures give the same notes, labels and offsets back', async () => {
    await h.page.locator('input[data-offset="PA-VM-2"]').fill('0.5');
    await h.page.locator('input[data-offset="PA-VM-2"]').press('Enter');
    const saved = await downloaded(h.page, () => h.page.locator('[data-testid="save-case"]').click());
    const before = parseCase(saved.text, saved.name);
    expect(before.clockOffsets).toEqual({ 'PA-VM-2': 0.5 });
    await h.page.getByRole('button', { name: 'Close all' }).click();
    await h.page.locator('[data-testid="case-input"]').setInputFiles({ name: saved.name, mimeType: 'application/json', buffer: saved.bytes });
    await h.page.locator('[data-testid="pending-captures"]').waitFor();
    await dropFiles(h.page, '.app', files);
    await h.page.locator('.finding[data-kind="session-moved"] [data-testid="finding-notes"]').first().waitFor({ timeout: 30_000 });
    expect(await h.page.locator('input[data-offset="PA-VM-2"]').inputValue()).toBe('0.5');
    const again = await downloaded(h.page, () => h.page.locator('[data-testid="save-case"]').click());
    const after = parseCase(again.text, again.name);
    // The captures were dropped under their first names this time: paths (and the packet note
    // that follows its capture) differ only by that; everything else is the same.
    const norm = (c: typeof before) =>
      JSON.parse(JSON.stringify({ ...c, savedAt: undefined, captures: [...c.captures].sort((x, y) => x.path.localeCompare(y.path)) }).replaceAll('copy-of-', ''));
    expect(norm(after)).toEqual(norm(before));
  });

  it('made no request outside 127.0.0.1 and logged no errors', () => {
    expect(foreignRequests(h)).toEqual([]);
    expect(h.errors).toEqual([]);
  });
});
