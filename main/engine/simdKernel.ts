// The `simd` kernel: any MLP, float32 WebAssembly SIMD compiled from wasm/mlp.c. One call trains every
// run of a batch one step, or evaluates a chunk of a surface's grid points, so the per-call cost of
// JavaScript is paid once per step, not per run or per layer.
import { maxOf } from '../../shared/numbers.js';
import type { Dataset } from './data.js';
import type { CpuKernel, Plane, Trainer, TrainerBatch } from './kernel.js';
import { architectureKey, layoutOf, type Architecture } from './model.js';
import type { Hyper } from './optimizers.js';
import { isTutorialNet, sumsOf } from './tutorialNet.js';
import { WASM_BASE64 } from './wasm/mlp.wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  heap_reset(at: number): void;
  net_init(layers: number, sizes: number, acts: number, output: number, loss: number): number;
  losses(count: number, points: number, x: number, y: number, n: number, out: number): void;
  train_init(runs: number, n: number, batch: number, kind: number, params: number, first: number, second: number, xs: number, ys: number, hyper: number, frozen: number): void;
  train_step(idx: number): void;
  full_losses(out: number): void;
  lanes_init(groups: number, batch: number, kind: number, params: number, first: number, second: number, xs: number, ys: number, hyper: number, frozen: number): number;
  lanes_step(idx: number, allRows: number): void;
  lanes_full_losses(runs: number, n: number, row: number, out: number): void;
  tutorial_init(runs: number): number;
  tutorial_full_losses(runs: number, n: number, sums: number, inLanes: number, out: number): void;
  tutorial_losses(count: number, points: number, sums: number, n: number, out: number): void;
  plane_points(count: number, c: number, d1: number, d2: number, alpha: number, beta: number, index: number, out: number): void;
}

// The codes of wasm/mlp.c.
const ACTIVATION = { relu: 0, tanh: 1, sigmoid: 2, linear: 3 } as const;
const OUTPUT = { linear: 0, sigmoid: 1, softmax: 2 } as const;
const LOSS = { l2: 0, l1: 1, nll: 2 } as const;
const OPTIMIZER = { sgd: 0, momentum: 1, rmsprop: 2, 'momentum-rmsprop': 3, adam: 4 } as const;
/** Per run: lr, μ, ρ, eps, β1, β2, Adam's step size and √(1−β2ᵗ) (mlp.c's H_*). */
const HYPER_FIELDS = 8;

let compiled: WebAssembly.Module | null = null;

function instantiate(): Exports {
  compiled ??= new WebAssembly.Module(Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0)));
  return new WebAssembly.Instance(compiled, {}).exports as unknown as Exports;
}

/** One instance of mlp.c describing one architecture, with its own memory. */
class Net {
  readonly wasm = instantiate();
  /** Parameters per network in the padded layout of mlp.c. */
  readonly stride: number;
  /** `padded[k]` is where compact parameter k sits in the padded layout. */
  readonly padded: Int32Array;

  constructor(arch: Architecture) {
    const sizes = arch.sizes;
    const desc = this.alloc(4 * (sizes.length + arch.activations.length));
    this.i32(desc, sizes.length).set(sizes);
    this.i32(desc + 4 * sizes.length, arch.activations.length).set(arch.activations.map((a) => ACTIVATION[a]));
    this.stride = this.wasm.net_init(sizes.length - 1, desc, desc + 4 * sizes.length, OUTPUT[arch.output], LOSS[arch.loss]);
    if (this.stride === 0) throw new Error(`the simd kernel could not allocate the buffers of a ${sizes.join('→')} network`);
    this.padded = paddedIndex(arch);
  }

  alloc(bytes: number): number {
    const at = this.wasm.alloc(bytes);
    if (at === 0 && bytes > 0) throw new Error(`the simd kernel ran out of memory (${Math.ceil(bytes / 2 ** 20)} MiB more wanted); use the tfjs kernel`);
    return at;
  }

