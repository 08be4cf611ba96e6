import { build } from 'esbuild';
await build({ entryPoints: ['scripts/dev-phases.ts'], bundle: true, platform: 'node', format: 'esm', outfile: '/tmp/sd/phases.mjs', sourcemap: true, logLevel: 'warning' });
