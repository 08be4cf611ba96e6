/**
 * PDF of the HTML report and PNG of the timeline SVG, through headless Chromium (playwright-core
 * driving Debian's /usr/bin/chromium, or CHROMIUM_PATH). Offline: every request that is not
 * data: or about: is aborted, so a report can never reach the network while it renders.
 */
import type { Browser, BrowserContext } from 'playwright-core';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export class ChromiumMissing extends Error {}

async function launch(): Promise<Browser> {
  // Loaded at run time, not bundled: playwright-core carries files of its own.
  const name = 'playwright-core';
  let pw: typeof import('playwright-core');
  try {
    pw = (await import(/* @vite-ignore */ name)) as typeof import('playwright-core');
  } catch (e) {
    throw new ChromiumMissing(`PDF and PNG exports need the playwright-core package: ${(e as Error).message}`);
  }
  try {
    return await pw.chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  } catch (e) {
    throw new ChromiumMissing(
      `PDF and PNG exports need Chromium at ${chromiumPath()} (set CHROMIUM_PATH, or apt-get install chromium): ${(e as Error).message.split('\n')[0]}`,
    );
  }
}

/** A page with the network blocked; `blocked` collects every URL that was refused. */
export async function offlineContext(browser: Browser, opts: { deviceScaleFactor?: number } = {}): Promise<{ context: BrowserContext; blocked: string[] }> {
  const context = await browser.newContext({ offline: true, javaScriptEnabled: false, serviceWorkers: 'block', deviceScaleFactor: opts.deviceScaleFactor ?? 1 });
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || url.startsWith('about:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  return { context, blocked };
}

export async function withOfflinePage<T>(
  fn: (page: import('playwright-core').Page, blocked: string[]) => Promise<T>,
  opts: { deviceScaleFactor?: number } = {},
): Promise<T> {
  const browser = await launch();
  try {
    const { context, blocked } = await offlineContext(browser, opts);
    const page = await context.newPage();
    return await fn(page, blocked);
  } finally {
    await browser.close();
  }
}

/** The report HTML printed to PDF (A4, backgrounds on). */
export async function htmlToPdf(html: string): Promise<Uint8Array> {
  return withOfflinePage(async (page) => {
    await page.setContent(html, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' } });
    return new Uint8Array(pdf);
  });
}

/** An SVG document rendered to PNG at its own size (times `scale` for sharpness). */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const w = Number(/<svg[^>]*\swidth="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 960);
  const h = Number(/<svg[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 400);
  return withOfflinePage(async (page) => {
    await page.setViewportSize({ width: Math.ceil(w), height: Math.ceil(h) });
    const body = svg.replace(/^<\?xml[^>]*>\s*/, '');
    await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;padding:0;background:#fff}svg{display:block}</style></head><body>${body}</body></html>`, { waitUntil: 'load' });
    const el = await page.$('svg');
    const png = el ? await el.screenshot({ type: 'png', scale: 'device' }) : await page.screenshot({ type: 'png' });
    return new Uint8Array(png);
  }, { deviceScaleFactor: scale });
}
