// The charts' look (colours read from the page so light and dark themes both work), number formats,
// PNG export, and one uPlot line chart that the loss and interpolation charts share.
/// <reference types="vite/client" />
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { downloadCanvas } from './download';

/** Line colours, one place: Okabe–Ito, distinguishable by colour-blind readers, on light and dark. */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#999999'];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length];
}

export interface ChartTheme {
  fg: string;
  bg: string;
  muted: string;
  border: string;
  accent: string;
}

/** The page's colours as the canvas can use them: CSS variables and system colours resolved to rgb(). */
export function chartTheme(el: Element): ChartTheme {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  el.appendChild(probe);
  const resolve = (css: string) => {
    probe.style.color = css;
    return getComputedStyle(probe).color;
  };
  const theme = {
    fg: resolve('var(--fg, CanvasText)'),
    bg: resolve('var(--bg, Canvas)'),
    muted: resolve('var(--muted, GrayText)'),
    border: resolve('var(--border, rgb(128 128 128 / 30%))'),
    accent: resolve('var(--accent, #35b779)'),
  };
  probe.remove();
  return theme;
}

/** Calls back when the system switches between light and dark; returns the unsubscribe. */
export function onThemeChange(callback: () => void): () => void {
  const query = matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', callback);
  return () => query.removeEventListener('change', callback);
}

/** Axis ticks: short, and exponential where fixed notation would round small losses to 0. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 1e-3 || a >= 1e5) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

/** A readout value: four significant digits. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/** A file name from a chart's title. */
export function fileStem(title: string | undefined, fallback: string): string {
  const stem = (title ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return stem || fallback;
}

export interface LegendItem {
  label: string;
  color: string;
  dash?: number[];
  /** A dot rather than a line (data points). */
  dot?: boolean;
}

/** A copy of a chart's canvas on the page background, with one legend line per item beneath it. */
export function withLegend(source: HTMLCanvasElement, cssWidth: number, items: LegendItem[], theme: ChartTheme): HTMLCanvasElement {
  const ratio = source.width / cssWidth;
  const lineHeight = 18 * ratio;
  const out = document.createElement('canvas');
  out.width = source.width;
  out.height = source.height + lineHeight * (items.length + (items.length ? 1 : 0));
  const ctx = out.getContext('2d');
  if (!ctx) return source;
  ctx.fillStyle = theme.bg;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(source, 0, 0);
  ctx.font = `${12 * ratio}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  items.forEach((item, i) => {
    const y = source.height + lineHeight * (i + 1);
    ctx.strokeStyle = item.color;
    ctx.fillStyle = item.color;
    ctx.lineWidth = 2 * ratio;
    ctx.setLineDash((item.dash ?? []).map((d) => d * ratio));
    ctx.beginPath();
    if (item.dot) ctx.arc(24 * ratio, y, 2.5 * ratio, 0, 2 * Math.PI);
    else {
      ctx.moveTo(12 * ratio, y);
      ctx.lineTo(36 * ratio, y);
    }
    if (item.dot) ctx.fill();
    else ctx.stroke();
    ctx.fillStyle = theme.fg;
    ctx.fillText(item.label, 44 * ratio, y);
  });
  return out;
}

/** About `count` round tick values (1, 2 or 5 × 10^k apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  const raw = (max - min) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return [min];
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return ticks;
}

const isDecade = (v: number) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
const decades = (_u: uPlot, splits: number[]) => splits.map((v) => (isDecade(v) ? v : null));
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
 * A uPlot line chart in a host element: it takes columns on one x grid (x first), redraws with setData
 * while the series keep their shape and rebuilds otherwise, follows its host's width and the theme.
 */
export class LineChart {
  private plot: uPlot | null = null;
  private key = '';
  private spec: LineChartSpec | null = null;
  private data: uPlot.AlignedData = [[]];
  private readonly resize: ResizeObserver;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly host: HTMLElement,
    private readonly height = 260,
  ) {
    this.resize = new ResizeObserver(() => {
      const width = this.width();
      if (this.plot && width !== this.plot.width) this.plot.setSize({ width, height: this.height });
    });
    this.resize.observe(host);
    this.unsubscribe = onThemeChange(() => this.build());
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

  /** The chart as a PNG: uPlot's canvas on the page background, with its legend beneath. */
  savePng(fileName: string): void {
    if (!this.plot || !this.spec) return;
    const items = this.spec.labels.map((label, i) => ({ label, color: seriesColor(i) }));
    downloadCanvas(fileName, withLegend(this.plot.ctx.canvas, this.plot.width, items, chartTheme(this.host)));
  }

  destroy(): void {
    this.resize.disconnect();
    this.unsubscribe();
    this.plot?.destroy();
    this.plot = null;
  }

  private width(): number {
    return Math.max(200, Math.floor(this.host.clientWidth));
  }

  private build(): void {
    this.plot?.destroy();
    this.plot = null;
    const spec = this.spec;
    if (!spec) return;
    const theme = chartTheme(this.host);
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
