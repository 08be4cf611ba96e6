/**
 * Zeek compatibility: our per-flow `history`, `state` (conn_state), client/server orientation and
 * per-direction packet counts against Zeek's own published results for the same traces.
 *
 * The expectations in tests/golden/zeek-conn/<trace>.json5 (plain JSON) are copied from the conn.log
 * (or printed connection records) of Zeek's btest baselines; tests/golden/zeek-conn/SOURCES.md names
 * the baseline file, commit and Zeek command line of each. The files end in .json5 only so that
 * tests/golden.test.ts (which reads every *.json below tests/golden as a tshark golden) skips them.
 *
 * Each capture is indexed as one capture point (stage 'unknown', one device), as the CLI does.
 * Flows are keyed on the inner 5-tuple of tunnels, like Zeek's inner conn records. A Zeek row
 * without addresses (a test that printed only history/conn_state) is matched to our only flow of
 * that protocol. A disagreement is our bug unless it is in ALLOWED below, each with its reason
 * and an entry in docs/decisions.md ("Where we differ from Zeek").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeBytes } from '../support/analyze-bytes.ts';
import type { FlowSummary } from '../../shared/api/analysis.ts';

const GOLDEN_DIR = fileURLToPath(new URL('../golden/zeek-conn/', import.meta.url));
const PUBLIC_DIR = fileURLToPath(new URL('../../../shared/captures/public/', import.meta.url));

interface ZeekConn {
  proto: string;
  orig_h: string | null;
  orig_p: number | null;
  resp_h: string | null;
  resp_p: number | null;
  conn_state: string | null;
  history: string | null;
  orig_pkts: number | null;
  resp_pkts: number | null;
}

interface ZeekGolden {
  trace: string;
  baseline: { repo: string; path: string; commit: string };
  command: string;
  connections: ZeekConn[];
}

type Field = 'missing' | 'orientation' | 'history' | 'conn_state' | 'orig_pkts' | 'resp_pkts';

interface Difference {
  trace: string;
  conn: string;
  field: Field;
  ours: string | number | null;
  zeek: string | number | null;
}

/**
 * Deliberate differences. Each entry must match at least one difference (so a fixed one cannot
 * linger here). Reasons: docs/decisions.md, "Where we differ from Zeek".
 */
interface Allowed {
  trace: string | RegExp;
  /** Zeek connection as "proto orig_h:orig_p > resp_h:resp_p" (RegExp or exact); any when absent. */
  conn?: string | RegExp;
  fields: Field[];
  why: string;
}

const ALLOWED: Allowed[] = [
  {
    // Zeek logs the outer UDP connection of a GENEVE/VXLAN tunnel as a conn of its own. We key every
    // tunnelled packet on its inner 5-tuple only; the tunnel endpoints, VNI and GWLB cookie stay
    // per packet (a GWLB capture would otherwise double every flow).
    trace: /.*/,
    conn: /^udp .*:(6081|4789)$/,
    fields: ['missing'],
    why: 'outer tunnel connection is not a flow of its own',
  },
  {
    // The same, where the baseline logged only uid/service/history: its UDP row is the tunnel
    // (service geneve / vxlan).
    trace: /inner-tcp-bad-checksum/,
    conn: 'udp (only udp flow)',
    fields: ['missing'],
    why: 'outer tunnel connection is not a flow of its own (history-only baseline)',
  },
  {
    // Zeek verifies TCP checksums (the btest runs without -C), logs 'C' and drops the segment from
    // TCP analysis. Capture points with checksum offload see wrong checksums on every packet
    // they send, so we never verify them.
    trace: /inner-tcp-bad-checksum/,
    conn: /^tcp /,
    fields: ['history', 'conn_state'],
    why: 'no checksum verification (no C letter)',
  },
  {
    // ICMP: Zeek keys ICMP "connections" on type/code, pairs echo request/reply by its own rules
    // (here: across two tunnels, one-sided) and logs no history. We key ICMP on the address pair.
    trace: /^zeek_(geneve|vxlan)\.pcap$/,
    conn: /^icmp /,
    fields: ['missing', 'orientation', 'history', 'orig_pkts', 'resp_pkts'],
    why: 'ICMP flows keyed on addresses, not ICMP type/code',
  },
  {
    // G (content gap) needs stream reassembly, which the indexer does not do (it keeps no payload).
    trace: 'zeek_retransmit-fast009.pcap',
    fields: ['history'],
    why: 'no G (content gap) letter',
  },
];

