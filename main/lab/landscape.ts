// The views of a trained config: its global optimum, and the cost around or between its three points
// (the random initialization, the trained network and the optimum), as surfaces and line curves.
import { InputError, LIMITS } from '../../shared/config.js';
import { MARKERS, type MarkerName } from '../../shared/markers.js';
import { difference, filterNormalizedDirection, orthonormalPair, parseAxes, trajectoryPca, unitDirection, type AxesSpec } from '../engine/directions.js';
import { localAxes } from '../engine/localAxes.js';
import { bestFoundOptimum, exactOptimum, exactOptimumBlocker, SEARCH_BUDGET } from '../engine/optimum.js';
import type { PreparedConfig } from '../engine/prepared.js';
import { Rng } from '../engine/prng.js';
import type { FoundOptimum, InterpolationResult, LandscapeRequest, LandscapeResult, OptimumResult, RunResult } from '../engine/results.js';
import { EXACT_METHOD } from '../engine/runs.js';
import { eigenAxes } from '../engine/spectrum.js';
import { costSurface, linspace } from '../engine/surface.js';
import { computeFor, evaluationWork, poolFor, runStepsWork } from './compute.js';
import { checkHessianSize, hessianOf } from './hessian.js';
import type { JobOptions } from './options.js';
import { quoted } from '../../shared/printable.js';

/** The multiply-adds of a best-found optimum's search. */
function searchWork(p: PreparedConfig, restarts: number, steps: number): number {
  return restarts * runStepsWork(p.arch, steps, p.data.n);
}

/**
 * The global optimum of a config: exact where the closed form applies (aligned to `reference`, the
 * trained parameters, when given), else the best of restarts (split across the pool's workers).
 */
export async function optimum(p: PreparedConfig, options: JobOptions & { reference?: Float32Array; restarts?: number; searchSteps?: number } = {}): Promise<OptimumResult> {
  const { config, arch, data } = p;
  const restarts = options.restarts ?? SEARCH_BUDGET.restarts;
  const steps = options.searchSteps ?? SEARCH_BUDGET.steps;
  const exact = exactOptimum(config, arch, options.reference);
  // A search trains like a run: once the pool runs, it goes there, so that an app's main thread stays free.
  const pool = exact ? undefined : poolFor(options, searchWork(p, restarts, steps), 0);
  const compute = await computeFor(config, { arch, runs: restarts, batchSize: data.n, n: data.n }, options, pool);
  const { sizes } = p.layout;
  if (exact) {
    const [loss] = await compute.losses(data, exact, 1);
    return { kind: 'exact', params: exact, loss, method: EXACT_METHOD, kernel: compute.name, backend: compute.backend, sizes };
  }
  const found = await bestFoundOptimum(config, arch, data, compute.train, {
    restarts,
    steps,
    signal: options.signal,
    onProgress: (step, steps) => options.onProgress?.({ step, steps, bestLoss: null, phase: 'optimum' }),
  });
  return { ...found, method: `${found.method}; ${exactOptimumBlocker(config)}`, kernel: compute.name, backend: compute.backend, sizes };
}

interface ThreePoints {
  points: ViewPoints;
  /** Null where a view did not need a best-found optimum that was not stored yet (see threePoints). */
  optimum: FoundOptimum | null;
}

/**
 * The three points every view shows: the run's init and final parameters, and its optimum. The
 * optimum is the stored one, or the closed form; a best-found one is searched for only when the view
 * `needs` it (its centre, its plane or its line), so that the views of the init and the trained network
 * never wait on a search (the optimum's own view searches, as its own job, and stores it).
 */
async function threePoints(p: PreparedConfig, trained: RunResult, options: JobOptions, needs: boolean): Promise<ThreePoints> {
  const stored = trained.params.optimum;
  const base = { init: trained.params.init, trained: trained.params.final };
  if (!stored && !needs && exactOptimumBlocker(p.config) !== null) return { points: base, optimum: null };
  const opt: FoundOptimum = stored
    ? { params: stored, kind: trained.optimum?.kind ?? 'exact', loss: trained.optimum?.loss ?? NaN, method: trained.optimum?.method ?? EXACT_METHOD }
    : await optimum(p, { ...options, reference: trained.params.final });
  return { points: { ...base, optimum: opt.params }, optimum: { params: opt.params, kind: opt.kind, loss: opt.loss, method: opt.method } };
}

