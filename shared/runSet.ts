// Which of a sweep's runs are present, as one bit per run.
/**
 * A set of a sweep's run indices, one bit per run of the sweep (125 KB for a million runs, where a
 * Set of them takes tens of MB).
 */
export class RunSet {
  private readonly bits: Uint8Array;
  size = 0;

  constructor(readonly runsTotal: number) {
    this.bits = new Uint8Array(Math.ceil(runsTotal / 8));
  }

  has(i: number): boolean {
    return i >= 0 && i < this.runsTotal && (this.bits[i >> 3] & (1 << (i & 7))) !== 0;
  }

  copy(): RunSet {
    const out = new RunSet(this.runsTotal);
    out.bits.set(this.bits);
    out.size = this.size;
    return out;
  }

  /** Adds run `i` (an index of the sweep: RangeError otherwise). */
  add(i: number): this {
    if (!Number.isInteger(i) || i < 0 || i >= this.runsTotal) throw new RangeError(`run ${i}: the sweep has runs 0 to ${this.runsTotal - 1}`);
    if (!this.has(i)) {
      this.bits[i >> 3] |= 1 << (i & 7);
      this.size++;
    }
    return this;
  }
}
