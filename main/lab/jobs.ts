// The job queue: long work (training, surfaces, sweeps, reproductions) started by a page runs as a job,
// one at a time, with throttled progress (and an ETA) and cancellation, listed to every page. What a
// job computes is given by the façade; the queue only orders, reports and cancels.
import { randomUUID } from 'node:crypto';
import type { JobInfo, JobKind, LabError } from '../../shared/api.js';
import { InputError } from '../../shared/errors.js';

/** What a job is doing when it starts, before its first progress report names it. */
const FIRST_PHASE: Record<JobKind, string> = { run: 'training', landscape: 'surface', interpolate: 'interpolation', sweep: 'sweep', reproduce: 'reproducing' };

/** Progress events per job are sent at most this often (ms). */
const THROTTLE_MS = 100;

/** A failure as the LabApi reports it: a user's mistake in words, anything else as an internal error. */
export function errorOf(e: unknown): LabError {
  if (e instanceof InputError) return { code: /no such experiment/.test(e.message) ? 'not-found' : 'invalid', message: e.message };
  if (e instanceof Error && e.name === 'AbortError') return { code: 'invalid', message: 'cancelled' };
  return { code: 'internal', message: `internal error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
}

/** What a job's work sees of it while it runs. */
export interface JobControl {
  readonly signal: AbortSignal;
  progress(phase: string, step: number, steps: number, bestLoss: number | null): void;
  /** The experiment the job stores into, once known. */
  setExperiment(id: number): void;
  /** For a reproduction: whether every number matched. */
  setMatches(matches: boolean): void;
}

export type JobWork = (job: JobControl) => Promise<void>;

interface Running {
  info: JobInfo;
  controller: AbortController;
  started: number;
  lastSent: number;
}

export class JobQueue {
  private readonly jobs = new Map<string, Running>();
  private readonly listeners = new Set<(job: JobInfo) => void>();
  /** Jobs run one at a time (each may use every worker); the rest wait their turn. */
  private queue: Promise<unknown> = Promise.resolve();

  onUpdate(listener: (job: JobInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
  }

  /** Whether a job of `kind` for experiment `id` is queued or running. */
  has(kind: JobKind, id: number): boolean {
    return [...this.jobs.values()].some((j) => j.info.experimentId === id && j.info.kind === kind && (j.info.state === 'queued' || j.info.state === 'running'));
  }

  cancel(id: string): void {
    const job = this.jobs.get(id);
    if (!job) throw new InputError(`jobId: no job ${id}`);
    job.controller.abort();
  }

  private emit(job: Running, force = false): void {
    const now = performance.now();
    if (!force && now - job.lastSent < THROTTLE_MS) return;
    job.lastSent = now;
    const info = { ...job.info };
    for (const l of this.listeners) l(info);
  }

  private progress(job: Running, phase: string, step: number, steps: number, bestLoss: number | null): void {
    const i = job.info;
    if (i.phase !== phase) job.started = performance.now();
    Object.assign(i, { phase, step, steps, bestLoss });
    const f = steps > 0 ? step / steps : 0;
    const elapsed = (performance.now() - job.started) / 1000;
    i.etaSeconds = f > 0.01 ? (elapsed / f) * (1 - f) : null;
    this.emit(job);
  }

  /** Queues `work` as a job of `kind` (for experiment `experimentId` when known already). */
  start(kind: JobKind, work: JobWork, experimentId: number | null = null): JobInfo {
    const job: Running = {
      info: { id: randomUUID(), kind, state: 'queued', phase: 'queued', step: 0, steps: 0, etaSeconds: null, bestLoss: null, experimentId, error: null },
      controller: new AbortController(),
      started: performance.now(),
      lastSent: 0,
    };
    const control: JobControl = {
      signal: job.controller.signal,
      progress: (phase, step, steps, bestLoss) => this.progress(job, phase, step, steps, bestLoss),
      setExperiment: (id) => void (job.info.experimentId = id),
      setMatches: (matches) => void (job.info.matches = matches),
    };
    this.jobs.set(job.info.id, job);
    this.emit(job, true);
    this.queue = this.queue.then(async () => {
      if (job.controller.signal.aborted) {
        job.info.state = 'cancelled';
        return this.emit(job, true);
      }
      job.info.state = 'running';
      job.info.phase = FIRST_PHASE[kind];
      job.started = performance.now();
      this.emit(job, true);
      try {
        await work(control);
        job.info.state = job.controller.signal.aborted ? 'cancelled' : 'done';
      } catch (e) {
        job.info.state = job.controller.signal.aborted ? 'cancelled' : 'failed';
        if (job.info.state === 'failed') job.info.error = errorOf(e);
      }
      job.info.etaSeconds = null;
      this.emit(job, true);
    });
    return { ...job.info };
  }
}
