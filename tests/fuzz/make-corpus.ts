/**
 * Builds the committed seed corpus (tests/fuzz/corpus/) and its SOURCES.md:
 *   npx tsx tests/fuzz/make-corpus.ts
 *
 * corpus/reader/  whole capture files: small public captures (copied byte for byte, only from
 *                 repositories whose licence covers them, see SOURCES.md) and generated incidents
 *                 in every file variant (cut after their first records, at a record boundary).
 * corpus/decode/  single packets for the decode target: byte 0 = index of the link type in
 *                 DECODED_LINK_TYPES, byte 1 = snapshot cut (0 = none), then the packet bytes,
 *                 taken from the reader corpus (plus the IP packets of Ethernet frames, to seed the
 *                 raw-IP link types 101, 228 and 229).
 * Deterministic: running it again gives the same files.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { CaptureReader } from '../../shared/readers/reader.ts';
import { PUBLIC_DIR, concat, epb, idb, opt, pb, shb, spb, tsoffset, tsresol, unitBoundaries, utf8 } from '../readers/support.ts';
import { generateScenario, SCENARIOS, VARIANTS } from '../gen/scenarios.ts';
import { DECODED_LINK_TYPES } from './targets.ts';

const OUT = join(import.meta.dirname, 'corpus');
const MAX_PUBLIC = 12 * 1024;
const MAX_GENERATED = 6 * 1024;
const MAX_PACKETS_PER_FILE = 4;

/** Repositories whose licence text we reproduce in SOURCES.md (see there). */
const LICENSED = ['zeek_', 'sv_', 'pcapngtg_'];
/** Traces added to those repositories by third parties who stated no licence (public SOURCES.md notes). */
const NO_LICENCE = new Set(['zeek_geneve.pcap', 'zeek_docker-http-upgrade.pcap', 'zeek_geneve-tagged-udp-packet.pcap', 'sv_bug-6875-01_fuzz.pcap']);

function publicFiles(): string[] {
  return readdirSync(PUBLIC_DIR)
    .filter((n) => /\.pcap(ng)?$/.test(n) && LICENSED.some((p) => n.startsWith(p)) && !NO_LICENCE.has(n))
    .filter((n) => readFileSync(join(PUBLIC_DIR, n)).length <= MAX_PUBLIC)
    .sort();
}

/** The file cut at the last unit boundary at or below `max` bytes (at least the first record). */
function head(bytes: Uint8Array, max: number): Uint8Array {
  const bounds = unitBoundaries(bytes);
  let cut = bounds[Math.min(bounds.length - 1, 3)];
  for (const b of bounds) if (b <= max && b > cut) cut = b;
  return bytes.slice(0, cut);
}

function packetsOf(bytes: Uint8Array): { linkType: number; data: Uint8Array; snapped: boolean }[] {
  const out: { linkType: number; data: Uint8Array; snapped: boolean }[] = [];
  const r = new CaptureReader({
    record(rec) {
      out.push({ linkType: rec.linkType, data: rec.bytes.slice(rec.offset, rec.offset + rec.capLen), snapped: rec.capLen < rec.origLen });
    },
    fatal() {},
  });
  r.push(bytes);
  r.end();
  return out;
}

