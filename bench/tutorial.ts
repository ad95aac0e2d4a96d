// The tutorial network's rows (1→H→1 ReLU on the hinge, L2): training throughput of many runs per
// kernel, the 128×128 cost surface per kernel, and both through the product's default path for the
// summary (targets: training ≥ 100×, surface ≥ 20× PyTorch).
import { parseConfig, type ExperimentConfig } from '../shared/config.js';
import { makeDataset } from '../main/engine/data.js';
import { initialParams } from '../main/engine/init.js';
import type { Kernel } from '../main/engine/kernel.js';
import { workPerStep, type Workload } from '../main/engine/kernelChoice.js';
import { architectureOf, layoutOf } from '../main/engine/model.js';
import { hyperOf } from '../main/engine/optimizers.js';
import { Rng } from '../main/engine/prng.js';
import { costSurface } from '../main/engine/surface.js';
import { trainBatch, type BatchSpec } from '../main/engine/train.js';
import type { WorkerPool } from '../main/workers/pool.js';
import { prepareStored } from '../main/engine/prepared.js';
import { runConfigs } from '../main/engine/runs.js';
import { landscape } from '../main/lab/landscape.js';
import type { BenchKernel } from './kernels.js';
import { flopShare, type Peaks } from './peak.js';
import { fmt, printTable, ratio, times, type SummaryRow } from './table.js';
import type { TorchTutorial } from './torch.js';

const RUNS = [1, 64, 1024];
const HIDDEN = [2, 16];
const BATCHES = [500, 3];

export interface BenchContext {
  quick: boolean;
  /** Seconds each timing aims for. */
  targetS: number;
  kernels: BenchKernel[];
  pool: WorkerPool;
  peaks: Peaks;
}

export function hingeConfig(hidden: number, batch: number, seed = 1): ExperimentConfig {
  return parseConfig({
    seed,
    data: { target: { kind: 'hinge', x0: 0.25, m1: 1.5, m2: -0.5, b: 0 }, n: 500 },
    model: { hidden: [hidden] },
    optimizer: { kind: 'adam', lr: 0.01, beta1: 0.95, beta2: 0.9, eps: 1e-8 },
    batchSize: batch,
  });
}

/**
 * Work per second of `once(steps)` (which does `perStep` units per step), timed over about targetS:
 * doubling from 2 steps to size it, warmed up at that size, then timed whole — per-call set-up included. Null when a step
 * takes longer than maxStepMs.
 */
export async function rate(once: (steps: number) => Promise<unknown>, perStep: number, targetS: number, maxStepMs = 2000): Promise<number | null> {
  const timeSteps = async (steps: number) => {
    const t0 = performance.now();
    await once(steps);
    return (performance.now() - t0) / 1000;
  };
  let steps = 2;
  let seconds = await timeSteps(steps);
  if ((seconds / steps) * 1000 > maxStepMs) return null;
  while (seconds < targetS / 8 && steps < 1 << 24) {
    steps *= 2;
    seconds = await timeSteps(steps);
  }
  steps = Math.max(steps, Math.round(steps * (targetS / seconds)));
  await timeSteps(steps); // warm-up at the timed size
  return (perStep * steps) / (await timeSteps(steps));
}

/** Best wall time of `repeats` calls, in seconds. */
/**
 * Best wall time of `repeats` calls, after warming up: up to 10 calls or 1 s. V8 compiles a path's hot
 * code only after it has run a few times (a 128² surface took 2–12 ms for its first ten calls, then
 * 1.1 ms); PyTorch's rows warm up before timing too.
 */
