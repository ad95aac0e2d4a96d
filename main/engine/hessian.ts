// The exact Hessian of the full-data loss, by forward-over-backward differentiation (Pearlmutter's
// R-operator): for each parameter k, one forward pass of the tangent R(·) = d(·)/dθ_k through the
// network and one backward pass of the tangent of backpropagation give column k of ∇²J exactly —
// no step size, no truncation error; only float64 rounding. Samples go in chunks, unit-major, as in
// jsNet.ts; the plain forward and backward pass of a chunk is shared by all its columns.
//
// With z_l = W_lᵀ a_{l−1} + b_l, a_l = g(z_l), δ_l = ∂J/∂z_l, e_l = ∂J/∂a_l:
//   Rz_l = V_lᵀ a_{l−1} + W_lᵀ Ra_{l−1} + Vb_l,    Ra_l = g′(z_l) Rz_l
//   Rδ_L = ∂²ℓ/∂z_L² · Rz_L
//   R∇W_l = Ra_{l−1} δ_lᵀ + a_{l−1} Rδ_lᵀ,         R∇b_l = Rδ_l
//   Re_{l−1} = V_l δ_l + W_l Rδ_l,                 Rδ_{l−1} = g″(z) Rz ⊙ e + g′(z) ⊙ Re
// where (V, Vb) is the unit direction of parameter k. ReLU″ = 0 and ReLU′(0) = 1 as in jsNet (the
// kink itself has no second derivative; autograd reports the same). L1's |e| contributes 0 away from
// its kink e = 0.
import type { Dataset } from './data.js';
import type { Params } from './jsNet.js';
import { layoutOf, type Architecture, type Layout } from './model.js';
import { maxOf } from '../../shared/numbers.js';

const CHUNK = 256;
const RELU = 0;
const TANH = 1;
const SIGMOID = 2;
const CODE = { relu: RELU, tanh: TANH, sigmoid: SIGMOID, linear: 3 } as const;

export interface HessianColumns {
  loss: number;
  /** ∇J, length P. */
  gradient: Float64Array;
  /** Columns [from, to) of ∇²J, column-major: [to − from][P]. */
  columns: Float64Array;
}

export class HessianNet {
  readonly layout: Layout;
  private readonly sizes: readonly number[];
  private readonly L: number;
  private readonly codes: Int32Array;
  private readonly z: Float64Array[];
  private readonly a: Float64Array[];
  /** δ_l = ∂(mean loss)/∂z_l and e_l = ∂/∂a_l of the chunk, per layer. */
  private readonly delta: Float64Array[];
  private readonly up: Float64Array[];
  /** ∂²ℓ/∂z² of each output (elementwise losses), scaled as the mean is. */
  private readonly curvature: Float64Array;
  private readonly Rz: Float64Array[];
  private readonly Ra: Float64Array[];
  private readonly Rdelta: Float64Array;
  private readonly Rup: Float64Array;
  private readonly target: Float64Array;
  private readonly softmax: boolean;
  /** 1 / the mean's divisor (elementwise losses carry it in `curvature`; the softmax's is applied here). */
  private scale = 1;

  constructor(readonly arch: Architecture) {
    this.layout = layoutOf(arch);
    this.sizes = arch.sizes;
    this.L = arch.sizes.length - 1;
    this.codes = Int32Array.from(arch.activations.map((k) => CODE[k]));
    const buffers = () => this.sizes.map((s) => new Float64Array(s * CHUNK));
    this.z = buffers();
    this.a = buffers();
    this.delta = buffers();
    this.up = buffers();
    this.Rz = buffers();
    this.Ra = buffers();
    const widest = maxOf(this.sizes);
    this.Rdelta = new Float64Array(widest * CHUNK);
    this.Rup = new Float64Array(widest * CHUNK);
    this.curvature = new Float64Array(this.sizes[this.L] * CHUNK);
    this.softmax = arch.output === 'softmax';
    this.target = new Float64Array((this.softmax ? 1 : this.sizes[this.L]) * CHUNK);
  }

