// The compiled `simd` kernel (main/engine/wasm/mlp.c) against the js kernel's float64 loops: the loss
// (forward), the gradient (backward, read back through one SGD step with lr 1) and whole trajectories
// (every optimizer's update), for every hidden activation × output × loss the schema allows, widths
// that are not multiples of 4, deep nets and minibatches larger than the kernel's 64-sample chunk.
//
// Tolerances: the simd kernel computes in float32 (as torch and tfjs do), the js kernel in float64, so
// a loss agrees to ~1e-7 relative and a gradient to ~1e-6 of its scale; 1e-5 leaves room for rounding
// and still fails on any wrong term, which shows as 1e-2 or more. Trajectories use the 1e-4 of
// test/engine/kernels.test.ts, for the reason given there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HiddenActivation, LossKind, OutputKind } from '../../shared/config.js';
import type { Dataset } from '../../main/engine/data.js';
import { jsKernel } from '../../main/engine/jsKernel.js';
import { autoKernelName, selectKernel } from '../../main/engine/kernelChoice.js';
import { JsNet } from '../../main/engine/jsNet.js';
import { layoutOf, type Architecture } from '../../main/engine/model.js';
import { hyperOf } from '../../main/engine/optimizers.js';
import { Rng } from '../../main/engine/prng.js';
import { simdKernel, trainsInLanes } from '../../main/engine/simdKernel.js';
import { planePoints } from '../../main/engine/surface.js';
import { trainBatch, type BatchSpec } from '../../main/engine/train.js';
import { maxAbsDiff, OPTIMIZERS, randomDataset, singleRunBatch } from '../support/helpers.js';

const ACTIVATIONS: HiddenActivation[] = ['relu', 'tanh', 'sigmoid', 'linear'];
const HEADS: [OutputKind, LossKind, number][] = [
  ['linear', 'l2', 1],
  ['linear', 'l1', 1],
  ['linear', 'l2', 3],
  ['sigmoid', 'l2', 1],
  ['sigmoid', 'l1', 1],
  ['sigmoid', 'nll', 1],
  ['softmax', 'nll', 3],
  ['softmax', 'nll', 5],
];

/** The gradient of the mean loss over rows `idx`, read back from one SGD step with lr 1 (float32). */
async function simdGradient(arch: Architecture, data: Dataset, p: Float32Array, idx: Int32Array): Promise<Float64Array> {
  const hyper = hyperOf({ kind: 'sgd', lr: 1 });
  const trainer = await simdKernel.trainer({ arch, datasets: [data], params: p, hypers: [hyper], batchSize: idx.length });
  trainer.run(1, idx);
  const after = await trainer.params();
  return Float64Array.from(p, (v, k) => v - after[k]);
}

