// The lab façade: the one room the CLI, IPC and browser bridge all enter. It turns a validated config
// into engine calls — data, init, kernel, training, optimum, surfaces — and returns plain results.
import type { ExperimentConfig } from '../../shared/config.js';
import { InputError, LIMITS } from '../../shared/config.js';
import {
  difference,
  filterNormalizedDirection,
  orthonormalPair,
  parseAxes,
  trajectoryPca,
  unitDirection,
  type AxesSpec,
} from '../engine/directions.js';
import { makeDataset, type Dataset } from '../engine/data.js';
import { workPerStep, type Workload } from '../engine/kernels.js';
import { architectureOf, layoutOf, type Architecture } from '../engine/model.js';
import { bestFoundOptimum, exactOptimum, exactOptimumBlocker, type BatchTrainer } from '../engine/optimum.js';
import { Rng } from '../engine/prng.js';
import { MARKERS, type MarkerName } from '../../shared/markers.js';
import { costSurface, inThread, interpolationPoints, linspace, type PlaneEvaluator } from '../engine/surface.js';
import { trainBatch, type Progress } from '../engine/train.js';
import { isTutorialNet } from '../engine/tutorialNet.js';
import { localAxes } from '../engine/localAxes.js';
import { eigenAxes } from '../engine/spectrum.js';
import type { FoundOptimum, InterpolationResult, LandscapeRequest, LandscapeResult, OptimumResult } from '../engine/results.js';
import { checkHessianSize, hessianOf } from './hessian.js';
import { EXACT_METHOD, kernelFor, runConfigs, type JobOptions, type RunResult } from './runs.js';

export type { JobOptions, KernelOptions, RunResult } from './runs.js';
export type { FoundOptimum, InterpolationResult, LandscapeRequest, LandscapeResult, OptimumResult } from '../engine/results.js';

/** Trains one config (on a worker when given the pool). */
export async function run(config: ExperimentConfig, options: JobOptions = {}): Promise<RunResult> {
  const { pool, ...rest } = options;
  const onProgress = (p: Progress) => options.onProgress?.({ ...p, phase: 'training' });
  const [result] = pool ? await pool.runConfigs([config], { ...rest, onProgress }) : await runConfigs([config], rest);
  return result;
}

/**
 * Evaluations whose whole work is under this many multiply-adds (or the tutorial network's
 * piecewise equivalent) run in this thread: sending them to the pool costs more than they do (the
 * tutorial's 128² surface took 10 ms on 2 workers and 4.7 ms here). Measured by `npm run bench`.
 */
const POOL_MIN_EVALUATION_WORK = 2e7;

/** The multiply-adds of `points` full-data loss evaluations (the piecewise sums' count for the tutorial net). */
function evaluationWork(arch: Architecture, points: number, n: number): number {
  if (isTutorialNet(arch)) return points * arch.sizes[1] * Math.ceil(Math.log2(n + 1)) * 8;
  return workPerStep(arch, points, n);
}

/** The job options without the pool when `points` evaluations are too little work to split. */
function forEvaluations(options: JobOptions, arch: Architecture, points: number, n: number): JobOptions {
  return options.pool && evaluationWork(arch, points, n) < POOL_MIN_EVALUATION_WORK ? { ...options, pool: undefined } : options;
}

/**
 * What computes a workload of a config's network: the pool (on one kernel every worker loads, chosen
 * once for the whole work) or a kernel in this thread.
 */
async function computeFor(config: ExperimentConfig, work: Workload, options: JobOptions) {
  const { pool } = options;
  const { arch } = work;
  if (pool) {
    const k = await pool.resolveKernel(options.kernel ?? config.kernel, options.backend ?? config.backend, work, { signal: options.signal });
    const at = { signal: options.signal };
    return {
      name: k.name,
      backend: k.backend,
      evaluator: (data: Dataset): PlaneEvaluator => pool.planeEvaluator(k.pin, arch, data, at),
      losses: (data: Dataset, points: Float32Array, n: number) => pool.losses(k.pin, arch, data, points, n, at),
      curve: (data: Dataset, from: Float32Array, to: Float32Array, t: Float64Array) => pool.curve(k.pin, arch, data, from, to, t, at),
      train: (async (spec, o) => (await pool.trainBatch(spec, { ...o, ...k.pin })).outcomes) as BatchTrainer,
      concurrency: pool.size,
    };
  }
  const kernel = await kernelFor(config, work, options);
  return {
    name: kernel.name,
    backend: kernel.backend,
    evaluator: (data: Dataset) => inThread(kernel, arch, data),
    losses: async (data: Dataset, points: Float32Array, n: number) => kernel.losses(arch, data, points, n),
    curve: async (data: Dataset, from: Float32Array, to: Float32Array, t: Float64Array) => kernel.losses(arch, data, interpolationPoints(from, to, t), t.length),
    train: ((spec, o) => trainBatch(kernel, spec, o)) as BatchTrainer,
    concurrency: 1,
  };
}

