// The training loop: what it records, when it stops, and that it never crashes on divergence.
import { describe, expect, it } from 'vitest';
import { jsKernel } from '../../main/engine/jsKernel.js';
import { loadTfjsKernel } from '../../main/engine/tfjsKernel.js';
import { defaultRecordEvery, snapshotSteps, trainBatch } from '../../main/engine/train.js';
import { makeDataset } from '../../main/engine/data.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { config, singleRunBatch } from '../support/helpers.js';

describe('recording', () => {
  it('loss at step 0, every `every` steps and at the last step; values are full-data losses', async () => {
    const spec = singleRunBatch({ steps: 95 }, 10, 7);
    const [out] = await trainBatch(jsKernel, spec);
    expect(Array.from(out.loss.steps)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
    expect(out.loss.values[0]).toBeCloseTo(jsKernel.losses(spec.arch, spec.runs[0].data, spec.runs[0].init, 1)[0], 12);
    expect(out.loss.values[10]).toBeCloseTo(jsKernel.losses(spec.arch, spec.runs[0].data, out.final, 1)[0], 12);
  });

  it('the default records about 1,000 points', () => {
    expect(defaultRecordEvery(500)).toBe(1);
    expect(defaultRecordEvery(5000)).toBe(5);
    expect(Math.ceil(123_456 / defaultRecordEvery(123_456))).toBeLessThanOrEqual(1000);
  });

  it('snapshots: evenly spaced, init first and final last, within the cap', async () => {
    expect(Array.from(snapshotSteps(100, 5))).toEqual([0, 25, 50, 75, 100]);
    expect(Array.from(snapshotSteps(3, 10))).toEqual([0, 1, 2, 3]);
    const spec = singleRunBatch({ steps: 1000 }, 100, 50);
    const [out] = await trainBatch(jsKernel, spec);
    const P = out.init.length;
    expect(out.snapshots.steps.length).toBe(50);
    expect(out.snapshots.steps[0]).toBe(0);
    expect(out.snapshots.steps[49]).toBe(1000);
    expect(Array.from(out.snapshots.params.subarray(0, P))).toEqual(Array.from(out.init));
    expect(Array.from(out.snapshots.params.subarray(49 * P))).toEqual(Array.from(out.final));
  });

  it('snapshot memory stays within its budget for many runs', async () => {
    const base = singleRunBatch({ steps: 200 }, 50, 100);
    const runs = Array.from({ length: 40 }, () => base.runs[0]);
    const outs = await trainBatch(jsKernel, { ...base, runs }, { snapshotBudget: 40 * 7 * 10 });
    expect(outs[0].snapshots.steps.length).toBe(10);
  });
});

describe('divergence and cancellation', () => {
  for (const kernelName of ['js', 'tfjs'] as const) {
    it(`a huge learning rate ends the run as diverged, without throwing (${kernelName})`, async () => {
      const kernel = kernelName === 'js' ? jsKernel : await loadTfjsKernel('cpu');
      const spec = singleRunBatch({ optimizer: { kind: 'sgd', lr: 1e6 }, steps: 200 }, 1);
      const [out] = await trainBatch(kernel, spec);
      expect(out.status).toBe('diverged');
      expect(out.stepsDone).toBeLessThan(200);
      expect(out.loss.values.every(Number.isFinite)).toBe(true);
    });
  }

  it('one diverging run does not disturb the others in its batch', async () => {
    const good = singleRunBatch({ optimizer: { kind: 'sgd', lr: 0.01 }, steps: 100 }, 10);
    const bad = singleRunBatch({ optimizer: { kind: 'sgd', lr: 1e6 }, steps: 100 }, 10);
    const [alone] = await trainBatch(jsKernel, good);
    const outs = await trainBatch(jsKernel, { ...good, runs: [good.runs[0], bad.runs[0], good.runs[0]] });
    expect(outs.map((o) => o.status)).toEqual(['done', 'diverged', 'done']);
    expect(Array.from(outs[2].final)).toEqual(Array.from(alone.final));
  });

  it('an abort signal ends the runs as cancelled with their curve up to the stop', async () => {
    const controller = new AbortController();
    const spec = singleRunBatch({ steps: 5_000_000, batchSize: 500 }, 1000);
    const pending = trainBatch(jsKernel, spec, { signal: controller.signal, yieldMs: 5 });
    setTimeout(() => controller.abort(), 50);
    const [out] = await pending;
    expect(out.status).toBe('cancelled');
    expect(out.stepsDone).toBeGreaterThan(0);
    expect(out.stepsDone).toBeLessThan(5_000_000);
    expect(out.loss.steps[out.loss.steps.length - 1]).toBe(out.stepsDone);
    expect(out.snapshots.steps[out.snapshots.steps.length - 1]).toBe(out.stepsDone);
  });

  it('progress is reported with the step and the best current loss', async () => {
    const seen: number[] = [];
    await trainBatch(jsKernel, singleRunBatch({ steps: 20_000 }, 100), { yieldMs: 1, onProgress: (p) => seen.push(p.step) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1]).toBe(20_000);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });
});

describe('worker pool', () => {
  it('a batch split over 2 workers gives the same runs, in order, as one batch in-process', async () => {
    const c = config();
    const base = singleRunBatch({ steps: 300 }, 30);
    const runs = [1, 2, 3, 4, 5].map((seed) => ({ ...base.runs[0], seed, data: makeDataset({ ...c, seed }) }));
    const spec = { ...base, runs };
    const pool = new WorkerPool(2);
    try {
      const { outcomes, kernel } = await pool.trainBatch(spec, { kernel: 'js' });
      const local = await trainBatch(jsKernel, spec);
      expect(kernel).toBe('js');
      expect(outcomes.map((o) => Array.from(o.final))).toEqual(local.map((o) => Array.from(o.final)));
    } finally {
      await pool.close();
    }
  });
});