/** The points of a view: init and trained always, the optimum once it is known. */
type ViewPoints = { init: Float32Array; trained: Float32Array; optimum?: Float32Array };

/** A point a view needs: present, since threePoints searched for it when asked to. */
function pointOf(points: ViewPoints, name: MarkerName): Float32Array {
  const p = points[name];
  if (!p) throw new Error(`the ${name} point was not found for this view`);
  return p;
}

/**
 * A diverged run's parameters are NaN or infinite, and every loss through them is NaN: such a view
 * says nothing and would be stored again on every retry, so it is refused before it is computed.
 */
function requireFinite(field: string, what: string, params: Float32Array, hint: string): void {
  if (!params.every(Number.isFinite)) throw new InputError(`${field}: ${what} of this run are not finite (it diverged), so every loss would be NaN; ${hint}`);
}

export function checkLandscapeRequest(req: LandscapeRequest, p: PreparedConfig): AxesSpec {
  if (!MARKERS.includes(req.center)) throw new InputError(`center: must be one of ${MARKERS.join(', ')} (got ${quoted(req.center)})`);
  if (!Number.isInteger(req.res) || req.res < 2 || req.res > LIMITS.surfaceRes) {
    throw new InputError(`res: must be an integer from 2 to ${LIMITS.surfaceRes} (got ${req.res})`);
  }
  if (req.span !== 'auto' && !(Number.isFinite(req.span) && req.span > 0)) {
    throw new InputError(`span: must be a number > 0 or auto (got ${req.span})`);
  }
  const axes = parseAxes(req.axes, p.layout);
  if (axes.kind === 'hessian' || axes.kind === 'hessian-top') checkHessianSize(p.arch);
  return axes;
}

/** Refuses the axes and centre a diverged run cannot be drawn with. */
function checkDrawable(axes: AxesSpec, center: MarkerName, points: ViewPoints, trajectory: Float32Array): void {
  requireFinite('center', `the ${center} parameters`, pointOf(points, center), 'center on another point');
  const hint = 'use axes random or params:A,B';
  if (axes.kind === 'plane') for (const name of MARKERS) requireFinite('axes', `the ${name} parameters`, pointOf(points, name), hint);
  if (axes.kind === 'pca' || axes.kind === 'local') requireFinite('axes', 'the trajectory', trajectory, hint);
  if (axes.kind === 'local' && center === 'optimum') requireFinite('axes', 'the trained parameters', points.trained, hint);
}

interface SurfaceAxes {
  d1: Float64Array;
  d2: Float64Array;
  axisLabels: [string, string];
  span: number | 'auto';
  explained?: [number, number];
}

/** The two directions of a surface's plane, what they are called, and the span `auto` means for them. */
async function surfaceAxes(p: PreparedConfig, axes: AxesSpec, req: LandscapeRequest, points: ViewPoints, trajectory: Float32Array, options: JobOptions): Promise<SurfaceAxes> {
  const { layout, arch, data } = p;
  const seed = p.config.seed;
  const center = pointOf(points, req.center);
  switch (axes.kind) {
    case 'hessian':
    case 'hessian-top':
      return { ...eigenAxes(await hessianOf(arch, data, center, options), layout.count, axes.kind === 'hessian' ? 'top-bottom' : 'top-two'), span: req.span };
    case 'local': {
      const local = localAxes(req.center, points, trajectory, arch, layout, seed);
      return { d1: local.d1, d2: local.d2, axisLabels: local.axisLabels, span: req.span === 'auto' ? local.span : req.span };
    }
    case 'params':
      return { d1: unitDirection(layout, axes.names[0]), d2: unitDirection(layout, axes.names[1]), axisLabels: axes.names, span: req.span };
    case 'random': {
      const rng = new Rng(seed, 'directions');
      const d1 = filterNormalizedDirection(layout, center, rng);
      return { d1, d2: filterNormalizedDirection(layout, center, rng), axisLabels: ['random d1 (filter-normalized)', 'random d2 (filter-normalized)'], span: req.span };
    }
    case 'plane': {
      const { basis } = orthonormalPair([difference(points.trained, points.init), difference(pointOf(points, 'optimum'), points.init)], layout.count, seed);
      return { d1: basis[0], d2: basis[1], axisLabels: ['init → trained', '⊥ toward optimum'], span: req.span };
    }
    case 'pca': {
      const K = trajectory.length / layout.count;
      const pool = poolFor(options, K * layout.count * 100);
      const pca = pool ? await pool.trajectoryPca(trajectory, K, seed, { signal: options.signal }) : trajectoryPca(trajectory, K, seed);
      return { d1: pca.basis[0], d2: pca.basis[1], axisLabels: ['PC1 of the trajectory', 'PC2 of the trajectory'], span: req.span, explained: pca.explained };
    }
  }
}

