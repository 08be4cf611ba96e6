/**
 * incomplete-handshake (warning): a SYN without a SYN-ACK, or SYN and SYN-ACK without the
 * client's ACK, across every capture point of the flow. domain.md rule 6.
 */
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../decode/decoded.ts';
import { eventFlags, eventFromClient, eventPoint, evidenceOf, sideOfBits } from '../facts.ts';
import type { PointRows } from '../../engine/align.ts';
import { flowText, report, type RuleContext } from '../context.ts';

export function incompleteHandshake(ctx: RuleContext): void {
  const { f, m } = ctx;
  if (f.flow.proto !== 6 || ctx.claims.has('asymmetric-path')) return;
  // A capture point that saw the whole handshake in order: the scan below, over every point's
  // packets in time order, would find the client's ACK after the first SYN-ACK too.
  for (let i = 0; i < f.points.length; i++) if (handshakeAt(f.points[i], f.flow.clientSide)) return;
  const tl = f.timeline;
  let syn = -1;
  let synAck = -1;
  let ack = -1;
  let rst = false;
  for (let e = 0; e < tl.n; e++) {
    const fl = eventFlags(f, e);
    const client = eventFromClient(f, e);
    if (fl & TCP_RST) rst = true;
    if (client && fl & TCP_SYN && !(fl & TCP_ACK)) {
      if (syn < 0) syn = e;
    } else if (!client && fl & TCP_SYN && fl & TCP_ACK) {
      if (synAck < 0) synAck = e;
    } else if (client && synAck >= 0 && fl & TCP_ACK && !(fl & TCP_SYN)) {
      ack = e;
      break;
    }
  }
  if (syn < 0 || ack >= 0 || rst) return; // no handshake seen, complete, or refused (rst rule)
  // A handshake too close to the end of the captures may simply not be complete yet: the SYN not
  // answered, or the client's ACK still to come. The firewall waits the TCP handshake timer for
  // it, so only a capture that runs on that long after the last handshake packet shows it failed.
  const last = synAck >= 0 ? synAck : syn;
  if (tl.t[last] + m.settings.tcpHandshake * 1e9 > m.endNs) return;
  const missing = synAck < 0 ? 'SYN-ACK' : 'ACK';
  const evidence = [evidenceOf(m, eventPoint(f, syn), tl.row[syn], tl.t[syn], 'SYN')];
  if (synAck >= 0) evidence.push(evidenceOf(m, eventPoint(f, synAck), tl.row[synAck], tl.t[synAck], 'SYN-ACK'));
  report(
    ctx,
    'incomplete-handshake',
    'warning',
    synAck < 0
      ? `${flowText(ctx)}: the client's SYN got no SYN-ACK in any capture.`
      : `${flowText(ctx)}: SYN and SYN-ACK were seen but never the client's ACK.`,
    synAck < 0
      ? `The server did not answer, or its answer took a path none of the captures covers. PAN-OS ends such a session after the TCP handshake/init timers (${m.settings.tcpHandshake} s / ${m.settings.tcpInit} s) and logs it as incomplete. Check routing and security policy towards the server, and whether the reply returns through the same firewall.`
      : `The SYN-ACK may not have reached the client, or the client's ACK took another path. Check the return path of the SYN-ACK and whether the ACK arrives on another firewall.`,
    evidence,
    { missing },
  );
  ctx.claims.add('incomplete-handshake');
}

/** Whether one capture point's packets show the client's SYN, then the server's SYN-ACK, then the client's ACK. */
function handshakeAt(p: PointRows, clientSide: number): boolean {
  const bits = p.bits;
  let step = 0;
  for (let k = 0; k < bits.length; k++) {
    const fl = bits[k] & 0xffff;
    const client = sideOfBits(bits[k]) === clientSide;
    if (step === 0 && client && fl & TCP_SYN && !(fl & TCP_ACK)) step = 1;
    else if (step === 1 && !client && fl & TCP_SYN && fl & TCP_ACK) step = 2;
    else if (step === 2 && client && fl & TCP_ACK && !(fl & TCP_SYN)) return true;
  }
  return false;
}
