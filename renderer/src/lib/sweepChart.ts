// A sweep's statistics as charts draw them: the fields a chart can use (swept paths, and width / depth
// of a swept model.hidden), the cells along one field with one series per value of another and the
// rest held fixed, the preset a sweep came from, CSV rows. Pure, so the tests run it under Node.
import { finiteExtent } from '../../../shared/numbers.js';
import { PRESETS, type Preset, type PresetMetric } from '../../../shared/presets.js';
import type { SweepValue } from '../../../shared/sweep.js';
import { fieldValue, formatSweepValue, type CellStats, type SweepStats } from '../../../shared/sweepStats.js';

export type SweepMetric = PresetMetric | 'diverged';

export const METRICS: { id: SweepMetric; label: string; axis: string }[] = [
  { id: 'finalLoss', label: 'Final loss (median, IQR band)', axis: 'final loss' },
  { id: 'successRate', label: 'Success rate', axis: 'success rate (%)' },
  { id: 'stepsToThreshold', label: 'Steps to threshold (median)', axis: 'steps to threshold' },
  { id: 'diverged', label: 'Divergences', axis: 'diverged runs' },
];

/** A field a chart can put on an axis, with its distinct values (ascending when numeric). */
export interface SweepDimension {
  field: string;
  values: SweepValue[];
  labels: string[];
  numeric: boolean;
}

const keyOf = (v: SweepValue | undefined) => JSON.stringify(v ?? null);

/** A cell's value of `field` as a key that compares equal for equal values. */
export function cellKey(cell: CellStats, field: string): string {
  return keyOf(fieldValue(cell.values, field));
}

/** A swept value as a label: the sweep's one formatter (shared/sweepStats.ts), as the run labels and the CLI write it. */
export function valueLabel(v: SweepValue | undefined): string {
  return formatSweepValue(v);
}

/** Distinct values of a field over the cells; optimizer objects are labelled by kind where that tells them apart. */
export function dimension(cells: readonly CellStats[], field: string): SweepDimension {
  const seen = new Map<string, SweepValue>();
  for (const cell of cells) {
    const v = fieldValue(cell.values, field);
    if (v !== undefined && !seen.has(keyOf(v))) seen.set(keyOf(v), v);
  }
  let values = [...seen.values()];
  const numeric = values.length > 0 && values.every((v) => typeof v === 'number');
  if (numeric) values = [...values].sort((a, b) => (a as number) - (b as number));
  const kinds = values.map((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { kind?: unknown }).kind : undefined));
  const byKind = kinds.every((k) => typeof k === 'string') && new Set(kinds).size === values.length;
  return { field, values, labels: values.map((v, i) => (byKind ? String(kinds[i]) : valueLabel(v))), numeric };
}

/**
 * The fields a chart can use: each swept path, except that a swept list of layer widths becomes
 * `path:width` and `path:depth` (those that vary) when the two together tell its values apart.
 */
export function sweepDimensions(stats: SweepStats): SweepDimension[] {
  return stats.fields.flatMap((path) => {
    const raw = dimension(stats.cells, path);
    if (raw.values.length < 2 || !raw.values.every((v) => Array.isArray(v) && v.length > 0)) return [raw];
    const parts = [dimension(stats.cells, `${path}:width`), dimension(stats.cells, `${path}:depth`)].filter((d) => d.values.length > 1);
    const shapes = new Set(raw.values.map((v) => `${fieldValue({ [path]: v }, `${path}:width`)}×${fieldValue({ [path]: v }, `${path}:depth`)}`));
    return shapes.size === raw.values.length && parts.length > 0 ? parts : [raw];
  });
}

/** The preset a sweep was started from: by its spec's name, or by the experiment's name. */
export function presetOf(experimentName: string, specName: string | undefined): Preset | undefined {
  return PRESETS.find((p) => p.kind === 'sweep' && (p.sweep?.name === specName || p.sweep?.name === experimentName || p.title === experimentName));
}

export interface SweepDefaults {
  x: string;
  series: string | null;
  metric: SweepMetric;
  heatmap: [string, string] | null;
}

/** What to chart first: the preset's choice where its fields are there, else the first numeric swept field, one line per optimizer field. */
export function sweepDefaults(dims: readonly SweepDimension[], preset: Preset | undefined): SweepDefaults {
  const fields = dims.map((d) => d.field);
  const varying = dims.filter((d) => d.values.length > 1).map((d) => d.field);
  const chart = preset?.chart;
  // Without a preset, a numeric field makes the better x axis (lines over lr rather than over optimizer kinds).
  const x = chart && fields.includes(chart.x) ? chart.x : (dims.find((d) => d.values.length > 1 && d.numeric)?.field ?? varying[0] ?? fields[0]);
  const others = varying.filter((f) => f !== x);
  const series = chart && fields.includes(chart.x) ? (chart.series && others.includes(chart.series) ? chart.series : null) : (others.find((f) => f.startsWith('optimizer')) ?? null);
  const pair = chart?.heatmap;
  let heatmap: [string, string] | null = null;
  if (pair && pair[0] !== pair[1] && varying.includes(pair[0]) && varying.includes(pair[1])) heatmap = [pair[0], pair[1]];
  else if (varying.length >= 2) {
    const first = varying.includes(x) ? x : varying[0];
    heatmap = [first, series && series !== first ? series : (varying.find((f) => f !== first) as string)];
  }
  return { x, series, metric: chart?.metric ?? 'finalLoss', heatmap };
}

