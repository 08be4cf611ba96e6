// Dev tool: times the WebAssembly core's index of each file in one thread (indexPacked, as a lane does).
import { indexPacked } from '../../shared/node/index-core.ts';
for (let round = 0; round < Number(process.env.ROUNDS ?? 1); round++) {
  for (const f of process.argv.slice(2)) {
    const a = performance.now();
    const r = await indexPacked(f, undefined, true);
    console.error(`${f}: ${(performance.now() - a).toFixed(0)} ms (${r.readBy})`);
  }
}
