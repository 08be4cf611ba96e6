/**
 * Capture point labels: device + stage, from `DEVICE:STAGE=PATH` or inferred from the file name
 * (`PA-VM-1_receive.pcap`, `fw2-rx.pcapng`, `vm2_drop.pcap`).
 */
import type { Stage } from '../api/analysis.ts';

const STAGE_WORDS: Record<string, Stage> = {
  receive: 'receive',
  rx: 'receive',
  recv: 'receive',
  transmit: 'transmit',
  tx: 'transmit',
  firewall: 'firewall',
  fw: 'firewall',
  drop: 'drop',
  dp: 'drop',
  dropped: 'drop',
};

/** A stage word (any case) as a Stage, or null. */
export function stageFromWord(word: string): Stage | null {
  const w = word.toLowerCase();
  if (w === 'unknown') return 'unknown';
  return STAGE_WORDS[w] ?? null;
}

export interface CaptureSpec {
  path: string;
  device: string;
  stage: Stage;
  /** Where the label came from. */
  labelled: 'explicit' | 'inferred' | 'none';
}

export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}

/** Device and stage from a file name: the last stage keyword names the stage, the rest the device. */
export function inferLabel(path: string): { device: string; stage: Stage; labelled: 'inferred' | 'none' } {
  const name = baseName(path);
  const stem = name.replace(/(\.(pcapng|pcap|cap|gz|ntar|dmp))+$/i, '');
  const parts = stem.split(/([-_. ]+)/);
  for (let i = parts.length - 1; i >= 0; i -= 1) {
    const stage = STAGE_WORDS[parts[i].toLowerCase()];
    if (!stage) continue;
    const device = (parts.slice(0, i).join('') + parts.slice(i + 1).join(''))
      .replace(/^[-_. ]+|[-_. ]+$/g, '');
    if (device) return { device, stage, labelled: 'inferred' };
  }
  return { device: name, stage: 'unknown', labelled: 'none' };
}

export class LabelError extends Error {}

/** `DEVICE:STAGE=PATH` or `PATH`. A wrong stage word is an error that names it. */
export function parseCaptureArg(arg: string): CaptureSpec {
  const m = /^([^:=/\\]+):([A-Za-z]+)=(.+)$/.exec(arg);
  if (m) {
    const stage = stageFromWord(m[2]);
    if (!stage) {
      throw new LabelError(
        `${arg}: unknown stage "${m[2]}" (expected receive|rx|recv, firewall|fw, transmit|tx, drop|dp|dropped)`,
      );
    }
    return { path: m[3], device: m[1], stage, labelled: 'explicit' };
  }
  return { path: arg, ...inferLabel(arg) };
}
