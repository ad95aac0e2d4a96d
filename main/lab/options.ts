// What a caller may say about how the lab computes one operation.
import type { KernelOptions, RunOptions } from '../engine/runs.js';
import type { WorkerPool } from '../workers/pool.js';

export type { KernelOptions };

export interface JobOptions extends Omit<RunOptions, 'batchRuns'> {
  /** Where the heavy work runs, split across its workers; without one, in this thread. */
  pool?: WorkerPool;
}
