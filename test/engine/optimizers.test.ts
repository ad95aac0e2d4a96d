// The update rules against torch.optim: values produced by torch itself (the fixture's script) and
// one step written out by hand.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import { hyperOf, type Hyper } from '../../main/engine/optimizers.js';
import { OptimizerState } from '../../main/engine/wasmOptimizer.js';
import { OPTIMIZERS } from '../support/helpers.js';

interface Reference {
  p0: number[];
  grads: number[][];
  cases: Record<string, { hyper: Record<string, number | number[]>; params: number[][] }>;
}
const ref = JSON.parse(readFileSync(new URL('../fixtures/torch_optim_reference.json', import.meta.url), 'utf8')) as Reference;

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

/** Applies gradients to one run's parameters through the js kernel's float32 SIMD rules. */
function stepper(h: Hyper, p0: number[]) {
  const state = new OptimizerState(1, p0.length);
  state.setParams(Float32Array.from(p0));
  let t = 0;
  return (g: number[]) => {
    state.grad.set(g);
    state.update(h, ++t, 0);
    return state.compactParams();
  };
}

describe('optimizers follow torch.optim', () => {
  for (const kind of OPTIMIZERS) {
    it(`${kind}: three steps match torch ${kind === 'momentum' ? 'SGD(momentum)' : kind}`, () => {
      const c = ref.cases[kind];
      const step = stepper(hyperFor(kind, c.hyper), ref.p0);
      ref.grads.forEach((g, k) => {
        const p = step(g);
        c.params[k].forEach((expected, i) => {
          // Both compute in float32; torch's vectorized kernels may order a multiply-add differently.
          expect(Math.abs(p[i] - expected)).toBeLessThanOrEqual(1.2e-7 * Math.max(1, Math.abs(expected)));
        });
      });
    });
  }

  it('adam, first step by hand: m̂ = g and v̂ = g², so θ moves by lr·g/(|g| + eps)', () => {
    const p = stepper(hyperOf({ kind: 'adam', lr: 0.1, beta1: 0.95, beta2: 0.9, eps: 1e-8 }), [1, 1])([4, -0.5]);
    expect(p[0]).toBeCloseTo(1 - 0.1 * (4 / (4 + 1e-8)), 6);
    expect(p[1]).toBeCloseTo(1 + 0.1 * (0.5 / (0.5 + 1e-8)), 6);
  });

  it('momentum, two steps by hand: b1 = g1, b2 = 0.95·g1 + g2 (dampening 0)', () => {
    const step = stepper(hyperOf({ kind: 'momentum', lr: 0.5, momentum: 0.95 }), [0]);
    expect(step([1])[0]).toBeCloseTo(-0.5, 7);
    expect(step([2])[0]).toBeCloseTo(-0.5 - 0.5 * (0.95 + 2), 6);
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

describe('the compiled WebAssembly matches its source', () => {
  it('main/engine/wasm/optimizers.wasm.ts is optimizers.wat compiled (run npm run build:wasm after editing the .wat)', async () => {
    const { compileWat, moduleSource } = await import('../../scripts/build-wasm.mjs');
    const dir = new URL('../../main/engine/wasm/', import.meta.url);
    const bytes = await compileWat(readFileSync(new URL('optimizers.wat', dir), 'utf8'), 'optimizers.wat');
    expect(readFileSync(new URL('optimizers.wasm.ts', dir), 'utf8')).toBe(moduleSource('optimizers.wat', bytes));
  });
});
