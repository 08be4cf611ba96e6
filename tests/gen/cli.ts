/**
 * Writes a generated scenario to disk:
 *   npx tsx tests/gen/cli.ts SCENARIO VARIANT OUTDIR      -> capture files + expected.json
 *   npx tsx tests/gen/cli.ts bulk VARIANT OUTDIR --bytes N -> ~N bytes over 4 files, streamed
 *   npx tsx tests/gen/cli.ts all OUTDIR                    -> every scenario x variant in OUTDIR/SCENARIO/VARIANT
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { BULK_FILES, DEFAULT_VARIANT, SCENARIOS, writeBulk, VARIANTS, generateScenario, isVariant, type ScenarioName, type Variant } from './scenarios.ts';

function usage(message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(
    `usage: cli.ts SCENARIO VARIANT OUTDIR | cli.ts bulk VARIANT OUTDIR --bytes N | cli.ts all OUTDIR\n` +
      `  scenarios: ${SCENARIOS.join(' ')}\n  variants: ${VARIANTS.join(' ')} (or "default")\n`,
  );
  process.exit(2);
}

function writeScenario(name: ScenarioName, variant: Variant, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  const { files, expected } = generateScenario(name, variant);
  for (const f of files) writeFileSync(join(outDir, f.fileName), f.bytes);
  writeFileSync(join(outDir, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
  process.stdout.write(`${outDir}: ${files.map((f) => `${f.fileName} (${f.bytes.length} B)`).join(', ')}; ${expected.findings.length} finding(s) expected\n`);
}

function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]i?b?)?$/i.exec(s.trim());
  if (!m) usage(`bad --bytes ${s}`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.round(Number(m[1]) * mult);
}

function writeChunk(stream: WriteStream, chunk: Uint8Array): Promise<void> | void {
  if (stream.write(chunk)) return;
  return new Promise((resolve) => stream.once('drain', () => resolve()));
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (!cmd) usage();
  if (cmd === 'all') {
    const out = rest[0] ?? usage('missing OUTDIR');
    for (const s of SCENARIOS) for (const v of VARIANTS) writeScenario(s, v, join(out, s, v));
    return;
  }
  if (cmd === 'bulk') {
    const [variantArg, outDir] = rest;
    const i = rest.indexOf('--bytes');
    const bytes = i >= 0 ? parseBytes(rest[i + 1] ?? '') : 64 * 1024 * 1024;
    if (!variantArg || !outDir || !isVariant(variantArg)) usage('bulk needs VARIANT and OUTDIR');
    mkdirSync(outDir, { recursive: true });
    const ext = variantArg.startsWith('pcapng') ? 'pcapng' : 'pcap';
    const streams = BULK_FILES.map((f) => createWriteStream(join(outDir, `${f.device}_${f.stage}.${ext}`)));
    const started = performance.now();
    const summary = await writeBulk(bytes, variantArg, { write: (file, chunk) => writeChunk(streams[file], chunk) });
    await Promise.all(streams.map((s) => new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())))));
    const secs = (performance.now() - started) / 1000;
    writeFileSync(join(outDir, 'bulk.json'), `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`${outDir}: ${summary.bytes} B, ${summary.packets} packets, ${summary.flows} flows in ${secs.toFixed(2)} s (${(summary.bytes / 1e6 / secs).toFixed(0)} MB/s)\n`);
    return;
  }
  if (!(SCENARIOS as readonly string[]).includes(cmd)) usage(`unknown scenario ${cmd}`);
  const [variantArg, outDir] = rest;
  if (!variantArg || !outDir) usage('missing VARIANT or OUTDIR');
  const variant = variantArg === 'default' ? DEFAULT_VARIANT[cmd as ScenarioName] : variantArg;
  if (!isVariant(variant)) usage(`unknown variant ${variantArg}`);
  writeScenario(cmd as ScenarioName, variant, outDir);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
