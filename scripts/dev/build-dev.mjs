// Dev tools (not part of the app or the tests): bundles one of scripts/dev/*.ts for plain node.
//   node scripts/dev/build-dev.mjs scripts/dev/phases.ts OUT.mjs && node OUT.mjs CAPTURE...
// phases.ts: index and analysis times in one thread (MODE=full,half,packed,packedfull,...);
// rss-index.ts: RSS, column bytes and page faults per file; heap-model.ts / heap-flows.ts: heap
// bytes of the model / of the indexer's flows (run with --expose-gc).
// ab.mjs (no build): interleaved timings of `analyze --json` between built dist folders.
import { build } from 'esbuild';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [entry = 'scripts/dev/phases.ts', out = join(tmpdir(), 'stagediff-dev.mjs')] = process.argv.slice(2);
await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, sourcemap: true, logLevel: 'warning' });
console.log(out);
