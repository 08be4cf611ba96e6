/**
 * The timeline of a flow as SVG: one lane per device x stage, a mark per packet coloured by what
 * happened to it, idle gaps drawn as breaks in the time axis (long gaps would otherwise squash the
 * activity into two lines), the move arrow of a session-moved finding, and numbered notes.
 * Shared by the HTML report (inline) and the standalone SVG/PNG export. Pure strings: no DOM.
 */
import type { AnalysisResult, Finding, Stage } from '../api/analysis.ts';
import { STAGES } from '../api/analysis.ts';
import type { Annotation } from '../api/case.ts';
import { V_DROPPED, V_DROP_STAGE, V_FORWARDED, V_ONLY_RECEIVED, V_SEEN, V_TRANSMITTED } from '../engine/analyze.ts';
import { isoText } from '../format/addr.ts';
import { tcpFlagNames } from '../decode/decoded.ts';
import { clip, esc, isoNs, isoParts } from './escape.ts';
import { flowMarks, packetView, type ExportSource, type PacketView } from './source.ts';

export type MarkKind = 'forwarded' | 'dropped' | 'only-received' | 'transmitted' | 'drop-stage' | 'seen';

export const MARK_STYLE: Record<MarkKind, { color: string; label: string }> = {
  forwarded: { color: '#2e7d32', label: 'received, forwarded' },
  'only-received': { color: '#ef6c00', label: 'received, not seen leaving' },
  dropped: { color: '#c62828', label: 'received, dropped' },
  transmitted: { color: '#1565c0', label: 'transmitted' },
  'drop-stage': { color: '#8e0000', label: 'in drop stage' },
  seen: { color: '#757575', label: 'seen (firewall stage / no verdict)' },
};

const KIND_OF_VERDICT: Record<number, MarkKind> = {
  [V_FORWARDED]: 'forwarded',
  [V_DROPPED]: 'dropped',
  [V_ONLY_RECEIVED]: 'only-received',
  [V_TRANSMITTED]: 'transmitted',
  [V_DROP_STAGE]: 'drop-stage',
  [V_SEEN]: 'seen',
};

export interface TimelineLane {
  device: string;
  stage: Stage;
}

export interface TimelineMark {
  lane: number;
  /** Nanoseconds since FlowTimeline.baseSec (common clock, after clock offsets). */
  tNs: number;
  kind: MarkKind;
  frame: number;
  /** TCP flags as names ("FIN,ACK"), for the tooltip. */
  flags?: string;
  /** Named by a finding as evidence: drawn larger, ringed. */
  evidence?: boolean;
}

export interface TimelineNote {
  /** Shown as "[n] text" under the lanes; the marker sits at tNs (and spans to toNs for a range). */
  tNs: number;
  toNs?: number;
  lane?: number;
  text: string;
}

export interface FlowTimeline {
  flowId: string;
  title: string;
  subtitle?: string;
  baseSec: number;
  lanes: TimelineLane[];
  marks: TimelineMark[];
  /** Breaks in the axis: silences of at least `breakSeconds`; `pastTimeout` when >= the GWLB idle timeout. */
  gaps: { fromNs: number; toNs: number; pastTimeout: boolean }[];
  moves: { fromLane: number; toLane: number; fromNs: number; toNs: number; label: string }[];
  notes: TimelineNote[];
}

export interface TimelineBuildOptions {
  /** Flows to draw; default: the flows of the findings, critical first. */
  flowIds?: string[];
  annotations?: Annotation[];
  /** A silence at least this long becomes a break in the axis. Default 10 s. */
  breakSeconds?: number;
  /** At most this many flows (default 20). */
  maxFlows?: number;
}

const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** The flows a report draws: those with findings, critical first, then in flow order. */
export function findingFlowIds(result: AnalysisResult): string[] {
  const sorted = [...result.findings].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3));
  return [...new Set(sorted.map((f) => f.flowId))];
}

