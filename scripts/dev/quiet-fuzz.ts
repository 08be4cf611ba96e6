// Dev tool: differential fuzzing of the CLI analysis threads' WebAssembly path (the lean model and
// the quiet flows' module) against the JavaScript analysis. Takes pairs of capture files (a
// device's receive and transmit stage: the generated scenarios' and bulk traffic's), mutates one
// or both (bytes flipped, records dropped, duplicated or swapped, times shifted), indexes them,
// analyses them both ways (analyzePart with and without the hooks, the indexes packed as the
// workers get them) and keeps every pair whose records or findings differ, or that throws, as
// OUT/quiet-fuzz-N-{rx,tx}.pcap. SECS (120), SEED, OUT (tmpdir) from the environment; built into
// dist/ so that it finds the .wasm modules, run from the root:
//   node scripts/dev/build-dev.mjs scripts/dev/quiet-fuzz.ts dist/quiet-fuzz.mjs && node dist/quiet-fuzz.mjs
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { analyzePart, useQuietFlows, type AnalysisBlock } from '../../shared/engine/analyze.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../shared/engine/settings.ts';
import { packIndex } from '../../shared/engine/packed-flows.ts';
import { useFlowIds } from '../../shared/engine/model.ts';
import { wasmFlowIds } from '../../shared/node/flow-ids.ts';
import { wasmQuietFlows } from '../../shared/node/quiet-flows.ts';
import { generateScenario, SCENARIOS, writeBulk } from '../../tests/gen/scenarios.ts';
import { inputOf } from '../../tests/support/analyze-bytes.ts';
import type { Stage } from '../../shared/api/analysis.ts';
import { pcapRecords, SHORT_TIMERS } from '../../tests/support/pcap-records.ts';

const out = process.env.OUT ?? tmpdir();
let seed = Number(process.env.SEED ?? 11);
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;

/** Pairs of (receive, transmit) classic little-endian pcap files of one device. */
const pairs: [Uint8Array, Uint8Array][] = [];
for (const s of SCENARIOS) {
  const g = generateScenario(s, 'pcap-le-us');
  for (const rx of g.files.filter((f) => f.stage === 'receive')) {
    const tx = g.files.find((f) => f.stage === 'transmit' && f.device === rx.device);
    if (tx) pairs.push([rx.bytes, tx.bytes]);
  }
}
{
  const parts: Uint8Array[][] = [[], [], [], []];
  const s = await writeBulk(2e6, 'pcap-le-us', { write: (file, chunk) => void parts[file].push(chunk.slice()) });
  const files = s.files.map((f, i) => ({ ...f, bytes: Buffer.concat(parts[i]) }));
  for (const rx of files.filter((f) => f.stage === 'receive')) pairs.push([rx.bytes, files.find((f) => f.stage === 'transmit' && f.device === rx.device)!.bytes]);
}

function mutate(bytes: Uint8Array): Uint8Array {
  const recs = pcapRecords(bytes).map((r) => Buffer.from(r));
  const outRecs: Buffer[] = [];
  const rate = [0.001, 0.01, 0.05][Math.floor(rnd() * 3)];
  for (let i = 0; i < recs.length; i++) {
    const u = rnd();
    const r = recs[i];
    if (u < rate) continue;
    if (u < 2 * rate) outRecs.push(r, r);
    else if (u < 3 * rate && i + 1 < recs.length) {
      outRecs.push(recs[i + 1], r);
      i++;
    } else if (u < 4 * rate) {
      // A time shifted by up to +-0.1 s (microseconds field; a carry into the seconds is fine).
      const c = Buffer.from(r);
      c.writeUInt32LE(Math.max(0, Math.min(999_999, c.readUInt32LE(4) + Math.floor((rnd() - 0.5) * 200_000))), 4);
      outRecs.push(c);
    } else if (u < 5 * rate && r.length > 40) {
      // A byte of the packet (past the record header) flipped.
      const c = Buffer.from(r);
      c[16 + Math.floor(rnd() * (r.length - 16))] ^= 1 << Math.floor(rnd() * 8);
      outRecs.push(c);
    } else outRecs.push(r);
  }
  return Buffer.concat([bytes.subarray(0, 24), ...outRecs]);
}


async function run(rx: Uint8Array, tx: Uint8Array, settings: Settings, hooks: boolean): Promise<unknown[]> {
  useFlowIds(hooks ? wasmFlowIds() : null);
  const q = hooks ? wasmQuietFlows() : null;
  useQuietFlows(
    q && {
      begin: (m) => q.begin(m),
      block: (lean, from, end) => q.block!(lean, from, end),
      lean(lean, i, r) {
        offered++;
        const ok = q.lean(lean, i, r);
        if (ok) taken++;
        return ok;
      },
    },
  );
  const inputs = [inputOf('fw', 'receive' as Stage, rx, 'rx.pcap'), inputOf('fw', 'transmit' as Stage, tx, 'tx.pcap')].map((x) => ({ ...x, ix: packIndex(x.ix) }));
  const got: unknown[] = [];
  await analyzePart(inputs, { settings }, 0, 1, true, (b: AnalysisBlock) => {
    const r = b.records!;
    got.push(JSON.parse(JSON.stringify({ nums: Array.from(r.nums, (x) => (Number.isNaN(x) ? 'NaN' : x)), text: r.text, lens: Array.from(r.lens), findings: b.findings })));
  });
  return got;
}

let offered = 0;
let taken = 0;
const t0 = Date.now();
let tried = 0;
let diffs = 0;
while (Date.now() - t0 < Number(process.env.SECS ?? 120) * 1000) {
  const [rx0, tx0] = pairs[Math.floor(rnd() * pairs.length)];
  const which = Math.floor(rnd() * 3);
  const rx = which !== 1 ? mutate(rx0) : rx0;
  const tx = which !== 0 ? mutate(tx0) : tx0;
  const settings = rnd() < 0.5 ? DEFAULT_SETTINGS : SHORT_TIMERS;
  tried++;
  let same = false;
  let why = '';
  try {
    same = isDeepStrictEqual(await run(rx, tx, settings, true), await run(rx, tx, settings, false));
    why = 'records differ';
  } catch (e) {
    why = `threw: ${(e as Error).message}`;
  }
  if (!same) {
    diffs++;
    writeFileSync(join(out, `quiet-fuzz-${diffs}-rx.pcap`), rx);
    writeFileSync(join(out, `quiet-fuzz-${diffs}-tx.pcap`), tx);
    console.log('DIFF', diffs, why, settings === SHORT_TIMERS ? '(short timers)' : '');
    if (diffs > 20) break;
  }
}
console.log(`tried ${tried} (flows: ${taken} of ${offered} quiet), diffs ${diffs}`);
