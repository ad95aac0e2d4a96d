// Stored experiments: saving runs, reopening them exactly, reproducing them, and the surfaces and
// interpolations computed for them and stored with them.
import { InputError } from '../../shared/config.js';
import { defaultName } from '../../shared/experimentName.js';
import { MARKERS, type MarkerName } from '../../shared/markers.js';
import { prepareStored, type PreparedConfig, type PreparedSplit } from '../engine/prepared.js';
import type { FoundOptimum, InterpolationResult, LandscapeRequest, LandscapeResult } from '../engine/results.js';
import { runConfigs, type RunResult } from '../engine/runs.js';
import type { Progress } from '../engine/train.js';
import { APP_VERSION } from '../platform/version.js';
import type { ExperimentStatus, ExperimentStore, StoredRun } from '../store/experiments.js';
import type { HessianAnalysis } from '../engine/spectrum.js';
import { poolFor, trainingWork } from './compute.js';
import { checkHessianSize, hessianOf } from './hessian.js';
import { interpolation, landscape, optimum, type InterpolationRequest } from './landscape.js';
import type { JobOptions } from './options.js';
import { train } from './training.js';
import { quoted } from '../../shared/printable.js';
import { parameterNames } from '../../shared/parameters.js';

function statusOf(runs: { status: RunResult['status'] }[]): ExperimentStatus {
  if (runs.some((r) => r.status === 'cancelled')) return 'cancelled';
  if (runs.length > 0 && runs.every((r) => r.status === 'diverged')) return 'diverged';
  return 'done';
}

const runToSave = (result: RunResult) => ({ ...result, label: 'run', hyper: { seed: result.config.seed }, cell: null, seedIndex: null });
const metaOf = (result: RunResult, name?: string) => ({ name: name ?? defaultName(result.config), config: result.config, kernel: result.kernel, backend: result.backend, appVersion: APP_VERSION });

/** Saves one finished run as a new experiment (atomically); returns its id. */
export function saveRun(store: ExperimentStore, result: RunResult, name?: string): number {
  return store.saveExperiment(metaOf(result, name), statusOf([result]), [runToSave(result)]);
}

/**
 * The experiment holding a config's trained run: the one stored for exactly this config (seed
 * included, found by configHash), else trained now (on `options.pool` when given) and saved. A
 * cancelled training is not saved: it could never be reused.
 */
export async function experimentForConfig(store: ExperimentStore, p: PreparedSplit, options: JobOptions = {}): Promise<{ id: number; reused: boolean }> {
  const found = store.findByConfig(p.config);
  if (found !== null) return { id: found, reused: true };
  const result = await train(p, options);
  if (result.status === 'cancelled') throw new DOMException('training was cancelled', 'AbortError');
  // Another process may have trained and stored this config meanwhile: then its run is the one kept.
  return store.saveRunOnce(metaOf(result), statusOf([result]), runToSave(result));
}

/**
 * A stored run's network at one of its three points. The optimum is the stored exact one, else
 * found now (best of restarts, aligned to the trained network).
 */
export async function paramsAt(run: StoredRun, at: MarkerName, keep?: { store: ExperimentStore; id: number }, options: JobOptions = {}): Promise<Float32Array> {
  if (at === 'init') return run.params.init;
  if (at === 'trained') return run.params.final;
  if (run.params.optimum) return run.params.optimum;
  const found = await optimum(preparedRun(run), { ...options, reference: run.params.final });
  if (keep) keepOptimum(keep.store, keep.id, run, found);
  return found.params;
}

/** Stores the optimum a surface, curve or view had to search for, so the next one does not. */
function keepOptimum(store: ExperimentStore, id: number, run: StoredRun, found: FoundOptimum | undefined): void {
  if (run.params.optimum || !found) return;
  store.setRunOptimum(id, run.index, found.params, { kind: found.kind, loss: found.loss, method: found.method });
}

/** A stored run's config over the data it stored. */
export function preparedRun(run: StoredRun): PreparedConfig {
  return prepareStored(run.config, run.data);
}

/** One stored run of an experiment, read alone. */
export function runOf(store: ExperimentStore, id: number, runIndex = 0): StoredRun {
  const summary = store.summary(id);
  const [run] = store.runs(id, runIndex);
  if (!run) throw new InputError(`run: experiment ${id} has no run ${runIndex} (it has ${summary.runs})`);
  return run;
}

