// What the sweep commands print for people: a sweep's outcome and its cells' statistics.
import { formatSweepValue, type SweepStats } from '../../../shared/sweepStats.js';
import type { SweepOutcome } from '../../lab/lab.js';
import { num, SHOWN_LINES, table, thousands } from './numbers.js';

export function sweepText(s: SweepOutcome): string {
  return `sweep stored as experiment ${s.experimentId}: ${s.status}, ${s.runsDone} of ${s.runsTotal} runs (${s.runsNew} trained now)`;
}

/** Per cell: swept values, median final loss and its interquartile range, success rate, steps to the threshold, divergences. */
export function sweepStatsText(s: SweepStats): string {
  const header = [...s.fields, 'runs', 'median loss', 'IQR (q1–q3)', 'success', 'steps to thr.', 'diverged'];
  // A grid of up to 4 × SHOWN_LINES cells reads as one table; past that, its first cells and a count.
  const shown = s.cells.length > 4 * SHOWN_LINES ? s.cells.slice(0, SHOWN_LINES) : s.cells;
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
  const more = s.cells.length > shown.length ? [`… and ${thousands(s.cells.length - shown.length)} more cells (--json lists all ${thousands(s.cells.length)})`] : [];
  return [`threshold ${num(s.threshold)}: success = final loss below it; steps = first recorded step below it (median over the runs that got there)`, table(header, rows, (c) => c >= fields), ...more].join('\n');
}
