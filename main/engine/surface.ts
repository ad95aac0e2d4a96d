// Cost surfaces J(c + α·d1 + β·d2) over a res×res grid, and 1-D interpolations J((1−t)·θa + t·θb)
// (Goodfellow et al. 2015), evaluated batched over parameter vectors by the kernel.
import type { Dataset } from './data.js';
import { dot, norm } from './directions.js';
import type { Kernel, Plane } from './kernel.js';

export type { Plane };
import type { Architecture } from './model.js';

import { MARKERS, type MarkerName } from '../../shared/markers.js';

export interface PlanePoint {
  alpha: number;
  beta: number;
  /** J at the point's projection onto the plane (so it sits on the drawn surface). */
  loss: number;
  /** Distance from the point to the plane (0 when it lies on it). */
  offPlane: number;
  /** J at the point itself (differs from `loss` when the point is off the plane). */
  trueLoss?: number;
}

export interface CostSurface {
  alphas: Float64Array;
  betas: Float64Array;
  /** J per grid point, row per β: loss[i·res + j] = J(c + alphas[j]·d1 + betas[i]·d2). */
  loss: Float64Array;
  trajectory: { alpha: Float64Array; beta: Float64Array; loss: Float64Array };
  markers: Partial<Record<MarkerName, PlanePoint>>;
  span: number;
}


/**
 * J at the plane points (alpha[k], beta[k]): computed in this thread by `inThread`, or elsewhere (the
 * worker pool). Several calls may be in flight at once when the surface asks for `concurrency` > 1.
 */
export type PlaneEvaluator = (plane: Plane, alpha: Float64Array, beta: Float64Array) => Promise<Float64Array>;

/** Where the losses are computed: by an evaluator, or by a kernel in this thread. */
export type SurfaceEvaluation =
  | {
      evaluate: PlaneEvaluator;
      /** Chunks of the grid evaluated at once (the pool's size). */
      concurrency?: number;
    }
  | { kernel: Kernel; arch: Architecture; data: Dataset };

export type SurfaceRequest = Plane & SurfaceEvaluation & SurfaceGrid;

interface SurfaceGrid {
  res: number;
  /** Half-width of the square grid, or 'auto': fit the markers and trajectory with a 25% margin. */
  span: number | 'auto';
  /** Parameter snapshots along training, [K][P]. */
  trajectory: Float32Array;
  markers: Partial<Record<MarkerName, Float32Array>>;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Grid points evaluated per kernel call at most; bounds memory at GRID_CHUNK·P floats. */
const GRID_CHUNK = 4096;

/**
 * Grid points per chunk: about 16 chunks, so a pool of workers shares the grid evenly. It depends on
 * the grid alone, never on the pool, so every split makes the same kernel calls as one worker would.
 */
export function gridChunk(total: number): number {
  return Math.min(GRID_CHUNK, Math.max(64, Math.ceil(total / 16)));
}

export function linspace(lo: number, hi: number, count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => (count === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (count - 1)));
}

/** Coordinates of θ in the plane: least squares in span(d1, d2), which need not be orthogonal. */
function project(theta: ArrayLike<number>, center: Float32Array, d1: Float64Array, d2: Float64Array) {
  const P = center.length;
  const v = new Float64Array(P);
  for (let i = 0; i < P; i++) v[i] = theta[i] - center[i];
  const a11 = dot(d1, d1);
  const a12 = dot(d1, d2);
  const a22 = dot(d2, d2);
  const r1 = dot(d1, v);
  const r2 = dot(d2, v);
  const det = a11 * a22 - a12 * a12;
  const alpha = det !== 0 ? (r1 * a22 - r2 * a12) / det : 0;
  const beta = det !== 0 ? (a11 * r2 - a12 * r1) / det : 0;
  for (let i = 0; i < P; i++) v[i] -= alpha * d1[i] + beta * d2[i];
  return { alpha, beta, offPlane: norm(v) };
}

/** The parameter vectors c + alpha[k]·d1 + beta[k]·d2, summed in float64 and rounded once, laid end to end. */
export function planePoints(plane: Plane, alpha: Float64Array, beta: Float64Array): Float32Array {
  const { center: c, d1, d2 } = plane;
  const P = c.length;
  const count = alpha.length;
  const pts = new Float32Array(count * P);
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < P; i++) pts[k * P + i] = c[i] + alpha[k] * d1[i] + beta[k] * d2[i];
  }
  return pts;
}

/** J at each plane point c + alpha[k]·d1 + beta[k]·d2, in one kernel call. */
export function lossesOnPlane(kernel: Kernel, arch: Architecture, data: Dataset, plane: Plane, alpha: Float64Array, beta: Float64Array): Promise<Float64Array> {
  if (kernel.lossesOnPlane) return kernel.lossesOnPlane(arch, data, plane, alpha, beta);
  return kernel.lossesAt(arch, data, planePoints(plane, alpha, beta), alpha.length);
}

/** How long an in-thread evaluation may hold the event loop before it yields, in ms. */
const IN_THREAD_YIELD_MS = 10;

