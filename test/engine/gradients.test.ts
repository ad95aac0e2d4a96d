// Backpropagation against central finite differences in float64, for every hidden activation ×
// output × loss the schema allows.
import { describe, expect, it } from 'vitest';
import type { HiddenActivation, LossKind, OutputKind } from '../../shared/config.js';
import type { Dataset } from '../../main/engine/data.js';
import { JsNet } from '../../main/engine/jsNet.js';
import { layoutOf, type Architecture } from '../../main/engine/model.js';
import { Rng } from '../../main/engine/prng.js';
import { randomDataset } from '../support/helpers.js';

const ACTIVATIONS: HiddenActivation[] = ['relu', 'tanh', 'sigmoid', 'linear'];
const HEADS: [OutputKind, LossKind, number][] = [
  ['linear', 'l2', 1],
  ['linear', 'l1', 1],
  ['sigmoid', 'l2', 1],
  ['sigmoid', 'l1', 1],
  ['sigmoid', 'nll', 1],
  ['softmax', 'nll', 3],
];

describe('gradients match central finite differences (float64)', () => {
  for (const activation of ACTIVATIONS) {
    for (const [output, loss, dOut] of HEADS) {
      it(`${activation} hidden, ${output} output, ${loss} loss`, () => {
        const rng = new Rng(7, `${activation}/${output}/${loss}`);
        const arch: Architecture = { sizes: [2, 4, 3, dOut], activations: [activation, activation], output, loss };
        const P = layoutOf(arch).count;
        const data = randomDataset(arch, 9, rng);
        const p = Float64Array.from({ length: P }, () => rng.normal());
        const idx = Int32Array.from([0, 2, 3, 5, 8]);
        const net = new JsNet(arch);
        const grad = new Float64Array(P);
        net.evaluate(p, 0, data, idx, 0, idx.length, grad);

        const h = 1e-6;
        let worst = 0;
        for (let i = 0; i < P; i++) {
          const saved = p[i];
          p[i] = saved + h;
          const up = net.evaluate(p, 0, data, idx, 0, idx.length, null);
          p[i] = saved - h;
          const down = net.evaluate(p, 0, data, idx, 0, idx.length, null);
          p[i] = saved;
          const numeric = (up - down) / (2 * h);
          worst = Math.max(worst, Math.abs(numeric - grad[i]) / Math.max(1, Math.abs(numeric)));
        }
        expect(grad.some((g) => g !== 0)).toBe(true);
        expect(worst).toBeLessThan(1e-6);
      });
    }
  }

  it('the whole dataset in chunks gives the same gradient as one pass (n above the chunk size)', () => {
    const rng = new Rng(3);
    const arch: Architecture = { sizes: [1, 5, 1], activations: ['tanh'], output: 'linear', loss: 'l2' };
    const data = randomDataset(arch, 700, rng);
    const P = layoutOf(arch).count;
    const p = Float64Array.from({ length: P }, () => rng.normal());
    const net = new JsNet(arch);
    const full = new Float64Array(P);
    const lossFull = net.evaluate(p, 0, data, null, 0, data.n, full);
    // The mean over the data, written out sample by sample.
    const bySample = new Float64Array(P);
    let lossSum = 0;
    for (let s = 0; s < data.n; s++) {
      const g = new Float64Array(P);
      lossSum += net.evaluate(p, 0, data, Int32Array.of(s), 0, 1, g);
      for (let i = 0; i < P; i++) bySample[i] += g[i] / data.n;
    }
    expect(lossFull).toBeCloseTo(lossSum / data.n, 12);
    for (let i = 0; i < P; i++) expect(full[i]).toBeCloseTo(bySample[i], 12);
  });

  it('ReLU′(0) = 1, as the tutorial defines it', () => {
    // One unit with pre-activation exactly 0 at x = 0: the gradient reaches its incoming weights.
    const arch: Architecture = { sizes: [1, 1, 1], activations: ['relu'], output: 'linear', loss: 'l2' };
    const data: Dataset = { x: Float32Array.of(0), y: Float32Array.of(1), n: 1, dIn: 1 };
    const p = Float64Array.of(1, 0, 2, 0); // W1, b1, W2, b2
    const grad = new Float64Array(4);
    new JsNet(arch).evaluate(p, 0, data, null, 0, 1, grad);
    // ŷ = 0, dL/dŷ = 2(0 − 1) = −2, dL/db1 = −2 · W2 · relu′(0) = −4.
    expect(grad[1]).toBe(-4);
  });
});
