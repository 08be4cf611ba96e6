import { it } from 'vitest';
import { readdirSync } from 'node:fs';
import { dropDiskFiles, open, timings } from './browser.ts';
it('dbg', async () => {
  const h = await open();
  for (const dir of ['/tmp/inc', '/tmp/sd-bulk']) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.pcap')).map((f) => `${dir}/${f}`);
    const t0 = await dropDiskFiles(h.page, dir === '/tmp/inc' ? '[data-testid="dropzone"]' : '.app', files);
    await h.page.waitForFunction(() => { const s = (globalThis as any).stagediffSession.get(); return s.analysis && !s.analyzing && s.captures.every((c: any) => c.status === 'done') && s.loadMs !== null; }, null, { timeout: 60000, polling: 50 });
    const t1 = await h.page.evaluate(() => performance.now());
    console.log(dir, 'drop->result', Math.round(t1 - t0), JSON.stringify(await timings(h.page)), JSON.stringify(await h.page.evaluate((t0) => (globalThis as any).stagediffSession.marks.map((m: any) => `${m.name}@${Math.round(m.t - t0)}`), t0)));
    await h.page.evaluate(() => (globalThis as any).stagediffSession.marks.splice(0));
    await h.page.evaluate(() => (globalThis as any).stagediffSession.clear());
  }
  await h.close();
}, 120000);
