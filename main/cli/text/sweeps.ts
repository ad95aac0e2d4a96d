// What the sweep commands print for people: a sweep's outcome and its cells' statistics.
import { formatSweepValue, type SweepStats } from '../../../shared/sweepStats.js';
import type { SweepOutcome } from '../../lab/lab.js';
import { num, SHOWN_LINES, table, thousands } from './numbers.js';

export function sweepText(s: SweepOutcome): string {
  return `sweep stored as experiment ${s.experimentId}: ${s.status}, ${s.runsDone} of ${s.runsTotal} runs (${s.runsNew} trained now)`;
}

/** The cells sweepStatsText needs read: a grid of up to this many reads as one table; past that, its first SHOWN_LINES and a count. */
export const STATS_TEXT_CELLS = 4 * SHOWN_LINES;

/**
 * Per cell: swept values, median final loss and its interquartile range, success rate, steps to the
 * threshold, divergences; of statistics read from cell 0, at least STATS_TEXT_CELLS of them (or all).
 */
export function sweepStatsText(s: SweepStats): string {
  const header = [...s.fields, 'runs', 'median loss', 'IQR (q1–q3)', 'success', 'steps to thr.', 'diverged'];
  const shown = s.total > STATS_TEXT_CELLS ? s.cells.slice(0, SHOWN_LINES) : s.cells;
  const rows = shown.map((c) => [
    ...s.fields.map((f) => formatSweepValue(c.values[f])),
    String(c.runs),
    num(c.finalLoss.median, 3),
    c.finalLoss.q1 === null || c.finalLoss.q3 === null ? '—' : `${num(c.finalLoss.q1, 3)}–${num(c.finalLoss.q3, 3)}`,
    c.successRate === null ? '—' : `${Math.round(c.successRate * 100)}%`,
    num(c.stepsToThreshold.median),
    String(c.diverged),
  ]);
  const fields = s.fields.length;
  const more = s.total > shown.length ? [`… and ${thousands(s.total - shown.length)} more cells (--json lists all ${thousands(s.total)})`] : [];
  return [`threshold ${num(s.threshold)}: success = final loss below it; steps = first recorded step below it (median over the runs that got there)`, table(header, rows, (c) => c >= fields), ...more].join('\n');
}
