/**
 * Scratch memory for the per-flow analysis. Each flow needs a few short arrays (its merged
 * timeline, stage matches) that live only while the rules look at that flow; allocating them as
 * fresh typed arrays per flow makes V8 collect garbage constantly (every typed array has its own
 * backing store). Views into one growing buffer, reset per flow, cost nothing to free.
 */
export class Arena {
  private i32 = new Int32Array(1 << 16);
  private f64 = new Float64Array(1 << 14);
  private usedI = 0;
  private usedF = 0;

  reset(): void {
    this.usedI = 0;
    this.usedF = 0;
  }

  int32(n: number, fill?: number): Int32Array {
    if (this.usedI + n > this.i32.length) {
      // Earlier views keep the old buffer alive until the flow is done; new ones use the new.
      let cap = this.i32.length * 2;
      while (cap < n) cap *= 2;
      this.i32 = new Int32Array(cap);
      this.usedI = 0;
    }
    // Views made by the constructor: a third of subarray's cost (which looks up a species).
    const v = new Int32Array(this.i32.buffer, this.usedI * 4, n);
    this.usedI += n;
    if (fill !== undefined) v.fill(fill);
    return v;
  }

  float64(n: number): Float64Array {
    if (this.usedF + n > this.f64.length) {
      let cap = this.f64.length * 2;
      while (cap < n) cap *= 2;
      this.f64 = new Float64Array(cap);
      this.usedF = 0;
    }
    const v = new Float64Array(this.f64.buffer, this.usedF * 8, n);
    this.usedF += n;
    return v;
  }
}

/** The analysis runs one flow at a time, so one arena serves it. */
export const flowArena = new Arena();
