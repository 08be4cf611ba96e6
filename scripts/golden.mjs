#!/usr/bin/env node
// Regenerates the golden files tests/golden.test.ts compares `stagediff packets --json` against.
// Run by hand where tshark 4.0 is installed (the tests never call tshark):
//   node scripts/golden.mjs              # every public capture + the generated ones
//   node scripts/golden.mjs NAME...      # only these public captures (file names)
//
// For every capture in ../shared/captures/public/ (relative to the repo root), the hand-built
// edge cases of tests/decode/edge-captures.ts (tests/golden/edge/) and the generated scenarios
// listed in GENERATED, it runs
//   tshark -r FILE -T fields -E occurrence=a -E separator=/t -E aggregator=, -e FIELD...
// with the options in TSHARK_OPTIONS and writes tests/golden/<file>.json (generated captures:
// tests/golden/generated/<scenario>/<variant>/<file>.json). Values are converted to the JSON
// types our CLI prints (hex "0x0018" -> 24, "4660" -> 4660); a field tshark lists several times
// becomes an array, outer first; an empty field is null (absent).
//
// Why these tshark options (the fair comparison; see docs/decisions.md, "Where we differ from
// tshark"):
// - ip.defragment / ipv6.defragment FALSE: the decoder looks at one packet at a time, so a
//   first fragment shows the transport header and later fragments show none. With reassembly
//   on, tshark moves the transport fields to the last fragment instead.
// - Heuristic dissectors stay on (tshark's defaults): they can only add occurrences, which the
//   comparison then shows.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const publicDir = join(root, '..', 'shared', 'captures', 'public');
const outDir = join(root, 'tests', 'golden');
const genCli = join(root, 'tests', 'gen', 'cli.ts');
const edgeCli = join(root, 'tests', 'decode', 'edge-captures.ts');

/** The CLI contract's fields (issue 2), plus a few more our CLI prints. */
export const FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id',
  'eth.src', 'eth.dst', 'vlan.id',
  'ip.src', 'ip.dst', 'ip.id', 'ip.proto',
  'ipv6.src', 'ipv6.dst',
  'udp.srcport', 'udp.dstport',
  'vxlan.vni',
  'geneve.vni', 'geneve.proto_type', 'geneve.option.class', 'geneve.option.type',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len', 'tcp.window_size_value',
  'icmp.type', 'icmp.code', 'icmpv6.type', 'icmpv6.code',
];
/** Read but not written to the golden files: records without an encapsulation are not packets. */
const EXTRA = ['frame.encap_type'];

const TSHARK_OPTIONS = ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE'];

/**
 * Generated captures: scenario x variant. The test regenerates the capture in memory with
 * tests/gen/scenarios.ts and checks its sha256 first, so a changed generator says "rerun
 * scripts/golden.mjs" rather than reporting decoder differences.
 */
export const GENERATED = [
  ['gwlb-incident', 'pcap-le-us'],
  ['gwlb-incident', 'pcapng-be-ns'],
  ['gwlb-incident-v6-skew', 'pcap-be-ns'],
];

const version = execFileSync('tshark', ['-v']).toString().split('\n')[0].trim();
if (!/^TShark \(Wireshark\) 4\.0\./.test(version)) {
  process.stderr.write(`warning: golden files are meant to come from tshark 4.0, this is: ${version}\n`);
}

/** tshark text -> the JSON value our CLI prints. */
function convert(field, text) {
  if (field === 'frame.time_epoch') return text;
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text, 16);
  if (/^-?\d+$/.test(text)) return Number(text);
  return text;
}

