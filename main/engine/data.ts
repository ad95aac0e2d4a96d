// Datasets: 1-D regression targets sampled on an interval, optionally with Gaussian or exponential noise, or given
// points (an imported CSV) used as they are; 2-D classification datasets (circle, xor, gaussians,
// spiral) with flipped labels as their noise, or labeled 2-D points (an imported CSV of x1, x2, label).
// Any of them may hold out a test split.
import type { ClassificationTarget, ExperimentConfig, TargetConfig } from '../../shared/config.js';
import { classCount, isClassification, testCount } from '../../shared/configRules.js';
import { InputError } from '../../shared/errors.js';
import { Rng } from './prng.js';

export interface Dataset {
  /** Inputs, row-major [n][dIn]. */
  readonly x: Float32Array;
  /** Targets, row-major [n][dY]: values for regression, a class index for softmax. */
  readonly y: Float32Array;
  readonly n: number;
  readonly dIn: number;
}

export type FormulaTarget = Exclude<TargetConfig, { kind: 'points' } | ClassificationTarget>;

/** Whether the target is a formula y = f(x): given points (an imported CSV) and class labels are not. */
export function hasFormula(target: TargetConfig): target is FormulaTarget {
  return target.kind !== 'points' && !isClassification(target);
}

/** The noise-free target as a function of x, or null where there is no formula. */
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

/** The whole dataset, which of its rows are held out for testing, and the two parts (rows in order). */
export interface Split {
  readonly all: Dataset;
  /** 1 where the row of `all` is a test point. */
  readonly isTest: Uint8Array;
  readonly train: Dataset;
  readonly test: Dataset;
}

/**
 * The config's data split into training and test points: round(n · testFraction) rows, chosen by a
 * shuffle seeded with config.seed (its own stream, so the points themselves do not depend on it).
 */
export function splitDataset(config: ExperimentConfig): Split {
  const all = allPoints(config);
  const held = testCount(config.data);
  const isTest = new Uint8Array(all.n);
  if (held === 0) return { all, isTest, train: all, test: rows(all, isTest, 1) };
  const order = Int32Array.from({ length: all.n }, (_, i) => i);
  new Rng(config.seed, 'split').shuffle(order);
  for (let k = 0; k < held; k++) isTest[order[k]] = 1;
  return { all, isTest, train: rows(all, isTest, 0), test: rows(all, isTest, 1) };
}

/** The rows of `data` whose mark equals `keep`, in order. */
function rows(data: Dataset, marks: Uint8Array, keep: 0 | 1): Dataset {
  const { dIn } = data;
  let n = 0;
  for (const m of marks) if (m === keep) n++;
  const x = new Float32Array(n * dIn);
  const y = new Float32Array(n);
  let k = 0;
  for (let i = 0; i < data.n; i++) {
    if (marks[i] !== keep) continue;
    x.set(data.x.subarray(i * dIn, (i + 1) * dIn), k * dIn);
    y[k++] = data.y[i];
  }
  return { x, y, n, dIn };
}

/** One-input points as a dataset (targets 0 where none are given): for evaluating a net at chosen x. */
export function datasetOf(x: ArrayLike<number>, y?: ArrayLike<number>): Dataset {
  return { x: Float32Array.from(x), y: y ? Float32Array.from(y) : new Float32Array(x.length), n: x.length, dIn: 1 };
}

/** The training data: every point but the test split. */
export function makeDataset(config: ExperimentConfig): Dataset {
  return splitDataset(config).train;
}

function allPoints(config: ExperimentConfig): Dataset {
  const { target, n, xRange, spacing, noise, noiseShape } = config.data;
  if (target.kind === 'points') return givenPoints(config, target.x, target.y);
  if (isClassification(target)) return classification(config, target);
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
  // Exponential noise, −ln(1 − u) for u uniform in [0, 1): skewed, so the mean and median of y|x differ.
  const draw = noiseShape === 'exponential' ? () => -Math.log(1 - rng.next()) : () => rng.normal();
  for (let i = 0; i < n; i++) y[i] = f(x[i]) + (noise > 0 ? noise * draw() : 0);
  const data = { x, y, n, dIn: 1 };
  checkFinite(data);
  checkTargetsFit(config, data);
  return data;
}

/**
 * Every target must be a finite float32. The config's numbers each fit (the schema says so), but a
 * polynomial, an amplitude or the noise can still carry y beyond ±3.4e38, where float32 holds
 * Infinity: no run, view or printout could use such data, so it is refused before any work.
 */
function checkFinite(data: Dataset): void {
  for (let i = 0; i < data.n; i++) {
    if (!Number.isFinite(data.y[i])) {
      throw new InputError(`data.target: reaches y = ${data.y[i]} at x = ${data.x[i].toPrecision(4)}, beyond float32's ±3.4e38; use smaller values, a narrower data.xRange or less data.noise`);
    }
  }
}

/** Two inputs per point, row-major; labels are class indices, some flipped at random (data.noise). */
function classification(config: ExperimentConfig, target: ClassificationTarget): Dataset {
  if (target.kind === 'labeled') return labeledPoints(config, target.x1, target.x2, target.label);
  const { n, noise } = config.data;
  const k = classCount(target) ?? 2;
  const rng = new Rng(config.seed, 'data');
  // Flips draw from their own stream, so the points are the same at every noise level.
  const flips = new Rng(config.seed, 'label-noise');
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let a: number;
    let b: number;
    let label: number;
    switch (target.kind) {
      case 'circle':
        a = rng.uniform(-1, 1);
        b = rng.uniform(-1, 1);
        label = a * a + b * b < target.radius * target.radius ? 1 : 0;
        break;
      case 'xor':
        a = rng.uniform(-1, 1);
        b = rng.uniform(-1, 1);
        label = a * b >= 0 ? 1 : 0;
        break;
      case 'gaussians': {
        label = i % k;
        const angle = (2 * Math.PI * label) / k;
        a = 0.6 * Math.cos(angle) + target.spread * rng.normal();
        b = 0.6 * Math.sin(angle) + target.spread * rng.normal();
        break;
      }
      case 'spiral': {
        label = i % k;
        const t = rng.next();
        const angle = 2 * Math.PI * (target.turns * t + label / k);
        a = t * Math.cos(angle) + target.spread * rng.normal();
        b = t * Math.sin(angle) + target.spread * rng.normal();
        break;
      }
    }
    // A flipped label goes to one of the other classes, each equally likely.
    if (noise > 0 && flips.next() < noise) label = (label + 1 + flips.int(k - 1)) % k;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = label;
  }
  const data = { x, y, n, dIn: 2 };
  checkTargetsFit(config, data);
  return data;
}

/** Given 2-D points and their class labels (an imported CSV), in float32, row-major, in file order. */
function labeledPoints(config: ExperimentConfig, x1: readonly number[], x2: readonly number[], label: readonly number[]): Dataset {
  const n = x1.length;
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) [x[2 * i], x[2 * i + 1]] = [x1[i], x2[i]];
  const data = { x, y: Float32Array.from(label), n, dIn: 2 };
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