function main(): void {
  rmSync(OUT, { recursive: true, force: true });
  const readerDir = join(OUT, 'reader');
  const decodeDir = join(OUT, 'decode');
  mkdirSync(readerDir, { recursive: true });
  mkdirSync(decodeDir, { recursive: true });

  const readerFiles: { name: string; bytes: Uint8Array }[] = [];
  const pub = publicFiles();
  for (const n of pub) readerFiles.push({ name: n, bytes: new Uint8Array(readFileSync(join(PUBLIC_DIR, n))) });
  const generated: string[] = [];
  for (const v of VARIANTS) {
    const g = generateScenario('gwlb-incident', v);
    for (const f of g.files) {
      if (f.fileName.startsWith('PA-VM-1_receive') || f.fileName.startsWith('PA-VM-2_drop')) {
        const name = `gen_gwlb-incident_${v}_${f.fileName}`;
        readerFiles.push({ name, bytes: head(f.bytes, MAX_GENERATED) });
        generated.push(name);
      }
    }
  }
  for (const s of SCENARIOS) {
    if (s === 'gwlb-incident') continue;
    const g = generateScenario(s);
    const f = g.files.find((x) => x.bytes.length > 200) ?? g.files[0];
    const name = `gen_${s}_default_${f.fileName}`;
    readerFiles.push({ name, bytes: head(f.bytes, MAX_GENERATED) });
    generated.push(name);
  }
  for (const f of built()) {
    readerFiles.push(f);
    generated.push(f.name);
  }
  for (const f of readerFiles) writeFileSync(join(readerDir, f.name), f.bytes);

  // Decode seeds: a few distinct packets per file, deduplicated by content.
  const seen = new Set<string>();
  let nDecode = 0;
  const writeSeed = (lt: number, snapped: boolean, data: Uint8Array, tag: string) => {
    const li = DECODED_LINK_TYPES.indexOf(lt as (typeof DECODED_LINK_TYPES)[number]);
    if (li < 0 || data.length > 16384) return;
    const seed = new Uint8Array(2 + data.length);
    seed[0] = li;
    seed[1] = snapped ? 200 : 0;
    seed.set(data, 2);
    const h = createHash('sha1').update(seed).digest('hex').slice(0, 12);
    if (seen.has(h)) return;
    seen.add(h);
    writeFileSync(join(decodeDir, `lt${lt}-${tag}-${h}`), seed);
    nDecode++;
  };
  for (const f of readerFiles) {
    const pk = packetsOf(f.bytes);
    const step = Math.max(1, Math.floor(pk.length / MAX_PACKETS_PER_FILE));
    for (let i = 0, k = 0; i < pk.length && k < MAX_PACKETS_PER_FILE; i += step, k++) {
      const p = pk[i];
      const tag = f.name.replace(/\.(pcap|pcapng)$/, '');
      writeSeed(p.linkType, p.snapped, p.data, tag);
      // Raw IP (101; 228 for IPv4, 229 for IPv6) from untagged Ethernet frames.
      if (p.linkType === 1 && p.data.length > 14) {
        const type = (p.data[12] << 8) | p.data[13];
        if (type === 0x0800 || type === 0x86dd) {
          const ip = p.data.subarray(14);
          writeSeed(k % 2 === 0 ? 101 : type === 0x0800 ? 228 : 229, p.snapped, ip, `${tag}-raw`);
        }
      }
    }
  }

  writeFileSync(join(OUT, 'SOURCES.md'), sources(pub, generated));
  let total = 0;
  for (const d of [readerDir, decodeDir]) for (const n of readdirSync(d)) total += readFileSync(join(d, n)).length;
  process.stdout.write(`${readerFiles.length} reader seeds, ${nDecode} decode seeds, ${total} bytes\n`);
}

/** Hand-built pcapng files for what neither the public nor the generated captures contain. */
function built(): { name: string; bytes: Uint8Array }[] {
  const eth = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0, 53, 0, 8, 0, 0]);
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const le of [true, false]) {
    const o = le ? 'le' : 'be';
    out.push({
      name: `built_pcapng-${o}_packet-block-comments.pcapng`,
      bytes: concat(
        shb(le, [opt(4, utf8('stagediff'))]),
        idb(le, 1, 0, [opt(2, utf8('eth0 \u00e9\u4e2d')), tsresol(0x94), tsoffset(le, 3600n)]),
        pb(le, 0, 123456789n, eth, 60, [opt(1, utf8('caf\u00e9 \u20ac \u{1f600}'))]),
        epb(le, 0, 123456790n, eth, 60, [opt(1, utf8('one')), opt(1, Uint8Array.from([0xe2, 0x82, 0xff, 0xf0, 0x9f]))]),
        idb(le, 276, 64, [tsresol(9)]),
        spb(le, 1000, new Uint8Array(64)),
        epb(le, 1, 0xffffffffffffn, new Uint8Array(20)),
      ),
    });
  }
  return out;
}

