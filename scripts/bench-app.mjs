#!/usr/bin/env node
// `npm run bench:app`: the app's speed, measured from the outside with playwright-core and
// Debian's Chromium against the built renderer (served by scripts/serve.mjs on 127.0.0.1), on the
// same generated GWLB capture sets as `npm run bench` (tests/gen/cli.ts bulk, into bench-data/).
//
//   node scripts/bench-app.mjs [--sizes 200M,1G] [--grid-size 1G] [--scroll-secs 4] [--zoom-secs 6]
//                              [--data DIR] [--out FILE] [--headed]
//
// For each size, in a fresh browser: the files are given to the app's own <input type=file>
// (page.setInputFiles with paths on disk: Chromium reads them from disk, nothing is copied through
// the protocol), then
//   load      drop (the input's change event) to findings on screen, and the progress text of the
//             capture board sampled every 200 ms while indexing (live progress = it keeps changing);
//   grid      (the --grid-size set) the packets grid on "All packets", scrolled continuously:
//             requestAnimationFrame deltas and PerformanceObserver long-animation-frame / longtask
//             entries, for scrollTop steps of 100 px and 3000 px a frame, random jumps (scrollbar
//             drags), and real mouse wheel input (page.mouse.wheel);
//   timeline  "all packets" on, wheel zoom in and out (one WheelEvent a frame on the canvas,
//             at most ~5x in so that most marks stay visible): rAF callbacks and canvas redraws a
//             second (redraws counted by wrapping CanvasRenderingContext2D.setTransform, which the
//             timeline calls once a draw).
// Results: DATA/bench-app-results.json and a table.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { captureSet, cliArgs, log, parseSize, root, sizeLabel } from './bench-sets.mjs';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';

const { flag, opt } = cliArgs();
const sizes = opt('sizes', '200M,1G').split(',').map(parseSize);
const gridSize = parseSize(opt('grid-size', sizeLabel(Math.max(...sizes))));
const scrollSecs = Number(opt('scroll-secs', '4'));
const zoomSecs = Number(opt('zoom-secs', '6'));
const variant = 'pcap-le-us';
const dataDir = resolve(opt('data', join(root, 'bench-data')));
const outFile = resolve(opt('out', join(dataDir, 'bench-app-results.json')));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const generate = (bytes) => captureSet(dataDir, variant, bytes);

const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

function frameStats(r) {
  const d = r.deltas.slice(1); // the first delta is from the start of the phase, not a frame
  const secs = r.elapsedMs / 1000;
  return {
    frames: d.length,
    fps: d.length / secs,
    p50Ms: pct(d, 50),
    p95Ms: pct(d, 95),
    maxMs: d.length ? Math.max(...d) : null,
    framesOver50Ms: d.filter((x) => x > 50).length,
    longAnimationFrames: r.loaf.filter((e) => e.type === 'long-animation-frame').length,
    longAnimationFramesOver50Ms: r.loaf.filter((e) => e.type === 'long-animation-frame' && e.duration > 50).length,
    longTasks: r.loaf.filter((e) => e.type === 'longtask').length,
    maxLongMs: r.loaf.length ? Math.max(...r.loaf.map((e) => e.duration)) : 0,
    // Where the long animation frames went: script vs style+layout, and the top script entries.
    loafBreakdown: (() => {
      const lf = r.loaf.filter((e) => e.type === 'long-animation-frame');
      const sum = (f) => lf.reduce((n, e) => n + (f(e) ?? 0), 0);
      const scripts = new Map();
      for (const e of lf) for (const s of e.scripts) {
        const k = `${s.invoker} ${s.fn ?? ''} ${s.url}`.trim();
        const x = scripts.get(k) ?? { what: k, ms: 0, forcedLayoutMs: 0, count: 0 };
        x.ms += s.ms;
        x.forcedLayoutMs += s.forcedLayoutMs ?? 0;
        x.count++;
        scripts.set(k, x);
      }
      return {
        frames: lf.length,
        totalMs: sum((e) => e.duration),
        scriptMs: sum((e) => e.scripts.reduce((n, s) => n + s.ms, 0)),
        styleLayoutMs: sum((e) => e.styleLayoutMs),
        renderMs: sum((e) => e.renderMs),
        topScripts: [...scripts.values()].sort((a, b) => b.ms - a.ms).slice(0, 5),
      };
    })(),
    loafSupported: r.loafSupported,
    rowsDrawn: r.rowsDrawn,
  };
}