/** The cells whose value of every field in `fixed` is the one given (as a cellKey). */
export function fixCells(cells: readonly CellStats[], fixed: Readonly<Record<string, string>>): CellStats[] {
  return cells.filter((cell) => Object.entries(fixed).every(([field, key]) => cellKey(cell, field) === key));
}

export interface ChartSeries {
  label: string;
  /** The cell at each x value, or null where the sweep has none. */
  cells: (CellStats | null)[];
}

export interface SweepChartData {
  x: SweepDimension;
  /** The field one line is drawn per value of, if any. */
  seriesBy: SweepDimension | null;
  series: ChartSeries[];
  /** Cells that fell on a point another cell already holds (a field left unfixed): not drawn. */
  hidden: number;
}

/** One series per value of `seriesField` (one series without it), each with its cell at every x value. */
export function chartData(cells: readonly CellStats[], xField: string, seriesField: string | null): SweepChartData {
  const x = dimension(cells, xField);
  const xIndex = new Map(x.values.map((v, i) => [keyOf(v), i]));
  const groups = seriesField ? dimension(cells, seriesField) : null;
  const series: ChartSeries[] = (groups ? groups.labels : ['']).map((label) => ({ label, cells: x.values.map(() => null) }));
  const seriesIndex = new Map(groups?.values.map((v, i) => [keyOf(v), i]));
  let hidden = 0;
  for (const cell of cells) {
    const i = xIndex.get(cellKey(cell, xField));
    const s = seriesField ? seriesIndex.get(cellKey(cell, seriesField)) : 0;
    if (i === undefined || s === undefined) continue;
    if (series[s].cells[i]) hidden++;
    else series[s].cells[i] = cell;
  }
  return { x, seriesBy: groups, series, hidden };
}

/** A metric of a cell: its value and, for the final loss, the interquartile range. */
export function metricOf(cell: CellStats | null, metric: SweepMetric): { value: number | null; q1: number | null; q3: number | null } {
  if (!cell || cell.runs === 0) return { value: null, q1: null, q3: null };
  switch (metric) {
    case 'finalLoss':
      return { value: cell.finalLoss.median, q1: cell.finalLoss.q1, q3: cell.finalLoss.q3 };
    case 'successRate':
      return { value: cell.successRate === null ? null : cell.successRate * 100, q1: null, q3: null };
    case 'stepsToThreshold':
      return { value: cell.stepsToThreshold.median, q1: null, q3: null };
    case 'diverged':
      return { value: cell.diverged, q1: null, q3: null };
  }
}

/** A series' name in a legend: numbers say which field they are a value of (`model.hidden:depth = 2`). */
export function seriesName(data: SweepChartData, s: number, fallback: string): string {
  const by = data.seriesBy;
  if (!by) return fallback;
  return by.numeric ? `${by.field} = ${data.series[s].label}` : data.series[s].label;
}

/** The run a cell opens: its first stored one. */
export function firstRun(cell: CellStats): number | null {
  return cell.firstRun;
}

function csvCell(v: string | number | null): string {
  const s = v === null || (typeof v === 'number' && !Number.isFinite(v)) ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The chart's points as CSV (RFC 4180): one row per drawn cell, its x and series values, then the metric. */
export function chartCsv(data: SweepChartData, seriesField: string | null, metric: SweepMetric): string {
  const valueColumns = metric === 'finalLoss' ? ['final loss median', 'final loss q1', 'final loss q3'] : [METRICS.find((m) => m.id === metric)?.axis ?? metric];
  const header = [data.x.field, ...(seriesField ? [seriesField] : []), ...valueColumns, 'runs'];
  const rows = data.series.flatMap((s) =>
    s.cells.flatMap((cell, i) => {
      if (!cell) return [];
      const m = metricOf(cell, metric);
      const x = data.x.numeric ? (data.x.values[i] as number) : data.x.labels[i];
      return [[x, ...(seriesField ? [s.label] : []), m.value, ...(metric === 'finalLoss' ? [m.q1, m.q3] : []), cell.runs]];
    }),
  );
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/** Whether three or more positive numbers grow by one ratio (a log-spaced axis such as lr 1e-4 … 1), so a log axis shows them evenly. */
export function logSpaced(values: readonly number[]): boolean {
  if (values.length < 3 || !values.every((v) => Number.isFinite(v) && v > 0)) return false;
  const sorted = [...values].sort((a, b) => a - b);
  const ratio = sorted[1] / sorted[0];
  return ratio > 1 + 1e-9 && sorted.every((v, i) => i === 0 || Math.abs(v / sorted[i - 1] / ratio - 1) < 1e-6);
}

/** Whether positive numbers spread over more than a decade, so a log axis shows them best. */
export function spansDecades(values: readonly number[]): boolean {
  const finite = values.filter(Number.isFinite);
  const extent = finiteExtent(finite);
  return finite.length > 1 && finite.every((v) => v > 0) && extent !== null && extent.hi / extent.lo > 10;
}