/** Timelines of flows, from packet detail when the source has it, else from the result alone. */
export function buildFlowTimelines(src: ExportSource, opts: TimelineBuildOptions = {}, view: PacketView | null = packetView(src)): FlowTimeline[] {
  const r = src.result;
  const ids = (opts.flowIds ?? findingFlowIds(r)).slice(0, opts.maxFlows ?? 20);
  const flows = new Map(r.flows.map((f) => [f.id, f]));
  const marksById = view ? flowMarks(view, ids) : null;
  const baseSec = view ? view.baseSec : baseOf(r);
  const breakNs = (opts.breakSeconds ?? 10) * 1e9;
  const idleNs = (r.settings?.gwlbIdleTimeout ?? 350) * 1e9;
  const out: FlowTimeline[] = [];
  for (const id of ids) {
    const flow = flows.get(id);
    if (!flow) continue;
    const findings = r.findings.filter((f) => f.flowId === id);
    // Lanes: device order of the flow's points, stages in capture order.
    const laneKeys: string[] = [];
    const devices = [...new Set(flow.points.map((p) => p.device))];
    for (const d of devices) for (const s of STAGES) if (flow.points.some((p) => p.device === d && p.stage === s)) laneKeys.push(`${d}\u0000${s}`);
    const lanes: TimelineLane[] = laneKeys.map((k) => {
      const [device, stage] = k.split('\u0000');
      return { device, stage: stage as Stage };
    });
    const laneOf = new Map(laneKeys.map((k, i) => [k, i]));
    const evidence = new Set<string>();
    for (const f of findings) for (const e of f.evidence) evidence.add(`${e.path}\u0000${e.frame}`);
    const marks: TimelineMark[] = [];
    if (marksById && view) {
      for (const m of marksById.get(id) ?? []) {
        const p = view.model.points[m.point];
        const lane = laneOf.get(`${p.device}\u0000${p.stage}`);
        if (lane === undefined) continue;
        marks.push({
          lane,
          tNs: m.tNs,
          kind: KIND_OF_VERDICT[m.verdict] ?? (p.stage === 'transmit' ? 'transmitted' : p.stage === 'drop' ? 'drop-stage' : 'seen'),
          frame: m.frame,
          flags: m.tcpFlags ? tcpFlagNames(m.tcpFlags) : undefined,
          evidence: evidence.has(`${p.spec.path}\u0000${m.frame}`) || undefined,
        });
      }
    } else {
      // Without packets: first and last packet of each point, and the evidence packets.
      for (const p of flow.points) {
        const lane = laneOf.get(`${p.device}\u0000${p.stage}`)!;
        const kind: MarkKind = p.stage === 'transmit' ? 'transmitted' : p.stage === 'drop' ? 'drop-stage' : 'seen';
        marks.push({ lane, tNs: isoNs(p.first, baseSec), kind, frame: 0 });
        if (p.last !== p.first) marks.push({ lane, tNs: isoNs(p.last, baseSec), kind, frame: 0 });
      }
      for (const f of findings) {
        for (const e of f.evidence) {
          const lane = laneOf.get(`${e.device}\u0000${e.stage}`);
          if (lane === undefined) continue;
          marks.push({ lane, tNs: isoNs(e.time, baseSec), kind: e.stage === 'drop' ? 'drop-stage' : 'seen', frame: e.frame, evidence: true });
        }
      }
    }
    marks.sort((a, b) => a.tNs - b.tNs);
    const gaps: FlowTimeline['gaps'] = [];
    for (let i = 1; i < marks.length; i++) {
      const d = marks[i].tNs - marks[i - 1].tNs;
      if (d >= breakNs) gaps.push({ fromNs: marks[i - 1].tNs, toNs: marks[i].tNs, pastTimeout: d >= idleNs });
    }
    const moves: FlowTimeline['moves'] = [];
    for (const f of findings) {
      if (f.kind !== 'session-moved') continue;
      const from = laneOf.get(`${f.fromDevice}\u0000receive`) ?? lanes.findIndex((l) => l.device === f.fromDevice);
      const to = laneOf.get(`${f.toDevice}\u0000receive`) ?? lanes.findIndex((l) => l.device === f.toDevice);
      if (from < 0 || to < 0 || typeof f.lastSeenFrom !== 'string' || typeof f.reappearedAt !== 'string') continue;
      moves.push({
        fromLane: from,
        toLane: to,
        fromNs: isoNs(f.lastSeenFrom, baseSec),
        toNs: isoNs(f.reappearedAt, baseSec),
        label: `moved ${String(f.fromDevice)} → ${String(f.toDevice)} after ${String(f.idleSeconds)} s idle`,
      });
    }
    const notes: TimelineNote[] = [];
    const finds = new Set(findings.map((f) => f.id));
    const first = marks.length ? marks[0].tNs : 0;
    const last = marks.length ? marks[marks.length - 1].tNs : 0;
    for (const a of opts.annotations ?? []) {
      const t = a.target;
      const who = a.author ? `${a.author}: ` : '';
      if ((t.kind === 'flow' && t.flowId === id) || (t.kind === 'finding' && finds.has(t.findingId))) {
        notes.push({ tNs: first, text: `${who}${a.text}` });
      } else if (t.kind === 'packet') {
        const m = marks.find((x) => x.frame === t.frame && flow.points.some((p) => lanes[x.lane].device === p.device) && laneMatchesPath(r, lanes[x.lane], t.path));
        if (m) notes.push({ tNs: m.tNs, lane: m.lane, text: `${who}${a.text}` });
      } else if (t.kind === 'range') {
        const a0 = isoNs(t.from, baseSec);
        const a1 = isoNs(t.to, baseSec);
        // Drawn where the range begins or ends inside the flow's activity: a range that covers
        // the whole flow says nothing about it (it is still listed with the report's notes).
        const inside = (x: number) => x >= first && x <= last;
        const onDevice = !t.device || lanes.some((l) => l.device === t.device);
        if (onDevice && (inside(a0) || inside(a1))) {
          const lane = t.device ? lanes.findIndex((l) => l.device === t.device) : -1;
          notes.push({ tNs: Math.max(a0, first), toNs: Math.min(a1, last), ...(lane >= 0 ? { lane } : {}), text: `${who}${a.text}` });
        }
      }
    }
    const top = findings.slice().sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3))[0] as Finding | undefined;
    out.push({
      flowId: id,
      title: `${flow.id} ${flow.proto.toUpperCase()} ${flow.client} → ${flow.server}`,
      subtitle: top ? `${top.kind}: ${top.summary}` : undefined,
      baseSec,
      lanes,
      marks,
      gaps,
      moves,
      notes,
    });
  }
  return out;
}

