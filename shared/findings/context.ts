/** What every rule gets, and how it reports: one cause, one finding (claims suppress echoes). */
import type { Evidence, Finding, Severity } from '../api/analysis.ts';
import type { Model } from '../engine/model.ts';
import { describeEndpoints, protoName } from '../engine/model.ts';
import type { FlowFacts } from './facts.ts';

export const MAX_EVIDENCE = 25;

export interface RuleContext {
  m: Model;
  f: FlowFacts;
  out: Finding[];
  /**
   * Causes already reported for this flow: "kind" for the flow, "kind@device" for one device,
   * "moved@device#segment" for the segments a moved session explains.
   */
  claims: Set<string>;
  /** Per flow: how many findings of each kind it has (numbers their ids). */
  counts: Map<string, number>;
}

export function report(
  ctx: RuleContext,
  kind: string,
  severity: Severity,
  summary: string,
  explanation: string,
  evidence: Evidence[],
  fields: Record<string, unknown>,
): Finding {
  // (The analysis worker makes a flow's endpoint text only for its findings.)
  const flow = describeEndpoints(ctx.f.flow);
  // Findings of this kind for this flow so far (claims are per flow): numbers the id.
  const counter = `#${kind}`;
  const n = ctx.counts.get(counter) ?? 0;
  ctx.counts.set(counter, n + 1);
  const finding: Finding = {
    id: `${flow.id}-${kind}${n ? `-${n + 1}` : ''}`,
    kind,
    severity,
    flowId: flow.id,
    flow: { proto: protoName(flow.proto), client: flow.client, server: flow.server },
    summary,
    explanation,
    evidence: evidence.slice(0, MAX_EVIDENCE),
    ...fields,
  };
  ctx.out.push(finding);
  return finding;
}

/** Whether a cause of one of these kinds was claimed for the device ("kind@device"). */
export function claimedAt(ctx: RuleContext, device: string, kinds: readonly string[]): boolean {
  // Most flows claim nothing: no strings made for them.
  if (ctx.claims.size === 0) return false;
  for (const k of kinds) if (ctx.claims.has(`${k}@${device}`)) return true;
  return false;
}

/** Whether a moved session claimed segment s of the flow. */
export function claimedSegment(ctx: RuleContext, s: number): boolean {
  return ctx.claims.size !== 0 && ctx.claims.has(`segment#${s}`);
}

export function seconds(ns: number): number {
  return Math.round(ns / 1e6) / 1e3;
}

export function flowText(ctx: RuleContext): string {
  const f = describeEndpoints(ctx.f.flow);
  return `${protoName(f.proto).toUpperCase()} ${f.client} -> ${f.server}`;
}
