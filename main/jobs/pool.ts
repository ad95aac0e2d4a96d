// A pool of worker threads for training. A batch of independent runs is split into one contiguous
// slice per worker; the slices train in parallel and come back in order, as if trained together.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendChoice, KernelChoice } from '../../shared/config.js';
import type { BatchSpec, RunOutcome, TrainOptions } from '../engine/train.js';
import type { FromWorker, ToWorker } from './protocol.js';

interface Pending {
  worker: Worker;
  resolve: (m: Extract<FromWorker, { type: 'done' }>) => void;
  reject: (e: Error) => void;
  onProgress?: (m: Extract<FromWorker, { type: 'progress' }>) => void;
}

/** Running from TypeScript sources (tests, tsx) the worker is the .ts file, loaded through tsx. */
function spawnWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
}

export interface PoolTrainOptions extends TrainOptions {
  kernel?: KernelChoice;
  backend?: BackendChoice;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(readonly size = availableParallelism()) {
    for (let k = 0; k < size; k++) {
      const worker = spawnWorker();
      worker.on('message', (m: FromWorker) => this.receive(m));
      worker.on('error', (e) => this.failAll(e));
      worker.unref();
      this.workers.push(worker);
    }
  }

  private receive(m: FromWorker): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') p.onProgress?.(m);
    else {
      this.pending.delete(m.id);
      // An idle pool must not keep the process alive; a busy one must.
      if (![...this.pending.values()].some((q) => q.worker === p.worker)) p.worker.unref();
      if (m.type === 'done') p.resolve(m);
      else p.reject(new Error(m.message));
    }
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Trains the batch split across the workers; outcomes in the order of `spec.runs`. */
  async trainBatch(spec: BatchSpec, options: PoolTrainOptions = {}): Promise<{ outcomes: RunOutcome[]; kernel: 'js' | 'tfjs'; backend: string }> {
    const R = spec.runs.length;
    const parts = Math.max(1, Math.min(this.size, R));
    const slices = Array.from({ length: parts }, (_, k) => spec.runs.slice(Math.floor((k * R) / parts), Math.floor(((k + 1) * R) / parts)));
    const steps = new Array<number>(parts).fill(0);
    const best = new Array<number | null>(parts).fill(null);
    const ids: number[] = [];
    const onAbort = () => ids.forEach((id, k) => this.workers[k].postMessage({ type: 'cancel', id } satisfies ToWorker));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const results = await Promise.all(
        slices.map((runs, k) => {
          const id = this.nextId++;
          ids.push(id);
          return new Promise<Extract<FromWorker, { type: 'done' }>>((resolve, reject) => {
            const worker = this.workers[k];
            this.pending.set(id, {
              worker,
              resolve,
              reject,
              onProgress: (m) => {
                steps[k] = m.progress.step;
                best[k] = m.progress.bestLoss;
                const known = best.filter((b): b is number => b !== null);
                options.onProgress?.({ step: Math.min(...steps), steps: spec.steps, bestLoss: known.length ? Math.min(...known) : null });
              },
            });
            const message: ToWorker = { type: 'train', id, spec: { ...spec, runs }, kernel: options.kernel ?? 'js', backend: options.backend ?? 'auto' };
            worker.ref();
            worker.postMessage(message);
            if (options.signal?.aborted) onAbort();
          });
        }),
      );
      return { outcomes: results.flatMap((r) => r.outcomes), kernel: results[0].kernel, backend: results[0].backend };
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
