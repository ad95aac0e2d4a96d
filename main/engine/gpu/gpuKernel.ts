// The `gpu` kernel: WebGPU compute shaders (wgsl.ts) for any MLP the config allows, on the device
// device source provides (handle.ts: Dawn's in Node, device.ts; Chromium's in the app's compute window,
// computePage.ts). Nothing here is Node's or a page's. A trainer keeps every run's parameters and optimizer state on the device; the
// training loop's chunks of steps are queued as dispatches of many steps each, and only the loss at
// record points and the parameters at snapshots come back. Losses at many points (surfaces,
// interpolations, a run's full-data loss) take one point per workgroup.
//
// Dispatches are sized by work (DISPATCH_WORK multiply-adds at most, or one step): a dispatch that
// runs for seconds is reset by the driver on real GPUs. A lost device fails the job that was using it
// with GpuDeviceLostError; the next job opens a new device.
import type { Dataset } from '../data.js';
import type { Plane, Trainer, TrainerBatch } from '../kernel.js';
import { layoutOf, type Architecture } from '../model.js';
import type { Hyper } from '../optimizers.js';
import { trainsInLanes } from '../simdKernel.js';
import { describeAdapter, GpuDeviceLostError, type GpuHandle, type GpuKernel } from './handle.js';
import {
  decodeLoss,
  lossShader,
  lossThreads,
  meanDivisor,
  OPTIMIZER_CODE,
  RESULT_WORDS,
  RUN_FIELD,
  RUN_WORDS,
  RUNS_PER_GROUP,
  scratchLayout,
  targetWidth,
  TEAM_SIZE,
  trainShader,
  type PointSource,
} from './wgsl.js';

// WebGPU's GPUBufferUsage and GPUMapMode flags (the constants are globals only in a browser).
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const UNIFORM = 0x40;
const STORAGE = 0x80;

/**
 * Multiply-adds one dispatch holds at most (and at least one step or one point): about 20 ms on a
 * GPU that sustains 100 G multiply-adds/s, far below the seconds after which drivers reset a
 * dispatch (Windows: about 2 s). Not measured on a real GPU here (SwiftShader is the only adapter).
 */
const DISPATCH_WORK = 2 ** 31;
/**
 * Multiply-adds one invocation does in one dispatch at most (and at least one step or one data pass):
 * a few ms of one GPU thread. A run per invocation trains its steps serially, and sums its loss over
 * the data serially where that stays below this (else a workgroup shares the data out).
 */
const SERIAL_WORK = 2 ** 24;
/** Work a trainer queues before it asks the training loop to wait for the device (so a cancel is heard). */
const QUEUE_WORK = 2 ** 34;

/** Multiply-adds of one sample's forward pass. */
function macsOf(arch: Architecture): number {
  let macs = 0;
  for (let l = 1; l < arch.sizes.length; l++) macs += arch.sizes[l - 1] * arch.sizes[l];
  return macs;
}

/** The device to compute on: the one in use, or a new one after a loss; throws where there is none. */
type DeviceOf = () => Promise<GpuHandle>;

const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/** A device with the few operations the kernel needs. */
class Gpu {
  readonly device: GPUDevice;

  constructor(readonly handle: GpuHandle) {
    this.device = handle.device;
  }

  static async current(device: DeviceOf): Promise<Gpu> {
    return new Gpu(await device());
  }

  /** Throws if the device was lost, or reported an error no scope caught. */
  check(): void {
    if (this.handle.lost) throw lostError(this.handle.lost);
    const uncaptured = this.handle.uncaptured;
    if (uncaptured) {
      this.handle.uncaptured = null;
      throw new Error(`the gpu kernel hit a device error: ${uncaptured}`);
    }
  }

  get maxBinding(): number {
    return this.handle.info.limits.maxStorageBufferBindingSize;
  }

  /** Throws unless `bytes` fit one storage binding. */
  fits(bytes: number, what: string): void {
    if (bytes > this.maxBinding) {
      throw new Error(`the gpu kernel needs ${mib(bytes)} for ${what}, more than this device binds at once (${mib(this.maxBinding)}): use fewer runs or points at a time, or kernel simd`);
    }
  }