function laneMatchesPath(r: AnalysisResult, lane: TimelineLane, path: string): boolean {
  const c = r.captures.find((x) => x.path === path);
  return !!c && c.device === lane.device && c.stage === lane.stage;
}

function baseOf(r: AnalysisResult): number {
  const firsts = r.captures.map((c) => c.first).filter((x): x is string => !!x);
  if (!firsts.length) return 0;
  return Math.min(...firsts.map((f) => isoParts(f)[0]));
}

// ---------------------------------------------------------------- rendering

export interface TimelineSvgOptions {
  width?: number;
  /** Prefix for ids inside the SVG (arrow markers), unique per SVG in one HTML page. */
  idPrefix?: string;
  /** Include the legend (default true). */
  legend?: boolean;
}

const LANE_H = 24;
const LABEL_W = 150;
const PAD_R = 16;
const BREAK_W = 46;
const TOP = 44;
const FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\"";

/** Piecewise-linear axis: activity stretches share the width, breaks get a fixed width. */
function axis(t: FlowTimeline, x0: number, x1: number): { x: (ns: number) => number; segs: { a: number; b: number; xa: number; xb: number }[]; breaks: { xa: number; xb: number; gap: FlowTimeline['gaps'][number] }[] } {
  const times = t.marks.map((m) => m.tNs);
  for (const n of t.notes) {
    times.push(n.tNs);
    if (n.toNs !== undefined) times.push(n.toNs);
  }
  const lo = times.length ? Math.min(...times) : 0;
  const hi = times.length ? Math.max(...times) : 1;
  const cuts = t.gaps.filter((g) => g.fromNs >= lo && g.toNs <= hi).sort((a, b) => a.fromNs - b.fromNs);
  const ranges: [number, number][] = [];
  let s = lo;
  for (const g of cuts) {
    ranges.push([s, g.fromNs]);
    s = g.toNs;
  }
  ranges.push([s, hi]);
  const avail = Math.max(50, x1 - x0 - cuts.length * BREAK_W);
  const minW = Math.min(90, avail / ranges.length);
  const total = ranges.reduce((acc, [a, b]) => acc + (b - a), 0);
  const spare = avail - minW * ranges.length;
  const segs: { a: number; b: number; xa: number; xb: number }[] = [];
  const breaks: { xa: number; xb: number; gap: FlowTimeline['gaps'][number] }[] = [];
  let x = x0;
  ranges.forEach(([a, b], i) => {
    const w = minW + (total > 0 ? (spare * (b - a)) / total : spare / ranges.length);
    segs.push({ a, b, xa: x, xb: x + w });
    x += w;
    if (i < cuts.length) {
      breaks.push({ xa: x, xb: x + BREAK_W, gap: cuts[i] });
      x += BREAK_W;
    }
  });
  const pad = 6;
  const xf = (ns: number): number => {
    for (let i = 0; i < segs.length; i++) {
      const g = segs[i];
      if (ns <= g.b || i === segs.length - 1) {
        if (ns < g.a) {
          // inside the break before this segment
          const br = breaks[i - 1];
          return br ? (br.xa + br.xb) / 2 : g.xa + pad;
        }
        const span = g.b - g.a;
        const inner = g.xb - g.xa - 2 * pad;
        return g.xa + pad + (span > 0 ? ((ns - g.a) / span) * inner : inner / 2);
      }
    }
    return x1;
  };
  return { x: xf, segs, breaks };
}

