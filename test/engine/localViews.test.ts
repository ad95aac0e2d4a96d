// The three views' own axes and spans ('local'), and the diverged rule, on real runs of the
// tutorial's network (js kernel, real data, no stand-ins).
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../main/engine/data.js';
import { constantPredictorLoss, endedFarAbove } from '../../main/engine/divergence.js';
import { architectureOf } from '../../main/engine/model.js';
import type { RunResult } from '../../main/engine/results.js';
import type { JobInfo } from '../../shared/api.js';
import { batchProgress } from '../../renderer/src/lib/jobProgress.js';
import { config, landscape, train } from '../support/helpers.js';

const tutorial = { model: { hidden: [2], activation: 'relu' as const }, optimizer: { kind: 'adam' as const, lr: 0.003, beta1: 0.95, beta2: 0.9 }, batchSize: 3, steps: 5000, seed: 1 };

describe('local views: each point with its own axes and span', () => {
  let trained: RunResult;
  const c = config(tutorial);

  it('centres each view on its point, in different directions, at a span fitted to its neighbourhood', async () => {
    trained = await train(c, { kernel: 'js' });
    const views = await Promise.all((['init', 'trained', 'optimum'] as const).map((center) => landscape(c, { center, axes: 'local', res: 16, span: 'auto' }, { trained, kernel: 'js' })));
    const [init, after, optimum] = views;
    for (const v of views) expect(v.markers[v.center]).toMatchObject({ alpha: 0, beta: 0, offPlane: 0 });
    expect(init.axisLabels).toEqual(['first step', '⊥ toward the early path']);
    expect(after.axisLabels).toEqual(['PC1 of the path’s last half', 'PC2 of the path’s last half']);
    expect(optimum.axisLabels).toEqual(['flat: rescale h1[0]', '⊥ toward trained']);
    // The start's slope spans the early path (about 1); the trained and optimum views zoom in 20×.
    expect(init.span).toBeGreaterThan(0.5);
    expect(after.span).toBeLessThan(init.span / 10);
    expect(optimum.span).toBeLessThan(init.span / 10);
    // The trained and optimum views differ: other directions, other values.
    expect(Math.abs(after.d1.reduce((s, v, i) => s + v * optimum.d1[i], 0))).toBeLessThan(0.99);
    expect(Math.max(...after.loss)).not.toBeCloseTo(Math.max(...optimum.loss), 6);
    // The optimum's first axis is flat: J along it (β = 0, the middle row) stays far below J along β.
    const mid = 8;
    const row = optimum.loss.slice(mid * 16, mid * 16 + 16);
    const column = Float64Array.from({ length: 16 }, (_, i) => optimum.loss[i * 16 + mid]);
    expect(Math.max(...row)).toBeLessThan(Math.max(...column) / 10);
    // Off-plane markers carry their own J beside the J of their projection.
    expect(optimum.markers.init!.offPlane).toBeGreaterThan(0.1);
    expect(optimum.markers.init!.trueLoss).toBeCloseTo(trained.loss.values[0], 6);
    expect(optimum.markers.init!.loss).not.toBeCloseTo(trained.loss.values[0], 3);
  }, 60_000);
});

describe('the diverged rule', () => {
  it('the constant prediction loses the variance of y under L2, the entropy of the labels under NLL', () => {
    const c = config(tutorial);
    const data = makeDataset(c);
    const y = Array.from(data.y);
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    expect(constantPredictorLoss(architectureOf(c), data)).toBeCloseTo(y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length, 10);
    const xor = config({ data: { target: { kind: 'xor' }, n: 400 }, model: { hidden: [4], activation: 'tanh', output: 'sigmoid' }, loss: 'nll' });
    const labels = makeDataset(xor);
    const p = Array.from(labels.y).reduce((s, v) => s + v, 0) / labels.n;
    expect(p).toBeGreaterThan(0.3);
    expect(constantPredictorLoss(architectureOf(xor, 2), labels)).toBeCloseTo(-(p * Math.log(p) + (1 - p) * Math.log(1 - p)), 10);
    expect(endedFarAbove(1001, 1, 0.5)).toBe(true);
    expect(endedFarAbove(999, 1, 0.5)).toBe(false);
    expect(endedFarAbove(1500, 0.2, 2)).toBe(false);
  });

  it('Adam at lr 1e6 ends finite but 10⁹× above its start: diverged, with its final loss kept', async () => {
    const r = await train(config({ ...tutorial, optimizer: { kind: 'adam', lr: 1e6 } }), { kernel: 'js' });
    expect(r.status).toBe('diverged');
    expect(r.finalLoss).toBeGreaterThan(1e3 * r.loss.values[0]);
    const ok = await train(config(tutorial), { kernel: 'js' });
    expect(ok.status).toBe('done');
  }, 60_000);
});

describe('one progress for the three surfaces', () => {
  const job = (id: string, state: JobInfo['state'], step: number, steps: number): JobInfo => ({
    id, kind: 'landscape', state, phase: 'surface', step, steps, etaSeconds: null, bestLoss: null, experimentId: 1, waitingFor: null, error: null,
  });

  it('counts each surface as a third, done ones whole, and extrapolates the pace of the whole batch', () => {
    expect(batchProgress([], 3, 0)).toEqual({ fraction: 0, etaSeconds: null });
    const p = batchProgress([job('a', 'done', 4096, 4096), job('b', 'running', 2048, 4096)], 3, 3);
    expect(p.fraction).toBeCloseTo(0.5, 12);
    expect(p.etaSeconds).toBeCloseTo(3, 12);
    expect(batchProgress([job('a', 'done', 1, 1), job('b', 'done', 1, 1), job('c', 'failed', 0, 1)], 3, 9)).toEqual({ fraction: 1, etaSeconds: null });
  });
});
