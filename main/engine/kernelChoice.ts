// Which kernel computes. `auto` picks by a cost model whose constants were measured (see
// KERNEL_COSTS), and it depends on the workload's shapes only, so it chooses the same kernel on every
// machine and every run: the same config and seed give the same numbers under `auto`.
//
// What the measurements say (2-core machine, `npm run bench -- --rows=choice` prints the check):
// - simd (compiled WebAssembly SIMD) beats the js loops 5–20× on every network but the tutorial's, and
//   beats tfjs-wasm (XNNPACK) at every width up to the 1024 limit (1→256→256→1 at batch 500: 153
//   against 14 steps/s), so tfjs is never `auto`'s choice here unless native TensorFlow loads.
// - The tutorial's 1→H→1 ReLU under L2 has two fast paths in the js kernel: full batches summed over
//   linear pieces (O(H log n), nothing compares) and a fused per-sample minibatch loop, which wins for
//   single runs at small batches; simd's lanes win once a step's work per run grows. Its losses alone
//   (surfaces, curves) are summed over the same pieces in compiled code on simd, 4–5× faster per point.
// - gpu (WebGPU) is never `auto`'s choice for training: a config and seed must give the same numbers
//   on every machine, and float32 sums in another order do not. For losses alone it may be, where the
//   caller asks (`gpuForLosses`), on a hardware adapter (never a software one such as SwiftShader),
//   once a call's work passes GPU_LOSSES_MIN_WORK; results say which kernel made them.
import type { BackendChoice, KernelChoice } from '../../shared/config.js';
import { jsKernel } from './jsKernel.js';
import type { Kernel } from './kernel.js';
import type { Architecture } from './model.js';
import { simdKernel, trainsInLanes } from './simdKernel.js';
import { isTutorialNet } from './tutorialNet.js';

/** What `auto` chooses for: `runs` networks stepping together on `batchSize` of `n` rows each step. */
export interface Workload {
  readonly arch: Architecture;
  readonly runs: number;
  readonly batchSize: number;
  readonly n: number;
  /** Only full-data losses are computed (surfaces, curves), never a step. */
  readonly lossesOnly?: boolean;
}

/** Multiply-adds per step above which `auto` prefers native TensorFlow, when it loads. */
export const NATIVE_WORK_THRESHOLD = 1e7;

/**
 * Multiply-adds per call of losses-only work (points × data points × a forward pass) from which a
 * hardware GPU is expected to beat simd: simd sustains about 20 G multiply-adds/s here, so this is
 * about 13 ms of simd, where a GPU's fixed costs per call (upload, dispatch, read-back: about 1 ms)
 * are paid back several times. An estimate: no hardware GPU was at hand to measure it (`npm run bench
 * -- --rows=gpu` on one prints the comparison). A 64² surface of the spiral's 2→16→16→1 on its 400
 * points is 5·10^8; the tutorial network's losses are summed by pieces on simd and never go.
 */
export const GPU_LOSSES_MIN_WORK = 2 ** 28;

export function workPerStep(arch: Architecture, runs: number, batchSize: number): number {
  let macs = 0;
  for (let l = 1; l < arch.sizes.length; l++) macs += arch.sizes[l - 1] * arch.sizes[l];
  return runs * batchSize * macs;
}

/**
 * CPU time per run-step of the tutorial network's minibatch steps (H hidden units, batch b), in ns,
 * fitted to measurements on the 2-core machine (`npm run bench -- --rows=choice` repeats them and
 * checks the choice): c0 + cH·H + cb·b + cbH·b·H. The js column is for few runs; with many, its
 * per-run state no longer stays in cache and simd's lanes win at every measured shape (H 2–64,
 * b 3–100, 1,000 runs: 1.5–3× faster). A lane group costs about twice one run's share when it trains
 * a single run, so few runs pay for the idle lanes.
 */
