// The network's forward and backward pass as fused loops over typed arrays (the `js` kernel's core).
//
// Samples are processed in chunks, unit-major: row j of a layer's buffer holds unit j's values for
// every sample of the chunk, so the inner loops run over samples — long, branch-free and cheap even
// for the 1→2→1 network of the tutorial. Arithmetic is float64; parameters may be Float32Array (the
// stored layout) or Float64Array (gradient checks).
//
// Backpropagation follows the tutorial: u1 = Wᵀu0, u2 = u1 + b, u3 = g(u2);
// ∇b = g'(u2) ⊙ ∇u3, ∇W = u0 (g'(u2) ⊙ ∇u3)ᵀ, ∇u0 = W (g'(u2) ⊙ ∇u3). ReLU′(0) = 1, as the tutorial
// defines it (torch uses 0; the two differ only at an exactly zero pre-activation).
import { maxOf } from '../../shared/numbers.js';
import type { Dataset } from './data.js';
import { architectureKey, layoutOf, type Architecture, type Layout } from './model.js';
import { isTutorialNet, sumsOf, TutorialNet } from './tutorialNet.js';

export type Params = Float32Array | Float64Array;

const RELU = 0;
const TANH = 1;
const SIGMOID = 2;
const LINEAR = 3;
const ACTIVATION_CODE = { relu: RELU, tanh: TANH, sigmoid: SIGMOID, linear: LINEAR } as const;

const CHUNK = 256;

export class JsNet {
  readonly layout: Layout;
  private readonly sizes: readonly number[];
  private readonly codes: Int32Array;
  /** Pre-activations and activations per layer, unit-major [units][CHUNK]. */
  private readonly z: Float64Array[];
  private readonly a: Float64Array[];
  /** Targets of the chunk, [dY][CHUNK] (dY is 1 for class labels). */
  private readonly target: Float64Array;
  private readonly targetWidth: number;
  /** Backward signal for the current and the previous layer. */
  private deltaHi: Float64Array;
  private deltaLo: Float64Array;
  /** Fast paths where the network is the tutorial's 1→H→1 ReLU under L2. */
  private readonly tutorial: TutorialNet | null;

  /** `general: true` skips the tutorial network's fast paths (tests hold the two to each other). */
  constructor(
    readonly arch: Architecture,
    options: { general?: boolean } = {},
  ) {
    this.tutorial = !options.general && isTutorialNet(arch) ? new TutorialNet(arch) : null;
    this.layout = layoutOf(arch);
    this.sizes = arch.sizes;
    this.codes = Int32Array.from(arch.activations.map((k) => ACTIVATION_CODE[k]));
    this.z = this.sizes.map((s) => new Float64Array(s * CHUNK));
    this.a = this.sizes.map((s) => new Float64Array(s * CHUNK));
    this.targetWidth = arch.output === 'softmax' ? 1 : this.sizes[this.sizes.length - 1];
    this.target = new Float64Array(this.targetWidth * CHUNK);
    const widest = maxOf(this.sizes);
    this.deltaHi = new Float64Array(widest * CHUNK);
    this.deltaLo = new Float64Array(widest * CHUNK);
  }

  /**
   * Mean loss over `count` samples — those listed in `idx[iOff…]`, or the first `count` rows when
   * `idx` is null — and, when `grad` is given, adds the gradient of that mean into it.
   */
  evaluate(
    p: Params,
    pOff: number,
    data: Dataset,
    idx: Int32Array | null,
    iOff: number,
    count: number,
    grad: Float64Array | null,
  ): number {
    if (this.tutorial) {
      if (idx === null && count === data.n) return this.tutorial.fullData(p, pOff, data, grad);
      if (idx !== null) return this.tutorial.minibatch(p, pOff, data, idx, iOff, count, grad);
    }
    let total = 0;
    for (let start = 0; start < count; start += CHUNK) {
      const m = Math.min(CHUNK, count - start);
      this.gather(data, idx, iOff + start, m);
      this.forward(p, pOff, m);
      total += this.outputLoss(m, count, grad !== null);
      if (grad) this.backward(p, pOff, m, grad);
    }
    return this.meanDivisor(count) === 0 ? 0 : total / this.meanDivisor(count);
  }

