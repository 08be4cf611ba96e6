// What scripts/bench.mjs and scripts/bench-app.mjs share: their command-line options, sizes like
// "250M" / "1G" (decimal), and the generated 4-file GWLB capture sets they measure on
// (tests/gen/cli.ts `bulk`, one folder per variant and size, made once and reused).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const log = (s) => process.stderr.write(`${s}\n`);

/** `--name` flags and `--name VALUE` options of this process's arguments. */
export function cliArgs(args = process.argv.slice(2)) {
  return {
    flag: (name) => args.includes(`--${name}`),
    opt: (name, dflt) => {
      const i = args.indexOf(`--${name}`);
      return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
    },
  };
}

export function parseSize(s) {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)B?$/i.exec(s.trim());
  if (!m) throw new Error(`bad size ${s}`);
  return Math.round(Number(m[1]) * { '': 1, K: 1e3, M: 1e6, G: 1e9 }[m[2].toUpperCase()]);
}

export const sizeLabel = (b) => (b >= 1e9 ? `${+(b / 1e9).toFixed(2)}G` : `${+(b / 1e6).toFixed(1)}M`);

export function setDir(dataDir, variant, bytes) {
  return join(dataDir, `${variant}-${bytes}`);
}

/**
 * The capture set of `bytes` (generated first if missing): its folder, files, total size and
 * records (each generated packet is written to a receive and a transmit file).
 */
export function captureSet(dataDir, variant, bytes) {
  const dir = setDir(dataDir, variant, bytes);
  if (!existsSync(join(dir, 'bulk.json'))) {
    mkdirSync(dir, { recursive: true });
    log(`generating ${sizeLabel(bytes)} in ${dir}`);
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'tests/gen/cli.ts'), 'bulk', variant, dir, '--bytes', String(bytes)], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error('generator failed');
  }
  const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map((f) => join(dir, f));
  const total = files.reduce((s, f) => s + statSync(f).size, 0);
  const summary = JSON.parse(readFileSync(join(dir, 'bulk.json'), 'utf8'));
  const packets = summary.files.reduce((s, f) => s + f.packets, 0);
  return { dir, files, total, packets };
}
