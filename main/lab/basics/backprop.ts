// The backpropagation inspector: one sample through a small network in the tutorial's notation,
// every gradient beside a finite difference of the loss.
import type { BackpropLayer, BackpropView } from '../../../shared/api.js';
import { datasetOf } from '../../engine/data.js';
import { initialParams } from '../../engine/init.js';
import { JsNet } from '../../engine/jsNet.js';
import type { Architecture } from '../../engine/model.js';
import { Rng } from '../../engine/prng.js';
import { activationCurves, type Hidden } from './neurons.js';

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

interface LayerValues {
  u0: Float64Array;
  u1: Float64Array;
  u2: Float64Array;
  u3: Float64Array;
}

/**
 * One sample (x, y) through a network x → hidden… → linear output under the squared error
 * L = (ŷ − y)², layer by layer in the tutorial's notation: u0 = h_{i−1}, u1 = Wᵀu0, u2 = u1 + b,
 * u3 = g(u2) = h_i (g the identity at the output), then backwards ∇u2 = ∇b = g′(u2) ⊙ ∇u3,
 * ∇W = u0 (∇u2)ᵀ, ∇u0 = W ∇u2 = ∇u3 of the layer below. Every gradient is set beside a finite
 * difference: for W and b of the engine's own loss (JsNet, float64 parameters), for u0, u2 and u3 of
 * the forward pass from that point on.
 */
class Inspection {
  readonly params: Float64Array;
  private readonly net: JsNet;
  private readonly data: ReturnType<typeof datasetOf>;
  private readonly last: number;

  constructor(
    hidden: number[],
    private readonly activation: Hidden,
    seed: number,
    private readonly x: number,
    private readonly y: number,
  ) {
    const arch: Architecture = { sizes: [1, ...hidden, 1], activations: hidden.map(() => activation), output: 'linear', loss: 'l2' };
    this.data = datasetOf([x], [y]);
    this.params = Float64Array.from(initialParams(arch, { kind: activation === 'relu' ? 'he' : 'xavier' }, seed, this.data));
    this.net = new JsNet(arch, { general: true });
    this.last = this.net.layout.layers.length - 1;
    // Small random biases, so b shows in u2 (the initializers start them at 0).
    const biasRng = new Rng(seed, 'basics-bias');
    for (const layer of this.net.layout.layers) for (let j = 0; j < layer.fanOut; j++) this.params[layer.b + j] = biasRng.uniform(-0.5, 0.5);
  }

  kindOf(l: number): Hidden | 'linear' {
    return l === this.last ? 'linear' : this.activation;
  }

  private g(l: number, v: Float64Array) {
    return activationCurves(this.kindOf(l), v);
  }

  /** Layer l's u1, u2, u3 for its input u0. */
  private through(l: number, u0: Float64Array): Omit<LayerValues, 'u0'> {
    const { fanIn, fanOut, w, b } = this.net.layout.layers[l];
    const u1 = new Float64Array(fanOut);
    for (let j = 0; j < fanOut; j++) for (let i = 0; i < fanIn; i++) u1[j] += this.params[w + i * fanOut + j] * u0[i];
    const u2 = Float64Array.from(u1, (v, j) => v + this.params[b + j]);
    return { u1, u2, u3: this.g(l, u2).g };
  }

  /** The loss from the input of layer l onward (l = the number of layers: the output itself). */
  private lossFrom(l: number, h: Float64Array): number {
    let v = h;
    for (let k = l; k <= this.last; k++) v = this.through(k, v).u3;
    return (v[0] - this.y) ** 2;
  }

  /** Finite differences of `loss` in each coordinate of `v`. */
  private perCoordinate(v: Float64Array, loss: (u: Float64Array) => number): Float64Array {
    return Float64Array.from(v, (t, i) =>
      centralDifference((s) => {
        const u = Float64Array.from(v);
        u[i] = s;
        return loss(u);
      }, t),
    );
  }

