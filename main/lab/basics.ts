// The tutorial's basics, computed here so the renderer only draws: neurons (g, g′ and the output
// neurons' likelihoods), costs (L1 follows the median, L2 the mean; NLL with sigmoid and softmax
// outputs), the backpropagation equations for one sample checked against finite differences, and the
// linear pieces of trained 1-D ReLU networks against width and depth. Every network is small, trained
// through the lab's own `run` on the js kernel, and the whole of a call takes well under a second.
import type { BackpropLayer, BackpropView, CostsView, NeuronsView, RegionsView } from '../../shared/api.js';
import { parseConfig, type ExperimentConfigInput } from '../../shared/config.js';
import { targetFunction, type Dataset } from '../engine/data.js';
import { initialParams } from '../engine/init.js';
import { ACTIVATION_CODE, activate, activationSlope, JsNet } from '../engine/jsNet.js';
import { architectureOf, type Architecture } from '../engine/model.js';
import { Rng } from '../engine/prng.js';
import { kinksOf } from './fit.js';
import { run } from './lab.js';

type Hidden = 'relu' | 'tanh' | 'sigmoid';
const HIDDEN: readonly Hidden[] = ['sigmoid', 'tanh', 'relu'];

const grid = (lo: number, hi: number, count: number) => Float64Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
const datasetOf = (x: ArrayLike<number>, y?: ArrayLike<number>): Dataset => ({
  x: Float32Array.from(x),
  y: y ? Float32Array.from(y) : new Float32Array(x.length),
  n: x.length,
  dIn: 1,
});
/** −log σ(s) = log(1 + e^(−s)), without overflow for any s. */
const softplusNeg = (s: number) => Math.max(-s, 0) + Math.log1p(Math.exp(-Math.abs(s)));

// ── Neurons ───────────────────────────────────────────────────────────────────────────────────────

/** z over [−5, 5] in steps of 1/32: exact in float32, which the engine's inputs are. */
const Z_POINTS = 321;

/** The engine's activation and its slope over z (g′ through the same code backpropagation uses). */
function activationCurves(kind: Hidden | 'linear', z: Float64Array): { g: Float64Array; slope: Float64Array } {
  const code = ACTIVATION_CODE[kind];
  const g = new Float64Array(z.length);
  const slope = new Float64Array(z.length).fill(1);
  activate(code, z, g, 0, z.length);
  activationSlope(code, z, g, slope, 0, z.length);
  return { g, slope };
}

/** The output of a one-layer network whose logits are given directly: W = I-like, b = 0. */
function outputProbabilities(output: 'sigmoid' | 'softmax', logits: Float64Array): Float64Array {
  const outputs = output === 'softmax' ? 2 : 1;
  const arch: Architecture = { sizes: [1, outputs], activations: [], output, loss: 'nll' };
  // Softmax logits (z0, z1) = (d, 0): W = [1, 0], so p(class 0) = σ(d) with d = z0 − z1.
  const params = output === 'softmax' ? Float64Array.of(1, 0, 0, 0) : Float64Array.of(1, 0);
  const p = new JsNet(arch, { general: true }).predict(params, 0, Float32Array.from(logits), logits.length);
  return output === 'softmax' ? Float64Array.from(logits, (_, s) => p[s * 2]) : p;
}

export function neurons(): NeuronsView {
  const z = grid(-5, 5, Z_POINTS);
  const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);
  return {
    z,
    hidden: HIDDEN.map((name) => ({ name, ...activationCurves(name, z) })),
    output: {
      linear: { y: 0, nll: Float64Array.from(z, (v) => (v * v) / 2 + halfLog2Pi) },
      sigmoid: {
        p1: outputProbabilities('sigmoid', z),
        // p(y|z) = σ((2y − 1)z): −log p(0|z) = −log σ(−z), −log p(1|z) = −log σ(z).
        nll0: Float64Array.from(z, (v) => softplusNeg(-v)),
        nll1: Float64Array.from(z, (v) => softplusNeg(v)),
      },
      softmax: {
        p0: outputProbabilities('softmax', z),
        nll0: Float64Array.from(z, (d) => softplusNeg(d)),
        nll1: Float64Array.from(z, (d) => softplusNeg(-d)),
      },
    },
  };
}

