/**
 * Timeline: one lane per device x stage; the selected flow's packets (optionally all packets) as
 * marks coloured by verdict; idle gaps with the GWLB idle timer; an arrow from the last packet on
 * the old firewall to the first on the new one. Canvas drawing; d3-scale for the axis, d3-zoom for
 * wheel zoom and drag pan.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { scaleLinear, scaleTime, scaleUtc, type ScaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { zoom as d3zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior, type ZoomTransform } from 'd3-zoom';
import type { Finding } from '../../../shared/api/analysis.ts';
import { useAppState, useSession } from '../state/hooks.ts';
import type { AnalysisView, PacketRef } from '../state/session.ts';
import { entryAt, evidencePackets, flowPackets, markColumns, packetRow, rowsByTime, rowsByVerdict, timeNs, verdictCode, type PacketSet } from '../util/packets.ts';
import { formatDuration, formatTime, isoToNs, zoneLabel, type TimeFormat } from '../util/time.ts';
import { V_DROPPED, V_FORWARDED, V_RECEIVED_ONLY } from '../engine/protocol.ts';
import type { Annotation } from '../../../shared/api/case.ts';
import { flowTarget } from '../../../shared/case/case-file.ts';
import { useCase, useCaseController } from '../state/case-hooks.ts';
import { nsToIso } from '../state/case.ts';

const GUTTER = 150;
const AXIS = 24;
const RIGHT = 14;
const STAGE_ORDER: Record<string, number> = { receive: 0, firewall: 1, transmit: 2, drop: 3, unknown: 4 };

interface Lane {
  device: string;
  stage: string;
  key: string;
}

function lanesOf(a: AnalysisView): { lanes: Lane[]; laneOfPos: number[] } {
  const keys = new Map<string, Lane>();
  for (const e of a.entries) {
    const key = `${e.device}/${e.stage}`;
    if (!keys.has(key)) keys.set(key, { device: e.device, stage: e.stage, key });
  }
  const lanes = [...keys.values()].sort((x, y) => x.device.localeCompare(y.device, undefined, { numeric: true }) || (STAGE_ORDER[x.stage] ?? 9) - (STAGE_ORDER[y.stage] ?? 9));
  const idx = new Map(lanes.map((l, i) => [l.key, i]));
  return { lanes, laneOfPos: a.entries.map((e) => idx.get(`${e.device}/${e.stage}`)!) };
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

interface Colors {
  bg: string;
  laneAlt: string;
  grid: string;
  text: string;
  muted: string;
  forwarded: string;
  dropped: string;
  received: string;
  unknown: string;
  all: string;
  accent: string;
  gap: string;
  timer: string;
  select: string;
  note: string;
  noteBand: string;
}

function readColors(): Colors {
  return {
    bg: cssVar('--panel'),
    laneAlt: cssVar('--lane-alt'),
    grid: cssVar('--grid'),
    text: cssVar('--fg'),
    muted: cssVar('--muted'),
    forwarded: cssVar('--v-forwarded'),
    dropped: cssVar('--v-dropped'),
    received: cssVar('--v-received'),
    unknown: cssVar('--v-unknown'),
    all: cssVar('--v-all'),
    accent: cssVar('--accent'),
    gap: cssVar('--gap'),
    timer: cssVar('--timer'),
    select: cssVar('--fg'),
    note: cssVar('--note'),
    noteBand: cssVar('--note-band'),
  };
}

function verdictColor(c: Colors, v: number): string {
  return v === V_FORWARDED ? c.forwarded : v === V_DROPPED ? c.dropped : v === V_RECEIVED_ONLY ? c.received : c.unknown;
}

/** Ticks at wall-clock boundaries (UTC or local), or at round seconds in relative mode. */
function ticks(x: ScaleLinear<number, number>, tf: TimeFormat, count: number): { ns: number; label: string }[] {
  const [d0, d1] = x.domain();
  const span = d1 - d0;
  if (tf.mode === 'relative' || span < 20e6) {
    const origin = tf.mode === 'relative' ? tf.originNs : d0;
    const s = scaleLinear().domain([(d0 - origin) / 1e9, (d1 - origin) / 1e9]);
    const tv = s.ticks(count);
    const step = tv.length > 1 ? tv[1] - tv[0] : 1;
    const digits = Math.max(0, Math.min(9, -Math.floor(Math.log10(step))));
    return tv.map((v) => {
      const ns = origin + v * 1e9;
      return { ns, label: tf.mode === 'relative' ? `${v.toFixed(digits)} s` : formatTime(ns, tf, Math.max(3, digits)) };
    });
  }
  const ms0 = tf.baseSec * 1000 + d0 / 1e6;
  const ms1 = tf.baseSec * 1000 + d1 / 1e6;
  const ts = (tf.zone === 'utc' ? scaleUtc() : scaleTime()).domain([new Date(ms0), new Date(ms1)]);
  const tv = ts.ticks(count);
  const stepMs = tv.length > 1 ? tv[1].getTime() - tv[0].getTime() : 1000;
  const digits = stepMs >= 1000 ? 0 : stepMs >= 100 ? 1 : stepMs >= 10 ? 2 : 3;
  return tv.map((d) => {
    const ns = (d.getTime() - tf.baseSec * 1000) * 1e6;
    return { ns, label: formatTime(ns, tf, digits) };
  });
}

