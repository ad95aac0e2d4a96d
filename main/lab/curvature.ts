// Curvature at a stored run's points: the exact Hessian of the full-data loss at init, trained or
// optimum, its spectrum, and the symmetries behind its zero eigenvalues.
import { InputError } from '../../shared/config.js';
import { architectureOf } from '../engine/model.js';
import type { HessianAnalysis } from '../engine/spectrum.js';
import { MARKERS, type MarkerName } from '../../shared/markers.js';
import type { ExperimentConfig } from '../../shared/config.js';
import type { ExperimentStore } from '../store/experiments.js';
import { paramsAt, runOf } from './experiments.js';
import { checkHessianSize, hessianOf } from './hessian.js';
import type { JobOptions } from './runs.js';

export interface HessianResult extends HessianAnalysis {
  at: MarkerName;
  layout: readonly string[];
  params: Float32Array;
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
