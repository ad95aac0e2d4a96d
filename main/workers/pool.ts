// A pool of worker threads with one queue. Tasks wait for an idle worker; a batch of independent runs
// can be split into one slice per worker, trained in parallel and returned in order, and a cost
// surface's chunks go to whichever worker is free. Split work runs on one pinned kernel, so its numbers
// are those of one worker doing it all. A pool may start its workers at once (a long-lived app) or
// when its first task comes (a command, which may never need them).
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { BackendChoice, ExperimentConfig, KernelChoice } from '../../shared/config.js';
import { InputError } from '../../shared/errors.js';
import { minOf } from '../../shared/numbers.js';
import type { Dataset } from '../engine/data.js';
import { startThread } from '../platform/threads.js';
import type { CurvaturePoints } from '../engine/curvatureMap.js';
import type { HessianColumns } from '../engine/hessian.js';
import type { trajectoryPca } from '../engine/directions.js';
import type { Kernel } from '../engine/kernel.js';
import type { Workload } from '../engine/kernelChoice.js';
import { layoutOf, type Architecture } from '../engine/model.js';
import type { Plane, PlaneEvaluator } from '../engine/surface.js';
import type { BatchSpec, Progress, RunOutcome, TrainOptions } from '../engine/train.js';
import { snapshotBudget } from '../engine/runs.js';
import type { RunResult } from '../engine/results.js';
import type { FromWorker, KernelPin, ResolvedKernel, Task, TaskResult, ToWorker } from './protocol.js';


interface Queued {
  id: number;
  task: Task;
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
  onProgress?: (p: Progress) => void;
  worker?: Worker;
}