function clock(baseSec: number, ns: number, withMs = true): string {
  const whole = Math.floor(ns / 1e9);
  const text = isoText(baseSec + whole, Math.round(ns - whole * 1e9));
  return withMs ? text.slice(11, 23) : text.slice(11, 19);
}

function duration(ns: number): string {
  const s = ns / 1e9;
  if (s >= 100) return `${Math.round(s)} s`;
  if (s >= 1) return `${s.toFixed(1)} s`;
  return `${(s * 1000).toFixed(1)} ms`;
}

/** One flow's timeline as an <svg> element (no XML prolog; see timelineSvgDocument). */
export function timelineSvg(t: FlowTimeline, opts: TimelineSvgOptions = {}): string {
  const W = opts.width ?? 960;
  const id = (opts.idPrefix ?? `tl-${t.flowId}`).replace(/[^A-Za-z0-9_-]/g, '_');
  const x0 = LABEL_W;
  const x1 = W - PAD_R;
  const ax = axis(t, x0, x1);
  const lanesH = Math.max(1, t.lanes.length) * LANE_H;
  const axisY = TOP + lanesH + 4;
  const legendY = axisY + 46;
  const showLegend = opts.legend !== false;
  const notesY = legendY + (showLegend ? 22 : 0);
  const H = notesY + t.notes.length * 16 + 8;
  const o: string[] = [];
  o.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`Timeline of ${t.title}`)}" ${FONT} font-size="11">`,
  );
  o.push(`<title>${esc(`Timeline of ${t.title}`)}</title>`);
  o.push(
    `<defs><marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#6a1b9a"/></marker>` +
      `<pattern id="${id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff3e0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#ffb74d" stroke-width="2"/></pattern>` +
      `<pattern id="${id}-hatchg" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f5f5f5"/><line x1="0" y1="0" x2="0" y2="6" stroke="#e0e0e0" stroke-width="2"/></pattern></defs>`,
  );
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  o.push(`<text x="8" y="17" font-size="13" font-weight="600" fill="#1a1a1a">${esc(clip(t.title, Math.floor((W - 16) / 7.4)))}</text>`);
  if (t.subtitle) o.push(`<text x="8" y="34" fill="#444">${esc(clip(t.subtitle, Math.floor((W - 16) / 6.1)))}</text>`);
  // lanes
  t.lanes.forEach((l, i) => {
    const y = TOP + i * LANE_H;
    const shade = i % 2 === 0 ? '#fafafa' : '#f0f2f5';
    o.push(`<rect x="0" y="${y}" width="${W}" height="${LANE_H}" fill="${shade}"/>`);
    o.push(`<text x="8" y="${y + 16}" fill="#222">${esc(clip(`${l.device} ${l.stage}`, 22))}</text>`);
  });
  // device separators
  t.lanes.forEach((l, i) => {
    if (i > 0 && t.lanes[i - 1].device !== l.device) o.push(`<line x1="0" x2="${W}" y1="${TOP + i * LANE_H}" y2="${TOP + i * LANE_H}" stroke="#9e9e9e" stroke-width="1"/>`);
  });
  // breaks (idle gaps)
  for (const b of ax.breaks) {
    const hatch = b.gap.pastTimeout ? `${id}-hatch` : `${id}-hatchg`;
    o.push(`<rect x="${f1(b.xa)}" y="${TOP}" width="${f1(b.xb - b.xa)}" height="${lanesH}" fill="url(#${hatch})"/>`);
    o.push(`<text x="${f1((b.xa + b.xb) / 2)}" y="${TOP - 3}" text-anchor="middle" font-size="10" fill="${b.gap.pastTimeout ? '#e65100' : '#757575'}" font-weight="${b.gap.pastTimeout ? 600 : 400}">idle ${esc(duration(b.gap.toNs - b.gap.fromNs))}</text>`);
  }
  // range notes (bands)
  t.notes.forEach((n, i) => {
    if (n.toNs === undefined) return;
    const xa = ax.x(n.tNs);
    const xb = Math.max(xa + 2, ax.x(n.toNs));
    const y = n.lane !== undefined ? TOP + n.lane * LANE_H : TOP;
    const h = n.lane !== undefined ? LANE_H : lanesH;
    o.push(`<rect x="${f1(xa)}" y="${y}" width="${f1(xb - xa)}" height="${h}" fill="#fff59d" fill-opacity="0.45" stroke="#f9a825" stroke-dasharray="3 2"><title>${esc(`[${i + 1}] ${n.text}`)}</title></rect>`);
  });
  // marks, thinned to one per pixel column, lane and kind (evidence always drawn)
  const seen = new Set<string>();
  const evid: string[] = [];
  for (const m of t.marks) {
    const x = ax.x(m.tNs);
    const y = TOP + m.lane * LANE_H;
    const c = MARK_STYLE[m.kind].color;
    const tip = `${t.lanes[m.lane].device} ${t.lanes[m.lane].stage}${m.frame ? ` frame ${m.frame}` : ''} ${clock(t.baseSec, m.tNs)}${m.flags ? ` ${m.flags}` : ''}: ${MARK_STYLE[m.kind].label}${m.evidence ? ' (evidence)' : ''}`;
    if (m.evidence) {
      evid.push(`<circle cx="${f1(x)}" cy="${y + LANE_H / 2}" r="5.5" fill="none" stroke="#111" stroke-width="1.5"><title>${esc(tip)}</title></circle>`);
    }
    const key = `${m.lane}:${Math.round(x)}:${m.kind}`;
    if (seen.has(key) && !m.evidence) continue;
    seen.add(key);
    o.push(`<rect x="${f1(x - 1.25)}" y="${y + 5}" width="2.5" height="${LANE_H - 10}" fill="${c}"><title>${esc(tip)}</title></rect>`);
  }
  o.push(...evid);
  // move arrows
  for (const mv of t.moves) {
    const xa = ax.x(mv.fromNs);
    const xb = ax.x(mv.toNs);
    const ya = TOP + mv.fromLane * LANE_H + LANE_H / 2;
    const yb = TOP + mv.toLane * LANE_H + LANE_H / 2;
    const mid = (xa + xb) / 2;
    const bend = Math.min(ya, yb) - 8;
    o.push(`<path d="M${f1(xa + 6)} ${f1(ya)} C${f1(mid)} ${f1(bend)} ${f1(mid)} ${f1(bend)} ${f1(xb - 6)} ${f1(yb)}" fill="none" stroke="#6a1b9a" stroke-width="2" marker-end="url(#${id}-arrow)"><title>${esc(mv.label)}</title></path>`);
    const lx = Math.min(Math.max(mid, x0 + 90), x1 - 90);
    const ly = Math.max(TOP + 10, (ya + yb) / 2 + 4);
    o.push(`<text x="${f1(lx)}" y="${f1(ly)}" text-anchor="middle" font-size="11" font-weight="600" fill="#6a1b9a" stroke="#ffffff" stroke-width="3" paint-order="stroke">${esc(clip(mv.label, 60))}</text>`);
  }
  // note markers
  t.notes.forEach((n, i) => {
    const x = ax.x(n.tNs);
    const y = n.lane !== undefined ? TOP + n.lane * LANE_H + 2 : TOP + 2;
    o.push(`<g><circle cx="${f1(x)}" cy="${y + 5}" r="6" fill="#f9a825" stroke="#fff"/><text x="${f1(x)}" y="${y + 8.5}" text-anchor="middle" font-size="9" font-weight="700" fill="#000">${i + 1}</text><title>${esc(n.text)}</title></g>`);
  });
  // axis: start and end of each stretch of activity
  o.push(`<line x1="${x0}" x2="${x1}" y1="${axisY}" y2="${axisY}" stroke="#bdbdbd"/>`);
  ax.segs.forEach((s, i) => {
    const a = clock(t.baseSec, s.a);
    o.push(`<text x="${f1(s.xa + 2)}" y="${axisY + 13}" font-size="10" fill="#555">${esc(a)}</text>`);
    if (s.b > s.a && s.xb - s.xa > 150) {
      o.push(`<text x="${f1(s.xb - 2)}" y="${axisY + 13}" text-anchor="end" font-size="10" fill="#555">${esc(clock(t.baseSec, s.b))}</text>`);
    }
    if (i === 0) o.push(`<text x="8" y="${axisY + 13}" font-size="10" fill="#777">UTC</text>`);
    o.push(`<text x="${f1((s.xa + s.xb) / 2)}" y="${axisY + 26}" text-anchor="middle" font-size="10" fill="#999">${esc(s.b > s.a ? duration(s.b - s.a) : '')}</text>`);
  });
  if (showLegend) {
    let lx = 8;
    for (const k of Object.keys(MARK_STYLE) as MarkKind[]) {
      const st = MARK_STYLE[k];
      o.push(`<rect x="${lx}" y="${legendY - 9}" width="3" height="11" fill="${st.color}"/><text x="${lx + 7}" y="${legendY}" font-size="10" fill="#333">${esc(st.label)}</text>`);
      lx += 14 + st.label.length * 5.3;
    }
    o.push(`<circle cx="${lx + 4}" cy="${legendY - 4}" r="5" fill="none" stroke="#111" stroke-width="1.5"/><text x="${lx + 13}" y="${legendY}" font-size="10" fill="#333">evidence</text>`);
  }
  t.notes.forEach((n, i) => {
    o.push(`<text x="8" y="${notesY + i * 16 + 10}" font-size="11" fill="#333"><tspan font-weight="700">[${i + 1}]</tspan> ${esc(clip(n.text, Math.floor((W - 40) / 6.8)))}</text>`);
  });
  o.push('</svg>');
  return o.join('');
}

/** Several timelines stacked in one standalone SVG file (XML prolog included). */
export function timelineSvgDocument(timelines: FlowTimeline[], opts: { width?: number; title?: string } = {}): string {
  const W = opts.width ?? 960;
  const parts: { svg: string; h: number }[] = timelines.map((t, i) => {
    const svg = timelineSvg(t, { width: W, idPrefix: `t${i}` });
    const h = Number(/height="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
    return { svg, h };
  });
  const head = opts.title ? 30 : 0;
  const H = head + parts.reduce((a, p) => a + p.h + 12, 0) + (parts.length ? 0 : 40);
  const o: string[] = [`<?xml version="1.0" encoding="UTF-8"?>\n`];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT}>`);
  o.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  if (opts.title) o.push(`<text x="8" y="20" font-size="15" font-weight="700" fill="#111">${esc(opts.title)}</text>`);
  if (!parts.length) o.push(`<text x="8" y="${head + 24}" font-size="12" fill="#555">No findings: nothing to draw.</text>`);
  let y = head;
  for (const p of parts) {
    o.push(`<g transform="translate(0 ${y})">${p.svg}</g>`);
    y += p.h + 12;
  }
  o.push('</svg>\n');
  return o.join('');
}

function f1(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}
