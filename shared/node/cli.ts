/**
 * The `stagediff` command line.
 *   stagediff packets --json CAPTURE
 *   stagediff analyze [--json] [--gwlb-idle-timeout S] [--clock-offset DEV=S]... [--settings FILE] CAPTURE...
 *   stagediff export --format FMT [...] -o OUT CAPTURE...   (export-cmd.ts)
 * Exit 0 when the analysis ran, 2 on bad usage or when no file could be read (one line on stderr).
 */
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { CaptureReader } from '../readers/reader.ts';
import { Decoded } from '../decode/decoded.ts';
import { decodePacket } from '../decode/decode.ts';
import { isDecodedLinkType } from '../decode/link.ts';
import { packetFields } from '../decode/fields.ts';
import { LabelError, parseCaptureArg, type CaptureSpec } from '../engine/labels.ts';
import { flowJsonWriter, prepareFlowJson, type FlowJsonWriter } from './flow-json-core.ts';
import { wasmFlowIds } from './flow-ids.ts';
import { wasmQuietFlows } from './quiet-flows.ts';
import { useFlowIds } from '../engine/model.ts';
import { analysisWorkers, analyzeAll, indexAll, OutOfMemory, WorkerPool } from './analyze-files.ts';
import { captureSummary, useQuietFlows } from '../engine/analyze.ts';
import { availableParallelism } from 'node:os';
import type { AnalysisResult } from '../api/analysis.ts';
import { renderSummary } from '../engine/summary.ts';
import { DEFAULT_SETTINGS, parseSettings, SETTING_FLAGS, type Settings } from '../engine/settings.ts';
import { FileReadError, readChunks } from './file-source.ts';
import { looksCoreReadable, releaseCore } from './index-core.ts';
import { EXPORT_USAGE } from './export-usage.ts';

/**
 * Input worth one more reading thread: files the JavaScript indexer reads (pcapng, ...), each
 * lane warming up its own JIT; classic pcap files, which the WebAssembly core reads with little
 * warm-up (and this thread, ready ~25 ms before a worker has booted, starts on them at once).
 */
const BYTES_PER_LANE = 256e6;
const CORE_BYTES_PER_LANE = 256e3;

class UsageError extends Error {}

const USAGE = `usage:
  stagediff packets --json CAPTURE
  stagediff analyze [--json] [--gwlb-idle-timeout SECONDS] [--clock-offset DEVICE=SECONDS]...
                    [--settings FILE] [--TIMER SECONDS]... CAPTURE...
${EXPORT_USAGE}
  CAPTURE is PATH or DEVICE:STAGE=PATH (STAGE: receive, firewall, transmit, drop)`;

/**
 * The `stagediff` command. `workers`: analysis threads bin/stagediff.cjs started before it loaded
 * this bundle (see worker-spawn.ts); `analyze` uses them, anything else lets them end.
 */