  /** Loss, gradient and columns [from, to) of the Hessian of the mean loss over all of `data`. */
  columns(p: Params, data: Dataset, from = 0, to = this.layout.count): HessianColumns {
    const P = this.layout.count;
    const gradient = new Float64Array(P);
    const columns = new Float64Array((to - from) * P);
    const dOut = this.sizes[this.L];
    const divisor = this.softmax ? data.n : data.n * dOut;
    this.scale = 1 / divisor;
    let total = 0;
    for (let start = 0; start < data.n; start += CHUNK) {
      const m = Math.min(CHUNK, data.n - start);
      this.gather(data, start, m);
      this.forward(p, m);
      total += this.output(m, this.scale);
      this.backward(p, m, gradient);
      for (let k = from; k < to; k++) this.column(p, m, k, columns.subarray((k - from) * P, (k - from + 1) * P));
    }
    return { loss: data.n === 0 ? 0 : total / divisor, gradient, columns };
  }

  /** The whole Hessian, row-major P×P (symmetric: each entry is the mean of its two columns' values). */
  hessian(p: Params, data: Dataset): { loss: number; gradient: Float64Array; hessian: Float64Array } {
    const { loss, gradient, columns } = this.columns(p, data);
    return { loss, gradient, hessian: symmetrize(columns, this.layout.count) };
  }

  private gather(data: Dataset, from: number, m: number): void {
    const dIn = this.sizes[0];
    for (let i = 0; i < dIn; i++) for (let s = 0; s < m; s++) this.a[0][i * CHUNK + s] = data.x[(from + s) * dIn + i];
    const width = this.softmax ? 1 : this.sizes[this.L];
    for (let k = 0; k < width; k++) for (let s = 0; s < m; s++) this.target[k * CHUNK + s] = data.y[(from + s) * width + k];
  }

  private forward(p: Params, m: number): void {
    const layers = this.layout.layers;
    for (let l = 1; l <= this.L; l++) {
      const { fanIn, fanOut, w, b } = layers[l - 1];
      const aIn = this.a[l - 1];
      const z = this.z[l];
      for (let j = 0; j < fanOut; j++) {
        const row = j * CHUNK;
        for (let s = 0; s < m; s++) z[row + s] = p[b + j];
        for (let i = 0; i < fanIn; i++) {
          const wij = p[w + i * fanOut + j];
          for (let s = 0; s < m; s++) z[row + s] += wij * aIn[i * CHUNK + s];
        }
      }
      if (l < this.L) {
        const a = this.a[l];
        const code = this.codes[l - 1];
        for (let i = 0; i < fanOut * CHUNK; i++) a[i] = activation(code, z[i]);
      }
    }
  }

  /** Sum of the chunk's losses; fills δ_L and the loss's second derivative in the output (scaled). */
  private output(m: number, scale: number): number {
    const dOut = this.sizes[this.L];
    const z = this.z[this.L];
    const d = this.delta[this.L];
    const c = this.curvature;
    const t = this.target;
    const { output, loss } = this.arch;
    let total = 0;
    if (this.softmax) {
      // Cross-entropy of a softmax: δ = p − onehot; its Hessian diag(p) − ppᵀ is applied in column(),
      // from the probabilities kept here in `curvature`.
      for (let s = 0; s < m; s++) {
        let max = -Infinity;
        for (let k = 0; k < dOut; k++) max = Math.max(max, z[k * CHUNK + s]);
        let sum = 0;
        for (let k = 0; k < dOut; k++) sum += Math.exp(z[k * CHUNK + s] - max);
        const logSum = max + Math.log(sum);
        total += logSum - z[t[s] * CHUNK + s];
        for (let k = 0; k < dOut; k++) {
          const prob = Math.exp(z[k * CHUNK + s] - logSum);
          c[k * CHUNK + s] = prob;
          d[k * CHUNK + s] = (prob - (k === t[s] ? 1 : 0)) * scale;
        }
      }
      return total;
    }
    for (let k = 0; k < dOut; k++) {
      for (let i = k * CHUNK; i < k * CHUNK + m; i++) {
        const zs = z[i];
        if (loss === 'nll') {
          // Binary cross-entropy on the logit: softplus(z) − y·z.
          const q = 1 / (1 + Math.exp(-zs));
          total += Math.max(zs, 0) - t[i] * zs + Math.log1p(Math.exp(-Math.abs(zs)));
          d[i] = (q - t[i]) * scale;
          c[i] = q * (1 - q) * scale;
          continue;
        }
        const q = output === 'sigmoid' ? 1 / (1 + Math.exp(-zs)) : zs;
        const slope = output === 'sigmoid' ? q * (1 - q) : 1;
        const bend = output === 'sigmoid' ? q * (1 - q) * (1 - 2 * q) : 0;
        const e = q - t[i];
        if (loss === 'l2') {
          total += e * e;
          d[i] = 2 * e * slope * scale;
          c[i] = 2 * (slope * slope + e * bend) * scale;
        } else {
          total += Math.abs(e);
          d[i] = Math.sign(e) * slope * scale;
          c[i] = Math.sign(e) * bend * scale;
        }
      }
    }
    return total;
  }

