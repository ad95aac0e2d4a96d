// The exact Hessian (forward-over-backward) against central differences of the exact float64
// gradient, for every hidden activation and head; the symmetric eigen-decomposition; and the zero
// curvature the ReLU rescaling predicts at the hinge problem's exact optimum.
import { describe, expect, it } from 'vitest';
import type { HiddenActivation, LossKind, OutputKind } from '../../shared/config.js';
import { parseConfig } from '../../shared/config.js';
import { makeDataset, type Dataset } from '../../main/engine/data.js';
import { symmetricEigen } from '../../main/engine/eigen.js';
import { HessianNet } from '../../main/engine/hessian.js';
import { JsNet } from '../../main/engine/jsNet.js';
import { architectureOf, layoutOf, type Architecture } from '../../main/engine/model.js';
import { exactOptimum } from '../../main/engine/optimum.js';
import { Rng } from '../../main/engine/prng.js';
import { initialParams } from '../../main/engine/init.js';
import { hessianAnalysis } from '../../main/engine/spectrum.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { surfaceCurvature } from '../../main/lab/convexityMap.js';
import { hessianOf } from '../../main/lab/hessian.js';
import { presetByName, presetConfig } from '../../shared/presets.js';
import { landscape, randomDataset, train } from '../support/helpers.js';

/** Central differences of JsNet's float64 gradient: column k of the Hessian, error O(h²). */
function referenceHessian(arch: Architecture, p: Float64Array, data: Dataset, h = 1e-5): Float64Array {
  const net = new JsNet(arch, { general: true });
  const P = p.length;
  const H = new Float64Array(P * P);
  const g = (q: Float64Array) => {
    const grad = new Float64Array(P);
    net.evaluate(q, 0, data, null, 0, data.n, grad);
    return grad;
  };
  for (let k = 0; k < P; k++) {
    const up = Float64Array.from(p);
    const down = Float64Array.from(p);
    up[k] += h;
    down[k] -= h;
    const gu = g(up);
    const gd = g(down);
    for (let i = 0; i < P; i++) H[i * P + k] = (gu[i] - gd[i]) / (2 * h);
  }
  return H;
}

/** The largest |a − b| relative to the largest |b| (entries near zero compared on that scale). */
function relativeError(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

/** Smallest distance of any pre-activation (hidden ReLU) or residual (L1) to its kink. */
function distanceToKinks(arch: Architecture, p: Float64Array, data: Dataset): number {
  const net = new JsNet(arch, { general: true });
  let nearest = Infinity;
  for (let l = 1; l < arch.sizes.length - 1; l++) {
    if (arch.activations[l - 1] !== 'relu') continue;
    for (const z of net.preActivations(p, 0, data, l)) nearest = Math.min(nearest, Math.abs(z));
  }
  if (arch.loss === 'l1') {
    const out = net.predict(p, 0, data.x, data.n);
    for (let i = 0; i < out.length; i++) nearest = Math.min(nearest, Math.abs(out[i] - data.y[i]));
  }
  return nearest;
}

const HEADS: [OutputKind, LossKind, number][] = [
  ['linear', 'l2', 1],
  ['linear', 'l1', 1],
  ['sigmoid', 'l2', 1],
  ['sigmoid', 'l1', 1],
  ['sigmoid', 'nll', 1],
  ['softmax', 'nll', 3],
];

describe('the exact Hessian matches central differences of the float64 gradient to 1e-6', () => {
  for (const activation of ['tanh', 'sigmoid', 'relu', 'linear'] as HiddenActivation[]) {
    for (const [output, loss, dOut] of HEADS) {
      it(`${activation} hidden, ${output} output, ${loss} loss, at 3 random points`, () => {
        const rng = new Rng(11, `${activation}/${output}/${loss}`);
        const arch: Architecture = { sizes: [2, 4, 3, dOut], activations: [activation, activation], output, loss };
        const P = layoutOf(arch).count;
        // More than one chunk of samples (256), so the chunks' sums are exercised.
        const data = randomDataset(arch, 300, rng);
        const net = new HessianNet(arch);
        let checked = 0;
        for (let attempt = 0; checked < 3 && attempt < 50; attempt++) {
          const p = Float64Array.from({ length: P }, () => rng.normal());
          // Central differences straddling a kink measure the jump, not the curvature: skip such points.
          if (distanceToKinks(arch, p, data) < 1e-3) continue;
          const { hessian, gradient, loss: J } = net.hessian(p, data);
          const ref = referenceHessian(arch, p, data);
          expect(relativeError(hessian, ref)).toBeLessThan(1e-6);
          const g = new Float64Array(P);
          const J2 = new JsNet(arch, { general: true }).evaluate(p, 0, data, null, 0, data.n, g);
          expect(Math.abs(J - J2)).toBeLessThan(1e-12 * Math.max(1, Math.abs(J2)));
          expect(relativeError(gradient, g)).toBeLessThan(1e-12);
          for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) expect(hessian[i * P + j]).toBe(hessian[j * P + i]);
          checked++;
        }
        expect(checked).toBe(3);
      });
    }
  }

  it('the tutorial 1→2→1 ReLU network under L2 (the fast path is not used: the Hessian has its own passes)', () => {
    const config = parseConfig({ data: { target: { kind: 'hinge' }, n: 500 } });
    const data = makeDataset(config);
    const arch = architectureOf(config, data.dIn);
    const rng = new Rng(3, 'tutorial');
    const p = Float64Array.from({ length: 7 }, () => rng.normal());
    expect(distanceToKinks(arch, p, data)).toBeGreaterThan(1e-4);
    const { hessian } = new HessianNet(arch).hessian(p, data);
    expect(relativeError(hessian, referenceHessian(arch, p, data, 1e-6))).toBeLessThan(1e-6);
  });
});