/**
 * Evaluates in this thread, yielding to the event loop between chunks once IN_THREAD_YIELD_MS have
 * passed since the last yield: a yield costs tens of µs, more than a small chunk's work (yielding
 * before each of a 128² surface's 20 calls was a third of its time).
 */
export function inThread(kernel: Kernel, arch: Architecture, data: Dataset): PlaneEvaluator {
  let lastYield = performance.now();
  return async (plane, alpha, beta) => {
    if (performance.now() - lastYield > IN_THREAD_YIELD_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    return lossesOnPlane(kernel, arch, data, plane, alpha, beta);
  };
}

function aborted(): DOMException {
  return new DOMException('the cost surface was cancelled', 'AbortError');
}

/** J over the res×res grid, row per β, chunk by chunk, `concurrency` chunks in flight. */
async function gridLosses(req: SurfaceGrid, evaluate: PlaneEvaluator, concurrency: number, plane: Plane, alphas: Float64Array, betas: Float64Array): Promise<Float64Array> {
  const { res } = req;
  const total = res * res;
  const size = gridChunk(total);
  const loss = new Float64Array(total);
  let next = 0;
  let done = 0;
  let failed = false;
  const lane = async () => {
    while (next < total && !failed) {
      if (req.signal?.aborted) throw aborted();
      const start = next;
      const end = Math.min(start + size, total);
      next = end;
      const a = new Float64Array(end - start);
      const b = new Float64Array(end - start);
      // Row by row: copies and fills, not a loop per point (slow until V8 has compiled it).
      for (let g = start; g < end; ) {
        const row = Math.floor(g / res);
        const rowEnd = Math.min(end, (row + 1) * res);
        a.set(alphas.subarray(g - row * res, rowEnd - row * res), g - start);
        b.fill(betas[row], g - start, rowEnd - start);
        g = rowEnd;
      }
      try {
        loss.set(await evaluate(plane, a, b), start);
      } catch (e) {
        failed = true;
        throw e;
      }
      done += end - start;
      req.onProgress?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return loss;
}

export async function costSurface(req: SurfaceRequest): Promise<CostSurface> {
  const { center, d1, d2, res } = req;
  const P = center.length;
  const K = req.trajectory.length / P;
  const traj = Array.from({ length: K }, (_, k) => project(req.trajectory.subarray(k * P, (k + 1) * P), center, d1, d2));
  const markerCoords: Partial<Record<MarkerName, ReturnType<typeof project>>> = {};
  for (const name of MARKERS) {
    const theta = req.markers[name];
    if (theta) markerCoords[name] = project(theta, center, d1, d2);
  }

  let span = req.span;
  if (span === 'auto') {
    const extent = Math.max(
      ...traj.flatMap((p) => [Math.abs(p.alpha), Math.abs(p.beta)]),
      ...Object.values(markerCoords).flatMap((p) => [Math.abs(p.alpha), Math.abs(p.beta)]),
    );
    span = extent > 0 ? 1.25 * extent : 1;
  }
  const alphas = linspace(-span, span, res);
  const betas = linspace(-span, span, res);
  const plane = { center, d1, d2 };
  const evaluate = 'evaluate' in req ? req.evaluate : inThread(req.kernel, req.arch, req.data);
  const loss = await gridLosses(req, evaluate, 'evaluate' in req ? (req.concurrency ?? 1) : 1, plane, alphas, betas);
  if (req.signal?.aborted) throw aborted();

  // The trajectory and the markers, projected onto the plane, in one call.
  const names = Object.keys(markerCoords) as MarkerName[];
  const onPlane = [...traj, ...names.map((n) => markerCoords[n] as ReturnType<typeof project>)];
  const pointLoss = await evaluate(plane, Float64Array.from(onPlane, (p) => p.alpha), Float64Array.from(onPlane, (p) => p.beta));
  // Each marker's own J: the plane through it, at its origin.
  const zero = new Float64Array(1);
  const trueLoss = await Promise.all(names.map((name) => evaluate({ center: req.markers[name] as Float32Array, d1, d2 }, zero, zero)));
  const markers: CostSurface['markers'] = {};
  names.forEach((name, k) => {
    const { alpha, beta, offPlane } = markerCoords[name] as ReturnType<typeof project>;
    markers[name] = { alpha, beta, loss: pointLoss[K + k], offPlane, trueLoss: trueLoss[k][0] };
  });
  return {
    alphas,
    betas,
    loss,
    trajectory: {
      alpha: Float64Array.from(traj, (p) => p.alpha),
      beta: Float64Array.from(traj, (p) => p.beta),
      loss: pointLoss.slice(0, K),
    },
    markers,
    span,
  };
}

export interface Interpolation {
  t: Float64Array;
  loss: Float64Array;
}

/** The parameter vectors (1−t)·θa + t·θb, one per value of t, laid end to end. */
export function interpolationPoints(a: Float32Array, b: Float32Array, t: Float64Array): Float32Array {
  const P = a.length;
  const pts = new Float32Array(t.length * P);
  for (let k = 0; k < t.length; k++) {
    for (let i = 0; i < P; i++) pts[k * P + i] = (1 - t[k]) * a[i] + t[k] * b[i];
  }
  return pts;
}
