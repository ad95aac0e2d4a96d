// What a Hessian says: its spectrum, trace, near-zero eigenvalues, and the symmetries of the network
// that the lab can name as their cause — the rescaling of a ReLU (or linear) unit, a dead ReLU, and
// the swap of two identical units.
import type { Dataset } from './data.js';
import { symmetricEigen } from './eigen.js';
import { HessianNet } from './hessian.js';
import { jsNetFor, type Params } from './jsNet.js';
import type { Architecture, Layout } from './model.js';

/**
 * An eigenvalue counts as zero when |λ| ≤ NEAR_ZERO · max|λ|. Stored parameters are float32, so a
 * point such as the exact optimum is exact only to ~1e-7 relative: its residuals bend the flat
 * directions by about that much of the curvature, far below this tolerance and far above float64's.
 */
export const NEAR_ZERO = 1e-6;

/** Networks up to this many parameters: the Hessian is P² numbers and its decomposition O(P³). */
export const HESSIAN_MAX_PARAMS = 2500;

export type SymmetryKind = 'rescaling' | 'dead-unit' | 'symmetric-units';

export interface Symmetry {
  kind: SymmetryKind;
  /** Hidden layer (1-based) and its units. */
  layer: number;
  units: number[];
  /** Orthonormal directions the symmetry leaves the function unchanged along (or swaps), [k][P]. */
  directions: number[][];
  /**
   * uᵀHu of each direction; for identical units, the eigenvalues (ascending) of the Hessian restricted
   * to the subspace that separates them (its directions couple, so their own uᵀHu say little).
   */
  curvature: number[];
  /** Length of each direction's projection on the near-zero eigenspace (1: it lies inside). */
  inNearZero: number[];
  /** Whether every direction lies in the near-zero eigenspace (projection ≥ 0.999). */
  explains: boolean;
  /** The dimension of the near-zero eigenspace's intersection with the directions' span. */
  zeros: number;
  /**
   * Rescaling only: the cost's second derivative along the rescaling curve itself, per unit length of
   * its tangent — uᵀHu + ∇J·θ'' — which the symmetry makes 0 (to rounding) at every point. The straight
   * line along u leaves the curve, so uᵀHu (`curvature`) is −∇J·θ'': 0 only where the gradient is.
   */
  alongCurve?: number;
  /** One sentence for people. */
  text: string;
}

export interface HessianAnalysis {
  loss: number;
  gradient: Float64Array;
  /** Row-major P×P. */
  hessian: Float64Array;
  /** Ascending. */
  eigenvalues: Float64Array;
  /** Row k is the unit eigenvector of eigenvalues[k]. */
  eigenvectors: Float64Array;
  trace: number;
  nearZero: { count: number; tolerance: number };
  symmetries: Symmetry[];
}

/** The Hessian's spectrum and the symmetries behind its zeros, from its columns (all P of them). */
export function analyzeHessian(arch: Architecture, layout: Layout, params: Params, data: Dataset, computed: { loss: number; gradient: Float64Array; hessian: Float64Array }): HessianAnalysis {
  const P = layout.count;
  const { hessian } = computed;
  const { values, vectors } = symmetricEigen(hessian, P);
  let trace = 0;
  for (let i = 0; i < P; i++) trace += hessian[i * P + i];
  let largest = 0;
  for (const v of values) largest = Math.max(largest, Math.abs(v));
  const tolerance = NEAR_ZERO * largest;
  const zero: number[] = [];
  for (let k = 0; k < P; k++) if (Math.abs(values[k]) <= tolerance) zero.push(k);
  const symmetries = findSymmetries(arch, layout, params, data).map(({ kind, layer, units, directions, bend, text }) => {
    const curvature = kind === 'symmetric-units' ? restrictedSpectrum(hessian, directions, P) : directions.map((u) => quadratic(hessian, u, P));
    const alongCurve = bend ? curvature[0] + bend.reduce((s, x, i) => s + x * computed.gradient[i], 0) : undefined;
    const inNearZero = directions.map((u) => {
      let s = 0;
      for (const k of zero) {
        let d = 0;
        for (let i = 0; i < P; i++) d += vectors[k * P + i] * u[i];
        s += d * d;
      }
      return Math.sqrt(s);
    });
    // dim(span(directions) ∩ near-zero eigenspace): the eigenvalues ≈ 1 of DᵀZZᵀD, Z the zero
    // eigenvectors (an eigenspace of repeated zeros has no preferred basis, so no single eigenvector
    // need lie in the span).
    const k = directions.length;
    const zd = directions.map((u) => zero.map((q) => {
      let d = 0;
      for (let i = 0; i < P; i++) d += vectors[q * P + i] * u[i];
      return d;
    }));
    const gram = new Float64Array(k * k);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) gram[a * k + b] = zd[a].reduce((s, x, q) => s + x * zd[b][q], 0);
    const zeros = Array.from(symmetricEigen(gram, k).values).filter((x) => x >= 0.998).length;
    return { kind, layer, units, directions: directions.map((u) => [...u]), curvature, inNearZero, explains: inNearZero.every((x) => x >= 0.999), zeros, ...(alongCurve === undefined ? {} : { alongCurve }), text };
  });
  return { ...computed, eigenvalues: values, eigenvectors: vectors, trace, nearZero: { count: zero.length, tolerance }, symmetries };
}