  /** δ_l and e_l for every layer; adds the chunk's gradient. */
  private backward(p: Params, m: number, gradient: Float64Array): void {
    const layers = this.layout.layers;
    for (let l = this.L; l >= 1; l--) {
      const { fanIn, fanOut, w, b } = layers[l - 1];
      const d = this.delta[l];
      const aIn = this.a[l - 1];
      for (let j = 0; j < fanOut; j++) {
        let gb = 0;
        for (let s = 0; s < m; s++) gb += d[j * CHUNK + s];
        gradient[b + j] += gb;
        for (let i = 0; i < fanIn; i++) {
          let gw = 0;
          for (let s = 0; s < m; s++) gw += aIn[i * CHUNK + s] * d[j * CHUNK + s];
          gradient[w + i * fanOut + j] += gw;
        }
      }
      if (l === 1) break;
      const e = this.up[l - 1];
      const below = this.delta[l - 1];
      const z = this.z[l - 1];
      const a = this.a[l - 1];
      const code = this.codes[l - 2];
      for (let i = 0; i < fanIn; i++) {
        for (let s = 0; s < m; s++) {
          let sum = 0;
          for (let j = 0; j < fanOut; j++) sum += p[w + i * fanOut + j] * d[j * CHUNK + s];
          e[i * CHUNK + s] = sum;
          below[i * CHUNK + s] = slopeOf(code, z[i * CHUNK + s], a[i * CHUNK + s]) * sum;
        }
      }
    }
  }

