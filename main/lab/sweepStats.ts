// A stored sweep's statistics per cell, over its seeds, from the runs as stored (so an unfinished
// sweep reports what it has so far).
import { InputError } from '../../shared/config.js';
import { expandSweep } from '../../shared/sweep.js';
import { quartiles, stepsToThreshold, type CellStats, type SweepStats } from '../../shared/sweepStats.js';
import type { RunOutcomeSummary } from '../engine/results.js';
import type { ExperimentStore } from '../store/experiments.js';

export type { CellStats, SweepStats };

/** The statistics of one cell's runs. */
export function cellStatistics(runs: readonly RunOutcomeSummary[], threshold: number): Omit<CellStats, 'index' | 'values'> {
  const finals = runs.flatMap((r) => (r.status !== 'diverged' && r.finalLoss !== null ? [r.finalLoss] : []));
  // Steps to the threshold of the runs that count as successes (ended below it): a run that only dipped
  // below and climbed back gave "0 % success, a median of 244 steps to threshold".
  const reached = runs.flatMap((r) => {
    if (r.status === 'diverged' || r.finalLoss === null || !(r.finalLoss < threshold)) return [];
    const step = 'reachedStep' in r ? r.reachedStep : stepsToThreshold(r.loss, threshold);
    return step === null ? [] : [step];
  });
  const { q1, median, q3 } = quartiles(finals);
  return {
    runs: runs.length,
    finalLoss: { median, q1, q3 },
    successRate: runs.length ? finals.filter((v) => v < threshold).length / runs.length : null,
    stepsToThreshold: { median: quartiles(reached).median },
    diverged: runs.filter((r) => r.status === 'diverged').length,
    runIndices: runs.map((r) => r.index),
  };
}

/** Per-cell statistics of a stored sweep. */
export function sweepStatistics(store: ExperimentStore, experimentId: number): SweepStats {
  store.summary(experimentId); // an unknown id fails here, naming the database
  const stored = store.sweepSpec(experimentId);
  if (stored === null) throw new InputError(`experiment ${experimentId}: is not a sweep; statistics are per sweep cell`);
  const { spec, cells } = expandSweep(stored);
  const byCell = new Map<number, RunOutcomeSummary[]>();
  for (const run of store.runOutcomes(experimentId)) {
    if (run.cell === null) continue;
    const list = byCell.get(run.cell);
    if (list) list.push(run);
    else byCell.set(run.cell, [run]);
  }
  return {
    spec,
    threshold: spec.threshold,
    fields: Object.keys(spec.grid),
    cells: cells.map((cell) => ({ index: cell.index, values: cell.values, ...cellStatistics(byCell.get(cell.index) ?? [], spec.threshold) })),
  };
}

/**
 * sweepStatistics, kept per store and sweep until the sweep changes (its uid, update time or run count):
 * the app asks again each time a sweep is opened, and reading a sweep of thousands of runs takes main's
 * thread about 0.1 s (several times that for runs stored before reached_step, read from their curves).
 */
const kept = new WeakMap<ExperimentStore, Map<number, { key: string; stats: SweepStats }>>();
const KEPT_PER_STORE = 16;

export function cachedSweepStatistics(store: ExperimentStore, experimentId: number): SweepStats {
  const summary = store.summary(experimentId);
  const key = `${summary.uid}|${summary.updatedAt}|${summary.runs}`;
  let byId = kept.get(store);
  if (!byId) kept.set(store, (byId = new Map()));
  const hit = byId.get(experimentId);
  if (hit?.key === key) return hit.stats;
  const stats = sweepStatistics(store, experimentId);
  byId.delete(experimentId);
  if (byId.size >= KEPT_PER_STORE) byId.delete(byId.keys().next().value!);
  byId.set(experimentId, { key, stats });
  return stats;
}
