/**
 * Per-flow TCP bookkeeping of one capture point, after Zeek's endpoint states and history
 * letters (scripts/base/protocols/conn/main.zeek) and Wireshark's tcp.analysis rules.
 *
 * History letters (upper case = client, lower case = server), each recorded once per side:
 *   S SYN without ACK   H SYN+ACK   A pure ACK   D payload   F FIN   R RST
 *   T retransmitted payload (or SYN/FIN), W zero window: at the 1st, 10th, 100th, 1000th time
 *   Q SYN with FIN or RST
 */
export const enum Ep {
  Inactive = 0,
  SynSent = 1,
  SynAckSent = 2,
  Partial = 3,
  Established = 4,
  Closed = 5,
  Reset = 6,
}

/** a < b in sequence space (RFC 9293 3.4, modulo 2^32). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** Zeek's conn_state from the two endpoint states, the history and payload sizes. */
export function connState(
  proto: number,
  os: Ep,
  rs: Ep,
  history: string,
  origBytes: number,
  respBytes: number,
  origPackets: number,
  respPackets: number,
): string {
  if (proto === 6) {
    const oInactive = os === Ep.Inactive || os === Ep.Partial;
    const rInactive = rs === Ep.Inactive || rs === Ep.Partial;
    if (rs === Ep.Reset) {
      if (os === Ep.SynSent || os === Ep.SynAckSent || (os === Ep.Reset && origBytes === 0 && respBytes === 0)) return 'REJ';
      if (oInactive) return 'RSTRH';
      return 'RSTR';
    }
    if (os === Ep.Reset) {
      if (rInactive) {
        if (/^\^?S[^HAFGIQ]*R/.test(history)) return 'RSTOS0';
        return 'OTH';
      }
      return 'RSTO';
    }
    if (rs === Ep.Closed && os === Ep.Closed) return 'SF';
    if (os === Ep.Closed) return rInactive ? 'SH' : 'S2';
    if (rs === Ep.Closed) return oInactive ? 'SHR' : 'S3';
    if (os === Ep.SynSent && rs === Ep.Inactive) return 'S0';
    if (os === Ep.Established && rs === Ep.Established) return 'S1';
    return 'OTH';
  }
  // UDP and ICMP: Zeek's UDP_ACTIVE is "sent something".
  if (origPackets > 0) return respPackets > 0 ? 'SF' : 'S0';
  return respPackets > 0 ? 'SHR' : 'OTH';
}