// ── Costs ─────────────────────────────────────────────────────────────────────────────────────────

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
  const result = await run(config, { kernel: 'js' });
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
  const x = grid(-1, 1, COSTS_POINTS);
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

// ── Backpropagation ───────────────────────────────────────────────────────────────────────────────

export interface BackpropRequest {
  hidden?: number[];
  activation?: Hidden;
  seed?: number;
  x?: number;
  y?: number;
}

/** Step of the finite differences. */
const FD_STEP = 1e-4;

/**
 * Fourth-order central difference, (8(L(t+h) − L(t−h)) − (L(t+2h) − L(t−2h))) / 12h: its error, O(h⁴)
 * plus rounding of order 1e-16·L/h, stays near 1e-12, far below the 1e-6 the check asks for. The
 * differences are taken first, so a loss that does not move (a ReLU that is off) gives exactly 0.
 */
function centralDifference(loss: (t: number) => number, t: number): number {
  const h = FD_STEP;
  return (8 * (loss(t + h) - loss(t - h)) - (loss(t + 2 * h) - loss(t - 2 * h))) / (12 * h);
}

/** Relative error |a − f| / max(|a|, |f|); 0 where both are exactly 0 (a ReLU that is off). */
function relativeError(a: Float64Array, f: Float64Array): Float64Array {
  return Float64Array.from(a, (v, i) => {
    const scale = Math.max(Math.abs(v), Math.abs(f[i]));
    return scale === 0 ? 0 : Math.abs(v - f[i]) / scale;
  });
}

const maxOf = (...arrays: Float64Array[]) => arrays.reduce((m, a) => a.reduce((mm, v) => Math.max(mm, v), m), 0);

/**
 * One sample (x, y) through a network x → hidden… → linear output under the squared error
 * L = (ŷ − y)², layer by layer in the tutorial's notation: u0 = h_{i−1}, u1 = Wᵀu0, u2 = u1 + b,
 * u3 = g(u2) = h_i (g the identity at the output), then backwards ∇u2 = ∇b = g′(u2) ⊙ ∇u3,
 * ∇W = u0 (∇u2)ᵀ, ∇u0 = W ∇u2 = ∇u3 of the layer below. Every gradient is set beside a finite
 * difference: for W and b of the engine's own loss (JsNet, float64 parameters), for u0, u2 and u3 of
 * the forward pass from that point on.
 */