// In the page: records rAF deltas and long frames while `step(now, i)` runs once a frame.
const FRAME_RECORDER = `
window.__recordFrames = (secs, step) => new Promise((resolve) => {
  const loaf = [];
  const observers = [];
  let loafSupported = false;
  for (const type of ['long-animation-frame', 'longtask']) {
    try {
      const po = new PerformanceObserver((l) => {
        for (const e of l.getEntries()) {
          const end = e.startTime + e.duration;
          loaf.push({
            type: e.entryType,
            duration: e.duration,
            blocking: e.blockingDuration ?? null,
            // long-animation-frame: the render phase (rAF callbacks, style, layout) and the style
            // and layout part of it; scripts = the attributed script entries.
            renderMs: e.renderStart ? end - e.renderStart : null,
            styleLayoutMs: e.styleAndLayoutStart ? end - e.styleAndLayoutStart : null,
            scripts: (e.scripts ?? []).map((s) => ({ invoker: s.invoker, fn: s.sourceFunctionName, url: (s.sourceURL || '').split('/').pop() + (s.sourceCharPosition >= 0 ? '@' + s.sourceCharPosition : ''), ms: s.duration, forcedLayoutMs: s.forcedStyleAndLayoutDuration })),
          });
        }
      });
      po.observe({ type, buffered: false });
      observers.push(po);
      if (type === 'long-animation-frame') loafSupported = PerformanceObserver.supportedEntryTypes.includes(type);
    } catch {}
  }
  // Rows the packets grid adds to the page (each one drawn: built, styled, laid out), if it is shown.
  let rowsDrawn = 0;
  const grid = document.querySelector('[data-testid="packets-grid"]');
  const mo = new MutationObserver((ms) => {
    for (const m of ms) for (const n of m.addedNodes) if (n instanceof HTMLElement && n.classList.contains('ag-row')) rowsDrawn++;
  });
  if (grid) mo.observe(grid, { childList: true, subtree: true });
  const deltas = [];
  const start = performance.now();
  let last = start;
  let i = 0;
  const f = (now) => {
    deltas.push(now - last);
    last = now;
    if (now - start < secs * 1000) {
      if (step) step(now, i++);
      requestAnimationFrame(f);
    } else {
      // Let the observers deliver the last entries.
      setTimeout(() => { for (const o of observers) o.disconnect(); mo.disconnect(); resolve({ deltas, loaf, loafSupported, rowsDrawn, elapsedMs: now - start }); }, 50);
    }
  };
  requestAnimationFrame(f);
});`;

