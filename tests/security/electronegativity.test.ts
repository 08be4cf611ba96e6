/**
 * electronegativity (Doyensec) over main/: no HIGH (or worse) finding. Runs offline: the Electron
 * version is given (-e) and the check that downloads Electron's release list is excluded; the
 * tool's translation download fails fast (1 s) without a network and does not matter.
 */
import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const electronVersion: string = require('electron/package.json').version;

function parseCsv(text: string): string[][] {
  return Papa.parse<string[]>(text.trim(), { skipEmptyLines: true }).data.map((r) => r.map((c) => c.trim()));
}

describe('electronegativity over main/', () => {
  it('reports no HIGH or CRITICAL finding', () => {
    const cli = join(dirname(require.resolve('@doyensec/electronegativity/package.json')), 'dist', 'index.js');
    const dir = mkdtempSync(join(tmpdir(), 'stagediff-eneg-'));
    try {
      const out = join(dir, 'electronegativity.csv');
      execFileSync(process.execPath, [cli, '-i', join(root, 'main'), '-o', out, '-r', '-e', electronVersion, '-x', 'AvailableSecurityFixesGlobalCheck'], {
        cwd: root,
        stdio: 'pipe',
        timeout: 90_000,
      });
      expect(existsSync(out)).toBe(true);
      const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'));
      expect(header[0]).toBe('issue');
      const bad = rows.filter((r) => /^(HIGH|CRITICAL)$/i.test(r[1]));
      expect(bad.map((r) => `${r[0]} ${r[3]}:${r[4]} ${r[6]}`)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
