/**
 * A capture of many short flows (3,000 SYN + SYN-ACK pairs: an incomplete-handshake finding each)
 * in the app: the findings panel draws a window of each big group, not an element per finding
 * (250,000 of them stalled the page for close to a minute), and the window follows the selection.
 * 120,000 such flows take long enough to analyse that the status bar counts the flows done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../robustness/limits-harness.ts';
import { dropDiskFiles, open, shot, type Harness } from './browser.ts';

const FLOWS = 3000;
const BIG = 120_000;
/** One flow past the most the app analyses (APP_MAX_FLOWS in renderer/src/engine/analysis.worker.ts). */
const TOO_MANY = 500_001;
let h: Harness;
let dir: string;
let path: string;
let big: string;
let huge: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stagediff-e2e-findings-'));
  path = join(dir, 'scan.pcap');
  expect(generate('many-flows', FLOWS, path).flows).toBe(FLOWS);
  big = join(dir, 'flood.pcap');
  expect(generate('many-flows', BIG, big).flows).toBe(BIG);
  huge = join(dir, 'huge.pcap');
  expect(generate('many-flows', TOO_MANY, huge).flows).toBe(TOO_MANY);
  h = await open();
}, 120_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Session = { get(): { selectedFindingId: string | null; analysis: { findings: { id: string; kind: string }[] } | null }; selectFinding(id: string): void };

