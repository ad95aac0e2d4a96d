// The fit main sends the renderer: output, unit contributions that add up to it, kinks where the
// ReLUs switch, and the pitfalls flagged — from a real stored experiment through the service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FitView } from '../../shared/api.js';
import { saveRun } from '../../main/lab/experiments.js';
import type { LabChannels } from '../../main/lab/channels.js';
import type { ExperimentStore } from '../../main/store/index.js';
import { config, HINGE, train } from '../support/helpers.js';
import { openTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let store: ExperimentStore;
let service: LabChannels;

beforeAll(() => {
  lab = openTestLab('fit');
  ({ store, service } = lab);
});
afterAll(() => lab.close());

async function fitOf(over: Parameters<typeof config>[0], at: 'init' | 'trained' | 'optimum', points = 401): Promise<FitView & { final: Float32Array }> {
  const trained = await train(config(over));
  const id = saveRun(store, trained);
  const r = await service.call('experiments.fit', { id, at, points });
  if (!r.ok) throw new Error(r.error.message);
  return { ...(r.value as FitView), final: trained.params.final };
}

describe('experiments.fit', () => {
  it('at the exact optimum: the output is the hinge, two units add up to it, both kinks at x0', async () => {
    const fit = await fitOf({ steps: 50 }, 'optimum');
    expect(fit.x.length).toBe(401);
    expect(fit.x[0]).toBe(-1);
    expect(fit.x[400]).toBe(1);
    expect(fit.unitCount).toBe(2);
    for (let k = 0; k < fit.x.length; k++) {
      expect(Math.abs(fit.output[k] - fit.target![k])).toBeLessThan(1e-5);
      const sum = fit.bias + fit.units[k] + fit.units[401 + k];
      expect(Math.abs(sum - fit.output[k])).toBeLessThan(1e-9);
    }
    expect(fit.kinks.x.length).toBe(2);
    for (const x of fit.kinks.x) expect(Math.abs(x - HINGE.x0)).toBeLessThan(1e-6);
    expect([...fit.kinks.layer]).toEqual([1, 1]);
    expect([...fit.kinks.unit].sort()).toEqual([0, 1]);
  });

  it('a symmetric initialization has one kink position, shared by its identical units', async () => {
    const fit = await fitOf({ init: { kind: 'symmetric', weight: 0.5, bias: -0.1 }, steps: 200 }, 'trained');
    expect(fit.diagnostics.symmetric).toEqual([{ layer: 1, units: [0, 1] }]);
    expect(fit.kinks.x.length).toBe(2);
    expect(fit.kinks.x[0]).toBe(fit.kinks.x[1]);
  });

  it('a dead unit is flagged and has no kink in the data range; kinks of a deeper net are placed exactly', async () => {
    const dead = await fitOf({ init: { kind: 'dead', fraction: 0.5 }, steps: 100 }, 'trained');
    expect(dead.diagnostics.dead).toContainEqual({ layer: 1, unit: 0 });
    for (const d of dead.diagnostics.dead) expect([...dead.kinks.unit]).not.toContain(d.unit);

    const deep = await fitOf({ model: { hidden: [4, 3] }, steps: 500 }, 'trained', 101);
    expect(deep.unitCount).toBe(3);
    // Each kink of layer 1 is where its unit's pre-activation −b/w is zero.
    const p = deep.final;
    expect([...deep.kinks.layer]).toContain(1);
    for (let k = 0; k < deep.kinks.x.length; k++) {
      if (deep.kinks.layer[k] !== 1) continue;
      const j = deep.kinks.unit[k];
      const exact = -p[4 + j] / p[j];
      expect(Math.abs(deep.kinks.x[k] - exact)).toBeLessThan(1e-6);
    }
  });

  it('bad requests fail with one line naming the field', async () => {
    const r = await service.call('experiments.fit', { id: 1, at: 'middle' });
    expect(r).toEqual({ ok: false, error: { code: 'invalid', message: 'at: must be one of "init", "trained", "optimum" (got "middle")' } });
    const preview = await service.call('data.preview', { config: { data: { target: { kind: 'hinge' }, n: 0 } } });
    expect(preview).toEqual({ ok: false, error: { code: 'invalid', message: 'data.n: must be at least 1 (got 0)' } });
    const ok = await service.call('data.preview', { config: { data: { target: HINGE, n: 5 } } });
    expect(ok.ok && [...(ok.value as { x: Float32Array }).x]).toEqual([-1, -0.5, 0, 0.5, 1]);
  });
});
