/**
 * PAN-OS traffic-log import: the CSV exported from Monitor > Logs > Traffic, joined to flows.
 *
 * Header names vary by release and by export path ("Source address" in the web UI export,
 * "Source Address" elsewhere, syslog-style "src" / "session_end_reason" in others), so columns
 * are found case-insensitively through aliases. A log row joins a flow on the 5-tuple and time:
 * its session [start, start + elapsed] overlaps the flow's activity on that firewall (after the
 * firewall's clock offset, with a tolerance). When the log names the firewall (Device Name,
 * Serial #, or the device given for the whole file), only that firewall's flow side is joined.
 * Session IDs are per firewall, so they are never used to join (docs/domain.md).
 */
import { ipv6Groups } from '../format/addr.ts';
import Papa from 'papaparse';
import type { AnalysisResult, FlowSummary } from '../api/analysis.ts';

export class TrafficLogError extends Error {}

/** One session in the log. */
export interface TrafficLogEntry {
  /** Where it came from: the file name and its 1-based line. */
  source: string;
  line: number;
  deviceName?: string;
  serial?: string;
  sessionId?: string;
  src: string;
  dst: string;
  sport: number | null;
  dport: number | null;
  /** tcp, udp, icmp, icmpv6, or the protocol number as text. */
  proto: string;
  /** Session start on the firewall's own clock: epoch seconds (may carry a fraction). */
  startSec: number;
  elapsedSec: number | null;
  action?: string;
  endReason?: string;
  bytes?: number;
  packets?: number;
  application?: string;
  rule?: string;
}

export interface TrafficLog {
  source: string;
  /** The firewall the whole file belongs to (given by the user), if any. */
  device?: string;
  /** Which header was used for each field. */
  columns: Partial<Record<LogField, string>>;
  entries: TrafficLogEntry[];
}

type LogField =
  | 'src' | 'dst' | 'sport' | 'dport' | 'proto' | 'start' | 'generate' | 'receive' | 'elapsed' | 'sessionId'
  | 'action' | 'endReason' | 'bytes' | 'packets' | 'deviceName' | 'serial' | 'application' | 'rule';

/** Aliases, compared after lower-casing and turning `_`/`-`/runs of spaces into one space. */
const ALIASES: Record<LogField, string[]> = {
  src: ['source address', 'source ip', 'src', 'src ip', 'srcaddr', 'source'],
  dst: ['destination address', 'destination ip', 'dst', 'dst ip', 'dstaddr', 'destination'],
  sport: ['source port', 'sport', 'src port', 'srcport'],
  dport: ['destination port', 'dport', 'dst port', 'dstport'],
  proto: ['ip protocol', 'protocol', 'proto'],
  start: ['start time', 'start', 'session start time'],
  generate: ['generate time', 'time generated', 'generated time'],
  receive: ['receive time', 'time received', 'received time'],
  elapsed: ['elapsed time (sec)', 'elapsed time', 'elapsed', 'elapsed time (seconds)', 'duration'],
  sessionId: ['session id', 'sessionid'],
  action: ['action'],
  endReason: ['session end reason', 'session end', 'end reason'],
  bytes: ['bytes'],
  packets: ['packets'],
  deviceName: ['device name', 'devicename', 'host name', 'hostname'],
  serial: ['serial #', 'serial', 'serial number', 'serialnumber'],
  application: ['application', 'app'],
  rule: ['rule', 'rule name'],
};

function norm(h: string): string {
  return h.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ');
}

const PROTO_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', '132': 'sctp' };

export interface ParseTrafficLogOptions {
  /** Name used in messages (the file name). */
  source?: string;
  /** The firewall the file belongs to, when the log does not name it (CLI: `--traffic-log DEV=FILE`). */
  device?: string;
  /** Minutes east of UTC of the times in the log (PAN-OS writes local time without a zone). Default 0. */
  utcOffsetMinutes?: number;
}

/**
 * Parses a traffic-log CSV. Throws TrafficLogError naming the line and column of every problem
 * (up to 10) when the file is malformed; rows for sessions without ports (ICMP) are kept.
 */
