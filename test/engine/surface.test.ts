// Cost surfaces, their directions and projections, and the 1-D interpolation.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../shared/config.js';
import { dot, filterNormalizedDirection, norm, orthonormalPair, parseAxes, trajectoryPca, unitDirection } from '../../main/engine/directions.js';
import { jsKernel } from '../../main/engine/jsKernel.js';
import { architectureOf, layoutOf } from '../../main/engine/model.js';
import { Rng } from '../../main/engine/prng.js';
import { costSurface } from '../../main/engine/surface.js';
import { makeDataset } from '../../main/engine/data.js';
import { config, interpolation, landscape, train } from '../support/helpers.js';

const layout = layoutOf(architectureOf(config()));

describe('axes', () => {
  it('parses params:NAME,NAME with commas inside brackets', () => {
    expect(parseAxes('params:W1[0,1],b1[1]', layout)).toEqual({ kind: 'params', names: ['W1[0,1]', 'b1[1]'] });
    expect(parseAxes(' params: W1[0,0] , W2[1,0] ', layout)).toEqual({ kind: 'params', names: ['W1[0,0]', 'W2[1,0]'] });
    expect(parseAxes('pca', layout)).toEqual({ kind: 'pca' });
  });

  it('rejects unknown names and shapes with one line naming what is allowed', () => {
    expect(() => parseAxes('params:W9[0,0],b1[0]', layout)).toThrow(new InputError('axes: no parameter "W9[0,0]" in this network; it has W1[0,0], W1[0,1], b1[0], b1[1], W2[0,0], W2[1,0], b2[0]'));
    expect(() => parseAxes('params:b1[0]', layout)).toThrow(/exactly two parameter names/);
    expect(() => parseAxes('diagonal', layout)).toThrow(/axes: must be params:NAME,NAME .* random, plane, pca, local.* \(got "diagonal"\)/);
    expect(() => parseAxes('params:b1[0],b1[0]', layout)).toThrow(/must differ/);
  });

  it('filter-normalized directions have, filter by filter, the norm of the center', () => {
    const center = Float32Array.of(0.5, -2, 0.1, 0, 3, -1, 0.2);
    const d = filterNormalizedDirection(layout, center, new Rng(1));
    // Filters: unit j of layer 1 is (W1[0,j], b1[j]); the output unit is (W2[0,0], W2[1,0], b2[0]).
    const filters = [[0, 2], [1, 3], [4, 5, 6]];
    for (const f of filters) {
      expect(Math.hypot(...f.map((i) => d[i]))).toBeCloseTo(Math.hypot(...f.map((i) => center[i])), 12);
    }
  });

  it('orthonormalPair gives orthonormal vectors and replaces a degenerate candidate', () => {
    const a = Float64Array.of(1, 2, 0, 0);
    const { basis, replaced } = orthonormalPair([a, Float64Array.of(2, 4, 0, 0)], 4, 1);
    expect(replaced).toBe(1);
    expect(norm(basis[0])).toBeCloseTo(1, 12);
    expect(norm(basis[1])).toBeCloseTo(1, 12);
    expect(dot(basis[0], basis[1])).toBeCloseTo(0, 12);
  });

  it('PCA finds the directions a trajectory moves along', () => {
    // Points on a line along e0 with a smaller wiggle along e2: PC1 = ±e0, PC2 = ±e2.
    const K = 30;
    const P = 4;
    const snaps = new Float32Array(K * P);
    for (let k = 0; k < K; k++) {
      snaps[k * P] = k;
      snaps[k * P + 2] = Math.sin(k);
    }
    const { basis, explained } = trajectoryPca(snaps, K, 1);
    expect(Math.abs(basis[0][0])).toBeGreaterThan(0.99);
    expect(Math.abs(basis[1][2])).toBeGreaterThan(0.99);
    expect(explained[0]).toBeGreaterThan(0.9);
    expect(explained[0] + explained[1]).toBeCloseTo(1, 6);
  });
});

