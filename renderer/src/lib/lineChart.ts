// The uPlot line chart the loss and interpolation charts share: columns on one x grid, a log or linear
// y axis labelled by the decades that fit, the page's colours, PNG export with its legend.
/// <reference types="vite/client" />
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LegendItem } from './chartPng';
import { formatTick, formatValue } from './format';
import { readTheme, seriesColor } from './theme';
import { isDecade } from './ticks';
import { decades, UplotChart } from './uplotChart';

/**
 * Log-axis labels at decades only, every k-th decade when there are more than fit (a diverged run's
 * loss spans 15 decades, whose labels would run into each other).
 */
const decadeLabels = (u: uPlot, splits: number[]) => {
  const fit = Math.max(2, Math.floor(u.bbox.height / (globalThis.devicePixelRatio || 1) / 22));
  const stride = Math.max(1, Math.ceil(splits.filter(isDecade).length / fit));
  return splits.map((v) => (v !== null && isDecade(v) && Math.round(Math.log10(v)) % stride === 0 ? formatTick(v) : ''));
};

export interface LineChartSpec {
  title?: string;
  xLabel: string;
  yLabel: string;
  labels: string[];
  log: boolean;
}

/**
 * A uPlot line chart in a host element: it takes columns on one x grid (x first), and redraws with
 * setData while the series keep their shape and rebuilds otherwise.
 */
export class LineChart extends UplotChart {
  private key = '';
  private spec: LineChartSpec | null = null;
  private data: uPlot.AlignedData = [[]];

  constructor(host: HTMLElement, height = 260) {
    super(host, height, 200);
  }

  /** Draws `columns` ([x, ...y]); under a log scale, values <= 0 have no place and are left out. */
  update(spec: LineChartSpec, columns: readonly ArrayLike<number | null>[]): void {
    const [x, ...ys] = columns;
    const keep = (v: number | null) => (v !== null && Number.isFinite(v) && (!spec.log || v > 0) ? v : null);
    this.data = [Array.from(x, (v) => v ?? 0), ...ys.map((y) => Array.from(y, keep))];
    this.spec = spec;
    const key = JSON.stringify(spec);
    if (this.plot && key === this.key) this.plot.setData(this.data);
    else {
      this.key = key;
      this.build();
    }
  }

  protected legend(): LegendItem[] | null {
    return this.spec && this.spec.labels.map((label, i) => ({ label, color: seriesColor(i) }));
  }

  protected build(): void {
    this.plot?.destroy();
    this.plot = null;
    const spec = this.spec;
    if (!spec) return;
    const theme = readTheme(this.host);
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: theme.fg,
      grid: { stroke: theme.border, width: 1 },
      ticks: { stroke: theme.border, width: 1 },
    });
    const readout = (_u: uPlot, v: number | null) => formatValue(v);
    const yTicks = spec.log ? decadeLabels : (_u: uPlot, splits: number[]) => splits.map((v) => (v === null ? '' : formatTick(v)));
    // The y axis as drawn, for a reader of the page (and its tests): its scale and labelled ticks.
    this.host.dataset.yScale = spec.log ? 'log' : 'linear';
    this.plot = new uPlot(
      {
        width: this.width(),
        height: this.height,
        title: spec.title,
        scales: { x: { time: false }, y: spec.log ? { distr: 3, log: 10 } : {} },
        axes: [
          { ...axis(spec.xLabel), values: (_u, splits) => splits.map((v) => (v === null ? '' : formatTick(v))) },
          {
            ...axis(spec.yLabel),
            size: 64,
            values: (u, splits) => {
              const labels = yTicks(u, splits);
              this.host.dataset.yTicks = labels.filter(Boolean).join(' ');
              return labels;
            },
            // On a log scale, grid lines at every 1…9 × 10^k crowd the plot; decades are enough.
            ...(spec.log ? { grid: { stroke: theme.border, width: 1, filter: decades }, ticks: { stroke: theme.border, width: 1, filter: decades } } : {}),
          },
        ],
        series: [
          { label: spec.xLabel, value: readout },
          ...spec.labels.map((label, i) => ({
            label,
            stroke: seriesColor(i),
            width: 1.5,
            spanGaps: true,
            value: readout,
          })),
        ],
        cursor: { drag: { x: true, y: false } },
        legend: { live: true },
      },
      this.data,
      this.host,
    );
  }
}
