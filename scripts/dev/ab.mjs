// Dev tool: A/B timing of `analyze --json` between built dist folders, runs interleaved.
//   node scripts/dev/ab.mjs N DIST_A DIST_B ... -- FILES...
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
// A runner file, not `node -e`: the worker threads inherit the process's execArgv, and
// `--input-type` (which `-e` with ESM needs) makes every worker fail, so that the CLI falls back
// to indexing and analysing in one thread.
const runner = join(tmpdir(), 'stagediff-ab-run.mjs');
writeFileSync(runner, 'const { main } = await import(process.argv[2]);\nprocess.exitCode = await main(process.argv.slice(3));\n');
const args = process.argv.slice(2);
const n = Number(args.shift());
const sep = args.indexOf('--');
const dists = args.slice(0, sep);
const files = args.slice(sep + 1);
const times = dists.map(() => []);
for (let r = 0; r < n; r++) {
  for (let d = 0; d < dists.length; d++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [runner, pathToFileURL(join(dists[d], 'cli.mjs')).href, 'analyze', '--json', ...files], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, STAGEDIFF_HEAP_MB: '16000' } });
    if (p.status !== 0) throw new Error(`exit ${p.status}`);
    times[d].push(performance.now() - t0);
  }
}
for (let d = 0; d < dists.length; d++) {
  const s = [...times[d]].sort((a, b) => a - b);
  console.log(`${dists[d]}: min ${s[0].toFixed(0)} median ${s[s.length >> 1].toFixed(0)} ms`);
}
