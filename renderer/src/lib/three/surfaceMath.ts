// Pure numbers behind the surface views (no three.js here: the 2D contour view uses them too):
// the log floor, heights, grid look-ups and axis ticks.
import type { MarkerName, SurfaceView } from '../../../../shared/api';

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

/** J at (α, β), bilinear between the four grid points around it; null outside the grid. */
export function costAt(s: Pick<SurfaceView, 'alphas' | 'betas' | 'loss'>, alpha: number, beta: number): number | null {
  const gx = indexOf(s.alphas, alpha);
  const gy = indexOf(s.betas, beta);
  if (gx === null || gy === null) return null;
  const nx = s.alphas.length;
  const j = Math.min(Math.floor(gx), nx - 2);
  const i = Math.min(Math.floor(gy), s.betas.length - 2);
  const fx = gx - j;
  const fy = gy - i;
  const v = (ii: number, jj: number) => s.loss[ii * nx + jj];
  return (1 - fy) * ((1 - fx) * v(i, j) + fx * v(i, j + 1)) + fy * ((1 - fx) * v(i + 1, j) + fx * v(i + 1, j + 1));
}

/** About `count` round values (1, 2 or 5 × 10ᵏ apart) inside [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return Number.isFinite(min) ? [min] : [];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

/** Ticks for heights z: decades of J on log scale (every few decades when there are many), else round J. */
export function heightTicks(zMin: number, zMax: number, log: boolean): { z: number; J: number }[] {
  if (!log) return niceTicks(zMin, zMax, 4).map((J) => ({ z: J, J }));
  const lo = Math.ceil(zMin - 1e-9);
  const hi = Math.floor(zMax + 1e-9);
  if (hi - lo < 1) return niceTicks(zMin, zMax, 3).map((z) => ({ z, J: 10 ** z }));
  const stride = Math.ceil((hi - lo + 1) / 6);
  const ticks: { z: number; J: number }[] = [];
  for (let e = hi; e >= lo; e -= stride) ticks.unshift({ z: e, J: 10 ** e });
  return ticks;
}

/** A number for a label: `digits` significant digits, exponent form when very small or large. */
export function formatNumber(v: number, digits = 3): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e4) return v.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(Number(v.toPrecision(digits)));
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

export const MARKER_COLORS: Record<MarkerName, string> = { init: '#f28e2b', trained: '#4e79a7', optimum: '#2ca02c' };
export const MARKER_LABELS: Record<MarkerName, string> = { init: 'Initialization', trained: 'Trained', optimum: 'Optimum' };
export const MARKER_NAMES: MarkerName[] = ['init', 'trained', 'optimum'];
