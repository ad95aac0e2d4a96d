// Classification in 2-D: the class probabilities of a run's network over a grid spanning its data
// (the decision boundary), the data with its test split, and accuracy and loss on both splits. Main
// computes all of it with the js net; the renderer only draws.
import type { BoundaryView, MarkerName } from '../../shared/api.js';
import { classCount, InputError, type ExperimentConfig } from '../../shared/config.js';
import { splitDataset, type Dataset, type Split } from '../engine/data.js';
import { jsNetFor, type JsNet, type Params } from '../engine/jsNet.js';
import { architectureOf } from '../engine/model.js';
import type { ExperimentStore } from '../store/experiments.js';
import { paramsAt, runOf } from './experiments.js';
import type { JobOptions } from './runs.js';

/** Class probabilities of `count` inputs, row-major [count][classes]; a sigmoid's p becomes (1 − p, p). */
function classProbabilities(net: JsNet, params: Params, x: Float32Array, count: number): { probs: Float64Array; classes: number } {
  const out = net.predict(params, 0, x, count);
  if (net.arch.output === 'softmax') return { probs: out, classes: net.arch.sizes[net.arch.sizes.length - 1] };
  const probs = new Float64Array(2 * count);
  for (let s = 0; s < count; s++) {
    probs[2 * s] = 1 - out[s];
    probs[2 * s + 1] = out[s];
  }
  return { probs, classes: 2 };
}

/** Share of points whose most probable class is their label (a non-finite prediction is wrong). */
function accuracyOf(net: JsNet, params: Params, data: Dataset): number {
  const { probs, classes } = classProbabilities(net, params, data.x, data.n);
  let right = 0;
  for (let s = 0; s < data.n; s++) {
    let best = -1;
    let bestP = -Infinity;
    for (let k = 0; k < classes; k++) {
      if (probs[s * classes + k] > bestP) {
        bestP = probs[s * classes + k];
        best = k;
      }
    }
    if (best === data.y[s]) right++;
  }
  return right / data.n;
}

const meanLoss = (net: JsNet, params: Params, data: Dataset) => net.evaluate(params, 0, data, null, 0, data.n, null);

export interface Scores {
  /** Mean loss on the test split, or null without one. */
  testLoss: number | null;
  /** For classification: the share classified right on each split. */
  accuracy: { train: number; test: number | null } | null;
}

/** Test loss and (for classification) accuracy of trained parameters, with the js net. */
export function scoresOf(config: ExperimentConfig, split: Pick<Split, 'train' | 'test'>, params: Float32Array): Scores {
  const net = jsNetFor(architectureOf(config, split.train.dIn));
  const hasTest = split.test.n > 0;
  const classifies = classCount(config.data.target) !== null;
  return {
    testLoss: hasTest ? meanLoss(net, params, split.test) : null,
    accuracy: classifies ? { train: accuracyOf(net, params, split.train), test: hasTest ? accuracyOf(net, params, split.test) : null } : null,
  };
}

/** The padded range of column `c` of row-major [n][2] points. */
function rangeOf(x: Float32Array, c: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = c; i < x.length; i += 2) {
    lo = Math.min(lo, x[i]);
    hi = Math.max(hi, x[i]);
  }
  if (!(hi > lo)) return [lo - 1, hi + 1];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

function grid([lo, hi]: [number, number], res: number): Float64Array {
  return Float64Array.from({ length: res }, (_, i) => lo + ((hi - lo) * i) / (res - 1));
}

export function boundaryOf(config: ExperimentConfig, split: Split, params: Float32Array, res: number): Omit<BoundaryView, 'runIndex' | 'at'> {
  const { all, train, test, isTest } = split;
  if (all.dIn !== 2) throw new InputError(`boundary: drawn for two inputs; the ${config.data.target.kind} data has ${all.dIn}`);
  const net = jsNetFor(architectureOf(config, all.dIn));
  const x0 = grid(rangeOf(all.x, 0), res);
  const x1 = grid(rangeOf(all.x, 1), res);
  const points = new Float32Array(res * res * 2);
  for (let i = 0; i < res; i++) {
    for (let j = 0; j < res; j++) {
      points[2 * (i * res + j)] = x0[j];
      points[2 * (i * res + j) + 1] = x1[i];
    }
  }
  const { probs, classes } = classProbabilities(net, params, points, res * res);
  const hasTest = test.n > 0;
  return {
    x0,
    x1,
    classes,
    probs: Float32Array.from(probs),
    data: { x: all.x, y: all.y, n: all.n, test: isTest },
    accuracy: { train: accuracyOf(net, params, train), test: hasTest ? accuracyOf(net, params, test) : null },
    loss: { train: meanLoss(net, params, train), test: hasTest ? meanLoss(net, params, test) : null },
  };
}

/** The decision boundary of an experiment's run at one of its three points. */
export async function experimentBoundary(store: ExperimentStore, id: number, req: { run: number; at: MarkerName; res: number }, options: JobOptions = {}): Promise<BoundaryView> {
  const run = runOf(store, id, req.run);
  if (run.data.dIn !== 2) throw new InputError(`boundary: drawn for two inputs; experiment ${id} has ${run.data.dIn} (its fit shows it instead)`);
  // The data is made again from the config (it is deterministic); the run stored its training split.
  const split = splitDataset(run.config);
  return { runIndex: run.index, at: req.at, ...boundaryOf(run.config, split, await paramsAt(run, req.at, { store, id }, options), req.res) };
}
