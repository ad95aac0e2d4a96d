// A pool worker: runs one task at a time (a slice of a batch, or a list of configs), reports
// progress and obeys cancel.
import { parentPort } from 'node:worker_threads';
import { selectKernel, workPerStep } from '../engine/kernels.js';
import { trainBatch, type Progress } from '../engine/train.js';
import { landscape } from '../lab/lab.js';
import { runConfigs } from '../lab/runs.js';
import type { FromWorker, Task, TaskResult, ToWorker } from './protocol.js';

if (!parentPort) throw new Error('jobs/worker.ts runs only as a worker thread');
const port = parentPort;
const controllers = new Map<number, AbortController>();

async function perform(id: number, task: Task, signal: AbortSignal): Promise<TaskResult> {
  const onProgress = (progress: Progress) => port.postMessage({ type: 'progress', id, progress } satisfies FromWorker);
  if (task.type === 'train') {
    const { spec } = task;
    const kernel = await selectKernel(task.kernel, task.backend, workPerStep(spec.arch, spec.runs.length, spec.batchSize));
    const outcomes = await trainBatch(kernel, spec, { signal, onProgress });
    return { type: 'train', outcomes, kernel: kernel.name, backend: kernel.backend };
  }
  if (task.type === 'landscape') {
    const surface = await landscape(task.config, task.request, { kernel: task.kernel, backend: task.backend, signal, trained: task.trained, onProgress });
    return { type: 'landscape', surface };
  }
  const results = await runConfigs(task.configs, { kernel: task.kernel, backend: task.backend, signal, onProgress });
  return { type: 'runConfigs', results };
}

/** The buffers of every typed array in a result, to transfer instead of copy. */
function buffersOf(value: unknown, out: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) out.add(value.buffer as ArrayBuffer);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) buffersOf(v, out);
  return [...out];
}

port.on('message', async (message: ToWorker) => {
  if (message.type === 'cancel') {
    controllers.get(message.id)?.abort();
    return;
  }
  const { id, task } = message;
  const controller = new AbortController();
  controllers.set(id, controller);
  try {
    const result = await perform(id, task, controller.signal);
    port.postMessage({ type: 'done', id, result } satisfies FromWorker, buffersOf(result));
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ type: 'error', id, message: error.message, name: error.name } satisfies FromWorker);
  } finally {
    controllers.delete(id);
  }
});
