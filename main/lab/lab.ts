// The lab façade: the one room the CLI, IPC and browser bridge all enter. It turns a validated config
// into engine calls — data, init, kernel, training, optimum, surfaces — and returns plain results.
import type { BackendChoice, ExperimentConfig, KernelChoice } from '../../shared/config.js';
import { InputError, LIMITS } from '../../shared/config.js';
import { makeDataset, type Dataset } from '../engine/data.js';
import { diagnose, type Diagnostics } from '../engine/diagnostics.js';
import {
  difference,
  filterNormalizedDirection,
  orthonormalPair,
  parseAxes,
  trajectoryPca,
  unitDirection,
  type AxesSpec,
} from '../engine/directions.js';
import { initialParams } from '../engine/init.js';
import type { Kernel } from '../engine/kernel.js';
import { selectKernel, workPerStep } from '../engine/kernels.js';
import { architectureOf, layoutOf, type Architecture } from '../engine/model.js';
import { bestFoundOptimum, exactOptimum, exactOptimumBlocker, type Optimum } from '../engine/optimum.js';
import { hyperOf } from '../engine/optimizers.js';
import { Rng } from '../engine/prng.js';
import { costSurface, interpolate, MARKERS, type CostSurface, type Interpolation, type MarkerName } from '../engine/surface.js';
import { defaultRecordEvery, trainBatch, type Progress, type RunStatus } from '../engine/train.js';

export interface KernelOptions {
  /** Overrides config.kernel / config.backend when given. */
  kernel?: KernelChoice;
  backend?: BackendChoice;
}

export interface JobOptions extends KernelOptions {
  onProgress?: (p: Progress & { phase: string }) => void;
  signal?: AbortSignal;
}

export interface RunResult {
  kernel: Kernel['name'];
  backend: string;
  config: ExperimentConfig;
  layout: readonly string[];
  data: Dataset;
  params: { init: Float32Array; final: Float32Array; optimum?: Float32Array };
  loss: { steps: Uint32Array; values: Float64Array };
  status: RunStatus;
  stepsDone: number;
  finalLoss: number | null;
  /** The exact optimum's loss and method, when the closed form applies. */
  optimum?: { kind: 'exact'; loss: number; method: string };
  diagnostics: { init: Diagnostics; final: Diagnostics };
  snapshots: { steps: Uint32Array; params: Float32Array };
  seconds: number;
}

interface Prepared {
  config: ExperimentConfig;
  arch: Architecture;
  data: Dataset;
  init: Float32Array;
}

function prepare(config: ExperimentConfig): Prepared {
  const data = makeDataset(config);
  const arch = architectureOf(config, data.dIn);
  return { config, arch, data, init: initialParams(arch, config.init, config.seed, data) };
}

async function kernelFor(config: ExperimentConfig, arch: Architecture, runs: number, batchSize: number, o: KernelOptions): Promise<Kernel> {
  return selectKernel(o.kernel ?? config.kernel, o.backend ?? config.backend, workPerStep(arch, runs, batchSize));
}

const EXACT_METHOD = 'closed form: one ReLU unit per slope of the hinge, the rest switched off (zero cost)';

export async function run(config: ExperimentConfig, options: JobOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const { arch, data, init } = prepare(config);
  const kernel = await kernelFor(config, arch, 1, config.batchSize, options);
  const [outcome] = await trainBatch(
    kernel,
    {
      arch,
      batchSize: config.batchSize,
      steps: config.steps,
      recordEvery: config.record.every ?? defaultRecordEvery(config.steps),
      snapshots: config.record.snapshots,
      runs: [{ seed: config.seed, data, init, hyper: hyperOf(config.optimizer) }],
    },
    { signal: options.signal, onProgress: (p) => options.onProgress?.({ ...p, phase: 'training' }) },
  );
  const optimumParams = exactOptimum(config, arch, outcome.final) ?? undefined;
  const optimumLoss = optimumParams ? kernel.losses(arch, data, optimumParams, 1)[0] : null;
  const values = outcome.loss.values;
  return {
    kernel: kernel.name,
    backend: kernel.backend,
    config,
    layout: layoutOf(arch).names,
    data,
    params: { init: outcome.init, final: outcome.final, ...(optimumParams ? { optimum: optimumParams } : {}) },
    loss: outcome.loss,
    status: outcome.status,
    stepsDone: outcome.stepsDone,
    finalLoss: values.length > 0 && outcome.status !== 'diverged' ? values[values.length - 1] : null,
    ...(optimumParams && optimumLoss !== null ? { optimum: { kind: 'exact' as const, loss: optimumLoss, method: EXACT_METHOD } } : {}),
    diagnostics: { init: diagnose(arch, outcome.init, data), final: diagnose(arch, outcome.final, data) },
    snapshots: outcome.snapshots,
    seconds: (performance.now() - started) / 1000,
  };
}

export interface OptimumResult extends Optimum {
  kernel: Kernel['name'];
  backend: string;
  layout: readonly string[];
}

/**
 * The global optimum of a config: exact where the closed form applies (aligned to `reference`, the
 * trained parameters, when given), else the best of restarts.
 */
