/**
 * Clock offset estimates between devices from packets both devices captured (HA3 forwarding,
 * span copies): the median of the time differences, with the spread (half the 10-90 percentile
 * range). Reported, never applied: the user sets offsets.
 */
import type { ClockEstimate } from '../api/analysis.ts';
import type { Model } from './model.ts';
import { flowRows, timeOf } from './model.ts';
import { signature } from './align.ts';

export function estimateClocks(m: Model): ClockEstimate[] {
  const deltas = new Map<string, number[]>();
  for (const flow of m.flows) {
    if (flow.at.length < 2) continue;
    const devs = new Set(flow.at.map((a) => a.point.device));
    if (devs.size < 2) continue;
    // First sighting of each packet signature per device.
    const seen = new Map<string, Map<number, number>>();
    for (const a of flow.at) {
      let s = seen.get(a.point.device);
      if (!s) seen.set(a.point.device, (s = new Map()));
      const rows = flowRows(a);
      for (let k = 0; k < rows.length; k++) {
        const sig = signature(a.point, rows[k]);
        const t = timeOf(a.point, rows[k]);
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
        for (const [sig, ta] of a) {
          const tb = b.get(sig);
          if (tb === undefined) continue;
          if (!arr) deltas.set(key, (arr = []));
          if (arr.length < 100000) arr.push((tb - ta) / 1e9);
        }
      }
    }
  }
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