  /** A zeroed buffer of at least `bytes` (rounded up to 16), with `contents` written at its start. */
  buffer(bytes: number, usage: number, contents?: ArrayBufferView): GPUBuffer {
    const buffer = this.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: usage | COPY_DST });
    if (contents && contents.byteLength > 0) this.write(buffer, 0, contents);
    return buffer;
  }

  write(buffer: GPUBuffer, offset: number, contents: ArrayBufferView, bytes = contents.byteLength): void {
    this.device.queue.writeBuffer(buffer, offset, contents.buffer as ArrayBuffer, contents.byteOffset, bytes);
  }

  /** The compute pipeline of `code`, compiled once per device. */
  pipeline(code: string): Promise<GPUComputePipeline> {
    let cache = pipelines.get(this.device);
    if (!cache) pipelines.set(this.device, (cache = new Map()));
    let pipeline = cache.get(code);
    if (!pipeline) {
      const compiling = this.compile(code);
      cache.set(code, (pipeline = compiling));
      compiling.catch(() => cache.delete(code));
    }
    return pipeline;
  }

  private async compile(code: string): Promise<GPUComputePipeline> {
    const module = this.device.createShaderModule({ code });
    try {
      return await this.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    } catch (e) {
      this.check();
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error').map((m) => `line ${m.lineNum}: ${m.message}`);
      throw new Error(`the gpu kernel's shader did not compile: ${errors.join('; ') || (e instanceof Error ? e.message : String(e))}`);
    }
  }

  /** Binds buffers[k] at binding k (a null leaves binding k out: the shader does not declare it). */
  bindGroup(pipeline: GPUComputePipeline, buffers: readonly (GPUBuffer | null)[]): GPUBindGroup {
    const entries = buffers.flatMap((buffer, binding) => (buffer ? [{ binding, resource: { buffer } }] : []));
    return this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  }

  /** Workgroups as (x, y) within the per-dimension limit; x goes to the shader's uniform wgx. */
  grid(groups: number): [number, number] {
    const x = Math.max(1, Math.min(groups, this.handle.info.limits.maxComputeWorkgroupsPerDimension));
    return [x, Math.ceil(groups / x)];
  }

  /** One dispatch of `groups` workgroups, submitted at once. */
  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, [x, y]: [number, number]): void {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** The first `bytes` of `source`, once every submitted command has run. */
  async read(source: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    this.check();
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.device.createBuffer({ size: Math.max(16, size), usage: MAP_READ | COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(source, 0, staging, 0, size);
      this.device.queue.submit([encoder.finish()]);
      try {
        await staging.mapAsync(MAP_READ, 0, size);
      } catch (e) {
        throw await this.failure(e);
      }
      const copy = staging.getMappedRange(0, size).slice(0);
      staging.unmap();
      this.check();
      return copy;
    } finally {
      staging.destroy();
    }
  }

  /** Resolves when the device has run everything submitted so far. */
  async settled(): Promise<void> {
    try {
      await this.device.queue.onSubmittedWorkDone();
    } catch (e) {
      throw await this.failure(e);
    }
    this.check();
  }

  /** What a failed wait means: the device was lost (it says why soon after), or another error. */
  private async failure(e: unknown): Promise<Error> {
    if (!this.handle.lost) await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 200))]);
    if (this.handle.lost) return lostError(this.handle.lost);
    return new Error(`the gpu kernel could not read its results back: ${e instanceof Error ? e.message || e.name : String(e)}`);
  }

  /** Runs `create` inside validation and out-of-memory error scopes; throws what they caught. */
  async scoped<T>(what: string, create: () => T): Promise<T> {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    let value: T | undefined;
    let thrown: unknown = null;
    try {
      value = create();
    } catch (e) {
      thrown = e;
    }
    const invalid = await this.device.popErrorScope();
    const memory = await this.device.popErrorScope();
    if (thrown) throw thrown;
    if (memory) throw new Error(`the GPU ran out of memory for ${what} (${memory.message.split('\n')[0]}): use fewer runs or points at a time`);
    if (invalid) throw new Error(`the gpu kernel made an invalid request for ${what}: ${invalid.message.split('\n')[0]}`);
    return value as T;
  }
}

function lostError(reason: string): GpuDeviceLostError {
  return new GpuDeviceLostError(`the GPU device was lost (${reason}); this job stopped, the next one opens a new device`);
}

