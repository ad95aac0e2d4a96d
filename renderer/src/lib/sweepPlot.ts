// The uPlot chart of a sweep metric against a swept field: the median of each series as a line with
// points, the interquartile range as a translucent band beneath it.
import uPlot from 'uplot';
import { maxOf, minOf } from '../../../shared/numbers.js';
import { logSpaced, metricOf, seriesName, spansDecades, type SweepChartData, type SweepMetric } from './sweepChart';
import type { LegendItem } from './chartPng';
import { formatTick, formatValue } from './format';
import { readTheme, seriesColor } from './theme';
import { decades, UplotChart } from './uplotChart';

export interface SweepPlotSpec {
  title?: string;
  xLabel: string;
  yLabel: string;
  metric: SweepMetric;
}

/** At most `count` of the values, evenly picked, the first and last kept. */
function thinned(values: number[], count: number): number[] {
  if (values.length <= count) return values;
  const step = (values.length - 1) / (count - 1);
  return Array.from({ length: count }, (_, i) => values[Math.round(i * step)]);
}

/**
 * A metric against a swept field, one line per series: the median as a line with points, the IQR as a
 * translucent band (drawn under the lines by a hook); categorical x values get points and whiskers.
 */
export class SweepPlot extends UplotChart {
  private spec: SweepPlotSpec | null = null;
  private data: SweepChartData | null = null;

  constructor(host: HTMLElement, height = 300) {
    super(host, height, 240);
  }

  update(spec: SweepPlotSpec, data: SweepChartData): void {
    this.spec = spec;
    this.data = data;
    this.build();
  }

  protected legend(): LegendItem[] | null {
    const { spec, data } = this;
    return spec && data && data.series.map((_s, i) => ({ label: seriesName(data, i, spec.yLabel), color: seriesColor(i) }));
  }

