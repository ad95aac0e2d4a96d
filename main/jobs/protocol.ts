// Messages between the pool and its workers (structured-cloned; typed arrays are transferred back).
import type { BackendChoice, KernelChoice } from '../../shared/config.js';
import type { BatchSpec, Progress, RunOutcome } from '../engine/train.js';

export type ToWorker =
  | { type: 'train'; id: number; spec: BatchSpec; kernel: KernelChoice; backend: BackendChoice }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'done'; id: number; outcomes: RunOutcome[]; kernel: 'js' | 'tfjs'; backend: string }
  | { type: 'error'; id: number; message: string };
