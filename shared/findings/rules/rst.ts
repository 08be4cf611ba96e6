/**
 * rst (info): the session was reset; PAN-OS logs tcp-rst-from-client or tcp-rst-from-server.
 * domain.md rule 7. Resets that belong to a moved session are that finding's evidence.
 */
import { TCP_RST } from '../../decode/decoded.ts';
import { eventFlags, eventFromClient, eventPoint, evidenceOf } from '../facts.ts';
import { claimedSegment, flowText, report, type RuleContext } from '../context.ts';

export function rst(ctx: RuleContext): void {
  const { f, m } = ctx;
  if (f.flow.proto !== 6 || !(f.anyBits & TCP_RST)) return;
  const tl = f.timeline;
  for (let s = 0; s < f.segments.length; s++) {
    if (claimedSegment(ctx, s)) continue;
    const seg = f.segments[s];
    for (let e = seg.start; e < seg.end; e++) {
      if (!(eventFlags(f, e) & TCP_RST)) continue;
      const from = eventFromClient(f, e) ? 'client' : 'server';
      const p = eventPoint(f, e);
      report(
        ctx,
        'rst',
        'info',
        `${flowText(ctx)} was reset by the ${from} (PAN-OS logs tcp-rst-from-${from}).`,
        `The ${from} sent a TCP RST, which ends the session at once. If the reset is unexpected, look at what the ${from} saw just before it: a timeout, a refused port, or data for a connection it no longer knows.`,
        [evidenceOf(m, p, tl.row[e], tl.t[e], `RST from the ${from}`)],
        { from, device: p.device },
      );
      return;
    }
  }
}
