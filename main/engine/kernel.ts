// The contract every kernel keeps. The training loop (train.ts) owns everything that must be identical
// across kernels — minibatch order, recording, snapshots, divergence — and a kernel only does math.
import type { Dataset } from './data.js';
import type { Architecture } from './model.js';
import type { Hyper } from './optimizers.js';
import type { KernelName } from '../../shared/config.js';

export type { KernelName };

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
   * One optimizer step for every run that is not frozen. `indices` holds each run's minibatch,
   * [runs][batchSize] rows of its own dataset, or is null for full-batch steps.
   */
  step(indices: Int32Array | null): void;
  /** Each run's loss on its whole dataset at the current parameters. */
  fullLosses(): Float64Array;
  /** The current parameters, [runs][P]: copied into `out` when given (snapshots reuse one buffer), else into a new array. */
  params(out?: Float32Array): Float32Array;
  /** Stops updating a run (it diverged or was cancelled). */
  freeze(run: number): void;
  dispose(): void;
}

export interface Kernel {
  readonly name: KernelName;
  /** What computes: `js`, or the tfjs backend (`tensorflow`, `wasm`, `cpu`). */
  readonly backend: string;
  trainer(batch: TrainerBatch): Trainer;
  /** Full-data loss at each of `count` parameter vectors laid end to end in `points`. */
  losses(arch: Architecture, data: Dataset, points: Float32Array, count: number): Float64Array;
  /**
   * J at the plane's points c + alpha[k]·d1 + beta[k]·d2, when the kernel builds them itself (they
   * must equal surface.ts's planePoints); otherwise the surface builds them and calls `losses`.
   */
  planeLosses?(arch: Architecture, data: Dataset, plane: Plane, alpha: Float64Array, beta: Float64Array): Float64Array;
}
