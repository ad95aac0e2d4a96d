// Messages between the pool and its workers (structured-cloned; typed arrays are transferred back).
import type { BackendChoice, ExperimentConfig, KernelChoice } from '../../shared/config.js';
import type { BatchSpec, Progress, RunOutcome } from '../engine/train.js';
import type { LandscapeRequest, LandscapeResult } from '../lab/lab.js';
import type { RunResult } from '../lab/runs.js';

export type Task =
  | { type: 'train'; spec: BatchSpec; kernel: KernelChoice; backend: BackendChoice }
  | { type: 'runConfigs'; configs: ExperimentConfig[]; kernel?: KernelChoice; backend?: BackendChoice }
  | { type: 'landscape'; config: ExperimentConfig; request: LandscapeRequest; trained: RunResult; kernel?: KernelChoice; backend?: BackendChoice };

export type TaskResult =
  | { type: 'train'; outcomes: RunOutcome[]; kernel: 'js' | 'tfjs'; backend: string }
  | { type: 'runConfigs'; results: RunResult[] }
  | { type: 'landscape'; surface: LandscapeResult };

export type ToWorker = { type: 'task'; id: number; task: Task } | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'done'; id: number; result: TaskResult }
  | { type: 'error'; id: number; message: string; name: string };