  /** Network outputs for the first `count` rows of `x` (row-major [count][dIn]), row-major [count][dOut]. */
  predict(p: Params, pOff: number, x: Float32Array, count: number): Float64Array {
    const dIn = this.sizes[0];
    const dOut = this.sizes[this.sizes.length - 1];
    const out = new Float64Array(count * dOut);
    const data: Dataset = { x, y: new Float32Array(count), n: count, dIn };
    for (let start = 0; start < count; start += CHUNK) {
      const m = Math.min(CHUNK, count - start);
      this.gather(data, null, start, m);
      this.forward(p, pOff, m);
      const zOut = this.z[this.sizes.length - 1];
      for (let k = 0; k < dOut; k++) {
        for (let s = 0; s < m; s++) out[(start + s) * dOut + k] = zOut[k * CHUNK + s];
      }
      this.applyOutput(out, start, m, dOut);
    }
    return out;
  }

  /** Hidden activations of layer `l` (1-based) for every data point, unit-major [units][n]. */
  activations(p: Params, pOff: number, data: Dataset, l: number): Float64Array {
    return this.layerValues(p, pOff, data, l, this.a);
  }

  /** Hidden pre-activations of layer `l` (1-based) for every data point, unit-major [units][n]. */
  preActivations(p: Params, pOff: number, data: Dataset, l: number): Float64Array {
    return this.layerValues(p, pOff, data, l, this.z);
  }

  /**
   * For hidden layers 1…`upTo`, per unit: whether its pre-activation is ≥ 0 on some data point (a
   * ReLU unit that never is gets no gradient). One forward pass up to layer `upTo`, nothing stored
   * per sample: diagnostics ask this of every run of a sweep, twice. With one input and only the first
   * layer asked, no pass: b + w·x is monotone in x, rounding included, so its largest value over the
   * data is at the smallest or the largest x.
   */
  reachesZero(p: Params, pOff: number, data: Dataset, upTo: number): Uint8Array[] {
    if (upTo === 1 && this.sizes[0] === 1 && data.n > 0) return [this.firstLayerReachesZero(p, pOff, data)];
    const flags = Array.from({ length: upTo }, (_, k) => new Uint8Array(this.sizes[k + 1]));
    for (let start = 0; start < data.n; start += CHUNK) {
      const m = Math.min(CHUNK, data.n - start);
      this.gather(data, null, start, m);
      this.forward(p, pOff, m, upTo);
      for (let l = 1; l <= upTo; l++) {
        const z = this.z[l];
        const f = flags[l - 1];
        for (let j = 0; j < f.length; j++) {
          if (f[j]) continue;
          const row = j * CHUNK;
          for (let s = 0; s < m; s++) {
            if (z[row + s] >= 0) {
              f[j] = 1;
              break;
            }
          }
        }
      }
    }
    return flags;
  }

  private firstLayerReachesZero(p: Params, pOff: number, data: Dataset): Uint8Array {
    const { w, b, fanOut } = this.layout.layers[0];
    const { x } = sumsOf(data);
    const lo = x[0];
    const hi = x[x.length - 1];
    const flags = new Uint8Array(fanOut);
    for (let j = 0; j < fanOut; j++) {
      const wj = p[pOff + w + j];
      const bj = p[pOff + b + j];
      flags[j] = bj + wj * lo >= 0 || bj + wj * hi >= 0 ? 1 : 0;
    }
    return flags;
  }

  private layerValues(p: Params, pOff: number, data: Dataset, l: number, source: Float64Array[]): Float64Array {
    const width = this.sizes[l];
    const out = new Float64Array(width * data.n);
    for (let start = 0; start < data.n; start += CHUNK) {
      const m = Math.min(CHUNK, data.n - start);
      this.gather(data, null, start, m);
      this.forward(p, pOff, m);
      for (let j = 0; j < width; j++) {
        out.set(source[l].subarray(j * CHUNK, j * CHUNK + m), j * data.n + start);
      }
    }
    return out;
  }

  private meanDivisor(count: number): number {
    const dOut = this.sizes[this.sizes.length - 1];
    return this.arch.output === 'softmax' ? count : count * dOut;
  }

  /** Copies the chunk's inputs into layer 0 and its targets into `target`, unit-major. */
  private gather(data: Dataset, idx: Int32Array | null, from: number, m: number): void {
    const copy = (src: Float32Array, dst: Float64Array, width: number) => {
      for (let i = 0; i < width; i++) {
        const row = i * CHUNK;
        if (idx) for (let s = 0; s < m; s++) dst[row + s] = src[idx[from + s] * width + i];
        else for (let s = 0; s < m; s++) dst[row + s] = src[(from + s) * width + i];
      }
    };
    copy(data.x, this.a[0], this.sizes[0]);
    if (data.y.length >= data.n * this.targetWidth) copy(data.y, this.target, this.targetWidth);
  }

