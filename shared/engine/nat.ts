/**
 * NAT between the stages of one device: PAN-OS captures the receive stage before NAT and the
 * transmit stage after it, so the same session shows up under two 5-tuples. A flow seen at a
 * later stage (firewall, transmit, drop) of a device but not at its receive stage is joined to
 * the receive-stage flow whose packets it carries: same TCP seq/ack/flags/length and payload
 * hash (UDP and others: IP ID, length and payload hash), which NAT leaves alone.
 */
import type { Flow, FlowAtPoint } from './model.ts';
import { flowRows } from './model.ts';
import { P_SIDE_B, type IndexedCapture, type PointFlow } from './capture-index.ts';
import { hasCookies, PackedPointFlow } from './packed-flows.ts';
import { MAX_LATENCY_NS, REORDER_NS } from './align.ts';

/** Packets of a later-stage flow tried against the receive stage. */
const PROBE = 8;

/**
 * What NAT leaves alone of the packet at grouped position `g`: TCP seq/ack/flags/length and the
 * payload hash (the index's packetSignature); other protocols add the IP ID.
 */
function natSignature(ix: IndexedCapture, g: number, tcp: boolean): number {
  return tcp ? ix.groupSig[g] | 0 : Math.imul(ix.groupSig[g] ^ ix.groupIpId[g], 0x85ebca6b) ^ 0x68e31da4;
}

function swap<T>(a: T[]): void {
  const t = a[0];
  a[0] = a[1];
  a[1] = t;
}

/** Turns a capture point's view of a flow around: side A becomes side B. */
function flipSides(a: FlowAtPoint): void {
  const ix = a.point.ix;
  // Columns in shared memory are read by other threads building the same model: flip a copy of
  // this thread's own (once per capture; every thread makes the same flips on its copy).
  if (ix.flags.buffer instanceof SharedArrayBuffer) ix.flags = ix.flags.slice();
  if (ix.groupBits.buffer instanceof SharedArrayBuffer) ix.groupBits = ix.groupBits.slice();
  // (A lean index has no per-row flags: its side bits are in groupBits only.)
  if (ix.flags.length) for (const r of flowRows(a)) ix.flags[r] ^= P_SIDE_B;
  for (let g = a.point.rowStart[a.local]; g < a.point.rowStart[a.local + 1]; g++) ix.groupBits[g] ^= P_SIDE_B << 16;
  // A view of a packed (shared) flow table becomes a flow of its own first, kept in the index
  // like the flipped side bits, so that another analysis of the same indexes sees both flipped.
  if (a.pf instanceof PackedPointFlow) a.pf = ix.flows[a.local] = a.pf.materialize();
  const pf = a.pf as PointFlow;
  for (let i = 0; i < pf.s.length; i += 2) {
    const t = pf.s[i];
    pf.s[i] = pf.s[i + 1];
    pf.s[i + 1] = t;
  }
  swap(pf.ep);
  swap(pf.prev);
  pf.clientSide = 1 - pf.clientSide;
  pf.firstSide = 1 - pf.firstSide;
  let h = '';
  for (const c of pf.history) h += c === '^' ? c : c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
  pf.history = h;
  a.flipped = true;
}

export interface NatJoin {
  device: string;
  stage: string;
  /** The point's sides were turned around to match the receive stage. */
  flipped: boolean;
  a: FlowAtPoint;
}

function hasReceive(flow: Flow, dev: string): boolean {
  for (let i = 0; i < flow.at.length; i++) if (flow.at[i].point.device === dev && flow.at[i].point.stage === 'receive') return true;
  return false;
}

/**
 * Moves later-stage points of translated flows into their receive-stage flow. Returns the flows
 * that remain (joined ones are gone) and, per kept flow, the translations found.
 * `orphanDevices`: the devices with a later-stage view of a flow whose receive stage never saw
 * that 5-tuple (the model finds them from its flow ids; most captures have none, and then there
 * is nothing to do).
 */
