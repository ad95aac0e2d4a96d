// Contour levels and marching squares on grids whose level sets are known exactly.
import { describe, expect, it } from 'vitest';
import { colormap, cssColor } from '../../renderer/src/lib/colormap.js';
import { contourLevels, marchingSquares } from '../../renderer/src/lib/contours.js';

function grid(nx: number, ny: number, f: (x: number, y: number) => number): Float64Array {
  const v = new Float64Array(nx * ny);
  for (let i = 0; i < ny; i++) for (let j = 0; j < nx; j++) v[i * nx + j] = f(j, i);
  return v;
}

function endpoints(segments: Float64Array): [number, number][] {
  const points: [number, number][] = [];
  for (let k = 0; k < segments.length; k += 2) points.push([segments[k], segments[k + 1]]);
  return points;
}

describe('contourLevels', () => {
  it('spaces levels evenly inside the range', () => {
    expect(contourLevels(0, 10, 4, false)).toEqual([2, 4, 6, 8]);
  });
  it('spaces log levels by decades', () => {
    const levels = contourLevels(1e-4, 1, 3, true);
    expect(levels.map((l) => Math.log10(l))).toEqual([-3, -2, -1].map((e) => expect.closeTo(e, 12)));
  });
  it('gives nothing for an empty range or a non-positive log minimum', () => {
    expect(contourLevels(1, 1, 5, false)).toEqual([]);
    expect(contourLevels(0, 1, 5, true)).toEqual([]);
  });
});

describe('marchingSquares', () => {
  it('cuts a ramp in x along a vertical line, one segment per crossed cell', () => {
    const s = marchingSquares(grid(6, 4, (x) => x), 6, 4, 2.5);
    expect(s.length).toBe(3 * 4);
    for (const [x] of endpoints(s)) expect(x).toBe(2.5);
    const ys = endpoints(s).map(([, y]) => y).sort();
    expect(ys).toEqual([0, 1, 1, 2, 2, 3]);
  });

  it('puts every endpoint on the level of a tilted plane', () => {
    const f = (x: number, y: number) => 0.7 * x - 0.3 * y + 0.1;
    const nx = 9;
    const ny = 7;
    const s = marchingSquares(grid(nx, ny, f), nx, ny, 2.05);
    expect(s.length).toBeGreaterThan(0);
    for (const [x, y] of endpoints(s)) {
      expect(Math.abs(f(x, y) - 2.05)).toBeLessThan(1e-9);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(nx - 1);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(ny - 1);
    }
  });

  it('closes the level circle of a cone, every endpoint shared by two segments', () => {
    const n = 21;
    const s = marchingSquares(grid(n, n, (x, y) => Math.hypot(x - 10, y - 10)), n, n, 6.3);
    const points = endpoints(s);
    const seen = new Map<string, number>();
    for (const [x, y] of points) {
      expect(Math.abs(Math.hypot(x - 10, y - 10) - 6.3)).toBeLessThan(0.1);
      const key = `${x.toFixed(9)},${y.toFixed(9)}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const count of seen.values()) expect(count).toBe(2);
    expect(seen.size).toBe(points.length / 2);
  });

  it('splits a saddle cell by its mean and skips cells with a NaN corner', () => {
    // Corners (0,0) and (1,1) high, mean 0.5 ≥ 0.4: the high diagonal joins, cutting off the low corners.
    const s = marchingSquares([1, 0, 0, 1], 2, 2, 0.4);
    expect(Array.from(s)).toEqual([0.6, 0, 1, 0.4, 0.4, 1, 0, 0.6]);
    expect(marchingSquares([1, 0, NaN, 1], 2, 2, 0.4).length).toBe(0);
  });
});

describe('colormap', () => {
  it('hits the table ends and clamps outside [0, 1]', () => {
    expect(colormap('viridis', 0)).toEqual([0.267004, 0.004874, 0.329415]);
    expect(colormap('viridis', 2)).toEqual([0.993248, 0.906157, 0.143936]);
    expect(colormap('magma', -1)).toEqual([0.001462, 0.000466, 0.013866]);
    expect(cssColor(colormap('cividis', 1))).toBe('rgb(254 232 56)');
  });
  it('matches the 256-entry table between control points to within 1/255', () => {
    // matplotlib viridis entry 100 of 255.
    const [r, g, b] = colormap('viridis', 100 / 255);
    expect(Math.abs(r - 0.166617)).toBeLessThan(1 / 255);
    expect(Math.abs(g - 0.463708)).toBeLessThan(1 / 255);
    expect(Math.abs(b - 0.558119)).toBeLessThan(1 / 255);
  });
});
