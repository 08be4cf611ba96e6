/**
 * The analysis result: the shape of `stagediff analyze --json` and what the renderer shows.
 * Declared once here; the CLI prints it, the Web Worker posts it, the UI reads it.
 */
export type Stage = 'receive' | 'firewall' | 'transmit' | 'drop' | 'unknown';
export const STAGES: readonly Stage[] = ['receive', 'firewall', 'transmit', 'drop', 'unknown'];

export interface CaptureSummary {
  path: string;
  device: string;
  stage: Stage;
  format: 'pcap' | 'pcapng' | null;
  linkTypes: number[];
  packets: number;
  /** ISO-8601 UTC with 9 decimals, or null when the file has no packets. */
  first: string | null;
  last: string | null;
  bytes: number;
  /** Packets whose headers were truncated or inconsistent ("malformed"). */
  malformed: number;
  /** Packets on link types we do not decode, by link type. */
  undecodedLinkTypes: Record<string, number>;
  errors: { offset: number; message: string }[];
  /** sha256 of the file's bytes, hex (when computed). */
  sha256?: string;
}

export interface FlowPoint {
  device: string;
  stage: Stage;
  packets: number;
  bytes: number;
  first: string;
  last: string;
  /** Zeek-style history (upper case = client). */
  history: string;
  /** Zeek conn_state. */
  state: string;
  /** Session end reason PAN-OS would log, for this device (set on every point of the device). */
  endReason?: string;
  /** When endReason is aged-out: the time the session ages out. */
  agesOutAt?: string;
  /** GENEVE flow cookies seen, in order, hex like "0x1a2b3c4d". */
  cookies?: string[];
  clientPackets: number;
  serverPackets: number;
  keepAlives: number;
  retransmissions: number;
}

export interface FlowSummary {
  id: string;
  proto: 'tcp' | 'udp' | 'icmp' | 'icmpv6' | string;
  client: string;
  server: string;
  points: FlowPoint[];
  /** Per device: stage alignment counts and the end reason PAN-OS would log. */
  devices: FlowDevice[];
  /** Stretches of activity split at gaps >= the GWLB idle timeout: which devices carried each. */
  carriers: { devices: string[]; from: string; to: string }[];
  /** Where a device translated the flow (NAT): its endpoints at that stage. */
  nat?: { device: string; stage: string; client: string; server: string }[];
  /** ICMP errors: the id of the flow the (first) error reports on, when that flow was captured. */
  relatedFlow?: string;
}

export interface FlowDevice {
  device: string;
  received: number;
  transmitted: number;
  dropped: number;
  /** Received, in neither transmit nor drop (counted only where transmit was captured). */
  unaccounted: number;
  /** Median receive-to-transmit latency in microseconds. */
  latencyUs: number | null;
  endReason?: string;
}

export interface Evidence {
  path: string;
  device: string;
  stage: Stage;
  /** 1-based frame number in that file. */
  frame: number;
  time: string;
  note?: string;
}

export type Severity = 'critical' | 'warning' | 'info';

export interface Finding {
  id: string;
  kind: string;
  severity: Severity;
  flowId: string;
  flow: { proto: string; client: string; server: string };
  summary: string;
  explanation: string;
  evidence: Evidence[];
  [field: string]: unknown;
}

export interface ClockEstimate {
  device: string;
  relativeTo: string;
  offsetSeconds: number;
  spreadSeconds: number;
  samples: number;
  applied: false;
}

export interface AnalysisResult {
  version: 1;
  captures: CaptureSummary[];
  flows: FlowSummary[];
  findings: Finding[];
  clockOffsets?: Record<string, number>;
  clockEstimates?: ClockEstimate[];
  settings?: Record<string, number>;
}
