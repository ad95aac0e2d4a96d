// How numbers are written on screen. One rule — significant digits, and exponent form for magnitudes
// below 10⁻³ or from `large` up — in the three styles the views use: short labels drawn on canvases,
// the line charts' axis ticks, and read-outs. No DOM here (test/ticks.test.ts tests them under Node).

interface Style {
  /** Significant digits in fixed form. */
  digits: number;
  /** Significant digits in exponent form. */
  expDigits: number;
  /** The magnitude from which exponent form is used. */
  large: number;
  /** Drop the mantissa's trailing zeros (1e-5, not 1.00e-5). */
  trim: boolean;
  /** Keep the exponent's plus sign (1e+5). */
  plus: boolean;
}

function written(v: number, style: Style): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e-3 && a < style.large) return String(Number(v.toPrecision(style.digits)));
  let text = v.toExponential(style.expDigits - 1);
  if (style.trim) text = text.replace(/\.?0+e/, 'e');
  return style.plus ? text : text.replace('e+', 'e');
}

/** A label drawn on a canvas or in a 3D view: `digits` significant digits, exponent form from 10⁴ (1e4, 2.5e-5). */
export function formatNumber(v: number, digits = 3): string {
  return written(v, { digits, expDigits: digits, large: 1e4, trim: true, plus: false });
}

/** A tick of a chart's axis: four digits, exponent form from 10⁵ (12500, 1e+5, 2.5e-5). */
export function formatTick(v: number): string {
  return written(v, { digits: 4, expDigits: 3, large: 1e5, trim: true, plus: true });
}

/** A read-out value: `digits` significant digits, every one shown in exponent form; — for none. */
export function formatValue(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return written(v, { digits, expDigits: digits, large: 1e5, trim: false, plus: true });
}

/** A point of a cost surface under the pointer: (α, β) and J, to four digits. */
export function formatSurfacePoint(alpha: number, beta: number, J: number): string {
  return `α ${alpha.toPrecision(4)}, β ${beta.toPrecision(4)}, J ${J.toPrecision(4)}`;
}

/**
 * A cost J as every view and card says it: formatNumber, except that |J| below 10⁻¹² is 0. The exact
 * optimum is 0; the same point evaluated by a sum in floating point is 3.08e-16 — the legend said 0
 * and the curvature card 3.08e-16 for one point.
 */
export function formatLoss(v: number, digits = 3): string {
  return Math.abs(v) < 1e-12 ? '0' : formatNumber(v, digits);
}