describe('simd kernel: forward and backward against the js kernel (float64)', () => {
  for (const activation of ACTIVATIONS) {
    for (const [output, loss, dOut] of HEADS) {
      it(`${activation} hidden, ${output} output ×${dOut}, ${loss} loss`, async () => {
        const rng = new Rng(3, `${activation}/${output}/${loss}/${dOut}`);
        // Widths 5 and 3 are not multiples of 4: the padding must stay out of every sum.
        const arch: Architecture = { sizes: [2, 5, 3, dOut], activations: [activation, activation], output, loss };
        const P = layoutOf(arch).count;
        const data = randomDataset(arch, 150, rng);
        const net = new JsNet(arch);

        const points = Float32Array.from({ length: 6 * P }, () => rng.normal());
        const expected = jsKernel.losses(arch, data, points, 6);
        const got = simdKernel.losses(arch, data, points, 6);
        got.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThan(1e-5 * Math.max(1, expected[k])));

        // 70 rows (more than one 64-sample chunk, with repeats) train in rows; 20 rows in lanes.
        for (const rows of [70, 20]) {
          expect(trainsInLanes(arch, rows)).toBe(rows === 20);
          const idx = Int32Array.from({ length: rows }, () => rng.int(data.n));
          const p = points.slice(0, P);
          const reference = new Float64Array(P);
          net.evaluate(p, 0, data, idx, 0, idx.length, reference);
          const grad = await simdGradient(arch, data, p, idx);
          const scale = Math.max(...reference.map(Math.abs));
          expect(scale).toBeGreaterThan(1e-3);
          expect(maxAbsDiff(grad, reference)).toBeLessThan(1e-5 * Math.max(1, scale));
        }
      });
    }
  }

  it('a deep, wide and ragged network (8 hidden layers, widths 1 to 37, mixed activations)', async () => {
    const rng = new Rng(11, 'deep');
    const arch: Architecture = {
      sizes: [2, 37, 1, 9, 16, 4, 7, 2, 13, 1],
      activations: ['tanh', 'relu', 'sigmoid', 'linear', 'tanh', 'relu', 'sigmoid', 'tanh'],
      output: 'linear',
      loss: 'l2',
    };
    const P = layoutOf(arch).count;
    const data = randomDataset(arch, 40, rng);
    const p = Float32Array.from({ length: P }, () => rng.normal() * 0.8);
    const idx = Int32Array.from({ length: 40 }, (_, i) => i);
    const reference = new Float64Array(P);
    const expectedLoss = new JsNet(arch).evaluate(p, 0, data, idx, 0, 40, reference);
    expect(Math.abs(simdKernel.losses(arch, data, p, 1)[0] - expectedLoss)).toBeLessThan(1e-5 * Math.max(1, expectedLoss));
    const grad = await simdGradient(arch, data, p, idx);
    expect(maxAbsDiff(grad, reference)).toBeLessThan(1e-5 * Math.max(1, ...reference.map(Math.abs)));
  });

  it('lanes over more than one 64-sample chunk', async () => {
    const rng = new Rng(13, 'lanes');
    const arch: Architecture = { sizes: [2, 3, 3, 1], activations: ['tanh', 'relu'], output: 'sigmoid', loss: 'nll' };
    expect(trainsInLanes(arch, 80)).toBe(true);
    const data = randomDataset(arch, 100, rng);
    const p = Float32Array.from({ length: layoutOf(arch).count }, () => rng.normal());
    const idx = Int32Array.from({ length: 80 }, () => rng.int(data.n));
    const reference = new Float64Array(p.length);
    new JsNet(arch).evaluate(p, 0, data, idx, 0, 80, reference);
    const grad = await simdGradient(arch, data, p, idx);
    expect(maxAbsDiff(grad, reference)).toBeLessThan(1e-5 * Math.max(1, ...reference.map(Math.abs)));
  });

  it('a new dataset for the same architecture replaces the one the kernel kept', () => {
    const rng = new Rng(5, 'data');
    const arch: Architecture = { sizes: [1, 6, 1], activations: ['tanh'], output: 'linear', loss: 'l2' };
    const p = Float32Array.from({ length: layoutOf(arch).count }, () => rng.normal());
    for (const n of [30, 300, 7]) {
      const data = randomDataset(arch, n, rng);
      expect(simdKernel.losses(arch, data, p, 1)[0]).toBeCloseTo(jsKernel.losses(arch, data, p, 1)[0], 5);
    }
  });
});

