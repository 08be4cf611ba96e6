/** Test helper: analyse in-memory capture files the way the CLI does, chunk by chunk. */
import { CaptureIndexer } from '../../shared/engine/capture-index.ts';
import { analyzeIndexes, type AnalysisInput, type AnalyzeOptions } from '../../shared/engine/analyze.ts';
import type { Stage, AnalysisResult } from '../../shared/api/analysis.ts';

export interface BytesCapture {
  path: string;
  device: string;
  stage: Stage;
  bytes: Uint8Array;
}

export function indexBytes(bytes: Uint8Array, chunk = 1 << 20) {
  const ix = new CaptureIndexer();
  for (let o = 0; o < bytes.length; o += chunk) if (!ix.push(bytes.subarray(o, o + chunk))) break;
  return ix.finish();
}

/** One capture point's analysis input: the bytes indexed, labelled DEVICE:STAGE. */
export function inputOf(device: string, stage: Stage, bytes: Uint8Array, path = `${device}_${stage}.pcap`): AnalysisInput {
  return { spec: { path, device, stage, labelled: 'explicit' }, ix: indexBytes(bytes) };
}

export function analyzeBytes(files: BytesCapture[], opts: AnalyzeOptions = {}): AnalysisResult {
  return analyzeIndexes(
    files.map((f) => ({ spec: { path: f.path, device: f.device, stage: f.stage, labelled: 'explicit' as const }, ix: indexBytes(f.bytes) })),
    opts,
  );
}
