// The contract every kernel keeps. The training loop (train.ts) owns everything that must be identical
// across kernels — minibatch order, recording, snapshots, divergence — and a kernel only does math.
//
// It is shaped for a device that computes while the host goes on (the gpu kernel): the loop hands a
// trainer all the steps up to its next record point or snapshot in one call, which only starts them,
// and a read-back (losses, parameters) may be a promise. The CPU kernels compute inside those calls and
// answer at once: the loop awaits only promises, never per step (the tutorial network steps in 0.2 µs,
// and recording it every step ran at half speed with a promise per record).
import type { Dataset } from './data.js';
import type { Architecture } from './model.js';
import type { Hyper } from './optimizers.js';
import type { KernelName } from '../../shared/config.js';

export type { KernelName };

/** A value, or a promise of it where a device computes elsewhere. */
export type Awaitable<T> = T | Promise<T>;

/** The plane c + α·d1 + β·d2 a surface is drawn on. */
export interface Plane {
  center: Float32Array;
  d1: Float64Array;
  d2: Float64Array;
}

export interface TrainerBatch {
  readonly arch: Architecture;
  /** One dataset per run; all of the same size. */
  readonly datasets: readonly Dataset[];
  /** Initial parameters, runs laid end to end: [runs][P]. */
  readonly params: Float32Array;
  /** One optimizer per run; all of the same kind. */
  readonly hypers: readonly Hyper[];
  readonly batchSize: number;
}

export interface Trainer {
  /**
   * `steps` optimizer steps of every run that is not frozen. `indices` holds each step's minibatches
   * step-major, [steps][runs][batchSize] rows of each run's own dataset, or is null for full-batch
   * steps (the batch is the whole dataset; a kernel may rely on null then). The kernel may only start the work (a device queues it): what it reads back next sees every
   * step. It copies what it needs of `indices` before returning. A device with much work queued may
   * return a promise to wait on before more is handed to it; the CPU kernels return nothing.
   */
  run(steps: number, indices: Int32Array | null): Promise<void> | void;
  /** Each run's loss on its whole dataset at the current parameters. */
  fullLosses(): Awaitable<Float64Array>;
  /** The current parameters, [runs][P]: copied into `out` when given (snapshots reuse one buffer), else into a new array. */
  params(out?: Float32Array): Awaitable<Float32Array>;
  /** Stops updating a run (it diverged or was cancelled). */
  freeze(run: number): void;
  dispose(): void;
}

export interface Kernel {
  readonly name: KernelName;
  /** What computes: `js`, `wasm-simd`, the tfjs backend (`tensorflow`, `wasm`, `cpu`), or the gpu's adapter. */
  readonly backend: string;
  trainer(batch: TrainerBatch): Promise<Trainer>;
  /** Full-data loss at each of `count` parameter vectors laid end to end in `points`. */
  lossesAt(arch: Architecture, data: Dataset, points: Float32Array, count: number): Promise<Float64Array>;
  /**
   * J at the plane's points c + alpha[k]·d1 + beta[k]·d2, when the kernel builds them itself (they
   * must equal surface.ts's planePoints, to float32 rounding); otherwise the surface builds them and
   * calls `lossesAt`.
   */
  lossesOnPlane?(arch: Architecture, data: Dataset, plane: Plane, alpha: Float64Array, beta: Float64Array): Promise<Float64Array>;
}

/**
 * A kernel that computes in this thread: it answers its losses at once too (what the tests compare
 * against, and what a caller that must not yield may use).
 */
export interface CpuKernel extends Kernel {
  losses(arch: Architecture, data: Dataset, points: Float32Array, count: number): Float64Array;
  planeLosses?(arch: Architecture, data: Dataset, plane: Plane, alpha: Float64Array, beta: Float64Array): Float64Array;
}