function mib(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 20)} MiB`;
}

/** Every distinct dataset's x, then every one's y, as one float32 array; `index` maps a dataset to its place. */
function packData(datasets: readonly Dataset[], arch: Architecture) {
  const distinct = [...new Set(datasets)];
  const n = datasets[0].n;
  const dIn = arch.sizes[0];
  const yw = targetWidth(arch);
  const yBase = distinct.length * n * dIn;
  const values = new Float32Array(yBase + distinct.length * n * yw);
  distinct.forEach((d, k) => {
    values.set(d.x.subarray(0, n * dIn), k * n * dIn);
    values.set(d.y.subarray(0, Math.min(d.y.length, n * yw)), yBase + k * n * yw);
  });
  return { values, yBase, index: new Map(distinct.map((d, k) => [d, k])) };
}

/** The losses in a result buffer ([count][RESULT_WORDS]: m, c, k, flags) as means. */
function decodeAll(bytes: ArrayBuffer, count: number, divisor: number, out: Float64Array, at: number): void {
  const f = new Float32Array(bytes);
  const k = new Int32Array(bytes);
  const flags = new Uint32Array(bytes);
  const W = RESULT_WORDS;
  for (let g = 0; g < count; g++) out[at + g] = decodeLoss(f[W * g], f[W * g + 1], k[W * g + 2], flags[W * g + 3], divisor);
}

/** How a trainer's full losses are computed: see PointSource. */
function lossSource(arch: Architecture, team: number, n: number): PointSource {
  if (team !== 1) return 'runs';
  return n * macsOf(arch) <= SERIAL_WORK ? 'runs-serial' : 'runs-interleaved';
}

class GpuTrainer implements Trainer {
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

/** Full-data loss at `count` points: uploaded compact, or built on the plane in the shader. */
async function evaluate(device: DeviceOf, arch: Architecture, data: Dataset, count: number, source: 'points' | 'plane', points: Float32Array | null, plane: { values: Float32Array; coords: Float32Array } | null): Promise<Float64Array> {
  const out = new Float64Array(count);
  if (count === 0) return out;
  const gpu = await Gpu.current(device);
  const P = layoutOf(arch).count;
  const pipeline = await gpu.pipeline(lossShader(arch, source, lossThreads(data.n)));
  const packed = packData([data], arch);
  gpu.fits(packed.values.byteLength, 'the data');
  const perDispatch = Math.max(1, Math.floor(DISPATCH_WORK / Math.max(1, data.n * macsOf(arch))));
  // Points (or built points) held at once: within one binding, and no more than 4,096.
  const held = Math.max(1, Math.min(4096, count, Math.floor(gpu.maxBinding / (P * 4))));
  const divisor = meanDivisor(arch, data.n);
  const owned: GPUBuffer[] = [];
  try {
    const { uniform, dataBuf } = await gpu.scoped('a loss evaluation', () => ({
      uniform: gpu.buffer(32, UNIFORM),
      dataBuf: gpu.buffer(packed.values.byteLength, STORAGE, packed.values),
    }));
    owned.push(uniform, dataBuf);
    for (let start = 0; start < count; start += held) {
      const m = Math.min(held, count - start);
      const buffers = await gpu.scoped(`${m} points`, () => {
        const result = gpu.buffer(m * 4 * RESULT_WORDS, STORAGE | COPY_SRC);
        if (source === 'points') return [gpu.buffer(m * P * 4, STORAGE, points!.subarray(start * P, (start + m) * P)), result];
        const coords = plane!.coords.subarray(2 * start, 2 * (start + m));
        return [gpu.buffer(plane!.values.byteLength, STORAGE, plane!.values), result, gpu.buffer(coords.byteLength, STORAGE, coords), gpu.buffer(Math.min(perDispatch, m) * P * 4, STORAGE)];
      });
      owned.push(...buffers);
      const [pts, result, ...rest] = buffers;
      const bindGroup = gpu.bindGroup(pipeline, [uniform, pts, dataBuf, result, ...rest]);
      for (let first = 0; first < m; first += perDispatch) {
        const slice = Math.min(perDispatch, m - first);
        const grid = gpu.grid(slice);
        gpu.write(uniform, 0, Uint32Array.of(slice, first, 0, grid[0], data.n, packed.yBase, 0, 0));
        gpu.dispatch(pipeline, bindGroup, grid);
      }
      decodeAll(await gpu.read(result, m * 4 * RESULT_WORDS), m, divisor, out, start);
      for (const b of buffers) b.destroy();
      owned.length = 2;
    }
  } finally {
    for (const b of owned) b.destroy();
  }
  return out;
}

function lossesAt(device: DeviceOf, arch: Architecture, data: Dataset, points: Float32Array, count: number): Promise<Float64Array> {
  return evaluate(device, arch, data, count, 'points', points, null);
}

/** The plane's points are built in float32 on the device: c + α·d1 + β·d2, α, β, d1 and d2 rounded to float32. */
function lossesOnPlane(device: DeviceOf, arch: Architecture, data: Dataset, plane: Plane, alpha: Float64Array, beta: Float64Array): Promise<Float64Array> {
  const P = plane.center.length;
  const values = new Float32Array(3 * P);
  values.set(plane.center);
  values.set(plane.d1, P);
  values.set(plane.d2, 2 * P);
  const coords = new Float32Array(2 * alpha.length);
  for (let k = 0; k < alpha.length; k++) {
    coords[2 * k] = alpha[k];
    coords[2 * k + 1] = beta[k];
  }
  return evaluate(device, arch, data, alpha.length, 'plane', null, { values, coords });
}

/**
 * The gpu kernel on the devices `device` gives (the one in use, a new one after a loss); throws what
 * `device` throws where there is none.
 */
export async function createGpuKernel(device: DeviceOf): Promise<GpuKernel> {
  const handle = await device();
  return {
    name: 'gpu',
    backend: `webgpu: ${describeAdapter(handle.info)}`,
    adapter: handle.info,
    trainer: (batch) => GpuTrainer.open(batch, device),
    lossesAt: (arch, data, points, count) => lossesAt(device, arch, data, points, count),
    lossesOnPlane: (arch, data, plane, alpha, beta) => lossesOnPlane(device, arch, data, plane, alpha, beta),
  };
}