  // Views are made after allocating: growing the memory detaches the views made before.
  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.wasm.memory.buffer, at, length);
  }
  f64(at: number, length: number): Float64Array {
    return new Float64Array(this.wasm.memory.buffer, at, length);
  }
  i32(at: number, length: number): Int32Array {
    return new Int32Array(this.wasm.memory.buffer, at, length);
  }

  /** Copies compact parameter vectors, [count][P], into padded ones at `at`. */
  pad(from: Float32Array, count: number, at: number): void {
    const P = this.padded.length;
    const to = this.f32(at, count * this.stride);
    const idx = this.padded;
    to.fill(0);
    for (let g = 0; g < count; g++) {
      const src = g * P;
      const dst = g * this.stride;
      for (let k = 0; k < P; k++) to[dst + idx[k]] = from[src + k];
    }
  }

  /**
   * Copies each distinct dataset's prefix sums (tutorialNet.ts's Sums, float64) into memory; returns
   * a table of one Sums struct pointer per run.
   */
  copySums(datasets: readonly Dataset[]): number {
    const structs = new Map<Dataset, number>();
    for (const d of datasets) {
      if (structs.has(d)) continue;
      const s = sumsOf(d);
      const pre = new Float64Array(5 * s.sx.length);
      [s.sx, s.sxx, s.sy, s.sxy, s.syy].forEach((sum, k) => sum.forEach((v, i) => (pre[5 * i + k] = v)));
      const arrays = [s.x, s.sx, s.sxx, s.sy, s.sxy, s.syy, pre];
      const at = arrays.map((a) => this.alloc(a.length * 8));
      arrays.forEach((a, k) => this.f64(at[k], a.length).set(a));
      const struct = this.alloc(arrays.length * 4);
      this.i32(struct, arrays.length).set(at);
      structs.set(d, struct);
    }
    const table = this.alloc(datasets.length * 4);
    this.i32(table, datasets.length).set(datasets.map((d) => structs.get(d)!));
    if (this.wasm.tutorial_init(datasets.length) === 0) throw new Error('the simd kernel ran out of memory; use the tfjs kernel');
    return table;
  }

  /** Copies a dataset into memory: its inputs and targets, float32. */
  copyData(data: Dataset): { x: number; y: number } {
    const x = this.alloc(data.x.length * 4);
    const y = this.alloc(data.y.length * 4);
    this.f32(x, data.x.length).set(data.x);
    this.f32(y, data.y.length).set(data.y);
    return { x, y };
  }
}

function paddedIndex(arch: Architecture): Int32Array {
  const layout = layoutOf(arch);
  const out = new Int32Array(layout.count);
  let at = 0;
  for (const { fanIn, fanOut, w, b } of layout.layers) {
    const stride = Math.ceil(fanOut / 4) * 4;
    for (let i = 0; i < fanIn; i++) for (let j = 0; j < fanOut; j++) out[w + i * fanOut + j] = at + i * stride + j;
    at += fanIn * stride;
    for (let j = 0; j < fanOut; j++) out[b + j] = at + j;
    at += stride;
  }
  return out;
}

/**
 * Whether a batch trains in lanes (four runs per vector) rather than rows (one run, samples and units
 * along the vector). Measured (bench/kernelChoice.ts): lanes win while a step's work per run is small.
 * It depends on the shapes only, never on the number of runs, so a run gives the same numbers alone,
 * in a batch, or in any worker's slice of one.
 */
export function trainsInLanes(arch: Architecture, batchSize: number): boolean {
  return batchSize * maxOf(arch.sizes.slice(1)) <= LANES_MAX_WORK;
}
const LANES_MAX_WORK = 256;

/** What both layouts share: the network, the runs' data, hyperparameters and frozen flags. */
abstract class SimdTrainer implements Trainer {
  protected readonly net: Net;
  protected readonly runs: number;
  protected frozen!: Uint8Array;
  protected lossesOut!: Float64Array;
  protected readonly lossesAt: number;
  /** For the tutorial's network: per run, its dataset's prefix sums in memory (tutorial_full_losses). */
  private readonly tutorialSums: number | null;
  /** Every run has the first run's lr, β1 and β2, so Adam's corrections are the same for all. */
  private readonly sharedAdam: boolean;
  private t = 0;

  /** `slots` ≥ runs: lanes round up to whole groups; the extra slots are frozen from the start. */
  constructor(
    protected readonly batch: TrainerBatch,
    slots: number,
  ) {
    const net = (this.net = new Net(batch.arch));
    this.runs = batch.datasets.length;
    // Runs of a sweep cell usually share one dataset object: copy each distinct one once.
    const copies = new Map<Dataset, { x: number; y: number }>();
    for (const d of batch.datasets) if (!copies.has(d)) copies.set(d, net.copyData(d));
    this.tutorialSums = isTutorialNet(batch.arch) ? net.copySums(batch.datasets) : null;
    const h0 = batch.hypers[0];
    this.sharedAdam = batch.hypers.every((h) => h.lr === h0.lr && h.beta1 === h0.beta1 && h.beta2 === h0.beta2);
    const xsAt = net.alloc(slots * 4);
    const ysAt = net.alloc(slots * 4);
    const frozenAt = net.alloc(slots);
    this.lossesAt = net.alloc(this.runs * 8);
    const xs = net.i32(xsAt, slots);
    const ys = net.i32(ysAt, slots);
    for (let r = 0; r < slots; r++) {
      const c = copies.get(batch.datasets[Math.min(r, this.runs - 1)])!;
      xs[r] = c.x;
      ys[r] = c.y;
    }
    this.tables = { xs: xsAt, ys: ysAt, frozen: frozenAt, slots };
  }

