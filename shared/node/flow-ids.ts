/**
 * buildModel's flow ids by WebAssembly (wasm/flow-ids.ts): its FlowIds hook for the CLI's
 * analysis threads. The model's JavaScript table (FlowTable, assignIds) stays the reference and
 * the fallback; in JavaScript this was half of the model's time, all of it before V8 had
 * compiled it (docs/performance.md, fifteenth session).
 */
import { KEY_WORDS } from '../engine/flow-table.ts';
import type { FlowIds } from '../engine/model.ts';
import { instantiate } from './wasm-module.ts';

interface IdsExports {
  memory: WebAssembly.Memory;
  reset(expected: number, room: number): number;
  keysAt(): number;
  idsAt(): number;
  assign(n: number): number;
  distinct(): number;
}

/**
 * The hook: each model gets an instance of its own (its memory, the size of the model's keys,
 * goes with it); without the module (not built, STAGEDIFF_WASM=0) it answers null.
 */
export function wasmFlowIds(): FlowIds {
  return (points, expected) => {
    const m = instantiate('flow-ids.wasm', { env: { abort: () => {} } }) as unknown as IdsExports | null;
    if (!m) return null;
    try {
      const room = points.reduce((r, p) => Math.max(r, p.flows), 0);
      if (!m.reset(expected, room)) return null;
      const ids: Int32Array[] = [];
      for (const p of points) {
        new Uint32Array(m.memory.buffer, m.keysAt(), p.flows * KEY_WORDS).set(p.keys.subarray(0, p.flows * KEY_WORDS));
        if (m.assign(p.flows) < 0) return null;
        ids.push(new Int32Array(m.memory.buffer, m.idsAt(), p.flows).slice());
      }
      return { ids, count: m.distinct() };
    } catch {
      // A trap (a fault of the module's): buildModel's own table gives the ids.
      return null;
    }
  };
}
