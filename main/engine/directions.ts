// Directions that span a cost-surface plane: two unit parameter axes, two filter-normalized random
// directions (Li et al. 2018), the plane through init, trained and optimum, or the trajectory's first
// two principal components.
import { AXES_HELP } from '../../shared/axes.js';
import { InputError } from '../../shared/errors.js';
import { parameterName } from '../../shared/parameters.js';
import { parameterIndex, type Layout } from './model.js';
import { Rng } from './prng.js';
import { quoted } from '../../shared/printable.js';

export type AxesSpec =
  | { kind: 'params'; names: [string, string] }
  | { kind: 'random' }
  | { kind: 'plane' }
  | { kind: 'pca' }
  | { kind: 'local' }
  /** The Hessian's eigenvectors at the centre: top and bottom (`hessian`), or the top two. */
  | { kind: 'hessian' | 'hessian-top' };


/** Parses `params:W1[0,1],b1[1]` (a comma inside brackets belongs to the name), `random`, `plane`, `pca`, `local`. */
export function parseAxes(spec: string, layout: Layout): AxesSpec {
  const text = spec.trim();
  if (text === 'random' || text === 'plane' || text === 'pca' || text === 'local' || text === 'hessian' || text === 'hessian-top') return { kind: text };
  if (!text.startsWith('params:')) throw new InputError(`axes: must be ${AXES_HELP} (got ${quoted(spec)})`);
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text.slice('params:'.length)) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      names.push(current.trim());
      current = '';
    } else current += ch;
  }
  names.push(current.trim());
  if (names.length !== 2 || names.some((n) => n === '')) {
    throw new InputError(`axes: params needs exactly two parameter names, e.g. params:W1[0,0],b1[0] (got ${quoted(spec)})`);
  }
  for (const name of names) {
    if (parameterIndex(layout, name) < 0) {
      throw new InputError(`axes: no parameter "${name}" in this network; it has ${summarizeNames(layout)}`);
    }
  }
  if (parameterIndex(layout, names[0]) === parameterIndex(layout, names[1])) {
    throw new InputError(`axes: the two parameters must differ (got ${quoted(names[0])} twice)`);
  }
  return { kind: 'params', names: [names[0], names[1]] };
}

function summarizeNames(layout: Layout): string {
  const name = (i: number) => parameterName(layout.sizes, i);
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => name(from + k)).join(', ');
  return layout.count <= 12 ? range(0, layout.count) : `${range(0, 6)}, … ${range(layout.count - 3, layout.count)}`;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

export function difference(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** Removes from `v` its components along the (orthonormal) `basis`, in place. */
function orthogonalize(v: Float64Array, basis: Float64Array[]): void {
  for (const u of basis) {
    const c = dot(v, u);
    for (let i = 0; i < v.length; i++) v[i] -= c * u[i];
  }
}

/**
 * Gram–Schmidt on `candidates`; a candidate that is (nearly) inside the span of those before it is
 * replaced by a seeded random direction, so the result is always two orthonormal vectors.
 */
export function orthonormalPair(candidates: Float64Array[], dim: number, seed: number): { basis: [Float64Array, Float64Array]; replaced: number } {
  const basis: Float64Array[] = [];
  let replaced = 0;
  const rng = new Rng(seed, 'fallback-direction');
  const scale = Math.max(1e-30, ...candidates.map(norm));
  for (let k = 0; basis.length < 2; k++) {
    let v = candidates[k] ? Float64Array.from(candidates[k]) : null;
    if (v) orthogonalize(v, basis);
    if (!v || norm(v) <= 1e-7 * scale) {
      replaced++;
      v = Float64Array.from({ length: dim }, () => rng.normal());
      orthogonalize(v, basis);
    }
    const len = norm(v);
    basis.push(v.map((x) => x / len));
  }
  return { basis: [basis[0], basis[1]], replaced };
}

export function unitDirection(layout: Layout, name: string): Float64Array {
  const d = new Float64Array(layout.count);
  d[parameterIndex(layout, name)] = 1;
  return d;
}

/**
 * A Gaussian direction rescaled filter by filter to the norm of the center's filter (Li et al. 2018).
 * For a dense layer a filter is one unit's incoming weights, its bias included (with one input the
 * weights alone would be a single number and the normalization would only keep its sign). A filter
 * whose center norm is zero keeps its random direction, scaled to unit norm.
 */
export function filterNormalizedDirection(layout: Layout, center: ArrayLike<number>, rng: Rng): Float64Array {
  const d = Float64Array.from({ length: layout.count }, () => rng.normal());
  for (const { fanIn, fanOut, w, b } of layout.layers) {
    for (let j = 0; j < fanOut; j++) {
      const idx = [...Array.from({ length: fanIn }, (_, i) => w + i * fanOut + j), b + j];
      let dn = 0;
      let cn = 0;
      for (const i of idx) {
        dn += d[i] * d[i];
        cn += center[i] * center[i];
      }
      const factor = (cn > 0 ? Math.sqrt(cn) : 1) / Math.sqrt(dn);
      for (const i of idx) d[i] *= factor;
    }
  }
  return d;
}

/**
 * First two principal components of the trajectory, taken relative to its last point (Li et al.
 * 2018), by power iteration with deflation on M = [θ_k − θ_last]. Returns the components and the
 * share of the trajectory's variance each explains.
 */
export function trajectoryPca(
  snapshots: Float32Array,
  count: number,
  seed: number,
): { basis: [Float64Array, Float64Array]; explained: [number, number] } {
  const P = snapshots.length / count;
  const last = snapshots.subarray((count - 1) * P, count * P);
  const rows = Array.from({ length: count - 1 }, (_, k) => difference(snapshots.subarray(k * P, (k + 1) * P), last));
  const total = rows.reduce((s, r) => s + dot(r, r), 0);
  const apply = (v: Float64Array) => {
    const out = new Float64Array(P);
    for (const r of rows) {
      const c = dot(r, v);
      for (let i = 0; i < P; i++) out[i] += c * r[i];
    }
    return out;
  };
  const found: Float64Array[] = [];
  const eigen: number[] = [];
  const rng = new Rng(seed, 'pca');
  for (let k = 0; k < 2 && total > 0; k++) {
    let v = Float64Array.from({ length: P }, () => rng.normal());
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      orthogonalize(v, found);
      const len = norm(v);
      if (len === 0) break;
      v = v.map((x) => x / len);
      const w = apply(v);
      orthogonalize(w, found);
      const next = norm(w);
      const converged = Math.abs(next - lambda) <= 1e-12 * Math.max(next, 1e-300);
      lambda = next;
      if (lambda === 0) break;
      v = w.map((x) => x / lambda);
      if (converged) break;
    }
    if (lambda <= 1e-14 * total) break;
    found.push(v);
    eigen.push(lambda);
  }
  const { basis } = orthonormalPair(found, P, seed);
  return { basis, explained: [0, 1].map((k) => (total > 0 && eigen[k] ? eigen[k] / total : 0)) as [number, number] };
}