export async function bestTime(fn: () => Promise<unknown>, repeats: number): Promise<number> {
  const warmUntil = performance.now() + 1000;
  for (let k = 0; k < 10 && performance.now() < warmUntil; k++) await fn();
  let best = Infinity;
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

type Train = (spec: BatchSpec) => Promise<unknown>;

function batchOf(runs: number, hidden: number, batch: number): Omit<BatchSpec, 'steps' | 'recordEvery'> {
  const c = hingeConfig(hidden, batch);
  const data = makeDataset(c);
  const arch = architectureOf(c);
  const rng = new Rng(1, 'bench');
  const specRuns = Array.from({ length: runs }, () => {
    const seed = rng.nextUint32();
    return { seed, data, init: initialParams(arch, c.init, seed, data), hyper: hyperOf(c.optimizer) };
  });
  return { arch, batchSize: batch, snapshots: 2, runs: specRuns };
}

async function trainingTable(ctx: BenchContext, torch: TorchTutorial | null): Promise<number | null> {
  const columns: [string, (work: Workload) => Promise<Train>][] = ctx.kernels.map((k) => [k.label, async (work) => {
    const kernel = await k.forWork(work);
    return (spec: BatchSpec) => trainBatch(kernel, spec);
  }]);
  // The product's default kernel with the runs split over the pool (torch uses 2 threads).
  columns.push([`auto×${ctx.pool.size} workers`, async () => (spec: BatchSpec) => ctx.pool.trainBatch(spec, { kernel: 'auto' })]);
  // The column the summary and the first ratio use: the product's default kernel when measured.
  const main = Math.max(0, columns.findIndex(([label]) => label === 'auto'));
  const rows: string[][] = [];
  let tutorialRate: number | null = null;
  for (const runs of RUNS) {
    for (const hidden of HIDDEN) {
      for (const batch of BATCHES) {
        const base = batchOf(runs, hidden, batch);
        const ours: (number | null)[] = [];
        for (const [, trainerFor] of columns) {
          const train = await trainerFor({ arch: base.arch, runs, batchSize: batch, n: base.runs[0].data.n });
          ours.push(await rate((steps) => train({ ...base, steps, recordEvery: steps }), runs, ctx.targetS));
        }
        const peer = torch?.train.find((t) => t.runs === runs && t.hidden === hidden && t.batch === batch)?.runStepsPerSec;
        if (runs === 1 && hidden === 2 && batch === 3) tutorialRate = ours[main];
        rows.push([String(runs), String(hidden), batch === 500 ? 'full' : String(batch), ...ours.map(fmt), fmt(peer), times(ratio(ours[main], peer)), times(ratio(ours[ours.length - 1], peer))]);
      }
    }
  }
  console.log('Training throughput, run-steps/s (1→H→1 ReLU MLP, N=500, Adam; "—" = skipped, over 2 s per step)');
  printTable(['runs', 'H', 'batch', ...columns.map(([n]) => n), 'torch', `${columns[main][0]}/torch`, 'pool/torch'], rows);
  return tutorialRate;
}

const SURFACE_RES = 128;

/** The 128² surface of the 1→2→1 network around a fixed point, evaluated by one kernel in this thread. */
async function kernelSurfaceSeconds(kernel: Kernel, repeats: number): Promise<number> {
  const c = hingeConfig(2, 3);
  const data = makeDataset(c);
  const arch = architectureOf(c);
  const P = layoutOf(arch).count;
  const rng = new Rng(1, 'surface');
  const center = Float32Array.from([1, -1, -0.25, 0.25, 1.5, 0.5, 0]);
  const d1 = Float64Array.from({ length: P }, () => rng.normal());
  const d2 = Float64Array.from({ length: P }, () => rng.normal());
  return bestTime(() => costSurface({ kernel, arch, data, center, d1, d2, res: SURFACE_RES, span: 1, trajectory: center, markers: {} }), repeats);
}

/** The product's surface path: `landscape` of a trained run on the worker pool. Returns seconds and points evaluated. */
async function productSurface(ctx: BenchContext, repeats: number): Promise<{ seconds: number; points: number }> {
  const config = hingeConfig(2, 3);
  const [trained] = await runConfigs([config]);
  const req = { center: 'trained' as const, axes: 'random', res: SURFACE_RES, span: 1 };
  const prepared = prepareStored(config, trained.data);
  const seconds = await bestTime(() => landscape(prepared, trained, req, { pool: ctx.pool }), repeats);
  return { seconds, points: SURFACE_RES ** 2 + trained.snapshots.steps.length + 3 };
}

export async function tutorialRows(ctx: BenchContext, torch: TorchTutorial | null): Promise<SummaryRow[]> {
  const trainRate = await trainingTable(ctx, torch);
  const repeats = ctx.quick ? 2 : 5;
  const rows: string[][] = [];
  for (const k of ctx.kernels) {
    const kernel = await k.forWork({ arch: architectureOf(hingeConfig(2, 3)), runs: SURFACE_RES ** 2, batchSize: 500, n: 500, lossesOnly: true });
    const seconds = await kernelSurfaceSeconds(kernel, k.label === 'tfjs/cpu' ? 1 : repeats);
    rows.push([k.label, (seconds * 1000).toFixed(1), torch ? times(torch.surface.ms / 1000 / seconds) : '—']);
  }
  const product = await productSurface(ctx, repeats);
  rows.push([`landscape() on ${ctx.pool.size} workers`, (product.seconds * 1000).toFixed(1), torch ? times(torch.surface.ms / 1000 / product.seconds) : '—']);
  if (torch) rows.push(['torch', torch.surface.ms.toFixed(1), '']);
  console.log('');
  console.log(`Cost surface ${SURFACE_RES}×${SURFACE_RES}, N=500, H=2 (ms, best of runs; lower is better)`);
  printTable(['kernel', 'ms', 'vs torch'], rows, 1);
  const arch = architectureOf(hingeConfig(2, 3));
  console.log(`  landscape(): ${flopShare(2 * workPerStep(arch, product.points, 500), product.seconds, ctx.peaks)} (dense-equivalent FLOPs)`);
  return [
    { work: 'tutorial: train 1 run 1→2→1 ReLU L2, b3', unit: 'steps/s', ours: trainRate, torch: torch?.train.find((t) => t.runs === 1 && t.hidden === 2 && t.batch === 3)?.runStepsPerSec ?? null, target: 100 },
    { work: `tutorial: surface ${SURFACE_RES}², 1→2→1 (pool)`, unit: 's', ours: product.seconds, torch: torch ? torch.surface.ms / 1000 : null, lowerIsBetter: true, target: 20 },
  ];
}
