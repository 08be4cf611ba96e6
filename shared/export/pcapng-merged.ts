/**
 * The merged, annotated pcapng: every capture in one file, chronological on the common clock.
 *
 * - One interface per capture point (and per interface of a multi-interface pcapng source):
 *   if_name "DEVICE STAGE", the source's link type, if_description the source path, ns resolution.
 *   Interfaces are described lazily, just before their first packet (pcapng allows an IDB
 *   anywhere in the section before use).
 * - Timestamps get the device's clock offset, so Wireshark shows the order stagediff reasons on.
 * - Packet comments (opt_comment, one per note): the finding summaries on evidence packets,
 *   annotations (packet, finding, flow, time range), and any comment the source packet had.
 * - k-way merge over streaming readers: each source is read one chunk at a time; the records of
 *   that chunk wait in a small per-source arena (copied out of the reader's reused buffer), so
 *   memory is about one chunk per source, never a whole file.
 */
import type { AnalysisResult, Stage } from '../api/analysis.ts';
import type { Annotation } from '../api/case.ts';
import { CaptureReader } from '../readers/reader.ts';
import type { PacketRecord } from '../capture/record.ts';
import { PcapngWriter } from '../writers/pcapng.ts';
import { isoParts } from './escape.ts';

export interface MergeSource {
  path: string;
  device: string;
  stage: Stage;
  /** The file's bytes in chunks (any size). The Node adapter reads the file; the renderer a File's stream. */
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface MergeComments {
  /** path -> frame (1-based) -> comments */
  packets: Map<string, Map<number, string[]>>;
  /** Time ranges: a comment on the first packet at or after `from` (of `device`, when given). */
  ranges: { from: string; to: string; device?: string; text: string }[];
}

export interface MergeOptions {
  clockOffsets?: Record<string, number>;
  comments?: MergeComments;
  /** shb_userappl. */
  application?: string;
  /** Output batch size in bytes (default 1 MiB). */
  batchBytes?: number;
  signal?: AbortSignal;
}

export interface MergeStats {
  packets: number;
  perSource: number[];
  comments: number;
  interfaces: { name: string; linkType: number; path: string }[];
  errors: { path: string; offset: number; message: string }[];
  bytes: number;
}

/** Comments for the merged file from the findings and the annotations. */
export function mergeComments(
  result: AnalysisResult,
  annotations: Annotation[] = [],
  flowFirstFrames?: Map<string, { path: string; frame: number }[]>,
): MergeComments {
  const packets = new Map<string, Map<number, string[]>>();
  const add = (path: string, frame: number, text: string) => {
    let m = packets.get(path);
    if (!m) packets.set(path, (m = new Map()));
    const list = m.get(frame) ?? [];
    if (!list.includes(text)) list.push(text);
    m.set(frame, list);
  };
  const findingById = new Map(result.findings.map((f) => [f.id, f]));
  for (const f of result.findings) {
    for (const e of f.evidence) {
      add(e.path, e.frame, `stagediff ${f.severity} ${f.kind} (${f.id}): ${f.summary}${e.note ? ` [this packet: ${e.note}]` : ''}`);
    }
  }
  const ranges: MergeComments['ranges'] = [];
  for (const a of annotations) {
    const by = a.author ? ` by ${a.author}` : '';
    const t = a.target;
    if (t.kind === 'packet') add(t.path, t.frame, `note${by}: ${a.text}`);
    else if (t.kind === 'finding') {
      const f = findingById.get(t.findingId);
      for (const e of f?.evidence ?? []) add(e.path, e.frame, `note on ${t.findingId}${by}: ${a.text}`);
    } else if (t.kind === 'flow') {
      for (const x of flowFirstFrames?.get(t.flowId) ?? []) add(x.path, x.frame, `note on flow ${t.flowId}${by}: ${a.text}`);
    } else {
      ranges.push({ from: t.from, to: t.to, ...(t.device ? { device: t.device } : {}), text: `note on ${t.from} .. ${t.to}${t.device ? ` (${t.device})` : ''}${by}: ${a.text}` });
    }
  }
  return { packets, ranges };
}

/** Per-source queue: the records of the chunk being merged, packed in one byte arena. */
class SourceQueue {
  readonly reader: CaptureReader;
  private iter: Iterator<Uint8Array> | AsyncIterator<Uint8Array> | null = null;
  done = false;
  error: { offset: number; message: string } | null = null;
  arena = new Uint8Array(1 << 16);
  used = 0;
  n = 0;
  head = 0;
  key = new Float64Array(256);
  off = new Uint32Array(256);
  len = new Uint32Array(256);
  orig = new Uint32Array(256);
  iface = new Uint32Array(256);
  link = new Uint32Array(256);
  frame = new Uint32Array(256);
  order = new Uint32Array(256);
  comment: (string | null)[] = [];
  count = 0;