/** The full analysis at one point, in this thread. */
export function hessianAnalysis(arch: Architecture, params: Params, data: Dataset): HessianAnalysis {
  const net = new HessianNet(arch);
  return analyzeHessian(arch, net.layout, params, data, net.hessian(params, data));
}

/** Eigenvalues of UᵀHU for the orthonormal columns U = `directions`. */
function restrictedSpectrum(h: Float64Array, directions: Float64Array[], P: number): number[] {
  const k = directions.length;
  const hu = directions.map((u) => {
    const out = new Float64Array(P);
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) out[i] += h[i * P + j] * u[j];
    return out;
  });
  const m = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < P; i++) s += directions[a][i] * hu[b][i];
      m[a * k + b] = m[b * k + a] = s;
    }
  }
  return Array.from(symmetricEigen(m, k).values);
}

function quadratic(h: Float64Array, u: Float64Array, P: number): number {
  let s = 0;
  for (let i = 0; i < P; i++) {
    let row = 0;
    for (let j = 0; j < P; j++) row += h[i * P + j] * u[j];
    s += u[i] * row;
  }
  return s;
}

interface Found {
  kind: SymmetryKind;
  layer: number;
  units: number[];
  directions: Float64Array[];
  /** A curved symmetry's second derivative θ'' per unit tangent length², the tangent being directions[0]. */
  bend?: Float64Array;
  text: string;
}

/** Parameter indices of hidden unit j of layer l: incoming weights, bias, outgoing weights. */
function unitSlots(layout: Layout, l: number, j: number): { incoming: number[]; outgoing: number[] } {
  const into = layout.layers[l - 1];
  const out = layout.layers[l];
  const incoming = [...Array.from({ length: into.fanIn }, (_, i) => into.w + i * into.fanOut + j), into.b + j];
  const outgoing = Array.from({ length: out.fanOut }, (_, k) => out.w + j * out.fanOut + k);
  return { incoming, outgoing };
}

function unit(v: Float64Array): Float64Array | null {
  let s = 0;
  for (const x of v) s += x * x;
  if (!(s > 0)) return null;
  const n = Math.sqrt(s);
  return v.map((x) => x / n);
}