  /** Finite differences of the engine's loss in parameters [from, from + count). */
  private perParameter(from: number, count: number): Float64Array {
    return Float64Array.from({ length: count }, (_, k) =>
      centralDifference((s) => {
        const q = Float64Array.from(this.params);
        q[from + k] = s;
        return this.net.evaluate(q, 0, this.data, null, 0, 1, null);
      }, this.params[from + k]),
    );
  }

  /** Every layer's values for the sample, input first. */
  forward(): LayerValues[] {
    const values: LayerValues[] = [];
    let h: Float64Array = Float64Array.of(this.x);
    for (let l = 0; l <= this.last; l++) {
      const step = this.through(l, h);
      values.push({ u0: h, ...step });
      h = step.u3;
    }
    return values;
  }

  /** Layer l's gradients from ∇u3, each beside its finite difference; returns the layer and its ∇u0 (the ∇u3 below). */
  backward(l: number, values: LayerValues, gradU3: Float64Array): { layer: BackpropLayer; gradU0: Float64Array } {
    const { fanIn, fanOut, w, b } = this.net.layout.layers[l];
    const { u0, u1, u2, u3 } = values;
    const slope = this.g(l, u2).slope;
    const gradU2 = Float64Array.from(gradU3, (v, j) => slope[j] * v);
    const gradW = new Float64Array(fanIn * fanOut);
    const gradU0 = new Float64Array(fanIn);
    for (let i = 0; i < fanIn; i++) {
      for (let j = 0; j < fanOut; j++) {
        gradW[i * fanOut + j] = u0[i] * gradU2[j];
        gradU0[i] += this.params[w + i * fanOut + j] * gradU2[j];
      }
    }
    const fd = {
      u3: this.perCoordinate(u3, (v) => this.lossFrom(l + 1, v)),
      u2: this.perCoordinate(u2, (v) => this.lossFrom(l + 1, this.g(l, v).g)),
      W: this.perParameter(w, fanIn * fanOut),
      b: this.perParameter(b, fanOut),
      u0: this.perCoordinate(u0, (v) => this.lossFrom(l, v)),
    };
    const relError = { u3: relativeError(gradU3, fd.u3), u2: relativeError(gradU2, fd.u2), W: relativeError(gradW, fd.W), b: relativeError(gradU2, fd.b), u0: relativeError(gradU0, fd.u0) };
    const layer: BackpropLayer = {
      layer: l + 1,
      activation: this.kindOf(l),
      fanIn,
      fanOut,
      W: this.params.slice(w, w + fanIn * fanOut),
      b: this.params.slice(b, b + fanOut),
      u0,
      u1,
      u2,
      u3,
      grad: { u3: gradU3, slope, u2: gradU2, b: gradU2, W: gradW, u0: gradU0 },
      fd,
      relError,
      maxRelError: maxOf(...Object.values(relError)),
    };
    return { layer, gradU0 };
  }
}

export function backprop(req: BackpropRequest): BackpropView {
  const hidden = req.hidden ?? [3, 2];
  const activation = req.activation ?? 'tanh';
  const seed = req.seed ?? 1;
  // The engine reads data as float32: the sample is what it sees.
  const x = Math.fround(req.x ?? 0.5);
  const y = Math.fround(req.y ?? 1);
  const inspection = new Inspection(hidden, activation, seed, x, y);
  const forward = inspection.forward();
  const output = forward[forward.length - 1].u3[0];
  const layers: BackpropLayer[] = new Array(forward.length);
  let gradU3: Float64Array = Float64Array.of(2 * (output - y));
  for (let l = forward.length - 1; l >= 0; l--) {
    const step = inspection.backward(l, forward[l], gradU3);
    layers[l] = step.layer;
    gradU3 = step.gradU0;
  }
  return {
    hidden,
    activation,
    seed,
    x,
    y,
    output,
    loss: (output - y) ** 2,
    layers,
    fdStep: FD_STEP,
    maxRelError: layers.reduce((m, l) => Math.max(m, l.maxRelError), -Infinity),
  };
}
