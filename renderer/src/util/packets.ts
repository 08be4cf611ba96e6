/**
 * Packet-level reads of the typed-array columns for the views: times on the common clock,
 * endpoints, flags, verdicts, and sets of packets (capture position + row) in time order. No
 * per-packet objects are built except for the rows a grid actually shows.
 */
import type { AnalysisView } from '../state/session.ts';
import { NO_FLOW, P_COOKIE, P_KEEPALIVE, P_RETRANS, P_SIDE_B } from '../../../shared/engine/capture-index.ts';
import { KEY_WORDS } from '../../../shared/engine/flow-table.ts';
import { endpointText, hex32, ipv4FromU32 } from '../../../shared/format/addr.ts';
import { PROTO_NAMES } from '../../../shared/engine/model.ts';
import { tcpFlagsText } from '../engine/detail.ts';
import { V_DROPPED, V_FORWARDED, V_RECEIVED_ONLY, V_UNKNOWN, VERDICT_NAMES } from '../engine/protocol.ts';

/** Packets as parallel arrays, in time order. */
export interface PacketSet {
  pos: Uint16Array;
  row: Uint32Array;
  length: number;
  /** Optional note per entry (evidence). */
  notes?: (string | undefined)[];
}

/** Verdict name of a packet ('' while the links are still being computed, or when unknown). */
export function verdictOf(a: AnalysisView, pos: number, row: number): string {
  return VERDICT_NAMES[a.extras.verdicts?.[pos][row] ?? 0] ?? '';
}

export function verdictCode(a: AnalysisView, pos: number, row: number): number {
  return a.extras.verdicts?.[pos][row] ?? 0;
}

export function timeNs(a: AnalysisView, pos: number, row: number): number {
  return a.extras.shiftNs[pos] + a.entries[pos].ix!.tNs[row];
}