describe('thousands of findings of one kind', () => {
  it('draws a window of the group with buttons for the rest', async () => {
    await dropDiskFiles(h.page, '[data-testid="dropzone"]', [path]);
    const group = h.page.locator('.fgroup').filter({ hasText: 'Incomplete handshake' });
    await group.waitFor({ timeout: 60_000 });
    expect(await group.locator('.fgroup-count').textContent()).toBe(String(FLOWS));
    // The first finding is selected on load, so its group is open: the first 100 are drawn.
    await group.locator('.finding.selected').waitFor();
    expect(await group.locator('.finding').count()).toBe(100);
    expect(await group.getByTestId('findings-earlier').count()).toBe(0);
    expect(await group.getByTestId('findings-more').textContent()).toBe('Show 100 more (2,900 after these)');
    await shot(h.page, 'many-findings-window');

    await group.getByTestId('findings-more').click();
    await h.page.waitForFunction(() => document.querySelectorAll('.fgroup .finding').length === 200);
    expect(await group.getByTestId('findings-more').textContent()).toBe('Show 100 more (2,800 after these)');
  });

  it('moves the window to a finding selected outside it, and back', async () => {
    const group = h.page.locator('.fgroup').filter({ hasText: 'Incomplete handshake' });
    const ids = await h.page.evaluate(() => (globalThis as unknown as { stagediffSession: Session }).stagediffSession.get().analysis!.findings.filter((f) => f.kind === 'incomplete-handshake').map((f) => f.id));
    expect(ids).toHaveLength(FLOWS);
    const far = ids[2500];
    await h.page.evaluate((id) => (globalThis as unknown as { stagediffSession: Session }).stagediffSession.selectFinding(id), far);
    await group.locator(`.finding.selected[data-finding="${far}"]`).waitFor();
    expect(await group.locator('.finding').count()).toBe(100);
    expect(await group.locator('.finding').first().getAttribute('data-finding')).toBe(ids[2490]);
    expect(await group.getByTestId('findings-earlier').textContent()).toBe('Show 100 earlier (2,490 before these)');
    expect(await group.getByTestId('findings-more').textContent()).toBe('Show 100 more (410 after these)');

    // j steps to the next finding, inside the window: it stays where it is.
    await h.page.locator('body').press('j');
    await group.locator(`.finding.selected[data-finding="${ids[2501]}"]`).waitFor();
    expect(await group.locator('.finding').first().getAttribute('data-finding')).toBe(ids[2490]);

    await group.getByTestId('findings-earlier').click();
    await h.page.waitForFunction(() => document.querySelectorAll('.fgroup .finding').length === 200);
    expect(await group.locator('.finding').first().getAttribute('data-finding')).toBe(ids[2390]);

    await h.page.evaluate((id) => (globalThis as unknown as { stagediffSession: Session }).stagediffSession.selectFinding(id), ids[0]);
    await group.locator(`.finding.selected[data-finding="${ids[0]}"]`).waitFor();
    expect(await group.locator('.finding').count()).toBe(100);
  });

  it('reports how many flows are analysed while a long analysis runs', async () => {
    await h.page.click('text=Close all');
    await h.page.locator('[data-testid="dropzone"]').waitFor();
    // Every status text while it runs (sampled each animation frame).
    await h.page.evaluate(() => {
      const w = window as unknown as { seen: string[] };
      w.seen = [];
      const look = () => {
        const t = document.querySelector('[data-testid="status"]')?.textContent ?? '';
        if (w.seen[w.seen.length - 1] !== t) w.seen.push(t);
        requestAnimationFrame(look);
      };
      look();
    });
    await dropDiskFiles(h.page, '[data-testid="dropzone"]', [big]);
    await h.page.locator('.fgroup-count').filter({ hasText: String(BIG) }).waitFor({ timeout: 120_000 });
    const seen = await h.page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    const done = seen.map((t) => /^Analysing… ([\d,]+) of 120,000 flows/.exec(t)?.[1]).filter((x): x is string => !!x).map((x) => Number(x.replace(/,/g, '')));
    console.log(`progress seen: ${done.join(', ')}`);
    expect(done.length, seen.join(' | ')).toBeGreaterThan(0);
    expect(done).toEqual([...done].sort((x, y) => x - y));
    expect(done.every((n) => n > 0 && n <= BIG)).toBe(true);
  }, 180_000);

  it('filters 120,000 flows once typing pauses, to the flows the search names', async () => {
    await h.page.click('[data-tab="flows"]');
    await h.page.locator('[data-testid="flows-grid"] .ag-row').first().waitFor();
    const text = '10.0.0.1:1030';
    const want = await h.page.evaluate(
      (text) =>
        (globalThis as unknown as { stagediffSession: { get(): { analysis: { result: { flows: { id: string; client: string; server: string }[] } } } } }).stagediffSession
          .get()
          .analysis.result.flows.filter((f) => `${f.client} ${f.server}`.includes(text))
          .map((f) => f.id)
          .sort(),
      text,
    );
    expect(want.length).toBeGreaterThan(1);
    expect(want.length).toBeLessThan(15);
    await h.page.locator('[data-search]').click();
    await h.page.keyboard.type(text, { delay: 30 });
    // The flow id cell of each row drawn (the id column is pinned: one cell per row).
    const cells = '[data-testid="flows-grid"] .ag-row [col-id="id"]';
    await h.page.waitForFunction(({ cells, n }) => document.querySelectorAll(cells).length === n, { cells, n: want.length }, { timeout: 30_000 });
    const ids = await h.page.$$eval(cells, (es) => es.map((e) => e.textContent ?? '').sort());
    expect(ids).toEqual(want);
    await h.page.fill('[data-search]', '');
  }, 60_000);

  it('says at once, with the count and what to do, when there are more flows than it can hold', async () => {
    await h.page.click('text=Close all');
    await h.page.locator('[data-testid="dropzone"]').waitFor();
    const t0 = Date.now();
    await dropDiskFiles(h.page, '[data-testid="dropzone"]', [huge]);
    const err = h.page.getByTestId('analysis-error');
    await err.waitFor({ timeout: 120_000 });
    console.log(`refused ${TOO_MANY} flows after ${Date.now() - t0} ms`);
    expect(await err.textContent()).toContain('These captures hold 500,001 flows: more than the app can analyse and show at once (at most 500,000');
    expect(await err.textContent()).toContain('stagediff analyze --json');
    expect(await h.page.getByTestId('status').textContent()).toContain('Analysis failed');
    // Without an analysis the capture board still gives the file's times, from its index (the
    // harness's capture starts at 1,700,000,000 s: 2023-11-14 22:13:20 UTC).
    expect(await h.page.locator('[data-capture="huge.pcap"] td.mono').textContent()).toMatch(/^2023-11-14 22:13:20\.000 – 22:\d\d:\d\d\.\d{3}$/);
    await shot(h.page, 'too-many-flows');
  }, 180_000);
});
