/**
 * Flows, packets and findings as flat rows, the shape of the CSV and JSON exports.
 * Names: Wireshark's field names for packet fields (ip.src, tcp.seq_raw, frame.time_epoch, ...);
 * for flows, where Wireshark has no field, Zeek conn.log's (id.orig_h, history, conn_state,
 * orig_pkts) and PAN-OS's traffic-log name session_end_reason; stagediff.* for the rest.
 */
import type { AnalysisResult, Finding } from '../api/analysis.ts';
import { loggedSessions, type TrafficLogJoin } from '../tlog/traffic-log.ts';
import { packetRows, packetView, PACKET_COLUMNS, type ExportSource, type PacketView } from './source.ts';

export type ExportWhat = 'flows' | 'packets' | 'findings';
export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

export const FLOW_COLUMNS = [
  'stagediff.flow', 'proto', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'stagediff.device', 'stagediff.stage',
  'ts', 'stagediff.last', 'duration', 'stagediff.packets', 'stagediff.bytes', 'orig_pkts', 'resp_pkts', 'history', 'conn_state',
  'session_end_reason', 'stagediff.ages_out_at', 'stagediff.gwlb_cookies', 'stagediff.keep_alives', 'stagediff.retransmissions',
  'stagediff.received', 'stagediff.transmitted', 'stagediff.dropped', 'stagediff.unaccounted', 'stagediff.latency_us',
  'stagediff.logged_session_end_reason', 'stagediff.end_reason_disagrees', 'stagediff.findings',
] as const;

export const FINDING_COLUMNS = [
  'stagediff.finding', 'severity', 'kind', 'stagediff.flow', 'proto', 'client', 'server', 'summary', 'explanation', 'fix',
  'stagediff.evidence', 'stagediff.fields',
] as const;

function splitEp(ep: string): { addr: string; port: number | null } {
  const m = /^\[(.+)\]:(\d+)$/.exec(ep) ?? /^([^:]+):(\d+)$/.exec(ep);
  return m ? { addr: m[1], port: Number(m[2]) } : { addr: ep, port: null };
}

/** "why ... Fix: what to change" -> the two halves. */
export function splitFix(explanation: string): { why: string; fix: string } {
  const i = explanation.search(/\bFix:\s/);
  if (i < 0) return { why: explanation.trim(), fix: '' };
  return { why: explanation.slice(0, i).trim(), fix: explanation.slice(i).replace(/^Fix:\s*/, '').trim() };
}

function seconds(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!m) return Date.parse(iso) / 1000;
  return Date.parse(m[1] + m[3]) / 1000 + (m[2] ? Number(`0.${m[2]}`) : 0);
}

/** One row per flow and capture point. */
export function flowTableRows(result: AnalysisResult, join?: TrafficLogJoin): Row[] {
  const findingsByFlow = new Map<string, string[]>();
  for (const f of result.findings) findingsByFlow.set(f.flowId, [...(findingsByFlow.get(f.flowId) ?? []), f.kind]);
  const rows: Row[] = [];
  for (const f of result.flows) {
    const c = splitEp(f.client);
    const s = splitEp(f.server);
    for (const p of f.points) {
      const dev = f.devices.find((d) => d.device === p.device);
      const logged = join ? loggedSessions(join, f.id, p.device) : [];
      rows.push({
        'stagediff.flow': f.id,
        proto: f.proto,
        'id.orig_h': c.addr,
        'id.orig_p': c.port,
        'id.resp_h': s.addr,
        'id.resp_p': s.port,
        'stagediff.device': p.device,
        'stagediff.stage': p.stage,
        ts: p.first,
        'stagediff.last': p.last,
        duration: Math.round((seconds(p.last) - seconds(p.first)) * 1e6) / 1e6,
        'stagediff.packets': p.packets,
        'stagediff.bytes': p.bytes,
        orig_pkts: p.clientPackets,
        resp_pkts: p.serverPackets,
        history: p.history,
        conn_state: p.state,
        session_end_reason: p.endReason ?? null,
        'stagediff.ages_out_at': p.agesOutAt ?? null,
        'stagediff.gwlb_cookies': (p.cookies ?? []).join(' '),
        'stagediff.keep_alives': p.keepAlives,
        'stagediff.retransmissions': p.retransmissions,
        'stagediff.received': dev?.received ?? null,
        'stagediff.transmitted': dev?.transmitted ?? null,
        'stagediff.dropped': dev?.dropped ?? null,
        'stagediff.unaccounted': dev?.unaccounted ?? null,
        'stagediff.latency_us': dev?.latencyUs ?? null,
        'stagediff.logged_session_end_reason': logged.length ? logged.map((l) => l.logged ?? '').join(' ') : null,
        'stagediff.end_reason_disagrees': join ? logged.some((l) => l.disagrees) : null,
        'stagediff.findings': (findingsByFlow.get(f.id) ?? []).join(' '),
      });
    }
  }
  return rows;
}

const BASE_FINDING_KEYS = new Set(['id', 'kind', 'severity', 'flowId', 'flow', 'summary', 'explanation', 'evidence']);

/** The fields a finding kind adds (fromDevice, idleSeconds, ...). */
export function findingFields(f: Finding): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) if (!BASE_FINDING_KEYS.has(k)) out[k] = v;
  return out;
}

export function findingTableRows(result: AnalysisResult): Row[] {
  return result.findings.map((f) => {
    const { why, fix } = splitFix(f.explanation);
    return {
      'stagediff.finding': f.id,
      severity: f.severity,
      kind: f.kind,
      'stagediff.flow': f.flowId,
      proto: f.flow.proto,
      client: f.flow.client,
      server: f.flow.server,
      summary: f.summary,
      explanation: why,
      fix,
      'stagediff.evidence': f.evidence.map((e) => `${e.device} ${e.stage} frame ${e.frame} ${e.time}${e.note ? ` (${e.note})` : ''}`).join('; '),
      'stagediff.fields': JSON.stringify(findingFields(f)),
    };
  });
}

export function columnsOf(what: ExportWhat): readonly string[] {
  return what === 'flows' ? FLOW_COLUMNS : what === 'findings' ? FINDING_COLUMNS : PACKET_COLUMNS;
}

/**
 * The rows of one table. Packets need capture indexes (ExportSource.inputs) and are produced
 * lazily, capture by capture.
 */
export function* tableRows(what: ExportWhat, src: ExportSource, opts: { trafficLog?: TrafficLogJoin; flowIds?: Set<string>; view?: PacketView | null } = {}): Generator<Row> {
  if (what === 'flows') {
    for (const r of flowTableRows(src.result, opts.trafficLog)) if (!opts.flowIds || opts.flowIds.has(String(r['stagediff.flow']))) yield r;
    return;
  }
  if (what === 'findings') {
    for (const r of findingTableRows(src.result)) if (!opts.flowIds || opts.flowIds.has(String(r['stagediff.flow']))) yield r;
    return;
  }
  const view = opts.view ?? packetView(src);
  if (!view) throw new Error('a packets export needs the captures themselves (packet detail), not only the analysis result');
  yield* packetRows(view, { flowIds: opts.flowIds }) as Generator<Row>;
}