describe('cost surface', () => {
  it('grid values are J at c + α·d1 + β·d2, row per β; markers project onto the plane', async () => {
    const c = config();
    const data = makeDataset(c);
    const arch = architectureOf(c);
    const center = Float32Array.of(1, -1, -0.25, 0.25, 1.5, 0.5, 0);
    const d1 = unitDirection(layout, 'W1[0,0]');
    const d2 = unitDirection(layout, 'b1[0]');
    const onPlane = Float32Array.from(center);
    onPlane[0] += 0.5;
    onPlane[2] -= 0.25;
    const off = Float32Array.from(onPlane);
    off[6] += 2;
    const s = await costSurface({ kernel: jsKernel, arch, data, center, d1, d2, res: 5, span: 1, trajectory: center, markers: { trained: onPlane, optimum: off } });
    expect(s.loss.length).toBe(25);
    expect(Array.from(s.alphas)).toEqual([-1, -0.5, 0, 0.5, 1]);
    // Row i is β = betas[i]; column j is α = alphas[j].
    const at = (i: number, j: number) => {
      const p = Float32Array.from(center);
      p[0] += s.alphas[j];
      p[2] += s.betas[i];
      return jsKernel.losses(arch, data, p, 1)[0];
    };
    expect(s.loss[1 * 5 + 3]).toBeCloseTo(at(1, 3), 12);
    expect(s.loss[4 * 5 + 0]).toBeCloseTo(at(4, 0), 12);
    expect(s.loss[2 * 5 + 2]).toBeCloseTo(jsKernel.losses(arch, data, center, 1)[0], 12);
    expect(s.markers.trained).toMatchObject({ alpha: 0.5, beta: -0.25, offPlane: 0 });
    expect(s.markers.optimum?.offPlane).toBeCloseTo(2, 6);
    expect(s.markers.optimum?.loss).toBeCloseTo(s.markers.trained?.loss as number, 12);
  });

  it('the plane through init, trained and optimum holds all three (offPlane ≈ 0) and fits them with span auto', async () => {
    const c = config({ steps: 2000 });
    const l = await landscape(c, { center: 'trained', axes: 'plane', res: 9, span: 'auto' }, { kernel: 'js' });
    expect(l.optimumKind).toBe('exact');
    for (const m of ['init', 'trained', 'optimum'] as const) {
      expect(l.markers[m]?.offPlane).toBeLessThan(1e-5);
      expect(Math.abs(l.markers[m]?.alpha as number)).toBeLessThanOrEqual(l.span);
    }
    expect(l.markers.trained).toMatchObject({ alpha: 0, beta: 0 });
    expect(l.markers.optimum?.loss).toBeLessThan(1e-10);
    expect(dot(l.d1, l.d2)).toBeCloseTo(0, 10);
    expect(l.trajectory.alpha.length).toBe(l.trajectory.loss.length);
    expect(l.kernel).toBe('js');
  });

  it('pca axes explain the trajectory and reach the trained point', async () => {
    const c = config({ steps: 1000 });
    const l = await landscape(c, { center: 'trained', axes: 'pca', res: 5, span: 'auto' }, { kernel: 'js' });
    expect(l.explained?.[0]).toBeGreaterThan(0.5);
    const last = l.trajectory.alpha.length - 1;
    expect(l.trajectory.alpha[last]).toBeCloseTo(0, 6);
  });

  it('interpolation runs from one point to the other', async () => {
    const c = config({ steps: 1500 });
    const trained = await train(c, { kernel: 'js' });
    const i = await interpolation(c, { from: 'init', to: 'optimum', points: 11 }, { kernel: 'js', trained });
    expect(i.loss[0]).toBeCloseTo(trained.loss.values[0], 10);
    expect(i.loss[10]).toBeLessThan(1e-10);
    expect(Array.from(i.t)).toEqual(Array.from({ length: 11 }, (_, k) => k / 10));
  });
});