  protected readonly tables: { xs: number; ys: number; frozen: number; slots: number };

  /** Makes the views; called once every buffer is allocated (growing the memory detaches views). */
  protected bindViews(): void {
    const { frozen, slots } = this.tables;
    this.frozen = new Uint8Array(this.net.wasm.memory.buffer, frozen, slots).fill(0, 0, this.runs).fill(1, this.runs);
    this.lossesOut = this.net.f64(this.lossesAt, this.runs);
  }

  /** Writes hyperparameter `field` of run `r` (mlp.c's H_* order). */
  protected abstract setHyper(r: number, field: number, value: number): void;
  /** Writes hyperparameter `field` of every run. */
  protected abstract setHyperOfAll(field: number, value: number): void;
  /** One step; its minibatches are `indices` from `from`, [runs][batchSize]. */
  protected abstract stepOnce(indices: Int32Array | null, from: number): void;
  protected abstract computeFullLosses(): Float64Array;
  /** Writes the parameters, compact [runs][P], into `out`. */
  protected abstract copyParams(out: Float32Array): void;
  protected abstract readonly inLanes: boolean;

  params(out: Float32Array = new Float32Array(this.runs * this.net.padded.length)): Float32Array {
    this.copyParams(out);
    return out;
  }

  protected initHypers(): void {
    this.batch.hypers.forEach((h, r) => [h.lr, h.momentum, h.rho, h.eps, h.beta1, h.beta2].forEach((v, k) => this.setHyper(r, k, v)));
  }

  run(steps: number, indices: Int32Array | null): void {
    const width = this.runs * this.batch.batchSize;
    const adam = this.batch.hypers[0].kind === 'adam';
    for (let s = 0; s < steps; s++) {
      this.t++;
      if (adam) this.adamCorrections();
      this.stepOnce(indices, s * width);
    }
  }

  /** Adam's bias corrections for this step, computed as the js kernel does (float64, then float32). */
  private adamCorrections(): void {
    const { hypers } = this.batch;
    // A sweep cell's seeds share their optimizer: one value per field, written without a call per run.
    if (this.sharedAdam) {
      this.setHyperOfAll(6, hypers[0].lr / (1 - hypers[0].beta1 ** this.t));
      this.setHyperOfAll(7, Math.sqrt(1 - hypers[0].beta2 ** this.t));
      return;
    }
    let last: Hyper | null = null;
    let stepSize = 0;
    let bc2Sqrt = 0;
    for (let r = 0; r < this.runs; r++) {
      const h = hypers[r];
      if (!last || h.lr !== last.lr || h.beta1 !== last.beta1 || h.beta2 !== last.beta2) {
        stepSize = h.lr / (1 - h.beta1 ** this.t);
        bc2Sqrt = Math.sqrt(1 - h.beta2 ** this.t);
        last = h;
      }
      this.setHyper(r, 6, stepSize);
      this.setHyper(r, 7, bc2Sqrt);
    }
  }

  /** The tutorial's network is summed over its linear pieces (exact, O(H log n)), as on the js kernel. */
  fullLosses(): Float64Array {
    if (this.tutorialSums === null) return this.computeFullLosses();
    this.net.wasm.tutorial_full_losses(this.runs, this.batch.datasets[0].n, this.tutorialSums, this.inLanes ? 1 : 0, this.lossesAt);
    return this.lossesOut.slice();
  }

  freeze(run: number): void {
    this.frozen[run] = 1;
  }

  dispose(): void {}
}

/** One run at a time, its samples and units along the vectors: for larger layers and batches. */
class RowTrainer extends SimdTrainer {
  protected readonly inLanes = false;
  private readonly paddedParams: Float32Array;
  private readonly hyper: Float32Array;
  private readonly idx: Int32Array;
  private readonly idxAt: number;

