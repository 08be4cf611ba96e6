// Dev tool: differential fuzzing of the index's WebAssembly core against the JavaScript indexer.
// Mutates small public captures and generated scenarios (bytes, bits, 16-bit words), indexes each
// both ways, and keeps every input the core takes but indexes differently (or throws on) as
// OUT/core-fuzz-diff-N.bin. SECS (120), SEED, OUT (tmpdir), PUBLIC (../shared/captures/public)
// from the environment; built into dist/ so that it finds dist/index-core.wasm, run from the root:
//   node scripts/dev/build-dev.mjs scripts/dev/core-fuzz.ts dist/core-fuzz.mjs && node dist/core-fuzz.mjs
// (Found an original length past 2^31 reaching the full decoder as a negative number.)
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { indexWithCore } from '../../shared/node/index-core.ts';
import { indexFile } from '../../shared/node/file-source.ts';
import { plainIndex } from '../../tests/support/plain-index.ts';
import { generateScenario, SCENARIOS, VARIANTS } from '../../tests/gen/scenarios.ts';
import { isDeepStrictEqual } from 'node:util';
import { tmpdir } from 'node:os';

{
  const seeds: Uint8Array[] = [];
  const pub = process.env.PUBLIC ?? join(process.cwd(), '..', 'shared', 'captures', 'public');
  for (const n of readdirSync(pub)) if (/\.(pcap|pcapng|cap)$/.test(n) && statSync(join(pub, n)).size < 200_000) seeds.push(readFileSync(join(pub, n)));
  for (const v of VARIANTS) for (const s of SCENARIOS.slice(0, 6)) for (const f of generateScenario(s, v).files.slice(0, 2)) if (f.bytes.length < 300_000) seeds.push(f.bytes);
  let seed = Number(process.env.SEED ?? 7);
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const t0 = Date.now();
  let tried = 0, taken = 0, diffs = 0;
  const out = process.env.OUT ?? tmpdir();
  const path = join(out, 'core-fuzz-input.bin');
  while (Date.now() - t0 < Number(process.env.SECS ?? 120) * 1000) {
    const base = seeds[Math.floor(rnd() * seeds.length)];
    const b = Buffer.from(base);
    const k = 1 + Math.floor(rnd() * 6);
    for (let j = 0; j < k; j++) {
      const at = 24 + Math.floor(rnd() * Math.max(1, b.length - 24));
      const r = rnd();
      if (r < 0.6) b[at] = Math.floor(rnd() * 256);
      else if (r < 0.8) b[at] ^= 1 << Math.floor(rnd() * 8);
      else b.writeUInt16BE(Math.floor(rnd() * 65536), Math.min(at, b.length - 2));
    }
    writeFileSync(path, b);
    tried++;
    const fh = await open(path, 'r');
    const r = await indexWithCore(fh.fd, (await fh.stat()).size).catch((e) => ({ ix: null, why: 'THROW ' + e.message }));
    await fh.close();
    if (r.why.startsWith('THROW')) { diffs++; writeFileSync(join(out, `core-fuzz-throw-${diffs}.bin`), b); console.log('core threw', r.why); continue; }
    if (!r.ix) continue;
    taken++;
    const js = await indexFile(path, undefined, undefined, { shared: true, sync: true, lean: true });
    const a = plainIndex(r.ix), c = plainIndex(js);
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(c)))) {
      diffs++;
      writeFileSync(join(out, `core-fuzz-diff-${diffs}.bin`), b);
      const keys = Object.keys(c).filter((x) => JSON.stringify(a[x]) !== JSON.stringify(c[x]));
      console.log('DIFF', diffs, keys.join(','));
      if (diffs > 20) break;
    }
  }
  console.log(`tried ${tried}, taken ${taken}, diffs ${diffs}`);
}
