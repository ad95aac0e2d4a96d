// Statistics of a sweep per cell, over its seeds: the shape main computes from the stored runs and
// the renderer charts. Also the pure pieces both sides need: quartiles, a field's value in a cell,
// and a short label for a swept value.
import { maxOf } from './numbers.js';
import { truncate } from './printable.js';
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
  /** The runs' indices in the experiment, to open them. */
  runIndices: number[];
}

export interface SweepStats {
  spec: SweepSpec;
  threshold: number;
  /** The swept config paths, in grid order. */
  fields: string[];
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

/**
 * A swept number as people read it: four significant digits, exponent form below 10⁻³ and from 10⁵
 * (0.01, 3.162e-4, 1e5).
 */
export function sweepNumber(v: number): string {
  const a = Math.abs(v);
  if (!Number.isFinite(v) || a === 0) return String(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(3).replace(/\.?0+e/, 'e').replace('e+', 'e') : String(Number(v.toPrecision(4)));
}

/**
 * A swept value as a short label, the one the sweep view, its run labels and the CLI all use: `0.01`,
 * `3.162e-4`, `[4, 4]`, `sgd lr=0.1` for an optimizer object (never JSON). `exact` keeps every digit
 * of a number (for a tooltip).
 */
export function formatSweepValue(v: SweepValue | undefined, exact = false): string {
  if (v === undefined) return '—';
  const value = (x: unknown): string =>
    typeof x === 'number' ? (exact ? String(x) : sweepNumber(x)) : Array.isArray(x) ? `[${x.map(value).join(', ')}]` : typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x);
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const { kind, ...rest } = v as Record<string, unknown>;
    const fields = Object.entries(rest).map(([k, x]) => `${k}=${value(x)}`);
    return [typeof kind === 'string' ? kind : '', ...fields].filter(Boolean).join(' ');
  }
  return value(v);
}

/** Items of a list a brief value shows before it says how many there are. */
const BRIEF_ITEMS = 4;
/** Longest brief value: a grid's object values (a target of several lists) stay one short phrase. */
const BRIEF_MAX = 200;

/**
 * A swept value as a message quotes it: its JSON, but a list longer than a few items shows its first
 * ones and its length (`[0.1,0.2,0.3,0.4,… 200 values]`), at any depth, and the whole is cut at
 * BRIEF_MAX characters — a cell of 200-point lists must not make an 8 KB error line.
 */
export function briefSweepValue(v: SweepValue): string {
  const value = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.slice(0, BRIEF_ITEMS).map(value).join(',')}${x.length > BRIEF_ITEMS ? `,… ${x.length} values` : ''}]`;
    if (typeof x === 'object' && x !== null) return `{${Object.entries(x).map(([k, y]) => `${JSON.stringify(truncate(k))}:${value(y)}`).join(',')}}`;
    return JSON.stringify(typeof x === 'string' ? truncate(x) : x) ?? String(x);
  };
  return truncate(value(v), BRIEF_MAX);
}

/** A sweep run's label: each swept field and its value, then the seed (`optimizer=sgd lr=0.1 · optimizer.lr=3.162e-4 · seed=1`). */
export function sweepRunLabel(values: Record<string, SweepValue>, seed: number): string {
  return [...Object.entries(values).map(([k, v]) => `${k}=${formatSweepValue(v)}`), `seed=${seed}`].join(' · ');
}

