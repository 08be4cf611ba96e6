/**
 * The packets' memory budget (renderer/src/state/memory-budget.ts): on a machine that reports
 * 0.25 GB (navigator.deviceMemory, as Chromium gives it; the smallest it reports), the app allows
 * its packets half of it, ~1.34M packets at 100 bytes each. A capture of 3M tiny packets (174 MB) is
 * stopped once 64 MiB of it is read (its packets projected from its packets per byte), with a
 * message naming the offset; the sample's files dropped with it are analysed as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../robustness/limits-harness.ts';
import { dropDiskFiles, open, ROOT, shot, type Harness } from './browser.ts';

const PACKETS = 3_000_000;
let h: Harness;
let dir: string;
let big: string;
let size: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stagediff-e2e-budget-'));
  big = join(dir, 'PA-VM-3_receive.pcap');
  size = generate('tiny', PACKETS, big).bytes;
  h = await open();
  await h.page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 0.25 }));
  await h.page.reload();
}, 120_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Row = { name: string; status: string; error?: string; bytesRead: number };

describe('memory budget', () => {
  it('stops reading a capture the machine has no room for, and analyses the others', async () => {
    const sample = ['PA-VM-1_receive.pcap', 'PA-VM-1_transmit.pcap'].map((f) => join(ROOT, 'renderer', 'public', 'sample', f));
    await dropDiskFiles(h.page, '[data-testid="dropzone"]', [...sample, big]);
    await h.page.waitForFunction(
      () => {
        const s = (globalThis as unknown as { stagediffSession: { get(): { analysis: unknown; analyzing: boolean; captures: { status: string }[] } } }).stagediffSession.get();
        return s.analysis !== null && !s.analyzing && s.captures.every((c) => c.status === 'done' || c.status === 'error');
      },
      null,
      { timeout: 60_000, polling: 50 },
    );
    const rows = await h.page.evaluate(() =>
      (globalThis as unknown as { stagediffSession: { get(): { captures: { source: { name: string }; status: string; error?: string; bytesRead: number }[] } } }).stagediffSession
        .get()
        .captures.map((c): Row => ({ name: c.source.name, status: c.status, error: c.error, bytesRead: c.bytesRead })),
    );
    const stopped = rows.find((r) => r.name === 'PA-VM-3_receive.pcap')!;
    expect(stopped.status).toBe('error');
    const m = /^too big for this machine's memory: with its ~([\d,]+) packets and the ([\d,]+) of the other captures, the app would need ~[\d.]+ GB \(~100 bytes a packet\), more than the 0\.1 GB it allows itself, half of this machine's 0\.3 GB\. Not read: stopped at offset (\d+) of (\d+) bytes\./.exec(stopped.error ?? '');
    expect(m, stopped.error).not.toBeNull();
    const [mine, offset, total] = [Number(m![1].replace(/,/g, '')), Number(m![3]), Number(m![4])];
    expect(total).toBe(size);
    // Stopped after the 64 MiB it needs to project from, well before the end of the file.
    expect(offset).toBeGreaterThanOrEqual(64 << 20);
    expect(offset).toBeLessThan(size);
    expect(Math.abs(mine - PACKETS)).toBeLessThan(PACKETS / 100);
    // The others were read whole and analysed.
    for (const r of rows.filter((x) => x !== stopped)) expect(r).toMatchObject({ status: 'done' });
    const flows = await h.page.evaluate(() => (globalThis as unknown as { stagediffSession: { get(): { analysis: { result: { flows: unknown[]; captures: unknown[] } } } } }).stagediffSession.get().analysis.result);
    expect(flows.captures).toHaveLength(2);
    expect(flows.flows.length).toBeGreaterThan(0);
    // The status bar counts what the analysis holds: the sample's files, and the one not read.
    expect(await h.page.getByTestId('status').getAttribute('title')).toMatch(/^2 files · 292\.3 kB · 980 packets · \d+ flows · 1 not read/);
    expect(await h.page.locator('.status-cell .err').first().textContent()).toContain("too big for this machine's memory");
    await shot(h.page, '40-memory-budget');
    expect(h.errors).toEqual([]);
  });
});
