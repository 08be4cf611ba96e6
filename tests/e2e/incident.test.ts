/**
 * The GWLB incident, end to end in Chromium against the built renderer: drop the eight captures,
 * see the moved session first, drill into its evidence, change a clock offset, open a packet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from '../gen/scenarios.ts';
import { dropFiles, foreignRequests, open, shot, type Harness } from './browser.ts';

let h: Harness;
const incident = generateScenario('gwlb-incident', 'pcap-le-us');

beforeAll(async () => {
  h = await open();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** Sets a device's clock offset and waits for the moved session's idle time to read `idle`. */
async function offsetTo(device: string, seconds: number, idle: string): Promise<void> {
  const input = h.page.locator(`input[data-offset="${device}"]`);
  await input.fill(String(seconds));
  await input.press('Enter');
  await h.page.waitForFunction((idle) => document.querySelector('.finding[data-kind="session-moved"] [data-testid="idle"]')?.textContent?.includes(idle), idle, { timeout: 15_000 });
}

/** The ids of the findings on screen's analysis. */
const findingIds = () => h.page.evaluate(() => (globalThis as unknown as { stagediffSession: { get(): { analysis: { findings: { id: string }[] } } } }).stagediffSession.get().analysis.findings.map((f) => f.id));

describe('a session idle 400 s moves from PA-VM-1 to PA-VM-2', () => {
  it('shows the drop zone first, with the sample incident on offer', async () => {
    await h.page.waitForSelector('[data-testid="dropzone"]');
    expect(await h.page.textContent('[data-testid="dropzone"]')).toContain('Open sample incident');
    await shot(h.page, '01-first-start');
  });

  it('dropping the captures shows the moved session first, with both firewalls and the idle time', async () => {
    const files = incident.files.map((f) => ({ name: f.fileName, bytes: f.bytes }));
    const t0 = await dropFiles(h.page, '[data-testid="dropzone"]', files);
    await h.page.waitForSelector('.finding[data-kind="session-moved"]', { timeout: 30_000 });
    const t1 = await h.page.evaluate(() => performance.now());
    const ms = t1 - t0;
    console.log(`drop to findings (gwlb-incident, ${files.length} files): ${ms.toFixed(0)} ms`);
    const first = h.page.locator('.findings-list .finding').first();
    expect(await first.getAttribute('data-kind')).toBe('session-moved');
    expect(await first.locator('[data-testid="moved-devices"]').textContent()).toMatch(/PA-VM-1\s*→\s*PA-VM-2/);
    expect(await first.locator('[data-testid="idle"]').textContent()).toContain('400 s');
    // Every file read, labelled from its name.
    for (const f of incident.files) await h.page.waitForSelector(`tr[data-capture="${f.fileName}"]`);
    expect(await h.page.locator('tr[data-capture="PA-VM-2_drop.pcap"] select').inputValue()).toBe('drop');
    await shot(h.page, '02-findings');
  });

  it('selecting it shows the dropped packets on PA-VM-2 in the timeline and the evidence grid', async () => {
    await h.page.locator('.finding[data-kind="session-moved"]').first().click();
    // Verdicts arrive a moment after the findings.
    await h.page.waitForFunction(() => /dropped=/.test(document.querySelector('[data-testid="timeline"]')?.getAttribute('data-summary') ?? ''));
    const summary = await h.page.locator('[data-testid="timeline"]').getAttribute('data-summary');
    expect(summary).toMatch(/PA-VM-2\/drop:dropped=\d+/);
    expect(summary).toMatch(/PA-VM-2\/receive:dropped=\d+/);
    expect(summary).toMatch(/PA-VM-1\/transmit:forwarded=\d+/);
    expect(summary).not.toMatch(/PA-VM-2\/transmit/);
    await h.page.click('[data-tab="evidence"]');
    const grid = h.page.locator('[data-testid="evidence-grid"]');
    await grid.locator('.ag-row').first().waitFor();
    const rows = await grid.locator('.ag-row').allTextContents();
    expect(rows.some((r) => r.includes('PA-VM-2') && r.includes('drop') && r.includes('dropped'))).toBe(true);
    expect(rows.some((r) => r.includes('PA-VM-1') && r.includes('last packet on PA-VM-1'))).toBe(true);
    await shot(h.page, '03-moved-session');
  });

  it('a clock offset on PA-VM-2 changes the idle time', async () => {
    await offsetTo('PA-VM-2', 30, '430 s');
    await offsetTo('PA-VM-2', 0, '400 s');
  });

  it('replaces an analysis worker that dies, with every capture it had', async () => {
    const before = await findingIds();
    // What the page sees when Chromium stops the worker (an uncaught error, its heap exhausted):
    // its error event. The indexes went to that worker from the index workers, not the page.
    await h.page.evaluate(() => {
      const w = (globalThis as unknown as { stagediffSession: { analysisWorker: Worker } }).stagediffSession.analysisWorker;
      w.onerror!(new ErrorEvent('error', { message: 'worker stopped' }));
    });
    expect(await h.page.getByTestId('status').textContent()).toContain('Analysis failed');
    await offsetTo('PA-VM-2', 30, '430 s');
    await offsetTo('PA-VM-2', 0, '400 s');
    expect(await findingIds()).toEqual(before);
  });

  it("opens a packet's detail: decoded layers and a hex dump", async () => {
    await h.page.click('[data-tab="evidence"]');
    const row = h.page.locator('[data-testid="evidence-grid"] .ag-row').filter({ hasText: 'dropped by PA-VM-2' }).first();
    await row.click();
    const detail = h.page.locator('[data-testid="packet-detail"]');
    await detail.locator('[data-testid="hexdump"]').waitFor({ timeout: 10_000 });
    const text = (await detail.textContent()) ?? '';
    expect(text).toContain('Generic Network Virtualization Encapsulation (GENEVE)');
    expect(text).toContain('Transmission Control Protocol');
    expect(text).toContain('geneve.aws.flow_cookie');
    await shot(h.page, '04-packet-detail');
  });

  it('lists flows with per-device columns and filters them with the quick search', async () => {
    await h.page.keyboard.press('Escape');
    await h.page.keyboard.press('/');
    await h.page.keyboard.type('198.51.100.52');
    const grid = h.page.locator('[data-testid="flows-grid"]');
    await grid.locator('.ag-row').first().waitFor();
    // One flow left (rows of pinned and scrolling columns share a row-id).
    await h.page.waitForFunction(() => new Set([...document.querySelectorAll('[data-testid="flows-grid"] .ag-row[row-id]')].map((r) => r.getAttribute('row-id'))).size === 1);
    const header = (await grid.locator('.ag-header').textContent()) ?? '';
    expect(header).toContain('PA-VM-1');
    expect(header).toContain('PA-VM-2');
    expect(header).toContain('End reason');
    await shot(h.page, '05-flows');
    await h.page.fill('[data-search]', '');
  });

  it('keeps the flows grid across tabs, and shows a new analysis when it comes back', async () => {
    const grid = h.page.locator('[data-testid="flows-grid"]');
    // The moved session's flow: its row (row ids are positions in the result's flows, which a new
    // analysis may order differently) and its client.
    const moved = () =>
      h.page.evaluate(() => {
        const a = (globalThis as unknown as { stagediffSession: { get(): { analysis: { findings: { kind: string; flowId: string }[]; result: { flows: { id: string; client: string }[] } } } } }).stagediffSession.get().analysis;
        const id = a.findings.find((f) => f.kind === 'session-moved')!.flowId;
        const i = a.result.flows.findIndex((f) => f.id === id);
        return { sel: `[data-testid="flows-grid"] .ag-row[row-id="${i}"] [col-id="duration"]`, client: a.result.flows[i].client };
      });
    const m0 = await moved();
    await h.page.fill('[data-search]', m0.client);
    await h.page.locator(m0.sel).waitFor();
    const before = await h.page.locator(m0.sel).textContent();
    await h.page.evaluate(() => ((document.querySelector('[data-testid="flows-grid"] .ag-root-wrapper') as unknown as { kept?: boolean }).kept = true));
    await h.page.click('[data-tab="evidence"]');
    expect(await grid.isVisible()).toBe(false);
    await h.page.click('[data-tab="flows"]');
    // The same grid, not one built again.
    expect(await h.page.evaluate(() => (document.querySelector('[data-testid="flows-grid"] .ag-root-wrapper') as unknown as { kept?: boolean }).kept)).toBe(true);
    // A new analysis while the grid is hidden (PA-VM-2's clock 30 s later: the session ends 30 s later).
    await h.page.click('[data-tab="evidence"]');
    await offsetTo('PA-VM-2', 30, '430 s');
    await h.page.click('[data-tab="flows"]');
    const m1 = await moved();
    await h.page.locator(m1.sel).waitFor();
    const after = await h.page.locator(m1.sel).textContent();
    console.log(`moved session's duration: ${before} -> ${after}`);
    expect(after).not.toBe(before);
    await offsetTo('PA-VM-2', 0, '400 s');
    const m2 = await moved();
    await h.page.waitForFunction(({ sel, before }) => document.querySelector(sel)?.textContent === before, { sel: m2.sel, before }, { timeout: 15_000 });
    await h.page.fill('[data-search]', '');
  });

  it('lists all packets in the order of the current analysis, after a change made on another tab', async () => {
    const first = h.page.locator('[data-testid="packets-grid"] .ag-row[row-index="0"]');
    await h.page.click('[data-tab="packets"]');
    await h.page.selectOption('select.scope', 'all');
    await h.page.waitForFunction(() => document.querySelector('[data-testid="packets-grid"] .ag-row[row-index="0"][row-id]'));
    expect(await first.textContent()).toContain('PA-VM-1');
    // PA-VM-1's clock 1000 s later: PA-VM-2's packets come first (its first is 0.37 s after PA-VM-1's).
    await h.page.click('[data-tab="evidence"]');
    const input = h.page.locator('input[data-offset="PA-VM-1"]');
    const offsetIs = (v: number) =>
      h.page.waitForFunction((v) => ((globalThis as unknown as { stagediffSession: { get(): { analysis: { result: { clockOffsets: Record<string, number> } } } } }).stagediffSession.get().analysis.result.clockOffsets['PA-VM-1'] ?? 0) === v, v, { timeout: 15_000 });
    await input.fill('1000');
    await input.press('Enter');
    await offsetIs(1000);
    await h.page.click('[data-tab="packets"]');
    await h.page.waitForFunction(() => document.querySelector('[data-testid="packets-grid"] .ag-row[row-index="0"][row-id]')?.textContent?.includes('PA-VM-2'), null, { timeout: 15_000 });
    await h.page.click('[data-tab="evidence"]');
    await input.fill('0');
    await input.press('Enter');
    await offsetIs(0);
    await h.page.click('[data-tab="packets"]');
    await h.page.waitForFunction(() => document.querySelector('[data-testid="packets-grid"] .ag-row[row-index="0"][row-id]')?.textContent?.includes('PA-VM-1'), null, { timeout: 15_000 });
    await h.page.selectOption('select.scope', 'flow');
    await h.page.click('[data-tab="evidence"]');
    // The moved session was selected before (the analysis at +1000 s had no such finding).
    await h.page.locator('.finding[data-kind="session-moved"]').first().click();
  });

  it('keyboard: j/k move between findings', async () => {
    await h.page.locator('.findings-list').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
    await h.page.keyboard.press('Escape');
    const before = await h.page.locator('.finding.selected').getAttribute('data-finding');
    await h.page.keyboard.press('j');
    const after = await h.page.locator('.finding.selected').getAttribute('data-finding');
    expect(after).not.toBe(before);
    await h.page.keyboard.press('k');
    expect(await h.page.locator('.finding.selected').getAttribute('data-finding')).toBe(before);
  });

  it('light theme and local time render too', async () => {
    await h.page.locator('.packets, [data-tab="packets"]').first().click();
    await h.page.locator('button[title^="Switch to light"]').click();
    await h.page.getByRole('radio', { name: 'Local' }).first().click();
    await shot(h.page, '06-light-packets');
    await h.page.locator('button[title^="Switch to dark"]').click();
    await h.page.getByRole('radio', { name: 'UTC' }).first().click();
  });

  it('made no network request outside 127.0.0.1 and logged no errors', () => {
    expect(h.requests.length).toBeGreaterThan(0);
    expect(foreignRequests(h)).toEqual([]);
    expect(h.errors).toEqual([]);
  });
});
