// The gpu kernel's trainer: every run's parameters and optimizer state stay on the device; the
// training loop's chunks of steps are queued as dispatches of many steps each, and only the loss at
// record points and the parameters at snapshots come back.

import type { Trainer, TrainerBatch } from '../kernel.js';
import { layoutOf, type Architecture } from '../model.js';
import type { Hyper } from '../optimizers.js';
import { trainsInLanes } from '../simdKernel.js';
import { lossShader, lossThreads, meanDivisor, OPTIMIZER_CODE, RESULT_WORDS, RUN_FIELD, RUN_WORDS, RUNS_PER_GROUP, scratchLayout, TEAM_SIZE, trainShader, type PointSource } from './wgsl.js';
import { COPY_SRC, UNIFORM, STORAGE, DISPATCH_WORK, SERIAL_WORK, macsOf, type DeviceOf, Gpu, packData, decodeAll } from './gpuContext.js';

/** Work a trainer queues before it asks the training loop to wait for the device (so a cancel is heard). */
const QUEUE_WORK = 2 ** 34;

/** How a trainer's full losses are computed: see PointSource. */
function lossSource(arch: Architecture, team: number, n: number): PointSource {
  if (team !== 1) return 'runs';
  return n * macsOf(arch) <= SERIAL_WORK ? 'runs-serial' : 'runs-interleaved';
}

export class GpuTrainer implements Trainer {
  private readonly R: number;
  private readonly P: number;
  /** Invocations per run (1: runs interleaved in memory). */
  private readonly team: number;
  private readonly full: boolean;
  private readonly kind: number;
  private readonly buffers: GPUBuffer[] = [];
  private readonly uniform: GPUBuffer;
  private readonly lossUniform: GPUBuffer;
  private readonly paramsBuf: GPUBuffer;
  private readonly moments: GPUBuffer;
  /** Activations and gradients of a workgroup per run (a run per invocation keeps them private). */
  private readonly scratch: GPUBuffer | null;
  private readonly data: GPUBuffer;
  private readonly runs: GPUBuffer;
  private readonly lossOut: GPUBuffer;
  private corr: GPUBuffer;
  private rows: GPUBuffer | null;
  private trainGroup!: GPUBindGroup;
  private readonly lossGroup: GPUBindGroup;
  private readonly yBase: number;
  /** Adam's (lr, β1, β2) groups: runs of a sweep cell share one. */
  private readonly groups: Hyper[];
  private readonly stepWork: number;
  /** Steps per dispatch (DISPATCH_WORK, SERIAL_WORK). */
  private readonly perDispatch: number;
  /** Full losses one run per invocation ('runs-serial'), else one per workgroup. */
  private readonly lossSerial: boolean;
  private t = 0;
  private queued = 0;

