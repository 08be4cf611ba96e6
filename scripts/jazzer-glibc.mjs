#!/usr/bin/env node
/**
 * Makes Jazzer.js's prebuilt Linux x64 addon load on Debian 12 (glibc 2.36, libstdc++ of GCC 12).
 *
 * @jazzer.js/fuzzer 4.0.0 ships its libFuzzer addon prebuilt inside the npm package (nothing is
 * downloaded at install), but it was linked on a newer system and asks for three symbol versions
 * this machine does not have:
 *   - __isoc23_strtol / __isoc23_strtoul @ GLIBC_2.38: the C23 variants glibc 2.38 headers
 *     substitute for strtol / strtoul. They differ only in also accepting a "0b" prefix; libFuzzer
 *     uses them to parse its own -flag=NUMBER options. Renamed to strtol / strtoul @ GLIBC_2.2.5.
 *   - _ZSt21ios_base_library_initv @ GLIBCXX_3.4.32: GCC 13's <iostream> emits only a `.globl`
 *     reference to it (no relocation, never called) so that the binary refuses an older libstdc++,
 *     whose iostreams are set up by the program instead (node, which links libstdc++ and iostream,
 *     does). The version requirement is retargeted to GLIBCXX_3.4.30.
 *
 * The patch rewrites a few fields of the ELF dynamic tables in place (symbol name offsets, two
 * version-need entries); no code changes. It is idempotent and does nothing on a system that
 * already has the versions (it checks them with ldd-free means: it only patches when asked to by
 * a failed load). Remove this file once the machines run glibc >= 2.38 (Debian 13).
 *
 * Usage: node scripts/jazzer-glibc.mjs [--check]  (exit 0 when the addon loads afterwards)
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

export function addonPath() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  let pkg;
  try {
    pkg = require.resolve('@jazzer.js/fuzzer/package.json');
  } catch {
    return null;
  }
  const p = join(dirname(pkg), 'prebuilds', 'fuzzer-linux-x64.node');
  return existsSync(p) ? p : null;
}

/** Loads the addon in a child process (a failed dlopen cannot be retried in-process). */
async function loads(path) {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path)})`], { encoding: 'utf8' });
  return { ok: r.status === 0, err: r.stderr };
}

const RENAME = new Map([
  ['__isoc23_strtol', 'strtol'],
  ['__isoc23_strtoul', 'strtoul'],
]);
const RETARGET = new Map([
  ['GLIBC_2.38', 'GLIBC_2.2.5'],
  ['GLIBCXX_3.4.32', 'GLIBCXX_3.4.30'],
]);

/** Patches the ELF image in memory; returns the number of fields changed. */
export function patchElf(buf) {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.getUint32(0, false) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) throw new Error('not a little-endian ELF64 file');
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true);
  const shnum = v.getUint16(0x3c, true);
  const sections = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    sections.push({
      type: v.getUint32(o + 4, true),
      offset: Number(v.getBigUint64(o + 0x18, true)),
      size: Number(v.getBigUint64(o + 0x20, true)),
      link: v.getUint32(o + 0x28, true),
      info: v.getUint32(o + 0x2c, true),
      entsize: Number(v.getBigUint64(o + 0x38, true)),
    });
  }
  const dynsym = sections.find((s) => s.type === 11); // SHT_DYNSYM
  const verneed = sections.find((s) => s.type === 0x6ffffffe); // SHT_GNU_verneed
  if (!dynsym || !verneed) throw new Error('no .dynsym or .gnu.version_r');
  const strtab = sections[dynsym.link];
  const str = (off) => {
    let e = strtab.offset + off;
    while (buf[e] !== 0) e++;
    return new TextDecoder().decode(buf.subarray(strtab.offset + off, e));
  };
  let changed = 0;
  // Symbols: point the name at the suffix ("__isoc23_strtol" -> "strtol" is the same string + 9).
  for (let o = dynsym.offset; o < dynsym.offset + dynsym.size; o += 24) {
    const name = str(v.getUint32(o, true));
    const to = RENAME.get(name);
    if (to && name.endsWith(to)) {
      v.setUint32(o, v.getUint32(o, true) + name.length - to.length, true);
      changed++;
    }
  }
  // Version needs: make the entry for a missing version name an older one of the same library.
  let o = verneed.offset;
  for (let n = 0; n < verneed.info; n++) {
    const cnt = v.getUint16(o + 2, true);
    const aux = [];
    let a = o + v.getUint32(o + 8, true);
    for (let k = 0; k < cnt; k++) {
      aux.push({ at: a, hash: v.getUint32(a, true), name: str(v.getUint32(a + 8, true)), nameOff: v.getUint32(a + 8, true) });
      a += v.getUint32(a + 12, true);
    }
    for (const x of aux) {
      const want = RETARGET.get(x.name);
      if (!want) continue;
      const older = aux.find((y) => y.name === want);
      if (!older) throw new Error(`${x.name} needed but ${want} not found to stand in for it`);
      v.setUint32(x.at, older.hash, true);
      v.setUint32(x.at + 8, older.nameOff, true);
      changed++;
    }
    const next = v.getUint32(o + 12, true);
    if (next === 0) break;
    o += next;
  }
  return changed;
}

/** Makes the addon loadable if it is not. Returns null when fine, else a message. */
export async function ensureJazzerLoads() {
  const p = addonPath();
  if (p === null) return null; // other platforms: Jazzer.js's own prebuilt addon as shipped
  if ((await loads(p)).ok) return null;
  const buf = new Uint8Array(readFileSync(p));
  const n = patchElf(buf);
  if (n > 0) writeFileSync(p, buf);
  const after = await loads(p);
  return after.ok ? null : `Jazzer.js addon ${p} does not load: ${after.err.trim().split('\n')[0]}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const msg = await ensureJazzerLoads();
  if (msg) {
    console.error(msg);
    process.exit(1);
  }
  console.log('Jazzer.js addon loads');
}
