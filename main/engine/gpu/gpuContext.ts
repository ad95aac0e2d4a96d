// What the gpu kernel's trainer and loss evaluation share: a device with the few operations they
// need (buffers, pipelines, dispatches, reads, device loss), how much work one dispatch may hold, and
// the data and results packed as the shaders read and write them.
import type { Dataset } from '../data.js';
import type { Architecture } from '../model.js';
import { GpuDeviceLostError, type GpuHandle } from './handle.js';
import { decodeLoss, RESULT_WORDS, targetWidth } from './wgsl.js';

// WebGPU's GPUBufferUsage and GPUMapMode flags (the constants are globals only in a browser).
export const MAP_READ = 0x1;
export const COPY_SRC = 0x4;
export const COPY_DST = 0x8;
export const UNIFORM = 0x40;
export const STORAGE = 0x80;

/**
 * Multiply-adds one dispatch holds at most (and at least one step or one point): about 20 ms on a
 * GPU that sustains 100 G multiply-adds/s, far below the seconds after which drivers reset a
 * dispatch (Windows: about 2 s). Not measured on a real GPU here (SwiftShader is the only adapter).
 */
export const DISPATCH_WORK = 2 ** 31;
/**
 * Multiply-adds one invocation does in one dispatch at most (and at least one step or one data pass):
 * a few ms of one GPU thread. A run per invocation trains its steps serially, and sums its loss over
 * the data serially where that stays below this (else a workgroup shares the data out).
 */
export const SERIAL_WORK = 2 ** 24;


/** Multiply-adds of one sample's forward pass. */
export function macsOf(arch: Architecture): number {
  let macs = 0;
  for (let l = 1; l < arch.sizes.length; l++) macs += arch.sizes[l - 1] * arch.sizes[l];
  return macs;
}

/** The device to compute on: the one in use, or a new one after a loss; throws where there is none. */
export type DeviceOf = () => Promise<GpuHandle>;

const pipelines = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/** A device with the few operations the kernel needs. */
export class Gpu {
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


export function lostError(reason: string): GpuDeviceLostError {
  return new GpuDeviceLostError(`the GPU device was lost (${reason}); this job stopped, the next one opens a new device`);
}

export function mib(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 20)} MiB`;
}

/** Every distinct dataset's x, then every one's y, as one float32 array; `index` maps a dataset to its place. */
export function packData(datasets: readonly Dataset[], arch: Architecture) {
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
export function decodeAll(bytes: ArrayBuffer, count: number, divisor: number, out: Float64Array, at: number): void {
  const f = new Float32Array(bytes);
  const k = new Int32Array(bytes);
  const flags = new Uint32Array(bytes);
  const W = RESULT_WORDS;
  for (let g = 0; g < count; g++) out[at + g] = decodeLoss(f[W * g], f[W * g + 1], k[W * g + 2], flags[W * g + 3], divisor);
}