describe('symmetricEigen (Householder + QL)', () => {
  for (const n of [1, 2, 7, 40]) {
    it(`decomposes a random symmetric ${n}×${n} matrix: A·v = λ·v, orthonormal, ascending`, () => {
      const rng = new Rng(5, `eigen${n}`);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
      const { values, vectors } = symmetricEigen(a, n);
      expect(values.length).toBe(n);
      for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
      let trace = 0;
      for (let i = 0; i < n; i++) trace += a[i * n + i];
      expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 10);
      for (let k = 0; k < n; k++) {
        const v = vectors.subarray(k * n, (k + 1) * n);
        for (let i = 0; i < n; i++) {
          let av = 0;
          for (let j = 0; j < n; j++) av += a[i * n + j] * v[j];
          expect(Math.abs(av - values[k] * v[i])).toBeLessThan(1e-12 * n);
        }
        for (let q = 0; q <= k; q++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += v[i] * vectors[q * n + i];
          expect(Math.abs(dot - (q === k ? 1 : 0))).toBeLessThan(1e-12 * n);
        }
      }
    });
  }

  it('finds a repeated eigenvalue of a diagonal matrix and a zero one of a rank-one matrix', () => {
    const diag = symmetricEigen(Float64Array.from([3, 0, 0, 0, 1, 0, 0, 0, 3]), 3);
    expect([...diag.values]).toEqual([1, 3, 3]);
    const u = [1, 2, 2];
    const rankOne = symmetricEigen(Float64Array.from({ length: 9 }, (_, i) => u[Math.floor(i / 3)] * u[i % 3]), 3);
    expect(rankOne.values[0]).toBeCloseTo(0, 14);
    expect(rankOne.values[1]).toBeCloseTo(0, 14);
    expect(rankOne.values[2]).toBeCloseTo(9, 12);
  });
});

describe('at the exact optimum of the 1→2→1 hinge problem', () => {
  it('the Hessian has one zero eigenvalue per hidden unit, with eigenvectors spanning the ReLU rescalings', () => {
    const config = parseConfig({ data: { target: { kind: 'hinge' }, n: 500 } });
    const data = makeDataset(config);
    const arch = architectureOf(config, data.dIn);
    const opt = exactOptimum(config, arch)!;
    const p = Float64Array.from(opt);
    const { hessian, loss } = new HessianNet(arch).hessian(p, data);
    expect(loss).toBeLessThan(1e-12);
    const { values, vectors } = symmetricEigen(hessian, 7);
    const top = values[6];
    // Layout: W1[0,0] W1[0,1] b1[0] b1[1] W2[0,0] W2[1,0] b2[0]. Unit j's rescaling w→c·w, b→c·b,
    // v→v/c has the tangent (w_j, b_j, −v_j).
    const rescaling = (j: number) => {
      const t = new Float64Array(7);
      t[j] = p[j];
      t[2 + j] = p[2 + j];
      t[4 + j] = -p[4 + j];
      const norm = Math.hypot(...t);
      return t.map((v) => v / norm);
    };
    const zero = [0, 1, 2, 3, 4, 5, 6].filter((k) => Math.abs(values[k]) < 1e-6 * top);
    // Two from the rescalings, and a third that is no symmetry: each unit is active on one side of
    // the kink, so their biases' indicator functions sum to the output bias's constant, and
    // b1[0] += ε/v1, b1[1] += ε/v2, b2[0] −= ε is flat to second order (it moves the kinks: third order).
    expect(zero.length).toBe(3);
    expect(values[3]).toBeGreaterThan(1e-3 * top);
    for (const t of [rescaling(0), rescaling(1)]) {
      // The tangent lies in the near-zero eigenspace: its projection there has length 1.
      let inside = 0;
      for (const k of zero) inside += t.reduce((s, x, i) => s + x * vectors[k * 7 + i], 0) ** 2;
      expect(Math.sqrt(inside)).toBeGreaterThan(1 - 1e-9);
    }
  });
});

