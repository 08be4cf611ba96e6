/** Escaping for HTML and SVG text and attribute values: every string from a capture or a user goes through here. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    // C0 controls other than tab/newline are not allowed in XML 1.0: show them as U+FFFD.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd');
}

/** Cuts a string to at most n characters (by code point) with an ellipsis. Escape after cutting. */
export function clip(s: string, n: number): string {
  const cps = Array.from(s);
  return cps.length <= n ? s : `${cps.slice(0, Math.max(1, n - 1)).join('')}…`;
}

/** ISO-8601 (up to 9 decimals) -> [epoch seconds, nanoseconds], exact. */
export function isoParts(iso: string): [number, number] {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) {
    const ms = Date.parse(iso);
    return [Math.floor(ms / 1000), (ms - Math.floor(ms / 1000) * 1000) * 1e6];
  }
  return [Date.parse(m[1] + m[3]) / 1000, m[2] ? Number(m[2].padEnd(9, '0')) : 0];
}

/** ISO time as nanoseconds since baseSec (exact for spans up to ~100 days). */
export function isoNs(iso: string, baseSec: number): number {
  const [s, n] = isoParts(iso);
  return (s - baseSec) * 1e9 + n;
}
