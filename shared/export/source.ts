/**
 * What every export reads: the analysis result plus, where packet-level detail is wanted
 * (packets CSV/JSON, the timeline's packet marks), the capture indexes and per-packet verdicts.
 * The renderer's analysis worker holds exactly these (`analyzeWithDetail`), so it can call the
 * export functions there; the CLI builds them from files.
 */
import type { AnalysisResult, Stage } from '../api/analysis.ts';
import type { Annotation } from '../api/case.ts';
import { analyzeWithDetail, VERDICT_NAMES, type AnalysisInput, type AnalyzeOptions, type PacketDetail } from '../engine/analyze.ts';
import { buildModel, protoName, type Model } from '../engine/model.ts';
import { NO_FLOW, P_KEEPALIVE, P_RETRANS, P_COOKIE, P_SIDE_B } from '../engine/capture-index.ts';
import { DEFAULT_SETTINGS, type Settings } from '../engine/settings.ts';
import { epochText, hex32, isoText } from '../format/addr.ts';
import type { TrafficLogJoin } from '../tlog/traffic-log.ts';

export interface ExportSource {
  result: AnalysisResult;
  /** Capture indexes in the order of result.captures; absent when only the result is known. */
  inputs?: AnalysisInput[];
  detail?: PacketDetail | null;
}

/** Everything a report shows besides the analysis. */
export interface ExportExtras {
  title?: string;
  annotations?: Annotation[];
  trafficLog?: TrafficLogJoin;
  /** ISO time the export was made (defaults to now); fixed in tests. */
  generatedAt?: string;
  /** Tool version line, e.g. "stagediff 0.1.0". */
  generator?: string;
  /** sha256 and size per capture path (the case file's, or computed while exporting). */
  captureHashes?: Record<string, { sha256: string; size?: number }>;
}

/** Analyses indexed captures with per-packet detail: the source every export accepts. */
export function exportSource(inputs: AnalysisInput[], opts: AnalyzeOptions = {}): ExportSource {
  const { result, detail } = analyzeWithDetail(inputs, opts, true);
  return { result, inputs, detail };
}

/** One packet of one capture point, with Wireshark field names where Wireshark has them. */
export interface PacketRow {
  'stagediff.capture': string;
  'stagediff.device': string;
  'stagediff.stage': Stage;
  'frame.number': number;
  /** As in the file (tshark's frame.time_epoch). */
  'frame.time_epoch': string;
  /** On the common clock, after the device's clock offset (ISO-8601 UTC). */
  'stagediff.time': string;
  'frame.len': number;
  'stagediff.flow': string;
  'stagediff.proto': string;
  'ip.src': string;
  'ip.dst': string;
  'ipv6.src': string;
  'ipv6.dst': string;
  'tcp.srcport': number | '';
  'tcp.dstport': number | '';
  'udp.srcport': number | '';
  'udp.dstport': number | '';
  /** "0x0018" as tshark prints it. */
  'tcp.flags': string;
  'tcp.flags.str': string;
  'tcp.seq_raw': number | '';
  'tcp.ack_raw': number | '';
  'tcp.len': number | '';
  'ip.id': string;
  'tcp.analysis.keep_alive': 1 | '';
  'tcp.analysis.retransmission': 1 | '';
  /** The GWLB flow cookie (GENEVE option class 0x0108 type 3), which Wireshark does not decode. */
  'stagediff.gwlb_cookie': string;
  /** Sent by the flow's client. */
  'stagediff.from_client': 0 | 1;
  'stagediff.verdict': string;
  'stagediff.latency_us': number | '';
  /** Internal: common-clock nanoseconds since model.baseSec (not exported). */
}