export function backprop(req: BackpropRequest): BackpropView {
  const hidden = req.hidden ?? [3, 2];
  const activation = req.activation ?? 'tanh';
  const seed = req.seed ?? 1;
  // The engine reads data as float32: the sample is what it sees.
  const x = Math.fround(req.x ?? 0.5);
  const y = Math.fround(req.y ?? 1);
  const arch: Architecture = { sizes: [1, ...hidden, 1], activations: hidden.map(() => activation), output: 'linear', loss: 'l2' };
  const data = datasetOf([x], [y]);
  const params = Float64Array.from(initialParams(arch, { kind: activation === 'relu' ? 'he' : 'xavier' }, seed, data));
  // Small random biases, so b shows in u2 (the initializers start them at 0).
  const biasRng = new Rng(seed, 'basics-bias');
  const net = new JsNet(arch, { general: true });
  for (const layer of net.layout.layers) for (let j = 0; j < layer.fanOut; j++) params[layer.b + j] = biasRng.uniform(-0.5, 0.5);
  const layers = net.layout.layers;
  const last = layers.length - 1;
  const kindOf = (l: number): Hidden | 'linear' => (l === last ? 'linear' : activation);
  const g = (l: number, v: Float64Array) => activationCurves(kindOf(l), v);

  /** The layer's u1, u2, u3 for input u0. */
  const through = (l: number, u0: Float64Array) => {
    const { fanIn, fanOut, w, b } = layers[l];
    const u1 = new Float64Array(fanOut);
    for (let j = 0; j < fanOut; j++) for (let i = 0; i < fanIn; i++) u1[j] += params[w + i * fanOut + j] * u0[i];
    const u2 = Float64Array.from(u1, (v, j) => v + params[b + j]);
    return { u1, u2, u3: g(l, u2).g };
  };
  /** The loss from the input of layer l onward (l = layers.length: the output itself). */
  const lossFrom = (l: number, h: Float64Array): number => {
    let v = h;
    for (let k = l; k <= last; k++) v = through(k, v).u3;
    return (v[0] - y) ** 2;
  };
  /** Finite differences of `loss` in each coordinate of `v`. */
  const perCoordinate = (v: Float64Array, loss: (u: Float64Array) => number) =>
    Float64Array.from(v, (t, i) =>
      centralDifference((s) => {
        const u = Float64Array.from(v);
        u[i] = s;
        return loss(u);
      }, t),
    );
  const engineLoss = (q: Float64Array) => net.evaluate(q, 0, data, null, 0, 1, null);
  const perParameter = (from: number, count: number) =>
    Float64Array.from({ length: count }, (_, k) =>
      centralDifference((s) => {
        const q = Float64Array.from(params);
        q[from + k] = s;
        return engineLoss(q);
      }, params[from + k]),
    );

  const forward: { u0: Float64Array; u1: Float64Array; u2: Float64Array; u3: Float64Array }[] = [];
  let h: Float64Array = Float64Array.of(x);
  for (let l = 0; l <= last; l++) {
    const step = through(l, h);
    forward.push({ u0: h, ...step });
    h = step.u3;
  }
  const output = h[0];
  const loss = (output - y) ** 2;

  const out: BackpropLayer[] = new Array(layers.length);
  let gradU3: Float64Array = Float64Array.of(2 * (output - y));
  for (let l = last; l >= 0; l--) {
    const { fanIn, fanOut, w, b } = layers[l];
    const { u0, u1, u2, u3 } = forward[l];
    const slope = g(l, u2).slope;
    const gradU2 = Float64Array.from(gradU3, (v, j) => slope[j] * v);
    const gradW = new Float64Array(fanIn * fanOut);
    const gradU0 = new Float64Array(fanIn);
    for (let i = 0; i < fanIn; i++) {
      for (let j = 0; j < fanOut; j++) {
        gradW[i * fanOut + j] = u0[i] * gradU2[j];
        gradU0[i] += params[w + i * fanOut + j] * gradU2[j];
      }
    }
    const fd = {
      u3: perCoordinate(u3, (v) => lossFrom(l + 1, v)),
      u2: perCoordinate(u2, (v) => lossFrom(l + 1, g(l, v).g)),
      W: perParameter(w, fanIn * fanOut),
      b: perParameter(b, fanOut),
      u0: perCoordinate(u0, (v) => lossFrom(l, v)),
    };
    const relError = {
      u3: relativeError(gradU3, fd.u3),
      u2: relativeError(gradU2, fd.u2),
      W: relativeError(gradW, fd.W),
      b: relativeError(gradU2, fd.b),
      u0: relativeError(gradU0, fd.u0),
    };
    out[l] = {
      layer: l + 1,
      activation: kindOf(l),
      fanIn,
      fanOut,
      W: params.slice(w, w + fanIn * fanOut),
      b: params.slice(b, b + fanOut),
      u0,
      u1,
      u2,
      u3,
      grad: { u3: gradU3, slope, u2: gradU2, b: gradU2, W: gradW, u0: gradU0 },
      fd,
      relError,
      maxRelError: maxOf(...Object.values(relError)),
    };
    gradU3 = gradU0;
  }
  return {
    hidden,
    activation,
    seed,
    x,
    y,
    output,
    loss,
    layers: out,
    fdStep: FD_STEP,
    maxRelError: Math.max(...out.map((l) => l.maxRelError)),
  };
}

// ── Linear regions ────────────────────────────────────────────────────────────────────────────────

