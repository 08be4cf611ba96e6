/**
 * Clock offset estimates between devices from packets both devices captured (HA3 forwarding,
 * span copies): the median of the time differences, with the spread (half the 10-90 percentile
 * range). Reported, never applied: the user sets offsets.
 */
import type { ClockEstimate } from '../api/analysis.ts';
import type { Flow, Model } from './model.ts';
import { groupKey } from './align.ts';

/** Time differences (seconds) between devices' sightings of the same packets, per "device|relativeTo". */
export type ClockSamples = Map<string, number[]>;

/** Samples kept per device pair (the first ones, in flow order). */
export const MAX_CLOCK_SAMPLES = 100000;

export function estimateClocks(m: Model): ClockEstimate[] {
  const samples: ClockSamples = new Map();
  for (const flow of m.flows) addClockSamples(flow, samples);
  return clockEstimates(samples);
}

/**
 * Adds one flow's samples, up to MAX_CLOCK_SAMPLES per pair counting those in `deltas` and the
 * `earlier` count (samples already handed on, when a thread sends them off block by block).
 */
export function addClockSamples(flow: Flow, deltas: ClockSamples, earlier?: Map<string, number>): void {
  // Only flows seen on two devices or more.
  let other = false;
  for (let i = 1; i < flow.at.length; i++) if (flow.at[i].point.device !== flow.at[0].point.device) other = true;
  if (!other) return;
  // First sighting of each packet signature per device.
  const seen = new Map<string, Map<number, number>>();
  for (const a of flow.at) {
    let s = seen.get(a.point.device);
    if (!s) seen.set(a.point.device, (s = new Map()));
    const ix = a.point.ix;
    for (let g = a.point.rowStart[a.local]; g < a.point.rowStart[a.local + 1]; g++) {
      const sig = groupKey(ix, g);
      const t = a.point.shiftNs + ix.groupT[g];
      const prev = s.get(sig);
      if (prev === undefined || t < prev) s.set(sig, t);
    }
  }
  const list = [...seen.keys()].sort();
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = seen.get(list[i])!;
      const b = seen.get(list[j])!;
      const key = `${list[j]}|${list[i]}`;
      let arr = deltas.get(key);
      const room = MAX_CLOCK_SAMPLES - (earlier?.get(key) ?? 0);
      if (arr && arr.length >= room) continue;
      for (const [sig, ta] of a) {
        const tb = b.get(sig);
        if (tb === undefined) continue;
        if (!arr) deltas.set(key, (arr = []));
        if (arr.length < room) arr.push((tb - ta) / 1e9);
      }
    }
  }
}

/** Appends `more` to `into`, keeping the first MAX_CLOCK_SAMPLES per pair (blocks in flow order). */
export function mergeClockSamples(into: ClockSamples, more: ClockSamples): void {
  for (const [key, arr] of more) {
    let have = into.get(key);
    if (!have) into.set(key, (have = []));
    for (let i = 0; i < arr.length && have.length < MAX_CLOCK_SAMPLES; i++) have.push(arr[i]);
  }
}

export function clockEstimates(deltas: ClockSamples): ClockEstimate[] {
  const out: ClockEstimate[] = [];
  for (const [key, arr] of deltas) {
    if (arr.length < 3) continue;
    arr.sort((x, y) => x - y);
    const q = (p: number) => arr[Math.min(arr.length - 1, Math.floor(p * arr.length))];
    const [device, relativeTo] = key.split('|');
    out.push({
      device,
      relativeTo,
      // Offset to add to `device`'s times to put them on `relativeTo`'s clock.
      offsetSeconds: -Math.round(q(0.5) * 1e6) / 1e6,
      spreadSeconds: Math.round(((q(0.9) - q(0.1)) / 2) * 1e6) / 1e6,
      samples: arr.length,
      applied: false,
    });
  }
  return out;
}