  /**
   * Adds the chunk's part of column k of the Hessian into `col`. One function, longer than most: the
   * forward pass, its tangent and the two backward passes share every buffer and index in one loop nest.
   */
  private column(p: Params, m: number, k: number, col: Float64Array): void {
    const layers = this.layout.layers;
    // Which layer parameter k is in, and its (i, j) in W, or j in b.
    let lk = 1;
    while (k >= layers[lk - 1].b + layers[lk - 1].fanOut) lk++;
    const slot = layers[lk - 1];
    const isBias = k >= slot.b;
    const ki = isBias ? -1 : Math.floor((k - slot.w) / slot.fanOut);
    const kj = isBias ? k - slot.b : (k - slot.w) % slot.fanOut;

    // Tangent forward pass: zero below layer lk.
    for (let l = lk; l <= this.L; l++) {
      const { fanIn, fanOut, w } = layers[l - 1];
      const Rz = this.Rz[l];
      Rz.fill(0, 0, fanOut * CHUNK);
      if (l === lk) {
        const row = kj * CHUNK;
        if (isBias) for (let s = 0; s < m; s++) Rz[row + s] = 1;
        else for (let s = 0; s < m; s++) Rz[row + s] = this.a[l - 1][ki * CHUNK + s];
      } else {
        const RaIn = this.Ra[l - 1];
        for (let j = 0; j < fanOut; j++) {
          for (let i = 0; i < fanIn; i++) {
            const wij = p[w + i * fanOut + j];
            for (let s = 0; s < m; s++) Rz[j * CHUNK + s] += wij * RaIn[i * CHUNK + s];
          }
        }
      }
      if (l < this.L) {
        const Ra = this.Ra[l];
        const z = this.z[l];
        const a = this.a[l];
        const code = this.codes[l - 1];
        for (let i = 0; i < fanOut * CHUNK; i++) Ra[i] = slopeOf(code, z[i], a[i]) * Rz[i];
      }
    }

    // Tangent of the loss's derivative at the output.
    const dOut = this.sizes[this.L];
    let Rd = this.Rdelta;
    const RzOut = this.Rz[this.L];
    const c = this.curvature;
    if (this.softmax) {
      for (let s = 0; s < m; s++) {
        let pr = 0;
        for (let q = 0; q < dOut; q++) pr += c[q * CHUNK + s] * RzOut[q * CHUNK + s];
        for (let q = 0; q < dOut; q++) Rd[q * CHUNK + s] = c[q * CHUNK + s] * (RzOut[q * CHUNK + s] - pr) * this.scale;
      }
    } else {
      for (let i = 0; i < dOut * CHUNK; i++) Rd[i] = c[i] * RzOut[i];
    }

    // Tangent backward pass.
    let Re = this.Rup;
    for (let l = this.L; l >= 1; l--) {
      const { fanIn, fanOut, w, b } = layers[l - 1];
      const d = this.delta[l];
      const aIn = this.a[l - 1];
      const RaIn = l - 1 >= lk && l - 1 >= 1 ? this.Ra[l - 1] : null;
      for (let j = 0; j < fanOut; j++) {
        let gb = 0;
        for (let s = 0; s < m; s++) gb += Rd[j * CHUNK + s];
        col[b + j] += gb;
        for (let i = 0; i < fanIn; i++) {
          let gw = 0;
          if (RaIn) for (let s = 0; s < m; s++) gw += RaIn[i * CHUNK + s] * d[j * CHUNK + s] + aIn[i * CHUNK + s] * Rd[j * CHUNK + s];
          else for (let s = 0; s < m; s++) gw += aIn[i * CHUNK + s] * Rd[j * CHUNK + s];
          col[w + i * fanOut + j] += gw;
        }
      }
      if (l === 1) break;
      const z = this.z[l - 1];
      const a = this.a[l - 1];
      const e = this.up[l - 1];
      const code = this.codes[l - 2];
      const RzIn = l - 1 >= lk ? this.Rz[l - 1] : null;
      for (let i = 0; i < fanIn; i++) {
        for (let s = 0; s < m; s++) {
          let sum = 0;
          for (let j = 0; j < fanOut; j++) sum += p[w + i * fanOut + j] * Rd[j * CHUNK + s];
          if (l === lk && !isBias && i === ki) sum += d[kj * CHUNK + s];
          const at = i * CHUNK + s;
          let v = slopeOf(code, z[at], a[at]) * sum;
          if (RzIn) v += bendOf(code, z[at], a[at]) * RzIn[at] * e[at];
          Re[at] = v;
        }
      }
      // The tangent of δ_{l−1} becomes the signal for the layer below.
      const next = Rd;
      Rd = Re;
      Re = next;
    }
  }

}

function activation(code: number, z: number): number {
  switch (code) {
    case RELU:
      return z > 0 ? z : 0;
    case TANH:
      return Math.tanh(z);
    case SIGMOID:
      return 1 / (1 + Math.exp(-z));
    default:
      return z;
  }
}

/** g′(z), written through a = g(z) where that is cheaper (ReLU′(0) = 1, as in jsNet). */
function slopeOf(code: number, z: number, a: number): number {
  switch (code) {
    case RELU:
      return z < 0 ? 0 : 1;
    case TANH:
      return 1 - a * a;
    case SIGMOID:
      return a * (1 - a);
    default:
      return 1;
  }
}

/** g″(z). */
function bendOf(code: number, _z: number, a: number): number {
  switch (code) {
    case TANH:
      return -2 * a * (1 - a * a);
    case SIGMOID:
      return a * (1 - a) * (1 - 2 * a);
    default:
      return 0;
  }
}

/** A row-major P×P matrix from P columns, each entry the mean of (i, j) and (j, i). */
export function symmetrize(columns: Float64Array, P: number): Float64Array {
  const h = new Float64Array(P * P);
  for (let i = 0; i < P; i++) {
    h[i * P + i] = columns[i * P + i];
    for (let j = 0; j < i; j++) h[i * P + j] = h[j * P + i] = (columns[i * P + j] + columns[j * P + i]) / 2;
  }
  return h;
}