describe('eigen-axes and the convexity map', () => {
  const config = parseConfig({ data: { target: { kind: 'hinge' }, n: 200 }, steps: 300 });

  it('--axes hessian: the surface spans the top and bottom eigenvectors of the Hessian at its centre', async () => {
    const s = await landscape(config, { center: 'init', axes: 'hessian', res: 9, span: 'auto' });
    const data = makeDataset(config);
    const arch = architectureOf(config, data.dIn);
    const { hessian } = new HessianNet(arch).hessian(Float64Array.from(s.centerParams), data);
    const { values } = symmetricEigen(hessian, 7);
    const rayleigh = (d: Float64Array) => {
      let q = 0;
      for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) q += d[i] * hessian[i * 7 + j] * d[j];
      return q;
    };
    expect(rayleigh(s.d1)).toBeCloseTo(values[6], 10);
    expect(rayleigh(s.d2)).toBeCloseTo(values[0], 10);
    expect(s.axisLabels).toEqual([`top eigenvector (λ ${Number(values[6].toPrecision(3))})`, `bottom eigenvector (λ ${Number(values[0].toPrecision(3))})`]);
    const top = await landscape(config, { center: 'init', axes: 'hessian-top', res: 3, span: 1 });
    expect(rayleigh(top.d2)).toBeCloseTo(values[5], 10);
  });

  it('the map: λmin, λmax of the full Hessian and the eigenvalues of its (α, β) block at each grid point, coarsened to 33²', async () => {
    const s = await landscape(config, { center: 'trained', axes: 'params:W1[0,0],b2[0]', res: 40, span: 0.5 });
    const data = makeDataset(config);
    const arch = architectureOf(config, data.dIn);
    const c = await surfaceCurvature(arch, data, s);
    expect([c.alphas.length, c.betas.length, c.lambdaMin.length]).toEqual([33, 33, 33 * 33]);
    expect([c.alphas[0], c.alphas[32]]).toEqual([s.alphas[0], s.alphas[39]]);
    for (const [i, j] of [
      [0, 0],
      [16, 20],
      [32, 5],
    ]) {
      const theta = Float64Array.from(s.centerParams, (v, k) => Math.fround(v + (k === 0 ? c.alphas[j] : 0) + (k === 6 ? c.betas[i] : 0)));
      const { hessian } = new HessianNet(arch).hessian(theta, data);
      const { values } = symmetricEigen(hessian, 7);
      expect(c.lambdaMin[i * 33 + j]).toBeCloseTo(values[0], 12);
      expect(c.lambdaMax[i * 33 + j]).toBeCloseTo(values[6], 12);
      const block = symmetricEigen(Float64Array.from([hessian[0], hessian[6], hessian[6 * 7], hessian[6 * 7 + 6]]), 2).values;
      expect(c.planeMin[i * 33 + j]).toBeCloseTo(block[0], 12);
      expect(c.planeMax[i * 33 + j]).toBeCloseTo(block[1], 12);
    }
  });
});

