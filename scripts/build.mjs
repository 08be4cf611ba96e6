// Builds everything that runs: the CLI and its worker (Node), Electron main + preload, and the renderer.
// Run by `npm install` (prepare), `npm test`, `npm start`. `--cli-only` skips Electron and the renderer.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliOnly = process.argv.includes('--cli-only');
const common = { bundle: true, sourcemap: 'linked', logLevel: 'warning', absWorkingDir: root, target: 'node20' };

// Chunks are named by their content: the last build's would stay beside the new ones.
if (existsSync(join(root, 'dist'))) for (const f of readdirSync(join(root, 'dist'))) if (/^chunk-.*\.mjs(\.map)?$/.test(f)) rmSync(join(root, 'dist', f));

await build({
  ...common,
  platform: 'node',
  format: 'esm',
  entryPoints: { cli: 'shared/node/cli.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // Code only some commands run (export: reports, PDF, traffic logs) in chunks of its own, loaded
  // when used: `analyze` reads less before its first packet.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

// The worker thread's bundle, and what starts the threads (bin/stagediff.cjs requires it before
// the CLI bundle): CommonJS files of their own (no chunks shared with the CLI). A worker's boot is
// on the critical path of `analyze` (the lane it reads lasts longest), and one script boots ~6 ms
// faster than ES modules (no ES module loader to set up, half the code: only what the worker
// runs). import.meta.url, which the shared sources use to find the files beside them, is the
// bundle's own file URL.
await build({
  ...common,
  platform: 'node',
  format: 'cjs',
  entryPoints: { 'analysis-worker': 'shared/node/analysis-worker.ts', 'worker-spawn': 'shared/node/worker-spawn.ts', 'worker-load': 'shared/node/worker-load.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  // import() as require(): the worker's bundle runs as a vm.Script (worker-load.ts), where
  // import() has no loader; the sources load some built-in modules only when they need them.
  supported: { 'dynamic-import': false },
});

// The WebAssembly modules (AssemblyScript), beside the bundles that load them: the index's core
// (wasm/index-core.ts), the flows' JSON (wasm/flow-json.ts), the model's flow ids (wasm/flow-ids.ts).
{
  const asc = (await import('assemblyscript/asc')).default;
  for (const name of ['index-core', 'flow-json', 'flow-ids', 'flow-quiet']) {
    const r = await asc.main([`wasm/${name}.ts`, '-O3', '--noAssert', '--runtime', 'stub', '--initialMemory', '1', '-o', `dist/${name}.wasm`], { cwd: root });
    if (r.error) {
      process.stderr.write(r.stderr.toString());
      throw new Error(`wasm/${name}.ts: ${r.error.message}`);
    }
  }
}

// The worker's V8 code cache (dist/analysis-worker.cache, see shared/node/worker-load.ts): made by
// this node, for this bundle, from an analysis of the sample incident with a worker that reads
// files and analyses (what a run compiles). Without it (no sample, the run failing) the worker
// compiles its bundle as usual.
{
  const cache = join(root, 'dist', 'analysis-worker.cache');
  rmSync(cache, { force: true });
  const sample = join(root, 'renderer', 'public', 'sample');
  const files = existsSync(sample) ? readdirSync(sample).filter((f) => /\.pcapn?g?$/.test(f)).map((f) => join(sample, f)) : [];
  if (files.length) {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'stagediff.cjs'), 'analyze', '--json', ...files], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, STAGEDIFF_CODE_CACHE: 'write', STAGEDIFF_THREADS: '2', STAGEDIFF_WASM: '', NODE_OPTIONS: '' },
    });
    if (r.status !== 0 || !existsSync(cache)) process.stderr.write(`build: no code cache for the worker (${r.status}: ${r.stderr?.toString().trim().slice(0, 300)})\n`);
  }
}

if (!cliOnly) {
  if (existsSync(join(root, 'main', 'main.ts'))) {
    await build({
      ...common,
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
      entryPoints: { main: 'main/main.ts', preload: 'main/preload.ts' },
      outdir: 'dist/main',
      outExtension: { '.js': '.cjs' },
    });
  }
  if (existsSync(join(root, 'renderer', 'index.html'))) {
    const { build: viteBuild } = await import('vite');
    await viteBuild({ configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
  }
}
