import type { Annotation, AnnotationTarget } from '../../../shared/api/case.ts';
import type { AnalysisView } from '../state/session.ts';
import { baseName } from '../state/case.ts';
import { formatDateTime, formatTime, isoToNs, type TimeFormat } from '../util/time.ts';

/** What a note is about, in words ("finding session-moved on 172.21.43.170:51544 → …"). */
export function describeTarget(t: AnnotationTarget, a: AnalysisView | null, tf: TimeFormat): string {
  switch (t.kind) {
    case 'finding': {
      const f = a?.findings.find((x) => x.id === t.findingId);
      const flow = f?.flow ?? t.flow;
      return `Finding ${f?.kind ?? t.findingId.replace(/^f\d+-/, '')}${flow ? ` · ${flow.client} → ${flow.server}` : ''}`;
    }
    case 'flow': {
      const f = a?.result.flows.find((x) => x.id === t.flowId);
      const flow = f ?? t.flow;
      return `Flow ${t.flowId}${flow ? ` · ${flow.proto} ${flow.client} → ${flow.server}` : ''}`;
    }
    case 'packet': {
      const pos = a?.entries.findIndex((e) => e.source.path === t.path) ?? -1;
      const e = pos >= 0 ? a!.entries[pos] : null;
      return `Packet · ${e ? `${e.device} ${e.stage}` : baseName(t.path)} · frame ${t.frame}`;
    }
    case 'range': {
      if (!a) return `Time range ${t.from} – ${t.to}`;
      const f = isoToNs(t.from, a.extras.baseSec);
      const to = isoToNs(t.to, a.extras.baseSec);
      return `Time range ${formatDateTime(f, tf, 3)} – ${formatTime(to, tf, 3)}${t.device ? ` on ${t.device}` : ''}`;
    }
  }
}

/** The flow a note belongs to (finding and flow notes; packets via their capture's flow). */
export function flowIdOf(n: Annotation, a: AnalysisView | null): string | null {
  const t = n.target;
  if (t.kind === 'flow') return t.flowId;
  if (t.kind === 'finding') return a?.findings.find((f) => f.id === t.findingId)?.flowId ?? null;
  return null;
}

export function noteTitle(list: Annotation[]): string {
  return list.map((n) => `✎ ${n.text}`).join('\n');
}

/** Newline-separated note texts as a tooltip. */
export function noteLines(texts: string): string {
  return texts
    .split('\n')
    .filter(Boolean)
    .map((t) => `✎ ${t}`)
    .join('\n');
}
