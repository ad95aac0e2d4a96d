// Jobs: long work (training, surfaces, sweeps, reproductions) run on the worker pool behind one queue,
// with throttled progress (and an ETA) and cancellation. Main's thread only stores results, so its
// event loop stays free. A cancelled job stores what it finished, marked cancelled.
import { randomUUID } from 'node:crypto';
import { InputError, parseConfig } from '../../shared/config.js';
import type { JobInfo, JobKind, LabError, Request } from '../../shared/api.js';
import type { Progress } from '../engine/train.js';
import { experimentInterpolation, experimentLandscape, reproduce, runOf, saveRun } from './experiments.js';
import { checkLandscapeRequest } from './lab.js';
import { resumeSweep, runSweep } from './sweep.js';
import { expandSweep } from '../../shared/sweep.js';
import type { ExperimentStore } from '../store/experiments.js';
import type { WorkerPool } from '../workers/pool.js';

/** What a job is doing when it starts, before its first progress report names it. */
const FIRST_PHASE: Record<JobKind, string> = { run: 'training', landscape: 'surface', interpolate: 'interpolation', sweep: 'sweep', reproduce: 'reproducing' };

/** Progress events per job are sent at most this often (ms). */
const THROTTLE_MS = 100;

export function errorOf(e: unknown): LabError {
  if (e instanceof InputError) return { code: /no such experiment/.test(e.message) ? 'not-found' : 'invalid', message: e.message };
  if (e instanceof Error && e.name === 'AbortError') return { code: 'invalid', message: 'cancelled' };
  return { code: 'internal', message: `internal error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
}

interface Running {
  info: JobInfo;
  controller: AbortController;
  started: number;
  lastSent: number;
}

export class JobManager {
  private readonly jobs = new Map<string, Running>();
  private readonly listeners = new Set<(job: JobInfo) => void>();
  /** Jobs run one at a time (each may use every worker); the rest wait their turn. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: WorkerPool,
    private readonly store: ExperimentStore,
  ) {}

  onUpdate(listener: (job: JobInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ ...j.info }));
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

  /** Validates what can be checked up front (so bad input fails the call, not the job), then queues the job. */
  start<K extends JobKind>(kind: K, request: unknown): JobInfo {
    const job: Running = {
      info: { id: randomUUID(), kind, state: 'queued', phase: 'queued', step: 0, steps: 0, etaSeconds: null, bestLoss: null, experimentId: null, error: null },
      controller: new AbortController(),
      started: performance.now(),
      lastSent: 0,
    };
    const work = this.prepare(kind, request, job.info);
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
        await work(job);
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

  /** What resumeSweep would refuse, refused when the call is made, and a sweep this lab already has a job for. */
  private checkResumable(id: number): void {
    const e = this.store.summary(id);
    if (!e.isSweep) throw new InputError(`id: experiment ${id} is not a sweep; only sweeps can be resumed`);
    const queued = [...this.jobs.values()].some((j) => j.info.experimentId === id && j.info.kind === 'sweep' && (j.info.state === 'queued' || j.info.state === 'running'));
    if (e.status === 'running' || queued) throw new InputError(`id: sweep ${id} is still running; cancel it or wait for it to finish`);
    if (e.status === 'done') throw new InputError(`id: sweep ${id} is complete; there is nothing to resume`);
  }

  /** Checks the request and returns the work; sets info.experimentId where it is known before the job runs. */
  private prepare(kind: JobKind, request: unknown, info: JobInfo): (job: Running) => Promise<void> {
    const signalOf = (job: Running) => job.controller.signal;
    const onProgress = (job: Running, phase: string) => (p: Progress) => this.progress(job, phase, p.step, p.steps, p.bestLoss);
    // A surface or curve may first search for the optimum: the job names each phase as it comes.
    const onPhase = (job: Running) => (p: Progress & { phase: string }) => this.progress(job, p.phase, p.step, p.steps, p.bestLoss);
    switch (kind) {
      case 'run': {
        const r = request as Request<'jobs.run'>;
        const config = parseConfig(r.config);
        return async (job) => {
          const [result] = await this.pool.runConfigs([config], { signal: signalOf(job), onProgress: onProgress(job, 'training') });
          job.info.experimentId = saveRun(this.store, result, r.name);
        };
      }
      case 'landscape': {
        const r = request as Required<Request<'jobs.landscape'>>;
        const req = { center: r.center, axes: r.axes, res: r.res, span: r.span };
        checkLandscapeRequest(req, runOf(this.store, r.experimentId, r.run).config);
        return async (job) => {
          job.info.experimentId = r.experimentId;
          // The run is read when the job starts: an earlier job may have stored its optimum since.
          await experimentLandscape(this.store, r.experimentId, req, { runIndex: r.run, pool: this.pool, signal: signalOf(job), onProgress: onPhase(job) });
        };
      }
      case 'interpolate': {
        const r = request as Required<Request<'jobs.interpolate'>>;
        runOf(this.store, r.experimentId, r.run);
        return async (job) => {
          job.info.experimentId = r.experimentId;
          await experimentInterpolation(this.store, r.experimentId, { from: r.from, to: r.to, points: r.points }, { runIndex: r.run, pool: this.pool, signal: signalOf(job), onProgress: onPhase(job) });
        };
      }
      case 'sweep': {
        const r = request as Request<'jobs.sweep'> | Request<'jobs.resumeSweep'>;
        const sweepOptions = (job: Running) => ({
          pool: this.pool,
          signal: signalOf(job),
          onSweepProgress: (p: { runsDone: number; runsTotal: number }) => this.progress(job, 'sweep', p.runsDone, p.runsTotal, null),
        });
        if ('id' in r) {
          this.checkResumable(r.id);
          info.experimentId = r.id;
          return async (job) => {
            await resumeSweep(this.store, r.id, sweepOptions(job));
          };
        }
        expandSweep(r.spec);
        return async (job) => {
          const outcome = await runSweep(this.store, r.spec, sweepOptions(job));
          job.info.experimentId = outcome.experimentId;
        };
      }
      case 'reproduce': {
        const { id } = request as Request<'jobs.reproduce'>;
        this.store.summary(id);
        return async (job) => {
          job.info.experimentId = id;
          const r = await reproduce(this.store, id, {
            signal: signalOf(job),
            runner: (configs, o) => this.pool.runConfigs(configs, { kernel: o.kernel, backend: o.backend, signal: o.signal, onProgress: onProgress(job, 'reproducing') }),
          });
          job.info.matches = r.matches;
        };
      }
    }
  }
}
