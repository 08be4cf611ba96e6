import { build } from 'esbuild';
await build({ entryPoints: [process.argv[2] ?? 'scripts/dev-phases.ts'], bundle: true, platform: 'node', format: 'esm', outfile: process.argv[3] ?? '/tmp/sd/phases.mjs', sourcemap: true, logLevel: 'warning' });
