// Builds the renderer (React + AG Grid + d3) into dist/renderer. Relative base so the same build
// works from app://stagediff/ (Electron) and http://127.0.0.1 (browser fallback). Workers are ES
// modules (one chunk per worker entry).
import { defineConfig, type Plugin } from 'vite';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { renderGuide } from '../scripts/guide.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const guideSource = join(here, '..', 'docs', 'guide.md');

/** docs/guide.md rendered at build time (scripts/guide.mjs) as the module `virtual:stagediff-guide`. */
function guidePlugin(): Plugin {
  const id = 'virtual:stagediff-guide';
  return {
    name: 'stagediff-guide',
    resolveId: (source) => (source === id ? `\0${id}` : null),
    load(resolved) {
      if (resolved !== `\0${id}`) return null;
      this.addWatchFile(guideSource);
      return `export default ${JSON.stringify(renderGuide(readFileSync(guideSource, 'utf8')))};`;
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  publicDir: join(here, 'public'),
  plugins: [guidePlugin()],
  oxc: { jsx: { runtime: 'automatic' } },
  worker: { format: 'es' },
  build: {
    outDir: join(here, '..', 'dist', 'renderer'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 4096,
    modulePreload: { polyfill: false },
  },
  server: { host: '127.0.0.1' },
});
