// Builds everything that runs: the CLI and its worker (Node), Electron main + preload, and the renderer.
// Run by `npm install` (prepare), `npm test`, `npm start`. `--cli-only` skips Electron and the renderer.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliOnly = process.argv.includes('--cli-only');
const common = { bundle: true, sourcemap: 'linked', logLevel: 'warning', absWorkingDir: root, target: 'node20' };

await build({
  ...common,
  platform: 'node',
  format: 'esm',
  entryPoints: { cli: 'shared/node/cli.ts', 'analysis-worker': 'shared/node/analysis-worker.ts', 'worker-spawn': 'shared/node/worker-spawn.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});

// The index's WebAssembly core (wasm/index-core.ts, AssemblyScript), beside the bundles that load it.
{
  const asc = (await import('assemblyscript/asc')).default;
  const r = await asc.main(['wasm/index-core.ts', '-O3', '--noAssert', '--runtime', 'stub', '--initialMemory', '1', '-o', 'dist/index-core.wasm'], { cwd: root });
  if (r.error) {
    process.stderr.write(r.stderr.toString());
    throw new Error(`wasm/index-core.ts: ${r.error.message}`);
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
