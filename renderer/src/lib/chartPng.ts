// A chart as the PNG a user saves: its canvas on the page's background, with a legend beneath.
import type { Theme } from './theme';

export interface LegendItem {
  label: string;
  /** A CSS colour, or 'fg' / 'muted' for the page's own (see legendCssColor, legendCanvasColor). */
  color: string;
  dash?: number[];
  /** A dot rather than a line (data points). */
  dot?: boolean;
}

/** A copy of a chart's canvas on the page background, with one legend line per item beneath it. */
export function withLegend(source: HTMLCanvasElement, cssWidth: number, items: LegendItem[], theme: Theme): HTMLCanvasElement {
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

/** A legend item's colour for CSS: 'fg' and 'muted' name the page's variables. */
export function legendCssColor(color: string): string {
  return color === 'fg' ? 'var(--fg)' : color === 'muted' ? 'var(--muted)' : color;
}

/** A legend item's colour for a canvas: 'fg' and 'muted' resolved in `theme`. */
export function legendCanvasColor(color: string, theme: Theme): string {
  return color === 'fg' ? theme.fg : color === 'muted' ? theme.muted : color;
}
