// Reductions over data-sized arrays. Loops, never Math.min(...values): spreading a surface's 262,144
// losses (or a sweep's 100,000 cells) into one call's arguments overflows the stack.

/** The smallest and largest finite values (NaN and ±Infinity skipped), or null when there are none. */
export function finiteExtent(values: ArrayLike<number>): { lo: number; hi: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? { lo, hi } : null;
}

/** Math.min over an iterable, as Math.min(...values) would answer (Infinity when empty, NaN if any is). */
export function minOf(values: Iterable<number>): number {
  let m = Infinity;
  for (const v of values) m = Math.min(m, v);
  return m;
}

/** Math.max over an iterable, as Math.max(...values) would answer (−Infinity when empty, NaN if any is). */
export function maxOf(values: Iterable<number>): number {
  let m = -Infinity;
  for (const v of values) m = Math.max(m, v);
  return m;
}

/**
 * Where v lies between lo and hi, from 0 to 1 (0 when they are equal), or NaN for a value that is
 * not finite. Halved first so that hi − lo cannot overflow to Infinity for extremes like ±1e308.
 */
export function fraction(v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v)) return NaN;
  const width = hi / 2 - lo / 2;
  const f = width > 0 ? (v / 2 - lo / 2) / width : 0;
  return Math.min(1, Math.max(0, f));
}
