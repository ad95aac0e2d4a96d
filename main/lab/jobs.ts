// The job queue: long work (training, surfaces, sweeps, reproductions, imports, exports and merges) started by a page runs as a job,
// one at a time, with throttled progress (and an ETA) and cancellation, listed to every page. What a
// job computes is given by the façade; the queue only orders, reports and cancels.
import { randomUUID } from 'node:crypto';
import type { JobInfo, JobKind, LabError } from '../../shared/api.js';
import { InputError } from '../../shared/errors.js';

/** What a job is doing when it starts, before its first progress report names it. */
const FIRST_PHASE: Record<JobKind, string> = { run: 'training', landscape: 'surface', interpolate: 'interpolation', sweep: 'sweep', reproduce: 'reproducing', import: 'checking', export: 'exporting', merge: 'checking' };

/** Progress events per job are sent at most this often (ms). */
const THROTTLE_MS = 100;
/** Ended jobs kept in the list (for a page that opens later), newest first; older ones are forgotten. */
const ENDED_KEPT = 50;

/** A job in words, as a queued one names the job it waits for: "the surface of #3". */
const JOB_WORDS: Record<JobKind, string> = { run: 'a run', landscape: 'a surface', interpolate: 'a curve', sweep: 'a sweep', reproduce: 'a reproduction', import: 'an import', export: 'an export', merge: 'a merge' };

function described(info: JobInfo): string {
  return `${JOB_WORDS[info.kind]}${info.experimentId !== null ? ` of #${info.experimentId}` : ''} (${info.state === 'running' ? `${info.phase}, running` : 'queued'})`;
}

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

export type JobWork<T = void> = (job: JobControl) => Promise<T>;

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

  /** Every job still running or queued, and the last ended ones: what a page opening now should show. */
  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => this.infoOf(j));
  }

  /** A job's info as sent: a queued job says what it waits for (the jobs run one at a time, in order). */
  private infoOf(job: Running): JobInfo {
    if (job.info.state !== 'queued') return { ...job.info, waitingFor: null };
    const ahead = [...this.jobs.values()];
    const before = ahead.slice(0, ahead.indexOf(job)).filter((j) => j.info.state === 'running' || j.info.state === 'queued');
    const running = before.find((j) => j.info.state === 'running') ?? before[0];
    const waitingFor = running ? `${described(running.info)}${before.length > 1 ? ` and ${before.length - 1} more queued before it` : ''}` : null;
    return { ...job.info, waitingFor };
  }

  /** Forgets the oldest ended jobs beyond ENDED_KEPT. */
  private prune(): void {
    const ended = [...this.jobs.values()].filter((j) => j.info.state !== 'queued' && j.info.state !== 'running');
    for (const j of ended.slice(0, Math.max(0, ended.length - ENDED_KEPT))) this.jobs.delete(j.info.id);
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
    const info = this.infoOf(job);
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
    const { info, result } = this.run(kind, work, experimentId);
    // The job's list and events report how it ended; no one waits on its result.
    result.catch(() => undefined);
    return info;
  }

  /**
   * As start, for a caller that also waits for the work's result (a door answering one request): it
   * rejects as the job fails, or with an AbortError when the job is cancelled, queued or running.
   */
  run<T>(kind: JobKind, work: JobWork<T>, experimentId: number | null = null): { info: JobInfo; result: Promise<T> } {
    let settle!: { resolve: (value: T) => void; reject: (e: unknown) => void };
    const result = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    const job: Running = {
      info: { id: randomUUID(), kind, state: 'queued', phase: 'queued', step: 0, steps: 0, etaSeconds: null, bestLoss: null, experimentId, waitingFor: null, error: null },
      controller: new AbortController(),
      started: performance.now(),
      lastSent: 0,
    };
    const control: JobControl = {
      signal: job.controller.signal,
      progress: (phase, step, steps, bestLoss) => this.progress(job, phase, step, steps, bestLoss),
      setExperiment: (id) => {
        job.info.experimentId = id;
        this.emit(job, true);
      },
      setMatches: (matches) => void (job.info.matches = matches),
    };
    this.jobs.set(job.info.id, job);
    this.emit(job, true);
    this.queue = this.queue.then(async () => {
      if (job.controller.signal.aborted) {
        job.info.state = 'cancelled';
        settle.reject(new DOMException('cancelled', 'AbortError'));
        return this.emit(job, true);
      }
      job.info.state = 'running';
      job.info.phase = FIRST_PHASE[kind];
      job.started = performance.now();
      this.emit(job, true);
      // The jobs behind it wait for this one now: each says so.
      for (const next of this.jobs.values()) if (next.info.state === 'queued') this.emit(next, true);
      let ended: () => void;
      try {
        const value = await work(control);
        job.info.state = job.controller.signal.aborted ? 'cancelled' : 'done';
        ended = () => settle.resolve(value);
      } catch (e) {
        job.info.state = job.controller.signal.aborted ? 'cancelled' : 'failed';
        if (job.info.state === 'failed') job.info.error = errorOf(e);
        ended = () => settle.reject(e);
      }
      job.info.etaSeconds = null;
      this.emit(job, true);
      this.prune();
      ended();
    });
    return { info: this.infoOf(job), result };
  }
}
