// What the lab's uPlot charts share: a chart in a host element that follows the host's width and the
// theme (rebuilt on a switch, in the new colours), and saves as a PNG with its legend beneath.
import type uPlot from 'uplot';
import { withLegend, type LegendItem } from './chartPng';
import { downloadCanvas } from './download';
import { onThemeChange, readTheme } from './theme';
import { isDecade } from './ticks';

/** A log axis's grid and tick filter: decades only (lines at every 1…9 × 10^k crowd the plot). */
export const decades = (_u: uPlot, splits: number[]) => splits.map((v) => (isDecade(v) ? v : null));

export abstract class UplotChart {
  protected plot: uPlot | null = null;
  private readonly resize: ResizeObserver;
  private readonly unsubscribe: () => void;

  constructor(
    protected readonly host: HTMLElement,
    protected readonly height: number,
    private readonly minWidth: number,
  ) {
    this.resize = new ResizeObserver(() => {
      const width = this.width();
      if (this.plot && width !== this.plot.width) this.plot.setSize({ width, height: this.height });
    });
    this.resize.observe(host);
    this.unsubscribe = onThemeChange(() => this.build());
  }

  /** The chart as a PNG: uPlot's canvas on the page background, with its legend beneath. */
  savePng(fileName: string): void {
    const items = this.plot && this.legend();
    if (this.plot && items) downloadCanvas(fileName, withLegend(this.plot.ctx.canvas, this.plot.width, items, readTheme(this.host)));
  }

  destroy(): void {
    this.resize.disconnect();
    this.unsubscribe();
    this.plot?.destroy();
    this.plot = null;
  }

  /** The width to draw at: the host's, or the least the chart reads at. */
  protected width(): number {
    return Math.max(this.minWidth, Math.floor(this.host.clientWidth));
  }

  /** Builds the plot again from what it was last given (nothing before it was given anything). */
  protected abstract build(): void;

  /** One legend line per series, or null before there is a plot to save. */
  protected abstract legend(): LegendItem[] | null;
}
