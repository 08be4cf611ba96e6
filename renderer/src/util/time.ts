/**
 * Times in the views: nanoseconds on the analysis' common clock (relative to baseSec), shown in
 * UTC or local time (one setting for every view), absolute or relative to the first packet.
 */
export type TimeZoneMode = 'utc' | 'local';
export type TimeMode = 'absolute' | 'relative';

export interface TimeFormat {
  zone: TimeZoneMode;
  mode: TimeMode;
  baseSec: number;
  /** Origin of relative times (ns on the common clock). */
  originNs: number;
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** "2023-11-25T22:22:06.821040000Z" -> ns relative to baseSec (exact to the ns within ~100 days). */
export function isoToNs(iso: string, baseSec: number): number {
  const whole = canonicalSeconds(iso);
  if (whole === whole) return (whole - baseSec) * 1e9 + digits(iso, 20, 29);
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$/.exec(iso);
  if (!m) return NaN;
  const sec = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
  const frac = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  return (sec - baseSec) * 1e9 + frac;
}

/** The day of the last canonicalSeconds call (yyyymmdd) and its first second. */
let lastDay = -1;
let lastDaySec = 0;

/** Digits at iso[from, to) as a number, or NaN when any is not a digit. */
function digits(iso: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = iso.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The whole seconds of a time in the form the analysis writes every time in
 * (YYYY-MM-DDTHH:MM:SS.fffffffffZ), read digit by digit (a table of flows parses a few per flow:
 * the regular expression and Date.UTC for each were a quarter of the flows grid's build), or NaN
 * for any other form.
 */
function canonicalSeconds(iso: string): number {
  if (iso.length !== 30 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45 || iso.charCodeAt(10) !== 84 || iso.charCodeAt(13) !== 58 || iso.charCodeAt(16) !== 58 || iso.charCodeAt(19) !== 46 || iso.charCodeAt(29) !== 90) return NaN;
  const day = digits(iso, 0, 4) * 10000 + digits(iso, 5, 7) * 100 + digits(iso, 8, 10);
  const h = digits(iso, 11, 13);
  const mi = digits(iso, 14, 16);
  const sec = digits(iso, 17, 19);
  if (day !== day || h !== h || mi !== mi || sec !== sec) return NaN;
  if (day !== lastDay) {
    lastDay = day;
    lastDaySec = Date.UTC(Math.floor(day / 10000), (Math.floor(day / 100) % 100) - 1, day % 100) / 1000;
  }
  return lastDaySec + h * 3600 + mi * 60 + sec;
}

function split(ns: number, baseSec: number): { sec: number; frac: number } {
  const whole = Math.floor(ns / 1e9);
  return { sec: baseSec + whole, frac: Math.round(ns - whole * 1e9) };
}

function wallParts(sec: number, zone: TimeZoneMode) {
  const d = new Date(sec * 1000);
  return zone === 'utc'
    ? { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() }
    : { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds() };
}

/** Clock time with microseconds ("22:22:06.821040"), or relative seconds ("400.000123"). */
export function formatTime(ns: number, f: TimeFormat, digits = 6): string {
  if (!Number.isFinite(ns)) return '';
  if (f.mode === 'relative') return formatSeconds((ns - f.originNs) / 1e9, digits);
  const { sec, frac } = split(ns, f.baseSec);
  const w = wallParts(sec, f.zone);
  const fr = digits > 0 ? `.${String(frac).padStart(9, '0').slice(0, digits)}` : '';
  return `${p2(w.h)}:${p2(w.mi)}:${p2(w.s)}${fr}`;
}

/** Date and time ("2023-11-25 22:22:06.821"), for ranges and tooltips. */
export function formatDateTime(ns: number, f: TimeFormat, digits = 3): string {
  if (!Number.isFinite(ns)) return '';
  if (f.mode === 'relative') return `${formatSeconds((ns - f.originNs) / 1e9, digits)} s`;
  const { sec } = split(ns, f.baseSec);
  const w = wallParts(sec, f.zone);
  return `${w.y}-${p2(w.mo)}-${p2(w.d)} ${formatTime(ns, f, digits)}`;
}

export function formatSeconds(s: number, digits = 6): string {
  return s.toFixed(digits);
}

/** "400 s", "6 min 40 s", "1.25 ms": a duration for people. */
export function formatDuration(seconds: number): string {
  const a = Math.abs(seconds);
  if (a >= 3600) return `${Math.floor(a / 3600)} h ${Math.round((a % 3600) / 60)} min`;
  if (a >= 100) return `${Math.round(a)} s`;
  if (a >= 1) return `${a.toFixed(a >= 10 ? 1 : 2)} s`;
  if (a >= 1e-3) return `${(a * 1e3).toFixed(a >= 1e-2 ? 1 : 2)} ms`;
  return `${(a * 1e6).toFixed(0)} µs`;
}

export function zoneLabel(f: Pick<TimeFormat, 'zone' | 'mode'>): string {
  if (f.mode === 'relative') return 's since first packet';
  if (f.zone === 'utc') return 'UTC';
  const off = -new Date().getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `local, UTC${sign}${p2(Math.floor(Math.abs(off) / 60))}:${p2(Math.abs(off) % 60)}`;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