export interface Reproduction {
  id: number;
  matches: boolean;
  runs: { index: number; label: string; matches: boolean; difference?: string }[];
  kernel: string;
  backend: string;
}

function firstDifference(name: string, a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `${name} has ${b.length} values now, ${a.length} stored`;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) return `${name}[${i}] is ${b[i]} now, ${a[i]} stored`;
  }
  return null;
}

/** Re-runs every run's config on the kernel it ran on and reports whether every number matches. */
export async function reproduce(store: ExperimentStore, id: number, options: JobOptions = {}): Promise<Reproduction> {
  const experiment = store.get(id);
  const stored = experiment.runList;
  if (stored.length === 0) throw new InputError(`experiment ${id}: has no finished runs to reproduce`);
  const kernel = stored[0].kernel;
  const backend = (kernel === 'js' ? 'auto' : stored[0].backend) as JobOptions['backend'];
  const configs = stored.map((r) => r.config);
  const work = stored.reduce((sum, r) => sum + trainingWork(r.config, preparedRun(r).arch), 0);
  const pool = kernel === 'gpu' ? undefined : poolFor(options, work, 0);
  const againOptions = { kernel, backend, signal: options.signal, onProgress: (p: Progress) => options.onProgress?.({ ...p, phase: 'reproducing' }) };
  const again = pool ? await pool.runConfigs(configs, againOptions) : await runConfigs(configs, againOptions);
  const runs = stored.map((s, k) => {
    const now = again[k];
    const difference =
      firstDifference('loss.steps', s.loss.steps, now.loss.steps) ??
      firstDifference('loss.values', s.loss.values, now.loss.values) ??
      firstDifference('params.init', s.params.init, now.params.init) ??
      firstDifference('params.final', s.params.final, now.params.final) ??
      firstDifference('snapshots', s.snapshots.params, now.snapshots.params) ??
      (now.backend !== s.backend ? `ran on ${now.kernel}/${now.backend} now, ${s.kernel}/${s.backend} stored` : null);
    return { index: s.index, label: s.label, matches: difference === null, ...(difference ? { difference } : {}) };
  });
  return { id, matches: runs.every((r) => r.matches), runs, kernel: again[0].kernel, backend: again[0].backend };
}

/**
 * A cost surface around one of an experiment's runs, from its stored trajectory; stored with it (and
 * the optimum, when it had to be searched for, with the run). Computed on `options.pool` when given.
 */
export async function experimentLandscape(
  store: ExperimentStore,
  id: number,
  req: LandscapeRequest,
  options: JobOptions & { runIndex?: number } = {},
): Promise<LandscapeResult & { surfaceId: number }> {
  const trained = runOf(store, id, options.runIndex ?? 0);
  const surface = await landscape(preparedRun(trained), trained, req, options);
  keepOptimum(store, id, trained, surface.optimum);
  const surfaceId = store.addSurface(id, trained.index, surface);
  return { ...surface, surfaceId };
}

/** An interpolation between two of an experiment's points; stored with it. */
export async function experimentInterpolation(
  store: ExperimentStore,
  id: number,
  req: InterpolationRequest,
  options: JobOptions & { runIndex?: number } = {},
): Promise<InterpolationResult> {
  const trained = runOf(store, id, options.runIndex ?? 0);
  const curve = await interpolation(preparedRun(trained), trained, req, options);
  keepOptimum(store, id, trained, curve.optimum);
  store.addInterpolation(id, trained.index, curve);
  return curve;
}

export interface HessianResult extends HessianAnalysis {
  at: MarkerName;
  layout: readonly string[];
  params: Float32Array;
}

/** The Hessian at one of a stored run's points (the optimum searched for and kept when needed). */
export async function experimentHessian(
  store: ExperimentStore,
  id: number,
  at: MarkerName,
  options: JobOptions & { runIndex?: number } = {},
): Promise<HessianResult> {
  if (!MARKERS.includes(at)) throw new InputError(`at: must be one of ${MARKERS.join(', ')} (got ${quoted(at)})`);
  const run = runOf(store, id, options.runIndex ?? 0);
  const { arch, data } = preparedRun(run);
  checkHessianSize(arch);
  const params = await paramsAt(run, at, { store, id }, options);
  const analysis = await hessianOf(arch, data, params, options);
  return { ...analysis, at, layout: parameterNames(arch.sizes), params };
}
