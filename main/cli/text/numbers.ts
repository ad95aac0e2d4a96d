// Numbers and tables as the command line prints them for people.
import { maxOf } from '../../../shared/numbers.js';

export function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return String(v ?? '—');
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? Number(v.toPrecision(digits)).toString() : v.toExponential(digits - 2);
}

/** A count as people read it: 526,799. */
export const thousands = (n: number) => n.toLocaleString('en-US');

/** Lines of one listing a terminal shows; --json has them all. */
export const SHOWN_LINES = 50;

/**
 * The first lines of a listing of `count` items, made only for the items shown, then one line saying
 * how many more there are: a terminal gets a summary (a network's 7 million parameters are not
 * text anyone reads), and --json the whole.
 */
export function shownLines(count: number, line: (i: number) => string, what: string, max = SHOWN_LINES): string[] {
  const shown = Math.min(count, max);
  const lines = Array.from({ length: shown }, (_, i) => line(i));
  if (count > shown) lines.push(`… and ${thousands(count - shown)} more ${what} (--json lists all ${thousands(count)})`);
  return lines;
}

/** Items named in one line: at most `max`, then how many more. */
export function shownItems(items: readonly string[], max = 20): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} and ${thousands(items.length - max)} more` : items.join(', ');
}

/** Columns as wide as their widest cell. */
export function table(header: string[], rows: string[][], rightAligned: (column: number) => boolean): string {
  const widths = header.map((h, c) => Math.max(h.length, maxOf(rows.map((r) => r[c].length))));
  const line = (cells: string[]) => cells.map((v, c) => (rightAligned(c) ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A one-line progress bar for a terminal, rewritten in place. */
export function progressLine(phase: string, step: number, steps: number, elapsedMs: number, bestLoss: number | null, width = 28): string {
  const f = steps > 0 ? step / steps : 1;
  const fill = Math.round(f * width);
  const eta = f > 0 ? ((elapsedMs / f) * (1 - f)) / 1000 : NaN;
  const loss = bestLoss !== null ? ` loss ${num(bestLoss, 3)}` : '';
  return `${phase.padEnd(8)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(f * 100).toFixed(0).padStart(3)}% ${step}/${steps}${loss}${Number.isFinite(eta) ? ` ETA ${eta.toFixed(1)} s` : ''}`;
}
