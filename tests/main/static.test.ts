import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { mimeType, resolveStatic } from '../../main/static-files.ts';
import { CSP } from '../../main/csp.ts';
import { CSP as SERVE_CSP, resolveStatic as serveResolve, startServer } from '../../scripts/serve.mjs';

const ROOT = '/srv/stagediff/dist/renderer';

describe('static files of the renderer (app:// and the 127.0.0.1 fallback)', () => {
  it('maps URL paths under the root, / to index.html', () => {
    for (const resolve of [resolveStatic, serveResolve]) {
      expect(resolve(ROOT, '/')).toBe(`${ROOT}/index.html`);
      expect(resolve(ROOT, '/assets/index-abc.js')).toBe(`${ROOT}/assets/index-abc.js`);
      expect(resolve(ROOT, '/sample/PA-VM-1_receive.pcap')).toBe(`${ROOT}/sample/PA-VM-1_receive.pcap`);
    }
  });

  it('never leaves the root: .., encoded .., backslashes, NUL, bad escapes', () => {
    for (const resolve of [resolveStatic, serveResolve]) {
      for (const p of ['/../secret', '/assets/../../x', '/%2e%2e/x', '/%2E%2E%2Fx', '/a\\..\\x', '/a%5c..%5cx', '/x%00.js', '/%E0%A4%A']) {
        expect(resolve(ROOT, p), p).toBeNull();
      }
    }
  });

  it('gives the right MIME types', () => {
    expect(mimeType('a.js')).toMatch(/^text\/javascript/);
    expect(mimeType('a.css')).toMatch(/^text\/css/);
    expect(mimeType('index.html')).toMatch(/^text\/html/);
    expect(mimeType('x.json')).toMatch(/^application\/json/);
    expect(mimeType('x.unknown')).toBe('application/octet-stream');
  });

  it('one CSP: Electron, the fallback server and index.html agree; no remote origins, no eval', () => {
    expect(SERVE_CSP).toBe(CSP);
    const html = readFileSync(join(import.meta.dirname, '..', '..', 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    // frame-ancestors is ignored in <meta>; everything else must match.
    expect(meta).toBe(CSP.replace("; frame-ancestors 'none'", ''));
    expect(CSP).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(CSP).toMatch(/script-src 'self'(;|$)/);
  });

  it('the fallback server listens on 127.0.0.1 only, sends the CSP and refuses traversal', async () => {
    await expect(startServer({ host: '0.0.0.0' } as never)).rejects.toThrow();
    const s = await startServer({ root: join(import.meta.dirname, '..', '..', 'renderer'), port: 0 });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const get = (path: string) =>
        new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
          const r = request({ host: '127.0.0.1', port: s.port, path, method: 'GET' }, (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
          });
          r.on('error', reject);
          r.end();
        });
      const ok = await get('/index.html');
      expect(ok.status).toBe(200);
      expect(ok.headers['content-security-policy']).toBe(CSP);
      expect(ok.headers['content-type']).toMatch(/^text\/html/);
      expect((await get('/../package.json')).status).toBe(404);
      expect((await get('/%2e%2e/package.json')).status).toBe(404);
      expect((await get('/vite.config.ts/..%2f..%2fpackage.json')).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
