/**
 * `stagediff export --format html|pdf|csv|json|pcapng|svg|png [--what flows|packets|findings]
 *   [--case FILE] [--traffic-log [DEVICE=]CSV]... [--clock-offset DEVICE=SECONDS]... [--settings FILE]
 *   [--TIMER SECONDS]... [--title TEXT] -o OUT [CAPTURE...]`
 *
 * Without CAPTUREs the case file's captures are used. With both, the command line's files are
 * used and take the case's labels where their sha256 matches (a moved file is still recognised).
 * Exit 0 when the export was written, 2 on bad usage or when no capture could be read, 1 when
 * the export itself failed (e.g. Chromium missing for pdf/png).
 */
import { FileReadError, readChunks } from './file-source.ts';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Annotation, CaseFile } from '../api/case.ts';
import { LabelError, parseCaptureArg, type CaptureSpec } from '../engine/labels.ts';
import { DEFAULT_SETTINGS, parseSettings, SETTING_FLAGS, type Settings } from '../engine/settings.ts';
import { relinkCaptures, resolveAnnotations } from '../case/case-file.ts';
import { exportSource, flowFirstFrames, packetView } from '../export/source.ts';
import { csvChunks } from '../export/csv.ts';
import { jsonChunks } from '../export/json.ts';
import { reportHtml } from '../export/report-html.ts';
import { buildFlowTimelines, timelineSvgDocument } from '../export/timeline-svg.ts';
import { mergeComments, mergePcapng, type MergeSource } from '../export/pcapng-merged.ts';
import type { ExportWhat } from '../export/tables.ts';
import { joinTrafficLog, parseTrafficLog, TrafficLogError, type TrafficLog, type TrafficLogJoin } from '../tlog/traffic-log.ts';
import { indexAll } from './analyze-files.ts';
import { CaseFileError, readCaseFile, sha256File } from './case-io.ts';
import { ChromiumMissing, htmlToPdf, svgToPng } from './chromium-render.ts';
import { EXPORT_USAGE } from './export-usage.ts';

const FORMATS = ['html', 'pdf', 'csv', 'json', 'pcapng', 'svg', 'png'] as const;
type Format = (typeof FORMATS)[number];
const WHATS: ExportWhat[] = ['flows', 'packets', 'findings'];

class ExportUsage extends Error {}

