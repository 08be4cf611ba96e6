/**
 * The payload check (scripts/payload.mjs): electron-builder packs the app archive as every
 * installer does (with a stand-in Electron runtime, offline), and the archive holds exactly the
 * built app, the sample incident and the licences.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { checkFiles, checkPayload, externalModules } from '../../scripts/payload.mjs';

const root = join(import.meta.dirname, '..', '..');
let result: Awaited<ReturnType<typeof checkPayload>>;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'renderer', 'index.html')) || !existsSync(join(root, 'dist', 'main', 'main.cjs'))) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  }
  result = await checkPayload();
  console.log(`payload: app.asar ${result.fileCount} files, ${result.contentBytes} bytes of content, archive ${result.archiveBytes} bytes`);
}, 60_000);

describe('the app archive the installers ship', () => {
  it('passes every check', () => {
    expect(result.problems).toEqual([]);
  });

  it('holds main, preload, renderer, CLI, worker and the index core, the sample and the licences, and nothing else', () => {
    const paths = result.files.map((f) => f.path);
    for (const p of ['/dist/main/main.cjs', '/dist/main/preload.cjs', '/dist/renderer/index.html', '/dist/cli.mjs', '/dist/analysis-worker.cjs', '/dist/worker-load.cjs', '/dist/index-core.wasm', '/dist/flow-json.wasm', '/dist/flow-ids.wasm', '/dist/flow-quiet.wasm', '/LICENSE', '/THIRD_PARTY_NOTICES.md', '/SOURCES.md']) {
      expect(paths).toContain(p);
    }
    expect(paths.filter((p) => p.startsWith('/dist/renderer/sample/') && p.endsWith('.pcap'))).toHaveLength(8);
    expect(paths.some((p) => p.startsWith('/dist/renderer/assets/') && p.endsWith('.js'))).toBe(true);
    expect(paths.filter((p) => /\.map$|\.tsx?$|node_modules|^\/tests\//.test(p))).toEqual([]);
    expect(result.contentBytes).toBeLessThan(12 * 1024 * 1024);
  });

  it('the checker catches what must not ship', () => {
    const files = new Map<string, number>([
      ['/package.json', 10],
      ['/dist/main/main.cjs', 10],
      ['/dist/main/main.cjs.map', 10],
      ['/tests/e2e/guide.test.ts', 10],
      ['/node_modules/react/index.js', 10],
      ['/bench-data/x.pcap', 10],
    ]);
    const bodies: Record<string, string> = {
      '/package.json': JSON.stringify({ main: 'dist/main/main.cjs', version: '0.1.0', devDependencies: { vitest: '1' } }),
      '/dist/main/main.cjs': 'const e = require("electron"); const p = require("papaparse"); const f = require("node:fs");',
      '/node_modules/react/index.js': '',
    };
    const problems = checkFiles(files, (p: string) => Buffer.from(bodies[p] ?? ''), { version: '0.1.0' });
    const text = problems.join('\n');
    expect(text).toContain('/dist/main/main.cjs.map: source map');
    expect(text).toContain('/tests/e2e/guide.test.ts: TypeScript source');
    expect(text).toContain('/node_modules/react/index.js: node_modules');
    expect(text).toContain('/bench-data/x.pcap: not part of the built app');
    expect(text).toContain('/LICENSE: missing');
    expect(text).toContain('carries devDependencies');
    expect(text).toContain('loads "papaparse"');
    expect(text).not.toContain('loads "electron"');
  });

  it('finds the modules a bundle loads', () => {
    expect(externalModules('import { a } from "./x.js";\nimport fs from "node:fs";\nimport b from "left-pad";\nrequire("electron");\nawait import("zod");').sort()).toEqual(['electron', 'left-pad', 'zod']);
  });
});