  constructor(batch: TrainerBatch) {
    super(batch, batch.datasets.length);
    const { net, runs: R } = this;
    const S = net.stride;
    const paramsAt = net.alloc(R * S * 4);
    const firstAt = net.alloc(R * S * 4);
    const secondAt = net.alloc(R * S * 4);
    const hyperAt = net.alloc(R * HYPER_FIELDS * 4);
    this.idxAt = net.alloc(R * batch.batchSize * 4);
    net.pad(batch.params, R, paramsAt);
    this.paddedParams = net.f32(paramsAt, R * S);
    this.hyper = net.f32(hyperAt, R * HYPER_FIELDS);
    this.idx = net.i32(this.idxAt, R * batch.batchSize);
    this.bindViews();
    this.initHypers();
    const { xs, ys, frozen } = this.tables;
    net.wasm.train_init(R, batch.datasets[0].n, batch.batchSize, OPTIMIZER[batch.hypers[0].kind], paramsAt, firstAt, secondAt, xs, ys, hyperAt, frozen);
  }

  protected setHyper(r: number, field: number, value: number): void {
    this.hyper[r * HYPER_FIELDS + field] = value;
  }

  protected setHyperOfAll(field: number, value: number): void {
    for (let r = 0; r < this.runs; r++) this.hyper[r * HYPER_FIELDS + field] = value;
  }

  protected stepOnce(indices: Int32Array | null, from: number): void {
    if (indices) this.idx.set(indices.subarray(from, from + this.idx.length));
    this.net.wasm.train_step(indices ? this.idxAt : 0);
  }

  protected computeFullLosses(): Float64Array {
    this.net.wasm.full_losses(this.lossesAt);
    return this.lossesOut.slice();
  }

  protected copyParams(out: Float32Array): void {
    const P = this.net.padded.length;
    const S = this.net.stride;
    const idx = this.net.padded;
    for (let r = 0; r < this.runs; r++) for (let k = 0; k < P; k++) out[r * P + k] = this.paddedParams[r * S + idx[k]];
  }
}

/** Four runs per vector, one in each lane: for small networks and minibatches. */
class LaneTrainer extends SimdTrainer {
  protected readonly inLanes = true;
  private readonly P: number;
  /** [groups][P][4] */
  private readonly laneParams: Float32Array;
  /** [groups][HYPER_FIELDS][4] */
  private readonly hyper: Float32Array;
  private readonly idx: Int32Array;
  private readonly idxAt: number;
  private readonly allRowsAt: number;
  private readonly rowAt: number;

  constructor(batch: TrainerBatch) {
    const groups = Math.ceil(batch.datasets.length / 4);
    super(batch, groups * 4);
    const { net, runs: R } = this;
    const P = (this.P = net.padded.length);
    const n = batch.datasets[0].n;
    const paramsAt = net.alloc(groups * P * 16);
    const firstAt = net.alloc(groups * P * 16);
    const secondAt = net.alloc(groups * P * 16);
    const hyperAt = net.alloc(groups * HYPER_FIELDS * 16);
    this.idxAt = net.alloc(groups * 4 * batch.batchSize * 4);
    this.allRowsAt = net.alloc(n * 4);
    this.rowAt = net.alloc(net.stride * 4);
    const { xs, ys, frozen } = this.tables;
    if (net.wasm.lanes_init(groups, batch.batchSize, OPTIMIZER[batch.hypers[0].kind], paramsAt, firstAt, secondAt, xs, ys, hyperAt, frozen) === 0) {
      throw new Error('the simd kernel ran out of memory; use the tfjs kernel');
    }
    this.laneParams = net.f32(paramsAt, groups * P * 4);
    for (let r = 0; r < R; r++) for (let k = 0; k < P; k++) this.laneParams[((r >> 2) * P + k) * 4 + (r & 3)] = batch.params[r * P + k];
    this.hyper = net.f32(hyperAt, groups * HYPER_FIELDS * 4);
    this.idx = net.i32(this.idxAt, groups * 4 * batch.batchSize);
    net.i32(this.allRowsAt, n).forEach((_, i, rows) => (rows[i] = i));
    this.bindViews();
    this.initHypers();
  }

  protected setHyper(r: number, field: number, value: number): void {
    this.hyper[((r >> 2) * HYPER_FIELDS + field) * 4 + (r & 3)] = value;
  }

  protected setHyperOfAll(field: number, value: number): void {
    for (let r = 0; r < this.runs; r++) this.hyper[((r >> 2) * HYPER_FIELDS + field) * 4 + (r & 3)] = value;
  }

