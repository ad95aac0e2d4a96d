// `npm run bench -- --rows=gpu` (issue 21): the gpu kernel beside simd, on the same thread, and PyTorch
// on the CPU (2 threads), for a 512² surface of 2→64→64→1 on 1,000 points, a 10,000-seed sweep cell of
// 1→16→1 (batch 3, loss recorded every 5 steps, as a sweep of 5,000 steps records) and one run of
// 1→256→256→1 at batch 256. Each goes through the kernel contract (lossesOnPlane in surface.ts's chunks,
// trainBatch), the way the lab calls it.
//
// On a software adapter (SwiftShader, what CI and this machine have: LD_LIBRARY_PATH=/usr/lib/chromium
// VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json) the shaders run on the CPU and the
// numbers only prove the path, so the work is cut to a slice (the same slice for every column) and the
// table says so. The targets are for a hardware GPU, against simd on the same machine.
import { parseConfig } from '../shared/config.js';
import { makeDataset } from '../main/engine/data.js';
import { describeAdapter, gpuDeviceOrReason, loadGpuKernel, type GpuAdapterInfo } from '../main/engine/gpu/device.js';
import { initialParams } from '../main/engine/init.js';
import type { Kernel } from '../main/engine/kernel.js';
import { architectureOf, layoutOf, type Architecture } from '../main/engine/model.js';
import { hyperOf } from '../main/engine/optimizers.js';
import { Rng } from '../main/engine/prng.js';
import { simdKernel } from '../main/engine/simdKernel.js';
import { gridChunk, linspace } from '../main/engine/surface.js';
import { trainBatch, type BatchSpec } from '../main/engine/train.js';
import { fmt, printTable } from './table.js';
import { hingeConfig } from './tutorial.js';

export interface TorchGpu {
  surface: { points: number; ms: number };
  sweepCell: { runStepsPerSec: number };
  mlp256: { stepsPerSec: number };
}

const RES = 512;
const SEEDS = 10_000;

/** How much of each workload runs: all of it on a hardware GPU, a slice on a software one. */
export interface GpuPlan {
  info: GpuAdapterInfo | null;
  /** Why there is no adapter. */
  reason: string;
  surfacePoints: number;
  cellSteps: number;
  mlpSteps: number;
}

export async function planGpuRows(quick: boolean): Promise<GpuPlan> {
  const found = await gpuDeviceOrReason();
  const info = 'device' in found ? found.info : null;
  const software = !info || info.isFallbackAdapter;
  return {
    info,
    reason: 'device' in found ? '' : found.reason,
    surfacePoints: software ? (quick ? 128 : 512) : RES * RES,
    cellSteps: software ? (quick ? 10 : 20) : quick ? 200 : 1000,
    mlpSteps: software ? (quick ? 2 : 4) : quick ? 50 : 200,
  };
}

/** The surface's network: 2→64→64→1 tanh, sigmoid output, NLL, on 1,000 points of two classes. */
function surfaceCase() {
  const arch: Architecture = { sizes: [2, 64, 64, 1], activations: ['tanh', 'tanh'], output: 'sigmoid', loss: 'nll' };
  const rng = new Rng(3, 'bench/gpu');
  const n = 1000;
  const x = Float32Array.from({ length: 2 * n }, () => rng.uniform(-1, 1));
  const y = Float32Array.from({ length: n }, (_, i) => (x[2 * i] * x[2 * i + 1] > 0 ? 1 : 0));
  const P = layoutOf(arch).count;
  const plane = {
    center: Float32Array.from({ length: P }, () => 0.3 * rng.normal()),
    d1: Float64Array.from({ length: P }, () => 0.3 * rng.normal()),
    d2: Float64Array.from({ length: P }, () => 0.3 * rng.normal()),
  };
  return { arch, data: { x, y, n, dIn: 2 }, plane };
}

/** Seconds for the first `points` points of the 512² grid, in surface.ts's chunks. */
async function surfaceSeconds(kernel: Kernel, points: number): Promise<number> {
  const { arch, data, plane } = surfaceCase();
  const axis = linspace(-1, 1, RES);
  const chunk = gridChunk(RES * RES);
  const t0 = performance.now();
  for (let start = 0; start < points; start += chunk) {
    const m = Math.min(chunk, points - start);
    const alpha = Float64Array.from({ length: m }, (_, k) => axis[(start + k) % RES]);
    const beta = Float64Array.from({ length: m }, (_, k) => axis[Math.floor((start + k) / RES)]);
    await kernel.lossesOnPlane!(arch, data, plane, alpha, beta);
  }
  return (performance.now() - t0) / 1000;
}

/** A sweep cell: SEEDS runs of 1→16→1 ReLU on the hinge, batch 3, Adam, recorded every 5 steps. */
function cellSpec(steps: number): BatchSpec {
  const c = hingeConfig(16, 3);
  const data = makeDataset(c);
  const arch = architectureOf(c);
  const runs = Array.from({ length: SEEDS }, (_, k) => ({ seed: k + 1, data, init: initialParams(arch, c.init, k + 1, data), hyper: hyperOf(c.optimizer) }));
  return { arch, batchSize: 3, steps, recordEvery: 5, snapshots: 2, runs };
}

