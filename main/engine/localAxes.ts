// The 'local' axes: each of the three views centred on its own point, in directions and at a span
// that show what matters there. The plane through the three points shows all of them at one scale,
// which makes "after training" and "global optimum" look alike once the run has converged; these
// views zoom in on each point instead.
//   init:    the slope the optimizer starts on — the first step's direction, and the early path.
//   trained: the valley it ended in — the last half of the path's two principal directions.
//   optimum: the minimum and its flat directions — a ReLU unit's rescaling (w_in·c, w_out/c) keeps
//            the function, so its tangent is flat; against it, the direction toward the trained point.
import { difference, dot, filterNormalizedDirection, norm, orthonormalPair, trajectoryPca } from './directions.js';
import type { Architecture, Layout } from './model.js';
import { Rng } from './prng.js';
import type { MarkerName } from '../../shared/markers.js';

export interface LocalAxes {
  d1: Float64Array;
  d2: Float64Array;
  /** Half-width of the grid, fitted to the point's neighbourhood. */
  span: number;
  axisLabels: [string, string];
}

/** Share of the path (from its start) that is the initialization's neighbourhood. */
const EARLY_PATH = 0.1;
/** Share of the path (up to its end) that is the trained point's neighbourhood. */
const LATE_PATH = 0.5;
const MARGIN = 1.25;

/**
 * A span never below 2% of the centre's norm (or 0.02): float32 parameters cannot resolve a finer
 * grid, and a run that stopped moving would otherwise get a span of zero.
 */
function fitted(extent: number, center: ArrayLike<number>, cap = Infinity): number {
  const floor = 0.02 * Math.max(1, norm(center));
  return Math.min(Math.max(MARGIN * extent, floor), Math.max(cap, floor));
}

function snapshot(snaps: Float32Array, P: number, k: number): Float32Array {
  return snaps.subarray(k * P, (k + 1) * P);
}

/** The largest |α| or |β| of the snapshots [from, to) around `center` in the orthonormal (d1, d2). */
function pathExtent(snaps: Float32Array, P: number, from: number, to: number, center: ArrayLike<number>, d1: Float64Array, d2: Float64Array): number {
  let extent = 0;
  for (let k = from; k < to; k++) {
    const v = difference(snapshot(snaps, P, k), center);
    extent = Math.max(extent, Math.abs(dot(v, d1)), Math.abs(dot(v, d2)));
  }
  return extent;
}

/** Hidden units whose activation is positively homogeneous (ReLU, linear): rescaling them is flat. */
function rescalingTangents(arch: Architecture, layout: Layout, theta: ArrayLike<number>): { tangent: Float64Array; name: string }[] {
  const out: { tangent: Float64Array; name: string }[] = [];
  for (let l = 0; l + 1 < layout.layers.length; l++) {
    if (arch.activations[l] !== 'relu' && arch.activations[l] !== 'linear') continue;
    const layer = layout.layers[l];
    const next = layout.layers[l + 1];
    for (let j = 0; j < layer.fanOut; j++) {
      const t = new Float64Array(layout.count);
      for (let i = 0; i < layer.fanIn; i++) t[layer.w + i * layer.fanOut + j] = theta[layer.w + i * layer.fanOut + j];
      t[layer.b + j] = theta[layer.b + j];
      for (let k = 0; k < next.fanOut; k++) t[next.w + j * next.fanOut + k] = -theta[next.w + j * next.fanOut + k];
      if (norm(t) > 0) out.push({ tangent: t, name: `h${l + 1}[${j}]` });
    }
  }
  return out.sort((a, b) => norm(b.tangent) - norm(a.tangent));
}

/**
 * The local axes around one of the three points. `snapshots` is the run's path [K][P], init first
 * and the trained point last.
 */
export function localAxes(
  center: MarkerName,
  points: { init: Float32Array; trained: Float32Array; optimum?: Float32Array },
  snapshots: Float32Array,
  arch: Architecture,
  layout: Layout,
  seed: number,
): LocalAxes {
  const P = layout.count;
  const K = snapshots.length / P;
  const theta = points[center];
  if (!theta) throw new Error(`local axes: no ${center} point`);
  if (center === 'init') {
    const end = Math.min(K - 1, Math.max(1, Math.ceil(EARLY_PATH * (K - 1))));
    const { basis, replaced } = orthonormalPair([difference(snapshot(snapshots, P, Math.min(1, K - 1)), theta), difference(snapshot(snapshots, P, end), theta)], P, seed);
    const [d1, d2] = basis;
    const labels: [string, string] = ['first step', replaced ? 'random ⊥' : `⊥ toward the early path`];
    if (replaced === 2) labels[0] = 'random';
    return { d1, d2, span: fitted(pathExtent(snapshots, P, 0, end + 1, theta, d1, d2), theta), axisLabels: labels };
  }
  if (center === 'trained') {
    const from = Math.min(K - 2, Math.floor(LATE_PATH * (K - 1)));
    if (from < 0) {
      const rng = new Rng(seed, 'directions');
      const { basis } = orthonormalPair([filterNormalizedDirection(layout, theta, rng), filterNormalizedDirection(layout, theta, rng)], P, seed);
      return { d1: basis[0], d2: basis[1], span: fitted(0, theta), axisLabels: ['random', 'random ⊥'] };
    }
    const late = snapshots.subarray(from * P);
    const pca = trajectoryPca(late, K - from, seed);
    const [d1, d2] = pca.basis;
    const extent = pathExtent(snapshots, P, from, K, theta, d1, d2);
    return { d1, d2, span: fitted(extent, theta), axisLabels: ['PC1 of the path’s last half', 'PC2 of the path’s last half'] };
  }
  // The optimum: a flat direction where the network has one, against the way the run came.
  const toTrained = difference(points.trained, theta);
  const flat = rescalingTangents(arch, layout, theta)[0];
  const rng = new Rng(seed, 'directions');
  const candidates = flat ? [flat.tangent, toTrained] : [toTrained, filterNormalizedDirection(layout, theta, rng)];
  const { basis, replaced } = orthonormalPair(candidates, P, seed);
  const labels: [string, string] = flat ? [`flat: rescale ${flat.name}`, replaced ? 'random ⊥' : '⊥ toward trained'] : [replaced ? 'random' : 'toward trained', 'random ⊥'];
  const distance = norm(toTrained);
  const span = fitted(Number.isFinite(distance) ? distance : 0, theta, 0.5 * Math.max(1, norm(theta)));
  return { d1: basis[0], d2: basis[1], span, axisLabels: labels };
}
