// One progress and one ETA for work the app starts as several jobs (the three surfaces of a run):
// each job counts for an equal share, and the ETA extrapolates the pace of the whole batch so far.
import type { JobInfo } from '../../../shared/api.js';

export interface BatchProgress {
  /** Share of the whole batch done, 0…1. */
  fraction: number;
  /** Seconds left for the whole batch, or null until there is a pace to go by. */
  etaSeconds: number | null;
}

function jobFraction(job: JobInfo): number {
  if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') return 1;
  return job.steps > 0 ? Math.min(1, job.step / job.steps) : 0;
}

/** Progress over `jobs` (the latest info of each job of the batch), `elapsed` seconds since it began. */
export function batchProgress(jobs: readonly JobInfo[], total: number, elapsed: number): BatchProgress {
  const count = Math.max(total, jobs.length, 1);
  const fraction = jobs.reduce((s, j) => s + jobFraction(j), 0) / count;
  return { fraction, etaSeconds: fraction > 0.02 && fraction < 1 ? (elapsed / fraction) * (1 - fraction) : null };
}
