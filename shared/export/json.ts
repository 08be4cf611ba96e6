/**
 * JSON exports with the same field names as the CSV:
 *   { "format": "stagediff-export", "version": 1, "what": "flows", "columns": [...], "rows": [ {...}, ... ] }
 * Streamed one row per line inside the array, so packets never need one big string.
 */
import type { TrafficLogJoin } from '../tlog/traffic-log.ts';
import { columnsOf, tableRows, type ExportWhat } from './tables.ts';
import type { ExportSource, PacketView } from './source.ts';

export interface JsonOptions {
  trafficLog?: TrafficLogJoin;
  flowIds?: Set<string>;
  view?: PacketView | null;
}

export function* jsonChunks(what: ExportWhat, src: ExportSource, opts: JsonOptions = {}): Generator<string> {
  yield `{"format":"stagediff-export","version":1,"what":${JSON.stringify(what)},"columns":${JSON.stringify(columnsOf(what))},"rows":[`;
  let first = true;
  let buf: string[] = [];
  for (const r of tableRows(what, src, opts)) {
    buf.push(`${first ? '' : ','}\n${JSON.stringify(r)}`);
    first = false;
    if (buf.length >= 2000) {
      yield buf.join('');
      buf = [];
    }
  }
  if (buf.length) yield buf.join('');
  yield '\n]}\n';
}

export function exportJson(what: ExportWhat, src: ExportSource, opts: JsonOptions = {}): string {
  return [...jsonChunks(what, src, opts)].join('');
}
