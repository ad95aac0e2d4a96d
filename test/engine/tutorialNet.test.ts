// The tutorial network's fast paths (piecewise sums, fused minibatch loop) agree with the general
// layer-by-layer loop, including at the edges: kinks on data points, flat units, unsorted data.
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../main/engine/data.js';
import { JsNet } from '../../main/engine/jsNet.js';
import { layoutOf, type Architecture } from '../../main/engine/model.js';
import { Rng } from '../../main/engine/prng.js';
import { isTutorialNet } from '../../main/engine/tutorialNet.js';

const arch = (H: number): Architecture => ({ sizes: [1, H, 1], activations: ['relu'], output: 'linear', loss: 'l2' });

function compare(a: Architecture, p: Float32Array, data: Dataset, idx: Int32Array | null) {
  const fast = new JsNet(a);
  const general = new JsNet(a, { general: true });
  const P = layoutOf(a).count;
  const gFast = new Float64Array(P);
  const gGeneral = new Float64Array(P);
  const count = idx ? idx.length : data.n;
  const lFast = fast.evaluate(p, 0, data, idx, 0, count, gFast);
  const lGeneral = general.evaluate(p, 0, data, idx, 0, count, gGeneral);
  expect(Math.abs(lFast - lGeneral)).toBeLessThanOrEqual(1e-12 * Math.max(1, lGeneral));
  for (let i = 0; i < P; i++) expect(Math.abs(gFast[i] - gGeneral[i])).toBeLessThanOrEqual(1e-11 * Math.max(1, Math.abs(gGeneral[i])));
}

describe('tutorial network fast paths', () => {
  it('apply only to 1→H→1 relu, linear output, l2', () => {
    expect(isTutorialNet(arch(3))).toBe(true);
    expect(isTutorialNet({ ...arch(3), loss: 'l1' })).toBe(false);
    expect(isTutorialNet({ ...arch(3), activations: ['tanh'] })).toBe(false);
    expect(isTutorialNet({ sizes: [1, 3, 2, 1], activations: ['relu', 'relu'], output: 'linear', loss: 'l2' })).toBe(false);
  });

  it('one network asked along a walk (near steps, far jumps, minibatches between) gives what a fresh one gives', () => {
    const rng = new Rng(5);
    const n = 400;
    const x = Float32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0.5 : rng.uniform(-2, 2)));
    const data: Dataset = { x, y: Float32Array.from(x, (v) => Math.abs(v - 0.3)), n, dIn: 1 };
    const a = arch(6);
    const walker = new JsNet(a);
    let p = Float32Array.from({ length: layoutOf(a).count }, () => rng.normal());
    for (let t = 0; t < 300; t++) {
      const jump = t % 25 === 0 ? 2 : 0.02;
      p = p.map((v) => v + jump * rng.normal());
      if (t % 50 === 7) p[0] = 0; // a flat unit
      if (t % 10 === 3) walker.evaluate(p, 0, data, Int32Array.from({ length: 8 }, (_, i) => (i * 37 + t) % n), 0, 8, null);
      expect(walker.evaluate(p, 0, data, null, 0, n, null)).toBe(new JsNet(a).evaluate(p, 0, data, null, 0, n, null));
    }
  });

  for (const H of [1, 2, 7, 16]) {
    it(`H=${H}: full data and minibatches match the general loop on random parameters`, () => {
      const rng = new Rng(H);
      const n = 300;
      const x = Float32Array.from({ length: n }, () => rng.uniform(-2, 2)); // unsorted on purpose
      const data: Dataset = { x, y: Float32Array.from(x, (v) => Math.sin(3 * v)), n, dIn: 1 };
      const a = arch(H);
      for (let trial = 0; trial < 20; trial++) {
        const p = Float32Array.from({ length: layoutOf(a).count }, () => rng.normal());
        compare(a, p, data, null);
        compare(a, p, data, Int32Array.from({ length: 3 }, () => rng.int(n)));
      }
    });
  }

  it('kinks exactly on data points, zero incoming weights and dead units', () => {
    const x = Float32Array.from({ length: 11 }, (_, i) => -1 + i * 0.2);
    const data: Dataset = { x, y: Float32Array.from(x, (v) => Math.abs(v)), n: 11, dIn: 1 };
    const a = arch(4);
    // Units: kink at x = 0.4 (w>0), kink at x = −0.6 (w<0), flat active (w=0, b>0), flat dead (w=0, b<0).
    const p = Float32Array.of(1, -1, 0, 0, -0.4, -0.6, 0.5, -0.2, 1.5, 0.7, -2, 3, 0.1);
    compare(a, p, data, null);
    compare(a, p, data, Int32Array.of(7, 2, 5));
    // The kink sample (x = 0.4, z = 0) counts as active for the gradient (ReLU′(0) = 1).
    const grad = new Float64Array(13);
    new JsNet(a).evaluate(p, 0, data, Int32Array.of(7), 0, 1, grad);
    expect(grad[4]).not.toBe(0);
  });
});
