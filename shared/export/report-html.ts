/**
 * The incident report: one self-contained HTML file (inline CSS and SVG, no script, no external
 * resource; a CSP meta tag forbids loading anything) that opens offline in any browser and prints
 * to PDF. Every string from a capture, a log or a user is escaped (esc) where it is written.
 */
import type { AnalysisResult, Finding, FlowSummary } from '../api/analysis.ts';
import type { Annotation } from '../api/case.ts';
import { esc } from './escape.ts';
import { findingFields, splitFix } from './tables.ts';
import { buildFlowTimelines, findingFlowIds, MARK_STYLE, timelineSvg, type FlowTimeline } from './timeline-svg.ts';
import { packetView, type ExportExtras, type ExportSource } from './source.ts';
import { loggedSessions, type TrafficLogJoin } from '../tlog/traffic-log.ts';

export interface ReportOptions extends ExportExtras {
  /** Most flows listed in the all-flows table (default 2000). */
  maxFlowRows?: number;
  /**
   * Most findings of one kind written out in full (default 50; findings with notes always are):
   * a scan or a flood can make a finding of one kind per flow, hundreds of thousands of them, and
   * a card each would make a report of hundreds of megabytes that no one reads. The rest are
   * counted, and are all in the findings CSV and JSON exports.
   */
  maxFindingsPerKind?: number;
  /** Timelines already built (the renderer may pass its own); default: built from the source. */
  timelines?: FlowTimeline[];
}

const SEV_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

const CSS = `
:root{--fg:#1b1f24;--muted:#5c6670;--line:#d9dee3;--bg:#fff;--crit:#b71c1c;--warn:#e65100;--info:#1565c0;--ok:#2e7d32}
*{box-sizing:border-box}
body{margin:0;background:#f4f6f8;color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1040px;margin:0 auto;padding:24px 20px 60px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:0 0 6px}
.meta{color:var(--muted);font-size:12.5px}
.card{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:12px 0;break-inside:avoid;page-break-inside:avoid}
.card.critical{border-left:5px solid var(--crit)}.card.warning{border-left:5px solid var(--warn)}.card.info{border-left:5px solid var(--info)}
.badge{display:inline-block;font-size:11px;font-weight:700;letter-spacing:.04em;text-transform:uppercase;padding:1px 7px;border-radius:10px;color:#fff;vertical-align:1px;margin-right:6px}
.badge.critical{background:var(--crit)}.badge.warning{background:var(--warn)}.badge.info{background:var(--info)}.badge.note{background:#f9a825;color:#000}.badge.bad{background:var(--crit)}.badge.good{background:var(--ok)}
.kind{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;color:var(--muted)}
.summary-list{margin:6px 0 0 18px;padding:0}
.fix{background:#e8f5e9;border:1px solid #c8e6c9;border-radius:6px;padding:8px 10px;margin:8px 0}
.why{margin:8px 0}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:12.5px;background:var(--bg)}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#eef1f4;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.stats{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0}
.stat{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px 12px;min-width:120px}
.stat b{display:block;font-size:20px}
.stat.critical b{color:var(--crit)}.stat.warning b{color:var(--warn)}
.timeline-wrap{overflow-x:auto;margin:10px 0;border:1px solid var(--line);border-radius:6px;background:#fff}
.timeline-wrap svg{display:block;max-width:100%;height:auto}
.note{background:#fffde7;border:1px solid #fff59d;border-radius:6px;padding:6px 10px;margin:6px 0;white-space:pre-wrap}
.note .who{color:var(--muted);font-size:12px}
.disagree td{background:#ffebee}
.muted{color:var(--muted)}
footer{margin-top:40px;color:var(--muted);font-size:12px}
@media print{body{background:#fff}main{max-width:none;padding:0}.card{border-color:#bbb}h2{break-after:avoid}.timeline-wrap{overflow:visible}}
`;

