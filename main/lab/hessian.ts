// The exact Hessian of a network's full-data loss at one point, with its spectrum: the columns are
// split over the pool's workers when the work repays the messages.
import { InputError } from '../../shared/config.js';
import { maxOf } from '../../shared/numbers.js';
import type { Dataset } from '../engine/data.js';
import { curvatureAt, type CurvaturePoints } from '../engine/curvatureMap.js';
import { HessianNet, symmetrize } from '../engine/hessian.js';
import { layoutOf, type Architecture } from '../engine/model.js';
import { analyzeHessian, HESSIAN_MAX_PARAMS, type HessianAnalysis } from '../engine/spectrum.js';
import { linspace } from '../engine/surface.js';
import type { JobOptions } from './runs.js';

/** Multiply-adds (about P² · n · width) under which the columns are computed in this thread. */
const POOL_MIN_HESSIAN_WORK = 5e7;

export function checkHessianSize(arch: Architecture): void {
  const P = layoutOf(arch).count;
  if (P > HESSIAN_MAX_PARAMS) {
    throw new InputError(`hessian: the network has ${P} parameters; the full Hessian is computed for networks of up to ${HESSIAN_MAX_PARAMS} (it is P² numbers)`);
  }
}

/** A Hessian's cost in multiply-adds, roughly: P columns of a P-wide pass over the data at the widest layer. */
function hessianWork(arch: Architecture, data: Dataset): number {
  const P = layoutOf(arch).count;
  return P * P * data.n * maxOf(arch.sizes);
}

/** The exact Hessian of the full-data loss at `params` and what it says. */
export async function hessianOf(arch: Architecture, data: Dataset, params: Float32Array | Float64Array, options: JobOptions = {}): Promise<HessianAnalysis> {
  checkHessianSize(arch);
  if (!params.every(Number.isFinite)) throw new InputError('at: these parameters are not finite (the run diverged); choose another point');
  const layout = layoutOf(arch);
  const P = layout.count;
  const p = Float64Array.from(params);
  const { pool } = options;
  if (!pool || hessianWork(arch, data) < POOL_MIN_HESSIAN_WORK) {
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


/** Grid points per side of a convexity map at most: a surface's finer grid is sampled coarser. */
export const CURVATURE_MAX_RES = 33;

export interface SurfaceCurvature extends CurvaturePoints {
  /** The map's own grid (the surface's, or a coarser one over the same square); row per β. */
  alphas: Float64Array;
  betas: Float64Array;
}

/**
 * The convexity map of a surface: the extreme eigenvalues of the full Hessian and of the surface's own
 * 2×2 Hessian at each point of its grid (at most CURVATURE_MAX_RES² points), rows split over the pool.
 */
export async function surfaceCurvature(
  arch: Architecture,
  data: Dataset,
  surface: { centerParams: Float32Array; d1: Float64Array; d2: Float64Array; alphas: Float64Array; betas: Float64Array },
  options: JobOptions = {},
): Promise<SurfaceCurvature> {
  checkHessianSize(arch);
  const coarse = (axis: Float64Array) => (axis.length <= CURVATURE_MAX_RES ? Float64Array.from(axis) : linspace(axis[0], axis[axis.length - 1], CURVATURE_MAX_RES));
  const alphas = coarse(surface.alphas);
  const betas = coarse(surface.betas);
  const res = alphas.length;
  const plane = { center: surface.centerParams, d1: surface.d1, d2: surface.d2 };
  const rows = (from: number, to: number) => {
    const a = new Float64Array((to - from) * res);
    const b = new Float64Array((to - from) * res);
    for (let i = from; i < to; i++) for (let j = 0; j < res; j++) [a[(i - from) * res + j], b[(i - from) * res + j]] = [alphas[j], betas[i]];
    return { a, b };
  };
  const { pool } = options;
  if (!pool || hessianWork(arch, data) * res * res < POOL_MIN_HESSIAN_WORK) {
    const { a, b } = rows(0, res);
    return { alphas, betas, ...curvatureAt(arch, data, plane, a, b) };
  }
  const parts = Math.min(res, pool.size * 4);
  const bounds = Array.from({ length: parts + 1 }, (_, k) => Math.round((k * res) / parts));
  const results = await Promise.all(
    bounds.slice(0, -1).map((from, k) => {
      const { a, b } = rows(from, bounds[k + 1]);
      return pool.curvature(arch, data, plane, a, b, { signal: options.signal });
    }),
  );
  const joined = (key: keyof CurvaturePoints) => {
    const out = new Float64Array(res * res);
    results.forEach((r, k) => out.set(r[key], bounds[k] * res));
    return out;
  };
  return { alphas, betas, lambdaMin: joined('lambdaMin'), lambdaMax: joined('lambdaMax'), planeMin: joined('planeMin'), planeMax: joined('planeMax') };
}

/** The `curvature` field of `landscape --curvature --json`: grids with a row per β, like `loss`. */
export function curvatureToJson(c: SurfaceCurvature) {
  const res = c.alphas.length;
  const grid = (v: Float64Array) => Array.from({ length: res }, (_, i) => Array.from(v.subarray(i * res, (i + 1) * res)));
  return {
    alphas: Array.from(c.alphas),
    betas: Array.from(c.betas),
    lambdaMin: grid(c.lambdaMin),
    lambdaMax: grid(c.lambdaMax),
    plane: { lambdaMin: grid(c.planeMin), lambdaMax: grid(c.planeMax) },
  };
}