describe('on the pool', () => {
  it('the Hessian split into column blocks over 2 workers is bit-identical to one thread', async () => {
    const pool = new WorkerPool(2);
    try {
      const arch: Architecture = { sizes: [1, 8, 8, 1], activations: ['tanh', 'relu'], output: 'linear', loss: 'l2' };
      const rng = new Rng(9, 'pool');
      const data = randomDataset(arch, 1000, rng);
      const p = Float32Array.from({ length: layoutOf(arch).count }, () => rng.normal());
      const alone = await hessianOf(arch, data, p);
      const split = await hessianOf(arch, data, p, { pool });
      // The split really went to the workers (each got column blocks), and changed no bit.
      expect(pool.tasksStarted.every((n) => n > 0)).toBe(true);
      expect(Array.from(split.hessian)).toEqual(Array.from(alone.hessian));
      expect(Array.from(split.eigenvalues)).toEqual(Array.from(alone.eigenvalues));
      expect(split.loss).toBe(alone.loss);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('symmetries', () => {
  it('identical units: the directions that separate them are an invariant subspace, here a saddle', async () => {
    const config = parseConfig({ ...presetConfig(presetByName('symmetric-neurons')), steps: 500 });
    const r = await train(config);
    const arch = architectureOf(config, r.data.dIn);
    const a = hessianAnalysis(arch, r.params.final, r.data);
    const s = a.symmetries.find((x) => x.kind === 'symmetric-units')!;
    expect([s.layer, s.units, s.directions.length]).toEqual([1, [0, 1], 3]);
    // The swap commutes with the Hessian at this point, so the eigenvalues restricted to the
    // separating directions are eigenvalues of the whole Hessian; the lowest is negative.
    for (const c of s.curvature) expect(Math.min(...Array.from(a.eigenvalues, (v) => Math.abs(v - c)))).toBeLessThan(1e-10);
    expect(s.curvature[0]).toBeLessThan(-1e-3);
  });

  it('a rescaling away from a critical point: the cost is flat along its curve, and its tangent line bends by the gradient\'s share', () => {
    const config = parseConfig({ data: { target: { kind: 'hinge' } } });
    const data = makeDataset(config);
    const arch = architectureOf(config, data.dIn);
    const p = Float64Array.from(initialParams(arch, config.init, config.seed, data));
    const a = hessianAnalysis(arch, p, data);
    const net = new JsNet(arch, { general: true });
    const cost = (q: Float64Array) => net.evaluate(q, 0, data, null, 0, data.n, null);
    const rescalings = a.symmetries.filter((x) => x.kind === 'rescaling');
    expect(rescalings.map((x) => x.units)).toEqual([[0], [1]]);
    for (const r of rescalings) {
      const j = r.units[0];
      const u = Float64Array.from(r.directions[0]);
      // Layout W1[0,0] W1[0,1] b1[0] b1[1] W2[0,0] W2[1,0] b2[0]: unit j's curve (c·w, c·b, v/c).
      const curve = (c: number) => {
        const q = Float64Array.from(p);
        q[j] *= c;
        q[2 + j] *= c;
        q[4 + j] /= c;
        return q;
      };
      const line = (s: number) => p.map((x, i) => x + s * u[i]);
      const h = 1e-3;
      const onLine = (cost(line(h)) - 2 * cost(p) + cost(line(-h))) / (h * h);
      // The line's curvature is real (the point is no critical point) and is what the analysis says.
      expect(Math.abs(r.curvature[0])).toBeGreaterThan(1e-3);
      expect(onLine).toBeCloseTo(r.curvature[0], 5);
      // Along the curve the cost does not change at all, and the analysis's curvature there is 0.
      for (const c of [0.5, 0.9, 1.1, 2]) expect(Math.abs(cost(curve(c)) - cost(p))).toBeLessThan(1e-12);
      expect(Math.abs(r.alongCurve!)).toBeLessThan(1e-12);
    }
    expect(a.symmetries.every((x) => (x.kind === 'rescaling') === (x.alongCurve !== undefined))).toBe(true);
  });

  it('a dead unit: its weights in and out are zero rows of the Hessian, three zeros it accounts for', () => {
    const config = parseConfig({ data: { target: { kind: 'hinge' } }, init: { kind: 'dead', fraction: 0.5 } });
    const data = makeDataset(config);
    const arch = architectureOf(config, data.dIn);
    const p = initialParams(arch, config.init, config.seed, data);
    const a = hessianAnalysis(arch, p, data);
    const dead = a.symmetries.find((x) => x.kind === 'dead-unit')!;
    expect([dead.units, dead.zeros, dead.explains]).toEqual([[0], 3, true]);
    for (const k of [0, 2, 4]) for (let j = 0; j < 7; j++) expect(a.hessian[k * 7 + j]).toBe(0);
  });
});
