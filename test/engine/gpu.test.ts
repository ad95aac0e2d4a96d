// The `gpu` kernel (main/engine/gpu/) against the simd kernel and the float64 js kernel, on whatever
// WebGPU adapter this process finds: in CI, SwiftShader's Vulkan from Debian's chromium, which .ci/run
// selects with LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
// (the loader reads the first at process start, so a test cannot set it for itself). Without an adapter
// the tests fail in CI (CI=true, or LANDSCAPE_LAB_REQUIRE_GPU=1 as .ci/run sets), and are skipped with
// that hint otherwise.
//
// Tolerances. gpu and simd both compute in float32, summing in the same order (mlp.c's), with the same
// exp polynomial: they differ where a shader compiler rounds differently (a fused multiply-add, sqrt
// and division within WGSL's ulps) and where simd's rows compute the output δ in float64. Measured on
// SwiftShader (the file prints its maxima): final parameters after 30–60 steps within 6e-7 of simd's
// (bit for bit on the tutorial network) and 8e-7 of js's, recorded losses within 1e-6 relative. The
// bounds asserted are simd's own against js (test/simdKernel.test.ts): 1e-4 on every recorded loss
// (relative, floor 1e-2) and final parameter (absolute), and 1e-5 of its scale on one step's gradient;
// a wrong term in a rule shows as 1e-2 or more within a few steps. Losses and surfaces agree with
// float64 to 1e-5 relative (measured: 5e-7).
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, type HiddenActivation, type LossKind, type OptimizerKind, type OutputKind } from '../../shared/config.js';
import type { Dataset } from '../../main/engine/data.js';
import { gpuAdapters, GpuDeviceLostError, gpuDevice, gpuDeviceOrReason, setGpuDeviceSource, webgpuSource } from '../../main/engine/gpu/device.js';
import { dawnGpuOrReason, WEBGPU_SWITCH } from '../../main/platform/dawn.js';
import { jsKernel } from '../../main/engine/jsKernel.js';
import { JsNet } from '../../main/engine/jsNet.js';
import type { Kernel } from '../../main/engine/kernel.js';
import { selectKernel } from '../../main/engine/kernelChoice.js';
import { computeFor } from '../../main/lab/compute.js';
import { layoutOf, type Architecture } from '../../main/engine/model.js';
import { hyperOf, type Hyper } from '../../main/engine/optimizers.js';
import { Rng } from '../../main/engine/prng.js';
import { simdKernel, trainsInLanes } from '../../main/engine/simdKernel.js';
import { costSurface, planePoints } from '../../main/engine/surface.js';
import { trainBatch, type BatchSpec, type RunOutcome } from '../../main/engine/train.js';
import { config, maxAbsDiff, OPTIMIZERS, randomDataset, singleRunBatch } from '../support/helpers.js';

const TRAJECTORY_TOL = 1e-4;

const found = await gpuDeviceOrReason();
const adapter = 'device' in found ? found.info : null;
const why = 'device' in found ? '' : found.reason;
const required = ['true', '1'].includes(process.env.CI ?? '') || Boolean(process.env.LANDSCAPE_LAB_REQUIRE_GPU);
if (!adapter && !required) {
  console.warn(`test/gpu.test.ts: skipped (${why}); run with LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json, as .ci/run does`);
}

/** The largest differences seen per family of cases, printed once (the numbers the header quotes). */
const seen = new Map<string, number>();
const note = (family: string, value: number) => seen.set(family, Math.max(seen.get(family) ?? 0, value));
afterAll(() => {
  if (seen.size) console.log(`gpu kernel on ${adapter?.architecture}: ${[...seen].map(([k, v]) => `${k} ${v.toExponential(1)}`).join('; ')}`);
});

