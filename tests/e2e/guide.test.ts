/**
 * The built-in guide, end to end in Chromium against the built renderer (the browser fallback):
 * the "?" button opens the guide, its link opens the sample incident, and the moved session is
 * the first finding. Nothing leaves 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foreignRequests, open, shot, type Harness } from './browser.ts';

let h: Harness;

beforeAll(async () => {
  h = await open();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('the user guide', () => {
  it('opens from the top bar and shows the capture how-to, the findings and the CLI reference', async () => {
    await h.page.waitForSelector('[data-testid="dropzone"]');
    await h.page.click('[data-testid="guide-button"]');
    const guide = h.page.locator('[data-testid="guide"]');
    await guide.locator('.guide-article h1').waitFor();
    const text = (await guide.textContent()) ?? '';
    expect(text).toContain('debug dataplane packet-diag set capture stage receive file');
    expect(text).toContain('scp export filter-pcap');
    expect(text).toContain('tcp.idle_timeout.seconds');
    expect(text).toContain('session-moved');
    expect(text).toContain('stagediff analyze');
    // Raw HTML never reaches the page; remote links are text.
    expect(await guide.locator('.guide-article script, .guide-article img, .guide-article iframe').count()).toBe(0);
    const hrefs = await guide.locator('.guide-article a').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.every((u) => u === '#' || u.startsWith('#'))).toBe(true);
    await shot(h.page, 'guide-01-open');
    // The table of contents scrolls the guide to a section.
    await guide.locator('.guide-toc a', { hasText: 'What the findings mean' }).click();
    await h.page.waitForFunction(() => {
      const el = document.getElementById('3-what-the-findings-mean-and-how-to-fix-them');
      const body = document.querySelector('.guide-body');
      return !!el && !!body && Math.abs(el.getBoundingClientRect().top - body.getBoundingClientRect().top) < 60;
    });
    await shot(h.page, 'guide-02-findings-section');
  });

  it('its link opens the sample incident, with the moved session first', async () => {
    await h.page.locator('[data-testid="guide"] a.app-link[data-command="open-sample"]').first().click();
    await h.page.waitForSelector('[data-testid="guide"]', { state: 'detached' });
    await h.page.waitForSelector('.finding[data-kind="session-moved"]', { timeout: 30_000 });
    const first = h.page.locator('.findings-list .finding').first();
    expect(await first.getAttribute('data-kind')).toBe('session-moved');
    expect(await first.locator('[data-testid="moved-devices"]').textContent()).toMatch(/PA-VM-1\s*→\s*PA-VM-2/);
    expect(await first.locator('[data-testid="idle"]').textContent()).toContain('400 s');
    await shot(h.page, 'guide-03-sample-incident');
  });

  it('Escape closes the guide, and the app made no request beyond 127.0.0.1', async () => {
    await h.page.click('[data-testid="guide-button"]');
    await h.page.waitForSelector('[data-testid="guide"]');
    await h.page.keyboard.press('Escape');
    await h.page.waitForSelector('[data-testid="guide"]', { state: 'detached' });
    expect(foreignRequests(h)).toEqual([]);
    expect(h.errors).toEqual([]);
  });
});
