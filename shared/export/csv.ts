/**
 * CSV exports (papaparse's unparse: RFC 4180 quoting). Streamed in batches of rows, so a packets
 * export of a large capture never holds all its text; `exportCsv` joins them for small tables.
 */
import Papa from 'papaparse';
import type { TrafficLogJoin } from '../tlog/traffic-log.ts';
import { columnsOf, tableRows, type ExportWhat, type Row } from './tables.ts';
import type { ExportSource, PacketView } from './source.ts';

const BATCH = 5000;

export interface CsvOptions {
  trafficLog?: TrafficLogJoin;
  flowIds?: Set<string>;
  view?: PacketView | null;
}

/** The CSV text in chunks: the header line, then batches of rows. Line ends are CRLF (RFC 4180). */
export function* csvChunks(what: ExportWhat, src: ExportSource, opts: CsvOptions = {}): Generator<string> {
  const fields = [...columnsOf(what)];
  yield `${Papa.unparse([fields], { newline: '\r\n' })}\r\n`;
  let batch: unknown[][] = [];
  const flush = () => {
    const text = Papa.unparse({ fields, data: batch }, { header: false, newline: '\r\n', escapeFormulae: false });
    batch = [];
    return `${text}\r\n`;
  };
  for (const r of tableRows(what, src, opts)) {
    batch.push(fields.map((f) => cell(r, f)));
    if (batch.length >= BATCH) yield flush();
  }
  if (batch.length) yield flush();
}

function cell(r: Row, f: string): string | number | boolean {
  const v = r[f];
  return v === null || v === undefined ? '' : v;
}

/** The whole CSV as one string (flows and findings; packets of small captures). */
export function exportCsv(what: ExportWhat, src: ExportSource, opts: CsvOptions = {}): string {
  return [...csvChunks(what, src, opts)].join('');
}
