// The payload check: builds the app archive exactly as the installers do and checks what it
// carries. Works offline, where the Electron runtime cannot be downloaded:
//   1. a stand-in "Electron distribution" (an empty `electron` file, resources/, locales/) is
//      written to a temporary folder and handed to electron-builder as `electronDist`;
//   2. electron-builder itself runs the `dir` target for Linux x64 with electron-builder.yml: the
//      same file selection (`files`), the same package.json rewrite and the same asar writer
//      that every installer (AppImage, deb, NSIS, portable, dmg) packs;
//   3. the resulting resources/app.asar is read back with @electron/asar and its file list,
//      package.json, module references and size are checked.
// The installers differ only in the Electron runtime around the archive, not in the archive.
//   node scripts/payload.mjs [--json] [--keep]     (after the build: `npm run payload`)
// Exit 1 when a check fails. docs/decisions.md ("The payload check") explains the method.
import { builtinModules } from 'node:module';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The archive may hold these paths and nothing else. */
export const ALLOWED = [
  /^\/(package\.json|LICENSE|THIRD_PARTY_NOTICES\.md|SOURCES\.md)$/,
  /^\/dist\/main\/(main|preload)\.cjs$/,
  /^\/dist\/cli\.mjs$/,
  /^\/dist\/(analysis-worker|worker-load)\.cjs$/,
  /^\/dist\/chunk-[\w-]+\.mjs$/,
  /^\/dist\/(index-core|flow-json|flow-ids|flow-quiet)\.wasm$/,
  /^\/dist\/renderer\/index\.html$/,
  /^\/dist\/renderer\/assets\/[\w.-]+\.(js|css|svg|png|woff2?|wasm|json)$/,
  /^\/dist\/renderer\/sample\/(manifest\.json|README\.md|[\w.-]+\.(pcap|pcapng))$/,
];

/** Must be there for the app to start and for the licences. */
export const REQUIRED = [
  '/package.json',
  '/LICENSE',
  '/THIRD_PARTY_NOTICES.md',
  '/SOURCES.md',
  '/dist/main/main.cjs',
  '/dist/main/preload.cjs',
  '/dist/cli.mjs',
  '/dist/analysis-worker.cjs',
  '/dist/worker-load.cjs',
  '/dist/index-core.wasm',
  '/dist/flow-json.wasm',
  '/dist/flow-ids.wasm',
  '/dist/flow-quiet.wasm',
  '/dist/renderer/index.html',
  '/dist/renderer/sample/manifest.json',
];