  constructor(
    readonly src: MergeSource,
    readonly index: number,
    private readonly keyOf: (rec: PacketRecord, src: MergeSource) => number,
  ) {
    this.reader = new CaptureReader({
      record: (rec) => this.onRecord(rec),
      fatal: (issue) => {
        this.error = issue;
      },
    });
  }

  private onRecord(rec: PacketRecord): void {
    const i = this.n;
    if (i >= this.key.length) this.growMeta(i * 2);
    if (this.used + rec.capLen > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.used + rec.capLen) size *= 2;
      const a = new Uint8Array(size);
      a.set(this.arena.subarray(0, this.used));
      this.arena = a;
    }
    this.arena.set(rec.bytes.subarray(rec.offset, rec.offset + rec.capLen), this.used);
    this.key[i] = this.keyOf(rec, this.src);
    this.off[i] = this.used;
    this.len[i] = rec.capLen;
    this.orig[i] = rec.origLen;
    this.iface[i] = rec.interfaceId;
    this.link[i] = rec.linkType;
    this.frame[i] = rec.index + 1;
    this.comment[i] = rec.comment;
    this.used += rec.capLen;
    this.n = i + 1;
    this.count++;
  }

  private growMeta(n: number): void {
    const g = <T extends Float64Array | Uint32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.key = g(this.key);
    this.off = g(this.off);
    this.len = g(this.len);
    this.orig = g(this.orig);
    this.iface = g(this.iface);
    this.link = g(this.link);
    this.frame = g(this.frame);
    this.order = new Uint32Array(n);
  }

  /** Makes sure a record is waiting (reads chunks as needed). False when the source is exhausted. */
  async fill(): Promise<boolean> {
    while (this.head >= this.n) {
      if (this.done) return false;
      this.n = 0;
      this.head = 0;
      this.used = 0;
      this.comment.length = 0;
      if (!this.iter) {
        const c = this.src.chunks;
        this.iter = Symbol.asyncIterator in c ? (c as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]() : (c as Iterable<Uint8Array>)[Symbol.iterator]();
      }
      const r = await this.iter.next();
      if (r.done) {
        this.reader.end();
        this.done = true;
      } else if (!this.reader.push(r.value)) {
        this.done = true;
        await this.iter.return?.();
      }
      // Within a chunk, order by time (the receive stage may be slightly out of order).
      const order = this.order.length >= this.n ? this.order : (this.order = new Uint32Array(this.key.length));
      let sorted = true;
      for (let i = 0; i < this.n; i++) {
        order[i] = i;
        if (i > 0 && this.key[i] < this.key[i - 1]) sorted = false;
      }
      if (!sorted) {
        const k = this.key;
        order.subarray(0, this.n).sort((a, b) => k[a] - k[b] || a - b);
      }
    }
    return true;
  }

  get headKey(): number {
    return this.key[this.order[this.head]];
  }
}

/**
 * Merges the sources into one pcapng, handing the output to `write` in batches (await-ed:
 * backpressure). Returns what was written. A source that cannot be read (or stops part-way)
 * contributes what it could and is listed in `errors`.
 */
