#!/usr/bin/env -S NODE_EXTRA_CA_CERTS=${STAGEDIFF_EXTRA_CA_CERTS} node --single-threaded-gc
// Entry point of the `stagediff` command: runs the bundled CLI (built by `npm install`'s prepare step).
// The first line clears NODE_EXTRA_CA_CERTS for this node: with it set, node 20 parses its whole
// root certificate store and the file's certificates before running anything (~35 ms of a 0.35 s
// `analyze`), and no command of stagediff opens a TLS connection. STAGEDIFF_EXTRA_CA_CERTS, if
// set, is passed on in its place. (`env -S` with ${VAR}: GNU and BSD env; npm's Windows shims
// turn the assignment into a SET.) And V8 collects garbage in the thread that made it, without
// helper threads: `analyze` keeps every core busy with its own threads, which V8's helpers only
// take time from (docs/decisions.md); work in one thread runs in a second node without it (below).
// CommonJS, not an ES module: `analyze`'s worker threads start ~7 ms sooner (node sets up its ES
// module loader only once the CLI bundle is imported, after they were started).
'use strict';
const { existsSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const { join } = require('node:path');
const { availableParallelism, totalmem } = require('node:os');

const root = join(__dirname, '..');
const cli = join(root, 'dist', 'cli.mjs');
// node:child_process is imported only where it is used: loading it takes ~4 ms, before the
// analysis threads below could start.
if (!existsSync(cli)) {
  const { execFileSync } = require('node:child_process');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--cli-only'], { stdio: 'inherit' });
}

// V8's default heap (about 4 GB) is too small for a capture set with a million flows: give the
// analysis most of the machine's memory, as the user would expect from a desktop tool. `analyze`
// on a machine with several cores analyses in worker threads, which get that heap limit directly
// (STAGEDIFF_HEAP_MB, read by the worker pool); everything else needs this process's own heap
// raised, which takes a second node process (~0.1 s).
const mb = Math.max(4096, Math.min(32768, Math.floor((totalmem() / 1048576) * 0.75)));
process.env.STAGEDIFF_HEAP_MB ??= String(mb);
const threads = Math.floor(Number(process.env.STAGEDIFF_THREADS)) || availableParallelism();
const inWorkers = process.argv[2] === 'analyze' && threads > 1;
const heapFlag = process.execArgv.some((a) => a.startsWith('--max-old-space-size')) || /max-old-space-size/.test(process.env.NODE_OPTIONS ?? '');
if (!heapFlag && !inWorkers && !process.env.STAGEDIFF_NO_REEXEC) {
  const { spawn } = require('node:child_process');
  const heapMb = Number(process.env.STAGEDIFF_HEAP_MB) || mb;
  // Without the first line's --single-threaded-gc: this one thread leaves a core idle, which V8's
  // helper threads then use (a million flows in one thread: 37.5 s with them, 47.6 s without).
  const execArgv = process.execArgv.filter((a) => a !== '--single-threaded-gc');
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, ...execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, STAGEDIFF_NO_REEXEC: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    // V8 aborts when the heap is full, after its own "FATAL ERROR ... heap out of memory" line.
    if (signal === 'SIGABRT') {
      process.stderr.write(
        `stagediff: the process was aborted; if node reported the JavaScript heap out of memory above, the work needed more than the ${heapMb} MB of heap it may use ` +
          "(STAGEDIFF_HEAP_MB; by default three quarters of this machine's memory, 4 to 32 GB). Work on fewer or shorter captures at a time (editcap -A/-B cuts a capture by time), or use a machine with more memory.\n",
      );
    }
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  // `analyze` in worker threads: they start booting now, while this thread loads the CLI bundle.
  const spawner = join(root, 'dist', 'worker-spawn.cjs');
  // This thread reads files too: one worker less than threads (see cli.ts).
  const early = inWorkers && existsSync(spawner) ? require(spawner).startWorkers(threads - 1) : [];
  void import(pathToFileURL(cli).href).then(async ({ main }) => {
    const code = await main(process.argv.slice(2), early);
    // Done, and everything written: exit now rather than wait for the threads and the heap to wind
    // down (~10 ms). With output still queued (a pipe on some systems), the usual exit drains it.
    if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
    process.exitCode = code;
  });
}
