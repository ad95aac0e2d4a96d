// The two kernels hold each other to the same trajectories, and batching changes nothing.
//
// Tolerance js ↔ tfjs: 1e-4 on every recorded loss (relative, floor 1e-6) and on every final parameter
// (absolute) after 150 steps. The js kernel accumulates in float64 and rounds to float32 only when it
// stores parameters and optimizer state; tfjs rounds every op to float32. Those ~1e-7 differences
// per step compound over steps (measured: ≤ 1e-6 after 200 steps), so 1e-4 leaves room without
// hiding a wrong update rule, which shows as 1e-2 or more within a few steps. Configs avoid exact
// symmetries (an odd target on symmetric data with zero biases): there a gradient that is zero in exact
// arithmetic is rounding noise, which RMSprop and Adam rescale into full-size steps of random sign.
import { beforeAll, describe, expect, it } from 'vitest';
import { jsKernel } from '../../main/engine/jsKernel.js';
import type { CpuKernel } from '../../main/engine/kernel.js';
import { loadTfjsKernel } from '../../main/engine/tfjsKernel.js';
import { trainBatch, type BatchSpec } from '../../main/engine/train.js';
import { makeDataset } from '../../main/engine/data.js';
import { initialParams } from '../../main/engine/init.js';
import { architectureOf } from '../../main/engine/model.js';
import { hyperOf } from '../../main/engine/optimizers.js';
import { config, maxAbsDiff, OPTIMIZERS, singleRunBatch } from '../support/helpers.js';

const TOL = 1e-4;

function expectSameTrajectory(a: Awaited<ReturnType<typeof trainBatch>>[number], b: typeof a): void {
  expect(Array.from(b.loss.steps)).toEqual(Array.from(a.loss.steps));
  a.loss.values.forEach((v, k) => {
    expect(Math.abs(b.loss.values[k] - v)).toBeLessThanOrEqual(TOL * Math.max(Math.abs(v), 1e-2));
  });
  expect(maxAbsDiff(a.final, b.final)).toBeLessThan(TOL);
  expect(b.status).toBe(a.status);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`js and tfjs (${backend}) give the same trajectories`, () => {
    let tfjs: CpuKernel;
    beforeAll(async () => {
      tfjs = await loadTfjsKernel(backend);
    });

    it('reports the backend that ran', () => {
      expect(tfjs.name).toBe('tfjs');
      expect(tfjs.backend).toBe(backend);
    });

    for (const kind of OPTIMIZERS) {
      it(`${kind}, relu 1→2→1 on the hinge, batch 3`, async () => {
        const spec = singleRunBatch({ optimizer: { kind }, steps: 150, data: { target: { kind: 'hinge' }, n: 60 } }, 10);
        const [a] = await trainBatch(jsKernel, spec);
        const [b] = await trainBatch(tfjs, spec);
        expect(a.loss.values[a.loss.values.length - 1]).toBeLessThan(a.loss.values[0]);
        expectSameTrajectory(a, b);
      });
    }

    it('deeper tanh network on a sine, full batch, rmsprop', async () => {
      const spec = singleRunBatch(
        {
          data: { target: { kind: 'sine', frequency: 0.5, phase: 0.7 }, n: 40 },
          model: { hidden: [5, 4], activation: 'tanh' },
          optimizer: { kind: 'rmsprop', lr: 0.003 },
          batchSize: 40,
          steps: 150,
        },
        15,
      );
      const [a] = await trainBatch(jsKernel, spec);
      const [b] = await trainBatch(tfjs, spec);
      expectSameTrajectory(a, b);
    });

    it('sigmoid output with nll (binary cross-entropy) on targets in [0, 1]', async () => {
      const spec = singleRunBatch(
        {
          data: { target: { kind: 'polynomial', coefficients: [0.5, 0.4] }, n: 30 },
          model: { hidden: [3], activation: 'sigmoid', output: 'sigmoid' },
          loss: 'nll',
          optimizer: { kind: 'adam' },
          steps: 100,
        },
        10,
      );
      const [a] = await trainBatch(jsKernel, spec);
      const [b] = await trainBatch(tfjs, spec);
      expectSameTrajectory(a, b);
    });

    it('cost evaluation at many parameter vectors agrees', () => {
      const spec = singleRunBatch({ model: { hidden: [3] } });
      const P = spec.runs[0].init.length;
      const pts = Float32Array.from({ length: 20 * P }, (_, i) => Math.sin(i * 1.7));
      const a = jsKernel.losses(spec.arch, spec.runs[0].data, pts, 20);
      const b = tfjs.losses(spec.arch, spec.runs[0].data, pts, 20);
      a.forEach((v, k) => expect(Math.abs(b[k] - v)).toBeLessThanOrEqual(1e-5 * Math.max(1, v)));
    });
  });
}

describe('batched runs', () => {
  function batchOfSeeds(seeds: number[], lrs: number[]): BatchSpec {
    const runs = seeds.map((seed, k) => {
      const c = config({ seed, optimizer: { kind: 'momentum', lr: lrs[k] }, data: { target: { kind: 'hinge' }, n: 50, noise: 0.05 } });
      const data = makeDataset(c);
      const arch = architectureOf(c);
      return { seed, data, init: initialParams(arch, c.init, seed, data), hyper: hyperOf(c.optimizer) };
    });
    return { arch: architectureOf(config()), batchSize: 3, steps: 200, recordEvery: 20, snapshots: 8, runs };
  }

  it('each run of a js batch is bit-identical to the same run trained alone (seeds, lrs and datasets differ)', async () => {
    const spec = batchOfSeeds([1, 2, 3], [0.01, 0.02, 0.005]);
    const together = await trainBatch(jsKernel, spec);
    for (let r = 0; r < 3; r++) {
      const [alone] = await trainBatch(jsKernel, { ...spec, runs: [spec.runs[r]] });
      expect(Array.from(together[r].final)).toEqual(Array.from(alone.final));
      expect(Array.from(together[r].loss.values)).toEqual(Array.from(alone.loss.values));
    }
    expect(maxAbsDiff(together[0].final, together[1].final)).toBeGreaterThan(1e-3);
  });

  it('a tfjs batch matches the js batch run by run', async () => {
    const spec = batchOfSeeds([4, 5], [0.01, 0.03]);
    const a = await trainBatch(jsKernel, spec);
    const b = await trainBatch(await loadTfjsKernel('cpu'), spec);
    a.forEach((run, r) => expectSameTrajectory(run, b[r]));
  });
});

describe('reproducibility', () => {
  it('same config and seed give bit-identical numbers on each kernel', async () => {
    const tfjs = await loadTfjsKernel('cpu');
    for (const kernel of [jsKernel, tfjs]) {
      const [a] = await trainBatch(kernel, singleRunBatch({ steps: 100, seed: 11 }, 5));
      const [b] = await trainBatch(kernel, singleRunBatch({ steps: 100, seed: 11 }, 5));
      expect(Array.from(b.final)).toEqual(Array.from(a.final));
      expect(Array.from(b.loss.values)).toEqual(Array.from(a.loss.values));
      expect(Array.from(b.snapshots.params)).toEqual(Array.from(a.snapshots.params));
    }
  });

  it('another seed gives another run', async () => {
    const [a] = await trainBatch(jsKernel, singleRunBatch({ steps: 50, seed: 1 }));
    const [b] = await trainBatch(jsKernel, singleRunBatch({ steps: 50, seed: 2 }));
    expect(maxAbsDiff(a.final, b.final)).toBeGreaterThan(1e-2);
  });
});
