#!/usr/bin/env node
// Dev tool: where the CPU of a whole run went, from `perf script` output on stdin. Prints the
// samples by kind (WebAssembly, the kernel's page-cache copy, page faults, TurboFan, GC, JavaScript
// optimized or not, ...) and, with --slices MS, each thread's samples per MS of the run (at
// `perf record -F 10000`, 250 samples per 25 ms is a thread busy throughout). The kinds are
// matched on symbol names of node 20 / V8 11 and Linux 6; "other native" is what none matched.
//   perf record -e cpu-clock -F 10000 -k 1 -o perf.data node --perf-prof bin/stagediff.cjs analyze --json FILES > /dev/null
//   perf inject --jit -i perf.data -o perf.jit.data
//   perf script -i perf.jit.data -F tid,time,ip,sym,dso | node scripts/dev/perf-split.mjs [--slices 25]
import { createInterface } from 'node:readline';

const KINDS = [
  ['kernel: page-cache copy (read)', /_copy_to_iter|filemap_|copy_page_to_iter|page_cache_ra|xas_load/],
  ['kernel: page faults, memory', /page_fault|clear_page|do_anonymous|handle_mm_fault|get_page_from_freelist|memcg|lru|folio|rmqueue|__list_del|alloc_pages|unmap_page_range|free_pages|release_pages|zap_|tlb/],
  ['kernel: other', /kernel/],
  ['WebAssembly', /wasm-function/],
  ['TurboFan compiling', /compiler::|OptimizedCompilationJob|Zone::|LinearScan|LiveRange|RegisterAlloc|InstructionSelector|CodeGenerator/],
  ['garbage collection', /Scaveng|Marking|Mark[A-Z]|Sweep|Heap::|Evacuat|MemoryChunk|RememberedSet|SlotSet|Worklist|Visitor|SizeFromMap|GlobalHandles|Collector/],
  ['JavaScript, optimized (TurboFan)', /^JS:\*/],
  ['JavaScript, interpreter / baseline / builtins', /^JS:[~^]|Builtin|BytecodeHandler|Interpreter/],
  ['parsing JavaScript', /Scanner|Parser|AstValueFactory|PreParser|CalculateLineEnds/],
  ['OpenSSL (NODE_EXTRA_CA_CERTS)', /OPENSSL|ossl|X509|PEM_|ASN1|BN_|EVP_/],
  ['libc memory (memcpy, malloc)', /memmove|memset|memcpy|malloc|_int_free|cfree/],
];

const args = process.argv.slice(2);
const slice = args.includes('--slices') ? Number(args[args.indexOf('--slices') + 1]) : 0;
const kinds = new Map();
const perSlice = new Map();
const perThread = new Map();
let t0 = null;
let total = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const m = line.match(/^\s*(\d+)\s+([\d.]+):\s+[0-9a-f]+\s+(.*)$/);
  if (!m) continue;
  const [, tid, time, sym] = m;
  total++;
  const kind = KINDS.find(([, re]) => re.test(sym))?.[0] ?? 'other native';
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  perThread.set(tid, (perThread.get(tid) ?? 0) + 1);
  if (slice) {
    t0 ??= Number(time);
    const k = `${Math.floor(((Number(time) - t0) * 1000) / slice)},${tid}`;
    perSlice.set(k, (perSlice.get(k) ?? 0) + 1);
  }
}
if (!total) {
  process.stderr.write('no samples: pipe in `perf script -F tid,time,ip,sym,dso`\n');
  process.exit(2);
}
for (const [k, n] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(7)} ${((100 * n) / total).toFixed(1).padStart(5)} %  ${k}`);
console.log(`${String(total).padStart(7)} samples`);
if (slice) {
  const tids = [...perThread.keys()].sort((a, b) => perThread.get(b) - perThread.get(a)).slice(0, 8);
  const last = Math.max(...[...perSlice.keys()].map((k) => Number(k.split(',')[0])));
  console.log(`\n   ms ${tids.map((t) => t.padStart(7)).join('')}   (threads, busiest first)`);
  for (let b = 0; b <= last; b++) console.log(`${String(b * slice).padStart(5)} ${tids.map((t) => String(perSlice.get(`${b},${t}`) ?? 0).padStart(7)).join('')}`);
}
