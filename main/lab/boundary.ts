// Classification in 2-D: the class probabilities of a run's network over a grid spanning its data
// (the decision boundary), the data with its test split, and accuracy and loss on both splits. Main
// computes all of it with the js net; the renderer only draws.
import type { BoundaryView, MarkerName } from '../../shared/api.js';
import { InputError, type ExperimentConfig } from '../../shared/config.js';
import { splitDataset, type Split } from '../engine/data.js';
import { jsNetFor } from '../engine/jsNet.js';
import { accuracyOf, classProbabilities, meanLoss } from '../engine/scores.js';
import { architectureOf } from '../engine/model.js';
import type { ExperimentStore } from '../store/experiments.js';
import { paramsAt, runOf } from './experiments.js';
import type { JobOptions } from './options.js';

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
