/**
 * What a capture reader hands on for each packet record. One object is reused for every record
 * (no per-packet allocation): consumers copy what they keep before returning.
 */
export interface PacketRecord {
  /** 0-based index of the record among the packets of the file (frame.number - 1). */
  index: number;
  /** Byte offset of the record (pcap record header / pcapng block) in the file. */
  fileOffset: number;
  /** Interface the record belongs to: 0 for classic pcap; pcapng global interface number across sections. */
  interfaceId: number;
  /** Link type with libpcap's upper bits (FCS length etc.) masked off. */
  linkType: number;
  /** Timestamp: whole seconds since the epoch (may be negative for odd files) and nanoseconds 0..999999999. */
  tsSec: number;
  tsNsec: number;
  /**
   * False when the record carries no timestamp (pcapng Simple Packet Block: tshark leaves
   * frame.time_epoch empty; tsSec/tsNsec are then 0). The readers always set it; absent = true.
   */
  hasTimestamp?: boolean;
  /** Captured and original length. */
  capLen: number;
  origLen: number;
  /** Packet bytes are bytes[offset .. offset + capLen). Valid only during the callback. */
  bytes: Uint8Array;
  offset: number;
  /** pcapng opt_comment values joined by "\n", or null. */
  comment: string | null;
}

/** A problem in a file: where (byte offset) and what was expected. */
export interface CaptureIssue {
  offset: number;
  message: string;
}

export interface InterfaceInfo {
  linkType: number;
  snapLen: number;
  name: string | null;
  /** Timestamp resolution: units per second as given by if_tsresol (10^6 by default). */
  tsResolution: string;
  tsOffsetSec: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

export interface RecordSink {
  record(rec: PacketRecord): void;
  /** A fatal problem: the reader stops after it. Complete records before it were delivered. */
  fatal(issue: CaptureIssue): void;
  /** A problem that did not stop reading (e.g. one block skipped). */
  warning?(issue: CaptureIssue): void;
}
