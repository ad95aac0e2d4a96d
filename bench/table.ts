// Formatting for the benchmark's tables: numbers, ratios against PyTorch, and the verdict per target.

export const fmt = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);

/** ours / theirs for rates (higher is better); "—" when either is missing. */
export const ratio = (ours: number | null | undefined, theirs: number | null | undefined): number | null =>
  ours && theirs ? ours / theirs : null;

export const times = (r: number | null): string => (r === null ? '—' : `${r >= 100 ? Math.round(r) : r.toFixed(2)}×`);

/** A row of the summary: one workload, both sides in the same unit, and the ratio it must reach. */
export interface SummaryRow {
  work: string;
  unit: string;
  ours: number | null;
  torch: number | null;
  /** true: a time (lower is better), so the ratio is torch / ours. */
  lowerIsBetter?: boolean;
  target: number;
}

export function summaryCells(r: SummaryRow): string[] {
  const x = r.lowerIsBetter ? ratio(r.torch, r.ours) : ratio(r.ours, r.torch);
  const verdict = x === null ? '—' : x >= r.target ? 'PASS' : 'MISS';
  return [r.work, `${fmt(r.ours)} ${r.unit}`, r.torch === null ? '—' : `${fmt(r.torch)} ${r.unit}`, times(x), `≥ ${r.target}×`, verdict];
}

/** Left-aligns the first `textColumns` columns, right-aligns the rest. */
export function printTable(header: string[], rows: string[][], textColumns = 3): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
