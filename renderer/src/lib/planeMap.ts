// A map of a plane of parameter space on a 2D canvas: a grid of values as filled colours, the cost's
// contour lines over it, axes with ticks and a colour bar. The race view and the convexity map draw
// their paths and points on top through `toCanvas`.
import { colormap, cssColor, type ColormapName } from './colormap';
import { contourLevels, marchingSquares } from './contours';
import { formatNumber } from './format';
import { atIndex, heightOf, heights } from './surfaceMath';
import { niceTicks } from './ticks';

export const MAP_MARGIN = { left: 62, right: 84, top: 12, bottom: 44 };

export interface PlaneGrid {
  alphas: ArrayLike<number>;
  betas: ArrayLike<number>;
}

export interface MapLayer {
  grid: PlaneGrid;
  /** Row per β; NaN cells are left grey. */
  values: ArrayLike<number>;
  /** The colour of a value: a position in [0, 1] on the colour map. */
  scale: (v: number) => number;
  colormap: ColormapName;
  /** Colour-bar ticks: value and label. */
  ticks: { value: number; label: string }[];
  legend: string;
}

export interface MapFrame {
  width: number;
  height: number;
  /** The plane's extent (the cost grid's). */
  grid: PlaneGrid;
  axisLabels: [string, string];
  foreground: string;
  background: string;
}

/** Canvas coordinates of a plane point (α, β). */
export function toCanvas(frame: MapFrame, alpha: number, beta: number): [number, number] {
  const { alphas: a, betas: b } = frame.grid;
  const w = frame.width - MAP_MARGIN.left - MAP_MARGIN.right;
  const h = frame.height - MAP_MARGIN.top - MAP_MARGIN.bottom;
  const x = MAP_MARGIN.left + ((alpha - a[0]) / (a[a.length - 1] - a[0])) * w;
  const y = MAP_MARGIN.top + h - ((beta - b[0]) / (b[b.length - 1] - b[0])) * h;
  return [x, y];
}

/**
 * A grid's colours as an image, one pixel per grid point, row per β with the last row on top; the
 * contour view and the plane map smooth it onto their plots.
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

/** Clears the canvas and draws the layer, the cost's contours (log scale) and the axes. */
export function drawPlaneMap(ctx: CanvasRenderingContext2D, frame: MapFrame, layer: MapLayer, cost: { grid: PlaneGrid; loss: ArrayLike<number> } | null): void {
  const { width, height, foreground: fg, background: bg } = frame;
  const plot = { x: MAP_MARGIN.left, y: MAP_MARGIN.top, w: width - MAP_MARGIN.left - MAP_MARGIN.right, h: height - MAP_MARGIN.top - MAP_MARGIN.bottom };
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, width, height);

  const nx = layer.grid.alphas.length;
  const ny = layer.grid.betas.length;
  const image = gridImage(nx, ny, (k) => {
    const v = layer.values[k];
    return Number.isFinite(v) ? colormap(layer.colormap, Math.min(1, Math.max(0, layer.scale(v)))) : [0.6, 0.6, 0.6];
  });
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.x, plot.y, plot.w, plot.h);
  ctx.clip();
  // The layer's grid may be coarser than the plane's: place its cells by their own coordinates.
  const [x0, y0] = toCanvas(frame, layer.grid.alphas[0], layer.grid.betas[ny - 1]);
  const [x1, y1] = toCanvas(frame, layer.grid.alphas[nx - 1], layer.grid.betas[0]);
  const cw = (x1 - x0) / Math.max(1, nx - 1);
  const ch = (y1 - y0) / Math.max(1, ny - 1);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(image, x0 - cw / 2, y0 - ch / 2, x1 - x0 + cw, y1 - y0 + ch);

  if (cost) {
    const cx = cost.grid.alphas.length;
    const cy = cost.grid.betas.length;
    const h = heights(cost.loss, true);
    ctx.globalAlpha = 0.7;
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.75)';
    for (const level of contourLevels(10 ** h.zMin, 10 ** h.zMax, 10, true)) {
      const seg = marchingSquares(h.z, cx, cy, heightOf(level, true, h.floor));
      ctx.beginPath();
      for (let k = 0; k < seg.length; k += 4) {
        ctx.moveTo(...toCanvas(frame, atIndex(cost.grid.alphas, seg[k]), atIndex(cost.grid.betas, seg[k + 1])));
        ctx.lineTo(...toCanvas(frame, atIndex(cost.grid.alphas, seg[k + 2]), atIndex(cost.grid.betas, seg[k + 3])));
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }
  ctx.restore();

  // Axes.
  const { alphas, betas } = frame.grid;
  ctx.strokeStyle = fg;
  ctx.fillStyle = fg;
  ctx.lineWidth = 1;
  ctx.strokeRect(plot.x, plot.y, plot.w, plot.h);
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.beginPath();
  for (const v of niceTicks(alphas[0], alphas[alphas.length - 1], 6)) {
    const [x] = toCanvas(frame, v, 0);
    ctx.moveTo(x, plot.y + plot.h);
    ctx.lineTo(x, plot.y + plot.h + 4);
    ctx.fillText(formatNumber(v), x, plot.y + plot.h + 6);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of niceTicks(betas[0], betas[betas.length - 1], 5)) {
    const [, y] = toCanvas(frame, 0, v);
    ctx.moveTo(plot.x, y);
    ctx.lineTo(plot.x - 4, y);
    ctx.fillText(formatNumber(v), plot.x - 6, y);
  }
  ctx.stroke();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText(`α: ${frame.axisLabels[0]}`, plot.x + plot.w / 2, height - 2);
  ctx.save();
  ctx.translate(12, plot.y + plot.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'top';
  ctx.fillText(`β: ${frame.axisLabels[1]}`, 0, -10);
  ctx.restore();

  // Colour bar with its legend.
  const bx = plot.x + plot.w + 14;
  const bw = 12;
  for (let k = 0; k < plot.h; k++) {
    ctx.fillStyle = cssColor(colormap(layer.colormap, 1 - k / plot.h));
    ctx.fillRect(bx, plot.y + k, bw, 1);
  }
  ctx.strokeStyle = fg;
  ctx.strokeRect(bx, plot.y, bw, plot.h);
  ctx.fillStyle = fg;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.font = '10px system-ui, sans-serif';
  for (const t of layer.ticks) {
    const y = plot.y + plot.h * (1 - Math.min(1, Math.max(0, layer.scale(t.value))));
    ctx.fillText(t.label, bx + bw + 3, y);
  }
  ctx.save();
  ctx.translate(width - 4, plot.y + plot.h / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(layer.legend, 0, 0);
  ctx.restore();
}

/** The log-cost layer of a surface (what the race view colours its plane by). */
export function costLayer(grid: PlaneGrid, loss: ArrayLike<number>, map: ColormapName): MapLayer {
  const h = heights(loss, true);
  const span = h.zMax - h.zMin || 1;
  const ticks = niceTicks(h.zMin, h.zMax, 5).map((z) => ({ value: 10 ** z, label: formatNumber(10 ** z, 2) }));
  return { grid, values: loss, scale: (v) => (heightOf(v, true, h.floor) - h.zMin) / span, colormap: map, ticks, legend: 'J (log scale)' };
}
