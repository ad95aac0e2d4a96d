// The LabApi channels of curvature and races (issue 14), spread into CHANNELS and Responses in api.ts:
// the Hessian at a run's point, the convexity map of a stored surface, and the optimizer race.
import { z } from 'zod';
import { MARKERS } from './markers.js';

const Id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const Marker = z.enum(MARKERS);
export const OptimizerKind = z.enum(['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam']);

export const CURVATURE_CHANNELS = {
  /** The exact Hessian at one of a run's three points, its spectrum and the symmetries behind its zeros. */
  'curvature.hessian': z.strictObject({ id: Id, run: z.number().int().min(0).default(0), at: Marker }),
  /** The convexity map of a stored surface (at most 33² points). */
  'curvature.map': z.strictObject({ id: Id, surfaceId: Id }),
  /** Trains a race and stores it as one experiment; answers its id. */
  'race.run': z.strictObject({
    config: z.unknown(),
    optimizers: z.array(OptimizerKind).min(2).max(5).optional(),
    name: z.string().trim().min(1).max(200).optional(),
  }),
  /** Every trajectory of a stored race on one surface. */
  'race.surface': z.strictObject({ id: Id, axes: z.enum(['plane', 'pca']).default('plane'), res: z.number().int().min(2).max(256).default(48) }),
} as const;

export interface SymmetryView {
  kind: 'rescaling' | 'dead-unit' | 'symmetric-units';
  layer: number;
  units: number[];
  curvature: number[];
  inNearZero: number[];
  explains: boolean;
  /** How many zero eigenvalues it accounts for: dim(its directions' span ∩ the near-zero eigenspace). */
  zeros: number;
  /** Rescaling only: the cost's curvature along the rescaling curve itself (0 to rounding). */
  alongCurve?: number;
  text: string;
}

export interface HessianView {
  at: 'init' | 'trained' | 'optimum';
  layout: string[];
  params: Float32Array;
  loss: number;
  /** Row-major P×P. */
  hessian: Float64Array;
  /** Ascending. */
  eigenvalues: Float64Array;
  /** Row k: the unit eigenvector of eigenvalues[k]. */
  eigenvectors: Float64Array;
  trace: number;
  nearZero: { count: number; tolerance: number };
  symmetries: SymmetryView[];
}

export interface CurvatureMapView {
  /** The map's grid; row per β: lambdaMin[i·res + j] at (alphas[j], betas[i]). */
  alphas: Float64Array;
  betas: Float64Array;
  lambdaMin: Float64Array;
  lambdaMax: Float64Array;
  planeMin: Float64Array;
  planeMax: Float64Array;
}

export interface RaceSurfaceView {
  axes: 'plane' | 'pca';
  axisLabels: [string, string];
  span: number;
  alphas: Float64Array;
  betas: Float64Array;
  /** Row per β. */
  loss: Float64Array;
  /** Every run's snapshots projected, laid end to end; `runs` says which slice is whose. */
  trajectory: { alpha: Float64Array; beta: Float64Array; loss: Float64Array };
  runs: { label: string; from: number; to: number; steps: Uint32Array }[];
  markers: Partial<Record<'init' | 'trained' | 'optimum', { alpha: number; beta: number; loss: number }>>;
  explained?: [number, number];
}

export interface CurvatureResponses {
  'curvature.hessian': HessianView;
  'curvature.map': CurvatureMapView;
  'race.run': { id: number };
  'race.surface': RaceSurfaceView;
}