  private constructor(
    private readonly gpu: Gpu,
    private readonly batch: TrainerBatch,
    private readonly trainPipeline: GPUComputePipeline,
    private readonly lossPipeline: GPUComputePipeline,
  ) {
    const { arch, datasets, hypers, batchSize: B } = batch;
    const R = (this.R = datasets.length);
    const P = (this.P = layoutOf(arch).count);
    this.team = trainsInLanes(arch, B) ? 1 : TEAM_SIZE;
    this.full = B === datasets[0].n;
    this.kind = OPTIMIZER_CODE[hypers[0].kind];
    this.stepWork = 3 * R * B * macsOf(arch);
    // An invocation's serial share of a step: all of its run's (a run per invocation), or about 1/team.
    const serialStep = Math.ceil((3 * B * macsOf(arch)) / this.team);
    this.perDispatch = Math.max(1, Math.min(Math.floor(DISPATCH_WORK / this.stepWork), Math.floor(SERIAL_WORK / serialStep)));
    this.lossSerial = lossSource(arch, this.team, datasets[0].n) === 'runs-serial';
    const scratchSize = this.team === 1 ? 0 : scratchLayout(arch, B).size;
    gpu.fits(R * scratchSize * 4, `the activations of ${R} runs at batch ${B}`);
    gpu.fits(2 * R * P * 4, `the optimizer state of ${R} runs`);
    const packed = packData(datasets, arch);
    gpu.fits(packed.values.byteLength, 'the data');
    this.yBase = packed.yBase;

    const keep = <T extends GPUBuffer>(b: T) => (this.buffers.push(b), b);
    this.uniform = keep(gpu.buffer(32, UNIFORM));
    this.lossUniform = keep(gpu.buffer(32, UNIFORM));
    this.paramsBuf = keep(gpu.buffer(R * P * 4, STORAGE | COPY_SRC, this.layoutParams(batch.params)));
    this.moments = keep(gpu.buffer(2 * R * P * 4, STORAGE));
    this.scratch = scratchSize ? keep(gpu.buffer(R * scratchSize * 4, STORAGE)) : null;
    this.data = keep(gpu.buffer(packed.values.byteLength, STORAGE, packed.values));
    this.groups = [];
    const known = new Map<string, number>();
    const groupOf = hypers.map((h) => {
      const key = `${h.lr}|${h.beta1}|${h.beta2}`;
      let g = known.get(key);
      if (g === undefined) known.set(key, (g = this.groups.push(h) - 1));
      return g;
    });
    const records = new ArrayBuffer(R * RUN_WORDS * 4);
    const asF32 = new Float32Array(records);
    const asU32 = new Uint32Array(records);
    hypers.forEach((h, r) => {
      const at = r * RUN_WORDS;
      asF32[at + RUN_FIELD.lr] = h.lr;
      asF32[at + RUN_FIELD.mu] = h.momentum;
      asF32[at + RUN_FIELD.rho] = h.rho;
      asF32[at + RUN_FIELD.eps] = h.eps;
      asF32[at + RUN_FIELD.b1] = h.beta1;
      asF32[at + RUN_FIELD.b2] = h.beta2;
      asU32[at + RUN_FIELD.group] = groupOf[r];
      asU32[at + RUN_FIELD.data] = packed.index.get(datasets[r])!;
    });
    this.runs = keep(gpu.buffer(records.byteLength, STORAGE, asU32));
    this.lossOut = keep(gpu.buffer(R * 4 * RESULT_WORDS, STORAGE | COPY_SRC));
    this.corr = gpu.buffer(16, STORAGE);
    this.rows = this.full ? null : gpu.buffer(R * B * 4, STORAGE);
    this.lossGroup = gpu.bindGroup(lossPipeline, [this.lossUniform, this.paramsBuf, this.data, this.lossOut, this.runs]);
    this.bindTraining();
  }

  static async open(batch: TrainerBatch, device: DeviceOf): Promise<GpuTrainer> {
    const gpu = await Gpu.current(device);
    const { arch, batchSize: B, datasets } = batch;
    const team = trainsInLanes(arch, B) ? 1 : TEAM_SIZE;
    const full = B === datasets[0].n;
    const source = lossSource(arch, team, datasets[0].n);
    const [train, loss] = await Promise.all([gpu.pipeline(trainShader({ arch, batch: B, full, team })), gpu.pipeline(lossShader(arch, source, lossThreads(datasets[0].n, source)))]);
    return gpu.scoped(`a batch of ${datasets.length} runs`, () => new GpuTrainer(gpu, batch, train, loss));
  }

  /** Compact parameters [runs][P] in this trainer's layout: [P][runs] for a team of one. */
  private layoutParams(compact: Float32Array): Float32Array {
    if (this.team !== 1) return compact;
    const { R, P } = this;
    const out = new Float32Array(R * P);
    for (let r = 0; r < R; r++) for (let k = 0; k < P; k++) out[k * R + r] = compact[r * P + k];
    return out;
  }

  private bindTraining(): void {
    const buffers = [this.uniform, this.paramsBuf, this.moments, this.scratch, this.data, this.runs, this.corr, this.rows];
    this.trainGroup = this.gpu.bindGroup(this.trainPipeline, buffers);
  }

