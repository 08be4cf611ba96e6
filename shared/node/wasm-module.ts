/**
 * A WebAssembly module of ours (built by scripts/build.mjs into dist/), instantiated in this
 * thread: found beside the bundle (dist/), or in dist/ from the sources (tests). Null when it is
 * not there (sources not built) or cannot be instantiated (no WebAssembly, too little address
 * space): the callers then do the work in JavaScript.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function instantiate(file: string, imports: WebAssembly.Imports): WebAssembly.Exports | null {
  const here = [new URL(`./${file}`, import.meta.url), new URL(`../../dist/${file}`, import.meta.url)];
  const path = here.map((u) => fileURLToPath(u)).find((f) => existsSync(f));
  try {
    return path ? new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), imports).exports : null;
  } catch {
    return null;
  }
}
