/**
 * Maps app:// URLs to files of the built renderer (dist/renderer) without leaving that folder.
 * scripts/serve.mjs applies the same rules to http://127.0.0.1.
 */
import { extname, join, normalize, sep } from 'node:path';

import { MIME_TYPES } from './web-policy.mjs';

export { MIME_TYPES };

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
