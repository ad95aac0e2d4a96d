// The tutorial's network — 1 input → H ReLU units → 1 linear output, L2 loss — gets two fast paths
// in the js kernel: minibatches in one fused loop per sample, and the whole dataset summed piece by
// piece instead of point by point.
//
// On sorted inputs each unit is active on a prefix or a suffix of the data, so the network is linear
// between consecutive kinks: ŷ = A + B·x on each piece. With prefix sums of 1, x, x², y, xy and y²
// over the sorted data, a piece's Σ(A + Bx − y)² and its gradient sums cost O(1), and a whole
// evaluation O(H log n) instead of O(H n). Which samples are active is decided by the same float64
// test as the point-by-point loop (b + w·x ≥ 0, ReLU′(0) = 1), so both see the same pieces.
import type { Dataset } from './data.js';
import type { Architecture } from './model.js';
import { layoutOf } from './model.js';

type Params = Float32Array | Float64Array;

export interface Sums {
  x: Float64Array;
  /** Prefix sums over the sorted data: s[k] = Σ_{i<k}. */
  sx: Float64Array;
  sxx: Float64Array;
  sy: Float64Array;
  sxy: Float64Array;
  syy: Float64Array;
}

const sumsCache = new WeakMap<Dataset, Sums>();

export function sumsOf(data: Dataset): Sums {
  let s = sumsCache.get(data);
  if (s) return s;
  const n = data.n;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => data.x[a] - data.x[b]);
  const x = Float64Array.from(order, (i) => data.x[i]);
  const prefix = (f: (k: number) => number) => {
    const out = new Float64Array(n + 1);
    for (let k = 0; k < n; k++) out[k + 1] = out[k] + f(k);
    return out;
  };
  const y = Float64Array.from(order, (i) => data.y[i]);
  s = {
    x,
    sx: prefix((k) => x[k]),
    sxx: prefix((k) => x[k] * x[k]),
    sy: prefix((k) => y[k]),
    sxy: prefix((k) => x[k] * y[k]),
    syy: prefix((k) => y[k] * y[k]),
  };
  sumsCache.set(data, s);
  return s;
}

export function isTutorialNet(arch: Architecture): boolean {
  return (
    arch.sizes.length === 3 &&
    arch.sizes[0] === 1 &&
    arch.sizes[2] === 1 &&
    arch.activations[0] === 'relu' &&
    arch.output === 'linear' &&
    arch.loss === 'l2'
  );
}

export class TutorialNet {
  private readonly H: number;
  private readonly w: number;
  private readonly b: number;
  private readonly v: number;
  private readonly c: number;
  private readonly count: number;
  /** Per unit: index in sorted data where it switches, and whether it is active before that. */
  private readonly edge: Int32Array;
  private readonly activeLeft: Uint8Array;
  private readonly order: Int32Array;
  /** Per piece (H + 1 at most): residual sums Σr and Σr·x. */
  private readonly r0: Float64Array;
  private readonly r1: Float64Array;
  /** Minibatch scratch: inputs, then outputs, then scaled residuals. */
  private xs = new Float64Array(8);
  private rs = new Float64Array(8);

  constructor(arch: Architecture) {
    const [hidden, out] = layoutOf(arch).layers;
    this.H = hidden.fanOut;
    this.w = hidden.w;
    this.b = hidden.b;
    this.v = out.w;
    this.c = out.b;
    this.count = out.b + 1;
    this.edge = new Int32Array(this.H);
    this.activeLeft = new Uint8Array(this.H);
    this.order = new Int32Array(this.H);
    this.r0 = new Float64Array(this.H + 2);
    this.r1 = new Float64Array(this.H + 2);
  }

  /**
   * Mean squared error over the `count` rows `idx[iOff…]`; adds its gradient into `grad` when given.
   * Unit-outer loops load each unit's three parameters once per minibatch; the pre-activation is
   * recomputed in the backward half rather than stored, as it is two flops.
   */
  minibatch(
    p: Params,
    pOff: number,
    data: Dataset,
    idx: Int32Array,
    iOff: number,
    count: number,
    grad: Float64Array | null,
    /** Overwrite `grad` instead of adding to it (every entry is written). */
    fresh = false,
  ): number {
    const H = this.H;
    const w0 = pOff + this.w;
    const b0 = pOff + this.b;
    const v0 = pOff + this.v;
    const xs = this.xs.length >= count ? this.xs : (this.xs = new Float64Array(count));
    const rs = this.rs.length >= count ? this.rs : (this.rs = new Float64Array(count));
    const c = p[pOff + this.c];
    for (let s = 0; s < count; s++) {
      xs[s] = data.x[idx[iOff + s]];
      rs[s] = c;
    }
    for (let j = 0; j < H; j++) {
      const w = p[w0 + j];
      const b = p[b0 + j];
      const v = p[v0 + j];
      for (let s = 0; s < count; s++) {
        const z = b + w * xs[s];
        if (z > 0) rs[s] += v * z;
      }
    }
    let loss = 0;
    const scale = 2 / count;
    let gc = 0;
    for (let s = 0; s < count; s++) {
      const e = rs[s] - data.y[idx[iOff + s]];
      loss += e * e;
      rs[s] = scale * e;
      gc += rs[s];
    }
    if (!grad) return loss / count;
    grad[this.c] = fresh ? gc : grad[this.c] + gc;
    const gw0 = this.w;
    const gb0 = this.b;
    const gv0 = this.v;
    for (let j = 0; j < H; j++) {
      const w = p[w0 + j];
      const b = p[b0 + j];
      const v = p[v0 + j];
      let gv = 0;
      let gw = 0;
      let gb = 0;
      for (let s = 0; s < count; s++) {
        const x = xs[s];
        const z = b + w * x;
        if (z < 0) continue;
        const r = rs[s];
        gv += r * z;
        gw += r * x;
        gb += r;
      }
      if (fresh) {
        grad[gv0 + j] = gv;
        grad[gw0 + j] = v * gw;
        grad[gb0 + j] = v * gb;
      } else {
        grad[gv0 + j] += gv;
        grad[gw0 + j] += v * gw;
        grad[gb0 + j] += v * gb;
      }
    }
    return loss / count;
  }

