/**
 * `npm run bench` still runs and writes results of the documented shape. A smoke check of the
 * script only: the numbers are not judged here (timings are never tests; see docs/performance.md).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stagediff-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/bench.mjs', () => {
  it('measures a 20 MB set and writes bench-results.json', () => {
    const out = join(dir, 'results.json');
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'bench.mjs'), '--sizes', '20M', '--no-tshark', '--no-install', '--data', dir, '--out', out], { encoding: 'utf8', timeout: 55_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('packets/s');
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.version).toBe(1);
    expect(j.machine.cpus).toBeGreaterThan(0);
    expect(j.sizes).toEqual(['20M']);
    expect(j.rows).toHaveLength(1);
    const row = j.rows[0];
    expect(row.files).toBe(4);
    expect(row.bytes).toBeGreaterThan(19e6);
    expect(row.packets).toBeGreaterThan(1000);
    // Every record in the files was read by analyze (checked against the generator's summary).
    expect(row.analyze.packetsRead).toBe(row.packets);
    for (const k of ['secs', 'cpuSecs', 'cpuRatio', 'indexMs', 'indexCpuRatio', 'analysisMs', 'peakMb', 'pps', 'mbps']) expect(row.analyze[k], k).toBeGreaterThan(0);
    if (row.c) {
      // The libpcap loop read the same records.
      expect(row.c.packets).toBe(row.packets);
      expect(row.cRatio).toBeGreaterThan(0);
    }
    expect(j.doubling).toEqual([]);
    expect(j.memory).toBeNull();
    expect(j.tshark).toBeNull();
    expect(j.huge).toBeNull();
    expect(j.targets.map((t: { name: string }) => t.name)).toContain('packets/s end to end');
    for (const t of j.targets) expect(typeof t.target).toBe('string');
  }, 60_000);
});
