/// <reference lib="webworker" />
/**
 * Export worker: builds one export (HTML report, timeline SVG, CSV/JSON tables, merged pcapng)
 * with the shared/export functions, or hashes one file. See export-protocol.ts.
 */
import { createSha256 } from '../../../shared/case/case-file.ts';
import { exportSource, flowFirstFrames, packetView } from '../../../shared/export/source.ts';
import { reportHtml } from '../../../shared/export/report-html.ts';
import { buildFlowTimelines, timelineSvgDocument } from '../../../shared/export/timeline-svg.ts';
import { csvChunks } from '../../../shared/export/csv.ts';
import { jsonChunks } from '../../../shared/export/json.ts';
import { mergeComments, mergePcapng } from '../../../shared/export/pcapng-merged.ts';
import { joinTrafficLog } from '../../../shared/tlog/traffic-log.ts';
import type { ExportReply, ExportRequest, MergeSourceSpec } from './export-protocol.ts';
import { unpackIndex } from '../../../shared/engine/packed-flows.ts';
import { concatBytes } from '../../../shared/format/bytes.ts';

declare const self: DedicatedWorkerGlobalScope;

const CHUNK = 4 * 1024 * 1024;
/** Characters or bytes of a big output per message to the page (ExportReply 'part'). */
const PART = 8 * 1024 * 1024;
let nextReq = 1;
const waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();

function post(m: ExportReply, transfer: Transferable[] = []): void {
  self.postMessage(m, transfer);
}

/** A File read in slices: the worker never holds the whole file. */
async function* blobChunks(b: Blob): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < b.size; o += CHUNK) yield new Uint8Array(await b.slice(o, Math.min(b.size, o + CHUNK)).arrayBuffer());
}

/** Bytes through the UI thread (Electron bridge reads). */
async function* uiChunks(source: number, size: number): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < size; o += CHUNK) {
    const req = nextReq++;
    const bytes = await new Promise<Uint8Array>((resolve, reject) => {
      waiting.set(req, { resolve, reject });
      post({ type: 'read', req, source, offset: o, length: Math.min(CHUNK, size - o) });
    });
    if (bytes.length === 0) return;
    yield bytes;
  }
}

function chunksOf(s: MergeSourceSpec, i: number): AsyncIterable<Uint8Array> {
  return s.file ? blobChunks(s.file) : uiChunks(i, s.size);
}

async function run(m: Extract<ExportRequest, { type: 'run' }>): Promise<void> {
  const job = m.job;
  post({ type: 'progress', text: 'Analysing for the export…' });
  for (const x of m.inputs) unpackIndex(x.ix);
  const src = exportSource(m.inputs, { settings: m.settings, clockOffsets: m.clockOffsets });
  switch (job.kind) {
    case 'html': {
      const trafficLog = job.logs.length ? joinTrafficLog(src.result, job.logs) : undefined;
      post({ type: 'progress', text: 'Writing the report…' });
      const html = reportHtml(src, { title: job.title, annotations: job.annotations, trafficLog, captureHashes: job.hashes, generatedAt: job.generatedAt, generator: 'stagediff' });
      post({ type: 'done', text: html });
      return;
    }
    case 'svg': {
      const tl = buildFlowTimelines(src, { annotations: job.annotations, ...(job.flowIds ? { flowIds: job.flowIds } : {}) });
      post({ type: 'done', text: timelineSvgDocument(tl, { title: job.title }), info: `${tl.length} flow${tl.length === 1 ? '' : 's'}` });
      return;
    }
    case 'table': {
      const trafficLog = job.logs.length ? joinTrafficLog(src.result, job.logs) : undefined;
      post({ type: 'progress', text: 'Writing the table…' });
      // To the page a piece at a time, as UTF-8 (the page makes a Blob of the pieces without
      // encoding anything): neither side holds the whole text as one string (a million packets
      // as JSON is close to V8's longest string).
      const utf8 = new TextEncoder();
      let piece: string[] = [];
      let chars = 0;
      for (const c of job.format === 'csv' ? csvChunks(job.what, src, { trafficLog }) : jsonChunks(job.what, src, { trafficLog })) {
        piece.push(c);
        chars += c.length;
        if (chars < PART) continue;
        const bytes = utf8.encode(piece.join(''));
        post({ type: 'part', bytes }, [bytes.buffer]);
        piece = [];
        chars = 0;
      }
      const bytes = utf8.encode(piece.join(''));
      post({ type: 'done', bytes }, [bytes.buffer]);
      return;
    }
    case 'pcapng': {
      const view = packetView(src);
      const comments = mergeComments(src.result, job.annotations, view ? flowFirstFrames(view) : undefined);
      let out: Uint8Array[] = [];
      let total = 0;
      /** The bytes written since the last piece, in one array. */
      const take = (): Uint8Array => {
        const bytes = concatBytes(out);
        out = [];
        total = 0;
        return bytes;
      };
      post({ type: 'progress', text: 'Merging the captures…' });
      const stats = await mergePcapng(
        job.sources.map((s, i) => ({ path: s.path, device: s.device, stage: s.stage, chunks: chunksOf(s, i) })),
        { clockOffsets: m.clockOffsets, comments, application: 'stagediff' },
        (chunk) => {
          out.push(chunk);
          total += chunk.length;
          if (total < PART) return;
          const bytes = take();
          post({ type: 'part', bytes }, [bytes.buffer]);
        },
      );
      const bytes = take();
      post({ type: 'done', bytes, info: `${stats.packets} packets, ${stats.interfaces.length} interfaces, ${stats.comments} comments` }, [bytes.buffer]);
      return;
    }
  }
}

const FAST_HASH_MAX = 256 * 1024 * 1024;

self.onmessage = async (e: MessageEvent<ExportRequest>) => {
  const m = e.data;
  try {
    if (m.type === 'chunk') {
      const w = waiting.get(m.req);
      waiting.delete(m.req);
      if (w) m.error ? w.reject(new Error(m.error)) : w.resolve(m.bytes);
      return;
    }
    if (m.type === 'hash') {
      // Up to 256 MiB: the browser's native SHA-256 over the whole file (~5x the JavaScript
      // stream below, which takes a core for seconds a gigabyte); larger files stream.
      if (m.file.size <= FAST_HASH_MAX && globalThis.crypto?.subtle) {
        const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await m.file.arrayBuffer()));
        post({ type: 'hashed', sha256: Array.from(d, (b) => b.toString(16).padStart(2, '0')).join(''), size: m.file.size });
        return;
      }
      const h = createSha256();
      let size = 0;
      for await (const c of blobChunks(m.file)) {
        h.update(c);
        size += c.length;
      }
      post({ type: 'hashed', sha256: h.hex(), size });
      return;
    }
    await run(m);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
