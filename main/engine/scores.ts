// How well trained parameters do beyond the training loss: the mean loss on the test split and, for
// classification, the share of points whose most probable class is their label. With the js net.
import type { Split, Dataset } from './data.js';
import { classCount } from '../../shared/configRules.js';
import type { ExperimentConfig } from '../../shared/config.js';
import { jsNetFor, type JsNet, type Params } from './jsNet.js';
import { architectureOf } from './model.js';

/** Class probabilities of `count` inputs, row-major [count][classes]; a sigmoid's p becomes (1 − p, p). */
export function classProbabilities(net: JsNet, params: Params, x: Float32Array, count: number): { probs: Float64Array; classes: number } {
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
export function accuracyOf(net: JsNet, params: Params, data: Dataset): number {
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

export const meanLoss = (net: JsNet, params: Params, data: Dataset) => net.evaluate(params, 0, data, null, 0, data.n, null);

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
