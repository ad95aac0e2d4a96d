// The basics panels' numbers, through the service as the renderer gets them: neurons, costs (L1 the
// median, L2 the mean; sigmoid and softmax agree), backprop checked against finite differences, and
// linear pieces of ReLU networks (exact on hand-set networks, within the bound on trained ones).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackpropView, Channel, CostsView, NeuronsView, RegionsView, Request } from '../../shared/api.js';
import { parseConfig } from '../../shared/config.js';
import { makeDataset, targetFunction } from '../../main/engine/data.js';
import { JsNet } from '../../main/engine/jsNet.js';
import type { Architecture } from '../../main/engine/model.js';
import { linearPieces } from '../../main/lab/basics/regions.js';
import type { LabChannels } from '../../main/lab/channels.js';
import { openTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let service: LabChannels;

beforeAll(() => {
  lab = openTestLab('basics');
  service = lab.service;
});
afterAll(() => lab.close());

async function call<T>(channel: Channel, payload: Request<Channel>): Promise<T> {
  const r = await service.call(channel, payload);
  if (!r.ok) throw new Error(r.error.message);
  return r.value as T;
}

describe('basics.neurons', () => {
  it("has the tutorial's slopes: σ′(0) = 1/4, tanh′(0) = 1, ReLU′(0) = 1, ReLU′(−1) = 0", async () => {
    const v = await call<NeuronsView>('basics.neurons', {});
    expect(v.z.length).toBe(321);
    const at = (z: number) => v.z.indexOf(z);
    expect(at(0)).toBe(160);
    expect(at(-1)).toBe(128);
    const slope = Object.fromEntries(v.hidden.map((h) => [h.name, h.slope]));
    const g = Object.fromEntries(v.hidden.map((h) => [h.name, h.g]));
    expect(slope.sigmoid[at(0)]).toBe(0.25);
    expect(slope.tanh[at(0)]).toBe(1);
    expect(slope.relu[at(0)]).toBe(1);
    expect(slope.relu[at(-1)]).toBe(0);
    expect(g.relu[at(-1)]).toBe(0);
    expect(g.sigmoid[at(0)]).toBe(0.5);
    for (let i = 0; i < v.z.length; i++) {
      expect(slope.tanh[i]).toBeCloseTo(1 - Math.tanh(v.z[i]) ** 2, 14);
    }
  });

  it('the output neurons: Gaussian NLL a parabola, Bernoulli p(y|z) = σ((2y−1)z), softmax of two logits = σ of their difference', async () => {
    const { z, output } = await call<NeuronsView>('basics.neurons', {});
    const i0 = z.indexOf(0);
    expect(output.linear.nll[i0]).toBeCloseTo(0.5 * Math.log(2 * Math.PI), 14);
    expect(output.sigmoid.nll0[i0]).toBeCloseTo(Math.LN2, 14);
    expect(output.sigmoid.nll1[i0]).toBeCloseTo(Math.LN2, 14);
    for (let i = 0; i < z.length; i++) {
      expect(output.softmax.p0[i]).toBeCloseTo(output.sigmoid.p1[i], 14);
      expect(Math.exp(-output.sigmoid.nll1[i])).toBeCloseTo(output.sigmoid.p1[i], 12);
      expect(Math.exp(-output.sigmoid.nll0[i])).toBeCloseTo(1 - output.sigmoid.p1[i], 12);
    }
  });
});

describe('exponential noise', () => {
  it('is skewed: residuals have mean ≈ noise and median ≈ noise·ln 2', () => {
    const c = parseConfig({ data: { target: { kind: 'sine' }, n: 20_000, noise: 0.5, noiseShape: 'exponential' } });
    expect(c.data.noiseShape).toBe('exponential');
    expect(parseConfig({ data: { target: { kind: 'sine' }, noiseShape: 'gaussian' } }).data).not.toHaveProperty('noiseShape');
    const data = makeDataset(c);
    const f = targetFunction(c.data.target);
    const r = Float64Array.from(data.x, (x, i) => data.y[i] - f!(x)).sort();
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    expect(mean).toBeCloseTo(0.5, 1);
    expect(r[r.length / 2]).toBeCloseTo(0.5 * Math.LN2, 1);
    expect(r[0]).toBeGreaterThanOrEqual(-1e-6);
  });
});

describe('basics.costs', () => {
  it('the L1 fit follows the conditional median, the L2 fit the mean; sigmoid and softmax give one p(y=1|x)', async () => {
    const v = await call<CostsView>('basics.costs', {});
    const r = v.regression;
    expect(r.x.length).toBe(201);
    expect(r.l1.length).toBe(201);
    expect(r.data.x.length).toBe(400);
    for (let i = 0; i < r.x.length; i++) expect(r.mean[i] - r.median[i]).toBeCloseTo(r.noise * (1 - Math.LN2), 12);
    expect(r.distance.l1.median).toBeLessThan(r.distance.l1.mean);
    expect(r.distance.l2.mean).toBeLessThan(r.distance.l2.median);
    // The two lines are 0.31 apart: each fit lies well within half of that of its own line.
    expect(r.distance.l1.median).toBeLessThan(0.15);
    expect(r.distance.l2.mean).toBeLessThan(0.15);

    // With no hidden layer both models are σ of a line in x and the NLL is convex in that line (the
    // flipped labels make the data inseparable, so its minimizer is unique and finite): gradient descent
    // takes both to the same curve, and what is left is optimization error (≈ 1e-7 at 3,000 steps).
    const c = v.classification;
    expect(c.sigmoid.length).toBe(201);
    expect(c.maxDifference).toBeLessThan(1e-5);
    expect(Math.abs(c.loss.sigmoid - c.loss.softmax)).toBeLessThan(1e-9);
    expect(c.sigmoid[0]).toBeLessThan(0.5);
    expect(c.sigmoid[200]).toBeGreaterThan(0.5);
    expect(new Set(c.data.y)).toEqual(new Set([0, 1]));
    expect(v.seconds).toBeLessThan(5);
  });

  it('rejects bad input with one line naming the field', async () => {
    expect(await service.call('basics.costs', { noise: -1 })).toEqual({ ok: false, error: { code: 'invalid', message: 'noise: must be more than 0 (got -1)' } });
    expect(await service.call('basics.costs', { n: 5 })).toEqual({ ok: false, error: { code: 'invalid', message: 'n: must be at least 20 (got 5)' } });
  });
});

describe('basics.backprop', () => {
  const checkAll = (v: BackpropView) => {
    for (const layer of v.layers) {
      for (const [name, errors] of Object.entries(layer.relError)) {
        errors.forEach((e, k) => expect(e, `layer ${layer.layer} ∇${name}[${k}]`).toBeLessThan(1e-6));
      }
    }
    expect(v.maxRelError).toBeLessThan(1e-6);
  };

  it('walks u0…u3 layer by layer and every gradient matches its finite difference (tanh, sigmoid)', async () => {
    for (const activation of ['tanh', 'sigmoid'] as const) {
      for (const seed of [1, 2, 3]) {
        const v = await call<BackpropView>('basics.backprop', { activation, seed, hidden: [3, 2], x: 0.7, y: -0.3 });
        expect(v.layers.map((l) => [l.fanIn, l.fanOut])).toEqual([[1, 3], [3, 2], [2, 1]]);
        expect(v.layers.map((l) => l.activation)).toEqual([activation, activation, 'linear']);
        expect([...v.layers[0].u0]).toEqual([Math.fround(0.7)]);
        for (let l = 0; l + 1 < v.layers.length; l++) {
          expect(v.layers[l + 1].u0).toEqual(v.layers[l].u3);
          expect(v.layers[l + 1].grad.u0).toEqual(v.layers[l].grad.u3);
        }
        expect(v.output).toBe(v.layers[2].u3[0]);
        expect(v.loss).toBeCloseTo((v.output - Math.fround(-0.3)) ** 2, 14);
        checkAll(v);
      }
    }
  });

  it('matches the engine’s own backward pass (JsNet) to rounding', async () => {
    const v = await call<BackpropView>('basics.backprop', { activation: 'tanh', hidden: [4, 3], seed: 7 });
    const arch: Architecture = { sizes: [1, 4, 3, 1], activations: ['tanh', 'tanh'], output: 'linear', loss: 'l2' };
    const net = new JsNet(arch, { general: true });
    const params = new Float64Array(net.layout.count);
    v.layers.forEach((l, i) => {
      params.set(l.W, net.layout.layers[i].w);
      params.set(l.b, net.layout.layers[i].b);
    });
    const grad = new Float64Array(params.length);
    const data = { x: Float32Array.of(v.x), y: Float32Array.of(v.y), n: 1, dIn: 1 };
    expect(net.evaluate(params, 0, data, null, 0, 1, grad)).toBeCloseTo(v.loss, 14);
    v.layers.forEach((l, i) => {
      const slot = net.layout.layers[i];
      l.grad.W.forEach((g, k) => expect(g).toBeCloseTo(grad[slot.w + k], 12));
      l.grad.b.forEach((g, k) => expect(g).toBeCloseTo(grad[slot.b + k], 12));
    });
  });

  it('holds for ReLU away from its kinks, where switched-off units get exactly zero gradient', async () => {
    const v = await call<BackpropView>('basics.backprop', { activation: 'relu', seed: 1 });
    const hidden = v.layers.slice(0, -1);
    // The differences move u2 by at most 2·1e-4·|u0| per step: no unit is that close to its kink.
    for (const l of hidden) for (const u of l.u2) expect(Math.abs(u)).toBeGreaterThan(1e-2);
    const off = hidden.flatMap((l) => [...l.u2].map((u, j) => ({ l, j, u }))).filter((c) => c.u < 0);
    expect(off.length).toBeGreaterThan(0);
    for (const { l, j } of off) {
      expect(l.grad.slope[j]).toBe(0);
      expect(l.grad.b[j] === 0 && l.fd.b[j] === 0).toBe(true);
    }
    checkAll(v);
  });

  it('rejects bad input with one line naming the field', async () => {
    expect(await service.call('basics.backprop', { activation: 'gelu' })).toEqual({
      ok: false,
      error: { code: 'invalid', message: 'activation: must be one of "relu", "tanh", "sigmoid" (got "gelu")' },
    });
    expect(await service.call('basics.backprop', { hidden: [3, 0] })).toEqual({ ok: false, error: { code: 'invalid', message: 'hidden[1]: must be at least 1 (got 0)' } });
  });
});

describe('linear pieces', () => {
  const relu = (sizes: number[]): Architecture => ({ sizes, activations: sizes.slice(1, -1).map(() => 'relu' as const), output: 'linear', loss: 'l2' });

  it('are exact on hand-set networks, and units switching at one input make one new piece', () => {
    // 1→3→1: units switch at −0.5, 0, 0.5.
    const one = linearPieces(relu([1, 3, 1]), Float32Array.of(1, 1, 1, 0.5, 0, -0.5, 1, 1, 1, 0), -1, 1);
    expect(one.pieces).toBe(4);
    expect([...one.kinks]).toEqual([-0.5, 0, 0.5]);
    // 1→2→2→1: relu(x) and relu(−x) both switch at 0; layer 2 sees |x| and switches at |x| = 0.5 and 0.25.
    const two = linearPieces(relu([1, 2, 2, 1]), Float32Array.of(1, -1, 0, 0, 1, 1, 1, 1, -0.5, -0.25, 1, 1, 0), -1, 1);
    expect(two.pieces).toBe(6);
    expect([...two.kinks]).toEqual([-0.5, -0.25, 0, 0.25, 0.5]);
    // More than one layer of two can make (2 + 1) = 3: depth multiplies, width adds.
    expect(two.pieces).toBeGreaterThan(2 + 1);
    expect(two.pieces).toBeLessThanOrEqual((2 + 1) ** 2);
  });

  it('of trained networks: integers ≥ 1, within width + 1 for one layer and (n + 1)^k for k', async () => {
    const v = await call<RegionsView>('basics.regions', { widths: [2, 4, 8, 16], depths: [1, 2, 3], steps: 300 });
    expect(v.pieces.length).toBe(12);
    expect(v.fits.length).toBe(12 * v.x.length);
    v.pieces.forEach((p, cell) => {
      const width = v.widths[cell % 4];
      const depth = v.depths[Math.floor(cell / 4)];
      expect(Number.isInteger(p)).toBe(true);
      expect(p).toBeGreaterThanOrEqual(1);
      expect(p).toBeLessThanOrEqual((width + 1) ** depth);
      expect(v.bound[cell]).toBe((width + 1) ** depth);
      expect(v.growth[cell]).toBe(width ** depth);
      if (depth === 1) expect(p).toBeLessThanOrEqual(width + 1);
      expect(v.kinks.cell.filter((c) => c === cell).length).toBe(p - 1);
    });
    expect(v.seconds).toBeLessThan(5);
  });
});