function table(head: string[], rows: string[][], opts: { num?: number[]; rowClass?: (i: number) => string } = {}): string {
  const num = new Set(opts.num ?? []);
  const th = head.map((h, i) => `<th${num.has(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const body = rows
    .map((r, ri) => {
      const cls = opts.rowClass?.(ri);
      return `<tr${cls ? ` class="${cls}"` : ''}>${r.map((c, i) => `<td${num.has(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

function fieldValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return esc(JSON.stringify(v));
  return esc(String(v));
}

function targetText(a: Annotation): string {
  const t = a.target;
  switch (t.kind) {
    case 'finding':
      return `finding ${t.findingId}${t.flow ? ` (${t.flow.proto} ${t.flow.client} → ${t.flow.server})` : ''}`;
    case 'flow':
      return `flow ${t.flowId}${t.flow ? ` (${t.flow.proto} ${t.flow.client} → ${t.flow.server})` : ''}`;
    case 'packet':
      return `packet ${t.frame} of ${t.path}`;
    case 'range':
      return `${t.from} .. ${t.to}${t.device ? ` on ${t.device}` : ''}`;
  }
}

function noteHtml(a: Annotation): string {
  const who = [a.author, a.created].filter(Boolean).join(', ');
  return `<div class="note"><span class="badge note">note</span>${esc(a.text)}<div class="who">${esc(targetText(a))}${who ? ` · ${esc(who)}` : ''}</div></div>`;
}

function flowPointsTable(f: FlowSummary, join?: TrafficLogJoin): string {
  const pts = table(
    ['device', 'stage', 'packets', 'bytes', 'first', 'last', 'history', 'state', 'end reason', 'GWLB cookies', 'keep-alives', 'retrans.'],
    f.points.map((p) => [
      esc(p.device), esc(p.stage), esc(p.packets), esc(p.bytes), `<span class="mono">${esc(p.first)}</span>`, `<span class="mono">${esc(p.last)}</span>`,
      `<code>${esc(p.history)}</code>`, esc(p.state), esc(p.endReason ?? '') + (p.agesOutAt ? `<br><span class="muted">ages out ${esc(p.agesOutAt)}</span>` : ''),
      `<span class="mono">${esc((p.cookies ?? []).join(' → '))}</span>`, esc(p.keepAlives), esc(p.retransmissions),
    ]),
    { num: [2, 3, 10, 11] },
  );
  const logged = (d: string) => (join ? loggedSessions(join, f.id, d) : []);
  const devRows = f.devices.map((d) => {
    const l = logged(d.device);
    const loggedText = join ? (l.length ? l.map((s) => `${s.logged ?? '?'}${s.sessionId ? ` (session ${s.sessionId})` : ''}`).join(', ') : 'no session logged') : '';
    const dis = l.some((s) => s.disagrees);
    return [
      esc(d.device), esc(d.received), esc(d.transmitted), esc(d.dropped), esc(d.unaccounted), esc(d.latencyUs ?? ''), esc(d.endReason ?? ''),
      ...(join ? [esc(loggedText) + (dis ? ' <span class="badge bad">disagrees</span>' : '')] : []),
    ];
  });
  const devHead = ['device', 'received', 'transmitted', 'dropped', 'unaccounted', 'median latency µs', 'end reason (inferred)', ...(join ? ['end reason (traffic log)'] : [])];
  const devs = table(devHead, devRows, {
    num: [1, 2, 3, 4, 5],
    rowClass: (i) => (join && logged(f.devices[i].device).some((s) => s.disagrees) ? 'disagree' : ''),
  });
  const carriers = f.carriers.length > 1
    ? `<p class="meta">Carried by: ${f.carriers.map((c) => `${esc(c.devices.join(' + '))} (${esc(c.from)} .. ${esc(c.to)})`).join('; ')}</p>`
    : '';
  return `${pts}${devs}${carriers}`;
}

/** The report as one HTML string. */
export function reportHtml(src: ExportSource, opts: ReportOptions = {}): string {
  const r: AnalysisResult = src.result;
  const annotations = opts.annotations ?? [];
  const join = opts.trafficLog;
  const generatedAt = opts.generatedAt ?? new Date().toISOString();
  const title = opts.title ?? 'stagediff incident report';
  const sorted = [...r.findings].sort((a, b) => (SEV_ORDER[a.severity] ?? 3) - (SEV_ORDER[b.severity] ?? 3) || (a.kind === 'session-moved' ? -1 : 0) - (b.kind === 'session-moved' ? -1 : 0));
  const { findings, left } = findingsShown(sorted, annotations, opts.maxFindingsPerKind ?? 50);
  const flowsById = new Map(r.flows.map((f) => [f.id, f]));
  const kindsOf = new Map<string, string[]>();
  for (const f of r.findings) {
    const ks = kindsOf.get(f.flowId);
    if (ks) ks.push(f.kind);
    else kindsOf.set(f.flowId, [f.kind]);
  }
  // Flows with a card of their own: those of the findings written out.
  const cardFlows = new Set(findings.map((f) => f.flowId));
  const cardFlowIds = findingFlowIds(r).filter((id) => cardFlows.has(id));
  const timelines = opts.timelines ?? buildFlowTimelines(src, { annotations, flowIds: cardFlowIds }, packetView(src));
  const timelineOf = new Map(timelines.map((t) => [t.flowId, t]));
  const count = (s: string) => r.findings.filter((f) => f.severity === s).length;
  const devices = [...new Set(r.captures.map((c) => c.device))];
  const firsts = r.captures.map((c) => c.first).filter((x): x is string => !!x).sort();
  const lasts = r.captures.map((c) => c.last).filter((x): x is string => !!x).sort();
  const o: string[] = [];
  o.push(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(opts.generator ?? 'stagediff')}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>`);
  o.push(`<h1>${esc(title)}</h1>`);
  o.push(`<div class="meta">Generated ${esc(generatedAt)} by ${esc(opts.generator ?? 'stagediff')} · captures from ${esc(firsts[0] ?? '-')} to ${esc(lasts[lasts.length - 1] ?? '-')} (UTC)</div>`);

  // ---- summary
  o.push('<h2 id="summary">Incident summary</h2>');
  o.push(`<div class="stats">
<div class="stat critical"><b>${count('critical')}</b>critical</div>
<div class="stat warning"><b>${count('warning')}</b>warning</div>
<div class="stat"><b>${count('info')}</b>info</div>
<div class="stat"><b>${r.flows.length}</b>flows</div>
<div class="stat"><b>${r.captures.length}</b>captures on ${devices.length} device${devices.length === 1 ? '' : 's'}</div>
${annotations.length ? `<div class="stat"><b>${annotations.length}</b>notes</div>` : ''}
</div>`);
  const moved = findings.filter((f) => f.kind === 'session-moved');
  if (moved.length) {
    o.push(`<p><b>${moved.length} session${moved.length === 1 ? '' : 's'} moved between firewalls</b>: the GWLB forgot an idle flow and sent its next packets to another firewall, which dropped them.</p>`);
  } else {
    o.push('<p>No session moved between firewalls.</p>');
  }
  if (findings.length) {
    o.push(`<ul class="summary-list">${findings.map((f) => `<li><span class="badge ${esc(f.severity)}">${esc(f.severity)}</span><a href="#${esc(anchor(f.id))}">${esc(f.summary)}</a></li>`).join('\n')}</ul>`);
  }
  if (left.size) o.push(`<p class="meta">${[...left].map(([kind, n]) => moreFindings(kind, n)).join(', ')} not written out in this report (all findings are in the findings CSV and JSON exports).</p>`);
  const offsets = Object.entries(r.clockOffsets ?? {}).filter(([, v]) => v);
  if (offsets.length) o.push(`<p class="meta">Clock offsets applied: ${offsets.map(([d, s]) => `${esc(d)} ${s > 0 ? '+' : ''}${esc(s)} s`).join(', ')}.</p>`);
  for (const e of r.clockEstimates ?? []) {
    o.push(`<p class="meta">Clock estimate (not applied): ${esc(e.device)} is ${esc(-e.offsetSeconds)} s off ${esc(e.relativeTo)} (spread ${esc(e.spreadSeconds)} s over ${esc(e.samples)} packets).</p>`);
  }
  if (join) {
    const dis = join.sessions.filter((s) => s.disagrees);
    o.push(`<p class="meta">Traffic log: ${join.sessions.length} logged session${join.sessions.length === 1 ? '' : 's'} joined to flows, ${dis.length} disagree${dis.length === 1 ? 's' : ''} with the captures, ${join.unmatched.length} row${join.unmatched.length === 1 ? '' : 's'} matched no flow.</p>`);
  }

  // ---- findings
  o.push('<h2 id="findings">Findings</h2>');
  if (!findings.length) o.push('<p>No findings.</p>');
  for (const f of findings) o.push(findingCard(f, flowsById.get(f.flowId), timelineOf.get(f.flowId), annotations, join));
  for (const [kind, n] of left) o.push(`<p class="meta">${moreFindings(kind, n)} like the ones above (see the findings CSV or JSON export).</p>`);

  // ---- flows
  o.push('<h2 id="flows">Flows</h2>');
  const max = opts.maxFlowRows ?? 2000;
  const flowRows = r.flows.slice(0, max).map((f) => {
    const ks = kindsOf.get(f.id) ?? [];
    const notes = annotations.filter((a) => a.target.kind === 'flow' && a.target.flowId === f.id).length;
    const dis = join ? loggedSessions(join, f.id).some((s) => s.disagrees) : false;
    return [
      cardFlows.has(f.id) ? `<a href="#flow-${esc(anchor(f.id))}">${esc(f.id)}</a>` : esc(f.id),
      esc(f.proto), `<span class="mono">${esc(f.client)}</span>`, `<span class="mono">${esc(f.server)}</span>`,
      esc([...new Set(f.points.map((p) => p.device))].join(', ')),
      esc(f.points.reduce((a, p) => a + p.packets, 0)),
      esc(f.devices.map((d) => `${d.device}: ${d.endReason ?? '?'}`).join('; ')) + (dis ? ' <span class="badge bad">log disagrees</span>' : ''),
      esc(ks.join(', ')) + (notes ? ` <span class="badge note">${notes} note${notes === 1 ? '' : 's'}</span>` : ''),
    ];
  });
  o.push(table(['flow', 'proto', 'client', 'server', 'devices', 'packets (all points)', 'end reason', 'findings'], flowRows, { num: [5] }));
  if (r.flows.length > max) o.push(`<p class="meta">${r.flows.length - max} more flows not listed (see the CSV export).</p>`);
  for (const id of cardFlowIds) {
    const f = flowsById.get(id);
    if (!f) continue;
    o.push(`<div class="card" id="flow-${esc(anchor(f.id))}"><h3>${esc(f.id)} ${esc(f.proto.toUpperCase())} <span class="mono">${esc(f.client)} → ${esc(f.server)}</span></h3>${flowPointsTable(f, join)}</div>`);
  }

  // ---- traffic log
  if (join) {
    o.push('<h2 id="traffic-log">Firewall traffic log</h2>');
    const sessions = [...join.sessions].sort((a, b) => Number(b.disagrees) - Number(a.disagrees));
    o.push(
      table(
        ['flow', 'firewall', 'session id', 'start', 'elapsed s', 'action', 'logged end reason', 'inferred end reason', '', 'log line'],
        sessions.map((s) => [
          esc(s.flowId), esc(s.device), esc(s.sessionId ?? ''), `<span class="mono">${esc(s.start)}</span>`, esc(s.elapsedSec ?? ''), esc(s.action ?? ''),
          esc(s.logged ?? ''), esc(s.inferred ?? ''), s.disagrees ? '<span class="badge bad">disagrees</span>' : '<span class="badge good">agrees</span>',
          esc(`${baseName(s.source)}:${s.line}`),
        ]),
        { num: [4], rowClass: (i) => (sessions[i].disagrees ? 'disagree' : '') },
      ),
    );
    if (join.unmatched.length) {
      o.push(`<h3>Log rows that match no flow (${join.unmatched.length})</h3>`);
      o.push(table(['log line', 'why'], join.unmatched.slice(0, 500).map((u) => [esc(`${baseName(u.source)}:${u.line}`), esc(u.reason)])));
    }
    const findingFlows = new Set(r.findings.map((f) => f.flowId));
    const nl = join.notLogged.filter((n) => findingFlows.has(n.flowId));
    if (nl.length) {
      o.push('<h3>Flows with findings that the firewall did not log</h3>');
      o.push(table(['flow', 'firewall', 'inferred end reason'], nl.map((n) => [esc(n.flowId), esc(n.device), esc(n.inferred ?? '')])));
    }
  }

  // ---- annotations
  o.push('<h2 id="notes">Annotations</h2>');
  if (!annotations.length) o.push('<p class="muted">No annotations.</p>');
  for (const a of [...annotations].sort((x, y) => x.created.localeCompare(y.created))) o.push(noteHtml(a));

  // ---- inventory
  o.push('<h2 id="captures">Capture inventory</h2>');
  const hashes = opts.captureHashes ?? {};
  o.push(
    table(
      ['file', 'device', 'stage', 'format', 'link types', 'packets', 'first', 'last', 'size', 'sha256', 'problems'],
      r.captures.map((c) => {
        const h = hashes[c.path] ?? (c.sha256 ? { sha256: c.sha256 } : undefined);
        return [
          `<span class="mono">${esc(c.path)}</span>`, esc(c.device), esc(c.stage), esc(c.format ?? 'unreadable'), esc(c.linkTypes.join(', ')), esc(c.packets),
          `<span class="mono">${esc(c.first ?? '')}</span>`, `<span class="mono">${esc(c.last ?? '')}</span>`, esc(h?.size ?? ''),
          `<span class="mono">${esc(h?.sha256 ?? '')}</span>`,
          esc([...c.errors.map((e) => `offset ${e.offset}: ${e.message}`), c.malformed ? `${c.malformed} malformed packets` : ''].filter(Boolean).join('; ')),
        ];
      }),
      { num: [5, 8] },
    ),
  );
  if (r.settings) {
    o.push(`<p class="meta">Timers (s): ${Object.entries(r.settings).map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ')}.</p>`);
  }
  o.push(`<footer>stagediff works offline: this report loads nothing from the network. Legend of the timelines: ${(Object.values(MARK_STYLE)).map((s) => `<span style="color:${s.color}">■</span> ${esc(s.label)}`).join(' · ')}; hatched = idle gap (orange: past the GWLB idle timeout).</footer>`);
  o.push('</main>\n</body>\n</html>\n');
  return o.join('\n');
}

function anchor(id: string): string {
  return `f-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/**
 * The findings written out in full, in report order: the first `perKind` of each kind and every
 * finding with a note on it or on its flow; `left` counts the others by kind.
 */
function findingsShown(sorted: Finding[], annotations: Annotation[], perKind: number): { findings: Finding[]; left: Map<string, number> } {
  const noted = new Set<string>();
  for (const a of annotations) {
    if (a.target.kind === 'finding') noted.add(a.target.findingId);
    else if (a.target.kind === 'flow') noted.add(`flow:${a.target.flowId}`);
  }
  const seen = new Map<string, number>();
  const left = new Map<string, number>();
  const findings = sorted.filter((f) => {
    const n = (seen.get(f.kind) ?? 0) + 1;
    seen.set(f.kind, n);
    if (n <= perKind || noted.has(f.id) || noted.has(`flow:${f.flowId}`)) return true;
    left.set(f.kind, (left.get(f.kind) ?? 0) + 1);
    return false;
  });
  return { findings, left };
}

/** "2950 more incomplete-handshake findings" (escaped). */
function moreFindings(kind: string, n: number): string {
  return `${esc(n)} more ${esc(kind)} finding${n === 1 ? '' : 's'}`;
}

function findingCard(f: Finding, flow: FlowSummary | undefined, tl: FlowTimeline | undefined, annotations: Annotation[], join?: TrafficLogJoin): string {
  const { why, fix } = splitFix(f.explanation);
  const fields = Object.entries(findingFields(f));
  const notes = annotations.filter((a) => (a.target.kind === 'finding' && a.target.findingId === f.id) || (a.target.kind === 'flow' && a.target.flowId === f.flowId));
  const evPaths = new Set(f.evidence.map((e) => `${e.path}\u0000${e.frame}`));
  const packetNotes = annotations.filter((a) => a.target.kind === 'packet' && evPaths.has(`${a.target.path}\u0000${a.target.frame}`));
  const o: string[] = [];
  o.push(`<div class="card ${esc(f.severity)}" id="${esc(anchor(f.id))}">`);
  o.push(`<h3><span class="badge ${esc(f.severity)}">${esc(f.severity)}</span>${esc(f.summary)}</h3>`);
  o.push(`<div class="kind">${esc(f.kind)} · ${esc(f.id)} · ${esc(f.flow.proto)} ${esc(f.flow.client)} → ${esc(f.flow.server)}</div>`);
  o.push(`<p class="why">${esc(why)}</p>`);
  if (fix) o.push(`<div class="fix"><b>Fix:</b> ${esc(fix)}</div>`);
  if (tl) o.push(`<div class="timeline-wrap">${timelineSvg(tl, { idPrefix: `tl-${f.id}` })}</div>`);
  if (fields.length) o.push(table(['field', 'value'], fields.map(([k, v]) => [`<code>${esc(k)}</code>`, fieldValue(v)])));
  o.push(
    table(
      ['device', 'stage', 'frame', 'time', 'what this packet shows', 'file'],
      f.evidence.map((e) => [esc(e.device), esc(e.stage), esc(e.frame), `<span class="mono">${esc(e.time)}</span>`, esc(e.note ?? ''), `<span class="mono">${esc(baseName(e.path))}</span>`]),
      { num: [2] },
    ),
  );
  for (const a of [...notes, ...packetNotes]) o.push(noteHtml(a));
  if (flow && join) {
    const l = loggedSessions(join, flow.id);
    if (l.length) {
      o.push(`<p class="meta">Traffic log: ${l.map((s) => `${esc(s.device)} logged ${esc(s.logged ?? '?')} (inferred ${esc(s.inferred ?? '?')})${s.disagrees ? ' <span class="badge bad">disagrees</span>' : ''}`).join('; ')}.</p>`);
    }
  }
  o.push('</div>');
  return o.join('\n');
}
