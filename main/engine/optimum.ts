// The global optimum. Exact where the target is representable — a noise-free hinge fitted by one
// hidden ReLU layer with a linear output: one unit per slope, in closed form, zero cost — and
// otherwise the best of K restarts, labelled `best-found`.
import type { ExperimentConfig } from '../../shared/config.js';
import { isClassification } from '../../shared/configRules.js';
import type { Dataset } from './data.js';
import { initialParams } from './init.js';
import { layoutOf, type Architecture } from './model.js';
import { runsPerGroup } from './memory.js';
import { hyperOf } from './optimizers.js';
import { Rng } from './prng.js';
import type { BatchSpec, RunOutcome, TrainOptions } from './train.js';

/** How an exact optimum is found (stored with the run beside its loss). */
export const EXACT_METHOD = 'closed form: one ReLU unit per slope of the hinge, the rest switched off (zero cost)';

export type OptimumKind = 'exact' | 'best-found';

export interface Optimum {
  kind: OptimumKind;
  params: Float32Array;
  loss: number;
  /** How it was found, in one sentence. */
  method: string;
}

/** Why the closed form does not apply, or null when it does. */
export function exactOptimumBlocker(config: ExperimentConfig): string | null {
  const { data, model, loss } = config;
  if (data.target.kind === 'points') return 'given points have no closed-form optimum';
  if (isClassification(data.target)) return `a classification target (${data.target.kind}) has no closed-form optimum`;
  if (data.target.kind !== 'hinge') return `the ${data.target.kind} target is not exactly representable by a ReLU network`;
  if (data.noise > 0) return 'noisy data has no closed-form optimum';
  if (model.hidden.length !== 1) return 'the closed form needs exactly one hidden layer';
  const act = typeof model.activation === 'string' ? model.activation : model.activation[0];
  if (act !== 'relu') return 'the closed form needs relu hidden units';
  if (model.output !== 'linear') return 'the closed form needs a linear output';
  if (loss !== 'l2' && loss !== 'l1') return 'the closed form needs an l1 or l2 loss';
  const needed = slopeRoles(config).length;
  if (model.hidden[0] < needed) return `the hinge needs ${needed} hidden units, the network has ${model.hidden[0]}`;
  return null;
}

interface Role {
  /** +1: the unit computes relu(k·(x − x0)); −1: relu(k·(x0 − x)). */
  side: 1 | -1;
  /** Output weight times k: the slope the unit contributes on its side. */
  gain: number;
}

function slopeRoles(config: ExperimentConfig): Role[] {
  const t = config.data.target;
  if (t.kind !== 'hinge') return [];
  // m1·max(0, x−x0) = m1·relu(x−x0);  m2·min(0, x−x0) = −m2·relu(x0−x).
  const roles: Role[] = [];
  if (t.m1 !== 0) roles.push({ side: 1, gain: t.m1 });
  if (t.m2 !== 0) roles.push({ side: -1, gain: -t.m2 });
  return roles;
}

/**
 * The closed-form optimum, or null where it does not apply. Every positive rescaling and permutation
 * of the units is an optimum too; with a `reference` (the trained network) the one closest to it is
 * returned, so that init, trained and optimum share a meaningful plane. Units without a role are
 * switched off (output weight 0; without a reference also inactive on every input).
 */
export function exactOptimum(config: ExperimentConfig, arch: Architecture, reference?: Float32Array): Float32Array | null {
  if (exactOptimumBlocker(config) !== null || config.data.target.kind !== 'hinge') return null;
  const { x0, b } = config.data.target;
  const layout = layoutOf(arch);
  const [hidden, out] = layout.layers;
  const H = hidden.fanOut;
  const p = new Float32Array(layout.count);
  const roles = slopeRoles(config);
  const ref = reference && reference.every(Number.isFinite) ? reference : null;

  // Unit j of the reference: incoming weight, bias, outgoing weight.
  const refUnit = (j: number) => (ref ? [ref[hidden.w + j], ref[hidden.b + j], ref[out.w + j]] : [0, -1, 0]);
  const unitFor = (role: Role, k: number) => [role.side * k, -role.side * k * x0, role.gain / k];
  const distance = (u: number[], v: number[]) => (u[0] - v[0]) ** 2 + (u[1] - v[1]) ** 2 + (u[2] - v[2]) ** 2;

  // Best scale k > 0 per (role, unit): without a reference, balanced (|incoming| = |outgoing|).
  const fits = roles.map((role) =>
    Array.from({ length: H }, (_, j) => {
      const [r0, r1, r2] = refUnit(j);
      // distance(unitFor(role, k), refUnit(j)) = A k² − 2B k + C/k² − 2D/k + const.
      const k = ref
        ? closestScale(1 + x0 * x0, role.side * (r0 - x0 * r1), role.gain * role.gain, role.gain * r2)
        : Math.sqrt(Math.abs(role.gain) / Math.hypot(1, x0));
      const unit = unitFor(role, k);
      return { unit, cost: distance(unit, refUnit(j)) };
    }),
  );
  const offCost = (j: number) => (ref ? ref[out.w + j] ** 2 : 0);

  // Choose which units take the roles (there are at most two): the assignment that adds the least
  // distance over switching every unit off.
  const extra = (r: number, j: number) => fits[r][j].cost - offCost(j);
  const best = { cost: Infinity, units: [] as number[] };
  for (let i = 0; i < H; i++) {
    if (roles.length === 1 && extra(0, i) < best.cost) Object.assign(best, { cost: extra(0, i), units: [i] });
    for (let j = 0; roles.length === 2 && j < H; j++) {
      if (j !== i && extra(0, i) + extra(1, j) < best.cost) Object.assign(best, { cost: extra(0, i) + extra(1, j), units: [i, j] });
    }
  }

  for (let j = 0; j < H; j++) {
    const r = best.units.indexOf(j);
    const unit = r >= 0 ? fits[r][j].unit : [refUnit(j)[0], refUnit(j)[1], 0];
    p[hidden.w + j] = unit[0];
    p[hidden.b + j] = unit[1];
    p[out.w + j] = unit[2];
  }
  p[out.b] = b;
  return p;
}