function ipv6FromWords(w: Uint32Array, at: number): string {
  const parts: string[] = [];
  for (let k = 0; k < 4; k++) parts.push((w[at + k] >>> 16).toString(16), (w[at + k] & 0xffff).toString(16));
  // RFC 5952: compress the longest run of zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}

/** Source and destination endpoint text of a packet. */
export function endpoints(a: AnalysisView, pos: number, row: number): { src: string; dst: string; proto: string } {
  const ix = a.entries[pos].ix!;
  const f = ix.flow[row];
  if (f === NO_FLOW) return { src: '', dst: '', proto: '' };
  const w = ix.flowKeys;
  const o = f * KEY_WORDS;
  const version = w[o] >>> 8;
  const proto = w[o] & 0xff;
  const addr = (at: number) => (version === 4 ? ipv4FromU32(w[at]) : ipv6FromWords(w, at));
  const A = addr(o + 1);
  const B = addr(o + 5);
  const pa = w[o + 9] >>> 16;
  const pb = w[o + 9] & 0xffff;
  const ports = proto === 6 || proto === 17 || proto === 132;
  const ea = ports ? endpointText(A, pa) : A;
  const eb = ports ? endpointText(B, pb) : B;
  const fromB = (ix.flags[row] & P_SIDE_B) !== 0;
  return { src: fromB ? eb : ea, dst: fromB ? ea : eb, proto: PROTO_NAMES[proto] ?? String(proto) };
}

export interface PacketRow {
  key: string;
  pos: number;
  row: number;
  frame: number;
  timeNs: number;
  device: string;
  stage: string;
  src: string;
  dst: string;
  proto: string;
  flags: string;
  seq: number | null;
  ack: number | null;
  len: number;
  cookie: string;
  verdict: string;
  flow: string;
  note?: string;
}

export function packetRow(a: AnalysisView, pos: number, row: number, note?: string): PacketRow {
  const e = a.entries[pos];
  const ix = e.ix!;
  const ep = endpoints(a, pos, row);
  const tcp = ep.proto === 'tcp';
  const fl = ix.flags[row];
  let flags = tcp ? tcpFlagsText(ix.tcpFlags[row]) : '';
  if (fl & P_KEEPALIVE) flags += ' keep-alive';
  if (fl & P_RETRANS) flags += ' retrans';
  const local = ix.flow[row];
  const g = local === NO_FLOW || !a.extras.flowOf ? -1 : a.extras.flowOf[pos][local];
  return {
    key: `${pos}:${row}`,
    pos,
    row,
    frame: row + 1,
    timeNs: timeNs(a, pos, row),
    device: e.device,
    stage: e.stage,
    src: ep.src,
    dst: ep.dst,
    proto: ep.proto,
    flags: flags.trim(),
    seq: tcp ? ix.seq[row] : null,
    ack: tcp ? ix.ack[row] : null,
    len: ix.len[row],
    cookie: fl & P_COOKIE ? hex32(ix.cookie[row]) : '',
    verdict: verdictOf(a, pos, row),
    flow: g >= 0 ? a.result.flows[g].id : '',
    note,
  };
}

/** Merges per-capture row lists (each in time order) into one set in time order. */
function mergeSorted(a: AnalysisView, lists: { pos: number; rows: Uint32Array }[]): PacketSet {
  let total = 0;
  for (const l of lists) total += l.rows.length;
  const pos = new Uint16Array(total);
  const row = new Uint32Array(total);
  const heads = lists.map(() => 0);
  const shift = lists.map((l) => a.extras.shiftNs[l.pos]);
  const tcols = lists.map((l) => a.entries[l.pos].ix!.tNs);
  for (let n = 0; n < total; n++) {
    let best = -1;
    let bestT = Infinity;
    for (let k = 0; k < lists.length; k++) {
      const h = heads[k];
      if (h >= lists[k].rows.length) continue;
      const t = tcols[k][lists[k].rows[h]] + shift[k];
      if (t < bestT) {
        bestT = t;
        best = k;
      }
    }
    pos[n] = lists[best].pos;
    row[n] = lists[best].rows[heads[best]++];
  }
  return { pos, row, length: total };
}

function sortRowsByTime(t: Float64Array, rows: Uint32Array): Uint32Array {
  for (let i = 1; i < rows.length; i++) if (t[rows[i]] < t[rows[i - 1]]) return rows.sort((x, y) => t[x] - t[y] || x - y);
  return rows;
}

/** Each capture's rows in time order (position in a.entries, rows). */
export function rowsByTime(a: AnalysisView): { pos: number; rows: Uint32Array }[] {
  return a.entries.map((e, p) => {
    const n = e.ix!.packets;
    const rows = new Uint32Array(n);
    for (let i = 0; i < n; i++) rows[i] = i;
    return { pos: p, rows: sortRowsByTime(e.ix!.tNs, rows) };
  });
}

/** Every packet of every capture, in time order. */
export function allPackets(a: AnalysisView): PacketSet {
  return mergeSorted(a, rowsByTime(a));
}

/** Verdicts in the order the timeline draws them: a dropped packet's mark is on top. */
const DRAW_ORDER = [V_UNKNOWN, V_FORWARDED, V_RECEIVED_ONLY, V_DROPPED];

/**
 * A packet set (in time order) split by capture and verdict, each part's rows in time order, in
 * the timeline's drawing order: what markColumns draws a flow's packets from.
 */
export function rowsByVerdict(a: AnalysisView, set: PacketSet): { pos: number; verdict: number; rows: Uint32Array }[] {
  const parts = new Map<number, number[]>();
  for (let i = 0; i < set.length; i++) {
    const p = set.pos[i];
    const k = p * 4 + verdictCode(a, p, set.row[i]);
    const rows = parts.get(k);
    if (rows) rows.push(set.row[i]);
    else parts.set(k, [set.row[i]]);
  }
  return [...parts]
    .map(([k, rows]) => ({ pos: k >> 2, verdict: k & 3, rows: Uint32Array.from(rows) }))
    .sort((x, y) => DRAW_ORDER.indexOf(x.verdict) - DRAW_ORDER.indexOf(y.verdict) || x.pos - y.pos);
}

/** The first entry of a packet set (in time order) at time t or later (later than t when `after`). */
export function entryAt(a: AnalysisView, set: PacketSet, t: number, after = false): number {
  let lo = 0;
  let hi = set.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = timeNs(a, set.pos[mid], set.row[mid]);
    if (v < t || (after && v === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first i >= lo whose row's time t[rows[i]] is at least `atLeast` (rows in time order). */
function firstAtOrAfter(rows: Uint32Array, t: Float64Array, atLeast: number, lo: number): number {
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[rows[mid]] < atLeast) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Calls `mark(px)` for each pixel column that holds a packet of one capture (`rows` in time order,
 * times `shift + t[row]`) between times d0 and d1, a time at column floor(r0 + (time - d0) *
 * perNs). The rows are skipped through a column at a time (a binary search per column), so the
 * cost follows the columns marked, not the packets: 2M packets took 136 ms a timeline draw when
 * each was looked at.
 */
export function markColumns(rows: Uint32Array, t: Float64Array, shift: number, d0: number, d1: number, r0: number, perNs: number, mark: (px: number) => void): void {
  for (let i = firstAtOrAfter(rows, t, d0 - shift, 0); i < rows.length; ) {
    const time = shift + t[rows[i]];
    if (time > d1) break;
    const px = Math.floor(r0 + (time - d0) * perNs);
    mark(px);
    // The first packet of a later column (rounding may give this column once more: i only grows).
    i = firstAtOrAfter(rows, t, d0 + (px + 1 - r0) / perNs - shift, i + 1);
  }
}

/** The packets of one result flow at every capture point, in time order. */
export function flowPackets(a: AnalysisView, flowIndex: number): PacketSet {
  const at = a.extras.flowAt?.[flowIndex];
  if (!at) return { pos: new Uint16Array(0), row: new Uint32Array(0), length: 0 };
  const lists: { pos: number; rows: Uint32Array }[] = [];
  for (let k = 0; k < at.length; k += 2) {
    const p = at[k];
    const local = at[k + 1];
    const ix = a.entries[p].ix!;
    // The index keeps each flow's rows together, in time order (a long-lived flow's first to last
    // row can be the whole file).
    lists.push({ pos: p, rows: sortRowsByTime(ix.tNs, Uint32Array.from(ix.rows.subarray(ix.rowStart[local], ix.rowStart[local + 1]))) });
  }
  return mergeSorted(a, lists);
}

/** The evidence packets of a finding, in the finding's order, with their notes. */
export function evidencePackets(a: AnalysisView, findingId: string | null): PacketSet {
  const f = a.findings.find((x) => x.id === findingId);
  const pos: number[] = [];
  const row: number[] = [];
  const notes: (string | undefined)[] = [];
  if (f) {
    for (const ev of f.evidence) {
      const p = a.pathToPos.get(ev.path);
      if (p === undefined) continue;
      const r = ev.frame - 1;
      if (r < 0 || r >= (a.entries[p].ix?.packets ?? 0)) continue;
      pos.push(p);
      row.push(r);
      notes.push(ev.note);
    }
  }
  return { pos: Uint16Array.from(pos), row: Uint32Array.from(row), length: pos.length, notes };
}
