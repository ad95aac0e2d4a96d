// Mesh exports of a hand-made 3×2 surface: counts, a known vertex, VTP structure, STL normals.
import { describe, expect, it } from 'vitest';
import { surfaceToObj, surfaceToStl, surfaceToVtp, type MeshSource } from '../renderer/src/lib/meshExport.js';

// α ∈ {−1, 0, 1}, β ∈ {−2, 2}; row per β: loss[i·3 + j] = J(α_j, β_i).
const surface: MeshSource = {
  id: 7,
  center: 'trained',
  axisLabels: ['W1[0,0]', 'b1[1]'],
  alphas: Float64Array.from([-1, 0, 1]),
  betas: Float64Array.from([-2, 2]),
  loss: Float64Array.from([0.5, 0, 0.25, 1, 2, 4]),
};

describe('surfaceToObj', () => {
  const lines = surfaceToObj(surface).trim().split('\n');
  it('has one vertex per grid point and two triangles per cell', () => {
    expect(lines.filter((l) => l.startsWith('v ')).length).toBe(6);
    expect(lines.filter((l) => l.startsWith('f ')).length).toBe(4);
  });
  it('writes raw α, β, J in grid order with 1-based faces', () => {
    const vertices = lines.filter((l) => l.startsWith('v '));
    expect(vertices[0]).toBe('v -1 -2 0.5');
    expect(vertices[4]).toBe('v 0 2 2');
    expect(lines.filter((l) => l.startsWith('f '))[0]).toBe('f 1 2 5');
  });
  it('leaves cells with a non-finite cost open', () => {
    const diverged = { ...surface, loss: Float64Array.from([0.5, 0, 0.25, Infinity, 2, 4]) };
    expect(surfaceToObj(diverged).split('\n').filter((l) => l.startsWith('f ')).length).toBe(2);
  });
});

describe('surfaceToStl', () => {
  const text = surfaceToStl(surface);
  it('has one facet per triangle, each with a finite unit normal and three vertices', () => {
    const normals = [...text.matchAll(/facet normal (\S+) (\S+) (\S+)/g)].map((m) => m.slice(1).map(Number));
    expect(normals.length).toBe(4);
    for (const n of normals) {
      expect(n.every(Number.isFinite)).toBe(true);
      expect(Math.hypot(n[0], n[1], n[2])).toBeCloseTo(1, 12);
      expect(n[2]).toBeGreaterThan(0);
    }
    expect(text.match(/^\s*vertex /gm)?.length).toBe(12);
    expect(text.startsWith('solid landscape_surface_7\n')).toBe(true);
    expect(text.trim().endsWith('endsolid landscape_surface_7')).toBe(true);
  });
  it('computes the first facet normal from its triangle', () => {
    // Triangle (−1,−2,0.5), (0,−2,0), (0,2,2): u = (1,0,−0.5), v = (1,4,1.5), n = u×v = (2,−2,4).
    const first = text.match(/facet normal (\S+) (\S+) (\S+)/)!.slice(1).map(Number);
    const s = Math.sqrt(24);
    expect(first[0]).toBeCloseTo(2 / s, 12);
    expect(first[1]).toBeCloseTo(-2 / s, 12);
    expect(first[2]).toBeCloseTo(4 / s, 12);
  });
});

describe('surfaceToVtp', () => {
  const text = surfaceToVtp(surface);
  it('declares the point and polygon counts', () => {
    expect(text).toContain('NumberOfPoints="6"');
    expect(text).toContain('NumberOfPolys="4"');
    expect(text).toContain('<VTKFile type="PolyData"');
  });
  it('carries raw J as point data, the points and the connectivity', () => {
    const array = (name: string) => text.match(new RegExp(`Name="${name}"[^>]*>([^<]*)<`))![1].split(' ').map(Number);
    expect(array('J')).toEqual([0.5, 0, 0.25, 1, 2, 4]);
    expect(array('connectivity')).toEqual([0, 1, 4, 0, 4, 3, 1, 2, 5, 1, 5, 4]);
    expect(array('offsets')).toEqual([3, 6, 9, 12]);
    const points = text.match(/NumberOfComponents="3" format="ascii">([^<]*)</)![1].split(' ').map(Number);
    expect(points.length).toBe(18);
    expect(points.slice(15)).toEqual([1, 2, 4]);
  });
});