describe('simd kernel: trajectories against the js kernel', () => {
  const expectSame = (a: Awaited<ReturnType<typeof trainBatch>>[number], b: typeof a, tol = 1e-4) => {
    expect(Array.from(b.loss.steps)).toEqual(Array.from(a.loss.steps));
    a.loss.values.forEach((v, k) => expect(Math.abs(b.loss.values[k] - v)).toBeLessThanOrEqual(tol * Math.max(Math.abs(v), 1e-2)));
    expect(maxAbsDiff(a.final, b.final)).toBeLessThan(tol);
    expect(b.status).toBe(a.status);
  };

  for (const kind of OPTIMIZERS) {
    it(`${kind}: 1→2→1 relu on the hinge at batch 3, and 2→6→5→1 tanh nll on the circle at batch 10`, async () => {
      const hinge = singleRunBatch({ optimizer: { kind }, steps: 150, data: { target: { kind: 'hinge' }, n: 60 } }, 10);
      const [a] = await trainBatch(jsKernel, hinge);
      const [b] = await trainBatch(simdKernel, hinge);
      expect(a.loss.values[a.loss.values.length - 1]).toBeLessThan(a.loss.values[0]);
      expectSame(a, b);
      const circle = singleRunBatch(
        {
          optimizer: { kind, lr: 0.01 },
          steps: 120,
          batchSize: 10,
          data: { target: { kind: 'circle' }, n: 80 },
          model: { hidden: [6, 5], activation: 'tanh', output: 'sigmoid' },
          loss: 'nll',
        },
        10,
      );
      const [c] = await trainBatch(jsKernel, circle);
      const [d] = await trainBatch(simdKernel, circle);
      expect(c.loss.values[c.loss.values.length - 1]).toBeLessThan(c.loss.values[0]);
      expectSame(c, d);
    });
  }

  it('each run of a batch is bit-identical to the same run alone, in lanes (any lane, any group) and in rows', async () => {
    const base = singleRunBatch({ model: { hidden: [7] }, optimizer: { kind: 'adam' }, steps: 80, data: { target: { kind: 'sine' }, n: 50, noise: 0.1 } }, 8);
    const lrs = [0.01, 0.03, 0.002, 0.02, 0.005, 0.04];
    const runs = lrs.map((lr, k) => ({ ...base.runs[0], seed: k + 1, hyper: hyperOf({ kind: 'adam', lr, beta1: 0.9, beta2: 0.99, eps: 1e-8 }) }));
    for (const batchSize of [3, 50]) {
      expect(trainsInLanes(base.arch, batchSize)).toBe(batchSize === 3);
      const spec: BatchSpec = { ...base, batchSize, runs };
      const together = await trainBatch(simdKernel, spec);
      for (let r = 0; r < runs.length; r++) {
        const [alone] = await trainBatch(simdKernel, { ...spec, runs: [runs[r]] });
        expect(Array.from(together[r].final)).toEqual(Array.from(alone.final));
        expect(Array.from(together[r].loss.values)).toEqual(Array.from(alone.loss.values));
        expect(Array.from(together[r].snapshots.steps)).toEqual(Array.from(alone.snapshots.steps));
        expect(Array.from(together[r].snapshots.params)).toEqual(Array.from(alone.snapshots.params));
      }
      expect(maxAbsDiff(together[0].final, together[1].final)).toBeGreaterThan(1e-3);
    }
  });

  it('full-batch steps in lanes (every row, no minibatch indices) follow the js kernel', async () => {
    const spec = singleRunBatch({ model: { hidden: [6], activation: 'sigmoid' }, optimizer: { kind: 'momentum' }, steps: 100, batchSize: 30, data: { target: { kind: 'sine' }, n: 30 } }, 10);
    expect(trainsInLanes(spec.arch, 30)).toBe(true);
    const [a] = await trainBatch(jsKernel, spec);
    const [b] = await trainBatch(simdKernel, spec);
    expect(a.loss.values[a.loss.values.length - 1]).toBeLessThan(a.loss.values[0]);
    expectSame(a, b);
  });

  it('a run that blows up is marked diverged at the same step as on the js kernel', async () => {
    const spec = singleRunBatch({ model: { hidden: [4, 4] }, optimizer: { kind: 'sgd', lr: 40 }, steps: 200, data: { target: { kind: 'hinge' }, n: 40 } }, 1);
    const [a] = await trainBatch(jsKernel, spec);
    const [b] = await trainBatch(simdKernel, spec);
    expect(a.status).toBe('diverged');
    expect(b.status).toBe('diverged');
    expect(b.stepsDone).toBe(a.stepsDone);
    // Beside a run that goes on, it keeps the snapshots it had alone, its last parameters last.
    const calm = { ...spec.runs[0], seed: 2, hyper: hyperOf({ kind: 'sgd', lr: 0.01 }) };
    const [wild, tame] = await trainBatch(simdKernel, { ...spec, runs: [spec.runs[0], calm] });
    const [tameAlone] = await trainBatch(simdKernel, { ...spec, runs: [calm] });
    expect([wild.status, tame.status]).toEqual(['diverged', 'done']);
    expect(wild.snapshots.steps[wild.snapshots.steps.length - 1]).toBe(b.stepsDone);
    expect(wild.snapshots.steps.length).toBeLessThan(tame.snapshots.steps.length);
    expect(Array.from(wild.snapshots.params)).toEqual(Array.from(b.snapshots.params));
    expect(Array.from(tame.snapshots.params)).toEqual(Array.from(tameAlone.snapshots.params));
  });
});

