// The sentence the Curvature panel and `landscape-lab hessian` print for each symmetry: a rescaling's
// cost is constant along a curve, so the straight line's curvature beside it is said to be the line's.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import { presetByName, presetConfig } from '../../shared/presets.js';
import { symmetryWords } from '../../shared/symmetryWords.js';
import { makeDataset } from '../../main/engine/data.js';
import { initialParams } from '../../main/engine/init.js';
import { architectureOf } from '../../main/engine/model.js';
import { exactOptimum } from '../../main/engine/optimum.js';
import { hessianAnalysis, type HessianAnalysis } from '../../main/engine/spectrum.js';
import { num } from '../../main/cli/text/numbers.js';
import { train } from '../support/helpers.js';

const words = (a: HessianAnalysis) => a.symmetries.map((s) => symmetryWords({ ...s, directions: undefined } as never, a.nearZero.tolerance, num));

function hinge(at: 'init' | 'optimum', init?: Record<string, unknown>) {
  const config = parseConfig({ data: { target: { kind: 'hinge' } }, ...(init ? { init } : {}) });
  const data = makeDataset(config);
  const arch = architectureOf(config, data.dIn);
  const p = at === 'init' ? initialParams(arch, config.init, config.seed, data) : exactOptimum(config, arch)!;
  return hessianAnalysis(arch, Float64Array.from(p), data);
}

describe('symmetryWords', () => {
  it('a rescaling off a critical point: flat along its curve (0), the tangent line bends by its own curvature, never "changes nothing"', () => {
    const a = hinge('init');
    const texts = words(a);
    expect(texts).toHaveLength(2);
    a.symmetries.forEach((s, k) => {
      expect(texts[k]).toMatch(new RegExp(`^h1\\[${s.units[0]}\\]: the cost is constant along the curve \\(c·w_in, w_out/c\\), c > 0, where its curvature is (0|-?[\\d.]+e-\\d+) ≈ 0;`));
      expect(texts[k]).toContain(`; its tangent line leaves the curve and bends by ${num(s.curvature[0], 3)} here, through the gradient (0 at a critical point)`);
      expect(texts[k]).toMatch(/not a zero eigenvalue here$/);
      expect(texts[k]).not.toMatch(/changes nothing|unchanged/);
    });
  });

  it('a rescaling at the exact optimum: the curve and the line are both flat, a zero eigenvalue it explains', () => {
    const a = hinge('optimum');
    for (const t of words(a)) {
      expect(t).toMatch(/, where its curvature is \S+ ≈ 0, as it is along its tangent line here \(\S+\): a zero eigenvalue it explains$/);
    }
  });

  it('a dead unit: every one of its weights is flat (curvature 0 along each), zeros it explains', () => {
    const a = hinge('init', { kind: 'dead', fraction: 0.5 });
    const dead = a.symmetries.findIndex((s) => s.kind === 'dead-unit');
    expect(a.symmetries[dead].curvature.every((c) => c === 0)).toBe(true);
    expect(words(a)[dead]).toBe('h1[0] is a dead ReLU (inactive on every point): its 3 weights are flat: curvature 0 along each; 3 zero eigenvalues it explains');
  });

  it('identical units: the eigenvalues of the directions that separate them, named a saddle when one is negative', async () => {
    const config = parseConfig({ ...presetConfig(presetByName('symmetric-neurons')), steps: 500 });
    const r = await train(config);
    const a = hessianAnalysis(architectureOf(config, r.data.dIn), r.params.final, r.data);
    const k = a.symmetries.findIndex((s) => s.kind === 'symmetric-units');
    const s = a.symmetries[k];
    expect(words(a)[k]).toBe(`${s.text}: the Hessian there has eigenvalues ${num(s.curvature[0], 3)} … ${num(s.curvature[2], 3)} — negative: a saddle, and a push along it separates them; ${s.zeros} of the zero eigenvalues lie there`);
  });
});
