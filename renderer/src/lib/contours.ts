// Contour lines of a cost grid: level choice and marching squares. Pure, so charts and the 3D views
// share it and tests can check it.

/**
 * `count` levels strictly inside (min, max), evenly spaced in J or, with `log`, in log10 J.
 * Log spacing needs min > 0 (callers floor the exact optimum's J = 0 first); degenerate ranges give [].
 */
export function contourLevels(min: number, max: number, count: number, log: boolean): number[] {
  if (!(count >= 1) || !Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) return [];
  if (log && !(min > 0)) return [];
  const lo = log ? Math.log10(min) : min;
  const hi = log ? Math.log10(max) : max;
  const levels: number[] = [];
  for (let k = 1; k <= count; k++) {
    const v = lo + ((hi - lo) * k) / (count + 1);
    levels.push(log ? 10 ** v : v);
  }
  return levels;
}

/**
 * The level set `values == level` as line segments, flat [x0, y0, x1, y1, …] in grid-index
 * coordinates: values are row-major with one row per y, values[i·nx + j] at (x = j, y = i).
 * A corner counts as inside when value ≥ level; saddle cells are split by the cell's mean value.
 * Cells with a non-finite corner are skipped.
 */
export function marchingSquares(values: ArrayLike<number>, nx: number, ny: number, level: number): Float64Array {
  const out: number[] = [];
  // Edge k of a cell: 0 bottom (y = i), 1 right (x = j+1), 2 top (y = i+1), 3 left (x = j).
  const point = (k: number, j: number, i: number, v00: number, v10: number, v11: number, v01: number) => {
    const t = (a: number, b: number) => (a === b ? 0.5 : (level - a) / (b - a));
    if (k === 0) out.push(j + t(v00, v10), i);
    else if (k === 1) out.push(j + 1, i + t(v10, v11));
    else if (k === 2) out.push(j + t(v01, v11), i + 1);
    else out.push(j, i + t(v00, v01));
  };
  for (let i = 0; i + 1 < ny; i++) {
    for (let j = 0; j + 1 < nx; j++) {
      const v00 = values[i * nx + j];
      const v10 = values[i * nx + j + 1];
      const v11 = values[(i + 1) * nx + j + 1];
      const v01 = values[(i + 1) * nx + j];
      if (!Number.isFinite(v00) || !Number.isFinite(v10) || !Number.isFinite(v11) || !Number.isFinite(v01)) continue;
      const c = (v00 >= level ? 1 : 0) | (v10 >= level ? 2 : 0) | (v11 >= level ? 4 : 0) | (v01 >= level ? 8 : 0);
      if (c === 0 || c === 15) continue;
      let pairs: number[];
      if (c === 5 || c === 10) {
        const centreInside = (v00 + v10 + v11 + v01) / 4 >= level;
        // Which diagonal pair the centre joins decides which two corners get cut off.
        const cutBottomRightAndTopLeft = (c === 5) === centreInside;
        pairs = cutBottomRightAndTopLeft ? [0, 1, 2, 3] : [3, 0, 1, 2];
      } else {
        pairs = [];
        if ((c & 1) !== (c & 2) >> 1) pairs.push(0);
        if ((c & 2) >> 1 !== (c & 4) >> 2) pairs.push(1);
        if ((c & 8) >> 3 !== (c & 4) >> 2) pairs.push(2);
        if ((c & 1) !== (c & 8) >> 3) pairs.push(3);
      }
      for (const k of pairs) point(k, j, i, v00, v10, v11, v01);
    }
  }
  return Float64Array.from(out);
}
