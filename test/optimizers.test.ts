// The update rules against torch.optim: values produced by torch itself (the fixture's script) and
// one step written out by hand.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../shared/config.js';
import { applyUpdate, hyperOf, type Hyper } from '../main/engine/optimizers.js';
import { OPTIMIZERS } from './helpers.js';

interface Reference {
  p0: number[];
  grads: number[][];
  cases: Record<string, { hyper: Record<string, number | number[]>; params: number[][] }>;
}
const ref = JSON.parse(readFileSync(new URL('./fixtures/torch_optim_reference.json', import.meta.url), 'utf8')) as Reference;

function hyperFor(kind: (typeof OPTIMIZERS)[number], h: Record<string, number | number[]>): Hyper {
  const base = { kind, lr: h.lr as number };
  switch (kind) {
    case 'momentum':
      return hyperOf({ ...base, kind, momentum: h.momentum as number });
    case 'rmsprop':
      return hyperOf({ ...base, kind, rho: h.alpha as number, eps: h.eps as number });
    case 'momentum-rmsprop':
      return hyperOf({ ...base, kind, rho: h.alpha as number, eps: h.eps as number, momentum: h.momentum as number });
    case 'adam': {
      const [beta1, beta2] = h.betas as number[];
      return hyperOf({ ...base, kind, beta1, beta2, eps: h.eps as number });
    }
    default:
      return hyperOf({ ...base, kind: 'sgd' });
  }
}

describe('optimizers follow torch.optim', () => {
  for (const kind of OPTIMIZERS) {
    it(`${kind}: three steps match torch ${kind === 'momentum' ? 'SGD(momentum)' : kind}`, () => {
      const c = ref.cases[kind];
      const h = hyperFor(kind, c.hyper);
      const P = ref.p0.length;
      const p = Float32Array.from(ref.p0);
      const first = new Float32Array(P);
      const second = new Float32Array(P);
      ref.grads.forEach((g, k) => {
        applyUpdate(h, k + 1, p, first, second, 0, Float64Array.from(g, Math.fround), P);
        c.params[k].forEach((expected, i) => {
          // torch does the arithmetic in float32; we do it in float64 between float32 values.
          expect(Math.abs(p[i] - expected)).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(expected)));
        });
      });
    });
  }

  it('adam, first step by hand: m̂ = g and v̂ = g², so θ moves by lr·g/(|g| + eps)', () => {
    const h = hyperOf({ kind: 'adam', lr: 0.1, beta1: 0.95, beta2: 0.9, eps: 1e-8 });
    const p = Float32Array.of(1, 1);
    applyUpdate(h, 1, p, new Float32Array(2), new Float32Array(2), 0, Float64Array.of(4, -0.5), 2);
    expect(p[0]).toBeCloseTo(1 - 0.1 * (4 / (4 + 1e-8)), 6);
    expect(p[1]).toBeCloseTo(1 + 0.1 * (0.5 / (0.5 + 1e-8)), 6);
  });

  it('momentum, two steps by hand: b1 = g1, b2 = 0.95·g1 + g2 (dampening 0)', () => {
    const h = hyperOf({ kind: 'momentum', lr: 0.5, momentum: 0.95 });
    const p = Float32Array.of(0);
    const first = new Float32Array(1);
    applyUpdate(h, 1, p, first, new Float32Array(0), 0, Float64Array.of(1), 1);
    expect(p[0]).toBeCloseTo(-0.5, 7);
    applyUpdate(h, 2, p, first, new Float32Array(0), 0, Float64Array.of(2), 1);
    expect(p[0]).toBeCloseTo(-0.5 - 0.5 * (0.95 + 2), 6);
  });

  it('the tutorial defaults: batch size 3, momentum 0.95, rho 0.9, Adam 0.95 / 0.9, eps 1e-8', () => {
    const c = parseConfig({ data: { target: { kind: 'hinge' } } });
    expect(c.batchSize).toBe(3);
    expect(parseConfig({ data: { target: { kind: 'hinge' } }, optimizer: { kind: 'momentum-rmsprop' } }).optimizer).toMatchObject({
      momentum: 0.95,
      rho: 0.9,
      eps: 1e-8,
    });
    expect(c.optimizer).toMatchObject({ kind: 'adam', beta1: 0.95, beta2: 0.9, eps: 1e-8 });
  });
});
