// What the lab computes, as plain data: the result types the lab returns, the store keeps and the
// worker pool carries. Here, not in lab/, so that store/ and jobs/ can name them without importing lab/.
import type { RunData } from '../../shared/api.js';
import type { AxesSpec } from './directions.js';
import type { Kernel } from './kernel.js';
import type { Optimum } from './optimum.js';
import type { MarkerName } from '../../shared/markers.js';
import type { CostSurface, Interpolation } from './surface.js';

/**
 * What a sweep's statistics read of a run: its loss curve, or the step it first went below the
 * sweep's threshold (null: never), when that was stored with it.
 */
export type RunOutcomeSummary = { index: number; status: RunData['status']; finalLoss: number | null } & (
  | { loss: { steps: ArrayLike<number>; values: ArrayLike<number> } }
  | { reachedStep: number | null }
);

/** A finished run: the shape shared with the renderer (shared/api.ts). */
export type RunResult = RunData;

export interface OptimumResult extends Optimum {
  kernel: Kernel['name'];
  backend: string;
  /** The network's units per layer, which name its parameters (shared/parameters.ts). */
  sizes: readonly number[];
}

/** The optimum a surface or curve was drawn with: to be stored with the run when it was searched for. */
export interface FoundOptimum {
  params: Float32Array;
  kind: Optimum['kind'];
  loss: number;
  method: string;
}

export interface LandscapeRequest {
  center: MarkerName;
  axes: string;
  res: number;
  span: number | 'auto';
}

export interface LandscapeResult extends CostSurface {
  kernel: Kernel['name'];
  backend: string;
  center: MarkerName;
  axes: AxesSpec;
  /** What each axis means: parameter names or direction names. */
  axisLabels: [string, string];
  centerParams: Float32Array;
  d1: Float64Array;
  d2: Float64Array;
  optimumKind: Optimum['kind'];
  /** Set when computed (not stored with the surface: the run keeps it). */
  optimum?: FoundOptimum;
  /** For pca axes, the share of the trajectory's variance along d1 and d2. */
  explained?: [number, number];
}

export interface InterpolationResult extends Interpolation {
  from: MarkerName;
  to: MarkerName;
  optimumKind: Optimum['kind'];
  /** Set when computed (not stored with the curve: the run keeps it). */
  optimum?: FoundOptimum;
}