const KERNEL_COSTS = {
  js: { c0: 145, cH: 31, cb: 40, cbH: 2.8 },
  lanes: { c0: 158, cH: 40, cb: 20, cbH: 2.63 },
  rows: { c0: 1321, cH: 11.3, cb: 0, cbH: 2.3 },
} as const;
/** From this many runs on, simd trains the tutorial network's minibatches whatever the shapes. */
const MANY_RUNS = 4;

const costOf = (c: { c0: number; cH: number; cb: number; cbH: number }, H: number, b: number) => c.c0 + c.cH * H + c.cb * b + c.cbH * b * H;

/** Predicted ns per run-step of the tutorial network's minibatch steps on each kernel, for few runs. */
function tutorialStepCosts(w: Workload): { js: number; simd: number } {
  const H = w.arch.sizes[1];
  const b = w.batchSize;
  const simd = trainsInLanes(w.arch, b) ? costOf(KERNEL_COSTS.lanes, H, b) * Math.max(1, 2 / w.runs) : costOf(KERNEL_COSTS.rows, H, b);
  return { js: costOf(KERNEL_COSTS.js, H, b), simd };
}

/** The kernel `auto` trains a workload on, before native TensorFlow is considered. */
export function autoKernelName(w: Workload): 'js' | 'simd' {
  if (!isTutorialNet(w.arch) || w.lossesOnly) return 'simd';
  if (w.batchSize >= w.n) return 'js';
  if (w.runs >= MANY_RUNS) return 'simd';
  const cost = tutorialStepCosts(w);
  return cost.simd < cost.js ? 'simd' : 'js';
}

/** Whether losses-only work is large enough that a hardware GPU wins (GPU_LOSSES_MIN_WORK). */
export function gpuWinsLosses(w: Workload): boolean {
  return Boolean(w.lossesOnly) && !isTutorialNet(w.arch) && workPerStep(w.arch, w.runs, w.n) >= GPU_LOSSES_MIN_WORK;
}

export interface SelectOptions {
  /**
   * Let `auto` take a hardware GPU for losses-only work (gpuWinsLosses). Only for callers that await
   * the kernel's asynchronous losses (lossesAt, lossesOnPlane), which the gpu kernel alone requires.
   */
  gpuForLosses?: boolean;
}

let hardwareGpu: Promise<Kernel | null> | null = null;

/** The gpu kernel where there is a hardware adapter (here or in the app's compute window), else null (asked once per process). */
function hardwareGpuKernel(): Promise<Kernel | null> {
  hardwareGpu ??= (async () => {
    const kernel = await (await import('./gpu/device.js')).loadGpuKernel();
    return kernel.adapter.isFallbackAdapter ? null : kernel;
  })().catch(() => null);
  return hardwareGpu;
}

/**
 * The kernel for `kernel`/`backend`; `auto` needs the workload (without one it takes simd). `gpu`
 * runs on whatever adapter exists, software included, and is refused (InputError) where none does.
 */
export async function selectKernel(kernel: KernelChoice, backend: BackendChoice, work?: Workload, options: SelectOptions = {}): Promise<Kernel> {
  if (kernel === 'js') return jsKernel;
  if (kernel === 'simd') return simdKernel;
  if (kernel === 'gpu') return (await import('./gpu/device.js')).loadGpuKernel();
  if (kernel === 'auto' && options.gpuForLosses && work && gpuWinsLosses(work)) {
    const gpu = await hardwareGpuKernel();
    if (gpu) return gpu;
  }
  const tfjs = await import('./tfjsKernel.js');
  if (kernel === 'tfjs' || backend !== 'auto') return tfjs.loadTfjsKernel(backend);
  const macs = work ? workPerStep(work.arch, work.runs, work.batchSize) : 0;
  if (macs >= NATIVE_WORK_THRESHOLD && (await tfjs.nativeBackendAvailable())) return tfjs.loadTfjsKernel('tensorflow');
  return work && autoKernelName(work) === 'js' ? jsKernel : simdKernel;
}
