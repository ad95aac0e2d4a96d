// Curvature at one point: the exact Hessian of a network's full-data loss there, its spectrum and the
// symmetries behind its zero eigenvalues (engine/spectrum.ts). The columns are split over the pool's
// workers when the work repays it.
import { InputError } from '../../shared/config.js';
import { maxOf } from '../../shared/numbers.js';
import type { Dataset } from '../engine/data.js';
import { HessianNet, symmetrize } from '../engine/hessian.js';
import { layoutOf, type Architecture } from '../engine/model.js';
import { analyzeHessian, HESSIAN_MAX_PARAMS, type HessianAnalysis } from '../engine/spectrum.js';
import { poolFor } from './compute.js';
import type { JobOptions } from './options.js';

/** Multiply-adds (about P² · n · width) under which the columns are computed in this thread. */
export const POOL_MIN_HESSIAN_WORK = 5e7;

export function checkHessianSize(arch: Architecture): void {
  const P = layoutOf(arch).count;
  if (P > HESSIAN_MAX_PARAMS) {
    throw new InputError(`hessian: the network has ${P} parameters; the full Hessian is computed for networks of up to ${HESSIAN_MAX_PARAMS} (it is P² numbers)`);
  }
}

/** A Hessian's cost in multiply-adds, roughly: P columns of a P-wide pass over the data at the widest layer. */
export function hessianWork(arch: Architecture, data: Dataset): number {
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
  const pool = poolFor(options, hessianWork(arch, data), POOL_MIN_HESSIAN_WORK);
  if (!pool) {
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