export function parseTrafficLog(text: string, opts: ParseTrafficLogOptions = {}): TrafficLog {
  const source = opts.source ?? 'traffic log';
  const tzSec = (opts.utcOffsetMinutes ?? 0) * 60;
  const problems: string[] = [];
  const problem = (line: number, msg: string) => {
    if (problems.length < 10) problems.push(`line ${line}: ${msg}`);
  };
  // Line numbers: papaparse reports the character position after each row (meta.cursor);
  // counting line breaks up to there gives the line each row starts on, quoted newlines included.
  let header: string[] | null = null;
  let idx: Partial<Record<LogField, number>> = {};
  const rows: { line: number; cells: string[] }[] = [];
  let cursor = 0;
  let line = 1;
  const advance = (to: number) => {
    for (let i = cursor; i < to && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    cursor = Math.max(cursor, to);
  };
  Papa.parse<string[]>(text, {
    header: false,
    skipEmptyLines: 'greedy',
    step: (r) => {
      // Leading empty lines are skipped by papaparse: move to the row's first character.
      let start = cursor;
      while (start < text.length && (text[start] === '\n' || text[start] === '\r')) start++;
      advance(start);
      const rowLine = line;
      advance(r.meta.cursor);
      for (const e of r.errors) problem(rowLine, e.message);
      const cells = r.data;
      if (!header) {
        header = cells;
        idx = findColumns(cells);
        return;
      }
      rows.push({ line: rowLine, cells });
    },
  });
  if (!header) throw new TrafficLogError(`${source}: empty file: expected a PAN-OS traffic log CSV with a header line`);
  const hdr: string[] = header;
  const missing: string[] = [];
  if (idx.src === undefined) missing.push('"Source address"');
  if (idx.dst === undefined) missing.push('"Destination address"');
  if (idx.dport === undefined) missing.push('"Destination Port"');
  if (idx.proto === undefined) missing.push('"IP Protocol"');
  if (idx.start === undefined && idx.generate === undefined && idx.receive === undefined) missing.push('"Start Time" (or "Generate Time" / "Receive Time")');
  if (missing.length) {
    throw new TrafficLogError(
      `${source}: line 1: not a PAN-OS traffic log: no column ${missing.join(', ')} in the header (found: ${hdr.slice(0, 12).map((h) => JSON.stringify(h)).join(', ')}${hdr.length > 12 ? ', ...' : ''})`,
    );
  }
  const columns: Partial<Record<LogField, string>> = {};
  for (const [k, i] of Object.entries(idx)) columns[k as LogField] = hdr[i as number];
  const entries: TrafficLogEntry[] = [];
  for (const { line: ln, cells } of rows) {
    if (cells.length !== hdr.length) {
      problem(ln, `expected ${hdr.length} fields as in the header, found ${cells.length}`);
      continue;
    }
    const get = (f: LogField): string | undefined => {
      const i = idx[f];
      if (i === undefined) return undefined;
      const v = cells[i].trim();
      return v === '' ? undefined : v;
    };
    const col = (f: LogField) => JSON.stringify(columns[f]);
    const src = get('src');
    const dst = get('dst');
    if (!src || !isIp(src)) {
      problem(ln, `column ${col('src')}: expected an IP address, got ${JSON.stringify(src ?? '')}`);
      continue;
    }
    if (!dst || !isIp(dst)) {
      problem(ln, `column ${col('dst')}: expected an IP address, got ${JSON.stringify(dst ?? '')}`);
      continue;
    }
    const port = (f: LogField): number | null | false => {
      const v = get(f);
      if (v === undefined) return null;
      if (!/^\d+$/.test(v) || Number(v) > 65535) {
        problem(ln, `column ${col(f)}: expected a port number 0-65535, got ${JSON.stringify(v)}`);
        return false;
      }
      return Number(v);
    };
    const sport = port('sport');
    const dport = port('dport');
    if (sport === false || dport === false) continue;
    const protoRaw = (get('proto') ?? '').toLowerCase();
    const proto = PROTO_NUMBERS[protoRaw] ?? protoRaw;
    if (!proto) {
      problem(ln, `column ${col('proto')}: empty`);
      continue;
    }
    const num = (f: LogField): number | undefined | false => {
      const v = get(f);
      if (v === undefined) return undefined;
      const n = Number(v.replace(/,/g, ''));
      if (!Number.isFinite(n) || n < 0) {
        problem(ln, `column ${col(f)}: expected a number, got ${JSON.stringify(v)}`);
        return false;
      }
      return n;
    };
    const elapsed = num('elapsed');
    const bytes = num('bytes');
    const packets = num('packets');
    if (elapsed === false || bytes === false || packets === false) continue;
    // The session start: Start Time, else the log's time (written when the session ended) less the elapsed time.
    let startSec: number | null = null;
    for (const f of ['start', 'generate', 'receive'] as const) {
      const v = get(f);
      if (v === undefined) continue;
      const t = parseLogTime(v);
      if (t === null) {
        problem(ln, `column ${col(f)}: expected a time like 2023/11/25 22:22:05, got ${JSON.stringify(v)}`);
        break;
      }
      startSec = t - tzSec - (f === 'start' ? 0 : (elapsed ?? 0));
      break;
    }
    if (startSec === null) {
      if (problems.length === 0 || !problems[problems.length - 1].startsWith(`line ${ln}:`)) problem(ln, 'no session start time (Start Time, Generate Time and Receive Time are all empty)');
      continue;
    }
    const e: TrafficLogEntry = {
      source,
      line: ln,
      src: normalizeIp(src),
      dst: normalizeIp(dst),
      sport,
      dport,
      proto,
      startSec,
      elapsedSec: elapsed ?? null,
    };
    const opt = (f: LogField, k: 'deviceName' | 'serial' | 'sessionId' | 'action' | 'endReason' | 'application' | 'rule') => {
      const v = get(f);
      if (v !== undefined) e[k] = v;
    };
    opt('deviceName', 'deviceName');
    opt('serial', 'serial');
    opt('sessionId', 'sessionId');
    opt('action', 'action');
    opt('endReason', 'endReason');
    opt('application', 'application');
    opt('rule', 'rule');
    if (bytes !== undefined) e.bytes = bytes;
    if (packets !== undefined) e.packets = packets;
    entries.push(e);
  }
  if (problems.length) {
    throw new TrafficLogError(`${source}: malformed traffic log CSV:\n  ${problems.join('\n  ')}`);
  }
  const log: TrafficLog = { source, columns, entries };
  if (opts.device) log.device = opts.device;
  return log;
}

function findColumns(header: string[]): Partial<Record<LogField, number>> {
  const names = header.map(norm);
  const out: Partial<Record<LogField, number>> = {};
  for (const [field, aliases] of Object.entries(ALIASES) as [LogField, string[]][]) {
    for (const a of aliases) {
      const i = names.indexOf(a);
      if (i !== -1) {
        out[field] = i;
        break;
      }
    }
  }
  return out;
}

/** "2023/11/25 22:22:05", "2023-11-25 22:22:05.123", ISO with T and Z or an offset: epoch seconds. */
export function parseLogTime(v: string): number | null {
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(v.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  if (Number.isNaN(ms) || +mo > 12 || +d > 31 || +h > 23 || +mi > 59 || +s > 60) return null;
  let sec = ms / 1000 + (frac ? Number(frac) : 0);
  if (zone && zone !== 'Z') {
    const zm = /([+-])(\d{2}):?(\d{2})/.exec(zone)!;
    sec -= (zm[1] === '-' ? -1 : 1) * (Number(zm[2]) * 3600 + Number(zm[3]) * 60);
  }
  return sec;
}

function isIp(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (/^[0-9a-fA-F:.]+$/.test(s) && s.includes(':'));
}

/** IPv4 as is; IPv6 in RFC 5952 form (as flows print it), so "2001:db8:0:0::1" matches "2001:db8::1". */
export function normalizeIp(s: string): string {
  if (!s.includes(':')) return s;
  let text = s.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  if (groups.length !== 8) return s.toLowerCase();
  const g = groups.map((x) => parseInt(x || '0', 16));
  return ipv6Groups(g);
}

// ---------------------------------------------------------------- join

export interface TrafficLogJoinOptions {
  /** Seconds of slack on both ends of the time window (log times have 1 s resolution). Default 2. */
  toleranceSeconds?: number;
  /** Log device names or serial numbers -> capture device names. */
  deviceMap?: Record<string, string>;
}

/** One logged session beside the flow it belongs to on one firewall. */
export interface LoggedSession {
  flowId: string;
  device: string;
  source: string;
  line: number;
  sessionId?: string;
  /** The session end reason the firewall logged. */
  logged: string | null;
  /** The one stagediff inferred for this flow and device (flows[].devices[].endReason). */
  inferred: string | null;
  /** The two disagree (an inferred "open" is not a disagreement when the log's session outlived the captures). */
  disagrees: boolean;
  action?: string;
  /** ISO-8601 UTC on the common clock (after the device's clock offset). */
  start: string;
  elapsedSec: number | null;
  bytes?: number;
  packets?: number;
  application?: string;
}

export interface TrafficLogJoin {
  sessions: LoggedSession[];
  /** Log rows that joined no flow, with why. */
  unmatched: { source: string; line: number; reason: string }[];
  /** Per flow and device that the logs cover but that no log row joined: no session was logged. */
  notLogged: { flowId: string; device: string; inferred: string | null }[];
}

interface Window {
  flow: FlowSummary;
  device: string;
  firstSec: number;
  lastSec: number;
}

/** Joins parsed logs to the analysis result. Pure: the result is not changed. */
export function joinTrafficLog(result: AnalysisResult, logs: TrafficLog[], opts: TrafficLogJoinOptions = {}): TrafficLogJoin {
  const tol = opts.toleranceSeconds ?? 2;
  const offsets = result.clockOffsets ?? {};
  const devices = [...new Set(result.captures.map((c) => c.device))];
  const deviceByLower = new Map(devices.map((d) => [d.toLowerCase(), d]));
  const mapped = new Map(Object.entries(opts.deviceMap ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const captureEnd = new Map<string, number>();
  for (const c of result.captures) {
    if (c.last) captureEnd.set(c.device, Math.max(captureEnd.get(c.device) ?? -Infinity, isoSeconds(c.last) + (offsets[c.device] ?? 0)));
  }
  // Index: 5-tuple (either direction) -> per device windows of activity.
  const byTuple = new Map<string, Window[]>();
  for (const f of result.flows) {
    const c = splitEp(f.client);
    const s = splitEp(f.server);
    const spans = new Map<string, Window>();
    for (const p of f.points) {
      const a = isoSeconds(p.first);
      const b = isoSeconds(p.last);
      const w = spans.get(p.device);
      if (!w) spans.set(p.device, { flow: f, device: p.device, firstSec: a, lastSec: b });
      else {
        w.firstSec = Math.min(w.firstSec, a);
        w.lastSec = Math.max(w.lastSec, b);
      }
    }
    for (const key of [tupleKey(f.proto, c.addr, c.port, s.addr, s.port), tupleKey(f.proto, s.addr, s.port, c.addr, c.port)]) {
      const list = byTuple.get(key) ?? [];
      list.push(...spans.values());
      byTuple.set(key, list);
    }
  }
  const sessions: LoggedSession[] = [];
  const unmatched: TrafficLogJoin['unmatched'] = [];
  const covered = new Set<string>();
  for (const log of logs) {
    for (const e of log.entries) {
      // Which firewall logged it: Device Name, else Serial #, else the file's device.
      let device: string | undefined;
      const named = e.deviceName ?? e.serial ?? log.device;
      if (named !== undefined) {
        device = mapped.get(named.toLowerCase()) ?? deviceByLower.get(named.toLowerCase());
        if (!device && e.deviceName && e.serial) device = mapped.get(e.serial.toLowerCase()) ?? deviceByLower.get(e.serial.toLowerCase());
        if (!device && log.device) device = mapped.get(log.device.toLowerCase()) ?? deviceByLower.get(log.device.toLowerCase());
        if (!device) {
          unmatched.push({ source: e.source, line: e.line, reason: `firewall "${named}" is not among the captures' devices (${devices.join(', ')}); map it, e.g. --traffic-log ${devices[0] ?? 'DEVICE'}=FILE` });
          continue;
        }
        covered.add(device);
      }
      const windows = (byTuple.get(tupleKey(e.proto, e.src, e.sport, e.dst, e.dport)) ?? []).filter((w) => device === undefined || w.device === device);
      if (windows.length === 0) {
        unmatched.push({ source: e.source, line: e.line, reason: device ? `no flow ${describeEntry(e)} on ${device}` : `no flow ${describeEntry(e)}` });
        continue;
      }
      let hit = false;
      for (const w of windows) {
        const off = offsets[w.device] ?? 0;
        const start = e.startSec + off;
        const end = start + (e.elapsedSec ?? 0);
        if (end < w.firstSec - tol || start > w.lastSec + tol) continue;
        hit = true;
        const inferred = w.flow.devices.find((d) => d.device === w.device)?.endReason ?? null;
        const logged = e.endReason ?? null;
        sessions.push({
          flowId: w.flow.id,
          device: w.device,
          source: e.source,
          line: e.line,
          ...(e.sessionId !== undefined ? { sessionId: e.sessionId } : {}),
          logged,
          inferred,
          disagrees: disagrees(inferred, logged, end, captureEnd.get(w.device), tol),
          ...(e.action !== undefined ? { action: e.action } : {}),
          start: secondsIso(start),
          elapsedSec: e.elapsedSec,
          ...(e.bytes !== undefined ? { bytes: e.bytes } : {}),
          ...(e.packets !== undefined ? { packets: e.packets } : {}),
          ...(e.application !== undefined ? { application: e.application } : {}),
        });
      }
      if (!hit) {
        unmatched.push({ source: e.source, line: e.line, reason: `flow ${describeEntry(e)} was not active at ${secondsIso(e.startSec)} (+${e.elapsedSec ?? 0} s) on ${device ?? 'any firewall'}` });
      }
    }
  }
  // Flows on a firewall whose log was given, with traffic the firewall would have logged, but no row.
  const joined = new Set(sessions.map((s) => `${s.flowId} ${s.device}`));
  const notLogged: TrafficLogJoin['notLogged'] = [];
  for (const f of result.flows) {
    for (const d of f.devices) {
      if (!covered.has(d.device) || joined.has(`${f.id} ${d.device}`)) continue;
      notLogged.push({ flowId: f.id, device: d.device, inferred: d.endReason ?? null });
    }
  }
  return { sessions, unmatched, notLogged };
}

/** Each join's sessions by flow id, made at the first question (a join is not changed once made). */
const sessionsByFlow = new WeakMap<TrafficLogJoin, Map<string, LoggedSession[]>>();

/**
 * The logged sessions of one flow on one device (the flows grid's "logged end reason" cell, the
 * flows CSV, the report): from an index by flow, since callers ask for every flow in turn (a pass
 * over every session per flow was quadratic with a big log and many flows).
 */
export function loggedSessions(join: TrafficLogJoin, flowId: string, device?: string): LoggedSession[] {
  let byFlow = sessionsByFlow.get(join);
  if (!byFlow) {
    byFlow = new Map();
    for (const s of join.sessions) {
      const list = byFlow.get(s.flowId);
      if (list) list.push(s);
      else byFlow.set(s.flowId, [s]);
    }
    sessionsByFlow.set(join, byFlow);
  }
  const list = byFlow.get(flowId) ?? [];
  return list.filter((s) => device === undefined || s.device === device);
}

function disagrees(inferred: string | null, logged: string | null, logEnd: number, capEnd: number | undefined, tol: number): boolean {
  if (!inferred || !logged || inferred === logged) return false;
  // Still open when the captures ended: the log's later end is not a contradiction.
  if (inferred === 'open') return capEnd === undefined || logEnd < capEnd - tol;
  // PAN-OS logs a session whose handshake never completed as aged-out (application "incomplete").
  if (inferred === 'incomplete' && logged === 'aged-out') return false;
  // n/a: stagediff saw no session on that firewall (e.g. non-SYN drops), yet one was logged.
  return true;
}

function describeEntry(e: TrafficLogEntry): string {
  const ep = (a: string, p: number | null) => (p === null ? a : a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);
  return `${e.proto} ${ep(e.src, e.sport)} -> ${ep(e.dst, e.dport)}`;
}

function tupleKey(proto: string, a: string, ap: number | null, b: string, bp: number | null): string {
  return `${proto.toLowerCase()}|${normalizeIp(a)}|${ap ?? ''}|${normalizeIp(b)}|${bp ?? ''}`;
}

function splitEp(ep: string): { addr: string; port: number | null } {
  const m = /^\[(.+)\]:(\d+)$/.exec(ep) ?? /^([^:]+):(\d+)$/.exec(ep);
  return m ? { addr: m[1], port: Number(m[2]) } : { addr: ep, port: null };
}

/** ISO-8601 with up to 9 decimals -> epoch seconds (float; enough for a join tolerance). */
export function isoSeconds(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return Date.parse(iso) / 1000;
  return Date.parse(m[1] + m[3]) / 1000 + (m[2] ? Number(m[2]) : 0);
}

function secondsIso(sec: number): string {
  const whole = Math.floor(sec);
  const ms = Math.round((sec - whole) * 1000);
  return new Date(whole * 1000 + ms).toISOString();
}
