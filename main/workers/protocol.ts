// Messages between the pool and its workers (structured-cloned; typed arrays are transferred back).
import type { BackendChoice, ExperimentConfig, KernelChoice } from '../../shared/config.js';
import type { Dataset } from '../engine/data.js';
import type { CurvaturePoints } from '../engine/curvatureMap.js';
import type { HessianColumns } from '../engine/hessian.js';
import type { trajectoryPca } from '../engine/directions.js';
import type { Kernel } from '../engine/kernel.js';
import type { Workload } from '../engine/kernelChoice.js';
import type { Architecture } from '../engine/model.js';
import type { Plane } from '../engine/surface.js';
import type { BatchSpec, Progress, RunOutcome } from '../engine/train.js';
import type { RunResult } from '../engine/results.js';

/**
 * A kernel named so that every worker loads the same one: work split across workers must not let
 * `auto` choose differently for each part.
 */
export interface KernelPin {
  kernel: KernelChoice;
  backend: BackendChoice;
}

/** A pinned kernel and what it resolved to. */
export interface ResolvedKernel {
  pin: KernelPin;
  name: Kernel['name'];
  backend: string;
}

export type Task =
  | { type: 'kernel'; kernel: KernelChoice; backend: BackendChoice; work: Workload }
  | { type: 'train'; spec: BatchSpec; kernel: KernelChoice; backend: BackendChoice; snapshotBudget?: number }
  | { type: 'runConfigs'; configs: ExperimentConfig[]; kernel?: KernelChoice; backend?: BackendChoice; batchRuns?: number }
  | { type: 'planeLosses'; pin: KernelPin; arch: Architecture; data: Dataset; plane: Plane; alpha: Float64Array; beta: Float64Array }
  | { type: 'losses'; pin: KernelPin; arch: Architecture; data: Dataset; points: Float32Array; count: number }
  | { type: 'curve'; pin: KernelPin; arch: Architecture; data: Dataset; from: Float32Array; to: Float32Array; t: Float64Array }
  | { type: 'pca'; snapshots: Float32Array; count: number; seed: number }
  | { type: 'hessian'; arch: Architecture; data: Dataset; params: Float64Array; from: number; to: number }
  | { type: 'curvature'; arch: Architecture; data: Dataset; plane: Plane; alpha: Float64Array; beta: Float64Array };

export type TaskResult =
  | { type: 'kernel'; kernel: ResolvedKernel }
  | { type: 'train'; outcomes: RunOutcome[]; kernel: Kernel['name']; backend: string }
  | { type: 'runConfigs'; results: RunResult[] }
  | { type: 'losses'; losses: Float64Array }
  | { type: 'pca'; pca: ReturnType<typeof trajectoryPca> }
  | { type: 'hessian'; columns: HessianColumns }
  | { type: 'curvature'; points: CurvaturePoints };

export type ToWorker = { type: 'task'; id: number; task: Task } | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'done'; id: number; result: TaskResult }
  | { type: 'error'; id: number; message: string; name: string };