  /** The chunk's forward pass through layer `upTo` (all layers by default). */
  private forward(p: Params, pOff: number, m: number, upTo = this.layout.layers.length): void {
    const layers = this.layout.layers;
    const last = layers.length - 1;
    for (let l = 0; l < upTo; l++) {
      const { fanIn, fanOut, w, b } = layers[l];
      const aIn = this.a[l];
      const z = this.z[l + 1];
      // Four units at a time share each load of an input; every z still sums its terms in input order.
      let j = 0;
      for (; j + 4 <= fanOut; j += 4) {
        const [r0, r1, r2, r3] = [j * CHUNK, (j + 1) * CHUNK, (j + 2) * CHUNK, (j + 3) * CHUNK];
        const [b0, b1, b2, b3] = [p[pOff + b + j], p[pOff + b + j + 1], p[pOff + b + j + 2], p[pOff + b + j + 3]];
        for (let s = 0; s < m; s++) {
          z[r0 + s] = b0;
          z[r1 + s] = b1;
          z[r2 + s] = b2;
          z[r3 + s] = b3;
        }
        for (let i = 0; i < fanIn; i++) {
          const at = pOff + w + i * fanOut + j;
          const [w0, w1, w2, w3] = [p[at], p[at + 1], p[at + 2], p[at + 3]];
          const inRow = i * CHUNK;
          for (let s = 0; s < m; s++) {
            const x = aIn[inRow + s];
            z[r0 + s] += w0 * x;
            z[r1 + s] += w1 * x;
            z[r2 + s] += w2 * x;
            z[r3 + s] += w3 * x;
          }
        }
      }
      for (; j < fanOut; j++) {
        const row = j * CHUNK;
        const bias = p[pOff + b + j];
        for (let s = 0; s < m; s++) z[row + s] = bias;
        for (let i = 0; i < fanIn; i++) {
          const wij = p[pOff + w + i * fanOut + j];
          const inRow = i * CHUNK;
          for (let s = 0; s < m; s++) z[row + s] += wij * aIn[inRow + s];
        }
      }
      if (l < last) for (let j = 0; j < fanOut; j++) activate(this.codes[l], z, this.a[l + 1], j * CHUNK, m);
    }
  }

  /** Sum of the chunk's losses; fills deltaHi with d(mean loss)/dz of the output layer. */
  private outputLoss(m: number, count: number, wantDelta: boolean): number {
    const dOut = this.sizes[this.sizes.length - 1];
    const z = this.z[this.sizes.length - 1];
    const d = this.deltaHi;
    const t = this.target;
    const scale = 1 / this.meanDivisor(count);
    let total = 0;
    const { output, loss } = this.arch;
    if (output === 'softmax') {
      for (let s = 0; s < m; s++) {
        const label = t[s];
        let max = -Infinity;
        for (let k = 0; k < dOut; k++) max = Math.max(max, z[k * CHUNK + s]);
        let sum = 0;
        for (let k = 0; k < dOut; k++) sum += Math.exp(z[k * CHUNK + s] - max);
        const logSum = max + Math.log(sum);
        total += logSum - z[label * CHUNK + s];
        if (wantDelta) {
          for (let k = 0; k < dOut; k++) {
            const prob = Math.exp(z[k * CHUNK + s] - logSum);
            d[k * CHUNK + s] = (prob - (k === label ? 1 : 0)) * scale;
          }
        }
      }
      return total;
    }
    const sigmoidOut = output === 'sigmoid';
    for (let k = 0; k < dOut; k++) {
      const end = k * CHUNK + m;
      if (loss === 'nll') {
        // Binary cross-entropy on the logit, stable for any z: softplus(z) − y·z.
        for (let i = k * CHUNK; i < end; i++) {
          const zs = z[i];
          total += Math.max(zs, 0) - t[i] * zs + Math.log1p(Math.exp(-Math.abs(zs)));
          d[i] = (sigmoid(zs) - t[i]) * scale;
        }
      } else if (!sigmoidOut && loss === 'l2') {
        for (let i = k * CHUNK; i < end; i++) {
          const e = z[i] - t[i];
          total += e * e;
          d[i] = 2 * e * scale;
        }
      } else {
        for (let i = k * CHUNK; i < end; i++) {
          const out = sigmoidOut ? sigmoid(z[i]) : z[i];
          const slope = sigmoidOut ? out * (1 - out) : 1;
          const e = out - t[i];
          if (loss === 'l2') {
            total += e * e;
            d[i] = 2 * e * slope * scale;
          } else {
            total += Math.abs(e);
            d[i] = Math.sign(e) * slope * scale;
          }
        }
      }
    }
    return total;
  }

