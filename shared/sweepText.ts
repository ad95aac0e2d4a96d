// A swept value as text: the short label the sweep view, run labels and the CLI use, and the brief
// form error messages quote. Apart from the sweep's types, so that shared/sweep.ts can use it.
import { truncate } from './printable.js';

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
export function formatSweepValue(v: unknown, exact = false): string {
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
export function briefSweepValue(v: unknown): string {
  const value = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.slice(0, BRIEF_ITEMS).map(value).join(',')}${x.length > BRIEF_ITEMS ? `,… ${x.length} values` : ''}]`;
    if (typeof x === 'object' && x !== null) return `{${Object.entries(x).map(([k, y]) => `${JSON.stringify(truncate(k))}:${value(y)}`).join(',')}}`;
    return JSON.stringify(typeof x === 'string' ? truncate(x) : x) ?? String(x);
  };
  return truncate(value(v), BRIEF_MAX);
}

/** A sweep cell's label: each swept field and its value (`optimizer=sgd lr=0.1 · optimizer.lr=3.162e-4`); empty without a grid. */
export function sweepCellLabel(values: Record<string, unknown>): string {
  return Object.entries(values).map(([k, v]) => `${k}=${formatSweepValue(v)}`).join(' · ');
}

/** A sweep run's label: its cell's, then the seed (`optimizer=sgd lr=0.1 · optimizer.lr=3.162e-4 · seed=1`). */
export function sweepRunLabel(values: Record<string, unknown>, seed: number): string {
  return [sweepCellLabel(values), `seed=${seed}`].filter(Boolean).join(' · ');
}

