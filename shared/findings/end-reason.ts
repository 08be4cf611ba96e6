/**
 * The session end reason PAN-OS would log for a flow on one device (traffic log "Session End
 * Reason"): tcp-rst-from-client / -server, tcp-fin, aged-out (with when), incomplete (handshake
 * never completed), open (still alive when the captures end), or n/a (the device never had a
 * session: it dropped every packet of the flow, e.g. non-SYN packets after a GWLB re-hash).
 */
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/decoded.ts';
import type { Model } from '../engine/model.ts';
import { rowsAt, sideOfBits, type DeviceView, type FlowFacts } from './facts.ts';

export interface EndReason {
  reason: string;
  /** When the session ages out, on the model's common clock (isoAt gives the text). */
  agesOutNs?: number;
}

export function endReason(m: Model, f: FlowFacts, v: DeviceView): EndReason {
  const flow = f.flow;
  const main = v.stage.receive ?? v.stage.firewall ?? v.stage.transmit ?? v.stage.unknown;
  if (!main) return { reason: 'n/a' };
  const { t, bits } = rowsAt(f, main);
  // Packets the device let through (not in its drop stage).
  const dropped = main.point.stage === 'receive' ? v.rxToDrop : null;
  let accepted = 0;
  let lastK = -1;
  let sawSyn = false;
  let sawSynAck = false;
  let established = false;
  let fin = false;
  for (let k = 0; k < t.length; k++) {
    if (dropped && dropped.matched[k] !== -1) continue;
    accepted++;
    lastK = k;
    if (flow.proto === 6) {
      const fl = bits[k] & 0xffff;
      if (fl & TCP_RST) return { reason: `tcp-rst-from-${sideOfBits(bits[k]) === flow.clientSide ? 'client' : 'server'}` };
      if (fl & TCP_SYN) {
        if (fl & TCP_ACK) sawSynAck = true;
        else sawSyn = true;
      } else if (fl & TCP_ACK && (sawSynAck || !sawSyn)) established = true;
      if (fl & TCP_FIN) fin = true;
    }
  }
  if (!accepted) return { reason: 'n/a' };
  if (fin) return { reason: 'tcp-fin' };
  const last = t[lastK];
  if (flow.proto === 6 && sawSyn && !established) {
    return { reason: 'incomplete', agesOutNs: last + m.settings.tcpHandshake * 1e9 };
  }
  const timeout = flow.proto === 6 ? m.settings.tcpTimeout : flow.proto === 17 ? m.settings.udpTimeout : m.settings.icmpTimeout;
  const agesOut = last + timeout * 1e9;
  // The flow went on elsewhere (moved to another firewall): this device's session only ages out.
  const movedAway = f.flow.lastNs > last + f.idleTimeoutS * 1e9;
  const captureEnd = m.deviceEndNs.get(v.device) ?? m.endNs;
  if (agesOut <= captureEnd || movedAway || flow.proto !== 6) return { reason: 'aged-out', agesOutNs: agesOut };
  return { reason: 'open', agesOutNs: agesOut };
}