/** One run of 1→256→256→1 ReLU L2 on the hinge at batch 256, Adam, recorded at the start and end. */
function mlpSpec(steps: number): BatchSpec {
  const c = parseConfig({ seed: 1, data: { target: { kind: 'hinge' }, n: 500 }, model: { hidden: [256, 256] }, batchSize: 256 });
  const data = makeDataset(c);
  const arch = architectureOf(c);
  return { arch, batchSize: 256, steps, recordEvery: steps, snapshots: 2, runs: [{ seed: 1, data, init: initialParams(arch, c.init, 1, data), hyper: hyperOf(c.optimizer) }] };
}

async function trainSeconds(kernel: Kernel, spec: BatchSpec): Promise<number> {
  await trainBatch(kernel, { ...spec, steps: 1, recordEvery: 1 }); // compiles the shaders, warms the code
  const t0 = performance.now();
  await trainBatch(kernel, spec);
  return (performance.now() - t0) / 1000;
}

export async function gpuRows(plan: GpuPlan, torch: TorchGpu | null): Promise<void> {
  if (!plan.info) {
    console.log(`gpu rows: ${plan.reason}; on Linux, LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json runs them on SwiftShader`);
    return;
  }
  const software = plan.info.isFallbackAdapter;
  const gpu = await loadGpuKernel();
  console.log(`gpu kernel on ${describeAdapter(plan.info)} (${plan.info.description || plan.info.device}, through ${plan.info.source})`);
  if (software) {
    console.log('  A SOFTWARE adapter: the shaders run on this machine\'s CPU, so these numbers only prove that the path works, on a slice of');
    console.log('  each workload (every column times the same slice). The targets are for a hardware GPU against simd on the same machine.');
  }

  await surfaceSeconds(simdKernel, Math.min(plan.surfacePoints, 256));
  await surfaceSeconds(gpu, Math.min(plan.surfacePoints, 64));
  const surface = { simd: plan.surfacePoints / (await surfaceSeconds(simdKernel, plan.surfacePoints)), gpu: plan.surfacePoints / (await surfaceSeconds(gpu, plan.surfacePoints)) };
  const cell = cellSpec(plan.cellSteps);
  const cellRate = { simd: (SEEDS * plan.cellSteps) / (await trainSeconds(simdKernel, cell)), gpu: (SEEDS * plan.cellSteps) / (await trainSeconds(gpu, cell)) };
  const mlp = mlpSpec(plan.mlpSteps);
  const mlpRate = { simd: plan.mlpSteps / (await trainSeconds(simdKernel, mlp)), gpu: plan.mlpSteps / (await trainSeconds(gpu, mlp)) };

  const total = RES * RES;
  const slice = (done: number, all: string) => (software ? ` (${done.toLocaleString('en-US')} ${all} timed)` : '');
  const torchSurface = torch ? (torch.surface.points / torch.surface.ms) * 1000 : null;
  const row = (work: string, unit: string, r: { simd: number; gpu: number }, theirs: number | null, target: string, projected?: (rate: number) => string) => [
    work,
    `${fmt(r.simd)} ${unit}${projected ? projected(r.simd) : ''}`,
    `${fmt(r.gpu)} ${unit}${projected ? projected(r.gpu) : ''}`,
    `${(r.gpu / r.simd).toPrecision(3)}×`,
    theirs === null ? '—' : `${fmt(theirs)} ${unit}`,
    target,
  ];
  const whole = (rate: number) => ` = ${fmt(total / rate)} s for 512²`;
  printTable(
    ['work', 'simd (1 thread)', 'gpu', 'gpu ÷ simd', 'torch (CPU, 2 threads)', 'target on a GPU'],
    [
      row(`surface 512², 2→64→64→1 tanh NLL, 1,000 points${slice(plan.surfacePoints, 'of 262,144 points')}`, 'points/s', surface, torchSurface, '≥ 20×', whole),
      row(`sweep cell 10,000 seeds 1→16→1, b3${slice(plan.cellSteps, 'steps')}`, 'run-steps/s', cellRate, torch?.sweepCell.runStepsPerSec ?? null, '≥ 10×'),
      row(`1 run 1→256→256→1 ReLU L2, b256${slice(plan.mlpSteps, 'steps')}`, 'steps/s', mlpRate, torch?.mlp256.stepsPerSec ?? null, '—'),
    ],
    1,
  );
  if (software) console.log('  (software adapter: no verdict; run this on a machine with a GPU to check the targets)');
  else {
    const pass = (ratio: number, target: number) => (ratio >= target ? 'PASS' : 'MISS');
    console.log(`  surface ${pass(surface.gpu / surface.simd, 20)}, sweep cell ${pass(cellRate.gpu / cellRate.simd, 10)}`);
  }
}
