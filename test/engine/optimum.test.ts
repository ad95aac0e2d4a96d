// The global optimum: exact and zero-cost for the hinge, best-found (never exact) elsewhere.
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../main/engine/data.js';
import { jsKernel } from '../../main/engine/jsKernel.js';
import { JsNet } from '../../main/engine/jsNet.js';
import { architectureOf, layoutOf } from '../../main/engine/model.js';
import { bestFoundOptimum, closestScale, exactOptimum, exactOptimumBlocker } from '../../main/engine/optimum.js';
import { Rng } from '../../main/engine/prng.js';
import { simdKernel } from '../../main/engine/simdKernel.js';
import { trainBatch, type BatchSpec } from '../../main/engine/train.js';
import { config, maxAbsDiff, optimum, train } from '../support/helpers.js';

describe('exact optimum of the hinge', () => {
  for (const target of [
    { kind: 'hinge' as const, x0: 0.25, m1: 1.5, m2: -0.5, b: 0 },
    { kind: 'hinge' as const, x0: -0.6, m1: -2, m2: 3, b: 1.25 },
    { kind: 'hinge' as const, x0: 0.1, m1: 0.7, m2: 0.7, b: -0.3 },
  ]) {
    it(`zero cost and reproduces the data: x0=${target.x0}, m1=${target.m1}, m2=${target.m2}, b=${target.b}`, () => {
      const c = config({ data: { target } });
      const arch = architectureOf(c);
      const data = makeDataset(c);
      const p = exactOptimum(c, arch);
      expect(p).not.toBeNull();
      const loss = jsKernel.losses(arch, data, p as Float32Array, 1)[0];
      expect(loss).toBeLessThan(1e-12);
      const yHat = new JsNet(arch).predict(p as Float32Array, 0, data.x, data.n);
      expect(maxAbsDiff(yHat, data.y)).toBeLessThan(1e-5);
    });
  }

  it('switches extra units off: with 5 units only 2 carry output weight', () => {
    const c = config({ model: { hidden: [5] } });
    const arch = architectureOf(c);
    const p = exactOptimum(c, arch) as Float32Array;
    const { layers } = layoutOf(arch);
    const outWeights = Array.from(p.subarray(layers[1].w, layers[1].w + 5));
    expect(outWeights.filter((w) => w !== 0)).toHaveLength(2);
    expect(jsKernel.losses(arch, makeDataset(c), p, 1)[0]).toBeLessThan(1e-12);
  });

  it('aligned to the trained network, it is the closest of the equivalent optima', async () => {
    const c = config({ steps: 3000, seed: 1 });
    const trained = await train(c, { kernel: 'js' });
    const arch = architectureOf(c);
    const aligned = exactOptimum(c, arch, trained.params.final) as Float32Array;
    const canonical = exactOptimum(c, arch) as Float32Array;
    const dist = (a: Float32Array, b: Float32Array) => Math.hypot(...Array.from(a, (v, i) => v - b[i]));
    expect(dist(aligned, trained.params.final)).toBeLessThan(dist(canonical, trained.params.final));
    expect(dist(aligned, trained.params.final)).toBeLessThan(0.05);
    expect(jsKernel.losses(arch, makeDataset(c), aligned, 1)[0]).toBeLessThan(1e-12);
    expect(trained.optimum?.kind).toBe('exact');
    expect(Array.from(trained.params.optimum as Float32Array)).toEqual(Array.from(aligned));
  });

  it('the scale of a unit closest to a trained one is the lowest point of its distance, to rounding', () => {
    const r = new Rng(11);
    for (let t = 0; t < 300; t++) {
      const [A, B, C, D] = [1 + r.uniform(0, 1) ** 2, r.uniform(-4, 4), r.uniform(0.01, 9), r.uniform(-6, 6)];
      const f = (k: number) => A * k * k - 2 * B * k + C / (k * k) - 2 * D / k;
      const k = closestScale(A, B, C, D);
      // A fine scan in log k over the same range never finds a lower point.
      let lowest = Infinity;
      for (let i = 0; i <= 24_000; i++) lowest = Math.min(lowest, f(Math.exp(-12 + i / 1000)));
      expect(f(k)).toBeLessThanOrEqual(lowest + 1e-12 * Math.abs(lowest));
      // And it is a stationary point: f'(k) = 0 up to rounding of its terms.
      const terms = [A * k, B, C / k ** 3, D / k ** 2].map(Math.abs);
      expect(Math.abs(A * k - B - C / k ** 3 + D / k ** 2)).toBeLessThan(1e-12 * Math.max(...terms));
    }
  });

  it('says why the closed form does not apply', () => {
    expect(exactOptimumBlocker(config({ model: { hidden: [1] } }))).toBe('the hinge needs 2 hidden units, the network has 1');
    expect(exactOptimumBlocker(config({ data: { target: { kind: 'hinge' }, noise: 0.1 } }))).toBe('noisy data has no closed-form optimum');
    expect(exactOptimumBlocker(config({ model: { activation: 'tanh' } }))).toBe('the closed form needs relu hidden units');
    expect(exactOptimumBlocker(config({ data: { target: { kind: 'sine' } } }))).toMatch(/sine target is not exactly representable/);
    expect(exactOptimumBlocker(config())).toBeNull();
  });
});

describe('best-found optimum', () => {
  it('a polynomial target gets the best of K restarts, labelled best-found, never exact', async () => {
    const c = config({ data: { target: { kind: 'polynomial', coefficients: [0, 0, 1] }, n: 100 }, model: { hidden: [8] }, steps: 500 });
    const arch = architectureOf(c);
    const data = makeDataset(c);
    const found = await bestFoundOptimum(c, arch, data, (spec, o) => trainBatch(jsKernel, spec, o), { restarts: 4, steps: 800 });
    expect(found.kind).toBe('best-found');
    expect(found.loss).toBeCloseTo(jsKernel.losses(arch, data, found.params, 1)[0], 10);
    // Better than the mean predictor (the variance of x² on [−1, 1] is 4/45 ≈ 0.089).
    expect(found.loss).toBeLessThan(0.01);
    const viaLab = await optimum(c, { restarts: 2, kernel: 'js' });
    expect(viaLab.kind).toBe('best-found');
    expect(viaLab.method).toMatch(/^best of 2 full-batch Adam restarts.*polynomial target is not exactly representable/);
  });

  it('restarts of a wide network train in groups that fit 256 MiB, with the numbers one batch gives', async () => {
    // 1→1024→1024→1: about a million parameters, so 7 restarts fit a group and 9 make two groups.
    const c = config({ data: { target: { kind: 'sine' }, n: 4 }, model: { hidden: [1024, 1024] }, steps: 10 });
    const arch = architectureOf(c);
    const data = makeDataset(c);
    const batches: BatchSpec[] = [];
    const found = await bestFoundOptimum(c, arch, data, (spec, o) => (batches.push(spec), trainBatch(simdKernel, spec, o)), { restarts: 9, steps: 3 });
    expect(batches.map((b) => b.runs.length)).toEqual([7, 2]);
    const all = await trainBatch(simdKernel, { ...batches[0], runs: batches.flatMap((b) => b.runs) }, {});
    const losses = all.map((o) => o.loss.values[o.loss.values.length - 1]);
    const k = losses.indexOf(Math.min(...losses));
    expect(found.loss).toBe(losses[k]);
    expect(Buffer.from(found.params.buffer).equals(Buffer.from(all[k].final.buffer))).toBe(true);
  }, 120_000);
});

