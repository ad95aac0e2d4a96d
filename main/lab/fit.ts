// The fit of a run: the network's output over the data range at init, after training or at the
// optimum, what each unit of the last hidden layer adds to it, and where its ReLUs switch (the
// kinks of a piecewise-linear fit). Main computes all of it; the renderer only draws.
import type { FitView } from '../../shared/api.js';
import { finiteExtent } from '../../shared/numbers.js';
import type { RunResult } from '../engine/results.js';
import { InputError, type ExperimentConfig } from '../../shared/config.js';
import { datasetOf, targetFunction, type Dataset } from '../engine/data.js';
import { diagnose } from '../engine/diagnostics.js';
import { JsNet } from '../engine/jsNet.js';
import { architectureOf, type Architecture } from '../engine/model.js';
import type { MarkerName } from '../../shared/markers.js';
import { linspace } from '../engine/surface.js';
import type { ExperimentStore } from '../store/experiments.js';
import { paramsAt, runOf } from './experiments.js';
import type { JobOptions } from './options.js';

/** Bisection steps that place a kink: the bracket shrinks to 2⁻⁴⁰ of the grid spacing. */
const BISECTIONS = 40;

/**
 * Inputs where a hidden ReLU's pre-activation changes sign over [lo, hi]: found as sign changes on
 * the grid, then placed by bisection (each unit of a deeper layer is piecewise linear in x, so a
 * crossing between two grid points is found unless two lie in one grid cell).
 */
export function kinksOf(net: JsNet, arch: Architecture, params: Float32Array, grid: Float32Array): FitView['kinks'] {
  const xs: number[] = [];
  const layers: number[] = [];
  const units: number[] = [];
  const n = grid.length;
  for (let l = 1; l < arch.sizes.length - 1; l++) {
    if (arch.activations[l - 1] !== 'relu') continue;
    const width = arch.sizes[l];
    const z = net.preActivations(params, 0, datasetOf(grid), l);
    const brackets: { unit: number; lo: number; hi: number; zLo: number }[] = [];
    for (let j = 0; j < width; j++) {
      for (let s = 0; s + 1 < n; s++) {
        const a = z[j * n + s];
        const b = z[j * n + s + 1];
        if (a === 0 && s > 0) brackets.push({ unit: j, lo: grid[s], hi: grid[s], zLo: 0 });
        else if ((a < 0 && b > 0) || (a > 0 && b < 0)) brackets.push({ unit: j, lo: grid[s], hi: grid[s + 1], zLo: a });
      }
    }
    if (brackets.length === 0) continue;
    const lo = Float64Array.from(brackets, (b) => b.lo);
    const hi = Float64Array.from(brackets, (b) => b.hi);
    const mid = new Float32Array(brackets.length);
    for (let it = 0; it < BISECTIONS; it++) {
      for (let k = 0; k < brackets.length; k++) mid[k] = (lo[k] + hi[k]) / 2;
      const zMid = net.preActivations(params, 0, datasetOf(mid), l);
      for (let k = 0; k < brackets.length; k++) {
        const v = zMid[brackets[k].unit * brackets.length + k];
        if (Math.sign(v) === Math.sign(brackets[k].zLo)) lo[k] = mid[k];
        else hi[k] = mid[k];
      }
    }
    brackets.forEach((b, k) => {
      xs.push((lo[k] + hi[k]) / 2);
      layers.push(l);
      units.push(b.unit);
    });
  }
  return { x: Float64Array.from(xs), layer: Int32Array.from(layers), unit: Int32Array.from(units) };
}

export function fitOf(config: ExperimentConfig, data: Dataset, params: Float32Array, points: number): Omit<FitView, 'runIndex' | 'at'> {
  if (data.dIn !== 1) throw new InputError(`fit: drawn for one input; this data has ${data.dIn}`);
  const arch = architectureOf(config, data.dIn);
  const net = new JsNet(arch);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data.x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const grid = Float32Array.from(linspace(lo, hi, points));
  const dOut = arch.sizes[arch.sizes.length - 1];
  const raw = net.predict(params, 0, grid, points);
  const output = dOut === 1 ? raw : new Float64Array(points);
  const last = arch.sizes.length - 2;
  const unitCount = dOut === 1 && last >= 1 ? arch.sizes[last] : 0;
  const units = new Float64Array(unitCount * points);
  let bias = 0;
  if (unitCount > 0) {
    const out = net.layout.layers[last];
    const h = net.activations(params, 0, datasetOf(grid), last);
    for (let j = 0; j < unitCount; j++) {
      const w = params[out.w + j];
      for (let s = 0; s < points; s++) units[j * points + s] = w * h[j * points + s];
    }
    bias = params[out.b];
  }
  const f = targetFunction(config.data.target);
  return {
    data: { x: data.x, y: data.y },
    x: Float64Array.from(grid),
    output,
    target: f ? Float64Array.from(grid, f) : null,
    units,
    unitCount,
    bias,
    kinks: kinksOf(net, arch, params, grid),
    diagnostics: diagnose(arch, params, data),
  };
}

/** The fit of an experiment's run at one of its three points. */
export async function experimentFit(store: ExperimentStore, id: number, req: { run: number; at: MarkerName; points: number }, options: JobOptions = {}): Promise<FitView> {
  const run = runOf(store, id, req.run);
  const data: Dataset = { x: run.data.x, y: run.data.y, n: run.data.n, dIn: run.data.dIn };
  return { runIndex: run.index, at: req.at, ...fitOf(run.config, data, await paramsAt(run, req.at, { store, id }, options), req.points) };
}

/** The network's output at evenly spaced inputs over its data's range: what a terminal draws. */
export interface FitLine {
  x: Float32Array;
  /** NaN everywhere when the parameters are not finite (a diverged run). */
  y: Float64Array;
}

/** The final network of a one-input run at `width` inputs from its data's least x to its largest. */
export function fitLine(run: RunResult, width: number): FitLine {
  const { lo, hi } = finiteExtent(run.data.x) ?? { lo: 0, hi: 0 };
  // lo·(1−t) + hi·t, not lo + (hi − lo)·t: the difference of two extremes can overflow.
  const x = Float32Array.from({ length: width }, (_, i) => lo * (1 - i / (width - 1)) + hi * (i / (width - 1)));
  const net = new JsNet(architectureOf(run.config, run.data.dIn));
  const y = run.params.final.every(Number.isFinite) ? net.predict(run.params.final, 0, x, width) : new Float64Array(width).fill(NaN);
  return { x, y };
}
