// Costs: L1 against L2 on skewed noise (the L1 fit follows the median of y given x, L2 the mean), and
// NLL with sigmoid against softmax outputs — small networks trained through the lab's own `run`.
import type { CostsView } from '../../../shared/api.js';
import { parseConfig, type ExperimentConfigInput } from '../../../shared/config.js';
import { targetFunction, type Dataset } from '../../engine/data.js';
import { JsNet } from '../../engine/jsNet.js';
import { architectureOf } from '../../engine/model.js';
import { Rng } from '../../engine/prng.js';
import { linspace } from '../../engine/surface.js';
import { runConfigs } from '../../engine/runs.js';

export interface CostsRequest {
  noise?: number;
  n?: number;
  steps?: number;
}

const COSTS_SEED = 3;
const COSTS_POINTS = 201;
/** The regression target: one period of a sine over [−1, 1]. */
const COSTS_TARGET = { kind: 'sine' as const, amplitude: 1, frequency: 0.5, phase: 0 };
const FLIP = 0.15;

function meanAbsDistance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

async function trainedCurve(input: ExperimentConfigInput, x: Float64Array): Promise<{ y: Float64Array; loss: number; data: Dataset }> {
  const config = parseConfig({ ...input, kernel: 'js' });
  const [result] = await runConfigs([config], { kernel: 'js' });
  const arch = architectureOf(config, 1);
  const out = new JsNet(arch).predict(result.params.final, 0, Float32Array.from(x), x.length);
  const dOut = arch.sizes[arch.sizes.length - 1];
  // For softmax, p(y = 1|x) is the second class's probability.
  const y = dOut === 1 ? out : Float64Array.from(x, (_, s) => out[s * dOut + 1]);
  return { y, loss: result.finalLoss ?? NaN, data: result.data };
}

/**
 * L1 against L2 on skewed noise, and NLL with sigmoid against softmax outputs. The regression data is
 * y = sin(πx) + noise·E, E ~ Exp(1): the mean of y|x lies at f(x) + noise, the median at f(x) + noise·ln 2.
 * Both fits are the same 1→8→1 ReLU network from the same initialization, trained full batch with Adam.
 * The classification data has labels 1{x > 0} flipped with probability 0.15; with no hidden layer a
 * sigmoid output σ(wx + b) and a softmax over (z0, z1) — whose p(y = 1|x) = σ(z1 − z0) is again σ of a
 * line — are one model family, the NLL is convex in that line, and full-batch gradient descent brings
 * both to its one minimizer: their curves agree.
 */
export async function costs(req: CostsRequest): Promise<CostsView> {
  const started = performance.now();
  const noise = req.noise ?? 1;
  const n = req.n ?? 400;
  const steps = req.steps ?? 2000;
  const x = linspace(-1, 1, COSTS_POINTS);
  const f = targetFunction(COSTS_TARGET);
  const regression = (loss: 'l1' | 'l2') =>
    trainedCurve(
      {
        seed: COSTS_SEED,
        data: { target: COSTS_TARGET, n, spacing: 'uniform', noise, noiseShape: 'exponential' },
        model: { hidden: [8], activation: 'relu' },
        loss,
        init: { kind: 'he' },
        optimizer: { kind: 'adam', lr: 0.01 },
        batchSize: n,
        steps,
      },
      x,
    );
  const l1 = await regression('l1');
  const l2 = await regression('l2');
  const mean = Float64Array.from(x, (v) => f(v) + noise);
  const median = Float64Array.from(x, (v) => f(v) + noise * Math.LN2);

  const rng = new Rng(COSTS_SEED, 'labels');
  const cn = 200;
  const cx = Array.from({ length: cn }, (_, i) => -1 + (2 * i) / (cn - 1));
  const cy = cx.map((v) => ((v > 0 ? 1 : 0) + (rng.next() < FLIP ? 1 : 0)) % 2);
  const classify = (output: 'sigmoid' | 'softmax') =>
    trainedCurve(
      {
        seed: COSTS_SEED,
        data: { target: { kind: 'points', x: cx, y: cy } },
        model: { hidden: [], output, outputs: output === 'softmax' ? 2 : 1 },
        loss: 'nll',
        init: { kind: 'he' },
        optimizer: { kind: 'sgd', lr: 2 },
        batchSize: cn,
        steps: 3000,
      },
      x,
    );
  const sigmoid = await classify('sigmoid');
  const softmax = await classify('softmax');
  let maxDifference = 0;
  for (let i = 0; i < x.length; i++) maxDifference = Math.max(maxDifference, Math.abs(sigmoid.y[i] - softmax.y[i]));

  return {
    regression: {
      noise,
      data: { x: l1.data.x, y: l1.data.y },
      x,
      target: Float64Array.from(x, f),
      mean,
      median,
      l1: l1.y,
      l2: l2.y,
      distance: {
        l1: { mean: meanAbsDistance(l1.y, mean), median: meanAbsDistance(l1.y, median) },
        l2: { mean: meanAbsDistance(l2.y, mean), median: meanAbsDistance(l2.y, median) },
      },
      loss: { l1: l1.loss, l2: l2.loss },
      steps,
    },
    classification: {
      flip: FLIP,
      data: { x: sigmoid.data.x, y: sigmoid.data.y },
      x,
      sigmoid: sigmoid.y,
      softmax: softmax.y,
      maxDifference,
      loss: { sigmoid: sigmoid.loss, softmax: softmax.loss },
    },
    seconds: (performance.now() - started) / 1000,
  };
}