  /** Grows the minibatch rows and Adam's corrections for a chunk of `steps`. */
  private reserve(steps: number): void {
    let changed = false;
    const rowBytes = steps * this.R * this.batch.batchSize * 4;
    if (!this.full && (!this.rows || this.rows.size < rowBytes)) {
      this.gpu.fits(rowBytes, `the minibatch rows of ${steps} steps`);
      this.rows?.destroy();
      this.rows = this.gpu.buffer(Math.max(rowBytes, 2 * (this.rows?.size ?? 0)), STORAGE);
      changed = true;
    }
    const corrBytes = this.kind === OPTIMIZER_CODE.adam ? steps * this.groups.length * 8 : 0;
    if (this.corr.size < corrBytes) {
      this.gpu.fits(corrBytes, `Adam's corrections of ${steps} steps`);
      this.corr.destroy();
      this.corr = this.gpu.buffer(Math.max(corrBytes, 2 * this.corr.size), STORAGE);
      changed = true;
    }
    if (changed) this.bindTraining();
  }

  run(steps: number, indices: Int32Array | null): Promise<void> | void {
    if (steps <= 0) return;
    const { gpu, R } = this;
    gpu.check();
    if (this.full && indices) throw new Error('the gpu kernel trains a batch as large as its data on every row in order: it takes no minibatch rows');
    this.reserve(steps);
    if (this.rows && indices) gpu.write(this.rows, 0, indices, steps * R * this.batch.batchSize * 4);
    if (this.kind === OPTIMIZER_CODE.adam) gpu.write(this.corr, 0, this.corrections(steps));
    const groups = this.team === 1 ? Math.ceil(R / RUNS_PER_GROUP) : R;
    const grid = gpu.grid(groups);
    const { perDispatch } = this;
    const n = this.batch.datasets[0].n;
    for (let from = 0; from < steps; from += perDispatch) {
      const count = Math.min(perDispatch, steps - from);
      gpu.write(this.uniform, 0, Uint32Array.of(from, count, R, this.groups.length, this.yBase, grid[0], this.kind, n));
      gpu.dispatch(this.trainPipeline, this.trainGroup, grid);
    }
    this.t += steps;
    this.queued += steps * this.stepWork;
    if (this.queued < QUEUE_WORK) return;
    this.queued = 0;
    return gpu.settled();
  }

  /** Adam's lr/(1 − β1ᵗ) and √(1 − β2ᵗ) for the chunk's steps, per group: float64, then float32 (as simd). */
  private corrections(steps: number): Float32Array {
    const G = this.groups.length;
    const out = new Float32Array(steps * G * 2);
    for (let s = 0; s < steps; s++) {
      const t = this.t + s + 1;
      this.groups.forEach((h, g) => {
        out[(s * G + g) * 2] = h.lr / (1 - h.beta1 ** t);
        out[(s * G + g) * 2 + 1] = Math.sqrt(1 - h.beta2 ** t);
      });
    }
    return out;
  }

  async fullLosses(): Promise<Float64Array> {
    const { gpu, R, batch } = this;
    gpu.check();
    const n = batch.datasets[0].n;
    const perDispatch = Math.max(1, Math.floor(DISPATCH_WORK / (n * macsOf(batch.arch))));
    for (let first = 0; first < R; first += perDispatch) {
      const count = Math.min(perDispatch, R - first);
      const grid = gpu.grid(this.lossSerial ? Math.ceil(count / RUNS_PER_GROUP) : count);
      gpu.write(this.lossUniform, 0, Uint32Array.of(count, first, R, grid[0], n, this.yBase, 0, 0));
      gpu.dispatch(this.lossPipeline, this.lossGroup, grid);
    }
    this.queued = 0;
    const out = new Float64Array(R);
    decodeAll(await gpu.read(this.lossOut, R * 4 * RESULT_WORDS), R, meanDivisor(batch.arch, n), out, 0);
    return out;
  }

  async params(out: Float32Array = new Float32Array(this.R * this.P)): Promise<Float32Array> {
    const { R, P } = this;
    const values = new Float32Array(await this.gpu.read(this.paramsBuf, R * P * 4));
    this.queued = 0;
    if (this.team !== 1) out.set(values.subarray(0, R * P));
    else for (let r = 0; r < R; r++) for (let k = 0; k < P; k++) out[r * P + k] = values[k * R + r];
    return out;
  }

  freeze(run: number): void {
    if (this.gpu.handle.lost) return;
    this.gpu.write(this.runs, (run * RUN_WORDS + RUN_FIELD.frozen) * 4, Uint32Array.of(1));
  }

  dispose(): void {
    for (const b of this.buffers) b.destroy();
    this.corr.destroy();
    this.rows?.destroy();
  }
}
