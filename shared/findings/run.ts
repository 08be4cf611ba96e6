/** Runs every rule over every flow, in the order that lets a cause claim its echoes. */
import type { Finding } from '../api/analysis.ts';
import type { Model } from '../engine/model.ts';
import { flowFacts, stagesByDevice, type FlowFacts } from './facts.ts';
import type { RuleContext } from './context.ts';
import { sessionMoved } from './rules/session-moved.ts';
import { asymmetricPath } from './rules/asymmetric-path.ts';
import { idleTimeoutExceeded } from './rules/idle-timeout.ts';
import { halfCloseTimeout } from './rules/half-close.ts';
import { incompleteHandshake } from './rules/incomplete-handshake.ts';
import { finNotForwarded } from './rules/fin-not-forwarded.ts';
import { nonSynDrop } from './rules/non-syn-drop.ts';
import { notForwarded } from './rules/not-forwarded.ts';
import { rst } from './rules/rst.ts';

export const RULES: ((ctx: RuleContext) => void)[] = [
  sessionMoved,
  asymmetricPath,
  idleTimeoutExceeded,
  halfCloseTimeout,
  incompleteHandshake,
  finNotForwarded,
  nonSynDrop,
  notForwarded,
  rst,
];

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

/**
 * Runs the rules over every flow, a batch of flows at a time: yields the number of flows done
 * after each batch, so a caller can report progress. `each` sees every flow's facts once (they are
 * not kept: memory).
 */
export function* ruleSteps(m: Model, findings: Finding[], each?: (f: FlowFacts) => void, batch = 2000): Generator<number> {
  const captured = stagesByDevice(m);
  let n = 0;
  for (const flow of m.flows) {
    const f = flowFacts(m, flow, captured);
    runFlowRules(m, f, findings);
    each?.(f);
    if (++n % batch === 0) yield n;
  }
  yield n;
}

/** The rules' claims and counts: per flow, emptied for the next (most flows have none). */
const claims = new Set<string>();
const counts = new Map<string, number>();

/** Every rule over one flow's facts; claims and counts are per flow. */
export function runFlowRules(m: Model, f: FlowFacts, findings: Finding[]): void {
  if (claims.size) claims.clear();
  if (counts.size) counts.clear();
  const ctx: RuleContext = { m, f, out: findings, claims, counts };
  for (let i = 0; i < RULES.length; i++) RULES[i](ctx);
}

/** Moved sessions first, then by severity, then by time of the first evidence. */
export function sortFindings(findings: Finding[]): Finding[] {
  findings.sort(
    (a, b) =>
      Number(b.kind === 'session-moved') - Number(a.kind === 'session-moved') ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      (a.evidence[0]?.time ?? '').localeCompare(b.evidence[0]?.time ?? ''),
  );
  return findings;
}
