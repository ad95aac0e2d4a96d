// The optimizer race: one config trained by several optimizers from the same init and the same
// minibatch order (the seed fixes both), stored as one experiment with one run per optimizer, and
// all trajectories drawn on one surface — the plane through the init and two endpoints, or the
// principal directions of all trajectories together.
import { InputError, LIMITS, parseConfig, type ExperimentConfig, type OptimizerKind } from '../../shared/config.js';
import { defaultName } from '../../shared/experimentName.js';
import { minOf } from '../../shared/numbers.js';
import { TUTORIAL_OPTIMIZERS } from '../../shared/presets.js';
import type { Dataset } from '../engine/data.js';
import { difference, dot, orthonormalPair, trajectoryPca } from '../engine/directions.js';
import { architectureOf } from '../engine/model.js';
import { prepareStored } from '../engine/prepared.js';
import { runConfigs, type RunResult } from '../engine/runs.js';
import { costSurface, type CostSurface } from '../engine/surface.js';
import { APP_VERSION } from '../platform/version.js';
import type { ExperimentStore } from '../store/experiments.js';
import { computeFor, evaluationWork, onDevice, poolFor, trainingWork } from './compute.js';
import type { JobOptions } from './options.js';
import { quoted } from '../../shared/printable.js';

export const RACE_OPTIMIZERS = Object.keys(TUTORIAL_OPTIMIZERS) as OptimizerKind[];
export const RACE_AXES = ['plane', 'pca'] as const;
export type RaceAxes = (typeof RACE_AXES)[number];
/** The tag that marks a stored experiment as a race. */
export const RACE_TAG = 'race';

/** `sgd,momentum,adam` → the kinds, in the order given; refuses unknown or repeated names. */
export function parseOptimizerList(text: string): OptimizerKind[] {
  const kinds = text.split(',').map((s) => s.trim());
  for (const k of kinds) {
    if (!RACE_OPTIMIZERS.includes(k as OptimizerKind)) throw new InputError(`optimizers: must be a comma-separated list of ${RACE_OPTIMIZERS.join(', ')} (got ${quoted(k)})`);
  }
  const repeated = kinds.find((k, i) => kinds.indexOf(k) !== i);
  if (repeated) throw new InputError(`optimizers: "${repeated}" is listed twice`);
  if (kinds.length < 2) throw new InputError(`optimizers: a race needs at least two optimizers (got ${quoted(text)})`);
  return kinds as OptimizerKind[];
}

/**
 * One config per optimizer: the config with its optimizer replaced. The config's own optimizer keeps
 * its settings; the others take the tutorial's (its learning rates and ρ values).
 */
export function raceConfigs(config: ExperimentConfig, kinds: readonly OptimizerKind[] = RACE_OPTIMIZERS): ExperimentConfig[] {
  return kinds.map((kind) => (kind === config.optimizer.kind ? config : parseConfig({ ...config, optimizer: { ...TUTORIAL_OPTIMIZERS[kind] } })));
}

/**
 * Trains the race: each optimizer's run exactly as it would train alone (its own batch, the same
 * kernel choice), on the pool's workers in parallel when given one.
 */
export async function race(config: ExperimentConfig, kinds: readonly OptimizerKind[] = RACE_OPTIMIZERS, options: JobOptions = {}): Promise<RunResult[]> {
  const configs = raceConfigs(config, kinds);
  const { pool: _, ...rest } = options;
  const done = new Array<number>(configs.length).fill(0);
  const onProgress = (k: number) => (p: { step: number; steps: number; bestLoss: number | null }) => {
    done[k] = p.step;
    options.onProgress?.({ step: minOf(done), steps: p.steps, bestLoss: p.bestLoss, phase: 'training' });
  };
  const arch = architectureOf(config);
  const work = configs.reduce((sum, c) => sum + trainingWork(c, arch), 0);
  const pool = onDevice(options, config) ? undefined : poolFor(options, work, 0);
  if (pool) return Promise.all(configs.map(async (c, k) => (await pool.runConfigs([c], { ...rest, onProgress: onProgress(k) }))[0]));
  const results: RunResult[] = [];
  for (const [k, c] of configs.entries()) results.push((await runConfigs([c], { ...rest, onProgress: onProgress(k) }))[0]);
  return results;
}

/** Stores the race as one experiment (tagged `race`), one run per optimizer labelled by its kind. */
export function saveRace(store: ExperimentStore, config: ExperimentConfig, runs: RunResult[], name?: string): number {
  const status = runs.some((r) => r.status === 'cancelled') ? 'cancelled' : runs.every((r) => r.status === 'diverged') ? 'diverged' : 'done';
  return store.saveExperiment(
    {
      name: name ?? `Race of ${runs.length} optimizers · ${defaultName(config)}`,
      config,
      kernel: runs[0].kernel,
      backend: runs[0].backend,
      appVersion: APP_VERSION,
      tags: [RACE_TAG],
    },
    status,
    runs.map((r) => ({ ...r, label: r.config.optimizer.kind, hyper: { optimizer: r.config.optimizer }, cell: null, seedIndex: null })),
  );
}

