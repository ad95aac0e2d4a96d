// A pool worker: runs one task at a time (a slice of a batch, a list of configs, a chunk of a cost
// surface), reports progress and obeys cancel.
import { parentPort } from 'node:worker_threads';
import type { BackendChoice } from '../../shared/config.js';
import { trajectoryPca } from '../engine/directions.js';
import { curvatureAt } from '../engine/curvatureMap.js';
import { HessianNet } from '../engine/hessian.js';
import { selectKernel, type Workload } from '../engine/kernelChoice.js';
import { interpolationPoints, lossesOnPlane } from '../engine/surface.js';
import { trainBatch, type Progress } from '../engine/train.js';
import { runConfigs } from '../engine/runs.js';
import type { FromWorker, KernelPin, Task, TaskResult, ToWorker } from './protocol.js';
import { setGpuDeviceSource, webgpuSource } from '../engine/gpu/device.js';
import { dawnGpuOrReason } from '../platform/dawn.js';

if (!parentPort) throw new Error('jobs/worker.ts runs only as a worker thread');
const port = parentPort;
// A worker is a process's thread of its own: the gpu kernel's device comes from Dawn here too.
setGpuDeviceSource(webgpuSource('dawn', dawnGpuOrReason));
const controllers = new Map<number, AbortController>();

const load = (pin: KernelPin, work?: Workload) => selectKernel(pin.kernel, pin.backend, work);

async function perform(id: number, task: Task, signal: AbortSignal): Promise<TaskResult> {
  const onProgress = (progress: Progress) => port.postMessage({ type: 'progress', id, progress } satisfies FromWorker);
  switch (task.type) {
    case 'kernel': {
      const k = await load(task, task.work);
      // Only tfjs has backends to choose from; naming the one it loaded keeps every worker on it.
      const pin: KernelPin = { kernel: k.name, backend: k.name === 'tfjs' ? (k.backend as BackendChoice) : 'auto' };
      return { type: 'kernel', kernel: { pin, name: k.name, backend: k.backend } };
    }
    case 'train': {
      const { spec } = task;
      const kernel = await selectKernel(task.kernel, task.backend, { arch: spec.arch, runs: spec.runs.length, batchSize: spec.batchSize, n: spec.runs[0].data.n });
      const outcomes = await trainBatch(kernel, spec, { signal, onProgress, snapshotBudget: task.snapshotBudget });
      return { type: 'train', outcomes, kernel: kernel.name, backend: kernel.backend };
    }
    case 'planeLosses':
      return { type: 'losses', losses: await lossesOnPlane(await load(task.pin), task.arch, task.data, task.plane, task.alpha, task.beta) };
    case 'losses':
      return { type: 'losses', losses: await (await load(task.pin)).lossesAt(task.arch, task.data, task.points, task.count) };
    case 'curve':
      return { type: 'losses', losses: await (await load(task.pin)).lossesAt(task.arch, task.data, interpolationPoints(task.from, task.to, task.t), task.t.length) };
    case 'pca':
      return { type: 'pca', pca: trajectoryPca(task.snapshots, task.count, task.seed) };
    case 'curvature':
      return { type: 'curvature', points: curvatureAt(task.arch, task.data, task.plane, task.alpha, task.beta) };
    case 'hessian':
      return { type: 'hessian', columns: new HessianNet(task.arch).columns(task.params, task.data, task.from, task.to) };
    case 'runConfigs': {
      const results = await runConfigs(task.configs, { kernel: task.kernel, backend: task.backend, batchRuns: task.batchRuns, signal, onProgress });
      return { type: 'runConfigs', results };
    }
  }
}

/** The buffers of every typed array in a result, to transfer instead of copy. */
function buffersOf(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const walk = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) out.add(v.buffer as ArrayBuffer);
    else if (v && typeof v === 'object') for (const w of Object.values(v)) walk(w);
  };
  walk(value);
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
