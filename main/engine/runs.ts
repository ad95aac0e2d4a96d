// Turning configs into finished runs: data, init, kernel, batched training, exact optimum and
// diagnostics. Runs whose configs can share a batch train together. It runs in a worker thread or in
// the caller's.
import type { BackendChoice, ExperimentConfig, KernelChoice } from '../../shared/config.js';
import type { Dataset } from './data.js';
import { diagnose } from './diagnostics.js';
import { constantPredictorLoss, endedFarAbove } from './divergence.js';
import { initialParams } from './init.js';
import type { Kernel } from './kernel.js';
import { selectKernel, type Workload } from './kernelChoice.js';
import { architectureKey } from './model.js';
import { EXACT_METHOD, exactOptimum } from './optimum.js';
import { runsPerGroup } from './memory.js';
import { hyperOf } from './optimizers.js';
import { prepareConfig, type PreparedSplit } from './prepared.js';
import type { RunResult } from './results.js';
import { scoresOf } from './scores.js';
import { recordingOf, trainBatch, type Progress } from './train.js';

export interface KernelOptions {
  /** Overrides config.kernel / config.backend when given. */
  kernel?: KernelChoice;
  backend?: BackendChoice;
}

export interface RunOptions extends KernelOptions {
  onProgress?: (p: Progress & { phase: string }) => void;
  signal?: AbortSignal;
  /** When these configs are one slice of a larger batch split across workers: that batch's size. */
  batchRuns?: number;
}

export type { RunResult };

/** Float32 values of snapshots a batch may hold, over all its runs (as trainBatch's default). */
const SNAPSHOT_BUDGET = 1 << 25;

/**
 * The snapshot budget for `part` runs of a batch of `whole`: trainBatch gives each run
 * floor(budget / (runs·P)) snapshots, so a slice of a split batch gets the budget that keeps that
 * count what the whole batch would have had.
 */
export function snapshotBudget(whole: number, part: number, P: number, budget = SNAPSHOT_BUDGET): number {
  return Math.floor(budget / (whole * P)) * part * P;
}

/**
 * One object for equal datasets: the seeds of a sweep cell usually draw the same points, and kernels
 * copy, sort and cache a dataset per object (1,000 copies of the same points cost cache misses).
 */
function datasetInterner(): (d: Dataset) => Dataset {
  const seen = new Map<string, Dataset[]>();
  // A plain loop: `every` with a closure per element was a visible share of a sweep cell's time.
  const equal = (a: Float32Array, b: Float32Array) => {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    return true;
  };
  return (d) => {
    const key = `${d.n}|${d.dIn}|${d.x[0]}|${d.y[0]}|${d.x[d.x.length - 1]}|${d.y[d.y.length - 1]}`;
    const candidates = seen.get(key) ?? [];
    const same = candidates.find((o) => equal(o.x, d.x) && equal(o.y, d.y));
    if (same) return same;
    seen.set(key, [...candidates, d]);
    return d;
  };
}

interface Prepared extends PreparedSplit {
  init: Float32Array;
}

function withInit(p: PreparedSplit, intern: (d: Dataset) => Dataset): Prepared {
  const data = intern(p.data);
  return { ...p, data, test: intern(p.test), init: initialParams(p.arch, p.config.init, p.config.seed, data) };
}

export async function kernelFor(config: ExperimentConfig, work: Workload, o: KernelOptions): Promise<Kernel> {
  return selectKernel(o.kernel ?? config.kernel, o.backend ?? config.backend, work);
}

export { EXACT_METHOD };

function recordEveryOf(c: ExperimentConfig): number {
  return recordingOf(c).recordEvery;
}

/** Configs with equal keys can train in one batch. */
function batchKey(p: Prepared): string {
  const c = p.config;
  return [architectureKey(p.arch), p.data.n, c.batchSize, c.steps, recordEveryOf(c), c.record.snapshots, c.optimizer.kind, c.kernel, c.backend].join('|');
}

/**
 * Trains every config (batched where they are compatible) and returns one result per config, in order.
 * `batchRuns`: when these configs are one slice of a larger batch split across workers, its size.
 */
