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
import { dropDiskFiles, exportAs, foreignRequests, open, shot, timings, type Harness } from './browser.ts';

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
    // The page is cross-origin isolated (main/web-policy.mjs), so the indexes are made in shared
    // memory: the page, the analysis worker and the export workers read one copy.
    expect(
      await h.page.evaluate(() => {
        const s = (globalThis as unknown as { stagediffSession: { get(): { captures: { ix?: { tNs: Float64Array; groupT: Float64Array } }[] } } }).stagediffSession.get();
        return [crossOriginIsolated, s.captures.every((c) => c.ix!.tNs.buffer instanceof SharedArrayBuffer && c.ix!.groupT.buffer instanceof SharedArrayBuffer)];
      }),
    ).toEqual([true, true]);
    // Four files make a status too long for the bar at this width: it ends in an ellipsis, and its
    // tooltip has all of it.
    const status = h.page.getByTestId('status');
    expect(await status.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(await status.getAttribute('title')).toMatch(/^4 files · 209\.\d MB · 221,286 packets · 3,749 flows · drop to findings \d+\.\d\d s/);
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

  it('loads the blocks next to the rows on screen before they scroll into view', async () => {
    // Settle at 20 %, then scroll down and up 100 px a frame: each row the grid adds must already
    // have its data (AG Grid gives a loaded row its id); a row drawn before its block loads is
    // drawn a second time when the block arrives.
    const vp = '[data-testid="packets-grid"] .ag-body-viewport, [data-testid="packets-grid"] .ag-grid-viewport';
    await h.page.evaluate((vp) => {
      const v = document.querySelector(vp) as HTMLElement;
      v.scrollTop = Math.floor(0.2 * (v.scrollHeight - v.clientHeight));
    }, vp);
    // (The previous test left the grid at its end: wait for the rows at 20 %, all loaded.)
    await h.page.waitForFunction(() => {
      const grid = document.querySelector('[data-testid="packets-grid"]')!;
      const rows = [...grid.querySelectorAll('.ag-row')];
      return rows.length > 5 && rows.every((e) => e.hasAttribute('row-id') && Number(e.getAttribute('row-index')) < 0.3 * Number(grid.getAttribute('data-rows')));
    });
    // A first step down, as a user starts scrolling: the blocks ahead are asked for from here.
    await h.page.evaluate((vp) => void ((document.querySelector(vp) as HTMLElement).scrollTop += 100), vp);
    await h.page.waitForTimeout(500);
    const added = (await h.page.evaluate(
      (vp) =>
        new Promise((resolve) => {
          const v = document.querySelector(vp) as HTMLElement;
          const seen: { index: number; loaded: boolean }[] = [];
          const mo = new MutationObserver((ms) => {
            for (const m of ms)
              for (const n of m.addedNodes)
                if (n instanceof HTMLElement && n.classList.contains('ag-row')) seen.push({ index: Number(n.getAttribute('row-index')), loaded: n.hasAttribute('row-id') });
          });
          mo.observe(v, { childList: true, subtree: true });
          let i = 0;
          const step = () => {
            v.scrollTop += i < 60 ? 100 : -100;
            if (++i < 120) requestAnimationFrame(step);
            else {
              mo.disconnect();
              resolve(seen);
            }
          };
          requestAnimationFrame(step);
        }),
      vp,
    )) as { index: number; loaded: boolean }[];
    expect(added.length).toBeGreaterThan(100);
    expect(added.filter((r) => !r.loaded).map((r) => r.index)).toEqual([]);
  });

  it('draws rows before their block loads as they are once loaded, sorted too, and selects them on a click', async () => {
    type Row = { index: number; loaded: boolean; text: string; selected: boolean };
    type Probe = { rows(): Row[]; jump(frac: number, then: () => unknown): Promise<unknown> };
    // In the page: the grid's rows (loaded = their block has loaded: AG Grid gives them a row id),
    // and a scrollbar jump whose `then` runs right after the grid's own scroll handler drew the rows.
    await h.page.evaluate(() => {
      const probe: Probe = {
        rows: () =>
          [...document.querySelectorAll('[data-testid="packets-grid"] .ag-row')]
            .map((e) => ({ index: Number(e.getAttribute('row-index')), loaded: e.hasAttribute('row-id'), text: e.textContent ?? '', selected: e.classList.contains('row-selected') }))
            .sort((x, y) => x.index - y.index),
        jump: (frac, then) =>
          new Promise((resolve) => {
            const v = document.querySelector('[data-testid="packets-grid"] .ag-body-viewport, [data-testid="packets-grid"] .ag-grid-viewport') as HTMLElement;
            v.addEventListener('scroll', () => resolve(then()), { once: true });
            v.scrollTop = Math.floor(frac * (v.scrollHeight - v.clientHeight));
          }),
      };
      (window as unknown as { probe: Probe }).probe = probe;
    });
    const jump = (frac: number) => h.page.evaluate((frac) => { const p = (window as unknown as { probe: Probe }).probe; return p.jump(frac, () => p.rows()); }, frac) as Promise<Row[]>;
    const settled = async () => {
      await h.page.waitForFunction(() => (window as unknown as { probe: Probe }).probe.rows().every((r) => r.loaded));
      return h.page.evaluate(() => (window as unknown as { probe: Probe }).probe.rows());
    };
    const same = (early: Row[], late: Row[]) => {
      expect(early.some((r) => !r.loaded)).toBe(true);
      const byIndex = new Map(late.map((r) => [r.index, r.text]));
      for (const r of early) {
        expect(r.text).toMatch(/PA-VM-\d/);
        if (byIndex.has(r.index)) expect(r.text).toBe(byIndex.get(r.index));
      }
    };

    const early = await jump(0.37);
    same(early, await settled());

    // Sorted by length: drawn in that order at once.
    await h.page.click('[data-testid="packets-grid"] .ag-header-cell[col-id="len"] .ag-header-cell-label');
    await h.page.waitForSelector('[data-testid="packets-grid"] .ag-header-cell[col-id="len"][aria-sort="ascending"]');
    const sorted = await jump(0.61);
    same(sorted, await settled());
    const lens = await h.page.$$eval('[data-testid="packets-grid"] .ag-row', (es) =>
      es.map((e) => [Number(e.getAttribute('row-index')), Number(e.querySelector('[col-id="len"]')?.textContent)] as const).sort((x, y) => x[0] - y[0]).map((x) => x[1]),
    );
    expect(lens.length).toBeGreaterThan(5);
    expect(lens).toEqual([...lens].sort((x, y) => x - y));

    // A click on a row whose block has not loaded yet selects its packet.
    const clicked = (await h.page.evaluate(() =>
      (window as unknown as { probe: Probe }).probe.jump(0.83, () => {
        const row = document.querySelectorAll<HTMLElement>('[data-testid="packets-grid"] .ag-row')[3];
        const cell = (id: string) => row.querySelector(`[col-id="${id}"]`)?.textContent ?? '';
        const r = { loaded: row.hasAttribute('row-id'), index: Number(row.getAttribute('row-index')), device: cell('device'), stage: cell('stage'), frame: cell('frame') };
        row.querySelector<HTMLElement>('[col-id="frame"]')!.click();
        return r;
      }),
    )) as { loaded: boolean; index: number; device: string; stage: string; frame: string };
    expect(clicked.loaded).toBe(false);
    await h.page.locator('[data-testid="packet-detail"]').getByText(`${clicked.device} · ${clicked.stage} · frame ${clicked.frame}`).waitFor();
    await h.page.waitForSelector(`[data-testid="packets-grid"] .ag-row.row-selected[row-index="${clicked.index}"]`);
    expect((await settled()).filter((r) => r.selected).map((r) => r.index)).toEqual([clicked.index]);
  });

  it('fills rows that come back from the scroll with their own packet, note and verdict', async () => {
    // Rows that leave the screen are filled again for the rows that come in (RowLayout's pool):
    // nothing of the packet they showed before may stay behind.
    type Seen = { index: number; frame: string; device: string; notes: number; addTitles: string[]; verdicts: [string, string][] };
    const look = (frac: number) =>
      h.page.evaluate(
        (frac) =>
          new Promise<Seen[]>((resolve) => {
            const v = document.querySelector('[data-testid="packets-grid"] .ag-body-viewport, [data-testid="packets-grid"] .ag-grid-viewport') as HTMLElement;
            v.addEventListener(
              'scroll',
              () =>
                resolve(
                  [...document.querySelectorAll('[data-testid="packets-grid"] .ag-row')].map((row) => ({
                    index: Number(row.getAttribute('row-index')),
                    frame: row.querySelector('[col-id="frame"]')?.textContent ?? '',
                    device: row.querySelector('[col-id="device"]')?.textContent ?? '',
                    notes: row.querySelectorAll('[data-testid="packet-note"]').length,
                    addTitles: [...row.querySelectorAll('.note-add')].map((e) => e.getAttribute('title') ?? ''),
                    verdicts: [...row.querySelectorAll('[col-id="verdict"] span')].map((e) => [e.className, e.textContent ?? ''] as [string, string]),
                  })),
                ),
              { once: true },
            );
            v.scrollTop = Math.floor(frac * (v.scrollHeight - v.clientHeight));
          }),
        frac,
      );
    await look(0.2);
    await look(0);
    const target = h.page.locator('[data-testid="packets-grid"] .ag-row[row-index="2"]');
    const frame = await target.locator('[col-id="frame"]').textContent();
    const device = await target.locator('[col-id="device"]').textContent();
    await target.locator('[col-id="usernotes"]').click();
    await h.page.locator('[data-testid="note-text"]').fill('seen on the way back');
    await h.page.keyboard.press('Control+Enter');
    await h.page.locator('[data-testid="packets-grid"] .ag-row[row-index="2"] [data-testid="packet-note"]').waitFor();

    const check = (rows: Seen[]) => {
      expect(rows.length).toBeGreaterThan(5);
      for (const r of rows) {
        const noted = r.frame === frame && r.device === device;
        expect(r.notes).toBe(noted ? 1 : 0);
        expect(r.addTitles).toEqual(noted ? [] : ['Add a note on this packet']);
        expect(r.verdicts).toHaveLength(1);
        const [cls, text] = r.verdicts[0];
        expect(cls).toBe(text === '—' ? 'muted' : `verdict v-${text.replace(/\s+/g, '-')}`);
      }
      return rows;
    };
    for (const frac of [0.55, 0.9, 0.31, 0.31001, 1]) {
      const rows = check(await look(frac));
      // (AG Grid keeps the clicked row drawn too, off screen: it holds the focus.)
      expect(rows.filter((r) => r.index > 1000).length).toBeGreaterThan(5);
    }
    // Back at the top: the noted packet has its badge again, on its own row only.
    const top = check(await look(0));
    expect(top.filter((r) => r.notes).map((r) => r.index)).toEqual([2]);
  });

  it('exports every packet as CSV and as a merged pcapng, sent to the page in pieces', async () => {
    const packets = 221_286;
    // ~33 MB of CSV and ~210 MB of pcapng: several 8 MiB pieces each (ExportReply 'part').
    const csv = await exportAs(h.page, 'packets-csv', 120_000);
    expect(csv.bytes.length).toBeGreaterThan(20 * 1024 * 1024);
    const lines = csv.text.split('\n').filter((l) => l.length > 0);
    expect(lines.length).toBe(packets + 1);
    expect(lines[0]).toMatch(/^stagediff\.capture,stagediff\.device,/);
    expect(lines.slice(1).every((l) => /^PA-VM-[12]_(receive|transmit)\.pcap,PA-VM-[12],/.test(l))).toBe(true);
    const merged = await exportAs(h.page, 'pcapng', 120_000);
    // Walk the blocks: one Enhanced Packet Block (type 6) a packet, every block whole.
    const b = merged.bytes;
    let epb = 0;
    let o = 0;
    while (o + 12 <= b.length) {
      const type = b.readUInt32LE(o);
      const len = b.readUInt32LE(o + 4);
      expect(len % 4).toBe(0);
      expect(b.readUInt32LE(o + len - 4)).toBe(len);
      if (type === 6) epb++;
      o += len;
    }
    expect(o).toBe(b.length);
    expect(epb).toBe(packets);
  }, 240_000);
});
