/** The generated GWLB incident, on disk and as an export source, shared by the export tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { generateScenario } from '../gen/scenarios.ts';
import { indexBytes } from '../support/analyze-bytes.ts';
import { exportSource, type ExportSource } from '../../shared/export/source.ts';
import type { Stage } from '../../shared/api/analysis.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const RESULTS = join(ROOT, 'test-results');
export const FIXTURES = join(ROOT, 'tests', 'fixtures');
export const TRAFFIC_LOG = join(FIXTURES, 'gwlb-incident-traffic-log.csv');

export interface IncidentOnDisk {
  dir: string;
  files: { path: string; device: string; stage: Stage; bytes: Uint8Array }[];
}

export function incidentOnDisk(variant: 'pcap-le-us' | 'pcapng-be-ns' = 'pcap-le-us'): IncidentOnDisk {
  const dir = mkdtempSync(join(tmpdir(), 'stagediff-export-'));
  const g = generateScenario('gwlb-incident', variant);
  const files = g.files.map((f) => {
    const path = join(dir, f.fileName);
    writeFileSync(path, f.bytes);
    return { path, device: f.device, stage: f.stage as Stage, bytes: f.bytes };
  });
  return { dir, files };
}

export function sourceOf(inc: IncidentOnDisk, clockOffsets: Record<string, number> = {}): ExportSource {
  return exportSource(
    inc.files.map((f) => ({ spec: { path: f.path, device: f.device, stage: f.stage, labelled: 'explicit' as const }, ix: indexBytes(f.bytes) })),
    { clockOffsets },
  );
}

export const HAVE_TSHARK = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;

export function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