/** A cost surface around one of init, trained and optimum of a trained run of `p`. */
export async function landscape(p: PreparedConfig, trained: RunResult, req: LandscapeRequest, options: JobOptions = {}): Promise<LandscapeResult> {
  const axes = checkLandscapeRequest(req, p);
  // Local axes around the init or the trained network are theirs alone: the optimum is only a marker there.
  const needs = req.center === 'optimum' || axes.kind !== 'local';
  const { points, optimum: found } = await threePoints(p, trained, options, needs);
  const trajectory = trained.snapshots.params;
  checkDrawable(axes, req.center, points, trajectory);
  const { d1, d2, axisLabels, span, explained } = await surfaceAxes(p, axes, req, points, trajectory, options);
  const { arch, data } = p;
  const gridPoints = req.res * req.res;
  const work = { arch, runs: Math.min(gridPoints, 4096), batchSize: data.n, n: data.n, lossesOnly: true };
  const compute = await computeFor(p.config, work, options, poolFor(options, evaluationWork(arch, gridPoints, data.n)));
  const center = pointOf(points, req.center);
  const surface = await costSurface({
    evaluate: compute.evaluator(data),
    concurrency: compute.concurrency,
    center,
    d1,
    d2,
    res: req.res,
    span,
    trajectory,
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
    optimumKind: found?.kind ?? 'best-found',
    ...(found ? { optimum: found } : {}),
    ...(explained ? { explained } : {}),
  };
}

export interface InterpolationRequest {
  from: MarkerName;
  to: MarkerName;
  points: number;
  tMin?: number;
  tMax?: number;
}

export function checkInterpolationRequest(req: InterpolationRequest): void {
  for (const [field, v] of [['from', req.from], ['to', req.to]] as const) {
    if (!MARKERS.includes(v)) throw new InputError(`${field}: must be one of ${MARKERS.join(', ')} (got ${quoted(v)})`);
  }
  if (!Number.isInteger(req.points) || req.points < 2 || req.points > 10_000) {
    throw new InputError(`points: must be an integer from 2 to 10000 (got ${req.points})`);
  }
}

/** J((1−t)·θ_from + t·θ_to) between two of init, trained and optimum of a trained run of `p`. */
export async function interpolation(p: PreparedConfig, trained: RunResult, req: InterpolationRequest, options: JobOptions = {}): Promise<InterpolationResult> {
  checkInterpolationRequest(req);
  const { points, optimum: found } = await threePoints(p, trained, options, req.from === 'optimum' || req.to === 'optimum');
  const [from, to] = [pointOf(points, req.from), pointOf(points, req.to)];
  requireFinite('from', `the ${req.from} parameters`, from, 'interpolate between other points');
  requireFinite('to', `the ${req.to} parameters`, to, 'interpolate between other points');
  const { arch, data } = p;
  const work = { arch, runs: req.points, batchSize: data.n, n: data.n, lossesOnly: true };
  const compute = await computeFor(p.config, work, options, poolFor(options, evaluationWork(arch, req.points, data.n)));
  const t = linspace(req.tMin ?? 0, req.tMax ?? 1, req.points);
  const loss = await compute.curve(data, from, to, t);
  return { t, loss, from: req.from, to: req.to, optimumKind: found?.kind ?? 'best-found', ...(found ? { optimum: found } : {}) };
}
