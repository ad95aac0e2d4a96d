// Round axis ticks, for every view: the 3D surfaces, the 2D maps and plots, the colour legends. No DOM
// here, so the rules are unit-tested under Node (test/ticks.test.ts).

/** The most ticks one call returns, whatever the range and count. */
const MAX_TICKS = 1000;

/**
 * About `count` round values (1, 2 or 5 × 10ᵏ apart) inside [min, max].
 * - A non-finite min gives none; a non-finite max, or max ≤ min, gives [min].
 * - An end within 10⁻⁹ of a step of a round value keeps it (0.1 + 0.2 still has a tick at 0.3).
 * - Ticks are rounded to 12 significant digits (0.3, not 0.30000000000000004), and one within 10⁻⁹ of
 *   a step of zero is 0.
 * - A range narrower than the floats can step through gives each distinct value once, never a loop.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min)) return [];
  if (!Number.isFinite(max) || max <= min) return [min];
  const raw = (max - min) / (Number.isFinite(count) ? Math.max(1, count) : 5);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: number[] = [];
  for (let k = 0; k <= last - first && ticks.length < MAX_TICKS; k++) {
    const v = (first + k) * step;
    const tick = Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12));
    if (ticks[ticks.length - 1] !== tick) ticks.push(tick);
  }
  return ticks;
}

/** Ticks for heights z: decades of J on log scale (every few decades when there are many), else round J. */
export function heightTicks(zMin: number, zMax: number, log: boolean): { z: number; J: number }[] {
  if (!log) return niceTicks(zMin, zMax, 4).map((J) => ({ z: J, J }));
  const lo = Math.ceil(zMin - 1e-9);
  const hi = Math.floor(zMax + 1e-9);
  if (hi - lo < 1) return niceTicks(zMin, zMax, 3).map((z) => ({ z, J: 10 ** z }));
  const stride = Math.ceil((hi - lo + 1) / 6);
  const ticks: { z: number; J: number }[] = [];
  for (let e = hi; e >= lo; e -= stride) ticks.unshift({ z: e, J: 10 ** e });
  return ticks;
}

/** Whether v is a power of ten (to 10⁻⁹ in its exponent). */
export function isDecade(v: number): boolean {
  return v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
}