function sources(pub: string[], generated: string[]): string {
  const text = readFileSync(join(PUBLIC_DIR, 'SOURCES.md'), 'utf8');
  const lines = text.split('\n');
  const header = lines.filter((l) => l.startsWith('| File |') || l.startsWith('|---'));
  const rows = pub.map((n) => {
    const row = lines.find((l) => l.startsWith(`| ${n} |`));
    if (!row) throw new Error(`${n}: no row in ${PUBLIC_DIR}SOURCES.md`);
    return row;
  });
  const snapshots = lines.filter((l) => /^- `(zeek|sv|pcapngtg)` = /.test(l));
  return `# Fuzzing seed corpus: sources

Written by \`npx tsx tests/fuzz/make-corpus.ts\`; do not edit by hand.

## reader/: public captures

Copied unmodified (byte for byte) from \`../shared/captures/public/\`, which took them from the
public repositories below. Only captures of at most ${MAX_PUBLIC} bytes from repositories whose
licence is reproduced here (BSD-3-Clause, MIT) are copied; traces that third parties added to
those repositories without stating a licence (per the notes in shared/captures/public/SOURCES.md:
${[...NO_LICENCE].join(', ')}) are left out. The rows are those of
shared/captures/public/SOURCES.md.

${snapshots.join('\n')}

${header.join('\n')}
${rows.join('\n')}

## reader/: generated captures

Made by this project's scenario generator (tests/gen/scenarios.ts, MIT like the rest of
stagediff), cut after their first records (at a record or block boundary) to stay small, and
(\`built_*\`) built block by block in make-corpus.ts for what no other file has (obsolete Packet
Blocks, multi-byte and broken UTF-8 comments, binary tsresol, if_tsoffset):

${generated.map((g) => `- ${g}`).join('\n')}

## decode/

Single packets taken from the reader/ files above (file name: \`lt<LINKTYPE>-<source file>-<hash>\`;
\`-raw\` = the IP packet of an Ethernet frame, to seed the raw-IP link types). Same sources and
licences as the file they come from.

## Licences of the public captures

### zeek/zeek (COPYING): the \`zeek_*\` files

\`\`\`
Copyright (c) 1995-now, The Regents of the University of California
through the Lawrence Berkeley National Laboratory and the
International Computer Science Institute. All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

(1) Redistributions of source code must retain the above copyright
    notice, this list of conditions and the following disclaimer.

(2) Redistributions in binary form must reproduce the above copyright
    notice, this list of conditions and the following disclaimer in the
    documentation and/or other materials provided with the distribution.

(3) Neither the name of the University of California, Lawrence Berkeley
    National Laboratory, U.S. Dept. of Energy, International Computer
    Science Institute, nor the names of contributors may be used to endorse
    or promote products derived from this software without specific prior
    written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
ARE DISCLAIMED.  IN NO EVENT SHALL THE COPYRIGHT OWNER OR CONTRIBUTORS BE
LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR
CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS
INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN
CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE)
ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE
POSSIBILITY OF SUCH DAMAGE.

Note that some files in the distribution may carry their own copyright
notices.
\`\`\`

### OISF/suricata-verify (LICENSE.txt): the \`sv_*\` files

\`\`\`
Copyright (C) 2017-2021 Open Information Security Foundation

${MIT}
\`\`\`

### hadrielk/pcapng-test-generator (LICENSE): the \`pcapngtg_*\` files

\`\`\`
The MIT License (MIT)

Copyright (c) 2015 Hadriel Kaplan

${MIT}
\`\`\`
`;
}

const MIT = `Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`;

main();