describe("simd kernel: the tutorial network's full-data losses", () => {
  it('are the js kernel\'s piecewise sums, number for number, in lanes and in rows', async () => {
    for (const [hidden, batchSize] of [[3, 3], [16, 100]]) {
      const base = singleRunBatch({ model: { hidden: [hidden] }, batchSize, data: { target: { kind: 'hinge' }, n: 200, noise: 0.05 } });
      const runs = [1, 2, 3, 4, 5].map((seed) => ({ ...base.runs[0], seed, init: base.runs[0].init.map((v, k) => v + 0.1 * Math.sin(seed * (k + 1))) }));
      expect(trainsInLanes(base.arch, batchSize)).toBe(batchSize === 3);
      const trainer = await simdKernel.trainer({ arch: base.arch, datasets: runs.map((r) => r.data), params: Float32Array.from(runs.flatMap((r) => [...r.init])), hypers: runs.map((r) => r.hyper), batchSize });
      // Five steps in one call: step t's rows are the slice [t·runs·batchSize, (t+1)·runs·batchSize).
      const width = runs.length * batchSize;
      trainer.run(5, Int32Array.from({ length: 5 * width }, (_, k) => ((k % width) * 7 + Math.floor(k / width)) % 200));
      const params = await trainer.params();
      const P = base.runs[0].init.length;
      const expected = runs.map((r, k) => jsKernel.losses(base.arch, r.data, params.subarray(k * P, (k + 1) * P), 1)[0]);
      expect(Array.from(await trainer.fullLosses())).toEqual(expected);
    }
  });

  it('stay those sums call after call, as edges move a little, far, across the ends, or vanish (w = 0)', async () => {
    // Inputs bunched, repeated and with one far outlier: the buckets the search starts from are then
    // far from where the edges are, and many samples share one x.
    const lumpy = Float32Array.from({ length: 120 }, (_, i) => (i === 119 ? 40 : i % 3 === 0 ? 0.25 : Math.sin(i) ** 3));
    for (const [batchSize, lr, bunched] of [[3, 0.01, 0], [3, 0.5, 0], [100, 0.01, 0], [100, 0.5, 0], [3, 0.05, 1], [100, 0.5, 1]]) {
      const base = singleRunBatch({ model: { hidden: [8] }, batchSize, data: { target: { kind: 'hinge' }, n: 120, noise: 0.05 } });
      const P = base.runs[0].init.length;
      const data = bunched ? { ...base.runs[0].data, x: lumpy } : base.runs[0].data;
      const runs = [1, 2, 3, 4, 5, 6].map((seed) => {
        const init = base.runs[0].init.map((v, k) => v + 0.3 * Math.sin(seed * (k + 1)));
        if (seed === 6) init[0] = 0; // unit 0 of run 6 starts flat: its edge is n, until it moves
        return { ...base.runs[0], data, seed, init, hyper: { ...base.runs[0].hyper, lr } };
      });
      const trainer = await simdKernel.trainer({ arch: base.arch, datasets: runs.map((r) => r.data), params: Float32Array.from(runs.flatMap((r) => [...r.init])), hypers: runs.map((r) => r.hyper), batchSize });
      let differing = 0;
      for (let t = 0; t < 40; t++) {
        const params = await trainer.params();
        const expected = runs.map((r, k) => jsKernel.losses(base.arch, r.data, params.subarray(k * P, (k + 1) * P), 1)[0]);
        const got = Array.from(await trainer.fullLosses());
        expect(got).toEqual(expected);
        differing += expected.filter((v, k) => k > 0 && v !== expected[k - 1]).length;
        for (let s = 0; s <= t % 3; s++) trainer.run(1, Int32Array.from({ length: runs.length * batchSize }, (_, i) => (i * 13 + t * 7 + s) % 120));
      }
      expect(differing).toBeGreaterThan(150); // the runs really are different networks at every call
    }
  });
});

