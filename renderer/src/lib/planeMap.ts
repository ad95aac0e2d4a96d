// A map of a plane of parameter space, drawn on a Plot2D: a layer of values as filled colours (the cost
// itself, or the convexity ratio), the cost's contour lines over it, the axes and a colour bar. The
// contour view, the race view and the convexity map draw their paths and points on the plot it returns.
import { MARKERS, type MarkerName } from '../../../shared/markers';
import { colormap, type ColormapName } from './colormap';
import { contourLevels, marchingSquares } from './contours';
import { formatNumber } from './format';
import { MARKER_COLORS } from './markers';
import { canvasContext, gridImage, Plot2D, type Margin } from './plot2d';
import { heightOf, heights } from './surfaceMath';
import type { Theme } from './theme';
import { heightTicks } from './ticks';

export const MAP_MARGIN: Margin = { left: 62, right: 84, top: 12, bottom: 44 };

export interface PlaneGrid {
  alphas: ArrayLike<number>;
  betas: ArrayLike<number>;
}

export interface MapLayer {
  grid: PlaneGrid;
  /** Row per β. */
  values: ArrayLike<number>;
  /** The colour of a value: a position in [0, 1] on the colour map; a cell whose position is not finite is grey. */
  scale: (v: number) => number;
  colormap: ColormapName;
  /** Colour-bar ticks: value and label. */
  ticks: { value: number; label: string }[];
  legend: string;
}

/** The cost's contour lines over a layer: each level's line in `colour(t)`, t its place in the cost's range. */
export interface MapContours {
  grid: PlaneGrid;
  loss: ArrayLike<number>;
  log: boolean;
  levels: number;
  colour: (t: number) => string;
  opacity: number;
}

export interface PlaneMap {
  /** The plane's extent (the cost grid's). */
  grid: PlaneGrid;
  axisNames: readonly [string, string];
  layer: MapLayer;
  contours: MapContours | null;
}

/** White lines over a layer that is not the cost: ten log-spaced levels. */
export function costContours(grid: PlaneGrid, loss: ArrayLike<number>): MapContours {
  return { grid, loss, log: true, levels: 10, colour: () => 'rgba(255, 255, 255, 0.75)', opacity: 0.7 };
}

/** Clears `canvas` (width × height CSS pixels) and draws the map on it; returns the plot, for what goes over it. */
export function drawPlaneMap(canvas: HTMLCanvasElement, width: number, height: number, theme: Theme, map: PlaneMap): Plot2D | null {
  const ctx = canvasContext(canvas, width, height, 2);
  if (!ctx) return null;
  const { alphas, betas } = map.grid;
  const plot = Plot2D.within(ctx, width, height, MAP_MARGIN, [alphas[0], alphas[alphas.length - 1]], [betas[0], betas[betas.length - 1]]);
  plot.fill(theme.bg);
  const { layer } = map;
  const image = gridImage(layer.grid.alphas.length, layer.grid.betas.length, (k) => {
    const t = layer.scale(layer.values[k]);
    return Number.isFinite(t) ? colormap(layer.colormap, t) : [0.6, 0.6, 0.6];
  });
  plot.clipped(() => {
    // The layer's grid may be coarser than the plane's: its cells are placed by their own coordinates.
    plot.image(image, layer.grid.alphas, layer.grid.betas);
    if (map.contours) drawContours(plot, map.contours);
  });
  plot.axes(theme, { names: map.axisNames, font: 11, format: (v) => formatNumber(v) });
  plot.colourBar(theme, { colormap: layer.colormap, ticks: layer.ticks.map((t) => ({ at: layer.scale(t.value), label: t.label })), legend: layer.legend });
  return plot;
}

function drawContours(plot: Plot2D, c: MapContours): void {
  const { ctx } = plot;
  const h = heights(c.loss, c.log);
  const span = h.zMax - h.zMin;
  const levels = c.log ? contourLevels(10 ** h.zMin, 10 ** h.zMax, c.levels, true) : contourLevels(h.zMin, h.zMax, c.levels, false);
  ctx.globalAlpha = c.opacity;
  ctx.lineWidth = 1;
  for (const level of levels) {
    const z = heightOf(level, c.log, h.floor);
    ctx.strokeStyle = c.colour((z - h.zMin) / span);
    plot.segments(marchingSquares(h.z, c.grid.alphas.length, c.grid.betas.length, z), c.grid.alphas, c.grid.betas);
  }
  ctx.globalAlpha = 1;
}

/** The three points of a run where the plane has them, as dots in their colours ringed in the background's. */
export function drawMarkers(plot: Plot2D, markers: Partial<Record<MarkerName, { alpha: number; beta: number }>>, theme: Theme): void {
  for (const name of MARKERS) {
    const m = markers[name];
    if (m) plot.dot(m.alpha, m.beta, 5, MARKER_COLORS[name], { color: theme.bg, width: 1.5 });
  }
}

/** The cost as a layer: J on a log or linear scale, a diverged cell at the top of the map; its bar ticks at round J. */
export function costLayer(grid: PlaneGrid, loss: ArrayLike<number>, map: ColormapName, log = true): MapLayer {
  const h = heights(loss, log);
  const span = h.zMax - h.zMin;
  const scale = (v: number) => {
    const z = heightOf(v, log, h.floor);
    return Number.isFinite(z) ? (z - h.zMin) / span : 1;
  };
  const ticks = heightTicks(h.zMin, h.zMax, log).map((t) => ({ value: t.J, label: formatNumber(t.J, 2) }));
  return { grid, values: loss, scale, colormap: map, ticks, legend: log ? 'J (log scale)' : 'J' };
}
