// Pure numbers of a cost surface, for the 3D views and the 2D maps alike: the log floor, heights, look-ups
// on the grid, and which stored surface a view shows.
import type { SurfaceView } from '../../../shared/api.js';
import type { MarkerName } from '../../../shared/markers.js';

/** The J floor for log scale: a tenth of the smallest positive J on the grid (the exact optimum is 0). */
export function costFloor(loss: ArrayLike<number>): number {
  let min = Infinity;
  for (let k = 0; k < loss.length; k++) if (loss[k] > 0 && loss[k] < min) min = loss[k];
  return Number.isFinite(min) ? min / 10 : 1e-12;
}

/** What is drawn as height and colour: log10 max(J, floor) on log scale, else J. */
export function heightOf(J: number, log: boolean, floor: number): number {
  return log ? Math.log10(Math.max(J, floor)) : J;
}

export interface Heights {
  z: Float64Array;
  zMin: number;
  zMax: number;
  floor: number;
}

export function heights(loss: ArrayLike<number>, log: boolean): Heights {
  const floor = costFloor(loss);
  const z = new Float64Array(loss.length);
  let zMin = Infinity;
  let zMax = -Infinity;
  for (let k = 0; k < loss.length; k++) {
    z[k] = heightOf(loss[k], log, floor);
    if (Number.isFinite(z[k])) {
      zMin = Math.min(zMin, z[k]);
      zMax = Math.max(zMax, z[k]);
    }
  }
  if (!Number.isFinite(zMin)) [zMin, zMax] = [0, 1];
  if (zMax === zMin) zMax = zMin + 1;
  return { z, zMin, zMax, floor };
}

/** The value at fractional index g of an increasing array (linear between entries). */
export function atIndex(values: ArrayLike<number>, g: number): number {
  const k = Math.min(Math.max(Math.floor(g), 0), values.length - 2);
  if (k < 0) return values[0];
  return values[k] + (g - k) * (values[k + 1] - values[k]);
}

/** The fractional index of v in an increasing array, or null outside it. */
export function indexOf(values: ArrayLike<number>, v: number): number | null {
  const n = values.length;
  if (n < 2 || v < values[0] || v > values[n - 1]) return null;
  let k = 0;
  while (k < n - 2 && v > values[k + 1]) k++;
  return k + (v - values[k]) / (values[k + 1] - values[k]);
}

/** A grid's value at (α, β), bilinear between the four grid points around it (value(k) at flat index k); null outside the grid. */
function bilinear(s: { alphas: ArrayLike<number>; betas: ArrayLike<number> }, value: (k: number) => number, alpha: number, beta: number): number | null {
  const gx = indexOf(s.alphas, alpha);
  const gy = indexOf(s.betas, beta);
  if (gx === null || gy === null) return null;
  const nx = s.alphas.length;
  const j = Math.min(Math.floor(gx), nx - 2);
  const i = Math.min(Math.floor(gy), s.betas.length - 2);
  const fx = gx - j;
  const fy = gy - i;
  const v = (ii: number, jj: number) => value(ii * nx + jj);
  return (1 - fy) * ((1 - fx) * v(i, j) + fx * v(i, j + 1)) + fy * ((1 - fx) * v(i + 1, j) + fx * v(i + 1, j + 1));
}

/** J at (α, β), bilinear between the four grid points around it; null outside the grid. */
export function costAt(s: Pick<SurfaceView, 'alphas' | 'betas' | 'loss'>, alpha: number, beta: number): number | null {
  return bilinear(s, (k) => s.loss[k], alpha, beta);
}

/**
 * The drawn height of the surface at (α, β): the heights `h` (log or linear, as the mesh's vertices)
 * bilinear between the four grid points around it, within [zMin, zMax] as the mesh is; null outside
 * the grid or where a corner is not finite. What sits on the surface (a marker) takes this height,
 * never one of its own J: on a log scale a point's J below the floor, or off the plane, would float
 * below or above the mesh.
 */
export function heightAt(s: { alphas: ArrayLike<number>; betas: ArrayLike<number> }, h: Heights, alpha: number, beta: number): number | null {
  const z = bilinear(s, (k) => Math.min(Math.max(h.z[k], h.zMin), h.zMax), alpha, beta);
  return z !== null && Number.isFinite(z) ? z : null;
}

/**
 * The share of the points where the cost curves down: λmin below zero by more than rounding, that is
 * by more than 1e-6 of the largest curvature |λmax| there. A flat direction (a ReLU's rescaling, a
 * converged run's zero eigenvalues) computes as ±1e-12, and counting it made "negative curvature at
 * 100 % of the points" around a converged run. Null without a finite point.
 */
export function negativeCurvatureShare(lambdaMin: ArrayLike<number>, lambdaMax: ArrayLike<number>): number | null {
  let neg = 0;
  let n = 0;
  for (let k = 0; k < lambdaMin.length; k++) {
    const lo = lambdaMin[k];
    if (!Number.isFinite(lo)) continue;
    n++;
    const scale = Number.isFinite(lambdaMax[k]) ? Math.abs(lambdaMax[k]) : 0;
    if (lo < -1e-6 * scale) neg++;
  }
  return n ? neg / n : null;
}

/** The surface a view shows: the newest one for this run and center. */
export function latestSurface(surfaces: readonly SurfaceView[], runIndex: number, center: MarkerName): SurfaceView | null {
  let best: SurfaceView | null = null;
  for (const s of surfaces) {
    if (s.runIndex !== runIndex || s.center !== center) continue;
    if (!best || s.createdAt > best.createdAt || (s.createdAt === best.createdAt && s.id > best.id)) best = s;
  }
  return best;
}
