// The tutorial's initialization findings, from its presets as a user runs them (through the lab
// façade, on both kernels): symmetric units never separate and the fit keeps one kink; dead units get
// exactly zero gradient and never change.
import { describe, expect, it } from 'vitest';
import { parseConfig, type ExperimentConfig, type KernelChoice, type OptimizerKind } from '../../shared/config.js';
import { presetByName, presetConfig } from '../../shared/presets.js';
import { JsNet } from '../../main/engine/jsNet.js';
import { architectureOf, layoutOf } from '../../main/engine/model.js';
import { runConfigs, type RunResult } from '../../main/engine/runs.js';
import { OPTIMIZERS } from '../support/helpers.js';

const KERNELS: { kernel: KernelChoice; backend: 'auto' | 'cpu' }[] = [
  { kernel: 'js', backend: 'auto' },
  { kernel: 'tfjs', backend: 'cpu' },
];

/** A preset's config with the tuned optimizer of `kind` (from that optimizer's own preset). */
function presetWith(name: string, kind: OptimizerKind, steps: number): ExperimentConfig {
  const optimizer = presetConfig(presetByName(kind)).optimizer;
  return parseConfig({ ...presetConfig(presetByName(name)), optimizer, steps });
}

/** Intervals of an even grid over the data range where the fit's slope changes. */
function slopeChanges(r: RunResult, points = 401): { xs: Float32Array; slopes: number[]; changes: number[] } {
  const net = new JsNet(architectureOf(r.config));
  const [lo, hi] = r.config.data.xRange;
  const xs = Float32Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const y = net.predict(r.params.final, 0, xs, points);
  const slopes = Array.from({ length: points - 1 }, (_, i) => (y[i + 1] - y[i]) / (xs[i + 1] - xs[i]));
  const changes = slopes.flatMap((s, i) => (i > 0 && Math.abs(s - slopes[i - 1]) > 1e-6 ? [i] : []));
  return { xs, slopes, changes };
}

describe('symmetric initialization (preset symmetric-neurons)', () => {
  for (const kind of OPTIMIZERS) {
    it(`stays exactly symmetric under ${kind} on both kernels, with one kink`, async () => {
      const config = presetWith('symmetric-neurons', kind, 300);
      for (const k of KERNELS) {
        const [r] = await runConfigs([config], k);
        expect([r.kernel, r.status]).toEqual([k.kernel, 'done']);
        const { layers } = layoutOf(architectureOf(config));
        const [w, b, out] = [layers[0].w, layers[0].b, layers[1].w];
        // Both units' weights in, bias and weight out are bit-identical after training.
        expect(Object.is(r.params.final[w], r.params.final[w + 1])).toBe(true);
        expect(Object.is(r.params.final[b], r.params.final[b + 1])).toBe(true);
        expect(Object.is(r.params.final[out], r.params.final[out + 1])).toBe(true);
        expect(r.diagnostics.final.symmetric).toEqual([{ layer: 1, units: [0, 1] }]);
        // They did train.
        expect(r.params.final[w]).not.toBe(r.params.init[w]);
        expect(r.params.final[out]).not.toBe(r.params.init[out]);
        // One kink: the units switch at one x = −b/w, and the fit bends there and nowhere else.
        const kink = -r.params.final[b] / r.params.final[w];
        const { xs, slopes, changes } = slopeChanges(r);
        expect(changes.length).toBeGreaterThan(0);
        // Both units are off on the same side of it: the fit is exactly flat there.
        expect(Math.min(Math.abs(slopes[0]), Math.abs(slopes.at(-1)!))).toBe(0);
        expect(changes.at(-1)! - changes[0]).toBeLessThanOrEqual(1);
        expect(kink).toBeGreaterThanOrEqual(xs[changes[0] - 1]);
        expect(kink).toBeLessThanOrEqual(xs[changes.at(-1)! + 1]);
        expect(r.finalLoss).toBeGreaterThan(1e-3);
      }
    });
  }

  it('units that separate bend at the same x0 but face both ways (preset problem-and-solution)', async () => {
    const [r] = await runConfigs([parseConfig(presetConfig(presetByName('problem-and-solution')))]);
    const { slopes } = slopeChanges(r);
    expect(r.diagnostics.final.symmetric).toEqual([]);
    // The hinge's slopes m2 = −0.5 and m1 = 1.5, where the symmetric fit has a flat side.
    expect(slopes[0]).toBeCloseTo(-0.5, 2);
    expect(slopes.at(-1)).toBeCloseTo(1.5, 2);
  });
});

describe('dead initialization (preset dead-neurons)', () => {
  for (const kind of OPTIMIZERS) {
    it(`the dead unit gets exactly zero gradient and stays unchanged under ${kind}, on both kernels`, async () => {
      const config = presetWith('dead-neurons', kind, 300);
      const arch = architectureOf(config);
      const { layers, count } = layoutOf(arch);
      const deadParams = [layers[0].w, layers[0].b, layers[1].w];
      const liveParams = [layers[0].w + 1, layers[0].b + 1, layers[1].w + 1];
      for (const k of KERNELS) {
        const [r] = await runConfigs([config], k);
        expect(r.diagnostics.init.dead).toEqual([{ layer: 1, unit: 0 }]);
        expect(r.diagnostics.final.dead).toContainEqual({ layer: 1, unit: 0 });
        for (const i of deadParams) expect(Object.is(r.params.final[i], r.params.init[i])).toBe(true);
        expect(liveParams.some((i) => r.params.final[i] !== r.params.init[i])).toBe(true);
        // The full-data gradient, on the tutorial network's fast path and the general one.
        for (const net of [new JsNet(arch), new JsNet(arch, { general: true })]) {
          for (const params of [r.params.init, r.params.final]) {
            const grad = new Float64Array(count);
            net.evaluate(params, 0, r.data, null, 0, r.data.n, grad);
            expect(deadParams.map((i) => Math.abs(grad[i]))).toEqual([0, 0, 0]);
          }
          const atInit = new Float64Array(count);
          net.evaluate(r.params.init, 0, r.data, null, 0, r.data.n, atInit);
          expect(Math.abs(atInit[liveParams[0]])).toBeGreaterThan(0);
        }
      }
    });
  }
});