function expectSame(family: string, a: RunOutcome, b: RunOutcome, tol = TRAJECTORY_TOL): void {
  expect(Array.from(b.loss.steps)).toEqual(Array.from(a.loss.steps));
  a.loss.values.forEach((v, k) => {
    const d = Math.abs(b.loss.values[k] - v) / Math.max(Math.abs(v), 1e-2);
    note(`${family} loss`, d);
    expect(d).toBeLessThanOrEqual(tol);
  });
  const d = maxAbsDiff(a.final, b.final);
  note(`${family} params`, d);
  expect(d).toBeLessThan(tol);
  expect(b.status).toBe(a.status);
}

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
/** Each hidden activation appears beside every head and optimizer: two per network. */
const ACTIVATION_PAIRS: [HiddenActivation, HiddenActivation][] = [
  ['relu', 'tanh'],
  ['sigmoid', 'linear'],
];
const RATES: Record<OptimizerKind, number> = { sgd: 0.1, momentum: 0.02, rmsprop: 0.005, 'momentum-rmsprop': 0.002, adam: 0.01 };

/** The optimizer's hyperparameters with the config's defaults (the tutorial's momentum, ρ, β). */
function hyper(kind: OptimizerKind, lr = RATES[kind]): Hyper {
  return hyperOf(config({ optimizer: { kind, lr } }).optimizer);
}

/** A batch of runs on `arch`, one per init, each on `data` (or its own), optimizer `kind`. */
function batchOf(arch: Architecture, data: Dataset | Dataset[], inits: Float32Array[], hypers: Hyper[], batchSize: number, steps = 30): BatchSpec {
  const runs = inits.map((init, r) => ({ seed: 100 + r, data: Array.isArray(data) ? data[r] : data, init, hyper: hypers[r] }));
  return { arch, batchSize, steps, recordEvery: 5, snapshots: 4, runs };
}

function randomInit(arch: Architecture, rng: Rng, scale = 0.7): Float32Array {
  return Float32Array.from({ length: layoutOf(arch).count }, () => scale * rng.normal());
}

if (!adapter && required) {
  it('has a WebGPU adapter (CI: SwiftShader, with the variables .ci/run sets)', () => {
    throw new Error(`no WebGPU adapter: ${why}`);
  });
}

