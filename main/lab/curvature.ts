// Curvature at a stored run's points: the exact Hessian of the full-data loss at init, trained or
// optimum, its spectrum, and the symmetries behind its zero eigenvalues. The columns are split over
// the pool's workers when the work repays the messages.
import { InputError } from '../../shared/config.js';
import type { Dataset } from '../engine/data.js';
import { HessianNet, symmetrize } from '../engine/hessian.js';
import { architectureOf, layoutOf, type Architecture } from '../engine/model.js';
import { analyzeHessian, HESSIAN_MAX_PARAMS, type HessianAnalysis } from '../engine/spectrum.js';
import { MARKERS, type MarkerName } from '../engine/surface.js';
import type { ExperimentConfig } from '../../shared/config.js';
import type { ExperimentStore } from '../store/experiments.js';
import { paramsAt, runOf } from './experiments.js';
import type { JobOptions } from './runs.js';

export interface HessianResult extends HessianAnalysis {
  at: MarkerName;
  layout: readonly string[];
  params: Float32Array;
}

/** Multiply-adds (about P² · n · width) under which the columns are computed in this thread. */
const POOL_MIN_HESSIAN_WORK = 5e7;

export function checkHessianSize(arch: Architecture): void {
  const P = layoutOf(arch).count;
  if (P > HESSIAN_MAX_PARAMS) {
    throw new InputError(`hessian: the network has ${P} parameters; the full Hessian is computed for networks of up to ${HESSIAN_MAX_PARAMS} (it is P² numbers)`);
  }
}

/** The exact Hessian of the full-data loss at `params` and what it says. */
export async function hessianOf(arch: Architecture, data: Dataset, params: Float32Array | Float64Array, options: JobOptions = {}): Promise<HessianAnalysis> {
  checkHessianSize(arch);
  if (!params.every(Number.isFinite)) throw new InputError('at: these parameters are not finite (the run diverged); choose another point');
  const layout = layoutOf(arch);
  const P = layout.count;
  const p = Float64Array.from(params);
  const widest = Math.max(...arch.sizes);
  const { pool } = options;
  if (!pool || P * P * data.n * widest < POOL_MIN_HESSIAN_WORK) {
    return analyzeHessian(arch, layout, p, data, new HessianNet(arch).hessian(p, data));
  }
  // Later columns are cheaper (their tangent starts higher up), so the parts are interleaved blocks.
  const parts = Math.min(P, pool.size * 4);
  const bounds = Array.from({ length: parts + 1 }, (_, k) => Math.round((k * P) / parts));
  const results = await Promise.all(bounds.slice(0, -1).map((from, k) => pool.hessianColumns(arch, data, p, from, bounds[k + 1], { signal: options.signal })));
  const columns = new Float64Array(P * P);
  results.forEach((r, k) => columns.set(r.columns, bounds[k] * P));
  return analyzeHessian(arch, layout, p, data, { loss: results[0].loss, gradient: results[0].gradient, hessian: symmetrize(columns, P) });
}

/** The Hessian at one of a stored run's points (the optimum searched for and kept when needed). */
export async function experimentHessian(
  store: ExperimentStore,
  id: number,
  at: MarkerName,
  options: JobOptions & { runIndex?: number } = {},
): Promise<HessianResult> {
  if (!MARKERS.includes(at)) throw new InputError(`at: must be one of ${MARKERS.join(', ')} (got "${at}")`);
  const run = runOf(store, id, options.runIndex ?? 0);
  const arch = architectureOf(run.config, run.data.dIn);
  checkHessianSize(arch);
  const params = await paramsAt(run, at, { store, id }, options);
  const analysis = await hessianOf(arch, run.data, params, options);
  return { ...analysis, at, layout: run.layout, params };
}

/** Refuses a config whose network is too large, before anything is trained for it. */
export function checkHessianConfig(config: ExperimentConfig): void {
  checkHessianSize(architectureOf(config));
}

const list = (a: ArrayLike<number>) => Array.from(a);

/** The JSON of `landscape-lab hessian`, in the flat parameter layout. */
export function hessianToJson(r: HessianResult) {
  const P = r.layout.length;
  const rows = (m: Float64Array) => Array.from({ length: P }, (_, i) => list(m.subarray(i * P, (i + 1) * P)));
  return {
    at: r.at,
    layout: [...r.layout],
    params: list(r.params),
    loss: r.loss,
    gradient: list(r.gradient),
    hessian: rows(r.hessian),
    eigenvalues: list(r.eigenvalues),
    eigenvectors: rows(r.eigenvectors),
    trace: r.trace,
    nearZero: r.nearZero,
    symmetries: r.symmetries,
  };
}
