// The 2D plot every canvas chart of the lab draws on: a rectangle of data coordinates on a canvas, with
// axes (round ticks, their labels, the axis names), an image of a grid placed in data coordinates,
// contour segments, paths and dots, a colour bar, and the way back from a pointer to the data under it.
// The contour map, the race and convexity maps, the decision boundary, the fit and the basics plots use it.
import { colormap, cssColor, type ColormapName } from './colormap';
import { formatTick } from './format';
import type { Theme } from './theme';
import { niceTicks } from './ticks';
import { atIndex } from './surfaceMath';

export interface Margin {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface AxesStyle {
  /** The names under the x axis and along the y axis. */
  names: readonly [string, string];
  /** Tick values on each axis, or about how many round ones. */
  xTicks?: number | readonly number[];
  yTicks?: number | readonly number[];
  /** How a tick is written: formatTick by default (the charts' ticks); maps write formatNumber, as the 3D views do. */
  format?: (v: number) => string;
  /** How a y tick is written, when not as an x tick (a log axis writes 10^t). */
  yFormat?: (v: number) => string;
  /** Tick labels' size in px (the names are 12 px). */
  font?: number;
  /** Grid lines across the plot at every tick (curves); otherwise a frame with outward tick marks (maps). */
  grid?: boolean;
  /** The colour of the frame, tick marks and grid lines: the page's text colour, or its border colour. */
  line?: 'fg' | 'border';
}

export interface ColourBar {
  colormap: ColormapName;
  /** Ticks at positions 0 (bottom) … 1 (top) of the bar. */
  ticks: { at: number; label: string }[];
  /** Written along the right edge of the canvas. */
  legend: string;
}

/**
 * Sizes `canvas` for width × height CSS pixels at the screen's pixel ratio (at most `maxRatio`) and
 * returns its context, scaled so the drawing is in CSS pixels.
 */
export function canvasContext(canvas: HTMLCanvasElement, width: number, height: number, maxRatio = Infinity): CanvasRenderingContext2D | null {
  const ratio = Math.min(maxRatio, devicePixelRatio || 1);
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/**
 * A grid's colours as an image, one pixel per grid point (`rgbAt(k)` in [0, 1], k = i·nx + j), row
 * per y value with the last row on top: `Plot2D.image` places it on the plot.
 */
export function gridImage(nx: number, ny: number, rgbAt: (k: number) => readonly number[]): HTMLCanvasElement {
  const image = document.createElement('canvas');
  image.width = nx;
  image.height = ny;
  const ictx = image.getContext('2d') as CanvasRenderingContext2D;
  const data = ictx.createImageData(nx, ny);
  for (let i = 0; i < ny; i++) {
    for (let j = 0; j < nx; j++) {
      const rgb = rgbAt(i * nx + j);
      const o = 4 * ((ny - 1 - i) * nx + j);
      data.data[o] = Math.round(rgb[0] * 255);
      data.data[o + 1] = Math.round(rgb[1] * 255);
      data.data[o + 2] = Math.round(rgb[2] * 255);
      data.data[o + 3] = 255;
    }
  }
  ictx.putImageData(data, 0, 0);
  return image;
}

/** [lo, hi] of the finite values of `arrays` (after `map`): [v − 1, v + 1] for one value, [0, 1] for none. */
export function dataRange(arrays: readonly ArrayLike<number>[], map: (v: number) => number = (v) => v): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = map(a[i]);
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return [0, 1];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/** Where a plot's drawing goes: `area` on a canvas of width × height, showing x over `xRange` and y over `yRange`. */
export class Plot2D {
  constructor(
    readonly ctx: CanvasRenderingContext2D,
    readonly width: number,
    readonly height: number,
    readonly area: Rect,
    readonly xRange: readonly [number, number],
    readonly yRange: readonly [number, number],
  ) {}

  /** A plot filling the canvas but for `margin`. */
  static within(ctx: CanvasRenderingContext2D, width: number, height: number, margin: Margin, xRange: readonly [number, number], yRange: readonly [number, number]): Plot2D {
    const area = { x: margin.left, y: margin.top, w: Math.max(10, width - margin.left - margin.right), h: Math.max(10, height - margin.top - margin.bottom) };
    return new Plot2D(ctx, width, height, area, xRange, yRange);
  }

  px(x: number): number {
    const [x0, x1] = this.xRange;
    return this.area.x + ((x - x0) / (x1 - x0)) * this.area.w;
  }

  py(y: number): number {
    const [y0, y1] = this.yRange;
    return this.area.y + this.area.h - ((y - y0) / (y1 - y0)) * this.area.h;
  }

  /** The data point under canvas point (cx, cy) in CSS pixels, or null outside the plot's area. */
  dataAt(cx: number, cy: number): [number, number] | null {
    const { x, y, w, h } = this.area;
    if (cx < x || cx > x + w || cy < y || cy > y + h) return null;
    const [x0, x1] = this.xRange;
    const [y0, y1] = this.yRange;
    return [x0 + ((cx - x) / w) * (x1 - x0), y0 + ((y + h - cy) / h) * (y1 - y0)];
  }

  /** Paints the whole canvas in `color`. */
  fill(color: string): void {
    this.ctx.fillStyle = color;
    this.ctx.fillRect(0, 0, this.width, this.height);
  }

  /** Runs `draw` with everything it draws cut to the plot's area. */
  clipped(draw: () => void): void {
    const { ctx, area } = this;
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.x, area.y, area.w, area.h);
    ctx.clip();
    draw();
    ctx.restore();
  }

  /** A `gridImage` of the grid xs × ys, smoothed, each pixel's centre on its grid point. */
  image(image: CanvasImageSource, xs: ArrayLike<number>, ys: ArrayLike<number>): void {
    const nx = xs.length;
    const ny = ys.length;
    const [x0, y0] = [this.px(xs[0]), this.py(ys[ny - 1])];
    const [x1, y1] = [this.px(xs[nx - 1]), this.py(ys[0])];
    const cw = (x1 - x0) / Math.max(1, nx - 1);
    const ch = (y1 - y0) / Math.max(1, ny - 1);
    this.ctx.imageSmoothingEnabled = true;
    this.ctx.drawImage(image, x0 - cw / 2, y0 - ch / 2, x1 - x0 + cw, y1 - y0 + ch);
  }

  /** Strokes line segments given in grid indices (x, y, x, y per segment: marching squares) of the grid xs × ys. */
  segments(seg: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number>): void {
    const { ctx } = this;
    ctx.beginPath();
    for (let k = 0; k + 3 < seg.length; k += 4) {
      ctx.moveTo(this.px(atIndex(xs, seg[k])), this.py(atIndex(ys, seg[k + 1])));
      ctx.lineTo(this.px(atIndex(xs, seg[k + 2])), this.py(atIndex(ys, seg[k + 3])));
    }
    ctx.stroke();
  }

  /** Strokes the path through (xs[k], ys[k]) for k = from … to, lifting the pen over non-finite values. */
  path(xs: ArrayLike<number>, ys: ArrayLike<number>, from = 0, to = xs.length - 1): void {
    const { ctx } = this;
    ctx.beginPath();
    let pen = false;
    for (let k = from; k <= to; k++) {
      if (!Number.isFinite(xs[k]) || !Number.isFinite(ys[k])) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(this.px(xs[k]), this.py(ys[k]));
      else ctx.moveTo(this.px(xs[k]), this.py(ys[k]));
      pen = true;
    }
    ctx.stroke();
  }

  /** A dot at (x, y), filled, and ringed when `ring` is given. */
  dot(x: number, y: number, radius: number, fill: string, ring?: { color: string; width: number }): void {
    const { ctx } = this;
    ctx.beginPath();
    ctx.arc(this.px(x), this.py(y), radius, 0, 2 * Math.PI);
    ctx.fillStyle = fill;
    ctx.fill();
    if (ring) {
      ctx.strokeStyle = ring.color;
      ctx.lineWidth = ring.width;
      ctx.stroke();
    }
  }

  /** A vertical dotted line at x over the plot's height, rising `above` pixels over its top. */
  vline(x: number, color: string, above = 0): void {
    const { ctx, area } = this;
    ctx.strokeStyle = color;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(this.px(x), area.y - above);
    ctx.lineTo(this.px(x), area.y + area.h);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  /** Ticks with their labels on both axes, the axis names, and a frame or grid lines as `style` says. */
  axes(theme: Theme, style: AxesStyle): void {
    const { ctx, area } = this;
    const bottom = area.y + area.h;
    const right = area.x + area.w;
    const ticksOf = (spec: number | readonly number[] | undefined, fallback: number, [lo, hi]: readonly [number, number]) =>
      Array.isArray(spec) ? (spec as readonly number[]) : niceTicks(lo, hi, (spec as number | undefined) ?? fallback);
    const format = style.format ?? formatTick;
    ctx.strokeStyle = style.line === 'border' ? theme.border : theme.fg;
    ctx.fillStyle = theme.fg;
    ctx.lineWidth = 1;
    if (!style.grid) ctx.strokeRect(area.x, area.y, area.w, area.h);
    ctx.font = `${style.font ?? 12}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.beginPath();
    for (const v of ticksOf(style.xTicks, 6, this.xRange)) {
      const x = this.px(v);
      ctx.moveTo(x, style.grid ? area.y : bottom);
      ctx.lineTo(x, bottom + 4);
      ctx.fillText(format(v), x, bottom + 6);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of ticksOf(style.yTicks, 5, this.yRange)) {
      const y = this.py(v);
      ctx.moveTo(area.x - 4, y);
      ctx.lineTo(style.grid ? right : area.x, y);
      ctx.fillText((style.yFormat ?? format)(v), area.x - 6, y);
    }
    ctx.stroke();
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(style.names[0], area.x + area.w / 2, this.height - 4);
    this.vertical(style.names[1], 12, area.y + area.h / 2);
  }

  /** A colour bar right of the plot, its ticks beside it and its legend along the canvas's right edge. */
  colourBar(theme: Theme, bar: ColourBar): void {
    const { ctx, area } = this;
    const x = area.x + area.w + 14;
    const w = 12;
    for (let k = 0; k < area.h; k++) {
      ctx.fillStyle = cssColor(colormap(bar.colormap, 1 - k / area.h));
      ctx.fillRect(x, area.y + k, w, 1.5);
    }
    ctx.strokeStyle = theme.fg;
    ctx.lineWidth = 1;
    ctx.strokeRect(x, area.y, w, area.h);
    ctx.fillStyle = theme.fg;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const t of bar.ticks) ctx.fillText(t.label, x + w + 4, area.y + area.h * (1 - Math.min(1, Math.max(0, t.at))));
    this.vertical(bar.legend, this.width - 10, area.y + area.h / 2);
  }

  /** Text written upwards, centred on (x, y). */
  private vertical(text: string, x: number, y: number): void {
    const { ctx } = this;
    ctx.save();
    ctx.translate(x, y);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(text, 0, 0);
    ctx.restore();
  }
}
