// Mesh exports of a hand-made 3×2 surface: counts, a known vertex, VTP structure, STL normals, and a
// surface with diverged points written so that VTK (and every mesh reader) can parse it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { surfaceToObj, surfaceToStl, surfaceToVtp, type MeshSource } from '../../renderer/src/lib/meshExport.js';

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

// A diverged corner (issue 11): JavaScript writes Infinity, -Infinity and NaN, which VTK refuses.
// α ∈ {−1, 0, 1, 2}, β ∈ {−2, 2}: only the first cell has four finite corners; a NaN in last place.
const diverged: MeshSource = { ...surface, alphas: Float64Array.from([-1, 0, 1, 2]), loss: Float64Array.from([0.5, 0, Infinity, 0.25, 1, 2, -Infinity, NaN]) };

/** VTK reads ASCII DataArrays with C++ stream extraction: these are the tokens it accepts, per type. */
const VTK_TOKEN: Record<string, RegExp> = {
  Float64: /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/,
  Int32: /^[+-]?\d+$/,
  UInt8: /^\d+$/,
};

/** Every DataArray of a VTP: its type, name, components and tokens. */
function dataArrays(text: string) {
  return [...text.matchAll(/<DataArray ([^>]*)>([^<]*)<\/DataArray>/g)].map((m) => ({
    type: /type="(\w+)"/.exec(m[1])![1],
    name: /Name="(\w+)"/.exec(m[1])?.[1] ?? 'Points',
    components: Number(/NumberOfComponents="(\d+)"/.exec(m[1])?.[1] ?? 1),
    tokens: m[2].split(/\s+/).filter(Boolean),
  }));
}

describe('exports of a surface with diverged points', () => {
  it('the VTP has only tokens VTK parses, a value per point for each array, and valid = 0 where J was not finite', () => {
    const text = surfaceToVtp(diverged);
    const arrays = dataArrays(text);
    expect(arrays.map((a) => a.name)).toEqual(['J', 'valid', 'Points', 'connectivity', 'offsets']);
    for (const a of arrays) {
      const bad = a.tokens.filter((t) => !VTK_TOKEN[a.type].test(t) || !Number.isFinite(Number(t)));
      expect(bad, `${a.name} (${a.type})`).toEqual([]);
    }
    const byName = Object.fromEntries(arrays.map((a) => [a.name, a.tokens.map(Number)]));
    expect(byName.valid).toEqual([1, 1, 0, 1, 1, 1, 0, 0]);
    // +∞ and NaN stand in as the largest finite J (2), −∞ as the smallest (0).
    expect(byName.J).toEqual([0.5, 0, 2, 0.25, 1, 2, 0, 2]);
    expect(text).toContain('NumberOfPoints="8"');
    expect(byName.Points.length).toBe(3 * 8);
    expect(byName.Points.filter((_, i) => i % 3 === 2)).toEqual(byName.J);
    // Only the first cell is whole; no polygon uses a diverged point.
    expect(text).toContain('NumberOfPolys="2"');
    expect(byName.connectivity).toEqual([0, 1, 5, 0, 5, 4]);
    expect(byName.offsets).toEqual([3, 6]);
    expect(text).toMatch(/3 points have a non-finite J \(diverged\): valid = 0/);
  });

  it('a surface with no finite J at all writes 0 everywhere, still parseable', () => {
    const arrays = dataArrays(surfaceToVtp({ ...surface, loss: new Float64Array(6).fill(NaN) }));
    expect(arrays.find((a) => a.name === 'J')!.tokens).toEqual(['0', '0', '0', '0', '0', '0']);
  });

  it('OBJ writes finite vertices and says how many diverged; STL normals stay finite for huge costs', () => {
    const obj = surfaceToObj(diverged);
    expect(obj).not.toMatch(/Infinity|NaN/);
    expect(obj).toContain('# 3 vertices had a non-finite cost (diverged)');
    const huge = surfaceToStl({ ...surface, loss: Float64Array.from([1e300, -1e300, 1e-300, 1e300, 0, -1e300]) });
    const normals = [...huge.matchAll(/facet normal (\S+) (\S+) (\S+)/g)].map((m) => m.slice(1).map(Number));
    expect(normals.length).toBe(4);
    for (const n of normals) expect(Math.hypot(n[0], n[1], n[2])).toBeCloseTo(1, 12);
  });
});

// The real reader: VTK's own XML PolyData reader (Debian's python3-vtk9), when installed.
const READ_VTP = `
import json, sys
from vtkmodules.vtkIOXML import vtkXMLPolyDataReader
errors = []
reader = vtkXMLPolyDataReader()
reader.AddObserver('ErrorEvent', lambda obj, event: errors.append(event))
reader.SetFileName(sys.argv[1])
reader.Update()
out = reader.GetOutput()
pd = out.GetPointData()
arrays = {pd.GetArrayName(i): [pd.GetArray(i).GetValue(k) for k in range(pd.GetArray(i).GetNumberOfTuples())] for i in range(pd.GetNumberOfArrays())}
z = [out.GetPoint(k)[2] for k in range(out.GetNumberOfPoints())]
print(json.dumps({'errors': len(errors), 'points': out.GetNumberOfPoints(), 'polys': out.GetNumberOfPolys(), 'arrays': arrays, 'z': z}))
`;
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import vtkmodules.vtkIOXML'], { stdio: 'ignore' }).status === 0);
if (!python) console.warn('meshExport: VTK reader tests skipped: no python3 with the vtk module (apt-get install python3-vtk9)');

function readWithVtk(text: string): { errors: number; points: number; polys: number; arrays: Record<string, number[]>; z: number[] } {
  const file = join(mkdtempSync(join(tmpdir(), 'lab-vtp-')), 'surface.vtp');
  writeFileSync(file, text);
  const r = spawnSync(python as string, ['-c', READ_VTP, file], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
}

describe.skipIf(!python)('VTK reads the VTP', () => {
  it('of a diverged surface: every point, the whole cell, J and valid as written', () => {
    const read = readWithVtk(surfaceToVtp(diverged));
    expect(read.errors).toBe(0);
    expect(read.points).toBe(8);
    expect(read.polys).toBe(2);
    expect(read.arrays.J).toEqual([0.5, 0, 2, 0.25, 1, 2, 0, 2]);
    expect(read.arrays.valid).toEqual([1, 1, 0, 1, 1, 1, 0, 0]);
    expect(read.z).toEqual(read.arrays.J);
  });

  it('refuses what JavaScript wrote before: a NaN token, even in last place (the check can fail)', () => {
    const before = surfaceToVtp(surface).replace(/(Name="J" format="ascii">[^<]*) 4</, '$1 NaN<');
    expect(before).toContain(' NaN</DataArray>');
    expect(readWithVtk(before).errors).toBeGreaterThan(0);
  });
});