  /**
   * Mean squared error over all of `data`; adds its gradient into `grad` when given. One function,
   * longer than most: the sums over each linear piece and the gradient's terms share the piece's bounds.
   */
  fullData(p: Params, pOff: number, data: Dataset, grad: Float64Array | null): number {
    const s = sumsOf(data);
    const { H, edge, activeLeft, order, r0, r1 } = this;
    const x = s.x;
    const n = data.n;
    for (let i = 0; i < this.count; i++) {
      if (!Number.isFinite(p[pOff + i])) {
        if (grad) grad.fill(NaN, 0, this.count);
        return NaN;
      }
    }
    let A = p[pOff + this.c];
    let B = 0;
    for (let j = 0; j < H; j++) {
      const w = p[pOff + this.w + j];
      const b = p[pOff + this.b + j];
      const v = p[pOff + this.v + j];
      order[j] = j;
      if (w === 0) {
        // A constant unit: active everywhere or nowhere.
        edge[j] = n;
        activeLeft[j] = b >= 0 ? 1 : 0;
      } else {
        // First sorted index where the test b + w·x ≥ 0 changes its answer.
        const leftActive = b + w * x[0] >= 0;
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (b + w * x[mid] >= 0 === leftActive) lo = mid + 1;
          else hi = mid;
        }
        edge[j] = lo;
        activeLeft[j] = leftActive ? 1 : 0;
      }
      if (activeLeft[j]) {
        A += v * b;
        B += v * w;
      }
    }
    // Walk the pieces left to right, switching units on and off at their edges.
    const sorted = sortByEdge(order, edge);
    let loss = 0;
    let k0 = 0;
    let piece = 0;
    for (let e = 0; e <= H; e++) {
      const k1 = e < H ? edge[sorted[e]] : n;
      if (k1 > k0) {
        const cnt = k1 - k0;
        const sx = s.sx[k1] - s.sx[k0];
        const sxx = s.sxx[k1] - s.sxx[k0];
        const sy = s.sy[k1] - s.sy[k0];
        const sxy = s.sxy[k1] - s.sxy[k0];
        const syy = s.syy[k1] - s.syy[k0];
        loss += A * A * cnt + 2 * A * B * sx + B * B * sxx - 2 * A * sy - 2 * B * sxy + syy;
        r0[piece] = A * cnt + B * sx - sy;
        r1[piece] = A * sx + B * sxx - sxy;
      } else {
        r0[piece] = 0;
        r1[piece] = 0;
      }
      piece++;
      k0 = Math.max(k0, k1);
      if (e < H) {
        const j = sorted[e];
        const w = p[pOff + this.w + j];
        const b = p[pOff + this.b + j];
        const v = p[pOff + this.v + j];
        const sign = activeLeft[j] ? -1 : 1;
        A += sign * v * b;
        B += sign * v * w;
      }
    }
    // Rounding can leave a tiny negative sum where the fit is exact.
    const mean = Math.max(loss, 0) / n;
    if (!grad) return mean;

    // Pieces before unit j's edge are pieces 0..e (it is the e-th edge in sorted order).
    const scale = 2 / n;
    let total0 = 0;
    let total1 = 0;
    for (let q = 0; q < piece; q++) {
      total0 += r0[q];
      total1 += r1[q];
    }
    grad[this.c] += scale * total0;
    let left0 = 0;
    let left1 = 0;
    for (let e = 0; e < H; e++) {
      left0 += r0[e];
      left1 += r1[e];
      const j = sorted[e];
      const on0 = activeLeft[j] ? left0 : total0 - left0;
      const on1 = activeLeft[j] ? left1 : total1 - left1;
      const w = p[pOff + this.w + j];
      const b = p[pOff + this.b + j];
      const v = p[pOff + this.v + j];
      grad[this.v + j] += scale * (w * on1 + b * on0);
      grad[this.w + j] += scale * v * on1;
      grad[this.b + j] += scale * v * on0;
    }
    return mean;
  }
}

/**
 * Sorts unit indices by their edge, stably (ties keep unit order, as Array sort does, so the sums
 * accumulate in the same order). Small H by insertion: the comparator calls of a typed array's sort
 * were most of a full-data evaluation.
 */
function sortByEdge(order: Int32Array, edge: Int32Array): Int32Array {
  if (order.length > 32) return order.sort((i, j) => edge[i] - edge[j]);
  for (let a = 1; a < order.length; a++) {
    const unit = order[a];
    const key = edge[unit];
    let b = a - 1;
    while (b >= 0 && edge[order[b]] > key) {
      order[b + 1] = order[b];
      b--;
    }
    order[b + 1] = unit;
  }
  return order;
}
