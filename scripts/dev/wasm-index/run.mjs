// Dev prototype runner: builds core.ts with AssemblyScript (devDependency) into bench-data/, then
// indexes each pcap file given (little-endian, microsecond) with it, reading 4 MB at a time
// straight into the module's memory, and prints packets, flows and milliseconds per file.
import { readFileSync, openSync, readSync, closeSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
const root = join(import.meta.dirname, '..', '..', '..');
const out = join(root, 'bench-data', 'wasm-index.wasm');
mkdirSync(join(root, 'bench-data'), { recursive: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js'), join(import.meta.dirname, 'core.ts'), '-O3', '--noAssert', '--runtime', 'stub', '--initialMemory', '1', '-o', out], { stdio: ['ignore', 'ignore', 'inherit'] });
const t00 = performance.now();
const mod = new WebAssembly.Module(readFileSync(out));
const tc = performance.now() - t00;
for (const file of process.argv.slice(2)) {
  const inst = new WebAssembly.Instance(mod, { env: { abort() { throw new Error('abort'); } } });
  const x = inst.exports;
  const need = x.MEMORY_END.value;
  const mem = x.memory;
  mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536) + 1);
  const IN = 1 << 20, CHUNK = 4 << 20;
  const t0 = performance.now();
  x.reset();
  const fd = openSync(file, 'r');
  const hdr = Buffer.alloc(24);
  readSync(fd, hdr, 0, 24, 0);
  let pos = 24, carry = 0;
  const u8 = new Uint8Array(mem.buffer);
  for (;;) {
    const got = readSync(fd, u8, IN + carry, CHUNK, pos);
    if (got === 0) break;
    pos += got;
    const avail = carry + got;
    const used = x.run(avail);
    carry = avail - used;
    if (carry) u8.copyWithin(IN, IN + used, IN + avail);
  }
  closeSync(fd);
  console.log(`${file.split('/').pop()}: ${x.packets()} packets, ${x.flowCount()} flows, slow ${x.slowCount()}, ${(performance.now() - t0).toFixed(0)} ms (module compile ${tc.toFixed(1)} ms)`);
}
