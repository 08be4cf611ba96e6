/**
 * fin-not-forwarded (warning): a FIN (and its retransmissions) arrived at the firewall that owned
 * the session (it had forwarded the flow's packets) but never left it. domain.md rule 8.
 */
import { TCP_FIN } from '../../decode/decoded.ts';
import { evidenceOf, rowsAt, sideOfBits } from '../facts.ts';
import { claimedAt, flowText, report, type RuleContext } from '../context.ts';

const EXPLAINED_BY = ['moved', 'halfclose', 'fin'];

export function finNotForwarded(ctx: RuleContext): void {
  const { f, m } = ctx;
  if (f.flow.proto !== 6) return;
  for (let d = 0; d < f.deviceList.length; d++) {
    const v = f.deviceList[d];
    if (claimedAt(ctx, v.device, EXPLAINED_BY)) continue;
    const rx = v.stage.receive;
    if (!rx || !v.captured.has('transmit') || !v.rxToTx) continue;
    const { rows, t, bits, anyBits } = rowsAt(f, rx);
    // No FIN at all, or every received packet transmitted: none can be lost.
    if (!(anyBits & TCP_FIN) || v.rxToTx.count === rows.length) continue;
    // Positions in the receive rows of the FINs that never left.
    const lost: number[] = [];
    // The device owned the session in a direction once it forwarded a packet of that direction;
    // traffic to the firewall itself (health checks) is answered, never forwarded.
    const forwarded = [false, false];
    for (let k = 0; k < rows.length; k++) {
      const side = sideOfBits(bits[k]);
      if (v.rxToTx.matched[k] !== -1) {
        forwarded[side] = true;
        continue;
      }
      if (!(bits[k] & TCP_FIN) || !forwarded[side]) continue;
      lost.push(k);
    }
    if (!lost.length) continue;
    const from = sideOfBits(bits[lost[0]]) === f.flow.clientSide ? 'client' : 'server';
    const dropped = v.rxToDrop ? lost.filter((k) => v.rxToDrop!.matched[k] !== -1).length : 0;
    report(
      ctx,
      'fin-not-forwarded',
      'warning',
      `${flowText(ctx)}: the ${from}'s FIN reached ${v.device} ${lost.length} time(s) but never left it${dropped ? ` (${dropped} in its drop stage)` : ''}.`,
      `${v.device} forwarded this session's packets before, but not its FIN, so the other end never learns the ${from} closed and the session lingers until it times out. ` +
        `Typical causes: the session had already ended or aged out on the firewall, or a policy or threat action dropped it. A packet missing from a capture is evidence, not proof, of a drop (captures are rate-limited).`,
      lost.map((k, i) => evidenceOf(m, rx.point, rows[k], t[k], i === 0 ? 'FIN' : 'FIN retransmission')),
      { device: v.device, from, finPackets: lost.length, droppedPackets: dropped },
    );
    ctx.claims.add(`fin@${v.device}`);
  }
}