export async function exportCommand(args: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Promise<number> {
  try {
    return await run(args, io);
  } catch (e) {
    if (e instanceof ExportUsage || e instanceof LabelError) {
      io.stderr.write(`stagediff: ${e.message}\nusage:\n${EXPORT_USAGE}\n`);
      return 2;
    }
    if (e instanceof CaseFileError || e instanceof TrafficLogError) {
      io.stderr.write(`stagediff: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ChromiumMissing) {
      io.stderr.write(`stagediff: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`stagediff: export failed: ${(e as Error).message}\n`);
    return 1;
  }
}

async function run(args: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const timerOptions = Object.fromEntries(SETTING_FLAGS.map((f) => [f, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: 'string', short: 'f' },
        what: { type: 'string' },
        case: { type: 'string' },
        'traffic-log': { type: 'string', multiple: true },
        'clock-offset': { type: 'string', multiple: true },
        settings: { type: 'string' },
        title: { type: 'string' },
        output: { type: 'string', short: 'o' },
        ...timerOptions,
      },
    });
  } catch (e) {
    throw new ExportUsage((e as Error).message);
  }
  const values = parsed.values as Record<string, unknown>;
  const format = values.format as Format | undefined;
  if (!format) throw new ExportUsage('export needs --format (html, pdf, csv, json, pcapng, svg or png)');
  if (!FORMATS.includes(format)) throw new ExportUsage(`--format ${format}: expected one of ${FORMATS.join(', ')}`);
  const what = (values.what as ExportWhat | undefined) ?? 'flows';
  if (!WHATS.includes(what)) throw new ExportUsage(`--what ${what}: expected flows, packets or findings`);
  if (values.what && format !== 'csv' && format !== 'json') throw new ExportUsage('--what applies to --format csv and json only');
  const out = values.output as string | undefined;
  if (!out) throw new ExportUsage('export needs -o OUT (the file to write; "-" for standard output with text formats)');
  if (out === '-' && (format === 'pdf' || format === 'png' || format === 'pcapng')) throw new ExportUsage(`--format ${format} writes a binary file: give -o FILE`);

  // Case file: captures, labels, clock offsets, timers, annotations.
  let kase: CaseFile | null = null;
  if (values.case) kase = await readCaseFile(values.case as string);
  let specs: CaptureSpec[] = parsed.positionals.map(parseCaptureArg);
  let hashes: Record<string, { sha256: string; size: number }> = {};
  if (specs.length === 0) {
    if (!kase) throw new ExportUsage('export needs at least one CAPTURE (or --case FILE with captures)');
    specs = kase.captures.map((c) => ({ path: c.path, device: c.device, stage: c.stage, labelled: 'explicit' as const }));
  }
  hashes = Object.fromEntries(
    await Promise.all(specs.map(async (s) => [s.path, await sha256File(s.path).catch(() => null)] as const)),
  ) as Record<string, { sha256: string; size: number }>;
  for (const k of Object.keys(hashes)) if (!hashes[k]) delete hashes[k];
  let annotations: Annotation[] = [];
  if (kase) {
    // Recognise the case's captures among the files given (by hash): they take the case's labels.
    const candidates = Object.entries(hashes).map(([path, h]) => ({ path, sha256: h.sha256 }));
    const { case: relinked, relinked: moved, missing } = relinkCaptures(kase, candidates);
    for (const m of moved) io.stderr.write(`stagediff: ${m.from} was found at ${m.to} (same sha256)\n`);
    if (parsed.positionals.length === 0) {
      for (const m of missing) io.stderr.write(`stagediff: ${m.path}: capture of the case not found (sha256 ${m.sha256.slice(0, 12)}...)\n`);
    }
    const byPath = new Map(relinked.captures.map((c) => [c.path, c]));
    specs = specs.map((s) => {
      const c = byPath.get(s.path);
      return c && s.labelled !== 'explicit' ? { ...s, device: c.device, stage: c.stage, labelled: 'explicit' as const } : s;
    });
    kase = relinked;
    annotations = relinked.annotations;
  }

  const offsets: Record<string, number> = { ...(kase?.clockOffsets ?? {}) };
  for (const o of (values['clock-offset'] as string[] | undefined) ?? []) {
    const m = /^(.+)=([-+]?\d+(\.\d+)?)$/.exec(o);
    if (!m) throw new ExportUsage(`--clock-offset ${o}: expected DEVICE=SECONDS, e.g. PA-VM-2=-3.7`);
    offsets[m[1]] = Number(m[2]);
  }
  let settings: Settings = { ...DEFAULT_SETTINGS };
  try {
    if (kase) settings = parseSettings(kase.settings, settings, values.case as string);
    if (values.settings) {
      const file = values.settings as string;
      let obj: unknown;
      try {
        obj = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}`);
      }
      settings = parseSettings(obj, settings, file);
    }
    const flagValues: Record<string, unknown> = {};
    for (const f of SETTING_FLAGS) if (values[f] !== undefined) flagValues[f] = values[f];
    settings = parseSettings(flagValues, settings, 'command line');
  } catch (e) {
    throw new ExportUsage((e as Error).message);
  }

  // Traffic logs are parsed before the (slower) indexing so a bad CSV fails fast.
  const logs: TrafficLog[] = [];
  for (const arg of (values['traffic-log'] as string[] | undefined) ?? []) {
    const m = /^([^=/\\]+)=(.+)$/.exec(arg);
    const [device, file] = m ? [m[1], m[2]] : [undefined, arg];
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new TrafficLogError(`${file}: cannot read the traffic log: ${(e as Error).message}`);
    }
    logs.push(parseTrafficLog(text, { source: file, device }));
  }

  const ixs = await indexAll(specs);
  const inputs = specs.map((spec, i) => ({ spec, ix: ixs[i], sha256: hashes[spec.path]?.sha256 }));
  for (const [i, s] of specs.entries()) {
    for (const e of ixs[i].errors) io.stderr.write(`stagediff: ${s.path}: offset ${e.offset}: ${e.message}\n`);
  }
  if (!ixs.some((ix) => ix.format !== null)) {
    io.stderr.write('stagediff: no capture could be read\n');
    return 2;
  }
  const src = exportSource(inputs, { settings, clockOffsets: offsets });
  annotations = resolveAnnotations(annotations, src.result);
  let join: TrafficLogJoin | undefined;
  if (logs.length) {
    join = joinTrafficLog(src.result, logs);
    for (const u of join.unmatched.slice(0, 20)) io.stderr.write(`stagediff: ${u.source}: line ${u.line}: ${u.reason}\n`);
    if (join.unmatched.length > 20) io.stderr.write(`stagediff: ... ${join.unmatched.length - 20} more traffic-log rows matched no flow\n`);
  }
  const title = (values.title as string | undefined) ?? kase?.title ?? 'stagediff incident report';
  const extras = { title, annotations, trafficLog: join, captureHashes: hashes, generator: 'stagediff' };

  switch (format) {
    case 'csv':
      await writeText(out, csvChunks(what, src, { trafficLog: join }), io);
      break;
    case 'json':
      await writeText(out, jsonChunks(what, src, { trafficLog: join }), io);
      break;
    case 'html':
      await writeText(out, [reportHtml(src, extras)], io);
      break;
    case 'svg':
      await writeText(out, [timelineSvgDocument(buildFlowTimelines(src, { annotations }), { title })], io);
      break;
    case 'pdf':
      await writeBinary(out, await htmlToPdf(reportHtml(src, extras)));
      break;
    case 'png':
      await writeBinary(out, await svgToPng(timelineSvgDocument(buildFlowTimelines(src, { annotations }), { title })));
      break;
    case 'pcapng': {
      const view = packetView(src);
      const comments = mergeComments(src.result, annotations, view ? flowFirstFrames(view) : undefined);
      const sources: MergeSource[] = specs.map((s) => ({ path: s.path, device: s.device, stage: s.stage, chunks: fileChunks(s.path) }));
      const stats = await writeStreamed(out, (write) => mergePcapng(sources, { clockOffsets: offsets, comments, application: 'stagediff' }, write));
      io.stderr.write(`stagediff: wrote ${stats.packets} packets from ${specs.length} captures, ${stats.interfaces.length} interfaces, ${stats.comments} comments to ${out}\n`);
      break;
    }
  }
  return 0;
}

/** The file in 1 MiB chunks; a file that cannot be read ends early (the analysis names its error). */
export async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  try {
    yield* readChunks(path);
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
  }
}

function tempOf(path: string): string {
  return `${path}.${process.pid}.tmp`;
}

/** Writes to OUT.tmp, then renames: a failed export never leaves half a file under the real name. */
async function writeStreamed<T>(out: string, body: (write: (chunk: Uint8Array) => Promise<void>) => Promise<T>): Promise<T> {
  const tmp = tempOf(out);
  const fh = await open(tmp, 'w');
  try {
    const r = await body(async (chunk) => {
      let off = 0;
      while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
    });
    await fh.close();
    await rename(tmp, out);
    return r;
  } catch (e) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

async function writeText(out: string, chunks: Iterable<string>, io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const enc = new TextEncoder();
  if (out === '-') {
    for (const c of chunks) {
      if (!io.stdout.write(c)) await new Promise((r) => io.stdout.once('drain', r));
    }
    return;
  }
  await writeStreamed(out, async (write) => {
    for (const c of chunks) await write(enc.encode(c));
  });
}

async function writeBinary(out: string, bytes: Uint8Array): Promise<void> {
  await writeStreamed(out, (write) => write(bytes));
}