describe.runIf(adapter !== null)('gpu kernel', () => {
  let gpu: Kernel;
  it('loads on the adapter there is (CI: SwiftShader), names it, and lists it among the adapters', async () => {
    gpu = await selectKernel('gpu', 'auto');
    if (!adapter) throw new Error('unreachable: the describe runs with an adapter');
    const listed = await gpuAdapters();
    expect(Array.isArray(listed) && listed.some((a) => a.description === adapter.description && a.isFallbackAdapter === adapter.isFallbackAdapter)).toBe(true);
    expect(gpu.name).toBe('gpu');
    expect(gpu.backend).toContain(adapter.architecture || adapter.vendor);
    expect(adapter.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
  });

  describe('training, single runs: every activation × output × loss × optimizer, against simd and js', () => {
    for (const [output, loss, dOut] of HEADS) {
      for (const [first, second] of ACTIVATION_PAIRS) {
        // relu/tanh nets train on minibatches of 8 (a run per invocation); sigmoid/linear nets on full
        // batches of 64 (a workgroup per run).
        const full = first === 'sigmoid';
        it(`${first}, ${second} hidden, ${output} output ×${dOut}, ${loss}${full ? ', full batch' : ', batch 8'}`, async () => {
          const rng = new Rng(3, `${first}/${output}/${loss}/${dOut}`);
          const arch: Architecture = { sizes: [2, 5, 3, dOut], activations: [first, second], output, loss };
          const data = randomDataset(arch, full ? 64 : 40, rng);
          const batch = full ? 64 : 8;
          expect(trainsInLanes(arch, batch)).toBe(!full);
          const init = randomInit(arch, rng);
          for (const kind of OPTIMIZERS) {
            const spec = batchOf(arch, data, [init], [hyper(kind)], batch);
            const [g] = await trainBatch(gpu, spec);
            const [s] = await trainBatch(simdKernel, spec);
            const [j] = await trainBatch(jsKernel, spec);
            expect(g.loss.values[g.loss.values.length - 1]).not.toBe(g.loss.values[0]);
            expectSame('single vs simd', s, g);
            expectSame('single vs js', j, g);
          }
        });
      }
    }

    it("one step's gradient (SGD, lr 1) is the float64 gradient to 1e-5 of its scale, per invocation and per workgroup", async () => {
      const rng = new Rng(4, 'gradient');
      const arch: Architecture = { sizes: [3, 7, 4, 2], activations: ['tanh', 'relu'], output: 'sigmoid', loss: 'nll' };
      const data = randomDataset(arch, 90, rng);
      const p = randomInit(arch, rng, 1);
      for (const rows of [20, 70]) {
        const idx = Int32Array.from({ length: rows }, () => rng.int(data.n));
        const reference = new Float64Array(p.length);
        new JsNet(arch).evaluate(p, 0, data, idx, 0, rows, reference);
        const trainer = await gpu.trainer({ arch, datasets: [data], params: p, hypers: [hyperOf({ kind: 'sgd', lr: 1 })], batchSize: rows });
        trainer.run(1, idx);
        const after = await trainer.params();
        trainer.dispose();
        const grad = Float64Array.from(p, (v, k) => v - after[k]);
        const scale = Math.max(...reference.map(Math.abs));
        expect(scale).toBeGreaterThan(1e-3);
        note('gradient vs js (of its scale)', maxAbsDiff(grad, reference) / Math.max(1, scale));
        expect(maxAbsDiff(grad, reference)).toBeLessThan(1e-5 * Math.max(1, scale));
      }
    });
  });

  describe('training, batches of runs', () => {
    const cases: [string, number, number][] = [
      ['a run per invocation, minibatches', 10, 80],
      ['a workgroup per run, minibatches', 60, 80],
      ['a run per invocation, full batches', 30, 30],
    ];
    for (const [name, batchSize, n] of cases) {
      it(`${name}: each run is the run trained alone, bit for bit, and simd's to rounding`, async () => {
        const rng = new Rng(7, name);
        const arch: Architecture = { sizes: [2, 6, 5, 1], activations: ['tanh', 'relu'], output: 'sigmoid', loss: 'nll' };
        expect(trainsInLanes(arch, batchSize)).toBe(batchSize !== 60);
        // Six runs: their own data (two datasets shared), inits and learning rates.
        const datasets = [randomDataset(arch, n, rng), randomDataset(arch, n, rng)];
        const inits = Array.from({ length: 6 }, () => randomInit(arch, rng));
        const hypers = [0.01, 0.03, 0.002, 0.02, 0.005, 0.04].map((lr) => hyper('adam', lr));
        const spec = batchOf(arch, inits.map((_, r) => datasets[r % 2]), inits, hypers, batchSize, 40);
        const together = await trainBatch(gpu, spec);
        const simd = await trainBatch(simdKernel, spec);
        const js = await trainBatch(jsKernel, spec);
        for (const r of [0, 3, 5]) {
          const [alone] = await trainBatch(gpu, { ...spec, runs: [spec.runs[r]] });
          expect(Array.from(together[r].final)).toEqual(Array.from(alone.final));
          expect(Array.from(together[r].loss.values)).toEqual(Array.from(alone.loss.values));
          expect(Array.from(together[r].snapshots.params)).toEqual(Array.from(alone.snapshots.params));
        }
        together.forEach((g, r) => {
          expectSame('batch vs simd', simd[r], g);
          expectSame('batch vs js', js[r], g);
        });
        expect(maxAbsDiff(together[0].final, together[1].final)).toBeGreaterThan(1e-3);
      });
    }

    it('a sweep cell of 256 seeds of the tutorial network (one Adam group) matches simd run by run', async () => {
      const base = singleRunBatch({ model: { hidden: [16] }, steps: 60, data: { target: { kind: 'hinge' }, n: 100, noise: 0.05 } }, 10, 3);
      const rng = new Rng(9, 'cell');
      const runs = Array.from({ length: 256 }, (_, r) => ({ ...base.runs[0], seed: r + 1, init: randomInit(base.arch, rng, 0.8) }));
      const spec = { ...base, runs };
      const g = await trainBatch(gpu, spec);
      const s = await trainBatch(simdKernel, spec);
      g.forEach((run, r) => expectSame('cell vs simd', s[r], run));
    });

    it('a wide network at a small batch: a run per invocation, its full loss summed by a workgroup', async () => {
      const rng = new Rng(10, 'wide');
      const arch: Architecture = { sizes: [1, 64, 64, 1], activations: ['relu', 'tanh'], output: 'linear', loss: 'l2' };
      expect(trainsInLanes(arch, 4)).toBe(true);
      const data = randomDataset(arch, 4000, rng); // 4,000 × 4,224 multiply-adds: more than one invocation sums
      const spec = batchOf(arch, data, [randomInit(arch, rng, 0.2), randomInit(arch, rng, 0.2)], [hyper('momentum'), hyper('momentum', 0.01)], 4, 10);
      const g = await trainBatch(gpu, spec);
      const s = await trainBatch(simdKernel, spec);
      g.forEach((run, r) => expectSame('wide vs simd', s[r], run));
    });

    it('a run that blows up is marked diverged at the step simd marks it, and its neighbour trains on', async () => {
      const spec = singleRunBatch({ model: { hidden: [4, 4] }, optimizer: { kind: 'sgd', lr: 40 }, steps: 200, data: { target: { kind: 'hinge' }, n: 40 } }, 1);
      const [s] = await trainBatch(simdKernel, spec);
      const calm = { ...spec.runs[0], seed: 2, hyper: hyperOf({ kind: 'sgd', lr: 0.01 }) };
      const [wild, tame] = await trainBatch(gpu, { ...spec, runs: [spec.runs[0], calm] });
      const [tameSimd] = await trainBatch(simdKernel, { ...spec, runs: [calm] });
      expect(s.status).toBe('diverged');
      expect(wild.status).toBe('diverged');
      expect(wild.stepsDone).toBe(s.stepsDone);
      expect(tame.status).toBe('done');
      expectSame('diverged neighbour vs simd', tameSimd, tame);
    });
  });

  describe('losses and surfaces against float64', () => {
    const grid = (res: number, span: number) => {
      const alpha = new Float64Array(res * res);
      const beta = new Float64Array(res * res);
      for (let g = 0; g < res * res; g++) {
        alpha[g] = -span + (2 * span * (g % res)) / (res - 1);
        beta[g] = -span + (2 * span * Math.floor(g / res)) / (res - 1);
      }
      return { alpha, beta };
    };
    const surfaces: [string, Architecture, number][] = [
      ['2→5→3→1 tanh, relu, sigmoid output, nll', { sizes: [2, 5, 3, 1], activations: ['tanh', 'relu'], output: 'sigmoid', loss: 'nll' }, 300],
      ['2→8→4 relu, softmax ×4', { sizes: [2, 8, 4], activations: ['relu'], output: 'softmax', loss: 'nll' }, 90],
      ['1→6→6→2 sigmoid, linear, l1', { sizes: [1, 6, 6, 2], activations: ['sigmoid', 'linear'], output: 'linear', loss: 'l1' }, 50],
    ];
    for (const [name, arch, n] of surfaces) {
      it(`a 25² plane of ${name} on ${n} points agrees to 1e-5 relative`, async () => {
        const rng = new Rng(6, name);
        const data = randomDataset(arch, n, rng);
        const P = layoutOf(arch).count;
        const plane = { center: randomInit(arch, rng, 1), d1: Float64Array.from({ length: P }, () => rng.normal()), d2: Float64Array.from({ length: P }, () => rng.normal()) };
        const { alpha, beta } = grid(25, 0.8);
        const expected = jsKernel.losses(arch, data, planePoints(plane, alpha, beta), alpha.length);
        const got = await gpu.lossesOnPlane!(arch, data, plane, alpha, beta);
        expect(Math.min(...expected)).toBeGreaterThan(1e-3);
        const worst = Math.max(...Array.from(got, (v, k) => Math.abs(v - expected[k]) / expected[k]));
        note('surface vs js (relative)', worst);
        expect(worst).toBeLessThan(1e-5);
        // The same points uploaded whole.
        const atPoints = await gpu.lossesAt(arch, data, planePoints(plane, alpha.subarray(0, 40), beta.subarray(0, 40)), 40);
        atPoints.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThan(1e-5 * expected[k]));
      });
    }

    it('costSurface through the gpu kernel: the grid, trajectory and markers of the js kernel to 1e-5', async () => {
      const rng = new Rng(8, 'costSurface');
      const arch: Architecture = { sizes: [1, 4, 1], activations: ['tanh'], output: 'linear', loss: 'l2' };
      const data = randomDataset(arch, 120, rng);
      const P = layoutOf(arch).count;
      const center = randomInit(arch, rng);
      const trajectory = Float32Array.from({ length: 3 * P }, (_, i) => center[i % P] + 0.1 * Math.sin(i));
      const request = { arch, data, center, d1: Float64Array.from({ length: P }, () => rng.normal()), d2: Float64Array.from({ length: P }, () => rng.normal()), res: 17, span: 'auto' as const, trajectory, markers: { init: center, trained: trajectory.subarray(2 * P) } };
      const a = await costSurface({ ...request, kernel: jsKernel });
      const b = await costSurface({ ...request, kernel: gpu });
      expect(b.span).toBe(a.span);
      const near = (x: ArrayLike<number>, y: ArrayLike<number>) => Array.from(x).forEach((v, k) => expect(Math.abs(y[k] - v)).toBeLessThan(1e-5 * Math.max(v, 1e-3)));
      near(a.loss, b.loss);
      near(a.trajectory.loss, b.trajectory.loss);
      expect(Math.abs(b.markers.trained!.trueLoss! - a.markers.trained!.trueLoss!)).toBeLessThan(1e-5 * a.markers.trained!.trueLoss!);
    });

    it('NaN parameters give NaN, and a loss beyond float32 stays finite (as on simd)', async () => {
      const arch: Architecture = { sizes: [1, 3, 1], activations: ['relu'], output: 'linear', loss: 'l2' };
      const data = randomDataset(arch, 100, new Rng(2));
      const P = layoutOf(arch).count;
      const points = Float32Array.from({ length: 3 * P }, (_, i) => 0.3 * Math.cos(i));
      points[P + P - 1] = NaN; // point 1's output bias
      points[2 * P + P - 1] = 3e20; // point 2 is off by 3e20 everywhere: a loss of 9e40
      const got = await gpu.lossesAt(arch, data, points, 3);
      const expected = jsKernel.losses(arch, data, points, 3);
      expect(Number.isNaN(got[1])).toBe(true);
      expect(Number.isFinite(got[2])).toBe(true);
      expect(Math.abs(got[2] - expected[2]) / expected[2]).toBeLessThan(1e-5);
      expect(Math.abs(got[0] - expected[0]) / expected[0]).toBeLessThan(1e-5);
    });
  });

  describe('choosing it', () => {
    it('auto never trains on the gpu, and takes a software adapter for no work', async () => {
      const arch: Architecture = { sizes: [2, 64, 64, 1], activations: ['tanh', 'tanh'], output: 'sigmoid', loss: 'nll' };
      const big = { arch, runs: 4096, batchSize: 1000, n: 1000 };
      expect((await selectKernel('auto', 'auto', big, { gpuForLosses: true })).name).not.toBe('gpu');
      const surface = { ...big, lossesOnly: true };
      const chosen = await selectKernel('auto', 'auto', surface, { gpuForLosses: true });
      expect(chosen.name).toBe(adapter?.isFallbackAdapter ? 'simd' : 'gpu');
      expect((await selectKernel('auto', 'auto', surface)).name).toBe('simd');
    });

    it("the lab's surfaces under auto go to a hardware GPU only, and the software adapter leaves them on the CPU", async () => {
      const arch: Architecture = { sizes: [2, 64, 64, 1], activations: ['tanh', 'tanh'], output: 'sigmoid', loss: 'nll' };
      const surface = { arch, runs: 4096, batchSize: 1000, n: 1000, lossesOnly: true };
      const compute = await computeFor(config({ model: { hidden: [64, 64] } }), surface, {}, undefined);
      expect(compute.name).toBe(adapter?.isFallbackAdapter ? 'simd' : 'gpu');
      // Training under auto never does, whatever the adapter.
      expect((await computeFor(config({ model: { hidden: [64, 64] } }), { ...surface, lossesOnly: false }, {}, undefined)).name).not.toBe('gpu');
    });
  });

  describe('a lost device', () => {
    it('fails the job it was working for with a message, and the next job opens a new device', async () => {
      const spec = singleRunBatch({ model: { hidden: [8] }, steps: 400_000, batchSize: 10, data: { target: { kind: 'hinge' }, n: 100 } }, 50);
      let destroyed: GPUDevice | null = null;
      const job = trainBatch(gpu, spec, {
        yieldMs: 1,
        onProgress: () => {
          if (destroyed) return;
          void gpuDevice().then((h) => {
            destroyed = h.device;
            h.device.destroy();
          });
        },
      });
      const error = await job.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GpuDeviceLostError);
      expect((error as Error).message).toMatch(/^the GPU device was lost \(destroyed/);
      const next = singleRunBatch({ model: { hidden: [8] }, steps: 50, data: { target: { kind: 'hinge' }, n: 100 } }, 10);
      const [again] = await trainBatch(gpu, next);
      const [s] = await trainBatch(simdKernel, next);
      expectSame('after a loss vs simd', s, again);
      expect((await gpuDevice()).device).not.toBe(destroyed);
    });
  });
});

