// A pool worker: trains one slice of a batch with the requested kernel, reports progress, obeys cancel.
import { parentPort } from 'node:worker_threads';
import { selectKernel, workPerStep } from '../engine/kernels.js';
import { trainBatch, type RunOutcome } from '../engine/train.js';
import type { ToWorker, FromWorker } from './protocol.js';

if (!parentPort) throw new Error('jobs/worker.ts runs only as a worker thread');
const port = parentPort;
const controllers = new Map<number, AbortController>();

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function buffersOf(outcomes: RunOutcome[]): ArrayBuffer[] {
  return outcomes.flatMap((o) => [o.loss.steps, o.loss.values, o.snapshots.steps, o.snapshots.params, o.init, o.final].map((a) => a.buffer as ArrayBuffer));
}

port.on('message', async (message: ToWorker) => {
  if (message.type === 'cancel') {
    controllers.get(message.id)?.abort();
    return;
  }
  const { id, spec, kernel: kernelChoice, backend } = message;
  const controller = new AbortController();
  controllers.set(id, controller);
  try {
    const kernel = await selectKernel(kernelChoice, backend, workPerStep(spec.arch, spec.runs.length, spec.batchSize));
    const outcomes = await trainBatch(kernel, spec, {
      signal: controller.signal,
      onProgress: (p) => post({ type: 'progress', id, progress: p }),
    });
    post({ type: 'done', id, outcomes, kernel: kernel.name, backend: kernel.backend }, buffersOf(outcomes));
  } catch (e) {
    post({ type: 'error', id, message: e instanceof Error ? e.message : String(e) });
  } finally {
    controllers.delete(id);
  }
});