export interface TaskOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Queued[] = [];
  private readonly active = new Map<number, Queued>();
  /** Tasks each worker has started: shows whether split work reached every worker. */
  readonly tasksStarted: number[];
  private nextId = 1;

  constructor(
    readonly size = availableParallelism(),
    options: { start?: 'now' | 'on-first-task' } = {},
  ) {
    this.tasksStarted = new Array<number>(size).fill(0);
    if (options.start !== 'on-first-task') this.start();
  }

  /** Whether the workers run (or are starting): then a task costs its messages, not a start. */
  get started(): boolean {
    return this.workers.length > 0;
  }

  private start(): void {
    for (let k = 0; k < this.size; k++) {
      const worker = startThread(import.meta.url, 'worker');
      worker.on('message', (m: FromWorker) => this.receive(worker, m));
      worker.on('error', (e) => this.fail(worker, e));
      worker.unref();
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Runs a task on the next idle worker. */
  submit(task: Task, options: TaskOptions = {}): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      const job: Queued = { id: this.nextId++, task, resolve, reject, onProgress: options.onProgress };
      if (options.signal) {
        const cancel = () => {
          const queuedAt = this.queue.indexOf(job);
          if (queuedAt >= 0) {
            this.queue.splice(queuedAt, 1);
            reject(new DOMException('the job was cancelled before it started', 'AbortError'));
          } else job.worker?.postMessage({ type: 'cancel', id: job.id } satisfies ToWorker);
        };
        if (options.signal.aborted) return cancel();
        const signal = options.signal;
        // A sweep queues a task per cell under one signal, so many listeners at once are expected;
        // each task removes its own when it settles.
        setMaxListeners(0, signal);
        signal.addEventListener('abort', cancel, { once: true });
        const settle = () => signal.removeEventListener('abort', cancel);
        job.resolve = (r) => (settle(), resolve(r));
        job.reject = (e) => (settle(), reject(e));
      }
      this.queue.push(job);
      if (!this.started) this.start();
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift() as Worker;
      const job = this.queue.shift() as Queued;
      job.worker = worker;
      this.active.set(job.id, job);
      // A busy pool keeps the process alive; an idle one does not.
      worker.ref();
      this.tasksStarted[this.workers.indexOf(worker)]++;
      worker.postMessage({ type: 'task', id: job.id, task: job.task } satisfies ToWorker);
    }
  }

  private release(worker: Worker): void {
    worker.unref();
    this.idle.push(worker);
    this.pump();
  }

  private receive(worker: Worker, m: FromWorker): void {
    const job = this.active.get(m.id);
    if (!job) return;
    if (m.type === 'progress') {
      job.onProgress?.(m.progress);
      return;
    }
    this.active.delete(m.id);
    this.release(worker);
    if (m.type === 'done') job.resolve(m.result);
    else job.reject(m.name === 'InputError' ? new InputError(m.message) : Object.assign(new Error(m.message), { name: m.name }));
  }

  private fail(worker: Worker, e: Error): void {
    for (const [id, job] of this.active) {
      if (job.worker === worker) {
        this.active.delete(id);
        job.reject(e);
      }
    }
  }

  private async result<T extends TaskResult['type']>(type: T, task: Task, options: TaskOptions): Promise<Extract<TaskResult, { type: T }>> {
    const r = await this.submit(task, options);
    if (r.type !== type) throw new Error(`a ${task.type} task answered ${r.type}`);
    return r as Extract<TaskResult, { type: T }>;
  }

  /** Which kernel `kernel`/`backend` choose for `work`, loaded once on a worker. */
  async resolveKernel(kernel: KernelChoice, backend: BackendChoice, work: Workload, options: TaskOptions = {}): Promise<ResolvedKernel> {
    return (await this.result('kernel', { type: 'kernel', kernel, backend, work }, options)).kernel;
  }

  /** Trains a batch split into one slice per worker; outcomes in the order of `spec.runs`. */
  async trainBatch(spec: BatchSpec, options: TrainOptions & { kernel?: KernelChoice; backend?: BackendChoice } = {}): Promise<{ outcomes: RunOutcome[]; kernel: Kernel['name']; backend: string }> {
    const R = spec.runs.length;
    const parts = Math.max(1, Math.min(this.size, R));
    const choice = { kernel: options.kernel ?? 'js', backend: options.backend ?? 'auto' };
    // `auto` chooses by the work of the whole batch, once, not by each slice's.
    const pin: KernelPin = parts > 1 && choice.kernel === 'auto' ? (await this.resolveKernel(choice.kernel, choice.backend, { arch: spec.arch, runs: R, batchSize: spec.batchSize, n: spec.runs[0].data.n }, options)).pin : choice;
    const P = layoutOf(spec.arch).count;
    const steps = new Array<number>(parts).fill(0);
    const best = new Array<number | null>(parts).fill(null);
    const results = await Promise.all(
      Array.from({ length: parts }, (_, k) => {
        const runs = spec.runs.slice(Math.floor((k * R) / parts), Math.floor(((k + 1) * R) / parts));
        const task: Task = { type: 'train', spec: { ...spec, runs }, ...pin, snapshotBudget: snapshotBudget(R, runs.length, P, options.snapshotBudget) };
        return this.result('train', task, {
          signal: options.signal,
          onProgress: (p) => {
            steps[k] = p.step;
            best[k] = p.bestLoss;
            const known = best.filter((b): b is number => b !== null);
            options.onProgress?.({ step: minOf(steps), steps: spec.steps, bestLoss: known.length ? minOf(known) : null });
          },
        });
      }),
    );
    return { outcomes: results.flatMap((r) => r.outcomes), kernel: results[0].kernel, backend: results[0].backend };
  }

  /**
   * Trains a list of configs on one worker (batched where compatible). `batchRuns`: the size of the
   * whole batch these configs are a part of, when the caller split one.
   */
  async runConfigs(configs: ExperimentConfig[], options: TaskOptions & { kernel?: KernelChoice; backend?: BackendChoice; batchRuns?: number } = {}): Promise<RunResult[]> {
    const task: Task = { type: 'runConfigs', configs, kernel: options.kernel, backend: options.backend, batchRuns: options.batchRuns };
    return (await this.result('runConfigs', task, options)).results;
  }

  /** Evaluates cost-surface chunks on whichever worker is free, all on the pinned kernel. */
  planeEvaluator(pin: KernelPin, arch: Architecture, data: Dataset, options: TaskOptions = {}): PlaneEvaluator {
    return async (plane, alpha, beta) => {
      const task: Task = { type: 'planeLosses', pin, arch, data, plane: { center: plane.center, d1: plane.d1, d2: plane.d2 }, alpha, beta };
      return (await this.result('losses', task, { signal: options.signal })).losses;
    };
  }

  /** Full-data loss at `count` parameter vectors laid end to end in `points`, on one worker. */
  async losses(pin: KernelPin, arch: Architecture, data: Dataset, points: Float32Array, count: number, options: TaskOptions = {}): Promise<Float64Array> {
    return (await this.result('losses', { type: 'losses', pin, arch, data, points, count }, options)).losses;
  }

  /** J((1−t)·from + t·to) at each t, on one worker (which builds the points). */
  async curve(pin: KernelPin, arch: Architecture, data: Dataset, from: Float32Array, to: Float32Array, t: Float64Array, options: TaskOptions = {}): Promise<Float64Array> {
    return (await this.result('losses', { type: 'curve', pin, arch, data, from, to, t }, options)).losses;
  }

  /** The trajectory's two principal directions (power iteration over [K][P]: long for large networks). */
  async trajectoryPca(snapshots: Float32Array, count: number, seed: number, options: TaskOptions = {}): Promise<ReturnType<typeof trajectoryPca>> {
    return (await this.result('pca', { type: 'pca', snapshots, count, seed }, options)).pca;
  }

  /** Columns [from, to) of the exact Hessian of the full-data loss at `params`, on one worker. */
  async hessianColumns(arch: Architecture, data: Dataset, params: Float64Array, from: number, to: number, options: TaskOptions = {}): Promise<HessianColumns> {
    return (await this.result('hessian', { type: 'hessian', arch, data, params, from, to }, options)).columns;
  }

  /** The convexity map's eigenvalues at the plane points (alpha[k], beta[k]), on one worker. */
  async curvature(arch: Architecture, data: Dataset, plane: Plane, alpha: Float64Array, beta: Float64Array, options: TaskOptions = {}): Promise<CurvaturePoints> {
    return (await this.result('curvature', { type: 'curvature', arch, data, plane: { center: plane.center, d1: plane.d1, d2: plane.d2 }, alpha, beta }, options)).points;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