  protected build(): void {
    this.plot?.destroy();
    this.plot = null;
    const { spec, data } = this;
    if (!spec || !data) return;
    const shape = shapeOf(spec, data);
    const { metrics, xs, categorical, usable } = shape;
    const columns: uPlot.AlignedData = [xs, ...metrics.map((m) => m.map((p) => (usable(p.value) ? p.value : null)))];
    const extent = metrics.flat().flatMap((p) => [p.value, p.q1, p.q3]).filter(usable);
    const yRange: uPlot.Range.Function = (_u, min, max) => {
      const lo = Math.min(min, minOf(extent));
      const hi = Math.max(max, maxOf(extent));
      if (spec.metric === 'successRate') return [0, 100];
      if (shape.yLog) return uPlot.rangeLog(lo, hi, 10, true);
      const [a, b] = uPlot.rangeNum(Math.min(0, lo), hi > lo ? hi : lo + 1, 0.1, true);
      return [a ?? 0, b ?? 1];
    };
    this.host.dataset.xScale = categorical ? 'category' : shape.xLog ? 'log' : 'linear';
    const readout = (s: number) => (_u: uPlot, _v: number | null, _sidx: number, idx: number | null) => {
      const p = idx === null ? null : metrics[s][idx];
      if (!p || p.value === null) return '—';
      const value = spec.metric === 'successRate' ? `${formatValue(p.value)}%` : formatValue(p.value);
      return p.q1 !== null && p.q3 !== null ? `${value} (IQR ${formatValue(p.q1)}–${formatValue(p.q3)})` : value;
    };
    this.plot = new uPlot(
      {
        width: this.width(),
        height: this.height,
        title: spec.title,
        scales: {
          // A log x axis spans the swept values (a little padded), not the decades around them.
          x: categorical ? { time: false, range: [-0.5, xs.length - 0.5] } : shape.xLog ? { time: false, distr: 3, log: 10, range: (_u, min, max) => [min / 1.2, max * 1.2] } : { time: false },
          y: shape.yLog ? { distr: 3, log: 10, range: yRange } : { range: yRange },
        },
        axes: this.axes(spec, data, shape),
        series: [
          { label: data.x.field, value: (_u, v, _s, idx) => (categorical ? (idx === null ? '—' : data.x.labels[idx]) : formatValue(v)) },
          ...data.series.map((_s, i) => ({
            label: seriesName(data, i, spec.yLabel),
            stroke: seriesColor(i),
            width: 2,
            spanGaps: false,
            points: { show: true, size: categorical ? 9 : 6, fill: seriesColor(i) },
            ...(categorical ? { paths: () => null } : {}),
            value: readout(i),
          })),
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
        hooks: { drawAxes: [(u: uPlot) => drawBands(u, shape)] },
      },
      columns,
      this.host,
    );
  }

  /** The x axis (categories, the swept values, or round or decade ticks) and the y axis, in the page's colours. */
  private axes(spec: SweepPlotSpec, data: SweepChartData, shape: Shape): uPlot.Axis[] {
    const theme = readTheme(this.host);
    const axis = (label: string): uPlot.Axis => ({ label, stroke: theme.fg, grid: { stroke: theme.border, width: 1 }, ticks: { stroke: theme.border, width: 1 } });
    const logAxis = (log: boolean): Partial<uPlot.Axis> => (log ? { grid: { stroke: theme.border, width: 1, filter: decades }, ticks: { stroke: theme.border, width: 1, filter: decades } } : {});
    const ticks = (_u: uPlot, splits: number[]) => splits.map((v) => (v === null ? '' : formatTick(v)));
    // A log axis labels its decades only (1e-4, 1e-3, …); the splits between them keep their tick marks.
    const decadeTicks = (u: uPlot, splits: number[]) => {
      const kept = decades(u, splits);
      return kept.filter((v) => v !== null).length >= 2 ? kept.map((v) => (v === null ? '' : formatTick(v))) : ticks(u, splits);
    };
    // The x axis as drawn, for a reader of the page (and its tests): its scale and labelled ticks.
    const shownX = (label: (u: uPlot, splits: number[]) => string[]) => (u: uPlot, splits: number[]) => {
      const labels = label(u, splits);
      this.host.dataset.xTicks = labels.filter(Boolean).join(' ');
      return labels;
    };
    const { xs } = shape;
    return [
      shape.categorical
        ? { ...axis(spec.xLabel), splits: () => xs, values: (_u, splits) => splits.map((i) => data.x.labels[i] ?? '') }
        : shape.atValues
          ? { ...axis(spec.xLabel), splits: () => thinned(xs, 12), filter: (_u, splits) => splits, values: shownX(ticks) }
          : { ...axis(spec.xLabel), values: shownX(shape.xLog ? decadeTicks : ticks), ...logAxis(shape.xLog) },
      { ...axis(spec.yLabel), size: 64, values: ticks, ...logAxis(shape.yLog) },
    ];
  }
}

/** What the chart's parts need to know of the data: each series' metric per x, the x positions and the scales. */
interface Shape {
  metrics: ReturnType<typeof metricOf>[][];
  xs: number[];
  categorical: boolean;
  xLog: boolean;
  yLog: boolean;
  /** Whole-number fields (widths, batch sizes, seeds), and a log axis of a few values (lr 0.01 … 0.05, which may hold no decade to label), are ticked at their swept values. */
  atValues: boolean;
  /** Whether a value can be drawn on the y scale. */
  usable: (v: number | null) => v is number;
}

function shapeOf(spec: SweepPlotSpec, data: SweepChartData): Shape {
  const yLog = spec.metric === 'finalLoss';
  const categorical = !data.x.numeric;
  const xNumbers = categorical ? [] : (data.x.values as number[]);
  const xLog = !categorical && (spansDecades(xNumbers) || logSpaced(xNumbers));
  return {
    metrics: data.series.map((s) => s.cells.map((c) => metricOf(c, spec.metric))),
    xs: categorical ? data.x.values.map((_, i) => i) : xNumbers,
    categorical,
    xLog,
    yLog,
    atValues: !categorical && (xNumbers.every(Number.isInteger) || (xLog && xNumbers.length <= 6)),
    usable: (v: number | null): v is number => v !== null && Number.isFinite(v) && (!yLog || v > 0),
  };
}

/** The interquartile ranges under the lines: a translucent band along a run of points, a whisker at a lone point or a category. */
function drawBands(u: uPlot, { metrics, xs, categorical, usable }: Shape): void {
  const ctx = u.ctx;
  const ratio = devicePixelRatio || 1;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  metrics.forEach((points, s) => {
    if (!u.series[s + 1].show) return;
    const color = seriesColor(s);
    const ok = points.map((p) => usable(p.q1) && usable(p.q3));
    const at = (i: number, v: number) => [u.valToPos(xs[i], 'x', true), u.valToPos(v, 'y', true)] as const;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    for (let i = 0; i < points.length; i++) {
      if (!ok[i]) continue;
      let j = i;
      while (!categorical && j + 1 < points.length && ok[j + 1]) j++;
      if (j === i) {
        const [x, y1] = at(i, points[i].q1 as number);
        const [, y3] = at(i, points[i].q3 as number);
        ctx.globalAlpha = 0.7;
        ctx.lineWidth = 2 * ratio;
        ctx.beginPath();
        ctx.moveTo(x, y1);
        ctx.lineTo(x, y3);
        ctx.moveTo(x - 4 * ratio, y1);
        ctx.lineTo(x + 4 * ratio, y1);
        ctx.moveTo(x - 4 * ratio, y3);
        ctx.lineTo(x + 4 * ratio, y3);
        ctx.stroke();
      } else {
        ctx.globalAlpha = 0.16;
        ctx.beginPath();
        for (let k = i; k <= j; k++) ctx.lineTo(...at(k, points[k].q3 as number));
        for (let k = j; k >= i; k--) ctx.lineTo(...at(k, points[k].q1 as number));
        ctx.closePath();
        ctx.fill();
      }
      i = j;
    }
  });
  ctx.restore();
}