export interface RegionsRequest {
  widths?: number[];
  depths?: number[];
  steps?: number;
  seed?: number;
}

/** Grid for finding where ReLUs switch: two switches of one unit closer than its spacing would merge. */
const KINK_GRID = 4001;
const REGIONS_POINTS = 401;
/** Two full periods of a sine over [−1, 1]: a target with many bends. */
const REGIONS_TARGET = { kind: 'sine' as const, amplitude: 1, frequency: 1, phase: 0 };

/**
 * The linear pieces of a 1-D ReLU network over [lo, hi]: 1 + the number of distinct inputs where any
 * ReLU of any layer switches (its activation pattern changes there). Switches closer than a millionth
 * of the range count as one: several units switching at one input make one new piece.
 */
export function linearPieces(arch: Architecture, params: Float32Array, lo: number, hi: number): { pieces: number; kinks: Float64Array } {
  const net = new JsNet(arch);
  const kinks = kinksOf(net, arch, params, Float32Array.from(grid(lo, hi, KINK_GRID))).x.slice().sort();
  const distinct: number[] = [];
  for (const k of kinks) if (distinct.length === 0 || k - distinct[distinct.length - 1] > 1e-6 * (hi - lo)) distinct.push(k);
  return { pieces: distinct.length + 1, kinks: Float64Array.from(distinct) };
}

/**
 * Trains a 1→n→…→n→1 ReLU network (k hidden layers of n) for each width × depth on a sine and counts
 * its linear pieces over the data range. For one input the count is at most (n + 1)^k — each layer's
 * units can switch at most once within each piece of the layer below — so it can grow like nᵏ with
 * depth but only like n + 1 with width for one layer (Montufar et al., 2014).
 */
export async function regions(req: RegionsRequest): Promise<RegionsView> {
  const started = performance.now();
  const widths = req.widths ?? [2, 4, 8, 16];
  const depths = req.depths ?? [1, 2, 3];
  const steps = req.steps ?? 400;
  const seed = req.seed ?? 1;
  const n = 200;
  const x = grid(-1, 1, REGIONS_POINTS);
  const cells = depths.length * widths.length;
  const pieces = new Int32Array(cells);
  const loss = new Float64Array(cells);
  const bound = new Float64Array(cells);
  const growth = new Float64Array(cells);
  const fits = new Float64Array(cells * x.length);
  const kinkX: number[] = [];
  const kinkCell: number[] = [];
  let data: Dataset | null = null;
  for (let d = 0; d < depths.length; d++) {
    for (let w = 0; w < widths.length; w++) {
      const cell = d * widths.length + w;
      const width = widths[w];
      const depth = depths[d];
      const config = parseConfig({
        seed,
        data: { target: REGIONS_TARGET, n },
        model: { hidden: new Array<number>(depth).fill(width), activation: 'relu' },
        init: { kind: 'he' },
        optimizer: { kind: 'adam', lr: 0.01 },
        batchSize: n,
        steps,
        kernel: 'js',
      });
      const result = await run(config, { kernel: 'js' });
      data = result.data;
      const arch = architectureOf(config, 1);
      const found = linearPieces(arch, result.params.final, -1, 1);
      pieces[cell] = found.pieces;
      loss[cell] = result.finalLoss ?? NaN;
      bound[cell] = (width + 1) ** depth;
      growth[cell] = width ** depth;
      fits.set(new JsNet(arch).predict(result.params.final, 0, Float32Array.from(x), x.length), cell * x.length);
      for (const k of found.kinks) {
        kinkX.push(k);
        kinkCell.push(cell);
      }
    }
  }
  const f = targetFunction(REGIONS_TARGET);
  return {
    widths,
    depths,
    steps,
    seed,
    pieces,
    loss,
    bound,
    growth,
    data: { x: data?.x ?? new Float32Array(0), y: data?.y ?? new Float32Array(0) },
    x,
    target: Float64Array.from(x, f),
    fits,
    kinks: { x: Float64Array.from(kinkX), cell: Int32Array.from(kinkCell) },
    seconds: (performance.now() - started) / 1000,
  };
}
