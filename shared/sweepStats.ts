// Statistics of a sweep per cell, over its seeds: the shape main computes from the stored runs and
// the renderer charts. Also the pure pieces both sides need: quartiles, a field's value in a cell,
// and a short label for a swept value.
import { maxOf } from './numbers.js';
import type { SweepSpec, SweepValue } from './sweep.js';

export interface CellStats {
  index: number;
  values: Record<string, SweepValue>;
  /** Stored runs of the cell (fewer than the spec's seeds while a sweep is unfinished). */
  runs: number;
  /** Over the runs that did not diverge; null when none did. */
  finalLoss: { median: number | null; q1: number | null; q3: number | null };
  /** Share of the stored runs whose final loss is below the threshold; null when none is stored yet. */
  successRate: number | null;
  /** First recorded step with a full-data loss below the threshold, median over the runs that got there. */
  stepsToThreshold: { median: number | null };
  diverged: number;
  /** The cell's first stored run (its index in the experiment), to open it; null when none is stored. */
  firstRun: number | null;
}

/** The most cells one answer of statistics holds: the app pages a bigger sweep's (its table, its chart). */
export const STATS_PAGE = 1000;

export interface SweepStats {
  spec: SweepSpec;
  threshold: number;
  /** The swept config paths, in grid order. */
  fields: string[];
  /** The sweep's cells, all of them (`cells` may be a page of them). */
  total: number;
  /** The first cell's index: `cells` are cells offset … offset + cells.length − 1. */
  offset: number;
  /** Runs stored in the sweep's cells, all of them (read from their rows' counts, not per cell sent). */
  storedRuns: number;
  cells: CellStats[];
}

/** First recorded step whose full-data loss is below `threshold`, or null. */
export function stepsToThreshold(loss: { steps: ArrayLike<number>; values: ArrayLike<number> }, threshold: number): number | null {
  for (let k = 0; k < loss.values.length; k++) if (loss.values[k] < threshold) return loss.steps[k];
  return null;
}

/**
 * The p-quantile of ascending `sorted` values by linear interpolation between the closest ranks:
 * position h = (n − 1)·p, t = h − ⌊h⌋, a = x[⌊h⌋], b = x[⌊h⌋+1] — numpy's default ('linear'), bit
 * for bit: a + (b − a)·t, or b − (b − a)·(1 − t) from t = 0.5 on, as numpy rounds it.
 */
export function quantile(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const [a, b] = [sorted[lo], sorted[Math.min(lo + 1, n - 1)]];
  const t = h - lo;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

export function quartiles(values: readonly number[]): { q1: number | null; median: number | null; q3: number | null } {
  const sorted = [...values].sort((a, b) => a - b);
  return { q1: quantile(sorted, 0.25), median: quantile(sorted, 0.5), q3: quantile(sorted, 0.75) };
}

/**
 * A chart field's value in a cell: a swept config path, or `model.hidden:width` / `model.hidden:depth`
 * for the units per layer (the widest layer) and the number of hidden layers of a swept model.hidden.
 */
export function fieldValue(values: Record<string, SweepValue>, field: string): SweepValue | undefined {
  const [path, part] = field.split(':');
  const v = values[path];
  if (part === undefined) return v;
  if (!Array.isArray(v)) return undefined;
  if (part === 'width') return maxOf(v);
  if (part === 'depth') return v.length;
  return undefined;
}

export { briefSweepValue, formatSweepValue, sweepCellLabel, sweepNumber, sweepRunLabel } from './sweepText.js';
