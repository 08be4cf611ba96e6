/**
 * A WebAssembly module of ours (built by scripts/build.mjs into dist/), instantiated in this
 * thread: found beside the bundle (dist/), or in dist/ from the sources (tests). Null when it is
 * not there (sources not built) or cannot be instantiated (no WebAssembly, too little address
 * space) or when STAGEDIFF_WASM=0 turns every module off: the callers then do the work in
 * JavaScript.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** STAGEDIFF_WASM=0: no module of ours is used (to compare, or to rule them out). */
export const WASM_OFF = process.env.STAGEDIFF_WASM === '0';

export function instantiate(file: string, imports: WebAssembly.Imports): WebAssembly.Exports | null {
  if (WASM_OFF) return null;
  const m = compiled(file);
  try {
    return m ? new WebAssembly.Instance(m, imports).exports : null;
  } catch {
    return null;
  }
}

const modules = new Map<string, WebAssembly.Module | null>();

/** The module compiled once per thread (an instance of it then costs little). */
function compiled(file: string): WebAssembly.Module | null {
  let m = modules.get(file);
  if (m !== undefined) return m;
  const here = [new URL(`./${file}`, import.meta.url), new URL(`../../dist/${file}`, import.meta.url)];
  const path = here.map((u) => fileURLToPath(u)).find((f) => existsSync(f));
  try {
    m = path ? new WebAssembly.Module(readFileSync(path)) : null;
  } catch {
    m = null;
  }
  modules.set(file, m);
  return m;
}

/**
 * Places in a module's memory one after another from `at`, each 8-byte aligned (where a caller
 * lays its tables out): place(bytes) gives the next one; place.end is where the last one ends.
 */
export function placer(at: number): { (bytes: number): number; end: number } {
  const place = (bytes: number): number => {
    const a = (place.end + 7) & ~7;
    place.end = a + bytes;
    return a;
  };
  place.end = at;
  return place;
}