/**
 * The global optimum of a config: exact where the closed form applies (aligned to `reference`, the
 * trained parameters, when given), else the best of restarts (split across the pool's workers).
 */
export async function optimum(
  config: ExperimentConfig,
  options: JobOptions & { reference?: Float32Array; restarts?: number; data?: Dataset } = {},
): Promise<OptimumResult> {
  const data = options.data ?? makeDataset(config);
  const arch = architectureOf(config, data.dIn);
  const restarts = options.restarts ?? 8;
  const compute = await computeFor(config, { arch, runs: restarts, batchSize: data.n, n: data.n }, options);
  const layout = layoutOf(arch).names;
  const exact = exactOptimum(config, arch, options.reference);
  if (exact) {
    const [loss] = await compute.losses(data, exact, 1);
    return { kind: 'exact', params: exact, loss, method: EXACT_METHOD, kernel: compute.name, backend: compute.backend, layout };
  }
  const found = await bestFoundOptimum(config, arch, data, compute.train, {
    restarts,
    signal: options.signal,
    onProgress: (step, steps) => options.onProgress?.({ step, steps, bestLoss: null, phase: 'optimum' }),
  });
  return { ...found, method: `${found.method}; ${exactOptimumBlocker(config)}`, kernel: compute.name, backend: compute.backend, layout };
}

/**
 * The trained run (trained now unless given), its data, and the three points every view shows. The
 * run's own dataset is used, so nothing is regenerated.
 */
async function threePoints(config: ExperimentConfig, options: JobOptions & { trained?: RunResult }) {
  const trained = options.trained ?? (await run(config, options));
  const data = trained.data;
  const arch = architectureOf(config, data.dIn);
  const stored = trained.params.optimum;
  const opt: FoundOptimum = stored
    ? { params: stored, kind: trained.optimum?.kind ?? 'exact', loss: trained.optimum?.loss ?? NaN, method: trained.optimum?.method ?? EXACT_METHOD }
    : await optimum(config, { ...options, data, reference: trained.params.final });
  const points: Record<MarkerName, Float32Array> = { init: trained.params.init, trained: trained.params.final, optimum: opt.params };
  return { trained, data, arch, points, optimumKind: opt.kind, optimum: { params: opt.params, kind: opt.kind, loss: opt.loss, method: opt.method } };
}

/**
 * A diverged run's parameters are NaN or infinite, and every loss through them is NaN: such a view
 * says nothing and would be stored again on every retry, so it is refused before it is computed.
 */
function requireFinite(field: string, what: string, params: Float32Array, hint: string): void {
  if (!params.every(Number.isFinite)) throw new InputError(`${field}: ${what} of this run are not finite (it diverged), so every loss would be NaN; ${hint}`);
}

export function checkLandscapeRequest(req: LandscapeRequest, config: ExperimentConfig): AxesSpec {
  if (!MARKERS.includes(req.center)) throw new InputError(`center: must be one of ${MARKERS.join(', ')} (got "${req.center}")`);
  if (!Number.isInteger(req.res) || req.res < 2 || req.res > LIMITS.surfaceRes) {
    throw new InputError(`res: must be an integer from 2 to ${LIMITS.surfaceRes} (got ${req.res})`);
  }
  if (req.span !== 'auto' && !(Number.isFinite(req.span) && req.span > 0)) {
    throw new InputError(`span: must be a number > 0 or auto (got ${req.span})`);
  }
  const axes = parseAxes(req.axes, layoutOf(architectureOf(config)));
  if (axes.kind === 'hessian' || axes.kind === 'hessian-top') checkHessianSize(architectureOf(config));
  return axes;
}

