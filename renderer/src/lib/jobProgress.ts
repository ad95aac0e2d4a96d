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

/**
 * The one wording of time left, for the progress bar, the centre and the job centre alike: "about 12 s
 * left" (whole seconds, rounded up); "finishing" once the counted work is done but the job still runs
 * (storing, the last checks: never "ETA 0.0 s" for seconds on end); nothing before there is a pace.
 */
export function etaText(etaSeconds: number | null, fraction: number, running: boolean): string {
  if (!running) return '';
  if (fraction >= 0.995 || (etaSeconds !== null && etaSeconds < 0.5)) return 'finishing';
  return etaSeconds === null ? '' : `about ${Math.ceil(etaSeconds)} s left`;
}

/** A job's share done, 0…1 (1 once it has ended). */
export function jobShare(job: JobInfo): number {
  return jobFraction(job);
}

/** One job's progress in words, as the bar and the job centre say it: "training · 2,048/5,000 · about 3 s left". */
export function jobText(job: JobInfo): string {
  const running = job.state === 'running';
  const what = running ? job.phase : job.state === 'done' || job.phase === job.state || job.phase === 'queued' ? job.state : `${job.phase} · ${job.state}`;
  const steps = job.steps ? ` · ${job.step.toLocaleString()}/${job.steps.toLocaleString()}` : '';
  const eta = etaText(job.etaSeconds, jobFraction(job), running);
  return `${what}${steps}${eta ? ` · ${eta}` : ''}`;
}

/** The three surfaces together, as the bar and the centre both say it: "42% · about 12 s left". */
export function batchText(p: BatchProgress): string {
  const eta = etaText(p.etaSeconds, p.fraction, true);
  return `${Math.round(p.fraction * 100)}%${eta ? ` · ${eta}` : ''}`;
}
