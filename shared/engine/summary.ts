/** `stagediff analyze` without --json: an incident summary a person reads, moved sessions first. */
import type { AnalysisResult, Finding } from '../api/analysis.ts';

function line(f: Finding): string[] {
  const out = [`[${f.severity.toUpperCase()}] ${f.kind}: ${f.summary}`];
  if (f.kind === 'session-moved') {
    out.push(
      `    last seen on ${f.fromDevice} at ${f.lastSeenFrom}; reappeared on ${f.toDevice} at ${f.reappearedAt} after ${f.idleSeconds} s idle`,
    );
    out.push(`    first packet on ${f.toDevice}: ${f.firstReappearedFlags}; dropped there: ${f.droppedPackets}`);
    if (f.cookieBefore || f.cookieAfter) out.push(`    GWLB flow cookie: ${f.cookieBefore ?? '?'} -> ${f.cookieAfter ?? '?'}`);
  }
  out.push(`    why: ${f.explanation}`);
  for (const e of f.evidence.slice(0, 6)) {
    out.push(`    evidence: ${e.device} ${e.stage} frame ${e.frame} at ${e.time}${e.note ? ` (${e.note})` : ''}  [${e.path}]`);
  }
  if (f.evidence.length > 6) out.push(`    ... ${f.evidence.length - 6} more evidence packets (see --json)`);
  return out;
}

export function renderSummary(r: AnalysisResult, flowCount = r.flows.length): string {
  const out: string[] = [];
  const moved = r.findings.filter((f) => f.kind === 'session-moved');
  const others = r.findings.filter((f) => f.kind !== 'session-moved');
  out.push(`stagediff: ${r.captures.length} capture(s), ${flowCount} flow(s), ${r.findings.length} finding(s)`);
  out.push('');
  out.push('Captures:');
  for (const c of r.captures) {
    const err = c.errors.length ? `  ERROR at offset ${c.errors[0].offset}: ${c.errors[0].message}` : '';
    out.push(`  ${c.device} / ${c.stage}: ${c.packets} packets, ${c.first ?? '-'} .. ${c.last ?? '-'}  [${c.path}]${err}`);
  }
  const offsets = Object.entries(r.clockOffsets ?? {});
  if (offsets.length) out.push(`Clock offsets applied: ${offsets.map(([d, s]) => `${d} ${s >= 0 ? '+' : ''}${s} s`).join(', ')}`);
  for (const e of r.clockEstimates ?? []) {
    out.push(
      `Clock estimate (not applied): ${e.device} is ${-e.offsetSeconds} s off ${e.relativeTo} (spread ${e.spreadSeconds} s, ${e.samples} packets); use --clock-offset ${e.device}=${e.offsetSeconds}`,
    );
  }
  out.push('');
  if (moved.length) {
    out.push(`MOVED SESSIONS (${moved.length}): the GWLB forgot an idle flow and sent it to another firewall`);
    for (const f of moved) out.push(...line(f), '');
  } else {
    out.push('No moved sessions.', '');
  }
  if (others.length) {
    out.push('Other findings:');
    for (const f of others) out.push(...line(f), '');
  }
  return `${out.join('\n')}\n`;
}
