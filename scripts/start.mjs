// `npm start` (after the build): launches Electron on dist/main/main.cjs. Where the Electron
// runtime is missing (it cannot be downloaded on every machine), says so in one line and serves
// the same renderer on 127.0.0.1 instead. Never triggers the electron package's download: it
// checks node_modules/electron/path.txt and the binary itself before requiring the package.
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The Electron binary when it is installed, else null (with the reason). */
export function findElectron() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json', { paths: [root] }));
  } catch {
    return { path: null, reason: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!existsSync(pathFile) && !override) return { path: null, reason: 'the Electron runtime was never downloaded' };
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const bin = override ? join(override, rel) : join(pkgDir, 'dist', rel);
  if (!existsSync(bin)) return { path: null, reason: `the Electron binary ${bin} does not exist` };
  return { path: bin, reason: '' };
}

const electron = findElectron();
const mainEntry = join(root, 'dist', 'main', 'main.cjs');
if (electron.path && existsSync(mainEntry)) {
  const child = spawn(electron.path, [mainEntry, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const why = electron.path ? 'dist/main/main.cjs is missing' : electron.reason;
  console.log(`stagediff: Electron runtime not available (${why}); serving the app in the browser instead.`);
  const { startServer } = await import('./serve.mjs');
  const port = Number(process.env.PORT ?? 5170);
  const s = await startServer({ port: Number.isInteger(port) && port >= 0 ? port : 5170 }).catch(() => startServer({ port: 0 }));
  console.log(`stagediff: open ${s.url} in Chromium (Ctrl+C to stop)`);
}
