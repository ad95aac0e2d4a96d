// The JSON shapes of results, as the CLI prints them with --json and writes them with --out.
// Typed arrays become plain arrays; non-finite numbers become null, as JSON has no NaN.
import type { Diagnostics } from '../../shared/api.js';
import { layerSizes, parameterNames } from '../../shared/parameters.js';
import type { HessianResult, InterpolationResult, LandscapeResult, OptimumResult, RunResult, StoredExperiment, SurfaceCurvature } from '../lab/lab.js';

const list = (a: ArrayLike<number>) => Array.from(a);

export interface RunJson {
  kernel: string;
  backend: string;
  layout: string[];
  data: { x: number[]; y: number[] };
  params: { init: number[]; final: number[]; optimum?: number[] };
  loss: { steps: number[]; values: number[] };
  status: string;
  stepsDone: number;
  finalLoss: number | null;
  optimum?: { kind: string; loss: number; method: string };
  diagnostics: { init: Diagnostics; final: Diagnostics };
  config: unknown;
  seconds: number;
}

export function runToJson(r: RunResult): RunJson {
  return {
    kernel: r.kernel,
    backend: r.backend,
    layout: parameterNames(layerSizes(r.config, r.data.dIn)),
    data: { x: list(r.data.x), y: list(r.data.y) },
    params: {
      init: list(r.params.init),
      final: list(r.params.final),
      ...(r.params.optimum ? { optimum: list(r.params.optimum) } : {}),
    },
    loss: { steps: list(r.loss.steps), values: list(r.loss.values) },
    status: r.status,
    stepsDone: r.stepsDone,
    finalLoss: r.finalLoss,
    ...(r.optimum ? { optimum: r.optimum } : {}),
    diagnostics: r.diagnostics,
    config: r.config,
    seconds: r.seconds,
  };
}

export function landscapeToJson(l: LandscapeResult) {
  const res = l.alphas.length;
  return {
    kernel: l.kernel,
    backend: l.backend,
    center: l.center,
    axes: l.axes,
    axisLabels: l.axisLabels,
    span: l.span,
    optimumKind: l.optimumKind,
    centerParams: list(l.centerParams),
    d1: list(l.d1),
    d2: list(l.d2),
    alphas: list(l.alphas),
    betas: list(l.betas),
    loss: Array.from({ length: res }, (_, i) => list(l.loss.subarray(i * res, (i + 1) * res))),
    trajectory: { alpha: list(l.trajectory.alpha), beta: list(l.trajectory.beta), loss: list(l.trajectory.loss) },
    markers: l.markers,
    ...(l.explained ? { explained: l.explained } : {}),
  };
}

export function optimumToJson(o: OptimumResult) {
  return { kernel: o.kernel, backend: o.backend, kind: o.kind, loss: o.loss, method: o.method, layout: parameterNames(o.sizes), params: list(o.params) };
}

export function interpolationToJson(i: InterpolationResult) {
  return { from: i.from, to: i.to, optimumKind: i.optimumKind, t: list(i.t), loss: list(i.loss) };
}

/** JSON text with non-finite numbers as null (JSON.stringify already does so). */
export function stringify(value: unknown, pretty = false): string {
  return JSON.stringify(value, null, pretty ? 2 : undefined);
}

/**
 * A stored experiment. A single run prints the same fields as `run --json`, with the experiment's
 * record under `experiment`; a sweep lists its runs.
 */
export function experimentToJson(e: StoredExperiment) {
  const { runList, surfaces, interpolations, sweep, config, ...summary } = e;
  const experiment = {
    ...summary,
    surfaces: surfaces.map((s) => ({ id: s.id, run: s.runIndex, center: s.center, axes: s.axes, res: s.alphas.length, span: s.span, createdAt: s.createdAt })),
    interpolations: interpolations.map((i) => ({ id: i.id, run: i.runIndex, from: i.from, to: i.to, points: i.t.length, createdAt: i.createdAt })),
  };
  if (!sweep && runList.length === 1) return { ...runToJson(runList[0]), experiment };
  return {
    experiment,
    config,
    sweep,
    runs: runList.map((r) => ({ index: r.index, label: r.label, hyper: r.hyper, cell: r.cell, seedIndex: r.seedIndex, ...runToJson(r) })),
  };
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

/** The JSON of `landscape-lab race`: the shared init and layout, then each optimizer's run. */
export function raceToJson(runs: readonly RunResult[], experimentId?: number) {
  return {
    ...(experimentId !== undefined ? { experimentId } : {}),
    layout: parameterNames(layerSizes(runs[0].config, runs[0].data.dIn)),
    init: list(runs[0].params.init),
    config: runs[0].config,
    optimizers: runs.map((r) => ({
      label: r.config.optimizer.kind,
      optimizer: r.config.optimizer,
      status: r.status,
      stepsDone: r.stepsDone,
      finalLoss: r.finalLoss,
      final: list(r.params.final),
      loss: { steps: list(r.loss.steps), values: list(r.loss.values) },
      snapshots: { steps: list(r.snapshots.steps), params: list(r.snapshots.params) },
    })),
  };
}
