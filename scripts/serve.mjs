// The browser fallback: serves the built renderer (dist/renderer) on 127.0.0.1 only, with the
// same Content-Security-Policy as the Electron app (main/csp.ts; tests/main/csp.test.ts checks
// that they agree). `npm run serve` runs it; `npm start` uses it when Electron is missing; the
// end-to-end tests import startServer().
//   node scripts/serve.mjs [--port N]   (default: PORT env or 5170; 0 = any free port)
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CSP, ISOLATION_HEADERS, MIME_TYPES } from '../main/web-policy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_ROOT = join(here, '..', 'dist', 'renderer');

export { CSP };

const MIME = MIME_TYPES;

/** The file under root for a URL pathname, or null (traversal, NUL, backslash, bad encoding). */
export function resolveStatic(root, pathname) {
  let p;
  try {
    p = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (p.includes('\0') || p.includes('\\')) return null;
  if (p === '' || p.endsWith('/')) p += 'index.html';
  const parts = p.split('/').filter((s) => s.length > 0);
  if (parts.some((s) => s === '..' || s === '.')) return null;
  const rootN = normalize(root);
  const full = normalize(join(rootN, ...parts));
  if (full !== rootN && !full.startsWith(rootN.endsWith(sep) ? rootN : rootN + sep)) return null;
  return full;
}

const HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  ...ISOLATION_HEADERS,
  'cache-control': 'no-cache',
};

/** Starts the server; resolves with { url, port, close() }. Listens on 127.0.0.1 only. */
export function startServer({ root = DEFAULT_ROOT, port = 0, host = '127.0.0.1' } = {}) {
  if (host !== '127.0.0.1' && host !== 'localhost') return Promise.reject(new Error('serve: refusing to listen on anything but 127.0.0.1'));
  const server = createServer((req, res) => {
    const send = (status, text) => {
      res.writeHead(status, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    let pathname;
    try {
      pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    } catch {
      return send(400, 'bad request');
    }
    const file = resolveStatic(root, pathname);
    if (!file) return send(404, 'not found');
    let st;
    try {
      st = statSync(file);
    } catch {
      return send(404, 'not found');
    }
    if (!st.isFile()) return send(404, 'not found');
    res.writeHead(200, {
      ...HEADERS,
      'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': st.size,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        url: `http://127.0.0.1:${p}/`,
        port: p,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--port');
  const port = Number(i >= 0 ? process.argv[i + 1] : process.env.PORT ?? 5170);
  try {
    statSync(join(DEFAULT_ROOT, 'index.html'));
  } catch {
    console.error('serve: dist/renderer/index.html is missing: run `npm run build` first');
    process.exit(1);
  }
  startServer({ port: Number.isInteger(port) && port >= 0 ? port : 5170 }).then(
    (s) => console.log(`stagediff: serving the app at ${s.url} (Ctrl+C to stop)`),
    (e) => {
      console.error(`serve: ${e.message}`);
      process.exit(1);
    },
  );
}
