// Cost surfaces J(c + α·d1 + β·d2) over a res×res grid, and 1-D interpolations J((1−t)·θa + t·θb)
// (Goodfellow et al. 2015), evaluated batched over parameter vectors by the kernel.
import type { Dataset } from './data.js';
import { dot, norm } from './directions.js';
import type { Kernel } from './kernel.js';
import type { Architecture } from './model.js';

export const MARKERS = ['init', 'trained', 'optimum'] as const;
export type MarkerName = (typeof MARKERS)[number];

export interface PlanePoint {
  alpha: number;
  beta: number;
  /** J at the point's projection onto the plane (so it sits on the drawn surface). */
  loss: number;
  /** Distance from the point to the plane (0 when it lies on it). */
  offPlane: number;
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

export interface SurfaceRequest {
  kernel: Kernel;
  arch: Architecture;
  data: Dataset;
  center: Float32Array;
  d1: Float64Array;
  d2: Float64Array;
  res: number;
  /** Half-width of the square grid, or 'auto': fit the markers and trajectory with a 25% margin. */
  span: number | 'auto';
  /** Parameter snapshots along training, [K][P]. */
  trajectory: Float32Array;
  markers: Partial<Record<MarkerName, Float32Array>>;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Grid points evaluated per kernel call; bounds memory at GRID_CHUNK·P floats. */
const GRID_CHUNK = 4096;

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

/** Writes c + α·d1 + β·d2 into `out` at row `k`. */
function planePoint(out: Float32Array, k: number, c: Float32Array, d1: Float64Array, d2: Float64Array, alpha: number, beta: number): void {
  const P = c.length;
  for (let i = 0; i < P; i++) out[k * P + i] = c[i] + alpha * d1[i] + beta * d2[i];
}

function lossesOnPlane(req: SurfaceRequest, coords: { alpha: number; beta: number }[]): Float64Array {
  const P = req.center.length;
  const pts = new Float32Array(coords.length * P);
  coords.forEach(({ alpha, beta }, k) => planePoint(pts, k, req.center, req.d1, req.d2, alpha, beta));
  return req.kernel.losses(req.arch, req.data, pts, coords.length);
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

  const total = res * res;
  const loss = new Float64Array(total);
  const chunk = new Float32Array(Math.min(GRID_CHUNK, total) * P);
  for (let start = 0; start < total; start += GRID_CHUNK) {
    if (req.signal?.aborted) throw new DOMException('the cost surface was cancelled', 'AbortError');
    const m = Math.min(GRID_CHUNK, total - start);
    for (let k = 0; k < m; k++) {
      const g = start + k;
      planePoint(chunk, k, center, d1, d2, alphas[g % res], betas[Math.floor(g / res)]);
    }
    loss.set(req.kernel.losses(req.arch, req.data, chunk, m), start);
    req.onProgress?.(start + m, total);
    if (start + m < total) await new Promise((resolve) => setImmediate(resolve));
  }

  const trajLoss = lossesOnPlane(req, traj);
  const names = Object.keys(markerCoords) as MarkerName[];
  const markerLoss = lossesOnPlane(req, names.map((n) => markerCoords[n] as { alpha: number; beta: number }));
  const markers: CostSurface['markers'] = {};
  names.forEach((name, k) => {
    const { alpha, beta, offPlane } = markerCoords[name] as ReturnType<typeof project>;
    markers[name] = { alpha, beta, loss: markerLoss[k], offPlane };
  });
  return {
    alphas,
    betas,
    loss,
    trajectory: {
      alpha: Float64Array.from(traj, (p) => p.alpha),
      beta: Float64Array.from(traj, (p) => p.beta),
      loss: trajLoss,
    },
    markers,
    span,
  };
}

export interface Interpolation {
  t: Float64Array;
  loss: Float64Array;
}

/** J((1−t)·θa + t·θb) at `points` values of t evenly spaced over [tMin, tMax]. */
export function interpolate(
  kernel: Kernel,
  arch: Architecture,
  data: Dataset,
  a: Float32Array,
  b: Float32Array,
  points = 101,
  tMin = 0,
  tMax = 1,
): Interpolation {
  const P = a.length;
  const t = linspace(tMin, tMax, points);
  const pts = new Float32Array(points * P);
  for (let k = 0; k < points; k++) {
    for (let i = 0; i < P; i++) pts[k * P + i] = (1 - t[k]) * a[i] + t[k] * b[i];
  }
  return { t, loss: kernel.losses(arch, data, pts, points) };
}
