/**
 * not-forwarded (info / warning): packets in a firewall's receive stage that are in neither its
 * transmit nor its drop stage. Captures are rate-limited and the later stages only capture
 * sessions marked when they were created, so this says how sure it is. domain.md rule 9.
 */
import { evidenceOf, rowsAt, sideOfBits } from '../facts.ts';
import { TCP_FIN } from '../../decode/decoded.ts';
import { claimedAt, flowText, report, type RuleContext } from '../context.ts';

/** Causes that explain a device's missing packets better (reported by those rules). */
const EXPLAINED_BY = ['moved', 'asym', 'halfclose', 'nonsyn'];
const FIN = ['fin'];

export function notForwarded(ctx: RuleContext): void {
  const { f, m } = ctx;
  for (let vi = 0; vi < f.deviceList.length; vi++) {
    const v = f.deviceList[vi];
    const d = v.device;
    if (claimedAt(ctx, d, EXPLAINED_BY)) continue;
    const rx = v.stage.receive;
    const tx = v.stage.transmit;
    // Every received packet transmitted or dropped (accountDevice counted): nothing is lost.
    if (!rx || !tx || !v.rxToTx || v.unaccounted === 0) continue;
    const { rows, t, bits } = rowsAt(f, rx);
    const txg = rowsAt(f, tx);
    // Only directions the device forwarded at all: traffic to the firewall itself (health
    // checks, management) is received and answered, never transmitted as the same packet.
    const forwardedSide = [false, false];
    for (let j = 0; j < txg.rows.length; j++) if (v.rxToTx.reverse[j] !== -1) forwardedSide[sideOfBits(txg.bits[j])] = true;
    const lastTx = txg.t[txg.t.length - 1];
    const lost: number[] = [];
    let beforeLastTx = 0;
    for (let k = 0; k < rows.length; k++) {
      if (v.rxToTx.matched[k] !== -1) continue;
      if (v.rxToDrop && v.rxToDrop.matched[k] !== -1) continue;
      if (!forwardedSide[sideOfBits(bits[k])]) continue;
      if (bits[k] & TCP_FIN && claimedAt(ctx, d, FIN)) continue;
      lost.push(k);
      if (t[k] < lastTx) beforeLastTx++;
    }
    if (!lost.length) continue;
    // High: the drop stage is captured too and the transmit capture shows the session's later
    // packets. Medium: one of the two. Low: neither.
    const confidence =
      v.captured.has('drop') && beforeLastTx === lost.length ? 'high' : v.captured.has('drop') || beforeLastTx > 0 ? 'medium' : 'low';
    report(
      ctx,
      'not-forwarded',
      confidence === 'high' ? 'warning' : 'info',
      `${flowText(ctx)}: ${lost.length} packet(s) entered ${d} and appear in neither its transmit nor its drop capture (confidence ${confidence}).`,
      `These packets were received but not seen leaving or being dropped. Captures are rate-limited and the firewall/transmit/drop stages only capture sessions marked when they were created, so this is evidence, not proof: ` +
        `${confidence === 'high' ? 'the transmit capture shows the session before and after, and the drop stage was captured, so the packets most likely vanished inside the firewall.' : 'compare with the firewall\'s counters (show counter global) before concluding.'}`,
      lost.map((k) => evidenceOf(m, rx.point, rows[k], t[k], 'received, not transmitted')),
      { device: d, packets: lost.length, confidence },
    );
  }
}
