/**
 * The incidents of docs/domain.md, generated in every file variant, must produce exactly the
 * findings the generator expects: no more, no fewer, with the fields a user relies on.
 */
import { describe, expect, it } from 'vitest';
import { generateScenario, SCENARIOS, VARIANTS, type ExpectedFinding } from '../gen/scenarios.ts';
import { analyzeBytes } from '../support/analyze-bytes.ts';
import type { Finding } from '../../shared/api/analysis.ts';

const CHECKED_FIELDS: (keyof ExpectedFinding)[] = [
  'severity',
  'fromDevice',
  'toDevice',
  'firstReappearedFlags',
  'droppedPackets',
  'cookieBefore',
  'cookieAfter',
  'device',
  'timeoutSeconds',
  'forwardDevice',
  'reverseDevice',
  'from',
];

function run(name: string, variant: string) {
  const g = variant === 'default' ? generateScenario(name) : generateScenario(name, variant as never);
  const result = analyzeBytes(
    g.files.map((f) => ({ path: f.fileName, device: f.device, stage: f.stage, bytes: f.bytes })),
    { clockOffsets: g.expected.clockOffsets },
  );
  return { g, result };
}

function key(kind: string, client: string, server: string) {
  return `${kind} ${client} -> ${server}`;
}

function check(name: string, variant: string) {
  const { g, result } = run(name, variant);
  const got = result.findings.map((f) => key(f.kind, f.flow.client, f.flow.server)).sort();
  const want = g.expected.findings.map((f) => key(f.kind, f.client, f.server)).sort();
  expect(got).toEqual(want);
  for (const w of g.expected.findings) {
    const f = result.findings.find((x) => key(x.kind, x.flow.client, x.flow.server) === key(w.kind, w.client, w.server)) as Finding;
    for (const k of CHECKED_FIELDS) if (w[k] !== undefined) expect(f[k], `${w.kind}.${k}`).toEqual(w[k]);
    if (w.idleSeconds !== undefined) expect(Math.abs((f.idleSeconds as number) - w.idleSeconds)).toBeLessThan(0.5);
    if (w.secondsAfterFin !== undefined) expect(Math.abs((f.secondsAfterFin as number) - w.secondsAfterFin)).toBeLessThan(0.5);
    expect(f.evidence.length).toBeGreaterThan(0);
    expect(f.summary.length).toBeGreaterThan(20);
  }
  return { g, result };
}

describe('scenarios: exact findings', () => {
  for (const name of SCENARIOS) {
    it(`${name} (default variant)`, () => {
      check(name, 'default');
    });
  }
  for (const variant of VARIANTS) {
    it(`a session idle 400 s moves from PA-VM-1 to PA-VM-2 (${variant})`, () => {
      check('gwlb-incident', variant);
    });
    it(`the same with IPv6 inside GENEVE and PA-VM-2's clock 3.7 s ahead (${variant})`, () => {
      check('gwlb-incident-v6-skew', variant);
    });
  }
});

describe('the GWLB incident in detail', () => {
  it('lists the moved session first, with evidence on both firewalls and the drop stage', () => {
    const { result } = check('gwlb-incident', 'pcap-le-us');
    const moved = result.findings[0];
    expect(moved.kind).toBe('session-moved');
    const devices = new Set(moved.evidence.map((e) => `${e.device}/${e.stage}`));
    expect(devices.has('PA-VM-1/receive')).toBe(true);
    expect(devices.has('PA-VM-2/drop')).toBe(true);
    expect(moved.explanation).toMatch(/keep-alive/);
  });

  it('infers what PAN-OS logs: PA-VM-1 ages the moved session out, PA-VM-2 never had one', () => {
    const { g, result } = run('gwlb-incident', 'pcap-le-us');
    for (const ef of g.expected.flows) {
      const flow = result.flows.find((f) => f.client === ef.client && f.server === ef.server);
      expect(flow, ef.label).toBeDefined();
      const devices = [...new Set(flow!.points.map((p) => p.device))];
      expect(devices.sort()).toEqual([...ef.devices].sort());
      for (const [dev, n] of Object.entries(ef.dropped)) {
        expect(flow!.devices.find((d) => d.device === dev)!.dropped, `${ef.label} dropped on ${dev}`).toBe(n);
      }
      for (const [dev, reason] of Object.entries(ef.endReasons ?? {})) {
        if (dev.includes('.')) continue;
        expect(flow!.devices.find((d) => d.device === dev)!.endReason, `${ef.label} end reason on ${dev}`).toBe(reason);
      }
      const cookies = [...new Set(flow!.points.flatMap((p) => p.cookies ?? []))];
      expect(cookies, ef.label).toEqual(ef.cookies);
    }
  });

  it('without the clock offset, the skewed incident is off by the skew', () => {
    const g = generateScenario('gwlb-incident-v6-skew', 'pcapng-be-ns');
    const files = g.files.map((f) => ({ path: f.fileName, device: f.device, stage: f.stage, bytes: f.bytes }));
    const withOffset = analyzeBytes(files, { clockOffsets: g.expected.clockOffsets });
    const without = analyzeBytes(files, {});
    const a = withOffset.findings.find((f) => f.kind === 'session-moved')!;
    const b = without.findings.find((f) => f.kind === 'session-moved')!;
    const skew = Object.values(g.expected.clockOffsets)[0];
    expect(Math.abs((b.idleSeconds as number) - (a.idleSeconds as number) + skew)).toBeLessThan(0.01);
  });

  it('a longer GWLB idle timeout (600 s) turns the move into no session-moved finding', () => {
    const g = generateScenario('gwlb-incident', 'pcap-le-us');
    const files = g.files.map((f) => ({ path: f.fileName, device: f.device, stage: f.stage, bytes: f.bytes }));
    const r = analyzeBytes(files, { settings: { ...defaults(), gwlbIdleTimeout: 600 } });
    expect(r.findings.filter((f) => f.kind === 'session-moved')).toHaveLength(0);
  });
});

import { DEFAULT_SETTINGS } from '../../shared/engine/settings.ts';
function defaults() {
  return { ...DEFAULT_SETTINGS };
}

describe('clocks', () => {
  it("HA active/active: fw-b's 2 s skew is estimated from the HA3-forwarded packets, reported, not applied", () => {
    const { result } = check('ha-active-active', 'default');
    const est = result.clockEstimates!.find((e) => e.device === 'fw-b' && e.relativeTo === 'fw-a')!;
    expect(est.offsetSeconds).toBeCloseTo(-2, 2);
    expect(est.spreadSeconds).toBeLessThan(0.01);
    expect(est.samples).toBeGreaterThanOrEqual(3);
    expect(est.applied).toBe(false);
    expect(result.clockOffsets).toEqual({});
  });
});
