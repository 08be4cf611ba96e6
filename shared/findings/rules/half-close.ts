/**
 * half-close-timeout (warning): after one side's FIN the firewall keeps the session half-closed
 * for its half-closed timer (120 s on PAN-OS 8.0+); the other side may legally keep sending
 * (RFC 9293 3.6), but what arrives after the timer finds no session and is dropped.
 * domain.md rule 4.
 */
import { TCP_FIN } from '../../decode/decoded.ts';
import { isoAt } from '../../engine/model.ts';
import { evidenceOf, rowsAt, sideOfBits } from '../facts.ts';
import { claimedAt, flowText, report, seconds, type RuleContext } from '../context.ts';

const MOVED = ['moved'];

export function halfCloseTimeout(ctx: RuleContext): void {
  const { f, m } = ctx;
  if (f.flow.proto !== 6) return;
  const timer = m.settings.tcpHalfClosed;
  for (let d = 0; d < f.deviceList.length; d++) {
    const v = f.deviceList[d];
    if (claimedAt(ctx, v.device, MOVED)) continue;
    const rx = v.stage.receive ?? v.stage.firewall ?? v.stage.transmit;
    if (!rx) continue;
    const { rows, t, bits, anyBits } = rowsAt(f, rx);
    // No FIN, or every packet within the timer of the first: nothing can be late.
    if (!(anyBits & TCP_FIN) || t[rows.length - 1] - t[0] <= timer * 1e9) continue;
    // The first FIN this device let through (a dropped FIN half-closes nothing).
    let finK = -1;
    for (let k = 0; k < rows.length; k++) {
      if (!(bits[k] & TCP_FIN)) continue;
      if (rx.point.stage === 'receive' && v.rxToDrop && v.rxToDrop.matched[k] !== -1) continue;
      finK = k;
      break;
    }
    if (finK < 0) continue;
    const finSide = sideOfBits(bits[finK]);
    const tf = t[finK];
    const deadline = tf + timer * 1e9;
    const late: number[] = [];
    let firstLate = -1;
    for (let k = finK + 1; k < rows.length; k++) {
      if (sideOfBits(bits[k]) === finSide || t[k] <= deadline) continue;
      const dropped = rx.point.stage === 'receive' && v.rxToDrop ? v.rxToDrop.matched[k] !== -1 : false;
      const notSent = rx.point.stage === 'receive' && v.rxToTx ? v.rxToTx.matched[k] === -1 : false;
      if (dropped || (!v.captured.has('drop') && notSent)) {
        late.push(k);
        if (firstLate < 0) firstLate = k;
      }
    }
    if (!late.length) continue;
    const after = seconds(t[firstLate] - tf);
    const finBy = finSide === f.flow.clientSide ? 'client' : 'server';
    const evidence = [evidenceOf(m, rx.point, rows[finK], tf, `first FIN, from the ${finBy}`)];
    for (const k of late) evidence.push(evidenceOf(m, rx.point, rows[k], t[k], 'arrived after the half-closed timer'));
    report(
      ctx,
      'half-close-timeout',
      'warning',
      `${flowText(ctx)}: ${late.length} packet(s) from the ${finBy === 'client' ? 'server' : 'client'} reached ${v.device} ${after} s after the ${finBy}'s FIN, past the ${timer} s half-closed timer, and were dropped.`,
      `After the ${finBy}'s FIN the session was half-closed; the other side may keep sending (RFC 9293 3.6), but ${v.device} removes a half-closed session after its TCP half-closed timer (${timer} s; older releases: TCP wait, ${m.settings.tcpWait} s). ` +
        `Later packets find no session and are dropped. Fix: raise the TCP half-closed timeout (globally or in the application's settings) above the longest half-close the application uses, or have the application finish sending before it closes.`,
      evidence,
      { device: v.device, finAt: isoAt(m, tf), secondsAfterFin: after, droppedPackets: late.length },
    );
    ctx.claims.add(`halfclose@${v.device}`);
  }
}