export function runConfigs(configs: readonly ExperimentConfig[], options: RunOptions = {}): Promise<RunResult[]> {
  return runPrepared(configs.map(prepareConfig), options);
}

/** runConfigs for configs the caller has prepared already. */
export async function runPrepared(configs: readonly PreparedSplit[], options: RunOptions = {}): Promise<RunResult[]> {
  const intern = datasetInterner();
  const prepared = configs.map((c) => withInit(c, intern));
  const groups = new Map<string, number[]>();
  prepared.forEach((p, k) => {
    const key = batchKey(p);
    groups.set(key, [...(groups.get(key) ?? []), k]);
  });
  const results = new Array<RunResult>(configs.length);
  for (const batch of groups.values()) {
    // A batch trains in groups that fit a memory budget; each run keeps the snapshots the whole batch gives it.
    const P = prepared[batch[0]].layout.count;
    const size = runsPerGroup(P);
    const parts = Math.ceil(batch.length / size);
    for (let part = 0; part < parts; part++) {
      const members = batch.slice(part * size, (part + 1) * size);
      const steps = prepared[batch[0]].config.steps;
      await trainGroup(prepared, members, results, {
        ...options,
        batchRuns: options.batchRuns ?? batch.length,
        onProgress: options.onProgress && ((p) => options.onProgress?.({ ...p, step: part * steps + p.step, steps: parts * steps })),
      });
    }
  }
  return results;
}

/** Trains `members` (indices into `prepared`, one compatible batch) and fills their `results`. */
async function trainGroup(prepared: readonly Prepared[], members: readonly number[], results: RunResult[], options: RunOptions & { batchRuns: number }): Promise<void> {
  const started = performance.now();
  const first = prepared[members[0]];
  const c = first.config;
  const kernel = await kernelFor(c, { arch: first.arch, runs: options.batchRuns, batchSize: c.batchSize, n: first.data.n }, options);
  const outcomes = await trainBatch(
    kernel,
    {
      arch: first.arch,
      batchSize: c.batchSize,
      steps: c.steps,
      ...recordingOf(c),
      snapshots: c.record.snapshots,
      runs: members.map((k) => ({ seed: prepared[k].config.seed, data: prepared[k].data, init: prepared[k].init, hyper: hyperOf(prepared[k].config.optimizer) })),
    },
    {
      signal: options.signal,
      snapshotBudget: snapshotBudget(options.batchRuns, members.length, first.layout.count),
      onProgress: (p) => options.onProgress?.({ ...p, phase: 'training' }),
    },
  );
  const seconds = (performance.now() - started) / 1000 / members.length;
  for (const [m, k] of members.entries()) {
    const { config, arch, data, test } = prepared[k];
    const outcome = outcomes[m];
    const values = outcome.loss.values;
    const last = values.length > 0 ? values[values.length - 1] : null;
    // A finite loss that ended far above the start diverged too (main/engine/divergence.ts).
    const status = outcome.status === 'done' && last !== null && endedFarAbove(last, values[0], constantPredictorLoss(arch, data)) ? 'diverged' : outcome.status;
    const scores = status === 'diverged' ? null : scoresOf(config, { train: data, test }, outcome.final);
    const optimumParams = exactOptimum(config, arch, outcome.final) ?? undefined;
    results[k] = {
      kernel: kernel.name,
      backend: kernel.backend,
      config,
      data,
      params: { init: outcome.init, final: outcome.final, ...(optimumParams ? { optimum: optimumParams } : {}) },
      loss: outcome.loss,
      status,
      stepsDone: outcome.stepsDone,
      // A run stopped by a non-finite loss has no final loss; one that ended far above its start has.
      finalLoss: outcome.status === 'diverged' ? null : last,
      ...(optimumParams ? { optimum: { kind: 'exact' as const, loss: (await kernel.lossesAt(arch, data, optimumParams, 1))[0], method: EXACT_METHOD } } : {}),
      diagnostics: { init: diagnose(arch, outcome.init, data), final: diagnose(arch, outcome.final, data) },
      snapshots: outcome.snapshots,
      seconds,
      ...(scores?.testLoss != null ? { testLoss: scores.testLoss } : {}),
      ...(scores?.accuracy ? { accuracy: scores.accuracy } : {}),
    };
  }
}