async function measureLoad(page, set) {
  await page.waitForSelector('[data-testid="dropzone"]');
  await page.evaluate(() => {
    const b = { t0: null, samples: [], findingsAt: null };
    window.__bench = b;
    // The moment the app's input gets the files (React handles change on the root, after this).
    document.addEventListener('change', (e) => {
      if (e.target instanceof HTMLInputElement && e.target.type === 'file' && b.t0 === null) b.t0 = performance.now();
    }, true);
    const sample = () => {
      const s = globalThis.stagediffSession.get();
      b.samples.push({
        t: performance.now(),
        text: [...document.querySelectorAll('.status-cell')].map((e) => e.textContent).join('|'),
        bytesRead: s.captures.reduce((n, c) => n + (c.bytesRead || 0), 0),
        packets: s.captures.reduce((n, c) => n + (c.packets || 0), 0),
        indexing: s.captures.filter((c) => c.status === 'indexing' || c.status === 'queued').length,
        heapMb: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null,
      });
    };
    b.timer = setInterval(sample, 200);
    const watch = () => {
      const s = globalThis.stagediffSession.get();
      if (b.t0 !== null && s.analysis && s.loadMs !== null && document.querySelector('.finding, .findings-list .empty')) {
        b.findingsAt = performance.now();
        sample();
        clearInterval(b.timer);
        return;
      }
      requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
  });
  // The app's own file input (App.tsx): accept=".pcap,...".
  const input = page.locator('input[type="file"][accept*=".pcap"]');
  if ((await input.count()) !== 1) throw new Error('no capture <input type=file> in the app');
  await input.setInputFiles(set.files);
  await page.waitForFunction(() => window.__bench.findingsAt !== null, null, { timeout: 600_000, polling: 100 });
  const b = await page.evaluate(() => {
    const s = globalThis.stagediffSession.get();
    return {
      t0: window.__bench.t0,
      findingsAt: window.__bench.findingsAt,
      samples: window.__bench.samples,
      appLoadMs: s.loadMs,
      indexMs: s.captures.map((c) => Math.round(c.indexMs ?? -1)),
      analysisMs: Math.round(s.analysis?.ms ?? -1),
      findings: document.querySelectorAll('.finding').length,
    };
  });
  const during = b.samples.filter((x) => x.t >= b.t0);
  const indexing = during.filter((x) => x.indexing > 0);
  // Progress changes while indexing: when the text (or the bytes read) last changed.
  const changes = [];
  let prevKey = null;
  for (const x of during) {
    const key = `${x.text}#${x.bytesRead}`;
    if (key !== prevKey) changes.push(x.t);
    prevKey = key;
  }
  const indexEnd = indexing.length ? indexing[indexing.length - 1].t : b.t0;
  const changeTimes = [b.t0, ...changes.filter((t) => t <= indexEnd), indexEnd];
  let maxGap = 0;
  for (let i = 1; i < changeTimes.length; i++) maxGap = Math.max(maxGap, changeTimes[i] - changeTimes[i - 1]);
  let maxSampleGap = 0;
  for (let i = 1; i < during.length; i++) maxSampleGap = Math.max(maxSampleGap, during[i].t - during[i - 1].t);
  const texts = new Set(indexing.map((x) => x.text));
  return {
    dropToFindingsMs: b.findingsAt - b.t0,
    appLoadMs: b.appLoadMs,
    indexMs: b.indexMs,
    analysisMs: b.analysisMs,
    findingsShown: b.findings,
    progress: {
      samples: during.length,
      samplesWhileIndexing: indexing.length,
      distinctTexts: texts.size,
      indexingMs: indexEnd - b.t0,
      maxGapBetweenUpdatesMs: maxGap,
      maxSamplerGapMs: maxSampleGap,
      firstTexts: [...texts].slice(0, 3),
    },
    peakHeapMb: Math.max(0, ...during.map((x) => x.heapMb ?? 0)),
  };
}

async function measureGrid(page) {
  await page.click('[data-tab="packets"]');
  await page.selectOption('select.scope', 'all');
  const grid = page.locator('[data-testid="packets-grid"]');
  await grid.waitFor({ timeout: 60_000 });
  const rows = Number(await grid.getAttribute('data-rows'));
  await grid.locator('.ag-row').first().waitFor();
  await page.evaluate(FRAME_RECORDER);
  const viewport = () => document.querySelector('[data-testid="packets-grid"] .ag-body-viewport, [data-testid="packets-grid"] .ag-grid-viewport');
  const phases = {};
  for (const [name, px] of [['scroll100px', 100], ['scroll3000px', 3000], ['jumps', -1]]) {
    await page.evaluate((vp) => { const v = eval(`(${vp})`)(); v.scrollTop = 0; }, viewport.toString());
    await page.waitForTimeout(300);
    const r = await page.evaluate(({ secs, px, vp }) => {
      const v = eval(`(${vp})`)();
      const max = v.scrollHeight - v.clientHeight;
      let seed = 7;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      return window.__recordFrames(secs, () => {
        v.scrollTop = px < 0 ? Math.floor(rnd() * max) : Math.min(max, v.scrollTop + px);
      }).then((x) => ({ ...x, scrollTop: v.scrollTop, scrollHeight: v.scrollHeight, lastRowIndex: Math.max(...[...document.querySelectorAll('[data-testid="packets-grid"] .ag-row')].map((e) => Number(e.getAttribute('row-index')) || 0)) }));
    }, { secs: scrollSecs, px, vp: viewport.toString() });
    phases[name] = { ...frameStats(r), scrollTop: r.scrollTop, scrollHeight: r.scrollHeight, lastRowIndex: r.lastRowIndex };
    log(`grid ${name}: p95 ${phases[name].p95Ms?.toFixed(1)} ms, ${phases[name].framesOver50Ms} frames > 50 ms, last row ${r.lastRowIndex}`);
  }
  // Real wheel input through the browser's input pipeline, over the grid body.
  await page.evaluate((vp) => { const v = eval(`(${vp})`)(); v.scrollTop = 0; }, viewport.toString());
  const box = await page.locator('[data-testid="packets-grid"] .ag-body-viewport, [data-testid="packets-grid"] .ag-grid-viewport').first().boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const rec = page.evaluate((secs) => window.__recordFrames(secs, null), scrollSecs);
  const tEnd = Date.now() + scrollSecs * 1000;
  let wheels = 0;
  while (Date.now() < tEnd) {
    await page.mouse.wheel(0, 120);
    wheels++;
  }
  const r = await rec;
  const scrolled = await page.evaluate((vp) => eval(`(${vp})`)().scrollTop, viewport.toString());
  phases.mouseWheel = { ...frameStats(r), wheelEvents: wheels, scrollTop: scrolled };
  log(`grid mouse wheel: ${wheels} events, p95 ${phases.mouseWheel.p95Ms?.toFixed(1)} ms, ${phases.mouseWheel.framesOver50Ms} frames > 50 ms`);
  return { rows, phases };
}

async function measureTimeline(page, packets) {
  await page.evaluate(FRAME_RECORDER);
  const box = page.locator('section.timeline label.check input[type="checkbox"]');
  if (!(await box.isChecked())) await box.check();
  // Count the timeline's redraws: it calls setTransform once at the start of every draw.
  await page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="timeline"] canvas');
    window.__draws = 0;
    const orig = CanvasRenderingContext2D.prototype.setTransform;
    CanvasRenderingContext2D.prototype.setTransform = function (...a) {
      if (this.canvas === canvas) window.__draws++;
      return orig.apply(this, a);
    };
  });
  await page.waitForTimeout(1000);
  // One full draw of every packet, timed on its own.
  const single = await page.evaluate(async () => {
    const before = window.__draws;
    const t0 = performance.now();
    window.dispatchEvent(new CustomEvent('stagediff-zoom', { detail: 'zoom-fit' }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return { ms: performance.now() - t0, draws: window.__draws - before };
  });
  const r = await page.evaluate((secs) => {
    const canvas = document.querySelector('[data-testid="timeline"] canvas');
    const rect = canvas.getBoundingClientRect();
    const cx = rect.left + rect.width * 0.55;
    const cy = rect.top + rect.height / 2;
    const before = window.__draws;
    let k = 1;
    let maxK = 1;
    const PER = 60; // frames per direction: 60 x 2^0.04 = ~5.3x
    return window.__recordFrames(secs, (_now, i) => {
      const dy = Math.floor(i / PER) % 2 === 0 ? -20 : 20;
      k *= 2 ** (-dy * 0.002);
      maxK = Math.max(maxK, k);
      canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: dy, deltaMode: 0, clientX: cx, clientY: cy, bubbles: true, cancelable: true, view: window }));
    }).then((x) => ({ ...x, draws: window.__draws - before, maxK }));
  }, zoomSecs);
  const st = frameStats(r);
  const res = { packets, fullDrawMs: single.ms, ...st, drawsPerSec: r.draws / (r.elapsedMs / 1000), maxZoom: r.maxK, visibleMarksAtMaxZoom: Math.round(packets / r.maxK) };
  log(`timeline zoom: ${res.fps.toFixed(1)} fps (rAF), ${res.drawsPerSec.toFixed(1)} draws/s, p95 ${res.p95Ms?.toFixed(1)} ms`);
  return res;
}