export interface RaceSurface extends CostSurface {
  axes: RaceAxes;
  axisLabels: [string, string];
  /** The shared init: the plane's origin. */
  center: Float32Array;
  d1: Float64Array;
  d2: Float64Array;
  /** Each run's slice of `trajectory` ([from, to) of its snapshots) and its snapshots' steps. */
  runs: { label: string; from: number; to: number; steps: Uint32Array }[];
  /** For pca axes, the share of the trajectories' variance along d1 and d2. */
  explained?: [number, number];
}

export interface RaceSurfaceRequest {
  axes: RaceAxes;
  res: number;
  span: number | 'auto';
}

export function checkRaceSurfaceRequest(req: RaceSurfaceRequest): void {
  if (!RACE_AXES.includes(req.axes)) throw new InputError(`axes: must be one of ${RACE_AXES.join(', ')} for a race (got ${quoted(req.axes)})`);
  if (!Number.isInteger(req.res) || req.res < 2 || req.res > LIMITS.surfaceRes) throw new InputError(`res: must be an integer from 2 to ${LIMITS.surfaceRes} (got ${req.res})`);
  if (req.span !== 'auto' && !(Number.isFinite(req.span) && req.span > 0)) throw new InputError(`span: must be a number > 0 or auto (got ${req.span})`);
}

/** The race's runs with finite parameters throughout (a diverged run cannot be drawn). */
function drawable(runs: readonly (RunResult & { label?: string })[]) {
  return runs.filter((r) => r.snapshots.params.every(Number.isFinite) && r.params.final.every(Number.isFinite));
}

/** Every trajectory of the race on one cost surface centred on the shared init. */
export async function raceSurface(runs: readonly (RunResult & { label?: string })[], req: RaceSurfaceRequest, options: JobOptions & { data?: Dataset } = {}): Promise<RaceSurface> {
  checkRaceSurfaceRequest(req);
  const shown = drawable(runs);
  if (shown.length === 0) throw new InputError('race: every run diverged, so there is no trajectory to draw');
  const config = shown[0].config;
  const { arch, layout, data } = prepareStored(config, options.data ?? shown[0].data);
  const P = layout.count;
  const init = shown[0].params.init;
  for (const r of shown) {
    if (!r.params.init.every((v, i) => Object.is(v, init[i]))) throw new InputError('race: the runs do not share one init');
  }
  let d1: Float64Array;
  let d2: Float64Array;
  let axisLabels: [string, string];
  let explained: [number, number] | undefined;
  const seed = config.seed;
  if (req.axes === 'plane') {
    // The two endpoints that span the widest plane with the init.
    const ends = shown.map((r) => difference(r.params.final, init));
    let best: [number, number] = [0, Math.min(1, ends.length - 1)];
    let bestArea = -1;
    for (let a = 0; a < ends.length; a++) {
      for (let b = a + 1; b < ends.length; b++) {
        const area = dot(ends[a], ends[a]) * dot(ends[b], ends[b]) - dot(ends[a], ends[b]) ** 2;
        if (area > bestArea) [best, bestArea] = [[a, b], area];
      }
    }
    [d1, d2] = orthonormalPair([ends[best[0]], ends[best[1]]], P, seed).basis;
    const label = (k: number) => (shown[k] as { label?: string }).label ?? shown[k].config.optimizer.kind;
    axisLabels = [`init → ${label(best[0])}`, `⊥ toward ${label(best[1])}`];
  } else {
    // PCA of every snapshot of every run, relative to the shared init (put last, as trajectoryPca takes it).
    const K = shown.reduce((s, r) => s + r.snapshots.params.length / P, 0);
    const all = new Float32Array((K + 1) * P);
    let at = 0;
    for (const r of shown) {
      all.set(r.snapshots.params, at);
      at += r.snapshots.params.length;
    }
    all.set(init, at);
    const pcaPool = poolFor(options, (K + 1) * P * 100);
    const pca = pcaPool ? await pcaPool.trajectoryPca(all, K + 1, seed, { signal: options.signal }) : trajectoryPca(all, K + 1, seed);
    [d1, d2] = pca.basis;
    explained = pca.explained;
    axisLabels = ['PC1 of all trajectories', 'PC2 of all trajectories'];
  }
  const trajectory = new Float32Array(shown.reduce((s, r) => s + r.snapshots.params.length, 0));
  const slices: RaceSurface['runs'] = [];
  let from = 0;
  for (const r of shown) {
    trajectory.set(r.snapshots.params, from * P);
    const count = r.snapshots.params.length / P;
    slices.push({ label: (r as { label?: string }).label ?? r.config.optimizer.kind, from, to: from + count, steps: r.snapshots.steps });
    from += count;
  }
  const work = { arch, runs: Math.min(req.res * req.res, 4096), batchSize: data.n, n: data.n, lossesOnly: true };
  const compute = await computeFor(config, work, options, poolFor(options, evaluationWork(arch, req.res * req.res, data.n)));
  const surface = await costSurface({
    evaluate: compute.evaluator(data),
    concurrency: compute.concurrency,
    center: init,
    d1,
    d2,
    res: req.res,
    span: req.span,
    trajectory,
    markers: { init, ...(shown[0].params.optimum ? { optimum: shown[0].params.optimum } : {}) },
    signal: options.signal,
  });
  return { ...surface, axes: req.axes, axisLabels, center: init, d1, d2, runs: slices, ...(explained ? { explained } : {}) };
}