export async function main(argv: string[], workers: Worker[] = []): Promise<number> {
  // An analysis in this thread (STAGEDIFF_THREADS=1, export) takes the model's flow ids from
  // WebAssembly too, and `analyze` its quiet flows.
  useFlowIds(wasmFlowIds());
  useQuietFlows(wasmQuietFlows());
  // `stagediff packets --json x | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  try {
    const [cmd, ...rest] = argv;
    if (cmd !== 'analyze') for (const w of workers) void w.terminate();
    if (cmd === 'packets') return await packets(rest);
    if (cmd === 'analyze') return await analyze(rest, workers);
    // Loaded only for `export` (its own chunk of the bundle): `analyze` starts the sooner.
    if (cmd === 'export') return await (await import('./export-cmd.ts')).exportCommand(rest);
    if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    throw new UsageError(cmd ? `unknown command "${cmd}"` : 'no command given');
  } catch (e) {
    if (e instanceof UsageError || e instanceof LabelError) {
      process.stderr.write(`stagediff: ${e.message}\n${e instanceof UsageError ? USAGE + '\n' : ''}`);
      return 2;
    }
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    if (e instanceof OutOfMemory) {
      process.stderr.write(`stagediff: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`stagediff: internal error: ${(e as Error).message}\n`);
    return 1;
  }
}

type Options = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

function parse(args: string[], options: Options): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function packets(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (!values.json) throw new UsageError('packets needs --json');
  if (positionals.length !== 1) throw new UsageError('packets takes exactly one CAPTURE');
  const spec = parseCaptureArg(positionals[0]);
  const d = new Decoded();
  const out: string[] = [];
  let failure: string | null = null;
  const flush = () =>
    new Promise<void>((resolve) => {
      const text = out.join('');
      out.length = 0;
      if (process.stdout.write(text)) resolve();
      else process.stdout.once('drain', resolve);
    });
  const reader = new CaptureReader({
    record(rec) {
      if (isDecodedLinkType(rec.linkType)) decodePacket(d, rec.linkType, rec.bytes, rec.offset, rec.capLen, rec.origLen);
      else d.reset();
      out.push(`${JSON.stringify(packetFields(rec, d, { pcapng: reader.format === 'pcapng' }))}\n`);
    },
    fatal(issue) {
      failure = `${spec.path}: offset ${issue.offset}: ${issue.message}`;
    },
  });
  try {
    for await (const chunk of readChunks(spec.path)) {
      const more = reader.push(chunk);
      await flush();
      if (!more) break;
    }
    reader.end();
    await flush();
  } catch (e) {
    if (!(e instanceof FileReadError)) throw e;
    await flush();
    failure = `${spec.path}: offset ${e.offset}: ${e.message}`;
  }
  if (failure) {
    process.stderr.write(`stagediff: ${failure}\n`);
    // Packets before the damage were printed; the file could still be read in part.
    return reader.packets > 0 ? 0 : 2;
  }
  return 0;
}

async function analyze(args: string[], early: Worker[]): Promise<number> {
  const timerOptions = Object.fromEntries(SETTING_FLAGS.map((f) => [f, { type: 'string' as const }]));
  const { values, positionals } = parse(args, {
    json: { type: 'boolean' },
    'clock-offset': { type: 'string', multiple: true },
    settings: { type: 'string' },
    ...timerOptions,
  });
  if (positionals.length === 0) throw new UsageError('analyze needs at least one CAPTURE');
  const specs: CaptureSpec[] = positionals.map(parseCaptureArg);
  const offsets: Record<string, number> = {};
  for (const o of (values['clock-offset'] as string[] | undefined) ?? []) {
    const m = /^(.+)=([-+]?\d+(\.\d+)?)$/.exec(o);
    if (!m) throw new UsageError(`--clock-offset ${o}: expected DEVICE=SECONDS, e.g. PA-VM-2=-3.7`);
    offsets[m[1]] = Number(m[2]);
  }
  let settings: Settings = { ...DEFAULT_SETTINGS };
  try {
    if (values.settings) {
      let text: string;
      try {
        text = readFileSync(values.settings as string, 'utf8');
      } catch (e) {
        throw new Error(`${values.settings}: ${(e as Error).message}`);
      }
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (e) {
        throw new Error(`${values.settings}: not valid JSON: ${(e as Error).message}`);
      }
      settings = parseSettings(obj, settings, values.settings as string);
    }
    const flagValues: Record<string, unknown> = {};
    for (const f of SETTING_FLAGS) if (values[f] !== undefined) flagValues[f] = values[f];
    settings = parseSettings(flagValues, settings, 'command line');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const tty = process.stderr.isTTY === true;
  // Threads that read the files: STAGEDIFF_THREADS=N exactly N (1: all in this thread); by
  // default as many as the input is worth, at most one per core. This thread is one of them (it
  // is ready before a worker has booted), the others are workers, which then analyse.
  const asked = Math.floor(Number(process.env.STAGEDIFF_THREADS));
  const threads = asked || availableParallelism();
  const lanes = asked || laneCount(specs, threads);
  const mainLane = lanes > 1;
  const pool = threads > 1 ? WorkerPool.open(mainLane ? lanes - 1 : 1, early) : null;
  if (!pool) for (const w of early) void w.terminate();
  const out = new Output();
  let result: AnalysisResult;
  let flowCount = 0;
  let flowJson: FlowJsonWriter | null = null;
  const json = values.json === true;
  // STAGEDIFF_TIMING=1: phase times on stderr (for the benchmark and profiling).
  const timing = process.env.STAGEDIFF_TIMING ? [phaseMark()] : null;
  const laneLog: Parameters<typeof indexAll>[6] = timing ? [] : undefined;
  try {
    const ixs = await indexAll(specs, tty ? (i, p) => process.stderr.write(`\rstagediff: reading ${specs[i].path}: ${Math.round(p.bytes / 1e6)} MB, ${p.packets} packets   `) : undefined, pool, true, true, mainLane, laneLog);
    timing?.push(phaseMark());
    const inputs = specs.map((spec, i) => ({ spec, ix: ixs[i] }));
    // Workers that analyse: STAGEDIFF_ANALYSIS_WORKERS=N (at most one per core), else every
    // worker with STAGEDIFF_THREADS, else as many as the flows are worth; the pool grows to them
    // (this thread read files too, so fewer may have read them).
    const askedAnalysers = Math.floor(Number(process.env.STAGEDIFF_ANALYSIS_WORKERS));
    const analysers = askedAnalysers > 0 ? Math.min(askedAnalysers, availableParallelism()) : asked ? Infinity : analysisWorkers(ixs);
    if (pool && analysers !== Infinity) pool.grow(analysers);
    const opts = { clockOffsets: offsets, settings };
    // The JSON's head goes out before the first block, but after the workers were given the
    // analysis (they start on it at once; this thread has nothing to do until their first block).
    let head = !json;
    const writeHead = () => {
      if (head) return;
      head = true;
      out.push(`{\n"version": 1,\n"captures": ${jsonLines(inputs.map((x) => captureSummary(x.spec, x.ix)))},\n"flows": [`);
    };
    // This thread's reading is done: its index core's memory can go before an analysis in this
    // thread (indexAll let it go if this thread read files beside workers, and was not the last).
    if (!pool) await releaseCore();
    // Flows go out as they are made, in order: a million flows are never all in memory at once.
    const analysis = analyzeAll(
      inputs,
      opts,
      json,
      async (b, total) => {
        writeHead();
        if (json && b.flows && b.records) {
          out.push(flowCount ? ',\n' : '\n');
          // The flows' JSON is written here, from the records the analysis made (flow-records.ts).
          const fj = (flowJson ??= flowJsonWriter(b.records.context, inputs));
          const bytes = fj.block(b.records, b.flows);
          out.push(bytes, () => fj.written(bytes));
        }
        flowCount += b.flows;
        if (tty) process.stderr.write(`\rstagediff: analysing flows ${flowCount}/${total}                    `);
        await out.drain();
      },
      pool,
      analysers,
    );
    writeHead();
    if (json) prepareFlowJson(inputs);
    result = await analysis;
  } finally {
    pool?.close();
  }
  if (json) {
    const rest: Record<string, unknown> = { ...result };
    delete rest.version;
    delete rest.captures;
    delete rest.flows;
    await out.write(flowCount ? '\n]' : ']');
    for (const [k, v] of Object.entries(rest)) {
      if (!Array.isArray(v)) {
        await out.write(`,\n${JSON.stringify(k)}: ${JSON.stringify(v)}`);
        continue;
      }
      // Element by element: a million findings make more text than one string may hold.
      await out.write(`,\n${JSON.stringify(k)}: [`);
      for (let i = 0; i < v.length; i++) {
        out.push(`${i ? ',' : ''}\n  ${JSON.stringify(v[i])}`);
        await out.drain();
      }
      await out.write(v.length ? '\n]' : ']');
    }
    await out.write('\n}\n');
  } else await out.write(renderSummary(result, flowCount));
  await out.drain(true);
  if (timing) {
    timing.push(phaseMark());
    const [start, indexed, done] = timing;
    process.stderr.write(`stagediff: timing: start ${Math.round(start.ms)} ms, index ${phaseText(start, indexed)}, analysis+output ${phaseText(indexed, done)}; page faults ${start.faults} + ${indexed.faults - start.faults} + ${done.faults - indexed.faults}\n`);
    // Which thread read which file when (ms since the process started: the lanes' finish gap),
    // and whether the WebAssembly core or JavaScript read it (and why not the core).
    const lanes = new Map<string, string[]>();
    for (const l of laneLog ?? []) lanes.set(l.lane, [...(lanes.get(l.lane) ?? []), `file ${l.file + 1} ${Math.round(l.startMs)}-${Math.round(l.endMs)} ${l.readBy}`]);
    process.stderr.write(`stagediff: timing: lanes: ${[...lanes].map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ')}\n`);
  }
  if (tty) process.stderr.write('\r\x1b[K');
  for (const c of result.captures) {
    for (const e of c.errors) process.stderr.write(`stagediff: ${c.path}: offset ${e.offset}: ${e.message}\n`);
  }
  const anyRead = result.captures.some((c) => c.format !== null);
  if (!anyRead) {
    process.stderr.write('stagediff: no capture could be read\n');
    return 2;
  }
  return 0;
}

/**
 * Threads to read a capture set: one per BYTES_PER_LANE of input the JavaScript indexer reads
 * (each thread warms up its own JIT, which only pays off on enough packets) or CORE_BYTES_PER_LANE
 * of classic pcap or pcapng (the WebAssembly core's), at least one, at most `threads`
 * (docs/performance.md). A set of one file is read by one thread whatever this says. With one, a single worker reads and analyses all: even
 * one worker keeps the analysis's heap limit off the main thread (bin/stagediff.cjs then need not
 * restart node with a bigger one).
 */
function laneCount(specs: CaptureSpec[], threads: number): number {
  let lanes = 0;
  for (const s of specs) {
    try {
      const size = statSync(s.path).size;
      lanes += size / (looksCoreReadable(s.path) ? CORE_BYTES_PER_LANE : BYTES_PER_LANE);
    } catch {
      // Reported by the indexer.
    }
  }
  return Math.max(1, Math.min(threads, Math.ceil(lanes)));
}

/**
 * A moment of the run for STAGEDIFF_TIMING: wall time since the process started, CPU time of the
 * whole process (every thread) and page faults (fresh memory costs one on first touch, several
 * microseconds each in a VM).
 */
function phaseMark(): { ms: number; cpuUs: number; faults: number } {
  const c = process.cpuUsage();
  return { ms: performance.now(), cpuUs: c.user + c.system, faults: process.resourceUsage().minorPageFault };
}

/** A phase between two marks: "N ms (cpu/wall R)". */
function phaseText(a: ReturnType<typeof phaseMark>, b: ReturnType<typeof phaseMark>): string {
  return `${Math.round(b.ms - a.ms)} ms (cpu/wall ${((b.cpuUs - a.cpuUs) / 1e3 / (b.ms - a.ms)).toFixed(2)})`;
}

/** An array as JSON with one element per line. */
function jsonLines(a: unknown[]): string {
  return a.length ? `[${a.map((x) => `\n  ${JSON.stringify(x)}`).join(',')}\n]` : '[]';
}

/** Buffered stdout that waits for the pipe to drain (big outputs, slow readers). */
class Output {
  private buf: Uint8Array[] = [];
  /** Called once the piece at the same place in `buf` is written (its buffer can be used again). */
  private done: ((() => void) | undefined)[] = [];
  private size = 0;
  push(s: string | Uint8Array, written?: () => void): void {
    const b = typeof s === 'string' ? Buffer.from(s) : s;
    this.buf.push(b);
    this.done.push(written);
    this.size += b.length;
  }
  async write(s: string): Promise<void> {
    this.push(s);
    await this.drain();
  }
  async drain(all = false): Promise<void> {
    if (!all && this.size < 1 << 20) return;
    // Each piece as it is (no concatenated copy: the flow blocks are large already).
    const parts = this.buf;
    const done = this.done;
    this.buf = [];
    this.done = [];
    this.size = 0;
    let full = false;
    for (let i = 0; i < parts.length; i++) {
      const cb = done[i];
      // An empty piece is not written (nor its buffer given back).
      if (parts[i].length && !process.stdout.write(parts[i], cb)) full = true;
    }
    if (full) await new Promise((r) => process.stdout.once('drain', r));
  }
}
