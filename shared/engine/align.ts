/**
 * Alignment of one flow across the stages of one device: which receive-stage packet left through
 * the transmit stage, which was dropped, and how long it took. Packets are matched on direction,
 * TCP seq/ack/flags/length, the IPv4 IP ID and a hash of the first payload bytes; receive may be
 * slightly out of order, so each transmit/drop packet takes the earliest unmatched receive packet
 * with the same signature that arrived before it (within the reorder tolerance).
 */
import type { CapturePoint, FlowAtPoint } from './model.ts';
import { flowRows } from './model.ts';
import { P_SIDE_B } from './capture-index.ts';
import { flowArena } from './arena.ts';

/** How far a receive-stage packet may be stamped after its transmit copy (clock jitter, reordering). */
const REORDER_NS = 50e6;

/** A packet's signature with its sender's side: equal for the same packet at two stages. */
export function signature(p: CapturePoint, row: number): number {
  return matchKey(p.ix.sig[row], p.ix.flags[row]);
}

function matchKey(sig: number, flags: number): number {
  return (flags & P_SIDE_B ? Math.imul(sig ^ 0x5bd1e995, 0x27d4eb2f) : sig) | 0;
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
  const n = rx.length;
  const m = ox.length;
  // The two flows' times and match keys side by side first: their rows lie scattered through
  // the captures, and one pass that only gathers is far cheaper than reading six columns of
  // both captures at every comparison.
  const rt = flowArena.float64(n);
  const rk = flowArena.int32(n);
  gather(receive.point, rx, rt, rk);
  const ot = flowArena.float64(m);
  const ok = flowArena.int32(m);
  gather(other.point, ox, ot, ok);
  const matched = flowArena.int32(n, -1);
  const reverse = flowArena.int32(m, -1);
  let index: Map<number, number[]> | null = null;
  let p = 0;
  for (let j = 0; j < m; j++) {
    const t = ot[j];
    const key = ok[j];
    while (p < n && (matched[p] !== -1 || rt[p] < t - MAX_LATENCY_NS)) p++;
    let found = -1;
    let k = p;
    for (let tries = 0; k < n && tries < SCAN; k++, tries++) {
      if (rt[k] > t + REORDER_NS) break;
      if (rk[k] === key && matched[k] === -1) {
        found = k;
        break;
      }
    }
    if (found === -1 && k < n && rt[k] <= t + REORDER_NS) {
      if (index === null) {
        index = new Map();
        for (let i = 0; i < n; i++) {
          const q = index.get(rk[i]);
          if (q) q.push(i);
          else index.set(rk[i], [i]);
        }
      }
      const q = index.get(key);
      if (q) {
        for (const c of q) {
          if (rt[c] > t + REORDER_NS) break;
          if (matched[c] === -1 && rt[c] >= t - MAX_LATENCY_NS) {
            found = c;
            break;
          }
        }
      }
    }
    if (found !== -1) {
      matched[found] = ox[j];
      reverse[j] = found;
    }
  }
  return { matched, reverse };
}

/** Common-clock time and match key of each of a flow's rows at one capture point. */
function gather(p: CapturePoint, rows: Int32Array, t: Float64Array, key: Int32Array): void {
  const tNs = p.ix.tNs;
  const sig = p.ix.sig;
  const flags = p.ix.flags;
  const shift = p.shiftNs;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    t[i] = shift + tNs[r];
    key[i] = matchKey(sig[r], flags[r]);
  }
}
