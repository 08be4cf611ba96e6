/**
 * Alignment of one flow across the stages of one device: which receive-stage packet left through
 * the transmit stage, which was dropped, and how long it took. Packets are matched on direction,
 * TCP seq/ack/flags/length, the IPv4 IP ID and a hash of the first payload bytes; receive may be
 * slightly out of order, so each transmit/drop packet takes the earliest unmatched receive packet
 * with the same signature that arrived before it (within the reorder tolerance).
 */
import type { FlowAtPoint } from './model.ts';
import { flowRows } from './model.ts';
import { P_SIDE_B, type IndexedCapture } from './capture-index.ts';
import { flowArena } from './arena.ts';

/** How far a receive-stage packet may be stamped after its transmit copy (clock jitter, reordering). */
export const REORDER_NS = 50e6;

/**
 * The packet at grouped position `g` of an index (see IndexedCapture.groupSig): its signature,
 * IP ID and sender's side in one word, equal for the same packet at two stages.
 */
export function groupKey(ix: IndexedCapture, g: number): number {
  return matchKey(ix.groupSig[g], ix.groupIpId[g], ix.groupBits[g] >>> 16);
}

function matchKey(sig: number, ipId: number, flags: number): number {
  const h = Math.imul(sig ^ ipId, 0x27d4eb2f);
  return (flags & P_SIDE_B ? Math.imul(h ^ 0x5bd1e995, 0x85ebca6b) : h) ^ (h >>> 15);
}

export interface StageMatch {
  /** For each receive row (by position in flowRows(receive)): matched row in the other stage, or -1. */
  matched: Int32Array;
  /** For each row of the other stage: matched receive position, or -1. */
  reverse: Int32Array;
  /** Receive rows matched (the others' `matched` is -1): the rules skip scans for none left. */
  count: number;
}

/** How long a packet may stay inside the firewall between receive and transmit. */
export const MAX_LATENCY_NS = 2e9;
/** Candidates tried in time order before falling back to the signature index. */
const SCAN = 64;

/**
 * Matches the packets of `other` (transmit, drop or firewall stage) to those of `receive`.
 * Both lists are in time order and mostly in the same order, so a short forward scan from the
 * oldest unmatched receive packet finds nearly every match; the rest go through an index of
 * receive packets by signature, built only when needed. Linear in the common case.
 */
export function matchStages(receive: FlowAtPoint, other: FlowAtPoint): StageMatch {
  return matchGathered(gatherRows(receive), gatherRows(other));
}

/**
 * A flow's rows at one capture point with what the analysis reads of each, side by side: the
 * rows lie scattered through the capture, and one pass that only gathers is far cheaper than
 * reading the columns of both captures at every comparison (flow arena: valid for one flow).
 */
export interface PointRows {
  rows: Int32Array;
  /** Common-clock time. */
  t: Float64Array;
  /** Match key: the packet's signature, IP ID and sender's side (groupKey). */
  key: Int32Array;
  /** TCP flags (low 16 bits) and the index's per-packet flags (P_*, shifted left 16). */
  bits: Int32Array;
  /** Every row's bits or-ed together: which flags the point saw at all (rules skip scans for none). */
  anyBits: number;
}

export function gatherRows(a: FlowAtPoint): PointRows {
  const rows = flowRows(a);
  const n = rows.length;
  const t = flowArena.float64(n);
  const key = flowArena.int32(n);
  const bits = flowArena.int32(n);
  const ix = a.point.ix;
  // The index keeps these grouped by flow already: a sequential copy.
  const start = a.point.rowStart[a.local];
  const gt = ix.groupT;
  const gs = ix.groupSig;
  const gi = ix.groupIpId;
  const gb = ix.groupBits;
  const shift = a.point.shiftNs;
  let any = 0;
  for (let i = 0; i < n; i++) {
    const b = gb[start + i];
    t[i] = shift + gt[start + i];
    key[i] = matchKey(gs[start + i], gi[start + i], b >>> 16);
    bits[i] = b;
    any |= b;
  }
  return { rows, t, key, bits, anyBits: any };
}

/** matchStages on gathered rows. */
export function matchGathered(r: PointRows, o: PointRows): StageMatch {
  const rt = r.t;
  const rk = r.key;
  const ot = o.t;
  const ok = o.key;
  const ox = o.rows;
  const n = rt.length;
  const m = ot.length;
  const matched = flowArena.int32(n, -1);
  const reverse = flowArena.int32(m, -1);
  let index: Map<number, number[]> | null = null;
  let p = 0;
  let count = 0;
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
      count++;
    }
  }
  return { matched, reverse, count };
}
