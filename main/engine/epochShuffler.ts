// Every run's minibatch rows for one epoch, shuffled in WebAssembly (wasm/shuffle.c): the very draws
// of prng.ts's Rng.shuffle on each run's 'batches' stream, several times faster. A sweep cell of
// 1,000 runs on 500 rows reshuffles half a million rows every 167 steps of batch 3.
import { Rng } from './prng.js';
import { WASM_BASE64 } from './wasm/shuffle.wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  heap(): number;
  shuffle_runs(state: number, runs: number, perm: number, n: number, batch: number, batches: number, out: number): void;
}

let compiled: WebAssembly.Module | null = null;

export class EpochShuffler {
  private readonly wasm: Exports;
  private readonly at: { state: number; perm: number; out: number };
  private readonly batches: number;
  private readonly runs: number;
  /** The epoch's rows, [batches][runs][batch], rewritten by each shuffle(); a view into the module's memory. */
  readonly rows: Int32Array;

  constructor(
    seeds: readonly number[],
    private readonly n: number,
    private readonly batch: number,
  ) {
    compiled ??= new WebAssembly.Module(Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0)));
    this.wasm = new WebAssembly.Instance(compiled, {}).exports as unknown as Exports;
    const runs = (this.runs = seeds.length);
    this.batches = Math.floor(n / batch);
    const state = this.wasm.heap();
    const perm = state + 16 * runs;
    const out = perm + 4 * n;
    const end = out + 4 * this.batches * runs * batch;
    const memory = this.wasm.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    this.at = { state, perm, out };
    new Uint32Array(memory.buffer, state, 4 * runs).set(seeds.flatMap((seed) => new Rng(seed, 'batches').stateWords()));
    this.rows = new Int32Array(memory.buffer, out, this.batches * runs * batch);
  }

  /** Shuffles every run's rows for the next epoch (into `rows`). */
  shuffle(): Int32Array {
    this.wasm.shuffle_runs(this.at.state, this.runs, this.at.perm, this.n, this.batch, this.batches, this.at.out);
    return this.rows;
  }
}
