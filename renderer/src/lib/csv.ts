// Columns of numbers for the charts: aligned onto one grid, and written as CSV (RFC 4180).

/** RFC 4180 quoting; a semicolon or tab is quoted too, so a reader that sniffs the separator (the lab's own, spreadsheets) still finds the comma. */
function quote(cell: string): string {
  return /[",;\t\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function cell(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? '' : String(value);
}

/** One row per index; null, NaN and the missing tail of a shorter column are empty cells. */
export function toCsv(header: string[], columns: ArrayLike<number | null>[]): string {
  const rows = Math.max(0, ...columns.map((c) => c.length));
  const lines = [header.map(quote).join(',')];
  for (let i = 0; i < rows; i++) lines.push(columns.map((c) => cell(i < c.length ? c[i] : null)).join(','));
  return lines.join('\n') + '\n';
}

/**
 * Series sampled on different ascending grids, as columns on the union of the grids: the grid first,
 * then one column per series with null where that series has no point. A k-way merge, so a chart fed
 * a growing series every few steps stays linear in its length.
 */
export function alignOnUnion(series: { x: ArrayLike<number>; y: ArrayLike<number> }[]): [number[], ...(number | null)[][]] {
  const grid: number[] = [];
  const columns: (number | null)[][] = series.map(() => []);
  const next = series.map(() => 0);
  for (;;) {
    let x = Infinity;
    // `<` rather than Math.min: a NaN on a grid is never picked, so the loop still ends.
    for (let s = 0; s < series.length; s++) if (next[s] < series[s].x.length && series[s].x[next[s]] < x) x = series[s].x[next[s]];
    if (x === Infinity) break;
    grid.push(x);
    for (let s = 0; s < series.length; s++) {
      const { x: xs, y: ys } = series[s];
      if (next[s] < xs.length && xs[next[s]] === x) {
        columns[s].push(ys[next[s]]);
        next[s]++;
      } else columns[s].push(null);
    }
  }
  return [grid, ...columns];
}
