// A pool of worker threads with one queue. Tasks wait for an idle worker; a batch of independent runs
// can be split into one slice per worker, trained in parallel and returned in order.
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError, type BackendChoice, type ExperimentConfig, type KernelChoice } from '../../shared/config.js';
import type { BatchSpec, Progress, RunOutcome, TrainOptions } from '../engine/train.js';
import type { LandscapeResult } from '../lab/lab.js';
import type { RunResult } from '../lab/runs.js';
import type { FromWorker, Task, TaskResult, ToWorker } from './protocol.js';

/** Running from TypeScript sources (tests, tsx) the worker is the .ts file, loaded through tsx. */
function spawnWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
}

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
  private nextId = 1;

  constructor(readonly size = availableParallelism()) {
    for (let k = 0; k < size; k++) {
      const worker = spawnWorker();
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

  /** Trains a batch split into one slice per worker; outcomes in the order of `spec.runs`. */
  async trainBatch(spec: BatchSpec, options: TrainOptions & { kernel?: KernelChoice; backend?: BackendChoice } = {}): Promise<{ outcomes: RunOutcome[]; kernel: 'js' | 'tfjs'; backend: string }> {
    const R = spec.runs.length;
    const parts = Math.max(1, Math.min(this.size, R));
    const steps = new Array<number>(parts).fill(0);
    const best = new Array<number | null>(parts).fill(null);
    const results = await Promise.all(
      Array.from({ length: parts }, (_, k) => {
        const runs = spec.runs.slice(Math.floor((k * R) / parts), Math.floor(((k + 1) * R) / parts));
        return this.submit(
          { type: 'train', spec: { ...spec, runs }, kernel: options.kernel ?? 'js', backend: options.backend ?? 'auto' },
          {
            signal: options.signal,
            onProgress: (p) => {
              steps[k] = p.step;
              best[k] = p.bestLoss;
              const known = best.filter((b): b is number => b !== null);
              options.onProgress?.({ step: Math.min(...steps), steps: spec.steps, bestLoss: known.length ? Math.min(...known) : null });
            },
          },
        );
      }),
    );
    const trained = results as Extract<TaskResult, { type: 'train' }>[];
    return { outcomes: trained.flatMap((r) => r.outcomes), kernel: trained[0].kernel, backend: trained[0].backend };
  }

  /** Trains a list of configs on one worker (batched where compatible). */
  async runConfigs(configs: ExperimentConfig[], options: TaskOptions & { kernel?: KernelChoice; backend?: BackendChoice } = {}): Promise<RunResult[]> {
    const r = (await this.submit({ type: 'runConfigs', configs, kernel: options.kernel, backend: options.backend }, options)) as Extract<TaskResult, { type: 'runConfigs' }>;
    return r.results;
  }

  /** Computes a cost surface on one worker. */
  async landscape(task: Omit<Extract<Task, { type: 'landscape' }>, 'type'>, options: TaskOptions = {}): Promise<LandscapeResult> {
    const r = (await this.submit({ type: 'landscape', ...task }, options)) as Extract<TaskResult, { type: 'landscape' }>;
    return r.surface;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