describe('kernel gpu without an adapter', () => {
  // Dawn's source, as the doors set it (lab/gpuHost.ts): the engine takes its devices from whoever sets one.
  const dawnSource = webgpuSource('dawn', dawnGpuOrReason);
  // "No adapter" is simulated at the device source, the edge the kernel gets devices from: a source
  // that finds none, and the switch LANDSCAPE_LAB_WEBGPU=off that hides Dawn's adapters.
  const refusal = /^kernel gpu: (no WebGPU adapter was found|LANDSCAPE_LAB_WEBGPU=off hides the adapters); (install a Vulkan driver|WebGPU needs)/;

  it('is refused with one line naming what to install (a source that finds none)', async () => {
    const none = { reason: 'no WebGPU adapter was found' };
    setGpuDeviceSource({ name: 'none (simulated)', open: async () => none, adapters: async () => none });
    try {
      const error = await selectKernel('gpu', 'auto').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(refusal);
      expect((error as Error).message).not.toContain('\n');
    } finally {
      setGpuDeviceSource(dawnSource);
    }
  });

  it(`is refused the same way when ${WEBGPU_SWITCH}=off hides Dawn's adapters, and auto goes on without it`, async () => {
    process.env[WEBGPU_SWITCH] = 'off';
    setGpuDeviceSource(dawnSource); // closes the device earlier tests opened: the next one is looked for anew
    try {
      const error = await selectKernel('gpu', 'auto').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(refusal);
      const arch: Architecture = { sizes: [2, 64, 64, 1], activations: ['tanh', 'tanh'], output: 'sigmoid', loss: 'nll' };
      expect((await selectKernel('auto', 'auto', { arch, runs: 4096, batchSize: 1000, n: 1000, lossesOnly: true }, { gpuForLosses: true })).name).not.toBe('gpu');
    } finally {
      delete process.env[WEBGPU_SWITCH];
    }
  });
});
