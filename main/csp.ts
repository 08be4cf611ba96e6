/**
 * The Content-Security-Policy of the app, the same in Electron (response header of the app://
 * protocol and a <meta> in index.html) and in the browser fallback (scripts/serve.mjs header).
 * No remote origins, no eval; styles may be inline because AG Grid injects its theme at runtime.
 * tests/main/csp.test.ts checks that all three copies agree.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
