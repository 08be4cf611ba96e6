/**
 * End-to-end support: the built renderer served on 127.0.0.1 by scripts/serve.mjs, headless Debian
 * Chromium driven by playwright-core, every request recorded (the app must never leave 127.0.0.1),
 * and a real drop: a DragEvent whose DataTransfer carries File objects built in the page.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Download, type Page } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const ROOT = join(import.meta.dirname, '..', '..');
export const RESULTS = join(ROOT, 'test-results');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Harness {
  browser: Browser;
  page: Page;
  url: string;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors and page errors. */
  errors: string[];
  close(): Promise<void>;
}

export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  }
  mkdirSync(RESULTS, { recursive: true });
}

export async function open(viewport = { width: 1600, height: 980 }): Promise<Harness> {
  ensureBuilt();
  const server = await startServer({ port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme: 'dark' });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  // Workers' requests too (they are part of the page's network activity).
  context.on('request', (r) => {
    if (!requests.includes(r.url())) requests.push(r.url());
  });
  await page.goto(server.url);
  return {
    browser,
    page,
    url: server.url,
    requests,
    errors,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/** Requests that went anywhere but the local server (blob:/data: are local by construction). */
export function foreignRequests(h: Harness): string[] {
  return h.requests.filter((u) => !u.startsWith(h.url) && !u.startsWith('blob:') && !u.startsWith('data:'));
}

/**
 * Drops files on the element matching selector with a real DragEvent sequence (dragenter,
 * dragover, drop) whose DataTransfer holds File objects made in the page from the given bytes.
 * Returns performance.now() in the page just before the drop.
 */
export async function dropFiles(page: Page, selector: string, files: { name: string; bytes: Uint8Array }[]): Promise<number> {
  const payload = files.map((f) => ({ name: f.name, b64: Buffer.from(f.bytes).toString('base64') }));
  return page.evaluate(
    ({ selector, payload }) => {
      const target = document.querySelector(selector);
      if (!target) throw new Error(`no drop target ${selector}`);
      const dt = new DataTransfer();
      for (const f of payload) {
        const bin = atob(f.b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        dt.items.add(new File([bytes], f.name, { type: 'application/vnd.tcpdump.pcap' }));
      }
      const fire = (type: string) => target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      fire('dragenter');
      fire('dragover');
      const t0 = performance.now();
      fire('drop');
      return t0;
    },
    { selector, payload },
  );
}

export async function shot(page: Page, name: string): Promise<string> {
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Drops files from disk: playwright puts them in a detached <input type=file> (File objects backed
 * by the files, no copy through the test process), then the same DataTransfer drop as dropFiles.
 * For large captures. Returns performance.now() in the page just before the drop.
 */
export async function dropDiskFiles(page: Page, selector: string, paths: string[]): Promise<number> {
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.id = 'e2e-disk-files';
    input.style.display = 'none';
    document.body.appendChild(input);
  });
  await page.setInputFiles('#e2e-disk-files', paths);
  return page.evaluate((selector) => {
    const input = document.getElementById('e2e-disk-files') as HTMLInputElement;
    const target = document.querySelector(selector);
    if (!target) throw new Error(`no drop target ${selector}`);
    const dt = new DataTransfer();
    for (const f of input.files ?? []) dt.items.add(f);
    input.remove();
    const fire = (type: string) => target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    fire('dragenter');
    fire('dragover');
    const t0 = performance.now();
    fire('drop');
    return t0;
  }, selector);
}

/** Timings the app recorded: per-file indexing, the analysis step, drop to findings. */
export async function timings(page: Page): Promise<{ indexMs: number[]; analysisMs: number; loadMs: number }> {
  return page.evaluate(() => {
    const s = (globalThis as unknown as { stagediffSession: { get(): { captures: { indexMs?: number }[]; analysis: { ms: number } | null; loadMs: number | null } } }).stagediffSession.get();
    return { indexMs: s.captures.map((c) => Math.round(c.indexMs ?? -1)), analysisMs: Math.round(s.analysis?.ms ?? -1), loadMs: Math.round(s.loadMs ?? -1) };
  });
}

/** The file the page downloads when `trigger` runs: its name, bytes and text. */
export async function downloaded(page: Page, trigger: () => Promise<void>, timeout = 20_000): Promise<{ name: string; text: string; bytes: Buffer; path: string }> {
  const [d] = (await Promise.all([page.waitForEvent('download', { timeout }), trigger()])) as [Download, void];
  const path = (await d.path())!;
  const bytes = readFileSync(path);
  return { name: d.suggestedFilename(), text: bytes.toString('utf8'), bytes, path };
}

/** An export from the top bar's Export menu (`kind`: its data-export), downloaded. */
export async function exportAs(page: Page, kind: string, timeout = 20_000): Promise<{ name: string; text: string; bytes: Buffer; path: string }> {
  return downloaded(
    page,
    async () => {
      await page.getByRole('button', { name: /^Export/ }).click();
      await page.locator(`[data-export="${kind}"]`).click();
    },
    timeout,
  );
}
