// Where an operation's work runs: on the worker pool, or in this thread when the pool would cost more
// than the work. A started pool costs a task its messages; a pool not started yet costs its workers'
// start too (about 0.4 s of wall time and 0.3 s of CPU each), so a command does small work here and
// starts the pool only for work that repays it.
import type { ExperimentConfig, KernelName } from '../../shared/config.js';
import type { Dataset } from '../engine/data.js';
import { gpuWinsLosses, selectKernel, workPerStep, type Workload } from '../engine/kernelChoice.js';
import type { Kernel } from '../engine/kernel.js';
import type { Architecture } from '../engine/model.js';
import type { BatchTrainer } from '../engine/optimum.js';
import { kernelFor } from '../engine/runs.js';
import { inThread, interpolationPoints, type PlaneEvaluator } from '../engine/surface.js';
import { trainBatch } from '../engine/train.js';
import { isTutorialNet } from '../engine/tutorialNet.js';
import type { WorkerPool } from '../workers/pool.js';
import type { JobOptions } from './options.js';

/**
 * Multiply-adds under which work stays in this thread even with the pool started: sending it costs
 * more than it does (the tutorial's 128² surface took 10 ms on 2 workers and 4.7 ms here).
 */
export const POOL_MIN_WORK = 2e7;
/** Multiply-adds from which work starts a pool that is not running: below, this thread finishes first. */
export const POOL_START_WORK = 2e8;

/**
 * The pool for work of `macs` multiply-adds, or undefined when this thread does it sooner. `minimum`
 * lowers the bar for a started pool (training in the app always goes there, so main's thread stays free).
 */
export function poolFor(options: Pick<JobOptions, 'pool'>, macs: number, minimum = POOL_MIN_WORK): WorkerPool | undefined {
  const { pool } = options;
  if (!pool || pool.size === 0) return undefined;
  return macs >= (pool.started ? minimum : POOL_START_WORK) ? pool : undefined;
}

/**
 * What a run-step costs beyond its multiply-adds, in multiply-adds of the same time: minibatch rows,
 * the optimizer's update and the loop (about 100 ns, where a multiply-add takes under 0.5 ns).
 */
const RUN_STEP_OVERHEAD = 300;

/**
 * Whether the work runs on a GPU (kernel gpu): the device computes elsewhere already, so its host side
 * stays in this thread, with one device for the process rather than one per worker.
 */
export function onDevice(options: Pick<JobOptions, 'kernel'>, config: Pick<ExperimentConfig, 'kernel'>): boolean {
  return (options.kernel ?? config.kernel) === 'gpu';
}

/** The work of one run's `steps` steps on minibatches of `batchSize` rows, in multiply-adds. */
export function runStepsWork(arch: Architecture, steps: number, batchSize: number): number {
  return steps * (workPerStep(arch, 1, batchSize) + RUN_STEP_OVERHEAD);
}

/** The work of training one config, in multiply-adds. */
export function trainingWork(config: ExperimentConfig, arch: Architecture): number {
  return runStepsWork(arch, config.steps, config.batchSize);
}

/** The multiply-adds of `points` full-data loss evaluations (the piecewise sums' count for the tutorial net). */
export function evaluationWork(arch: Architecture, points: number, n: number): number {
  if (isTutorialNet(arch)) return points * arch.sizes[1] * Math.ceil(Math.log2(n + 1)) * 8;
  return workPerStep(arch, points, n);
}

/** What computes a workload: the kernel's name and backend, and its evaluations and trainer. */
export interface Compute {
  name: KernelName;
  backend: string;
  evaluator: (data: Dataset) => PlaneEvaluator;
  losses: (data: Dataset, points: Float32Array, n: number) => Promise<Float64Array>;
  curve: (data: Dataset, from: Float32Array, to: Float32Array, t: Float64Array) => Promise<Float64Array>;
  train: BatchTrainer;
  concurrency: number;
}

/**
 * What computes a workload of a config's network: `pool` (on one kernel every worker loads, chosen
 * once for the whole work) or a kernel in this thread.
 */
export async function computeFor(config: ExperimentConfig, work: Workload, options: JobOptions, pool: WorkerPool | undefined): Promise<Compute> {
  const { arch } = work;
  const choice = options.kernel ?? config.kernel;
  // `auto` takes a hardware GPU for losses alone where it wins (kernelChoice's gpuWinsLosses), in this
  // thread, which owns the device; anything else it chooses runs where the rest of the rule says.
  if (choice === 'auto' && gpuWinsLosses(work)) {
    const kernel = await selectKernel(choice, options.backend ?? config.backend, work, { gpuForLosses: true });
    if (kernel.name === 'gpu') return inThreadCompute(kernel, arch);
  }
  if (pool && !onDevice(options, config)) {
    const k = await pool.resolveKernel(options.kernel ?? config.kernel, options.backend ?? config.backend, work, { signal: options.signal });
    const at = { signal: options.signal };
    return {
      name: k.name,
      backend: k.backend,
      evaluator: (data) => pool.planeEvaluator(k.pin, arch, data, at),
      losses: (data, points, n) => pool.losses(k.pin, arch, data, points, n, at),
      curve: (data, from, to, t) => pool.curve(k.pin, arch, data, from, to, t, at),
      train: async (spec, o) => (await pool.trainBatch(spec, { ...o, ...k.pin })).outcomes,
      concurrency: pool.size,
    };
  }
  return inThreadCompute(await kernelFor(config, work, options), arch);
}

function inThreadCompute(kernel: Kernel, arch: Architecture): Compute {
  return {
    name: kernel.name,
    backend: kernel.backend,
    evaluator: (data) => inThread(kernel, arch, data),
    losses: (data, points, n) => kernel.lossesAt(arch, data, points, n),
    curve: (data, from, to, t) => kernel.lossesAt(arch, data, interpolationPoints(from, to, t), t.length),
    train: (spec, o) => trainBatch(kernel, spec, o),
    concurrency: 1,
  };
}
