/**
 * non-syn-drop (warning): a firewall's first packet of a flow is not a SYN and the firewall
 * drops it (tcp-reject-non-syn, counters flow_tcp_non_syn / flow_tcp_non_syn_drop).
 * domain.md rule 2. Drops that a moved session or an asymmetric path explains are theirs.
 */
import { tcpFlagNames } from '../../decode/decoded.ts';
import { eventFlags, eventPoint, evidenceOf, isSynOnly, rowsAt } from '../facts.ts';
import { claimedAt, flowText, report, type RuleContext } from '../context.ts';

const EXPLAINED_BY = ['moved', 'asym'];

export function nonSynDrop(ctx: RuleContext): void {
  const { f, m } = ctx;
  if (f.flow.proto !== 6) return;
  for (let d = 0; d < f.deviceList.length; d++) {
    const v = f.deviceList[d];
    if (claimedAt(ctx, v.device, EXPLAINED_BY)) continue;
    const dp = v.stage.drop;
    if (!dp) continue;
    // The device's first packet of the flow.
    let first = -1;
    for (let e = 0; e < f.timeline.n; e++) {
      if (eventPoint(f, e).device === v.device) {
        first = e;
        break;
      }
    }
    if (first < 0) continue;
    const flags = eventFlags(f, first);
    if (isSynOnly(flags)) continue;
    const drops = rowsAt(f, dp);
    const dropped = drops.rows.length;
    const t0 = f.timeline.t[first];
    if (!dropped || drops.t[0] > t0 + 1e9) continue;
    report(
      ctx,
      'non-syn-drop',
      'warning',
      `${flowText(ctx)}: ${v.device}'s first packet of this flow was ${tcpFlagNames(flags)}, not a SYN, and ${v.device} dropped ${dropped} packet(s).`,
      `${v.device} never saw this session's handshake, so it has no session for it and drops non-SYN packets (tcp-reject-non-syn). ` +
        `Look for where the session started: another firewall, a failover, a GWLB re-hash after an idle gap, or a capture that began mid-session.`,
      [evidenceOf(m, eventPoint(f, first), f.timeline.row[first], f.timeline.t[first], 'first packet on this firewall'), ...Array.from(drops.rows.subarray(0, 10), (r, k) => evidenceOf(m, dp.point, r, drops.t[k], 'dropped'))],
      { device: v.device, firstFlags: tcpFlagNames(flags), droppedPackets: dropped },
    );
    ctx.claims.add(`nonsyn@${v.device}`);
  }
}