interface Gap {
  from: number;
  to: number;
}

function flowGaps(a: AnalysisView, set: PacketSet, minNs: number): Gap[] {
  const out: Gap[] = [];
  let prev = NaN;
  for (let i = 0; i < set.length; i++) {
    const t = timeNs(a, set.pos[i], set.row[i]);
    if (t - prev >= minNs) out.push({ from: prev, to: t });
    if (!(t < prev)) prev = t;
  }
  return out;
}

export function Timeline() {
  const s = useAppState();
  const session = useSession();
  const a = s.analysis;
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ w: 800, h: 220 });
  const transformRef = useRef<ZoomTransform>(zoomIdentity);
  const zoomRef = useRef<ZoomBehavior<HTMLCanvasElement, unknown> | null>(null);
  const [, setTick] = useState(0);
  const [hover, setHover] = useState<{ x: number; y: number; text: string[] } | null>(null);
  const [cursorNs, setCursorNs] = useState<number | null>(null);
  const kase = useCaseController();
  const { notes } = useCase();
  /** Shift+drag: a time range to note (canvas x of the start and the current end). */
  const [brush, setBrush] = useState<{ xa: number; xb: number } | null>(null);
  const brushRef = useRef<{ xa: number; xb: number } | null>(null);

  const layout = useMemo(() => (a ? lanesOf(a) : null), [a]);
  const flowSet = useMemo(() => (a && s.selectedFlow >= 0 ? flowPackets(a, s.selectedFlow) : null), [a, s.selectedFlow]);
  const evSet = useMemo(() => (a ? evidencePackets(a, s.selectedFindingId) : null), [a, s.selectedFindingId]);
  const all = useMemo(() => (a && s.prefs.showAllPackets ? rowsByTime(a) : null), [a, s.prefs.showAllPackets]);
  const flowMarks = useMemo(() => (a && flowSet ? rowsByVerdict(a, flowSet) : null), [a, flowSet]);
  const timeout = a ? (a.result.settings?.gwlbIdleTimeout ?? s.settings.gwlbIdleTimeout) * 1e9 : 0;
  // Idle gaps of the selected flow (30 s or more, or the GWLB timer if shorter).
  const gaps = useMemo(() => (a && flowSet ? flowGaps(a, flowSet, Math.min(timeout, 30e9)) : []), [a, flowSet, timeout]);
  const finding: Finding | undefined = a?.findings.find((f) => f.id === s.selectedFindingId);
  const tf = session.timeFormat();

  // Base scale: the whole capture range onto the plot width.
  const x0 = useMemo(() => scaleLinear().domain([a?.startNs ?? 0, a?.endNs ?? 1e9]).range([GUTTER, Math.max(GUTTER + 10, size.w - RIGHT)]), [a, size.w]);

  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, []);

  // d3-zoom on the canvas: wheel zooms around the pointer, drag pans; x only.
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const z = d3zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([0.5, 1e10])
      // Shift+drag selects a time range to note instead of panning.
      .filter((e: MouseEvent | WheelEvent) => !e.shiftKey && (!e.ctrlKey || e.type === 'wheel') && !e.button)
      .on('zoom', (e: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        transformRef.current = e.transform;
        setTick((t) => t + 1);
      });
    zoomRef.current = z;
    select(c).call(z).on('dblclick.zoom', null);
    return () => void select(c).on('.zoom', null);
  }, []);

  const zoomToRange = (from: number, to: number) => {
    const c = canvasRef.current;
    const z = zoomRef.current;
    if (!c || !z) return;
    const [r0, r1] = x0.range();
    const k = (r1 - r0) / Math.max(1, x0(to) - x0(from));
    const t = zoomIdentity.translate(r0 - k * x0(from), 0).scale(k);
    select(c).call(z.transform, t);
  };

  useEffect(() => {
    if (s.zoom) zoomToRange(s.zoom.fromNs, s.zoom.toNs);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.zoom?.seq, x0]);

  useEffect(() => {
    const onZoom = (e: Event) => {
      const cmd = (e as CustomEvent<string>).detail;
      const c = canvasRef.current;
      const z = zoomRef.current;
      if (!c || !z || !a) return;
      if (cmd === 'zoom-fit') {
        if (s.selectedFlow >= 0) session.zoomToFlow(s.selectedFlow);
        else zoomToRange(a.startNs, a.endNs);
        return;
      }
      const [r0, r1] = x0.range();
      z.scaleBy(select(c), cmd === 'zoom-in' ? 2 : 0.5, [(r0 + r1) / 2, 0]);
    };
    window.addEventListener('stagediff-zoom', onZoom);
    return () => window.removeEventListener('stagediff-zoom', onZoom);
  });

  const x = transformRef.current.rescaleX(x0);
  const lanes = layout?.lanes ?? [];
  const laneH = Math.max(16, Math.min(34, Math.floor((size.h - AXIS - 8) / Math.max(1, lanes.length))));
  const laneY = (i: number) => AXIS + 4 + i * laneH;

  // Summary for tests and screen readers: what the marks show, per lane and verdict.
  const summary = useMemo(() => {
    if (!a || !flowSet || !layout) return '';
    const counts = new Map<string, number>();
    for (let i = 0; i < flowSet.length; i++) {
      const p = flowSet.pos[i];
      const v = verdictCode(a, p, flowSet.row[i]);
      const key = `${layout.lanes[layout.laneOfPos[p]].key}:${['unmatched', 'forwarded', 'dropped', 'received-only'][v]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([k, n]) => `${k}=${n}`).join(' ');
  }, [a, flowSet, layout]);

  // Notes on the timeline: time ranges as bands, packets as flags, flow/finding notes at the flow's start.
  const noteMarks = useMemo(() => {
    const out: { kind: 'range' | 'packet' | 'flow'; fromNs: number; toNs: number; lane: number; notes: Annotation[] }[] = [];
    if (!a || !layout) return out;
    for (const n of notes.ranges) {
      if (n.target.kind !== 'range') continue;
      out.push({ kind: 'range', fromNs: isoToNs(n.target.from, a.extras.baseSec), toNs: isoToNs(n.target.to, a.extras.baseSec), lane: -1, notes: [n] });
    }
    const posOf = new Map(a.entries.map((e, i) => [e.source.path, i]));
    for (const list of notes.byPacket.values()) {
      const t = list[0].target;
      if (t.kind !== 'packet') continue;
      const pos = posOf.get(t.path);
      if (pos === undefined || t.frame > (a.entries[pos].ix?.packets ?? 0)) continue;
      const ns = timeNs(a, pos, t.frame - 1);
      out.push({ kind: 'packet', fromNs: ns, toNs: ns, lane: layout.laneOfPos[pos], notes: list });
    }
    const f = s.selectedFlow >= 0 ? a.result.flows[s.selectedFlow] : undefined;
    if (f) {
      const list = [...(notes.byFlow.get(f.id) ?? []), ...a.findings.filter((x) => x.flowId === f.id).flatMap((x) => notes.byFinding.get(x.id) ?? [])];
      const span = session.flowSpanNs(s.selectedFlow);
      if (list.length && span) out.push({ kind: 'flow', fromNs: span[0], toNs: span[0], lane: -1, notes: list });
    }
    return out;
  }, [a, layout, notes, s.selectedFlow, session]);

  // Draw.
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    const W = size.w;
    const H = size.h;
    if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) {
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
    }
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const col = readColors();
    g.fillStyle = col.bg;
    g.fillRect(0, 0, W, H);
    if (!a || !layout) return;
    const [r0, r1] = x0.range();
    const font = '11px ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    const mono = '11px ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", monospace';

    // Lanes.
    let prevDev = '';
    lanes.forEach((l, i) => {
      const y = laneY(i);
      if (i % 2 === 1) {
        g.fillStyle = col.laneAlt;
        g.fillRect(0, y, W, laneH);
      }
      if (l.device !== prevDev && i > 0) {
        g.fillStyle = col.grid;
        g.fillRect(0, y, W, 1);
      }
      g.font = font;
      g.textBaseline = 'middle';
      if (l.device !== prevDev) {
        g.fillStyle = col.text;
        g.font = `600 ${font}`;
        g.fillText(fitText(g, l.device, 80), 8, y + laneH / 2);
      }
      g.font = font;
      g.fillStyle = col.muted;
      g.fillText(fitText(g, l.stage, GUTTER - 96), 92, y + laneH / 2);
      prevDev = l.device;
    });
    const plotBottom = laneY(lanes.length);

    // Axis and grid.
    g.save();
    g.beginPath();
    g.rect(r0, 0, r1 - r0 + RIGHT, H);
    g.clip();
    g.font = mono;
    // As many ticks as fit without the labels touching.
    let count = Math.max(2, Math.floor((r1 - r0) / 90));
    let tk = ticks(x, tf, count);
    for (let guard = 0; guard < 8 && tk.length > 2; guard++) {
      const widest = Math.max(...tk.map((t) => g.measureText(t.label).width));
      const gap = Math.abs(x(tk[1].ns) - x(tk[0].ns));
      if (gap >= widest + 18) break;
      count = Math.max(2, Math.floor(count / 2));
      tk = ticks(x, tf, count);
    }
    g.textBaseline = 'middle';
    g.textAlign = 'center';
    for (const t of tk) {
      const px = Math.round(x(t.ns)) + 0.5;
      g.fillStyle = col.grid;
      g.fillRect(px, AXIS - 4, 1, plotBottom - AXIS + 4);
      const lw = g.measureText(t.label).width;
      if (px - lw / 2 < r0 || px + lw / 2 > r1 + RIGHT) continue;
      g.fillStyle = col.muted;
      g.fillText(t.label, px, AXIS / 2 - 1);
    }
    g.textAlign = 'left';

    // All packets, muted, one mark per pixel column and lane that has any.
    if (all) {
      g.fillStyle = col.all;
      const [d0, d1] = x.domain();
      const [r0, r1] = x.range();
      for (const { pos, rows } of all) {
        const y = laneY(layout.laneOfPos[pos]) + laneH * 0.3;
        markColumns(rows, a.entries[pos].ix!.tNs, a.extras.shiftNs[pos], d0, d1, r0, (r1 - r0) / (d1 - d0), (px) => g.fillRect(px, y, 1, laneH * 0.4));
      }
    }

    // Idle gaps of the selected flow, with the GWLB idle timer.
    if (flowSet) {
      for (const gp of gaps) {
        const xa = x(gp.from);
        const xb = x(gp.to);
        if (xb < r0 || xa > r1) continue;
        g.fillStyle = col.gap;
        g.fillRect(xa, AXIS, xb - xa, plotBottom - AXIS);
        g.fillStyle = col.muted;
        g.font = font;
        const label = `idle ${formatDuration((gp.to - gp.from) / 1e9)}`;
        const tw = g.measureText(label).width;
        if (xb - xa > tw + 8) g.fillText(label, Math.max(r0 + 4, xa + (xb - xa) / 2 - tw / 2), plotBottom - 8);
        const tt = gp.from + timeout;
        if (tt < gp.to) {
          const xt = Math.round(x(tt)) + 0.5;
          g.strokeStyle = col.timer;
          g.setLineDash([4, 3]);
          g.beginPath();
          g.moveTo(xt, AXIS);
          g.lineTo(xt, plotBottom);
          g.stroke();
          g.setLineDash([]);
          g.fillStyle = col.timer;
          const tl = `GWLB idle timeout ${Math.round(timeout / 1e9)} s`;
          const w2 = g.measureText(tl).width;
          g.fillText(tl, xt + w2 + 6 < r1 ? xt + 4 : xt - w2 - 4, AXIS + 9);
        }
      }
    }

    // The selected flow's packets, a mark for each pixel column of a lane with a packet of a
    // verdict (a dropped one on top), to 4 px past either end.
    const markW = 3;
    if (flowMarks) {
      const [d0, d1] = x.domain();
      const perNs = (r1 - r0) / (d1 - d0);
      for (const { pos, verdict, rows } of flowMarks) {
        g.fillStyle = verdictColor(col, verdict);
        const y = laneY(layout.laneOfPos[pos]) + laneH * 0.18;
        markColumns(rows, a.entries[pos].ix!.tNs, a.extras.shiftNs[pos], d0 - 4 / perNs, d1 + 4 / perNs, r0 - 4, perNs, (px) => g.fillRect(px - 1, y, markW, laneH * 0.64));
      }
    }
    // Evidence packets: outlined.
    if (evSet) {
      g.strokeStyle = col.select;
      g.lineWidth = 1;
      for (let i = 0; i < evSet.length; i++) {
        const p = evSet.pos[i];
        const px = x(timeNs(a, p, evSet.row[i]));
        if (px < r0 - 4 || px > r1 + 4) continue;
        const lane = layout.laneOfPos[p];
        g.strokeRect(Math.round(px) - 2.5, laneY(lane) + laneH * 0.12 + 0.5, markW + 2, laneH * 0.76);
      }
    }
    // Moved session: arrow from the last packet on the old firewall to the first on the new one.
    if (finding && finding.kind === 'session-moved' && finding.evidence.length >= 2) {
      const e0 = finding.evidence[0];
      const e1 = finding.evidence[1];
      const l0 = lanes.findIndex((l) => l.device === e0.device && l.stage === e0.stage);
      const l1 = lanes.findIndex((l) => l.device === e1.device && l.stage === e1.stage);
      if (l0 >= 0 && l1 >= 0) {
        const xa = x(isoToNs(e0.time, a.extras.baseSec));
        const xb = x(isoToNs(e1.time, a.extras.baseSec));
        const ya = laneY(l0) + laneH / 2;
        const yb = laneY(l1) + laneH / 2;
        g.strokeStyle = col.accent;
        g.fillStyle = col.accent;
        g.lineWidth = 1.5;
        g.beginPath();
        g.moveTo(xa + 3, ya);
        const mx = (xa + xb) / 2;
        g.bezierCurveTo(mx, ya, mx, yb, xb - 6, yb);
        g.stroke();
        g.beginPath();
        g.moveTo(xb - 2, yb);
        g.lineTo(xb - 9, yb - 4);
        g.lineTo(xb - 9, yb + 4);
        g.closePath();
        g.fill();
        g.lineWidth = 1;
        const label = `moved ${e0.device} → ${e1.device}`;
        g.font = `600 ${font}`;
        const tw = g.measureText(label).width;
        const lx = Math.min(Math.max(mx - tw / 2, r0 + 4), r1 - tw - 4);
        const ly = (ya + yb) / 2;
        g.fillStyle = col.bg;
        g.fillRect(lx - 4, ly - 8, tw + 8, 16);
        g.fillStyle = col.accent;
        g.fillText(label, lx, ly);
      }
    }
    // Notes: bands for time ranges (text along the top), flags for packets and for the flow.
    for (const m of noteMarks) {
      if (m.kind === 'range') {
        const xa = Math.max(r0, x(m.fromNs));
        const xb = Math.min(r1 + RIGHT, Math.max(x(m.toNs), x(m.fromNs) + 2));
        if (xb < r0 || xa > r1 + RIGHT) continue;
        g.fillStyle = col.noteBand;
        g.fillRect(xa, AXIS, xb - xa, plotBottom - AXIS);
        g.fillStyle = col.note;
        g.fillRect(xa, AXIS, Math.max(1, xb - xa), 2);
        g.font = font;
        const label = `✎ ${m.notes[0].text}`;
        const room = Math.max(0, Math.min(xb - xa - 6, 320));
        if (room > 24) {
          g.fillStyle = col.note;
          g.textBaseline = 'top';
          g.fillText(label, xa + 4, AXIS + 4, room);
          g.textBaseline = 'middle';
        }
      } else {
        const px = x(m.fromNs);
        if (px < r0 - 4 || px > r1 + 4) continue;
        const y = m.kind === 'packet' ? laneY(m.lane) + 1 : AXIS + 1;
        g.fillStyle = col.note;
        g.beginPath();
        g.moveTo(px - 5, y);
        g.lineTo(px + 5, y);
        g.lineTo(px, y + 7);
        g.closePath();
        g.fill();
        if (m.kind === 'flow') {
          // A thin dashed rule down from the flag: the flow's notes start here.
          g.strokeStyle = col.note;
          g.globalAlpha = 0.6;
          g.setLineDash([2, 3]);
          g.beginPath();
          g.moveTo(Math.round(px) + 0.5, y + 7);
          g.lineTo(Math.round(px) + 0.5, plotBottom);
          g.stroke();
          g.setLineDash([]);
          g.globalAlpha = 1;
        }
      }
    }
    // Shift+drag in progress.
    if (brush) {
      const xa = Math.min(brush.xa, brush.xb);
      const xb = Math.max(brush.xa, brush.xb);
      g.fillStyle = col.noteBand;
      g.fillRect(xa, AXIS, xb - xa, plotBottom - AXIS);
      g.strokeStyle = col.note;
      g.strokeRect(xa + 0.5, AXIS + 0.5, xb - xa - 1, plotBottom - AXIS - 1);
    }
    // Selected packet.
    const sp = s.selectedPacket;
    if (sp && a.entries[sp.pos]) {
      const px = x(timeNs(a, sp.pos, sp.row));
      const lane = layout.laneOfPos[sp.pos];
      g.strokeStyle = col.accent;
      g.lineWidth = 2;
      g.strokeRect(Math.round(px) - 4, laneY(lane) + 1, 9, laneH - 2);
      g.lineWidth = 1;
    }
    if (cursorNs !== null) {
      const xc = Math.round(x(cursorNs)) + 0.5;
      g.fillStyle = col.muted;
      g.fillRect(xc, AXIS, 1, plotBottom - AXIS);
    }
    g.restore();
    g.fillStyle = col.grid;
    g.fillRect(0, AXIS, W, 1);
    g.fillRect(GUTTER - 1, AXIS, 1, plotBottom - AXIS);
  });

  /** The selected flow's packet nearest the pointer (within 5 px), for hover and click. */
  const hit = (mx: number, my: number): PacketRef | null => {
    if (!a || !layout || !flowSet) return null;
    const lane = Math.floor((my - AXIS - 4) / laneH);
    if (lane < 0 || lane >= lanes.length) return null;
    let best: PacketRef | null = null;
    let bd = 6;
    // Only the packets within 6 px (the set is in time order).
    const end = entryAt(a, flowSet, x.invert(mx + 6), true);
    for (let i = entryAt(a, flowSet, x.invert(mx - 6)); i < end; i++) {
      const p = flowSet.pos[i];
      if (layout.laneOfPos[p] !== lane) continue;
      const d = Math.abs(x(timeNs(a, p, flowSet.row[i])) - mx);
      if (d < bd) {
        bd = d;
        best = { pos: p, row: flowSet.row[i] };
      }
    }
    return best;
  };

  /** Notes under the pointer: flags within 6 px, bands containing it. */
  const notesAt = (mx: number, my: number): Annotation[] => {
    const out: Annotation[] = [];
    for (const m of noteMarks) {
      if (m.kind === 'range') {
        if (mx >= x(m.fromNs) - 2 && mx <= Math.max(x(m.toNs), x(m.fromNs) + 2) + 2) out.push(...m.notes);
      } else if (Math.abs(x(m.fromNs) - mx) <= 6) {
        const y = m.kind === 'packet' ? laneY(m.lane) : AXIS;
        if (m.kind === 'flow' || (my >= y - 2 && my <= y + laneH)) out.push(...m.notes);
      }
    }
    return out;
  };

  /** Opens the note editor on a range of the visible axis (canvas x), or on all of it. */
  const noteRange = (xa?: number, xb?: number) => {
    if (!a) return;
    const [r0, r1] = x.range();
    const from = x.invert(Math.max(r0, Math.min(xa ?? r0, xb ?? r1)));
    const to = x.invert(Math.min(r1, Math.max(xa ?? r0, xb ?? r1)));
    kase.openNote({ kind: 'range', from: nsToIso(Math.round(from), a.extras.baseSec), to: nsToIso(Math.round(to), a.extras.baseSec) });
  };
  const noteRangeRef = useRef(noteRange);
  noteRangeRef.current = noteRange;
  useEffect(() => {
    const on = () => noteRangeRef.current();
    window.addEventListener('stagediff-note-range', on);
    return () => window.removeEventListener('stagediff-note-range', on);
  }, []);

  const flowLabel = a && s.selectedFlow >= 0 ? a.result.flows[s.selectedFlow] : null;
  return (
    <section className="panel timeline" aria-label="Timeline" style={{ height: Math.max(150, Math.min(300, 34 + AXIS + 12 + Math.max(2, lanes.length) * 28)) }}>
      <header className="panel-head">
        <h2>Timeline</h2>
        <span className="muted mono small flow-label">{flowLabel ? `${flowLabel.id} · ${flowLabel.proto} ${flowLabel.client} → ${flowLabel.server}` : 'no flow selected'}</span>
        <span className="spacer" />
        <span className="legend" aria-label="Legend">
          <i className="lg forwarded" /> forwarded
          <i className="lg dropped" /> dropped
          <i className="lg received" /> only received
          <i className="lg unknown" /> not matched
        </span>
        <label className="check">
          <input type="checkbox" checked={s.prefs.showAllPackets} onChange={(e) => session.setPrefs({ showAllPackets: e.target.checked })} /> all packets
        </label>
        <div className="btn-group">
          {flowLabel && (
            <button title="Add a note on the selected flow" onClick={() => kase.openNote(flowTarget(flowLabel))} data-testid="note-flow">
              ✎ Flow
            </button>
          )}
          <button title="Note the visible time range (or Shift+drag across the timeline to pick one)" onClick={() => noteRange()} data-testid="note-range" disabled={!a}>
            ✎ Range
          </button>
        </div>
        <div className="btn-group">
          <button className="icon" title="Zoom out (-)" onClick={() => window.dispatchEvent(new CustomEvent('stagediff-zoom', { detail: 'zoom-out' }))}>
            −
          </button>
          <button className="icon" title="Zoom in (+)" onClick={() => window.dispatchEvent(new CustomEvent('stagediff-zoom', { detail: 'zoom-in' }))}>
            +
          </button>
          <button title="Fit the selected flow (0)" onClick={() => window.dispatchEvent(new CustomEvent('stagediff-zoom', { detail: 'zoom-fit' }))}>
            Fit
          </button>
          <button title="Show the whole capture range" onClick={() => a && zoomToRange(a.startNs, a.endNs)}>
            All
          </button>
        </div>
        <span className="muted small zone">{zoneLabel(tf)}</span>
      </header>
      <div className="timeline-body" ref={wrapRef} data-testid="timeline" data-summary={summary} data-notes={noteMarks.map((m) => `${m.kind}:${m.notes.length}`).join(' ')} data-lanes={lanes.map((l) => l.key).join(',')}>
        <canvas
          ref={canvasRef}
          style={{ width: size.w, height: size.h }}
          role="img"
          aria-label={`Timeline of ${flowLabel ? flowLabel.id : 'captures'}: ${summary}`}
          onMouseDown={(e) => {
            if (!e.shiftKey || e.button !== 0 || !a) return;
            const r = e.currentTarget.getBoundingClientRect();
            const mx = Math.max(GUTTER, e.clientX - r.left);
            brushRef.current = { xa: mx, xb: mx };
            setBrush(brushRef.current);
            e.preventDefault();
          }}
          onMouseUp={(e) => {
            const b = brushRef.current;
            if (!b) return;
            brushRef.current = null;
            setBrush(null);
            const r = e.currentTarget.getBoundingClientRect();
            const xb = e.clientX - r.left;
            if (Math.abs(xb - b.xa) >= 3) noteRange(b.xa, xb);
          }}
          onMouseMove={(e) => {
            const r = e.currentTarget.getBoundingClientRect();
            const mx = e.clientX - r.left;
            const my = e.clientY - r.top;
            setCursorNs(mx > GUTTER ? x.invert(mx) : null);
            if (brushRef.current) {
              brushRef.current = { ...brushRef.current, xb: Math.max(GUTTER, mx) };
              setBrush(brushRef.current);
              return;
            }
            const h = a ? hit(mx, my) : null;
            if (h && a) {
              const pr = packetRow(a, h.pos, h.row);
              setHover({
                x: mx,
                y: my,
                text: [
                  `${pr.device} ${pr.stage} · frame ${pr.frame}`,
                  `${formatTime(pr.timeNs, tf, 6)}  ${pr.flags || pr.proto}  len ${pr.len}`,
                  `${pr.src} → ${pr.dst}`,
                  pr.verdict ? `verdict: ${pr.verdict}` : 'verdict: not matched',
                  ...notesAt(mx, my).map((n) => `✎ ${n.text}`),
                ],
              });
            } else {
              const ns = mx > GUTTER ? notesAt(mx, my) : [];
              setHover(ns.length ? { x: mx, y: my, text: ['Notes', ...ns.map((n) => `✎ ${n.text}`)] } : null);
            }
          }}
          onMouseLeave={() => {
            setHover(null);
            setCursorNs(null);
            brushRef.current = null;
            setBrush(null);
          }}
          onClick={(e) => {
            const r = e.currentTarget.getBoundingClientRect();
            const h = hit(e.clientX - r.left, e.clientY - r.top);
            if (h) session.selectPacket(h);
          }}
        />
        {hover && (
          <div className="tip" style={{ left: Math.min(hover.x + 12, size.w - 300), top: Math.min(hover.y + 12, size.h - 80) }}>
            {hover.text.map((t, i) => (
              <div key={i} className={i === 0 ? 'tip-head' : ''}>
                {t}
              </div>
            ))}
          </div>
        )}
        {cursorNs !== null && <div className="cursor-time mono">{formatTime(cursorNs, tf, 6)}</div>}
      </div>
    </section>
  );
}

/** Text cut to a width with an ellipsis (canvas maxWidth would squeeze the glyphs instead). */
function fitText(g: CanvasRenderingContext2D, text: string, width: number): string {
  if (g.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (g.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}