function cases(): ZeekGolden[] {
  return readdirSync(GOLDEN_DIR)
    .filter((n) => n.endsWith('.json5'))
    .sort()
    .map((n) => JSON.parse(readFileSync(join(GOLDEN_DIR, n), 'utf8')) as ZeekGolden);
}

function endpoint(h: string, p: number, proto: string): string {
  if (proto !== 'tcp' && proto !== 'udp') return h.includes(':') ? h : h;
  return h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`;
}

function label(z: ZeekConn): string {
  if (z.orig_h === null) return `${z.proto} (only ${z.proto} flow)`;
  return `${z.proto} ${z.orig_h}:${z.orig_p} > ${z.resp_h}:${z.resp_p}`;
}

function compare(g: ZeekGolden): { diffs: Difference[]; compared: number } {
  const bytes = new Uint8Array(readFileSync(join(PUBLIC_DIR, g.trace)));
  const r = analyzeBytes([{ path: g.trace, device: 'zeek', stage: 'unknown', bytes }]);
  const diffs: Difference[] = [];
  let compared = 0;
  for (const z of g.connections) {
    const conn = label(z);
    const d = (field: Field, ours: string | number | null, zeek: string | number | null) => {
      if (zeek !== null && ours !== zeek) diffs.push({ trace: g.trace, conn, field, ours, zeek });
    };
    let flow: FlowSummary | undefined;
    let flipped = false;
    if (z.orig_h === null) {
      const same = r.flows.filter((f) => f.proto === z.proto);
      flow = same.length === 1 ? same[0] : undefined;
    } else if (z.proto === 'tcp' || z.proto === 'udp') {
      const o = endpoint(z.orig_h, z.orig_p!, z.proto);
      const s = endpoint(z.resp_h!, z.resp_p!, z.proto);
      flow = r.flows.find((f) => f.proto === z.proto && f.client === o && f.server === s);
      if (!flow) {
        flow = r.flows.find((f) => f.proto === z.proto && f.client === s && f.server === o);
        flipped = flow !== undefined;
      }
    } else {
      flow = r.flows.find((f) => f.proto === z.proto && ((f.client === z.orig_h && f.server === z.resp_h) || (f.client === z.resp_h && f.server === z.orig_h)));
      flipped = flow !== undefined && flow.client !== z.orig_h;
    }
    if (!flow) {
      diffs.push({ trace: g.trace, conn, field: 'missing', ours: null, zeek: conn });
      continue;
    }
    compared++;
    const p = flow.points[0];
    if (flipped) diffs.push({ trace: g.trace, conn, field: 'orientation', ours: `${flow.client} > ${flow.server}`, zeek: conn });
    d('history', p.history, z.history);
    d('conn_state', p.state, z.conn_state);
    d('orig_pkts', flipped ? p.serverPackets : p.clientPackets, z.orig_pkts);
    d('resp_pkts', flipped ? p.clientPackets : p.serverPackets, z.resp_pkts);
  }
  return { diffs, compared };
}

function matches(a: Allowed, x: Difference): boolean {
  const t = typeof a.trace === 'string' ? a.trace === x.trace : a.trace.test(x.trace);
  const c = a.conn === undefined || (typeof a.conn === 'string' ? a.conn === x.conn : a.conn.test(x.conn));
  return t && c && a.fields.includes(x.field);
}

describe('per-flow history and conn_state agree with Zeek', () => {
  const all = cases();
  const used = new Set<Allowed>();
  let connections = 0;
  let agreeing = 0;

  it('has the baselines', () => {
    expect(all.length).toBeGreaterThanOrEqual(15);
  });

  for (const g of all) {
    it(`${g.trace} (${g.baseline.path})`, () => {
      const { diffs, compared } = compare(g);
      const unexplained = diffs.filter((x) => {
        const a = ALLOWED.find((a) => matches(a, x));
        if (a) used.add(a);
        return !a;
      });
      connections += g.connections.length;
      const bad = new Set(diffs.map((x) => x.conn));
      agreeing += g.connections.filter((z) => !bad.has(label(z))).length;
      expect(compared + diffs.filter((x) => x.field === 'missing').length).toBe(g.connections.length);
      expect(unexplained).toEqual([]);
    });
  }

  it('every allow-list entry is still needed', () => {
    const stale = ALLOWED.filter((a) => !used.has(a)).map((a) => a.why);
    expect(stale).toEqual([]);
    // Visible in the test output: how much of Zeek's output we reproduce exactly.
    console.log(`zeek-compat: ${all.length} traces, ${connections} Zeek connections, ${agreeing} agree in every logged field`);
  });
});