export const PACKET_COLUMNS: (keyof PacketRow)[] = [
  'stagediff.capture', 'stagediff.device', 'stagediff.stage', 'frame.number', 'frame.time_epoch', 'stagediff.time',
  'frame.len', 'stagediff.flow', 'stagediff.proto', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport',
  'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags', 'tcp.flags.str', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len',
  'ip.id', 'tcp.analysis.keep_alive', 'tcp.analysis.retransmission', 'stagediff.gwlb_cookie', 'stagediff.from_client',
  'stagediff.verdict', 'stagediff.latency_us',
];

/** A packet's mark on the common clock: the timeline reads these, not whole rows. */
export interface PacketMark {
  point: number;
  row: number;
  /** Common-clock ns since PacketView.baseSec. */
  tNs: number;
  frame: number;
  verdict: number;
  tcpFlags: number;
  fromClient: boolean;
}

/** The model of a source, with a local-flow -> flow map per capture point. Built once per export. */
export interface PacketView {
  model: Model;
  baseSec: number;
  /** flowOf[point][localFlow] = index into model.flows */
  flowOf: Int32Array[];
  detail: PacketDetail | null;
}

export function packetView(src: ExportSource): PacketView | null {
  if (!src.inputs) return null;
  const settings = { ...DEFAULT_SETTINGS, ...(src.result.settings ?? {}) } as Settings;
  const model = buildModel(src.inputs, settings, src.result.clockOffsets ?? {});
  const flowOf = model.points.map((p) => new Int32Array(p.ix.flows.length).fill(-1));
  model.flows.forEach((f, k) => {
    for (const a of f.at) flowOf[a.point.index][a.local] = k;
  });
  return { model, baseSec: model.baseSec, flowOf, detail: src.detail ?? null };
}

/** The packet marks of some flows (by id), per flow, in capture order. */
export function flowMarks(view: PacketView, flowIds: Iterable<string>): Map<string, PacketMark[]> {
  const out = new Map<string, PacketMark[]>();
  const byId = new Map(view.model.flows.map((f) => [f.id, f]));
  for (const id of flowIds) {
    const f = byId.get(id);
    if (!f) continue;
    const marks: PacketMark[] = [];
    for (const a of f.at) {
      const p = a.point;
      const s = p.rowStart[a.local];
      const e = p.rowStart[a.local + 1];
      const verdicts = view.detail?.verdict[p.index];
      for (let k = s; k < e; k++) {
        const row = p.rows[k];
        marks.push({
          point: p.index,
          row,
          tNs: p.shiftNs + p.ix.tNs[row],
          frame: row + 1,
          verdict: verdicts ? verdicts[row] : 0,
          tcpFlags: p.ix.tcpFlags[row],
          fromClient: ((p.ix.flags[row] & P_SIDE_B) ? 1 : 0) === f.clientSide,
        });
      }
    }
    out.set(id, marks);
  }
  return out;
}

/** The first frame of each flow at each capture point (for comments on a flow in the merged pcapng). */
export function flowFirstFrames(view: PacketView): Map<string, { path: string; frame: number }[]> {
  const out = new Map<string, { path: string; frame: number }[]>();
  for (const f of view.model.flows) {
    out.set(
      f.id,
      f.at.map((a) => ({ path: a.point.spec.path, frame: a.point.rows[a.point.rowStart[a.local]] + 1 })),
    );
  }
  return out;
}

function splitEndpoint(ep: string): { addr: string; port: number | null } {
  const m = /^\[(.+)\]:(\d+)$/.exec(ep) ?? /^([^:]+):(\d+)$/.exec(ep);
  if (m) return { addr: m[1], port: Number(m[2]) };
  return { addr: ep, port: null };
}

/**
 * Every packet of every capture as a row (or only those of `flowIds`), capture by capture in
 * file order. A generator: a caller that streams (CSV in batches) never holds all rows.
 */
