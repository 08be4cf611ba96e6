/**
 * Resource limits, scaled down for `npm test` (the full 10M / 5M / 1M runs are
 * `node scripts/limits.mjs`, numbers in docs/performance.md "Limits"): 1M tiny packets, one flow
 * of 500k packets, 200k flows (~30 s in all). Each case is generated with the streaming pcap writer, indexed
 * the way the CLI does it (indexFile) and analysed, in a child process so that its peak memory is
 * its own; each also runs at a quarter of the size to catch quadratic work (4x the packets must
 * cost under 10x the time: linear work costs ~4x, quadratic work ~16x).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

interface Row {
  kind: string;
  packets: number;
  flows: number;
  fileBytes: number;
  errors: number;
  indexSecs: number;
  analyzeSecs: number;
  peakRssMb: number;
  bytesPerPacket: number;
  peakBytesPerPacket: number;
  progress: { reports: number; maxGapSecs: number; monotonic: boolean };
  indexScaling: number;
  analyzeScaling: number | null;
  findings: number;
  timedOut?: boolean;
  failed?: string | null;
}

function limits(extra: string[]): Row[] {
  const dir = mkdtempSync(join(tmpdir(), 'stagediff-limits-test-'));
  const json = join(dir, 'out.json');
  try {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'limits.mjs'), '--scale', 'ci', '--dir', join(dir, 'work'), '--json', json, ...extra], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    process.stdout.write(r.stdout);
    return (JSON.parse(readFileSync(json, 'utf8')) as { results: Row[] }).results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectBounded(row: Row, maxBytesPerPacket: number): void {
  const what = `${row.kind}: ${JSON.stringify(row)}`;
  expect(row.errors, what).toBe(0);
  // Memory grows with packets and flows only: the index columns (~51 bytes per packet, doubled
  // while a column grows) plus the flow records; never with the file size.
  expect(row.peakBytesPerPacket, what).toBeLessThan(maxBytesPerPacket);
  expect(row.peakRssMb, what).toBeLessThan(800);
  // Progress: reported every 16 MiB, in order, never stalling.
  expect(row.progress.monotonic, what).toBe(true);
  expect(row.progress.reports, what).toBeGreaterThanOrEqual(Math.floor(row.fileBytes / (16 << 20)));
  expect(row.progress.maxGapSecs, what).toBeLessThan(10);
  // No quadratic path in indexing.
  expect(row.indexScaling, what).toBeLessThan(10);
}

describe('resource limits (scaled down)', () => {
  it('1M tiny packets and one flow of 500k packets: bounded memory, steady progress, linear time', () => {
    const rows = limits(['--only', 'tiny,one-flow']);
    const [tiny, one] = rows;
    expect(tiny).toMatchObject({ kind: 'tiny', packets: 1_000_000, flows: 1024 });
    expect(one).toMatchObject({ kind: 'one-flow', packets: 500_000, flows: 1 });
    expectBounded(tiny, 250);
    expectBounded(one, 300);
    for (const r of rows) expect(r.analyzeScaling, r.kind).toBeLessThan(10);
  }, 120_000);

  it('the same two captures as receive and transmit of one firewall: stage matching is linear too', () => {
    for (const r of limits(['--only', 'tiny,one-flow', '--two-stages'])) {
      expect(r.errors, r.kind).toBe(0);
      expect(r.analyzeScaling, `${r.kind}: ${JSON.stringify(r)}`).toBeLessThan(10);
    }
  }, 120_000);

  it('200k flows: indexing is linear, memory bounded per flow', () => {
    const [many] = limits(['--only', 'many-flows', '--index-only']);
    expect(many).toMatchObject({ kind: 'many-flows', packets: 400_001, flows: 200_000 });
    // Each flow costs a row of the indexer's packed flow table, its flow-table key and a view of
    // the row (~800 B in all, see docs/performance.md), two packets each here: bounded per flow,
    // not per byte.
    expectBounded(many, 1500);
  }, 120_000);

  // shared/findings/context.ts report() used to count a flow's earlier findings over ALL findings
  // (O(F^2): 40k flows took 48 s, 200k never finished); fixed, this keeps it linear.
  it('200k flows with one finding each: the analysis is linear and its memory bounded per flow', () => {
    const [many] = limits(['--only', 'many-flows', '--timeout', '90']);
    const what = JSON.stringify(many);
    expect(many.timedOut, what).toBeFalsy();
    expect(many.failed ?? null, what).toBeNull();
    expect(many).toMatchObject({ packets: 400_001, flows: 200_000, errors: 0 });
    expect(many.findings, what).toBe(200_000);
    expect(many.analyzeScaling, what).toBeLessThan(10);
    // ~6 KB per flow at the analysis peak today (docs/performance.md): far more than per packet.
    expect(many.peakRssMb, what).toBeLessThan(2500);
  }, 180_000);
});