function runTshark(file) {
  const args = ['-r', file, '-n', ...TSHARK_OPTIONS, '-T', 'fields', '-E', 'occurrence=a', '-E', 'separator=/t',
    '-E', 'aggregator=,', '-E', 'quote=n'];
  for (const f of [...FIELDS, ...EXTRA]) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const stderr = r.stderr.replace(/Running as user "[^"]*" and group "[^"]*"\. This could be dangerous\./g, '')
    .split(dirname(file) + '/').join('').split('\n').map((l) => l.trim()).filter(Boolean).join(' ') || null;
  const packets = [];
  let nonPacketRecords = 0;
  const all = [...FIELDS, ...EXTRA];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const cols = line.split('\t');
    const row = {};
    for (let i = 0; i < all.length; i++) {
      const text = cols[i] ?? '';
      if (text === '') continue;
      const vals = text.split(',').map((t) => convert(all[i], t));
      row[all[i]] = vals.length === 1 ? vals[0] : vals;
    }
    // pcapng custom blocks etc.: tshark numbers them as frames, our reader skips them.
    if (row['frame.encap_type'] === undefined) { nonPacketRecords++; continue; }
    delete row['frame.encap_type'];
    packets.push(row);
  }
  return { status: r.status, stderr, nonPacketRecords, packets };
}

function writeGolden(path, name, bytes, result) {
  mkdirSync(dirname(path), { recursive: true });
  const head = {
    tshark: version,
    options: TSHARK_OPTIONS.filter((o) => o !== '-o'),
    file: name,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    status: result.status,
    stderr: result.stderr,
    nonPacketRecords: result.nonPacketRecords,
  };
  // Columnar, one packet per line (small files, small diffs): packets[i][j] is FIELDS[j] of
  // packet i, null when tshark printed nothing; trailing nulls are dropped.
  const rows = result.packets.map((p) => {
    const row = FIELDS.map((f) => (p[f] === undefined ? null : p[f]));
    while (row.length && row[row.length - 1] === null) row.pop();
    return JSON.stringify(row);
  });
  const text = `${JSON.stringify({ ...head, fields: FIELDS }).slice(0, -1)},"packets":[\n${rows.join(',\n')}\n]}\n`;
  writeFileSync(path, text);
  return result.packets.length;
}

const only = process.argv.slice(2);
let files = 0;
let packets = 0;
for (const name of readdirSync(publicDir).filter((n) => /\.(pcap|pcapng)$/.test(n)).sort()) {
  if (only.length && !only.includes(name)) continue;
  const file = join(publicDir, name);
  packets += writeGolden(join(outDir, `${name}.json`), name, readFileSync(file), runTshark(file));
  files++;
}

// ---- hand-built edge cases (tests/decode/edge-captures.ts) -> tests/golden/edge/ ----
if (only.length === 0) {
  rmSync(join(outDir, 'edge'), { recursive: true, force: true });
  const tmp = mkdtempSync(join(tmpdir(), 'stagediff-edge-'));
  try {
    execFileSync('npx', ['tsx', edgeCli, tmp], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    for (const name of readdirSync(tmp).filter((n) => /\.(pcap|pcapng)$/.test(n)).sort()) {
      const file = join(tmp, name);
      packets += writeGolden(join(outDir, 'edge', `${name}.json`), name, readFileSync(file), runTshark(file));
      files++;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- generated captures (tests/gen) ----
// HOOK: when tests/gen/cli.ts is missing the generated goldens are skipped with a warning; the
// test then skips them too (it looks for tests/golden/generated/).
if (only.length === 0) {
  if (!existsSync(genCli)) {
    process.stderr.write('warning: tests/gen/cli.ts not found: generated captures skipped\n');
  } else {
    rmSync(join(outDir, 'generated'), { recursive: true, force: true });
    const tmp = mkdtempSync(join(tmpdir(), 'stagediff-golden-'));
    try {
      for (const [scenario, variant] of GENERATED) {
        const dir = join(tmp, scenario, variant);
        execFileSync('npx', ['tsx', genCli, scenario, variant, dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
        for (const name of readdirSync(dir).filter((n) => /\.(pcap|pcapng)$/.test(n)).sort()) {
          const file = join(dir, name);
          packets += writeGolden(join(outDir, 'generated', scenario, variant, `${name}.json`), name, readFileSync(file), runTshark(file));
          files++;
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}
console.log(`${version}: wrote ${files} golden files, ${packets} packets, to ${outDir}`);
