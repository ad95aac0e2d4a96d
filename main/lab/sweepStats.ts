// A stored sweep's statistics per cell, over its seeds, from the runs as stored (so an unfinished
// sweep reports what it has so far).
import { InputError } from '../../shared/config.js';
import { minOf } from '../../shared/numbers.js';
import { sweepCells } from '../../shared/sweep.js';
import { quantile, quartiles, STATS_PAGE, stepsToThreshold, type CellStats, type SweepStats } from '../../shared/sweepStats.js';
import type { RunOutcomeSummary } from '../engine/results.js';
import type { CellRecord } from '../store/cellStats.js';
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
    firstRun: runs.length ? minOf(runs.map((r) => r.index)) : null,
  };
}

/** A cell's statistics from its row as stored with its runs (what cellStatistics gives over them). */
export function cellFromRecord(r: CellRecord | undefined): Omit<CellStats, 'index' | 'values'> {
  if (!r) return { runs: 0, finalLoss: { median: null, q1: null, q3: null }, successRate: null, stepsToThreshold: { median: null }, diverged: 0, firstRun: null };
  return {
    runs: r.runs,
    finalLoss: { median: quantile(r.finalLosses, 0.5), q1: quantile(r.finalLosses, 0.25), q3: quantile(r.finalLosses, 0.75) },
    successRate: r.runs ? r.successes / r.runs : null,
    stepsToThreshold: { median: quantile(r.reachedSteps, 0.5) },
    diverged: r.diverged,
    firstRun: r.runIndices[0] ?? null,
  };
}

/** Which cells to read: `limit` of them from `offset`. */
export interface CellSlice {
  offset: number;
  limit: number;
}

/**
 * Per-cell statistics of a stored sweep, from one stored row per cell (none per run): of the cells in
 * `slice`, else of every cell. Only those cells' rows are read.
 */
export function sweepStatistics(store: ExperimentStore, experimentId: number, slice?: CellSlice): SweepStats {
  store.summary(experimentId); // an unknown id fails here, naming the database
  const stored = store.sweepSpec(experimentId);
  if (stored === null) throw new InputError(`experiment ${experimentId}: is not a sweep; statistics are per sweep cell`);
  // Checked whole when it was stored; only the cells' values are needed, not their configs.
  const { spec, cells } = sweepCells(stored);
  if (slice && slice.offset > 0 && slice.offset >= cells.length) throw new InputError(`offset: must be below ${cells.length}, the cells of sweep ${experimentId} (got ${slice.offset})`);
  const from = slice?.offset ?? 0;
  const to = slice ? Math.min(cells.length, from + slice.limit) : cells.length;
  const records = new Map(store.cellRecords(experimentId, { from, to }).map((r) => [r.cell, r]));
  return {
    spec,
    threshold: spec.threshold,
    fields: Object.keys(spec.grid),
    total: cells.length,
    offset: from,
    storedRuns: store.cellRuns(experimentId),
    cells: Array.from({ length: to - from }, (_, k) => ({ index: from + k, values: cells.valuesAt(from + k), ...cellFromRecord(records.get(from + k)) })),
  };
}

/** sweepStatistics computed from the runs themselves (each run's outcome), as a check of the stored rows. */
export function sweepStatisticsFromRuns(store: ExperimentStore, experimentId: number): SweepStats {
  const stats = sweepStatistics(store, experimentId);
  const byCell = new Map<number, RunOutcomeSummary[]>();
  for (const run of store.runOutcomes(experimentId)) {
    if (run.cell === null) continue;
    const list = byCell.get(run.cell);
    if (list) list.push(run);
    else byCell.set(run.cell, [run]);
  }
  return { ...stats, cells: stats.cells.map((c) => ({ index: c.index, values: c.values, ...cellStatistics(byCell.get(c.index) ?? [], stats.threshold) })) };
}

/**
 * sweepStatistics of a slice, kept per store and sweep until the sweep changes (its uid, update time or
 * run count): the app asks again each time a sweep is opened.
 */
const kept = new WeakMap<ExperimentStore, Map<number, { key: string; stats: SweepStats }>>();
const KEPT_PER_STORE = 16;

export function cachedSweepStatistics(store: ExperimentStore, experimentId: number, slice: CellSlice = { offset: 0, limit: STATS_PAGE }): SweepStats {
  const summary = store.summary(experimentId);
  const key = `${summary.uid}|${summary.updatedAt}|${summary.runs}|${slice.offset}|${slice.limit}`;
  let byId = kept.get(store);
  if (!byId) kept.set(store, (byId = new Map()));
  const hit = byId.get(experimentId);
  if (hit?.key === key) return hit.stats;
  const stats = sweepStatistics(store, experimentId, slice);
  byId.delete(experimentId);
  if (byId.size >= KEPT_PER_STORE) byId.delete(byId.keys().next().value!);
  byId.set(experimentId, { key, stats });
  return stats;
}