  private backward(p: Params, pOff: number, m: number, grad: Float64Array): void {
    const layers = this.layout.layers;
    for (let l = layers.length - 1; l >= 0; l--) {
      const { fanIn, fanOut, w, b } = layers[l];
      const d = this.deltaHi;
      const aIn = this.a[l];
      for (let j = 0; j < fanOut; j++) {
        const row = j * CHUNK;
        let gb = 0;
        for (let s = 0; s < m; s++) gb += d[row + s];
        grad[b + j] += gb;
        for (let i = 0; i < fanIn; i++) {
          const inRow = i * CHUNK;
          let gw = 0;
          for (let s = 0; s < m; s++) gw += aIn[inRow + s] * d[row + s];
          grad[w + i * fanOut + j] += gw;
        }
      }
      if (l === 0) break;
      const below = this.deltaLo;
      for (let i = 0; i < fanIn; i++) {
        const inRow = i * CHUNK;
        for (let s = 0; s < m; s++) below[inRow + s] = 0;
        for (let j = 0; j < fanOut; j++) {
          const wij = p[pOff + w + i * fanOut + j];
          const row = j * CHUNK;
          for (let s = 0; s < m; s++) below[inRow + s] += wij * d[row + s];
        }
      }
      for (let i = 0; i < fanIn; i++) activationSlope(this.codes[l - 1], this.z[l], this.a[l], below, i * CHUNK, m);
      this.deltaLo = d;
      this.deltaHi = below;
    }
  }

  private applyOutput(out: Float64Array, start: number, m: number, dOut: number): void {
    const from = start * dOut;
    const to = (start + m) * dOut;
    if (this.arch.output === 'sigmoid') {
      for (let i = from; i < to; i++) out[i] = sigmoid(out[i]);
    } else if (this.arch.output === 'softmax') {
      for (let s = start; s < start + m; s++) {
        let max = -Infinity;
        for (let k = 0; k < dOut; k++) max = Math.max(max, out[s * dOut + k]);
        let sum = 0;
        for (let k = 0; k < dOut; k++) sum += out[s * dOut + k] = Math.exp(out[s * dOut + k] - max);
        for (let k = 0; k < dOut; k++) out[s * dOut + k] /= sum;
      }
    }
  }
}

const shared = new Map<string, JsNet>();

/**
 * A JsNet for `arch` shared by every caller in this thread: its scratch buffers are what it costs to
 * make one, and a sweep asks for one per run (diagnostics, scores). Its methods are synchronous, so
 * sharing is safe. The most recent 16 architectures are kept.
 */
export function jsNetFor(arch: Architecture): JsNet {
  const key = architectureKey(arch);
  let net = shared.get(key);
  if (net) return net;
  if (shared.size >= 16) shared.delete(shared.keys().next().value!);
  shared.set(key, (net = new JsNet(arch)));
  return net;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function activate(code: number, z: Float64Array, a: Float64Array, from: number, len: number): void {
  const end = from + len;
  switch (code) {
    case RELU:
      for (let i = from; i < end; i++) a[i] = z[i] > 0 ? z[i] : 0;
      return;
    case TANH:
      for (let i = from; i < end; i++) a[i] = Math.tanh(z[i]);
      return;
    case SIGMOID:
      for (let i = from; i < end; i++) a[i] = 1 / (1 + Math.exp(-z[i]));
      return;
    default:
      for (let i = from; i < end; i++) a[i] = z[i];
  }
}

/** d ← d ⊙ g'(z), with g' written through the activation where that is cheaper. */
function activationSlope(code: number, z: Float64Array, a: Float64Array, d: Float64Array, from: number, len: number): void {
  const end = from + len;
  switch (code) {
    case RELU:
      for (let i = from; i < end; i++) if (z[i] < 0) d[i] = 0;
      return;
    case TANH:
      for (let i = from; i < end; i++) d[i] *= 1 - a[i] * a[i];
      return;
    case SIGMOID:
      for (let i = from; i < end; i++) d[i] *= a[i] * (1 - a[i]);
      return;
    default:
  }
}

export { ACTIVATION_CODE, activate, activationSlope };
