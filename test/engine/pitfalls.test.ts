// The tutorial's initialization pitfalls hold exactly: symmetric units never separate, dead units
// never receive gradient.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../main/engine/diagnostics.js';
import { JsNet } from '../../main/engine/jsNet.js';
import { jsKernel } from '../../main/engine/jsKernel.js';
import { layoutOf } from '../../main/engine/model.js';
import { trainBatch } from '../../main/engine/train.js';
import { loadTfjsKernel } from '../../main/engine/tfjsKernel.js';
import { OPTIMIZERS, singleRunBatch } from '../support/helpers.js';

describe('symmetric initialization', () => {
  for (const kind of OPTIMIZERS) {
    it(`stays exactly symmetric under ${kind}, on both kernels; the fit has one kink`, async () => {
      const spec = singleRunBatch({
        model: { hidden: [3] },
        init: { kind: 'symmetric', weight: 0.4, bias: 0.1 },
        optimizer: { kind },
        steps: 300,
      });
      for (const kernel of [jsKernel, await loadTfjsKernel('cpu')]) {
        const [out] = await trainBatch(kernel, spec);
        const d = diagnose(spec.arch, out.final, spec.runs[0].data);
        expect(d.symmetric).toEqual([{ layer: 1, units: [0, 1, 2] }]);
        // It did train: the parameters moved.
        expect(out.final[0]).not.toBe(out.init[0]);
        // One kink: every hidden unit bends at the same x = −b/w.
        const { layers } = layoutOf(spec.arch);
        const kinks = new Set([0, 1, 2].map((j) => -out.final[layers[0].b + j] / out.final[layers[0].w + j]));
        expect(kinks.size).toBe(1);
      }
    });
  }

  it('groups every set of identical units of a layer, in order of their first unit (0 and −0 alike)', () => {
    const spec = singleRunBatch({ model: { hidden: [6, 2] } });
    const { arch, runs } = spec;
    const { layers } = layoutOf(arch);
    const p = runs[0].init.slice();
    // Layer 1: units 0, 2, 5 alike and units 1, 4 alike (unit 4's bias a −0 where unit 1's is 0); 3 apart.
    const unit = [[0.5, 0.1, 0.3, -0.2], [0.7, 0, -0.4, 0.9], [0.5, 0.1, 0.3, -0.2], [0.2, 0.2, 0.2, 0.2], [0.7, -0, -0.4, 0.9], [0.5, 0.1, 0.3, -0.2]];
    unit.forEach(([w, b, o1, o2], j) => {
      p[layers[0].w + j] = w;
      p[layers[0].b + j] = b;
      p[layers[1].w + j * 2] = o1;
      p[layers[1].w + j * 2 + 1] = o2;
    });
    expect(diagnose(arch, p, runs[0].data).symmetric.filter((g) => g.layer === 1)).toEqual([
      { layer: 1, units: [0, 2, 5] },
      { layer: 1, units: [1, 4] },
    ]);
  });
});

