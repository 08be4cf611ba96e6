/**
 * 200 MB of captures (the generator's bulk traffic over two firewalls, four files) dropped on the
 * app: the time from the drop to the findings on screen, and the packets grid over every packet.
 * The target is 3 s on the reference machine; STAGEDIFF_PERF_STRICT=1 enforces it (when
 * other suites run in parallel on two cores the number is not meaningful, so the default bound is
 * loose and the measured time is printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BULK_FILES, writeBulk } from '../gen/scenarios.ts';
import { dropDiskFiles, foreignRequests, open, shot, timings, type Harness } from './browser.ts';

const BYTES = 200 * 1024 * 1024;
let h: Harness;
let dir: string;
let paths: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stagediff-e2e-bulk-'));
  paths = BULK_FILES.map((f) => join(dir, `${f.device}_${f.stage}.pcap`));
  const fds = paths.map((p) => openSync(p, 'w'));
  await writeBulk(BYTES, 'pcap-le-us', { write: (i, chunk) => void writeSync(fds[i], chunk) });
  fds.forEach((fd) => closeSync(fd));
  h = await open();
}, 120_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('200 MB of captures', () => {
  it('shows findings soon after the drop', async () => {
    const t0 = await dropDiskFiles(h.page, '[data-testid="dropzone"]', paths);
    await h.page.waitForFunction(() => {
      const s = (globalThis as unknown as { stagediffSession: { get(): { loadMs: number | null; analysis: unknown } } }).stagediffSession.get();
      return s.analysis !== null && s.loadMs !== null;
    }, null, { timeout: 60_000, polling: 20 });
    const t1 = await h.page.evaluate(() => performance.now());
    await h.page.waitForSelector('.finding, .findings-list .empty');
    const t = await timings(h.page);
    console.log(`200 MB drop to findings: ${Math.round(t1 - t0)} ms (app: ${t.loadMs} ms; indexing per file ${t.indexMs.join('/')} ms; analysis ${t.analysisMs} ms)`);
    expect(t.loadMs).toBeLessThan(process.env.STAGEDIFF_PERF_STRICT ? 3000 : 15_000);
    await shot(h.page, '10-bulk-findings');
  });

  it('lists every packet in the virtualised packets grid and scrolls to the end', async () => {
    await h.page.click('[data-tab="packets"]');
    await h.page.selectOption('select.scope', 'all');
    const grid = h.page.locator('[data-testid="packets-grid"]');
    await grid.waitFor();
    const total = Number(await grid.getAttribute('data-rows'));
    expect(total).toBeGreaterThan(100_000);
    // Only the rows on screen exist in the DOM.
    await grid.locator('.ag-row').first().waitFor();
    expect(await grid.locator('.ag-row').count()).toBeLessThan(200);
    await grid.evaluate((el) => {
      const v = el.querySelector('.ag-body-viewport, .ag-grid-viewport') as HTMLElement | null;
      if (v) v.scrollTop = v.scrollHeight;
    });
    await h.page.waitForFunction((n) => !!document.querySelector(`[data-testid="packets-grid"] .ag-row[row-index="${n - 1}"]`), total, { timeout: 15_000 });
    await shot(h.page, '11-bulk-packets-end');
    expect(foreignRequests(h)).toEqual([]);
  });
});
