// When a run counts as diverged (shared/divergence.ts states the rule): its loss became NaN or infinite, or it ended far above where it
// started — above DIVERGENCE_FACTOR × the larger of its initial loss and the best constant
// predictor's loss (a network that predicts one value for every point). Adam at lr 1e6 ending at
// 6e8, or SGD at lr 1 ending 1000× above its start, trained to no purpose however finite its loss.
import type { Dataset } from './data.js';
import { DIVERGENCE_FACTOR } from '../../shared/divergence.js';
import type { Architecture } from './model.js';

/**
 * The mean loss of the best constant output, per the network's loss: the variance of y (L2), the
 * mean distance to the median (L1), the entropy of the labels (NLL; in nats, as the loss).
 */
export function constantPredictorLoss(arch: Architecture, data: Dataset): number {
  // Every run of a sweep cell asks it of one shared dataset.
  let known = constantLosses.get(data);
  if (!known) constantLosses.set(data, (known = new Map()));
  const key = `${arch.output}|${arch.loss}`;
  let loss = known.get(key);
  if (loss === undefined) known.set(key, (loss = computeConstantPredictorLoss(arch, data)));
  return loss;
}

const constantLosses = new WeakMap<Dataset, Map<string, number>>();

function computeConstantPredictorLoss(arch: Architecture, data: Dataset): number {
  const { n } = data;
  if (n === 0) return 0;
  if (arch.output === 'softmax') {
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) counts.set(data.y[i], (counts.get(data.y[i]) ?? 0) + 1);
    let h = 0;
    for (const c of counts.values()) h -= (c / n) * Math.log(c / n);
    return h;
  }
  const dY = data.y.length / n;
  let total = 0;
  for (let k = 0; k < dY; k++) {
    const column = Float64Array.from({ length: n }, (_, i) => data.y[i * dY + k]);
    if (arch.loss === 'nll') {
      const p = column.reduce((s, v) => s + v, 0) / n;
      total += p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    } else if (arch.loss === 'l1') {
      const sorted = column.sort();
      const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      total += sorted.reduce((s, v) => s + Math.abs(v - median), 0) / n;
    } else {
      const mean = column.reduce((s, v) => s + v, 0) / n;
      total += column.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    }
  }
  return total / dY;
}

/** Whether a run that ended with a finite loss `final` diverged by the rule above. */
export function endedFarAbove(final: number, initial: number, constant: number): boolean {
  const reference = Math.max(Number.isFinite(initial) ? initial : 0, constant);
  return reference > 0 ? final > DIVERGENCE_FACTOR * reference : false;
}