export async function optimum(config: ExperimentConfig, options: JobOptions & { reference?: Float32Array; restarts?: number } = {}): Promise<OptimumResult> {
  const { arch, data } = prepare(config);
  const restarts = options.restarts ?? 8;
  const kernel = await kernelFor(config, arch, restarts, data.n, options);
  const layout = layoutOf(arch).names;
  const exact = exactOptimum(config, arch, options.reference);
  if (exact) {
    return { kind: 'exact', params: exact, loss: kernel.losses(arch, data, exact, 1)[0], method: EXACT_METHOD, kernel: kernel.name, backend: kernel.backend, layout };
  }
  const found = await bestFoundOptimum(config, arch, data, kernel, {
    restarts,
    signal: options.signal,
    onProgress: (step, steps) => options.onProgress?.({ step, steps, bestLoss: null, phase: 'optimum' }),
  });
  return { ...found, method: `${found.method}; ${exactOptimumBlocker(config)}`, kernel: kernel.name, backend: kernel.backend, layout };
}

export interface LandscapeRequest {
  center: MarkerName;
  axes: string;
  res: number;
  span: number | 'auto';
}

export interface LandscapeResult extends CostSurface {
  kernel: Kernel['name'];
  backend: string;
  center: MarkerName;
  axes: AxesSpec;
  /** What each axis means: parameter names or direction names. */
  axisLabels: [string, string];
  centerParams: Float32Array;
  d1: Float64Array;
  d2: Float64Array;
  optimumKind: Optimum['kind'];
  /** For pca axes, the share of the trajectory's variance along d1 and d2. */
  explained?: [number, number];
}

export function checkLandscapeRequest(req: LandscapeRequest, config: ExperimentConfig): AxesSpec {
  if (!MARKERS.includes(req.center)) throw new InputError(`center: must be one of ${MARKERS.join(', ')} (got "${req.center}")`);
  if (!Number.isInteger(req.res) || req.res < 2 || req.res > LIMITS.surfaceRes) {
    throw new InputError(`res: must be an integer from 2 to ${LIMITS.surfaceRes} (got ${req.res})`);
  }
  if (req.span !== 'auto' && !(Number.isFinite(req.span) && req.span > 0)) {
    throw new InputError(`span: must be a number > 0 or auto (got ${req.span})`);
  }
  return parseAxes(req.axes, layoutOf(architectureOf(config)));
}

/** A cost surface around one of init, trained, optimum; trains first unless `trained` is given. */
export async function landscape(
  config: ExperimentConfig,
  req: LandscapeRequest,
  options: JobOptions & { trained?: RunResult } = {},
): Promise<LandscapeResult> {
  const axes = checkLandscapeRequest(req, config);
  const trained = options.trained ?? (await run(config, options));
  const { arch, data } = prepare(config);
  const layout = layoutOf(arch);
  const opt = await optimum(config, { ...options, reference: trained.params.final });
  const points: Record<MarkerName, Float32Array> = { init: trained.params.init, trained: trained.params.final, optimum: opt.params };
  const center = points[req.center];
  const seed = config.seed;
  let d1: Float64Array;
  let d2: Float64Array;
  let axisLabels: [string, string] = ['d1', 'd2'];
  let explained: [number, number] | undefined;
  switch (axes.kind) {
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
      const pca = trajectoryPca(trained.snapshots.params, K, seed);
      [d1, d2] = pca.basis;
      explained = pca.explained;
      axisLabels = ['PC1 of the trajectory', 'PC2 of the trajectory'];
      break;
    }
  }
  const kernel = await kernelFor(config, arch, Math.min(req.res * req.res, 4096), data.n, options);
  const surface = await costSurface({
    kernel,
    arch,
    data,
    center,
    d1,
    d2,
    res: req.res,
    span: req.span,
    trajectory: trained.snapshots.params,
    markers: points,
    signal: options.signal,
    onProgress: (done, total) => options.onProgress?.({ step: done, steps: total, bestLoss: null, phase: 'surface' }),
  });
  return {
    ...surface,
    kernel: kernel.name,
    backend: kernel.backend,
    center: req.center,
    axes,
    axisLabels,
    centerParams: center,
    d1,
    d2,
    optimumKind: opt.kind,
    ...(explained ? { explained } : {}),
  };
}

export interface InterpolationResult extends Interpolation {
  from: MarkerName;
  to: MarkerName;
  optimumKind: Optimum['kind'];
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
  const trained = options.trained ?? (await run(config, options));
  const { arch, data } = prepare(config);
  const opt = await optimum(config, { ...options, reference: trained.params.final });
  const points: Record<MarkerName, Float32Array> = { init: trained.params.init, trained: trained.params.final, optimum: opt.params };
  const kernel = await kernelFor(config, arch, req.points, data.n, options);
  const curve = interpolate(kernel, arch, data, points[req.from], points[req.to], req.points, req.tMin ?? 0, req.tMax ?? 1);
  return { ...curve, from: req.from, to: req.to, optimumKind: opt.kind };
}
