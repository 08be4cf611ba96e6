/**
 * Per-flow TCP bookkeeping of one capture point, after Zeek (src/packet_analysis/protocol/tcp/
 * TCPSessionAdapter.cc, src/analyzer/protocol/tcp/TCP_Endpoint.cc, scripts/base/protocols/conn/
 * main.zeek) for `history` and `conn_state`, and after Wireshark's tcp.analysis rules for the
 * per-packet keep-alive and retransmission marks.
 *
 * History letters (upper case = client, lower case = server), as Zeek records them:
 *   S SYN without ACK   H SYN+ACK   A pure ACK (no payload, no SYN/FIN/RST)
 *   D payload (no SYN/FIN/RST)   F FIN   R RST   Q SYN with FIN or RST   I FIN with RST
 *   S, H, F, R again when repeated with a different sequence number; once per side otherwise
 *   T retransmitted payload (Zeek: the segment ends at or before the highest sequence seen),
 *   W zero window: at the 1st, 10th, 100th, 1000th time
 *   ^ the client is not the sender of the first packet seen here
 * UDP: D client sent a datagram, d server sent one.
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

function setEp(a: Float64Array, ep: number, prev: number, side: number, s: Ep): void {
  if (a[ep + side] === s) return;
  a[prev + side] = a[ep + side];
  a[ep + side] = s;
}

/**
 * Zeek's TCPSessionAdapter::UpdateStateMachine for one segment sent by side `x`; `isOrig` says
 * whether `x` is the originator (our client) when the segment arrives. Returns true when Zeek
 * would flip the connection's roles (a SYN answering a SYN-ACK seen first: the SYN sender is the
 * client).
 */
export function updateEndpoints(
  /** The flow's endpoint states are a[ep + side], the states before them (Zeek's prev_state) a[prev + side]. */
  a: Float64Array,
  ep: number,
  prev: number,
  x: number,
  isOrig: boolean,
  syn: boolean,
  ack: boolean,
  fin: boolean,
  rst: boolean,
  len: number,
): boolean {
  const y = 1 - x;
  let flip = false;
  switch (a[ep + x]) {
    case Ep.Inactive: {
      if (syn) {
        if (isOrig) setEp(a, ep, prev, x, ack ? Ep.SynAckSent : Ep.SynSent);
        else {
          // SYN/SYN-ACK reversal: the responder's SYN answers a SYN-ACK the originator sent.
          if (!ack && a[ep + y] === Ep.SynAckSent) {
            flip = true;
            setEp(a, ep, prev, y, Ep.Established);
          }
          if (a[ep + y] === Ep.SynSent) setEp(a, ep, prev, y, Ep.Established);
          setEp(a, ep, prev, x, Ep.Established);
        }
      }
      if (fin) setEp(a, ep, prev, x, Ep.Closed);
      if (rst) setEp(a, ep, prev, x, Ep.Reset);
      if (a[ep + x] === Ep.Inactive) {
        // No control flag changed the state. Some stacks ack an initial SYN before sending
        // their SYN-ACK: that ACK does not make the connection partial.
        if (!isOrig && len === 0 && a[ep + y] === Ep.SynSent) {
          // stays inactive
        } else if (ack && a[ep + y] === Ep.Established) setEp(a, ep, prev, x, Ep.Established);
        else setEp(a, ep, prev, x, Ep.Partial);
      }
      break;
    }
    case Ep.SynSent:
    case Ep.SynAckSent:
      if (fin) setEp(a, ep, prev, x, Ep.Closed);
      if (rst) setEp(a, ep, prev, x, Ep.Reset);
      break;
    case Ep.Established:
    case Ep.Partial:
      if (syn && a[ep + x] === Ep.Partial && a[ep + y] === Ep.Inactive && !ack) setEp(a, ep, prev, x, Ep.SynSent);
      if (fin && !rst) {
        setEp(a, ep, prev, x, Ep.Closed);
        // The peer sent a FIN, then a RST: that was a normal close after all.
        if (a[ep + y] === Ep.Reset && a[prev + y] === Ep.Closed) setEp(a, ep, prev, y, Ep.Closed);
      }
      if (rst) setEp(a, ep, prev, x, Ep.Reset);
      break;
    case Ep.Closed:
      // After a FIN exchange a RST does not change the state.
      if (rst && a[ep + y] !== Ep.Closed) setEp(a, ep, prev, x, Ep.Reset);
      break;
    case Ep.Reset:
      break;
  }
  return flip;
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
  if (proto === 17) {
    // Zeek's UDP_ACTIVE is "sent something".
    if (origPackets > 0) return respPackets > 0 ? 'SF' : 'S0';
    return respPackets > 0 ? 'SHR' : 'OTH';
  }
  // ICMP and every other protocol: main.zeek's conn_state() has no states for them.
  return 'OTH';
}
