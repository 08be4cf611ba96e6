// Builds the renderer (React + AG Grid + d3) into dist/renderer. Relative base so the same build
// works from app://stagediff/ (Electron) and http://127.0.0.1 (browser fallback). Workers are ES
// modules (one chunk per worker entry).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  publicDir: join(here, 'public'),
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
