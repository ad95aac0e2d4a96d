// Datasets: 1-D regression targets sampled on an interval, optionally with Gaussian noise, or given
// points (an imported CSV) used as they are.
import { InputError, type ExperimentConfig, type TargetConfig } from '../../shared/config.js';
import { Rng } from './prng.js';

export interface Dataset {
  /** Inputs, row-major [n][dIn]. */
  readonly x: Float32Array;
  /** Targets, row-major [n][dY]: values for regression, a class index for softmax. */
  readonly y: Float32Array;
  readonly n: number;
  readonly dIn: number;
}

export type FormulaTarget = Exclude<TargetConfig, { kind: 'points' }>;

/** Whether the target has a formula: given points (an imported CSV) have none. */
export function hasFormula(target: TargetConfig): target is FormulaTarget {
  return target.kind !== 'points';
}

/** The noise-free target as a function of x, or null for given points (they have no formula). */
export function targetFunction(target: FormulaTarget): (x: number) => number;
export function targetFunction(target: TargetConfig): ((x: number) => number) | null;
export function targetFunction(target: TargetConfig): ((x: number) => number) | null {
  if (!hasFormula(target)) return null;
  switch (target.kind) {
    case 'hinge': {
      const { x0, m1, m2, b } = target;
      return (x) => m1 * Math.max(0, x - x0) + m2 * Math.min(0, x - x0) + b;
    }
    case 'polynomial': {
      const c = target.coefficients;
      return (x) => {
        let acc = 0;
        for (let k = c.length - 1; k >= 0; k--) acc = acc * x + c[k];
        return acc;
      };
    }
    case 'sine': {
      const { amplitude, frequency, phase } = target;
      return (x) => amplitude * Math.sin(2 * Math.PI * frequency * x + phase);
    }
  }
}

export function makeDataset(config: ExperimentConfig): Dataset {
  const { target, n, xRange, spacing, noise } = config.data;
  if (target.kind === 'points') return givenPoints(config, target.x, target.y);
  const rng = new Rng(config.seed, 'data');
  const f = targetFunction(target);
  const [lo, hi] = xRange;
  const x = new Float32Array(n);
  if (spacing === 'even') {
    for (let i = 0; i < n; i++) x[i] = n === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (n - 1);
  } else {
    for (let i = 0; i < n; i++) x[i] = rng.uniform(lo, hi);
    x.sort();
  }
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = f(x[i]) + (noise > 0 ? noise * rng.normal() : 0);
  const data = { x, y, n, dIn: 1 };
  checkTargetsFit(config, data);
  return data;
}

/**
 * Given points, in float32, ordered by x (ties keep their order): every sampled dataset is ordered
 * by x too, and views draw the data left to right. The loss is a mean over points, so it is the same.
 */
function givenPoints(config: ExperimentConfig, xs: readonly number[], ys: readonly number[]): Dataset {
  const n = xs.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => xs[a] - xs[b] || a - b);
  const x = Float32Array.from(order, (i) => xs[i]);
  const y = Float32Array.from(order, (i) => ys[i]);
  const data = { x, y, n, dIn: 1 };
  checkTargetsFit(config, data);
  return data;
}

/** Sigmoid and softmax outputs with nll need targets their likelihood can describe. */
export function checkTargetsFit(config: ExperimentConfig, data: Dataset): void {
  if (config.loss !== 'nll') return;
  if (config.model.output === 'sigmoid') {
    for (const v of data.y) {
      if (!(v >= 0 && v <= 1)) {
        throw new InputError(`loss: nll with a sigmoid output needs targets in [0, 1]; this target reaches ${v.toPrecision(4)}`);
      }
    }
  } else if (config.model.output === 'softmax') {
    const k = config.model.outputs;
    for (const v of data.y) {
      if (!Number.isInteger(v) || v < 0 || v >= k) {
        throw new InputError(`loss: nll with a softmax output needs class labels 0..${k - 1}; this target has ${v.toPrecision(4)}`);
      }
    }
  }
}
