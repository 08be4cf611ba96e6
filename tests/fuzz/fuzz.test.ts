/**
 * The bounded coverage-guided fuzz run of CI: Jazzer.js on both targets (scripts/fuzz.mjs), about
 * 50 s each (STAGEDIFF_FUZZ_SECONDS to change it, 0 to skip). Any crash, hang or invariant
 * failure fails the test with the fuzzer's report and the path of the input that caused it.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const seconds = Number(process.env.STAGEDIFF_FUZZ_SECONDS ?? 50);

describe('coverage-guided fuzzing (Jazzer.js)', () => {
  it.skipIf(seconds === 0)(`reader and decode targets for ${seconds} s each: no crash, no hang`, () => {
    const out = mkdtempSync(join(tmpdir(), 'stagediff-fuzz-ci-'));
    const json = join(out, 'result.json');
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'fuzz.mjs'), '--target', 'all', '--seconds', String(seconds), '--out', out, '--json', json], {
      encoding: 'utf8',
      timeout: (seconds * 2 + 120) * 1000,
    });
    const report = `${r.stdout}\n${r.stderr}`;
    expect(r.status, report).toBe(0);
    const { results } = JSON.parse(readFileSync(json, 'utf8')) as { results: { target: string; executions: number; crashes: number; timeouts: number; coverageEdges: number }[] };
    expect(results.map((x) => x.target)).toEqual(['reader', 'decode']);
    for (const x of results) {
      expect(x.crashes + x.timeouts, report).toBe(0);
      expect(x.executions, report).toBeGreaterThan(1000);
      expect(x.coverageEdges, report).toBeGreaterThan(100);
    }
    process.stdout.write(r.stdout);
  }, (seconds * 2 + 180) * 1000);
});