// ---------------------------------------------------------------------------------------------

if (!existsSync(join(root, 'dist', 'renderer', 'index.html'))) spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
// Serve a snapshot of the build, so that a rebuild by someone else during the run changes nothing.
const snapshot = join(dataDir, '.renderer-snapshot');
rmSync(snapshot, { recursive: true, force: true });
cpSync(join(root, 'dist', 'renderer'), snapshot, { recursive: true });
const server = await startServer({ root: snapshot, port: 0 });
const results = {
  version: 1,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', chromium: CHROMIUM, loadAvgStart: loadavg().map((x) => +x.toFixed(2)) },
  runs: [],
};
try {
  for (const size of [...new Set([...sizes, gridSize])].sort((a, b) => a - b)) {
    const set = generate(size);
    spawnSync('sh', ['-c', 'cat "$@" > /dev/null', 'sh', ...set.files]); // page cache warm, as in bench.mjs
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: !flag('headed') });
    try {
      results.machine.chromiumVersion = browser.version();
      const context = await browser.newContext({ viewport: { width: 1600, height: 980 }, deviceScaleFactor: 1, colorScheme: 'dark' });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
      log(`${sizeLabel(size)}: ${set.files.length} files, ${set.packets} packets`);
      const run = { label: sizeLabel(size), bytes: set.total, packets: set.packets };
      run.load = await measureLoad(page, set);
      log(`  drop to findings ${Math.round(run.load.dropToFindingsMs)} ms (app ${Math.round(run.load.appLoadMs)} ms), progress max gap ${Math.round(run.load.progress.maxGapBetweenUpdatesMs)} ms`);
      if (size === gridSize) {
        if (!flag('no-grid')) run.grid = await measureGrid(page);
        if (!flag('no-timeline')) run.timeline = await measureTimeline(page, set.packets);
      }
      run.errors = errors;
      results.runs.push(run);
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.close();
}
results.machine.loadAvgEnd = loadavg().map((x) => +x.toFixed(2));

