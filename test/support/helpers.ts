// Small builders shared by the tests: real configs through the real schema, real datasets.
import { parseConfig, type ExperimentConfig, type ExperimentConfigInput } from '../../shared/config.js';
import { makeDataset, type Dataset } from '../../main/engine/data.js';
import { initialParams } from '../../main/engine/init.js';
import { architectureOf, type Architecture } from '../../main/engine/model.js';
import { hyperOf } from '../../main/engine/optimizers.js';
import type { Rng } from '../../main/engine/prng.js';
import type { BatchSpec } from '../../main/engine/train.js';
import { prepareConfig, prepareStored } from '../../main/engine/prepared.js';
import type { InterpolationResult, LandscapeRequest, LandscapeResult, OptimumResult, RunResult } from '../../main/engine/results.js';
import { interpolation as interpolationOf, landscape as landscapeOf, optimum as optimumOf, type InterpolationRequest } from '../../main/lab/landscape.js';
import type { JobOptions } from '../../main/lab/options.js';
import { train as trainPrepared } from '../../main/lab/training.js';

export const HINGE = { kind: 'hinge' as const, x0: 0.25, m1: 1.5, m2: -0.5, b: 0 };

export function config(over: Partial<ExperimentConfigInput> = {}) {
  return parseConfig({ data: { target: HINGE }, ...over });
}

/** A one-run batch for `trainBatch`, built from a config exactly as the lab does. */
export function singleRunBatch(over: Partial<ExperimentConfigInput> = {}, recordEvery = 1, snapshots = 10): BatchSpec {
  const c = config(over);
  const data = makeDataset(c);
  const arch = architectureOf(c);
  return {
    arch,
    batchSize: c.batchSize,
    steps: c.steps,
    recordEvery,
    snapshots,
    runs: [{ seed: c.seed, data, init: initialParams(arch, c.init, c.seed, data), hyper: hyperOf(c.optimizer) }],
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export const OPTIMIZERS = ['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam'] as const;

/** n random rows for `arch`: inputs in [−1.5, 1.5]; targets in [−2, 2], [0, 1] for sigmoid, a class for softmax. */
export function randomDataset(arch: Architecture, n: number, rng: Rng): Dataset {
  const dIn = arch.sizes[0];
  const dOut = arch.sizes[arch.sizes.length - 1];
  const x = Float32Array.from({ length: n * dIn }, () => rng.uniform(-1.5, 1.5));
  const y =
    arch.output === 'softmax'
      ? Float32Array.from({ length: n }, () => rng.int(dOut))
      : Float32Array.from({ length: n * dOut }, () => (arch.output === 'sigmoid' ? rng.next() : rng.uniform(-2, 2)));
  return { x, y, n, dIn };
}

/**
 * The lab's operations on a config, as the façade calls them (prepared once, then trained, searched or
 * evaluated), for tests that call them without a store: in this thread, or on `options.pool`.
 */
export async function train(c: ExperimentConfig, options: JobOptions = {}): Promise<RunResult> {
  return trainPrepared(prepareConfig(c), options);
}

/** A cost surface of a config's run (`trained`, or trained now), as the lab computes it. */
export async function landscape(c: ExperimentConfig, req: LandscapeRequest, options: JobOptions & { trained?: RunResult } = {}): Promise<LandscapeResult> {
  const { trained, ...o } = options;
  const run = trained ?? (await train(c, o));
  return landscapeOf(prepareStored(c, run.data), run, req, o);
}

/** The cost along a line between two of a config's run's points. */
export async function interpolation(c: ExperimentConfig, req: InterpolationRequest, options: JobOptions & { trained?: RunResult } = {}): Promise<InterpolationResult> {
  const { trained, ...o } = options;
  const run = trained ?? (await train(c, o));
  return interpolationOf(prepareStored(c, run.data), run, req, o);
}

/** A config's global optimum (over `data` when given, as for a stored run). */
export function optimum(c: ExperimentConfig, options: JobOptions & { data?: Dataset; reference?: Float32Array; restarts?: number } = {}): Promise<OptimumResult> {
  const { data, ...o } = options;
  return optimumOf(data ? prepareStored(c, data) : prepareConfig(c), o);
}

/** A typed array's bytes, for bit-for-bit comparisons that stay fast on millions of values (toEqual walks them one by one). */
export const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