/** The whole archive stays below this (today about 3.5 MB): a dependency tree slipping in fails loudly. */
export const MAX_BYTES = 12 * 1024 * 1024;

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Bare module names a shipped script loads (require, static import/export, import('literal')). */
export function externalModules(code) {
  const out = new Set();
  const re = /\brequire\(\s*["']([^"']+)["']\s*\)|^\s*(?:import|export)\b[^"'`;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
  for (const m of code.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (!spec || spec.startsWith('.') || spec.startsWith('/') || BUILTINS.has(spec)) continue;
    out.add(spec);
  }
  return [...out];
}

/**
 * Problems with an archive's contents: `files` maps each path ("/dist/...") to its size; `read`
 * returns a file's bytes. Empty when the archive is right.
 */
export function checkFiles(files, read, { version } = {}) {
  const problems = [];
  const paths = [...files.keys()];
  for (const p of paths) {
    if (p.endsWith('.map')) problems.push(`${p}: source map (maps are not shipped; docs/decisions.md)`);
    else if (/\.(ts|tsx|mts|cts)$/.test(p)) problems.push(`${p}: TypeScript source`);
    else if (/(^|\/)node_modules\//.test(p)) problems.push(`${p}: node_modules (the bundles carry their dependencies)`);
    else if (/^\/(tests|bench-data|docs|shared|main|renderer|scripts|bin|build|out)\//.test(p)) problems.push(`${p}: not part of the built app`);
    else if (!ALLOWED.some((re) => re.test(p))) problems.push(`${p}: not on the allow-list`);
  }
  for (const p of REQUIRED) if (!files.has(p)) problems.push(`${p}: missing`);
  if (files.has('/dist/renderer/sample/manifest.json')) {
    const manifest = JSON.parse(Buffer.from(read('/dist/renderer/sample/manifest.json')).toString('utf8'));
    for (const f of manifest.files ?? []) if (!files.has(`/dist/renderer/sample/${f}`)) problems.push(`/dist/renderer/sample/${f}: listed in the sample manifest but missing`);
    for (const p of paths) {
      const m = /^\/dist\/renderer\/sample\/(.+\.(pcap|pcapng))$/.exec(p);
      if (m && !(manifest.files ?? []).includes(m[1])) problems.push(`${p}: a capture that is not the sample's (SOURCES.md)`);
    }
  }
  if (files.has('/package.json')) {
    const pkg = JSON.parse(Buffer.from(read('/package.json')).toString('utf8'));
    if (pkg.main !== 'dist/main/main.cjs') problems.push(`/package.json: main is ${pkg.main}, expected dist/main/main.cjs`);
    if (version && pkg.version !== version) problems.push(`/package.json: version ${pkg.version}, expected ${version}`);
    if (pkg.devDependencies) problems.push('/package.json: carries devDependencies');
    if (pkg.scripts) problems.push('/package.json: carries scripts');
  }
  for (const p of paths) {
    if (!/\.(c|m)?js$/.test(p)) continue;
    const code = Buffer.from(read(p)).toString('utf8');
    const allowed = p.startsWith('/dist/main/') ? ['electron'] : [];
    for (const spec of externalModules(code)) if (!allowed.includes(spec)) problems.push(`${p}: loads "${spec}", which the archive does not carry`);
  }
  const total = [...files.values()].reduce((a, b) => a + b, 0);
  if (total > MAX_BYTES) problems.push(`archive content is ${total} bytes, over the ${MAX_BYTES} budget`);
  return problems;
}

/** A stand-in for the unpacked Electron runtime: just what electron-builder moves around. */
function stubElectronDist(dir) {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'), { recursive: true });
  writeFileSync(join(dir, 'electron'), '#!/bin/sh\necho "stand-in for the Electron runtime (scripts/payload.mjs)"\n');
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'locales', 'en-US.pak'), '');
}

/** Runs electron-builder's `dir` target for linux-x64 into a temporary folder; returns the unpacked app folder. */
export async function packApp(work) {
  const electronDist = join(work, 'electron-dist');
  const output = join(work, 'out');
  stubElectronDist(electronDist);
  const { build, Platform, Arch } = await import('electron-builder');
  await build({
    projectDir: root,
    targets: Platform.LINUX.createTarget(['dir'], Arch.x64),
    publish: 'never',
    config: { electronDist, directories: { output } },
  });
  return join(output, 'linux-unpacked');
}

export async function checkPayload({ keep = false } = {}) {
  for (const f of ['dist/main/main.cjs', 'dist/renderer/index.html', 'dist/cli.mjs']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: build first (node scripts/build.mjs)`);
  }
  const work = mkdtempSync(join(tmpdir(), 'stagediff-payload-'));
  try {
    const appDir = await packApp(work);
    const resources = join(appDir, 'resources');
    const archive = join(resources, 'app.asar');
    const asar = (await import('@electron/asar')).default;
    const files = new Map();
    for (const p of asar.listPackage(archive, { isPack: false })) {
      const st = asar.statFile(archive, p.slice(1), false);
      if (!('files' in st)) files.set(p, st.size);
    }
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    const problems = checkFiles(files, (p) => asar.extractFile(archive, p.slice(1)), { version });
    const extra = readdirSync(resources).filter((n) => n !== 'app.asar');
    if (extra.length) problems.push(`resources/ holds ${extra.join(', ')} besides app.asar (nothing may be unpacked)`);
    const { renderNotices, NOTICES } = await import('./notices.mjs');
    if (readFileSync(NOTICES, 'utf8') !== renderNotices()) problems.push('THIRD_PARTY_NOTICES.md is out of date: run node scripts/notices.mjs');
    const contentBytes = [...files.values()].reduce((a, b) => a + b, 0);
    return {
      archive: keep ? archive : null,
      archiveBytes: statSync(archive).size,
      contentBytes,
      fileCount: files.size,
      files: [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, size]) => ({ path, size })),
      problems,
    };
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await checkPayload({ keep: process.argv.includes('--keep') });
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else {
    for (const f of r.files) console.log(`${String(f.size).padStart(10)}  ${f.path}`);
    console.log(`\napp.asar: ${r.fileCount} files, ${r.contentBytes} bytes of content, archive ${r.archiveBytes} bytes${r.archive ? ` (${r.archive})` : ''}`);
    console.log(r.problems.length ? `\nPROBLEMS:\n${r.problems.map((p) => `  ${p}`).join('\n')}` : 'payload ok');
  }
  process.exitCode = r.problems.length ? 1 : 0;
}