// Targets (issue 6).
const targets = [];
const t = (name, value, cmp, limit, unit) => targets.push({ name, value, target: `${cmp} ${limit}${unit}`, pass: value === null || value === undefined ? null : cmp === '<=' ? value <= limit : value >= limit });
for (const r of results.runs) {
  const limit = r.bytes < 5e8 ? 3000 : 10000;
  t(`${r.label} drop to findings ms`, r.load.dropToFindingsMs, '<=', limit, ' ms');
  t(`${r.label} progress: longest gap ms`, r.load.progress.maxGapBetweenUpdatesMs, '<=', 1000, ' ms');
  if (r.grid) for (const [k, p] of Object.entries(r.grid.phases)) t(`grid ${k}: frames > 50 ms`, p.framesOver50Ms, '<=', 0, '');
  if (r.timeline) t('timeline zoom fps', r.timeline.fps, '>=', 30, ' fps');
}
results.targets = targets;
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);

const f = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const out = [`stagediff app in Chromium ${results.machine.chromiumVersion ?? ''} (headless, --disable-gpu), ${results.machine.cpus} x ${results.machine.model}`];
for (const r of results.runs) {
  out.push(`  ${r.label} (${f(r.packets)} packets): drop to findings ${f(r.load.dropToFindingsMs)} ms (app ${f(r.load.appLoadMs)} ms; index ${r.load.indexMs.join('/')} ms; analysis ${f(r.load.analysisMs)} ms)`);
  out.push(`      progress: ${r.load.progress.samplesWhileIndexing} samples while indexing, ${r.load.progress.distinctTexts} distinct, longest gap ${f(r.load.progress.maxGapBetweenUpdatesMs)} ms, longest sampler gap ${f(r.load.progress.maxSamplerGapMs)} ms; JS heap ${f(r.load.peakHeapMb)} MB`);
  if (r.grid) {
    out.push(`      packets grid, ${f(r.grid.rows)} rows:       fps    p50 ms  p95 ms  max ms  >50ms  LoAF>50  longtasks  rows drawn`);
    for (const [k, p] of Object.entries(r.grid.phases)) out.push(`        ${k.padEnd(28)} ${f(p.fps, 1).padStart(6)}  ${f(p.p50Ms, 1).padStart(6)}  ${f(p.p95Ms, 1).padStart(6)}  ${f(p.maxMs, 0).padStart(6)}  ${f(p.framesOver50Ms).padStart(5)}  ${f(p.longAnimationFramesOver50Ms).padStart(7)}  ${f(p.longTasks).padStart(9)}  ${f(p.rowsDrawn).padStart(10)}`);
  }
  if (r.grid) {
    for (const [k, p] of Object.entries(r.grid.phases)) {
      const b = p.loafBreakdown;
      if (!b || !b.frames) continue;
      out.push(`        ${k} long frames: ${f(b.totalMs)} ms in ${b.frames}: scripts ${f(b.scriptMs)} ms, style+layout ${f(b.styleLayoutMs)} ms; top: ${b.topScripts.slice(0, 2).map((s) => `${s.what} ${f(s.ms)} ms`).join('; ')}`);
    }
  }
  if (r.timeline) {
    const tl = r.timeline;
    out.push(`      timeline, all ${f(tl.packets)} packets, wheel zoom up to ${f(tl.maxZoom, 1)}x (~${f(tl.visibleMarksAtMaxZoom)} packets in view at the deepest): ${f(tl.fps, 1)} fps (rAF), ${f(tl.drawsPerSec, 1)} redraws/s, p95 ${f(tl.p95Ms, 1)} ms, ${tl.framesOver50Ms} frames > 50 ms; one full draw ${f(tl.fullDrawMs)} ms`);
  }
  if (r.errors.length) out.push(`      page errors: ${r.errors.slice(0, 3).join('; ')}`);
}
out.push('  target                                        value      target');
for (const x of targets) out.push(`  ${x.pass === null ? '    ' : x.pass ? 'ok  ' : 'MISS'} ${x.name.padEnd(40)} ${f(x.value, 1).padStart(9)}  ${x.target}`);
out.push(`load average at start ${results.machine.loadAvgStart.join(' ')}, at end ${results.machine.loadAvgEnd.join(' ')}`);
out.push(`results: ${outFile}`);
console.log(out.join('\n'));