export function joinNat(flows: Flow[], orphanDevices: Set<string>): { flows: Flow[]; joins: Map<Flow, NatJoin[]> } {
  const joins = new Map<Flow, NatJoin[]>();
  const stagesAt = (flow: Flow, dev: string) => flow.at.filter((a) => a.point.device === dev).map((a) => a.point.stage);
  if (orphanDevices.size === 0) return { flows, joins };
  // Candidates: flows seen at such a device's receive stage and at none of its later stages.
  // Their first packets are indexed by signature (a translated flow's first packets at the later
  // stage are among the first at the receive stage).
  const INDEXED = 64;
  /** A receive-stage packet that a translated flow's packet may be: its flow, point, position, time. */
  type Candidate = { flow: Flow; a: FlowAtPoint; g: number; t: number };
  const index = new Map<string, Map<number, Candidate[]>>();
  for (const flow of flows) {
    for (const a of flow.at) {
      const dev = a.point.device;
      if (a.point.stage !== 'receive' || !orphanDevices.has(dev)) continue;
      if (stagesAt(flow, dev).some((s) => s !== 'receive')) continue;
      let m = index.get(dev);
      if (!m) index.set(dev, (m = new Map()));
      const tcp = flow.proto === 6;
      const g0 = a.point.rowStart[a.local];
      const g1 = Math.min(a.point.rowStart[a.local + 1], g0 + INDEXED);
      for (let g = g0; g < g1; g++) {
        const s = natSignature(a.point.ix, g, tcp);
        const c = { flow, a, g, t: a.point.shiftNs + a.point.ix.groupT[g] };
        const list = m.get(s);
        if (!list) m.set(s, [c]);
        else if (list[list.length - 1].a !== a) list.push(c);
      }
    }
  }
  // Equal signatures (same sequence numbers, or datagrams alike to the byte) in time order, so
  // that a lookup visits only the candidates within the time window.
  for (const m of index.values()) for (const list of m.values()) if (list.length > 1) list.sort((x, y) => x.t - y.t);
  const gone = new Set<Flow>();
  for (const flow of flows) {
    for (let i = 0; i < flow.at.length; ) {
      const a = flow.at[i];
      const dev = a.point.device;
      const m = index.get(dev);
      if (a.point.stage === 'receive' || a.point.stage === 'unknown' || !m || hasReceive(flow, dev)) {
        i++;
        continue;
      }
      let hit: Candidate | undefined;
      let mine = -1;
      const g0 = a.point.rowStart[a.local];
      const g1 = Math.min(a.point.rowStart[a.local + 1], g0 + PROBE);
      for (let g = g0; g < g1 && !hit; g++) {
        // The same packet left the device soon after it arrived: of the receive-stage packets
        // with its signature within the stage-matching window, the one nearest in time.
        const t = a.point.shiftNs + a.point.ix.groupT[g];
        const list = m.get(natSignature(a.point.ix, g, flow.proto === 6));
        if (!list) continue;
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (list[mid].t < t - MAX_LATENCY_NS) lo = mid + 1;
          else hi = mid;
        }
        let best = Infinity;
        for (let k = lo; k < list.length && list[k].t <= t + REORDER_NS; k++) {
          const c = list[k];
          if (c.flow === flow || c.flow.proto !== flow.proto) continue;
          const dt = Math.abs(t - c.t);
          if (dt < best) {
            best = dt;
            hit = c;
            mine = g;
          }
        }
      }
      if (!hit) {
        i++;
        continue;
      }
      // Same orientation? Compare who sent the matched packet on each side of the NAT.
      const theirSide = (hit.a.point.ix.groupBits[hit.g] >>> 16) & P_SIDE_B;
      const mySide = (a.point.ix.groupBits[mine] >>> 16) & P_SIDE_B;
      const flipped = theirSide !== mySide;
      if (flipped) flipSides(a);
      a.nat = true;
      flow.at.splice(i, 1);
      hit.flow.at.push(a);
      hit.flow.firstNs = Math.min(hit.flow.firstNs, a.pf.firstT + a.point.shiftNs);
      hit.flow.lastNs = Math.max(hit.flow.lastNs, a.pf.lastT + a.point.shiftNs);
      if (hasCookies(a.pf)) hit.flow.tunnelled = true;
      let list = joins.get(hit.flow);
      if (!list) joins.set(hit.flow, (list = []));
      list.push({ device: dev, stage: a.point.stage, flipped, a });
      if (flow.at.length === 0) gone.add(flow);
    }
  }
  return { flows: gone.size ? flows.filter((f) => !gone.has(f)) : flows, joins };
}