function findSymmetries(arch: Architecture, layout: Layout, p: Params, data: Dataset): Found[] {
  const P = layout.count;
  const found: Found[] = [];
  const net = jsNetFor(arch);
  for (let l = 1; l < arch.sizes.length - 1; l++) {
    const act = arch.activations[l - 1];
    const width = arch.sizes[l];
    const z = act === 'relu' ? net.preActivations(p, 0, data, l) : null;
    const dead = (j: number) => z !== null && z.subarray(j * data.n, (j + 1) * data.n).every((v) => v < 0);
    for (let j = 0; j < width; j++) {
      const { incoming, outgoing } = unitSlots(layout, l, j);
      const name = `h${l}[${j}]`;
      if (dead(j)) {
        // Inactive on every point: the loss does not depend on its weights at all, nor (its output
        // being 0) on its outgoing weights — each is a zero row and column of the Hessian.
        const directions = [...incoming, ...outgoing].map((k) => Float64Array.from({ length: P }, (_, i) => (i === k ? 1 : 0)));
        found.push({ kind: 'dead-unit', layer: l, units: [j], directions, text: `${name} is a dead ReLU (inactive on every point): its ${directions.length} weights are flat` });
        continue;
      }
      if (act === 'relu' || act === 'linear') {
        // g(c·z) = c·g(z) for c > 0: the curve θ(c) = (c·w_in, w_out/c) leaves the network unchanged.
        // At c = 1 its tangent is (+w_in, −w_out) and its second derivative (0, 2·w_out); per unit
        // tangent length (s = |t|·(c − 1)) that is (0, 2·w_out)/|t|².
        const t = new Float64Array(P);
        for (const k of incoming) t[k] = p[k];
        for (const k of outgoing) t[k] = -p[k];
        const u = unit(t);
        if (!u) continue;
        let t2 = 0;
        for (const x of t) t2 += x * x;
        const bend = new Float64Array(P);
        for (const k of outgoing) bend[k] = (2 * p[k]) / t2;
        found.push({ kind: 'rescaling', layer: l, units: [j], directions: [u], bend, text: `${name}: the cost is constant along the curve (c·w_in, w_out/c), c > 0` });
      }
    }
    // Identical units (same incoming and outgoing weights): swapping them maps the point to itself;
    // the difference of their parameters is the direction in which they could separate.
    const key = (j: number) => {
      const { incoming, outgoing } = unitSlots(layout, l, j);
      return [...incoming, ...outgoing].map((k) => p[k]).join(',');
    };
    const groups = new Map<string, number[]>();
    for (let j = 0; j < width; j++) groups.set(key(j), [...(groups.get(key(j)) ?? []), j]);
    for (const units of groups.values()) {
      if (units.length < 2 || units.some(dead)) continue;
      const directions: Float64Array[] = [];
      const first = unitSlots(layout, l, units[0]);
      const slotsA = [...first.incoming, ...first.outgoing];
      for (let q = 1; q < units.length; q++) {
        const other = unitSlots(layout, l, units[q]);
        const slotsB = [...other.incoming, ...other.outgoing];
        slotsA.forEach((ka, s) => {
          // One weight of the pair moved apart: +ε on one unit, −ε on the other.
          const d = new Float64Array(P);
          d[ka] = 1;
          d[slotsB[s]] = -1;
          // Orthogonal to the directions before it (Gram–Schmidt), so the list is orthonormal.
          for (const e of directions) {
            let c = 0;
            for (let i = 0; i < P; i++) c += d[i] * e[i];
            for (let i = 0; i < P; i++) d[i] -= c * e[i];
          }
          directions.push(unit(d)!);
        });
      }
      found.push({
        kind: 'symmetric-units',
        layer: l,
        units,
        directions,
        text: `units ${units.map((j) => `h${l}[${j}]`).join(', ')} are identical: they get identical gradients, and only curvature in the directions that move them apart can separate them`,
      });
    }
  }
  return found;
}

/** Which eigenvectors of the Hessian span a surface: the largest and the smallest, or the two largest. */
export type EigenPair = 'top-bottom' | 'top-two';

/**
 * Two eigenvectors of the Hessian as surface axes, each signed so that its largest component is
 * positive (an eigenvector's sign is arbitrary; this makes the surface the same every time).
 */
export function eigenAxes(analysis: Pick<HessianAnalysis, 'eigenvalues' | 'eigenvectors'>, P: number, pair: EigenPair): { d1: Float64Array; d2: Float64Array; axisLabels: [string, string] } {
  const { eigenvalues: values, eigenvectors: vectors } = analysis;
  const signed = (k: number) => {
    const v = vectors.slice(k * P, (k + 1) * P);
    let big = 0;
    for (let i = 1; i < P; i++) if (Math.abs(v[i]) > Math.abs(v[big])) big = i;
    return v[big] < 0 ? v.map((x) => -x) : v;
  };
  const top = P - 1;
  const second = pair === 'top-two' ? P - 2 : 0;
  const label = (what: string, k: number) => `${what} eigenvector (λ ${Number(values[k].toPrecision(3))})`;
  return { d1: signed(top), d2: signed(second), axisLabels: [label('top', top), label(pair === 'top-two' ? 'second' : 'bottom', second)] };
}
