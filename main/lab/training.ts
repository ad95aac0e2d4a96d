// Training one config: on the pool when the work repays it (always, once the pool runs, so that an
// app's main thread stays free), else in this thread.
import type { PreparedSplit } from '../engine/prepared.js';
import type { RunResult } from '../engine/results.js';
import { runPrepared } from '../engine/runs.js';
import type { Progress } from '../engine/train.js';
import { onDevice, poolFor, trainingWork } from './compute.js';
import type { JobOptions } from './options.js';

/** Trains one prepared config and returns its run (not stored). */
export async function train(p: PreparedSplit, options: JobOptions = {}): Promise<RunResult> {
  const { pool: _, ...rest } = options;
  const onProgress = (progress: Progress) => options.onProgress?.({ ...progress, phase: 'training' });
  const pool = onDevice(options, p.config) ? undefined : poolFor(options, trainingWork(p.config, p.arch), 0);
  const [result] = pool ? await pool.runConfigs([p.config], { ...rest, onProgress }) : await runPrepared([p], { ...rest, onProgress });
  return result;
}
