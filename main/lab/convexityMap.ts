// The convexity map of a stored surface: at each point of its grid (at most CURVATURE_MAX_RES² of
// them), the extreme eigenvalues of the full Hessian and of the surface's own 2×2 Hessian in (α, β).
import { curvatureAt, type CurvaturePoints } from '../engine/curvatureMap.js';
import type { Dataset } from '../engine/data.js';
import type { Architecture } from '../engine/model.js';
import { linspace } from '../engine/surface.js';
import { poolFor } from './compute.js';
import { checkHessianSize, hessianWork, POOL_MIN_HESSIAN_WORK } from './hessian.js';
import type { JobOptions } from './options.js';

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
  const pool = poolFor(options, hessianWork(arch, data) * res * res, POOL_MIN_HESSIAN_WORK);
  if (!pool) {
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