export function* packetRows(view: PacketView, opts: { flowIds?: Set<string> } = {}): Generator<PacketRow> {
  const m = view.model;
  const ends = m.flows.map((f) => ({ c: splitEndpoint(f.client), s: splitEndpoint(f.server), v6: f.version === 6 }));
  for (const p of m.points) {
    const ix = p.ix;
    const fo = view.flowOf[p.index];
    const verdicts = view.detail?.verdict[p.index];
    const lat = view.detail?.latencyUs[p.index];
    for (let i = 0; i < ix.packets; i++) {
      const local = ix.flow[i];
      const k = local === NO_FLOW ? -1 : fo[local];
      const flow = k >= 0 ? m.flows[k] : null;
      if (opts.flowIds && (!flow || !opts.flowIds.has(flow.id))) continue;
      const t = ix.tNs[i];
      const whole = Math.floor(t / 1e9);
      const ct = p.shiftNs + t;
      const cw = Math.floor(ct / 1e9);
      const flags = ix.flags[i];
      let src = '';
      let dst = '';
      let sport: number | null = null;
      let dport: number | null = null;
      let v6 = false;
      let fromClient: 0 | 1 = 0;
      if (flow) {
        const e = ends[k];
        fromClient = ((flags & P_SIDE_B) ? 1 : 0) === flow.clientSide ? 1 : 0;
        const [a, b] = fromClient ? [e.c, e.s] : [e.s, e.c];
        src = a.addr;
        dst = b.addr;
        sport = a.port;
        dport = b.port;
        v6 = e.v6;
      }
      const tcp = flow?.proto === 6;
      const udp = flow?.proto === 17;
      const v = verdicts ? verdicts[i] : 0;
      const l = lat ? lat[i] : NaN;
      yield {
        'stagediff.capture': p.spec.path,
        'stagediff.device': p.device,
        'stagediff.stage': p.stage,
        'frame.number': i + 1,
        'frame.time_epoch': epochText(ix.baseSec + whole, t - whole * 1e9),
        'stagediff.time': isoText(m.baseSec + cw, Math.round(ct - cw * 1e9)),
        'frame.len': ix.wireLen[i],
        'stagediff.flow': flow?.id ?? '',
        'stagediff.proto': flow ? protoName(flow.proto) : '',
        'ip.src': v6 ? '' : src,
        'ip.dst': v6 ? '' : dst,
        'ipv6.src': v6 ? src : '',
        'ipv6.dst': v6 ? dst : '',
        'tcp.srcport': tcp && sport !== null ? sport : '',
        'tcp.dstport': tcp && dport !== null ? dport : '',
        'udp.srcport': udp && sport !== null ? sport : '',
        'udp.dstport': udp && dport !== null ? dport : '',
        'tcp.flags': tcp ? `0x${ix.tcpFlags[i].toString(16).padStart(4, '0')}` : '',
        'tcp.flags.str': tcp ? flagLetters(ix.tcpFlags[i]) : '',
        'tcp.seq_raw': tcp ? ix.seq[i] : '',
        'tcp.ack_raw': tcp ? ix.ack[i] : '',
        'tcp.len': tcp ? ix.len[i] : '',
        'ip.id': ix.ipId[i] >= 0 && !v6 ? `0x${ix.ipId[i].toString(16).padStart(4, '0')}` : '',
        'tcp.analysis.keep_alive': flags & P_KEEPALIVE ? 1 : '',
        'tcp.analysis.retransmission': flags & P_RETRANS ? 1 : '',
        'stagediff.gwlb_cookie': flags & P_COOKIE ? hex32(ix.cookie[i]) : '',
        'stagediff.from_client': fromClient,
        'stagediff.verdict': VERDICT_NAMES[v] ?? '',
        'stagediff.latency_us': Number.isNaN(l) ? '' : Math.round(l * 10) / 10,
      };
    }
  }
}

/** tshark's tcp.flags.str: "·······AP···" style, 12 positions, reserved bits first. */
function flagLetters(f: number): string {
  const letters = 'NCEUAPRSF';
  let s = '···';
  for (let b = 8; b >= 0; b--) s += f & (1 << b) ? letters[8 - b] : '·';
  return s;
}
