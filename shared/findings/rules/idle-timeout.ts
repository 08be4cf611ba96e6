/**
 * idle-timeout-exceeded (warning): a gap inside a flow longer than the GWLB idle timeout, where
 * the flow survived (it came back on the same firewall, often under a new GWLB flow cookie, or
 * the new firewall forwarded it). domain.md rule 3.
 */
import { hex32 } from '../../format/addr.ts';
import { eventCookie, eventPoint, evidenceOf } from '../facts.ts';
import { lastArrival } from './session-moved.ts';
import { claimedSegment, flowText, report, seconds, type RuleContext } from '../context.ts';

export function idleTimeoutExceeded(ctx: RuleContext): void {
  const { f, m } = ctx;
  // One stretch of activity: no gap (and no timeline to merge).
  if (f.segments.length < 2) return;
  const tl = f.timeline;
  for (let s = 1; s < f.segments.length; s++) {
    if (claimedSegment(ctx, s)) continue;
    const prev = f.segments[s - 1];
    const next = f.segments[s];
    const lastE = lastArrival(f, prev.start, prev.end);
    const firstE = next.start;
    const device = eventPoint(f, firstE).device;
    const from = eventPoint(f, lastE).device;
    let before: number | null = null;
    for (let e = lastE; e >= prev.start && before === null; e--) before = eventCookie(f, e);
    let after: number | null = null;
    for (let e = firstE; e < next.end && after === null; e++) after = eventCookie(f, e);
    const idle = seconds(tl.t[firstE] - tl.t[lastE]);
    const fields: Record<string, unknown> = { device, idleSeconds: idle, timeoutSeconds: f.idleTimeoutS };
    if (from !== device) fields.fromDevice = from;
    if (before !== null) fields.cookieBefore = hex32(before);
    if (after !== null) fields.cookieAfter = hex32(after);
    const newCookie = before !== null && after !== null && before !== after;
    const where =
      from !== device
        ? `came back on ${device} (it was on ${from})`
        : newCookie
          ? `came back on the same firewall ${device} under a new GWLB flow cookie (${hex32(before!)} -> ${hex32(after!)})`
          : `came back on ${device}`;
    report(
      ctx,
      'idle-timeout-exceeded',
      'warning',
      `${flowText(ctx)} was idle for ${idle} s, past the ${f.idleTimeoutS} s GWLB idle timeout, and ${where}.`,
      `A gap of ${idle} s is longer than the GWLB idle timeout (${f.idleTimeoutS} s): the GWLB forgets such a flow and hashes its next packet as a new flow. ` +
        `This time the flow survived, ${newCookie ? 'because the new flow hashed onto the same firewall' : 'but a different hash result would have moved it to another firewall that drops it'}. ` +
        `Fix: TCP keep-alives (or application keep-alives) more often than the GWLB idle timeout, e.g. every 325 s, or a longer GWLB idle timeout.`,
      [
        evidenceOf(m, eventPoint(f, lastE), tl.row[lastE], tl.t[lastE], 'last packet before the gap'),
        evidenceOf(m, eventPoint(f, firstE), tl.row[firstE], tl.t[firstE], 'first packet after the gap'),
      ],
      fields,
    );
    ctx.claims.add('idle-timeout-exceeded');
  }
}
