/**
 * Maps app:// URLs to files of the built renderer (dist/renderer) without leaving that folder.
 * scripts/serve.mjs applies the same rules to http://127.0.0.1.
 */
import { extname, join, normalize, sep } from 'node:path';

export const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.pcap': 'application/vnd.tcpdump.pcap',
  '.pcapng': 'application/octet-stream',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under root for a URL pathname ("/" -> index.html), or null when the path is malformed
 * or would leave root (encoded "..", backslashes, NUL).
 */
export function resolveStatic(root: string, pathname: string): string | null {
  let p: string;
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
