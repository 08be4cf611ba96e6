/**
 * asymmetric-path (critical when the second firewall dropped packets, else warning): within one stretch of activity, the client's packets went through
 * firewall A and the server's through firewall B (e.g. SYN on A, SYN-ACK dropped on B).
 * domain.md rule 5. Packets seen on both (HA3 forwarding, span copies) do not count.
 */
import { eventFromClient, eventPoint, evidenceOf } from '../facts.ts';
import { claimedSegment, flowText, report, type RuleContext } from '../context.ts';

export function asymmetricPath(ctx: RuleContext): void {
  const { f, m } = ctx;
  for (let s = 0; s < f.segments.length; s++) {
    if (claimedSegment(ctx, s)) continue; // a moved session: the move explains it
    const seg = f.segments[s];
    // One firewall alone cannot split the directions.
    if (seg.devices.size < 2) continue;
    const fwd = new Map<string, number>();
    const rev = new Map<string, number>();
    for (let e = seg.start; e < seg.end; e++) {
      const dev = eventPoint(f, e).device;
      const map = eventFromClient(f, e) ? fwd : rev;
      if (!map.has(dev)) map.set(dev, e);
    }
    const a = [...fwd.keys()].find((d) => !rev.has(d));
    const b = [...rev.keys()].find((d) => !fwd.has(d));
    if (a === undefined || b === undefined) continue;
    const bView = f.devices.get(b)!;
    const dropped = bView.stage.drop ? bView.dropped : 0;
    const ea = fwd.get(a)!;
    const eb = rev.get(b)!;
    report(
      ctx,
      'asymmetric-path',
      // Broken (the other firewall dropped the reply) is critical; merely asymmetric is a warning.
      dropped ? 'critical' : 'warning',
      `${flowText(ctx)} is asymmetric: client packets went through ${a}, server packets through ${b}${dropped ? `, which dropped ${dropped}` : ''}.`,
      `Each firewall saw only one direction of the session. A firewall that misses the client's SYN treats the server's SYN-ACK as a non-SYN first packet and drops it (tcp-reject-non-syn), so the handshake cannot complete. ` +
        `Fix: make both directions take the same firewall (symmetric hashing on the load balancer, consistent routing), or for HA active/active let the peers forward over HA3; asymmetric-path bypass only hides the problem.`,
      [
        evidenceOf(m, eventPoint(f, ea), f.timeline.row[ea], f.timeline.t[ea], `first client packet, on ${a}`),
        evidenceOf(m, eventPoint(f, eb), f.timeline.row[eb], f.timeline.t[eb], `first server packet, on ${b}`),
      ],
      { forwardDevice: a, reverseDevice: b, droppedPackets: dropped },
    );
    ctx.claims.add('asymmetric-path');
    ctx.claims.add(`asym@${b}`);
    return;
  }
}
