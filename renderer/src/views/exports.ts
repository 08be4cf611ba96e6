import type { Session } from '../state/session.ts';
import { saveText, toCsv } from '../state/files.ts';

function stamp(): string {
  return new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
}

export function exportJson(session: Session): void {
  const a = session.get().analysis;
  if (!a) return session.notify('Nothing to export yet: open captures first.');
  void saveText(session, `stagediff-${stamp()}.json`, `${JSON.stringify(a.result, null, 2)}\n`, 'application/json', 'json');
}

export function exportFindingsCsv(session: Session): void {
  const a = session.get().analysis;
  if (!a) return session.notify('Nothing to export yet: open captures first.');
  const rows = a.findings.map((f) => [f.severity, f.kind, f.flow.proto, f.flow.client, f.flow.server, f.summary, f.explanation, f.evidence.length]);
  void saveText(session, `stagediff-findings-${stamp()}.csv`, toCsv(['severity', 'kind', 'proto', 'client', 'server', 'summary', 'explanation', 'evidence'], rows), 'text/csv', 'csv');
}

export function exportFlowsCsv(session: Session): void {
  const a = session.get().analysis;
  if (!a) return session.notify('Nothing to export yet: open captures first.');
  const rows: unknown[][] = [];
  for (const f of a.result.flows) {
    for (const p of f.points) rows.push([f.id, f.proto, f.client, f.server, p.device, p.stage, p.packets, p.bytes, p.first, p.last, p.history, p.state, p.endReason ?? '', (p.cookies ?? []).join(' ')]);
  }
  void saveText(
    session,
    `stagediff-flows-${stamp()}.csv`,
    toCsv(['flow', 'proto', 'client', 'server', 'device', 'stage', 'packets', 'bytes', 'first', 'last', 'history', 'state', 'end_reason', 'geneve_cookies'], rows),
    'text/csv',
    'csv',
  );
}
