/**
 * The Content-Security-Policy of the app, the same in Electron (response header of the app://
 * protocol and a <meta> in index.html) and in the browser fallback (scripts/serve.mjs header).
 * No remote origins, no eval; styles may be inline because AG Grid injects its theme at runtime.
 * The policy lives in web-policy.mjs (shared with scripts/serve.mjs); tests/main/csp.test.ts checks
 * that index.html's <meta> agrees.
 */
export { CSP, ISOLATION_HEADERS } from './web-policy.mjs';