export async function mergePcapng(sources: MergeSource[], opts: MergeOptions, write: (chunk: Uint8Array) => void | Promise<void>): Promise<MergeStats> {
  const offsets = opts.clockOffsets ?? {};
  let base = NaN;
  const keyOf = (rec: PacketRecord, src: MergeSource): number => {
    if (base !== base) base = rec.tsSec;
    return (rec.tsSec - base) * 1e9 + rec.tsNsec + Math.round((offsets[src.device] ?? 0) * 1e9);
  };
  const queues = sources.map((s, i) => new SourceQueue(s, i, keyOf));
  const writer = new PcapngWriter({ application: opts.application ?? 'stagediff' });
  const batchBytes = opts.batchBytes ?? 1 << 20;
  let out = new Uint8Array(batchBytes);
  let pos = 0;
  const stats: MergeStats = { packets: 0, perSource: sources.map(() => 0), comments: 0, interfaces: [], errors: [], bytes: 0 };
  const flush = async () => {
    if (pos === 0) return;
    const chunk = out.slice(0, pos);
    stats.bytes += pos;
    pos = 0;
    await write(chunk);
  };
  const emit = async (block: Uint8Array) => {
    if (pos + block.length > out.length) await flush();
    if (block.length > out.length) {
      stats.bytes += block.length;
      await write(block);
      return;
    }
    out.set(block, pos);
    pos += block.length;
  };
  await emit(writer.sectionHeader());
  const ifaceIds = new Map<string, number>();
  const packetComments = opts.comments?.packets ?? new Map<string, Map<number, string[]>>();
  // Range notes, resolved to keys once the base is known.
  let pending: { key: number; device?: string; text: string }[] | null = null;
  const comments: string[] = [];

  const describe = async (q: SourceQueue, iface: number, linkType: number): Promise<number> => {
    const ikey = `${q.index}:${iface}`;
    let iid = ifaceIds.get(ikey);
    if (iid !== undefined) return iid;
    iid = ifaceIds.size;
    ifaceIds.set(ikey, iid);
    const multi = q.reader.interfaces.length > 1;
    const name = `${q.src.device} ${q.src.stage}${multi ? ` #${iface}` : ''}`;
    const off = offsets[q.src.device];
    const srcName = q.reader.interfaces[iface]?.name;
    await emit(
      writer.interfaceDescription({
        linkType,
        name,
        description: q.src.path,
        comment: [
          `stagediff capture point ${q.src.device} ${q.src.stage} from ${q.src.path}`,
          srcName ? `source interface ${srcName}` : '',
          off ? `clock offset ${off > 0 ? '+' : ''}${off} s applied to its timestamps` : '',
        ].filter(Boolean).join('; '),
        tsResolution: 9,
        snapLen: 262144,
      }),
    );
    stats.interfaces.push({ name, linkType, path: q.src.path });
    return iid;
  };

  // Every capture point gets its interface up front, in capture order, even one with no packets
  // (its file header names the link type); interfaces first met later are described on the way.
  for (const q of queues) {
    await q.fill();
    const known = q.reader.interfaces;
    for (let k = 0; k < known.length; k++) await describe(q, k, known[k].linkType);
  }
  for (;;) {
    if (opts.signal?.aborted) throw new Error('cancelled');
    let best: SourceQueue | null = null;
    for (const q of queues) {
      if (q.head >= q.n) continue;
      if (!best || q.headKey < best.headKey) best = q;
    }
    if (!best) break;
    const q = best;
    const i = q.order[q.head];
    const key = q.key[i];
    const iid = await describe(q, q.iface[i], q.link[i]);
    if (pending === null) {
      pending = (opts.comments?.ranges ?? [])
        .map((r) => {
          const [s, n] = isoParts(r.from);
          return { key: (s - base) * 1e9 + n, ...(r.device ? { device: r.device } : {}), text: r.text };
        })
        .sort((a, b) => a.key - b.key);
    }
    comments.length = 0;
    const srcComment = q.comment[i];
    if (srcComment) comments.push(srcComment);
    const pc = packetComments.get(q.src.path)?.get(q.frame[i]);
    if (pc) comments.push(...pc);
    if (pending.length) {
      for (let k = 0; k < pending.length; k++) {
        const r = pending[k];
        if (r.key > key) break;
        if (r.device === undefined || r.device === q.src.device) {
          comments.push(r.text);
          pending.splice(k--, 1);
        }
      }
    }
    stats.comments += comments.length - (srcComment ? 1 : 0);
    // Timestamp on the common clock.
    const whole = Math.floor(key / 1e9);
    const tsSec = base + whole;
    const tsNsec = key - whole * 1e9;
    const size = writer.enhancedPacketSize(iid, q.len[i], comments.length ? comments : null);
    if (pos + size > out.length) {
      await flush();
      if (size > out.length) out = new Uint8Array(size);
    }
    pos = writer.writeEnhancedPacket(out, pos, iid, tsSec, tsNsec, q.arena, q.off[i], q.len[i], q.orig[i], comments.length ? comments : null);
    stats.packets++;
    stats.perSource[q.index]++;
    q.head++;
    if (q.head >= q.n) await q.fill();
  }
  await flush();
  for (const q of queues) {
    if (q.error) stats.errors.push({ path: q.src.path, offset: q.error.offset, message: q.error.message });
  }
  return stats;
}
