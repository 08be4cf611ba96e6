/**
 * session-moved (critical): the GWLB forgot an idle flow (idle >= its TCP idle timeout, 350 s by
 * default), hashed the next packet as a new flow and sent it to another firewall, which never
 * saw the handshake and drops the non-SYN packets (tcp-reject-non-syn). domain.md rule 1.
 */
import { tcpFlagNames } from '../../decode/decoded.ts';
import { hex32 } from '../../format/addr.ts';
import { isoAt } from '../../engine/model.ts';
import { type FlowFacts, eventCookie, eventFlags, eventPoint, evidenceOf, isSynOnly, rowsBetween } from '../facts.ts';
import { report, seconds, flowText, type RuleContext } from '../context.ts';

export function sessionMoved(ctx: RuleContext): void {
  const { f, m } = ctx;
  // One stretch of activity: nothing moved (and no timeline to merge).
  if (f.flow.proto !== 6 || f.segments.length < 2) return;
  const tl = f.timeline;
  for (let s = 1; s < f.segments.length; s++) {
    const prev = f.segments[s - 1];
    const next = f.segments[s];
    const lastE = lastArrival(f, prev.start, prev.end);
    const from = eventPoint(f, lastE).device;
    // The first device of this stretch that did not carry the flow before the gap. Packets of
    // the stretch may reach the old firewall too (e.g. the server's FIN-ACK): they do not count.
    let firstE = -1;
    for (let e = next.start; e < next.end; e++) {
      const p = eventPoint(f, e);
      if (!prev.devices.has(p.device)) {
        firstE = e;
        break;
      }
    }
    if (firstE < 0) continue; // same firewall(s): idle-timeout-exceeded
    const to = eventPoint(f, firstE).device;
    const flags = eventFlags(f, firstE);
    if (isSynOnly(flags)) continue; // a new connection reusing the 5-tuple
    const view = f.devices.get(to)!;
    const t0 = tl.t[firstE];
    const t1 = tl.t[next.end - 1];
    const movedSegment = s;
    // Every capture of the new device at that stage (a stage may come in several files).
    const inStage = (stage: string) =>
      f.flow.at
        .filter((a) => a.point.device === to && a.point.stage === stage)
        .flatMap((a) => rowsBetween(f, a, t0 - 1e6, t1 + 1e6).map((r) => ({ point: a.point, ...r })));
    const dropped = inStage('drop');
    const transmitted = inStage('transmit');
    const canTell = view.captured.has('drop') || view.captured.has('transmit');
    // Moved and broken: B dropped the packets, or B's transmit capture never shows them. Where B
    // forwarded them, or its drop capture shows nothing dropped, the idle rule reports the gap.
    if (dropped.length === 0) {
      if (view.captured.has('transmit') ? transmitted.length > 0 : view.captured.has('drop')) continue;
    }
    let cookieBefore: number | null = null;
    for (let e = lastE; e >= prev.start && cookieBefore === null; e--) {
      if (eventPoint(f, e).device === from) cookieBefore = eventCookie(f, e);
    }
    let cookieAfter: number | null = null;
    for (let e = firstE; e < next.end && cookieAfter === null; e++) cookieAfter = eventCookie(f, e);
    const idleNs = t0 - tl.t[lastE];
    const idle = seconds(idleNs);
    const lastPoint = eventPoint(f, lastE);
    const evidence = [evidenceOf(m, lastPoint, tl.row[lastE], tl.t[lastE], `last packet on ${from} before ${idle} s of silence`)];
    for (let e = firstE, k = 0; e < next.end && k < 3; e++) {
      const p = eventPoint(f, e);
      if (p.device !== to || p.stage === 'drop') continue;
      evidence.push(evidenceOf(m, p, tl.row[e], tl.t[e], k === 0 ? `first packet on ${to} (${tcpFlagNames(eventFlags(f, e))})` : undefined));
      k++;
    }
    for (const d of dropped) evidence.push(evidenceOf(m, d.point, d.row, d.t, `dropped by ${to}`));
    // Packets of the stretch that reached the old firewall after the gap (a FIN-ACK, say).
    for (let e = next.start, k = 0; e < next.end && k < 5; e++) {
      const p = eventPoint(f, e);
      if (p.device !== from || p.stage !== 'receive') continue;
      evidence.push(evidenceOf(m, p, tl.row[e], tl.t[e], `reached ${from} after the gap (${tcpFlagNames(eventFlags(f, e))})`));
      k++;
    }
    const fields: Record<string, unknown> = {
      fromDevice: from,
      toDevice: to,
      lastSeenFrom: isoAt(m, tl.t[lastE]),
      reappearedAt: isoAt(m, t0),
      idleSeconds: idle,
      timeoutSeconds: f.idleTimeoutS,
      firstReappearedFlags: tcpFlagNames(flags),
      droppedPackets: dropped.length,
    };
    if (cookieBefore !== null) fields.cookieBefore = hex32(cookieBefore);
    if (cookieAfter !== null) fields.cookieAfter = hex32(cookieAfter);
    const how = dropped.length
      ? `${to} dropped ${dropped.length} of its packets`
      : canTell
        ? `none of its packets left ${to}`
        : `${to} has no transmit or drop capture to show what it did with them`;
    const cookieText =
      cookieBefore !== null && cookieAfter !== null && cookieBefore !== cookieAfter
        ? ` The GWLB flow cookie changed from ${hex32(cookieBefore)} to ${hex32(cookieAfter)}: the GWLB treated it as a new flow.`
        : '';
    report(
      ctx,
      'session-moved',
      'critical',
      `${flowText(ctx)} went quiet for ${idle} s on ${from} and came back on ${to} with ${tcpFlagNames(flags)}; ${how}.`,
      `The flow was idle for ${idle} s, longer than the GWLB TCP idle timeout (${f.idleTimeoutS} s), so the GWLB forgot it without telling either end. ` +
        `The next packet (${tcpFlagNames(flags)}, not a SYN) was hashed as a new flow and sent to ${to}, which never saw the handshake and drops non-SYN packets (tcp-reject-non-syn).${cookieText} ` +
        `${from} keeps its session until it ages out. A packet missing from a capture is evidence, not proof, of a drop. ` +
        `Fix: make the endpoints send TCP keep-alives (or close idle connections) more often than the GWLB idle timeout, e.g. every 325 s, or raise the GWLB TCP idle timeout (tcp.idle_timeout.seconds, 60-6000 s). Lowering the firewall's TCP timeout does not help.`,
      evidence,
      fields,
    );
    ctx.claims.add('session-moved');
    ctx.claims.add(`moved@${to}`);
    ctx.claims.add(`segment#${movedSegment}`);
    ctx.claims.add(`fin@${from}`);
  }
}

/** The segment's last packet as it arrived (receive stage) where captured, else its last packet. */
export function lastArrival(f: FlowFacts, start: number, end: number): number {
  const dev = eventPoint(f, end - 1).device;
  for (let e = end - 1; e >= start && f.timeline.t[end - 1] - f.timeline.t[e] < 1e9; e--) {
    const p = eventPoint(f, e);
    if (p.device === dev && p.stage === 'receive') return e;
  }
  return end - 1;
}
