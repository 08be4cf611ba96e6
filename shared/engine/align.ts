/**
 * Alignment of one flow across the stages of one device: which receive-stage packet left through
 * the transmit stage, which was dropped, and how long it took. Packets are matched on direction,
 * TCP seq/ack/flags/length, the IPv4 IP ID and a hash of the first payload bytes; receive may be
 * slightly out of order, so each transmit/drop packet takes the earliest unmatched receive packet
 * with the same signature that arrived before it (within the reorder tolerance).
 */
import type { CapturePoint, FlowAtPoint } from './model.ts';
import { flowRows, timeOf } from './model.ts';
import { P_SIDE_B } from './capture-index.ts';
import { flowArena } from './arena.ts';

/** How far a receive-stage packet may be stamped after its transmit copy (clock jitter, reordering). */
const REORDER_NS = 50e6;

export function signature(p: CapturePoint, row: number): number {
  const ix = p.ix;
  let h = 0x9e3779b1 ^ (ix.flags[row] & P_SIDE_B);
  h = Math.imul(h ^ ix.seq[row], 0x85ebca6b);
  h = Math.imul(h ^ ix.ack[row], 0xc2b2ae35);
  h = Math.imul(h ^ ix.tcpFlags[row], 0x27d4eb2f);
  h = Math.imul(h ^ ix.len[row], 0x165667b1);
  h = Math.imul(h ^ ix.hash[row], 0x85ebca6b);
  h = Math.imul(h ^ ix.ipId[row], 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function same(a: CapturePoint, ra: number, b: CapturePoint, rb: number): boolean {
  const x = a.ix;
  const y = b.ix;
  return (
    (x.flags[ra] & P_SIDE_B) === (y.flags[rb] & P_SIDE_B) &&
    x.seq[ra] === y.seq[rb] &&
    x.ack[ra] === y.ack[rb] &&
    x.tcpFlags[ra] === y.tcpFlags[rb] &&
    x.len[ra] === y.len[rb] &&
    x.hash[ra] === y.hash[rb] &&
    x.ipId[ra] === y.ipId[rb]
  );
}

export interface StageMatch {
  /** For each receive row (by position in flowRows(receive)): matched row in the other stage, or -1. */
  matched: Int32Array;
  /** For each row of the other stage: matched receive position, or -1. */
  reverse: Int32Array;
}

/** How long a packet may stay inside the firewall between receive and transmit. */
const MAX_LATENCY_NS = 2e9;
/** Candidates tried in time order before falling back to the signature index. */
const SCAN = 64;

/**
 * Matches the packets of `other` (transmit, drop or firewall stage) to those of `receive`.
 * Both lists are in time order and mostly in the same order, so a short forward scan from the
 * oldest unmatched receive packet finds nearly every match; the rest go through an index of
 * receive packets by signature, built only when needed. Linear in the common case.
 */
export function matchStages(receive: FlowAtPoint, other: FlowAtPoint): StageMatch {
  const rx = flowRows(receive);
  const ox = flowRows(other);
  const rp = receive.point;
  const op = other.point;
  const n = rx.length;
  const matched = flowArena.int32(n, -1);
  const reverse = flowArena.int32(ox.length, -1);
  let index: Map<number, number[]> | null = null;
  let p = 0;
  for (let j = 0; j < ox.length; j++) {
    const row = ox[j];
    const t = timeOf(op, row);
    while (p < n && (matched[p] !== -1 || timeOf(rp, rx[p]) < t - MAX_LATENCY_NS)) p++;
    let found = -1;
    let k = p;
    for (let tries = 0; k < n && tries < SCAN; k++, tries++) {
      if (timeOf(rp, rx[k]) > t + REORDER_NS) break;
      if (matched[k] === -1 && same(rp, rx[k], op, row)) {
        found = k;
        break;
      }
    }
    if (found === -1 && k < n && timeOf(rp, rx[k]) <= t + REORDER_NS) {
      if (index === null) {
        index = new Map();
        for (let i = 0; i < n; i++) {
          const s = signature(rp, rx[i]);
          const q = index.get(s);
          if (q) q.push(i);
          else index.set(s, [i]);
        }
      }
      const q = index.get(signature(op, row));
      if (q) {
        for (const c of q) {
          if (timeOf(rp, rx[c]) > t + REORDER_NS) break;
          if (matched[c] === -1 && timeOf(rp, rx[c]) >= t - MAX_LATENCY_NS && same(rp, rx[c], op, row)) {
            found = c;
            break;
          }
        }
      }
    }
    if (found !== -1) {
      matched[found] = row;
      reverse[j] = found;
    }
  }
  return { matched, reverse };
}