/** The scan's scales: e^−12 … e^12 in steps of e^0.25. */
const SCAN_SCALES = Float64Array.from({ length: 97 }, (_, i) => Math.exp(-12 + 0.25 * i));

/**
 * The k > 0 that minimizes f(k) = A k² − 2B k + C/k² − 2D/k (A > 0, C ≥ 0): a scan in log k finds the
 * lowest basin (f can have two), then safeguarded Newton on f′ finds its bottom to rounding (f′ = 0
 * is the quartic A k⁴ − B k³ + D k − C = 0). Every unit of every run's exact optimum asks this.
 */
export function closestScale(A: number, B: number, C: number, D: number): number {
  const f = (k: number) => A * k * k - 2 * B * k + C / (k * k) - 2 * D / k;
  const slope = (k: number) => A * k - B - C / (k * k * k) + D / (k * k);
  let best = 0;
  let bestValue = Infinity;
  for (let i = 0; i < SCAN_SCALES.length; i++) {
    const v = f(SCAN_SCALES[i]);
    if (v < bestValue) {
      bestValue = v;
      best = i;
    }
  }
  let lo = Math.exp(-12 + 0.25 * (best - 1));
  let hi = Math.exp(-12 + 0.25 * (best + 1));
  // The minimum sits at an end of the basin when f′ keeps one sign across it (the scan's edge).
  if (!(slope(lo) < 0)) return lo;
  if (!(slope(hi) > 0)) return hi;
  let k = SCAN_SCALES[best];
  for (let it = 0; it < 200; it++) {
    const s = slope(k);
    if (s === 0) return k;
    if (s < 0) lo = k;
    else hi = k;
    const curvature = A + (3 * C) / (k * k * k * k) - (2 * D) / (k * k * k);
    const newton = k - s / curvature;
    const next = curvature > 0 && newton > lo && newton < hi ? newton : (lo + hi) / 2;
    if (Math.abs(next - k) <= 4e-16 * k) return next;
    k = next;
  }
  return k;
}

/**
 * A best-found optimum's budget unless the caller sets one: restarts × full-batch steps, a search of
 * seconds for the networks the lab trains. It is its own setting, not the run's step count: a run of
 * millions of steps would otherwise make a search of hours before its first view.
 */
export const SEARCH_BUDGET = { restarts: 8, steps: 5000 } as const;

export interface BestFoundOptions {
  restarts?: number;
  steps?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Trains a batch of independent runs: `trainBatch` on one kernel, or the worker pool's, which splits
 * the runs across its workers (each run's numbers do not depend on the others in its batch).
 */
export type BatchTrainer = (spec: BatchSpec, options: TrainOptions) => Promise<RunOutcome[]>;

/**
 * The best of `restarts` full-batch Adam runs (lr 0.01, torch's default betas) from random inits
 * (He for relu, Xavier otherwise), trained together in one batch. A cancelled search throws an
 * AbortError rather than return the best of unfinished runs.
 */
export async function bestFoundOptimum(
  config: ExperimentConfig,
  arch: Architecture,
  data: Dataset,
  train: BatchTrainer,
  options: BestFoundOptions = {},
): Promise<Optimum> {
  const restarts = options.restarts ?? SEARCH_BUDGET.restarts;
  const steps = options.steps ?? SEARCH_BUDGET.steps;
  const rng = new Rng(config.seed, 'restarts');
  const initKind = arch.activations.every((a) => a === 'relu') ? 'he' : 'xavier';
  const hyper = hyperOf({ kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const seeds = Array.from({ length: restarts }, () => rng.nextUint32());
  // Restarts train in groups that fit a memory budget (main/engine/memory.ts).
  const group = runsPerGroup(layoutOf(arch).count);
  const groups = Math.ceil(restarts / group);
  let best = { loss: Infinity, params: null as Float32Array | null };
  for (let g = 0; g < groups; g++) {
    const runs = seeds.slice(g * group, (g + 1) * group).map((seed) => ({ seed, data, hyper, init: initialParams(arch, { kind: initKind }, seed, data) }));
    const outcomes = await train(
      { arch, batchSize: data.n, steps, recordEvery: steps, snapshots: 2, runs },
      { signal: options.signal, onProgress: (p) => options.onProgress?.(g * steps + p.step, groups * steps) },
    );
    if (options.signal?.aborted) throw new DOMException('the optimum search was cancelled', 'AbortError');
    best.params ??= outcomes[0].final;
    for (const o of outcomes) {
      const last = o.loss.values[o.loss.values.length - 1];
      if (o.status === 'done' && last < best.loss) best = { loss: last, params: o.final };
    }
  }
  return {
    kind: 'best-found',
    params: best.params as Float32Array,
    loss: best.loss,
    method: `best of ${restarts} full-batch Adam restarts × ${steps} steps (no closed form: the global optimum is not known exactly)`,
  };
}