  protected stepOnce(indices: Int32Array | null, from: number): void {
    if (indices) this.idx.set(indices.subarray(from, from + this.runs * this.batch.batchSize));
    this.net.wasm.lanes_step(indices ? this.idxAt : 0, this.allRowsAt);
  }

  protected computeFullLosses(): Float64Array {
    this.net.wasm.lanes_full_losses(this.runs, this.batch.datasets[0].n, this.rowAt, this.lossesAt);
    return this.lossesOut.slice();
  }

  protected copyParams(out: Float32Array): void {
    const { P, runs: R, laneParams } = this;
    for (let r = 0; r < R; r++) {
      const from = (r >> 2) * P * 4 + (r & 3);
      const to = r * P;
      for (let k = 0; k < P; k++) out[to + k] = laneParams[from + 4 * k];
    }
  }
}

/**
 * A surface evaluates one architecture chunk after chunk (on a worker, each chunk brings its own copy
 * of the architecture): keep an instance per architecture, the last 8, with its copy of the data (and,
 * for the tutorial network, its prefix sums).
 */
const evaluators = new Map<string, { net: Net; data: Dataset | null; x: number; y: number; sums: number; index: number; top: number }>();

/** The evaluator of `arch` holding `data`, its per-call buffers freed. */
function evaluatorFor(arch: Architecture, data: Dataset) {
  const key = architectureKey(arch);
  let e = evaluators.get(key);
  if (!e) {
    if (evaluators.size >= 8) evaluators.delete(evaluators.keys().next().value!);
    const net = new Net(arch);
    const index = net.alloc(net.padded.length * 4);
    net.i32(index, net.padded.length).set(net.padded);
    evaluators.set(key, (e = { net, data: null, x: 0, y: 0, sums: 0, index, top: net.alloc(0) }));
  }
  const net = e.net;
  if (e.data !== data) {
    net.wasm.heap_reset(e.index + net.padded.length * 4);
    Object.assign(e, net.copyData(data), { data, sums: isTutorialNet(arch) ? net.i32(net.copySums([data]), 1)[0] : 0 });
    e.top = net.alloc(0);
  } else net.wasm.heap_reset(e.top);
  return e;
}

/** The full-data loss at `count` padded vectors at `pointsAt`: the tutorial network's by its pieces. */
function paddedLosses(e: ReturnType<typeof evaluatorFor>, data: Dataset, pointsAt: number, count: number): Float64Array {
  const outAt = e.net.alloc(count * 8);
  if (e.sums) e.net.wasm.tutorial_losses(count, pointsAt, e.sums, data.n, outAt);
  else e.net.wasm.losses(count, pointsAt, e.x, e.y, data.n, outAt);
  return e.net.f64(outAt, count).slice();
}

function losses(arch: Architecture, data: Dataset, points: Float32Array, count: number): Float64Array {
  const e = evaluatorFor(arch, data);
  const pointsAt = e.net.alloc(count * e.net.stride * 4);
  e.net.pad(points, count, pointsAt);
  return paddedLosses(e, data, pointsAt, count);
}

function planeLosses(arch: Architecture, data: Dataset, plane: Plane, alpha: Float64Array, beta: Float64Array): Float64Array {
  const e = evaluatorFor(arch, data);
  const { net } = e;
  const P = net.padded.length;
  const count = alpha.length;
  const cAt = net.alloc(P * 4);
  const d1At = net.alloc(P * 8);
  const d2At = net.alloc(P * 8);
  const alphaAt = net.alloc(count * 8);
  const betaAt = net.alloc(count * 8);
  const pointsAt = net.alloc(count * net.stride * 4);
  net.f32(cAt, P).set(plane.center);
  net.f64(d1At, P).set(plane.d1);
  net.f64(d2At, P).set(plane.d2);
  net.f64(alphaAt, count).set(alpha);
  net.f64(betaAt, count).set(beta);
  net.wasm.plane_points(count, cAt, d1At, d2At, alphaAt, betaAt, e.index, pointsAt);
  return paddedLosses(e, data, pointsAt, count);
}

export const simdKernel: CpuKernel = {
  name: 'simd',
  backend: 'wasm-simd',
  trainer: async (batch) => (trainsInLanes(batch.arch, batch.batchSize) ? new LaneTrainer(batch) : new RowTrainer(batch)),
  lossesAt: async (arch, data, points, count) => losses(arch, data, points, count),
  lossesOnPlane: async (arch, data, plane, alpha, beta) => planeLosses(arch, data, plane, alpha, beta),
  losses,
  planeLosses,
};