describe('dead initialization', () => {
  it('dead units are inactive on every data point and their gradient is exactly zero', () => {
    const spec = singleRunBatch({ model: { hidden: [4] }, init: { kind: 'dead', fraction: 0.5 } });
    const { arch, runs } = spec;
    const d = diagnose(arch, runs[0].init, runs[0].data);
    expect(d.dead).toEqual([
      { layer: 1, unit: 0 },
      { layer: 1, unit: 1 },
    ]);
    const net = new JsNet(arch);
    const grad = new Float64Array(net.layout.count);
    net.evaluate(runs[0].init, 0, runs[0].data, null, 0, runs[0].data.n, grad);
    const { layers } = net.layout;
    for (const j of [0, 1]) {
      expect(grad[layers[0].w + j]).toBe(0);
      expect(grad[layers[0].b + j]).toBe(0);
      expect(grad[layers[1].w + j]).toBe(0);
    }
    expect(grad[layers[0].w + 2]).not.toBe(0);
  });

  it('in deep and mixed networks a dead unit is one whose pre-activation is < 0 on every data point', () => {
    for (const activation of ['relu', 'tanh'] as const) {
      const spec = singleRunBatch({ model: { hidden: [5, 300, 6], activation }, data: { target: { kind: 'sine' }, n: 700 } });
      const { arch, runs } = spec;
      const net = new JsNet(arch);
      // Shifted biases kill some units in every layer and leave others alive on a few points only.
      const p = runs[0].init.map((v, k) => (net.layout.layers.some((L) => k >= L.b && k < L.b + L.fanOut) ? v - 2 * Math.cos(k * 2.3) : v));
      const expected: { layer: number; unit: number }[] = [];
      for (let l = 1; l <= 3; l++) {
        const z = net.preActivations(p, 0, runs[0].data, l);
        for (let j = 0; j < arch.sizes[l]; j++) if (z.subarray(j * 700, (j + 1) * 700).every((v) => v < 0)) expected.push({ layer: l, unit: j });
      }
      const d = diagnose(arch, p, runs[0].data);
      if (activation === 'tanh') expect(d.dead).toEqual([]);
      else {
        expect(d.dead).toEqual(expected);
        expect(new Set(expected.map((u) => u.layer)).size).toBe(3);
      }
    }
  });

  for (const kind of OPTIMIZERS) {
    it(`dead units stay dead and unchanged under ${kind}`, async () => {
      const spec = singleRunBatch({ model: { hidden: [4] }, init: { kind: 'dead', fraction: 0.5 }, optimizer: { kind }, steps: 300 });
      const [out] = await trainBatch(jsKernel, spec);
      const { layers } = layoutOf(spec.arch);
      for (const j of [0, 1]) {
        for (const i of [layers[0].w + j, layers[0].b + j, layers[1].w + j]) expect(out.final[i]).toBe(out.init[i]);
      }
      expect(diagnose(spec.arch, out.final, spec.runs[0].data).dead.slice(0, 2)).toEqual([
        { layer: 1, unit: 0 },
        { layer: 1, unit: 1 },
      ]);
    });
  }

  it('a fully dead network can only learn its output bias (the mean of the data)', async () => {
    const spec = singleRunBatch({ init: { kind: 'dead' }, optimizer: { kind: 'adam', lr: 0.05 }, steps: 2000, batchSize: 500 });
    const [out] = await trainBatch(jsKernel, spec);
    const y = spec.runs[0].data.y;
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    expect(out.final[out.final.length - 1]).toBeCloseTo(mean, 3);
    expect(Array.from(out.final.subarray(0, 6))).toEqual(Array.from(out.init.subarray(0, 6)));
  });
});

describe('dead units of a one-input first layer', () => {
  it('are found from the ends of the data alone, exactly as a pass over every point finds them', () => {
    const spec = singleRunBatch({ model: { hidden: [64] }, data: { target: { kind: 'hinge' }, n: 97, spacing: 'uniform' } });
    const { arch } = spec;
    const data = spec.runs[0].data;
    const net = new JsNet(arch);
    const { w, b } = layoutOf(arch).layers[0];
    const xs = Array.from(data.x).sort((u, v) => u - v);
    const p = Float32Array.from(spec.runs[0].init);
    // Units whose kink sits exactly on the smallest or largest x (b + w·x = 0 there), just past them, and flat ones.
    for (let j = 0; j < 16; j++) {
      const end = j % 2 ? xs[0] : xs[xs.length - 1];
      p[w + j] = j % 4 < 2 ? 1 : -1;
      p[b + j] = -p[w + j] * end * (j < 8 ? 1 : 1 + 1e-6);
    }
    p[w + 16] = 0;
    p[b + 16] = -0.5;
    p[w + 17] = 0;
    p[b + 17] = 0;
    const z = net.preActivations(p, 0, data, 1);
    const byPass = Array.from({ length: 64 }, (_, j) => (z.subarray(j * data.n, (j + 1) * data.n).some((v) => v >= 0) ? 1 : 0));
    const reach = Array.from(net.reachesZero(p, 0, data, 1)[0]);
    expect(reach).toEqual(byPass);
    expect(reach.filter((r) => r === 0).length).toBeGreaterThanOrEqual(4); // dead units are among them
    expect(reach.filter((r) => r === 1).length).toBeGreaterThan(20);
  });
});