describe('simd kernel: losses over the points of a plane (cost surfaces)', () => {
  const grid = (res: number, span: number) => {
    const alpha = new Float64Array(res * res);
    const beta = new Float64Array(res * res);
    for (let g = 0; g < res * res; g++) {
      alpha[g] = -span + (2 * span * (g % res)) / (res - 1);
      beta[g] = -span + (2 * span * Math.floor(g / res)) / (res - 1);
    }
    return { alpha, beta };
  };

  it("are the js kernel's losses at surface.ts's points, number for number: even, lumpy and repeated inputs, flat units, far points, NaN", () => {
    const lumpy = Float32Array.from({ length: 120 }, (_, i) => (i === 119 ? 40 : i % 3 === 0 ? 0.25 : Math.sin(i) ** 3));
    for (const [hidden, bunched, span] of [[2, 0, 1], [16, 0, 3], [5, 1, 1], [8, 1, 50]] as const) {
      const base = singleRunBatch({ model: { hidden: [hidden] }, data: { target: { kind: 'hinge' }, n: 120, noise: 0.05 } });
      const { arch } = base;
      const data = bunched ? { ...base.runs[0].data, x: lumpy } : base.runs[0].data;
      const P = layoutOf(arch).count;
      const rng = new Rng(5, `plane/${hidden}`);
      const center = Float32Array.from(base.runs[0].init);
      center[0] = 0; // a flat unit at the centre: w = 0 along the row through it
      const plane = { center, d1: Float64Array.from({ length: P }, () => rng.normal()), d2: Float64Array.from({ length: P }, () => rng.normal()) };
      const { alpha, beta } = grid(33, span);
      const expected = jsKernel.losses(arch, data, planePoints(plane, alpha, beta), alpha.length);
      expect(Array.from(simdKernel.planeLosses!(arch, data, plane, alpha, beta))).toEqual(Array.from(expected));
      expect(new Set(expected).size).toBeGreaterThan(1000); // the points really differ
      // Compact points through `losses`, a NaN among them, then a far jump: the next search starts far from its edge.
      const points = planePoints(plane, alpha.subarray(0, 40), beta.subarray(0, 40));
      points[7 * P + 1] = NaN;
      points[8 * P] *= 1e6;
      const got = simdKernel.losses(arch, data, points, 40);
      expect(Number.isNaN(got[7])).toBe(true);
      expect(Array.from(got)).toEqual(Array.from(jsKernel.losses(arch, data, points, 40)));
    }
  });

  it('build the points as surface.ts does for every other network too', () => {
    const arch: Architecture = { sizes: [2, 5, 3, 1], activations: ['tanh', 'relu'], output: 'sigmoid', loss: 'nll' };
    const rng = new Rng(6, 'plane/general');
    const data = randomDataset(arch, 90, rng);
    const P = layoutOf(arch).count;
    const plane = { center: Float32Array.from({ length: P }, () => rng.normal()), d1: Float64Array.from({ length: P }, () => rng.normal()), d2: Float64Array.from({ length: P }, () => rng.normal()) };
    const { alpha, beta } = grid(9, 0.7);
    const got = simdKernel.planeLosses!(arch, data, plane, alpha, beta);
    expect(Array.from(got)).toEqual(Array.from(simdKernel.losses(arch, data, planePoints(plane, alpha, beta), alpha.length)));
    expect(new Set(got).size).toBe(81);
  });
});

describe('simd kernel bytes', () => {
  it('main/engine/wasm/mlp.wasm.ts is mlp.c compiled by clang (run npm run build:wasm after editing the .c)', async () => {
    const { compileC, moduleSource } = await import('../../scripts/build-wasm.mjs');
    const dir = new URL('../../main/engine/wasm/', import.meta.url);
    const bytes = compileC(new URL('mlp.c', dir).pathname);
    expect(readFileSync(new URL('mlp.wasm.ts', dir), 'utf8')).toBe(moduleSource('mlp.c', bytes));
  });
});

describe('auto', () => {
  const tutorial = (H: number): Architecture => ({ sizes: [1, H, 1], activations: ['relu'], output: 'linear', loss: 'l2' });
  const work = (arch: Architecture, runs: number, batchSize: number, n = 500) => ({ arch, runs, batchSize, n });

  it('keeps the js kernel where its tutorial fast paths win: full batches, and single runs at small batches', () => {
    expect(autoKernelName(work(tutorial(2), 1, 500))).toBe('js');
    expect(autoKernelName(work(tutorial(16), 1000, 500))).toBe('js');
    expect(autoKernelName(work(tutorial(2), 1, 3))).toBe('js');
    expect(autoKernelName(work(tutorial(16), 1, 10))).toBe('js');
  });

  it('takes simd for many tutorial runs, large tutorial minibatches and every other network', async () => {
    expect(autoKernelName(work(tutorial(16), 1000, 3))).toBe('simd');
    expect(autoKernelName(work(tutorial(16), 1, 100))).toBe('simd');
    const spiral: Architecture = { sizes: [2, 16, 16, 1], activations: ['tanh', 'tanh'], output: 'sigmoid', loss: 'nll' };
    expect(autoKernelName(work(spiral, 1, 10, 400))).toBe('simd');
    expect(autoKernelName(work({ ...tutorial(2), loss: 'l1' }, 1, 500))).toBe('simd');
    expect((await selectKernel('auto', 'auto', work(spiral, 8, 400, 400))).name).toBe('simd');
    expect((await selectKernel('auto', 'auto', work(tutorial(2), 1, 3))).name).toBe('js');
  });

  it("takes simd for the tutorial network's losses alone (surfaces, curves): its pieces are compiled there", () => {
    expect(autoKernelName({ ...work(tutorial(2), 4096, 500), lossesOnly: true })).toBe('simd');
    expect(autoKernelName({ ...work(tutorial(16), 200, 500), lossesOnly: true })).toBe('simd');
  });
});