/** A cost surface around one of init, trained, optimum; trains first unless `trained` is given. */
export async function landscape(
  config: ExperimentConfig,
  req: LandscapeRequest,
  options: JobOptions & { trained?: RunResult } = {},
): Promise<LandscapeResult> {
  const axes = checkLandscapeRequest(req, config);
  const { trained, data, arch, points, optimumKind, optimum: found } = await threePoints(config, options);
  const layout = layoutOf(arch);
  const center = points[req.center];
  requireFinite('center', `the ${req.center} parameters`, center, 'center on another point');
  if (axes.kind === 'plane') {
    for (const name of MARKERS) requireFinite('axes', `the ${name} parameters`, points[name], 'use axes random or params:A,B');
  }
  if (axes.kind === 'pca' || axes.kind === 'local') requireFinite('axes', 'the trajectory', trained.snapshots.params, 'use axes random or params:A,B');
  if (axes.kind === 'local' && req.center === 'optimum') requireFinite('axes', 'the trained parameters', points.trained, 'use axes random or params:A,B');
  const seed = config.seed;
  let d1: Float64Array;
  let d2: Float64Array;
  let axisLabels: [string, string] = ['d1', 'd2'];
  let explained: [number, number] | undefined;
  let span = req.span;
  switch (axes.kind) {
    case 'hessian':
    case 'hessian-top':
      ({ d1, d2, axisLabels } = eigenAxes(await hessianOf(arch, data, center, options), layout.count, axes.kind === 'hessian' ? 'top-bottom' : 'top-two'));
      break;
    case 'local': {
      const local = localAxes(req.center, points, trained.snapshots.params, arch, layout, seed);
      ({ d1, d2, axisLabels } = local);
      if (span === 'auto') span = local.span;
      break;
    }
    case 'params':
      d1 = unitDirection(layout, axes.names[0]);
      d2 = unitDirection(layout, axes.names[1]);
      axisLabels = axes.names;
      break;
    case 'random': {
      const rng = new Rng(seed, 'directions');
      d1 = filterNormalizedDirection(layout, center, rng);
      d2 = filterNormalizedDirection(layout, center, rng);
      axisLabels = ['random d1 (filter-normalized)', 'random d2 (filter-normalized)'];
      break;
    }
    case 'plane': {
      const { basis } = orthonormalPair([difference(points.trained, points.init), difference(points.optimum, points.init)], layout.count, seed);
      [d1, d2] = basis;
      axisLabels = ['init → trained', '⊥ toward optimum'];
      break;
    }
    case 'pca': {
      const K = trained.snapshots.steps.length;
      const pca = options.pool ? await options.pool.trajectoryPca(trained.snapshots.params, K, seed, { signal: options.signal }) : trajectoryPca(trained.snapshots.params, K, seed);
      [d1, d2] = pca.basis;
      explained = pca.explained;
      axisLabels = ['PC1 of the trajectory', 'PC2 of the trajectory'];
      break;
    }
  }
  const gridPoints = req.res * req.res;
  const work = { arch, runs: Math.min(gridPoints, 4096), batchSize: data.n, n: data.n, lossesOnly: true };
  const compute = await computeFor(config, work, forEvaluations(options, arch, gridPoints, data.n));
  const surface = await costSurface({
    evaluate: compute.evaluator(data),
    concurrency: compute.concurrency,
    center,
    d1,
    d2,
    res: req.res,
    span,
    trajectory: trained.snapshots.params,
    markers: points,
    signal: options.signal,
    onProgress: (done, total) => options.onProgress?.({ step: done, steps: total, bestLoss: null, phase: 'surface' }),
  });
  return {
    ...surface,
    kernel: compute.name,
    backend: compute.backend,
    center: req.center,
    axes,
    axisLabels,
    centerParams: center,
    d1,
    d2,
    optimumKind,
    optimum: found,
    ...(explained ? { explained } : {}),
  };
}

/** J((1−t)·θ_from + t·θ_to) between two of init, trained and optimum. */
export async function interpolation(
  config: ExperimentConfig,
  req: { from: MarkerName; to: MarkerName; points: number; tMin?: number; tMax?: number },
  options: JobOptions & { trained?: RunResult } = {},
): Promise<InterpolationResult> {
  for (const [field, v] of [['from', req.from], ['to', req.to]] as const) {
    if (!MARKERS.includes(v)) throw new InputError(`${field}: must be one of ${MARKERS.join(', ')} (got "${v}")`);
  }
  if (!Number.isInteger(req.points) || req.points < 2 || req.points > 10_000) {
    throw new InputError(`points: must be an integer from 2 to 10000 (got ${req.points})`);
  }
  const { data, arch, points, optimumKind, optimum: found } = await threePoints(config, options);
  requireFinite('from', `the ${req.from} parameters`, points[req.from], 'interpolate between other points');
  requireFinite('to', `the ${req.to} parameters`, points[req.to], 'interpolate between other points');
  const compute = await computeFor(config, { arch, runs: req.points, batchSize: data.n, n: data.n, lossesOnly: true }, forEvaluations(options, arch, req.points, data.n));
  const t = linspace(req.tMin ?? 0, req.tMax ?? 1, req.points);
  const loss = await compute.curve(data, points[req.from], points[req.to], t);
  return { t, loss, from: req.from, to: req.to, optimumKind, optimum: found };
}
