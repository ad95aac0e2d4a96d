// The general rows (issue 10): networks other than the tutorial's, each through the product's own entry
// points — training, landscape() and optimum() as the lab façade calls them, runSweep() with a real SQLite store —
// so a faster kernel or a better split over the pool shows up here without changing the bench.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ExperimentConfig, type ExperimentConfigInput } from '../shared/config.js';
import { makeDataset, type Dataset } from '../main/engine/data.js';
import { workPerStep } from '../main/engine/kernelChoice.js';
import { architectureOf } from '../main/engine/model.js';
import { prepareConfig, prepareStored } from '../main/engine/prepared.js';
import type { OptimumResult } from '../main/engine/results.js';
import { runConfigs } from '../main/engine/runs.js';
import { landscape, optimum } from '../main/lab/landscape.js';
import { runSweep } from '../main/lab/sweep.js';
import { openStore } from '../main/store/index.js';
import { flopShare } from './peak.js';
import type { SummaryRow } from './table.js';
import type { TorchGeneral } from './torch.js';
import { bestTime, type BenchContext } from './tutorial.js';

const MLP64: ExperimentConfigInput = { seed: 1, data: { target: { kind: 'hinge' } }, model: { hidden: [64, 64] }, batchSize: 100 };
/** 2→16→16→1 tanh, sigmoid output, NLL on the spiral: 500 points, of which 400 train (20% test split). */
const SPIRAL: ExperimentConfigInput = {
  seed: 1,
  data: { target: { kind: 'spiral' } },
  model: { hidden: [16, 16], activation: 'tanh', output: 'sigmoid' },
  loss: 'nll',
  batchSize: 10,
};
const SWEEP_SEEDS = 1000;
const SURFACE_RES = 64;

export function spiralData(): Dataset {
  return makeDataset(parseConfig(SPIRAL));
}

/**
 * Steps/s of one run of `steps` steps trained by run() on the product's default kernel, all of run()
 * included (data, init, diagnostics), after one warm-up run. The loss is recorded only at the start
 * and the end (torch's side records nothing), so the rate is that of training.
 */
async function trainingRate(input: ExperimentConfigInput, steps: number): Promise<number> {
  const config = parseConfig({ ...input, steps, record: { every: steps, snapshots: 2 } });
  await runConfigs([config]);
  return steps / (await bestTime(() => runConfigs([config]), 2));
}

/** Wall time of the best-found optimum (8 restarts × 5,000 full-batch steps) of the spiral config. */
async function optimumSearch(ctx: BenchContext): Promise<{ seconds: number; found: OptimumResult }> {
  const config = parseConfig(SPIRAL);
  const t0 = performance.now();
  const found = await optimum(prepareConfig(config), { pool: ctx.pool, restarts: 8 });
  return { seconds: (performance.now() - t0) / 1000, found };
}

/**
 * The 64² surface of a trained spiral run through landscape() on the pool. The run carries its optimum
 * (as a stored run does after its first surface), so only the surface is timed.
 */
async function spiralSurface(ctx: BenchContext, found: OptimumResult): Promise<{ seconds: number; points: number }> {
  const config = parseConfig({ ...SPIRAL, steps: 1000 });
  const [run0] = await runConfigs([config]);
  const trained = { ...run0, params: { ...run0.params, optimum: found.params }, optimum: { kind: found.kind, loss: found.loss, method: found.method } };
  const req = { center: 'trained' as const, axes: 'random', res: SURFACE_RES, span: 1 };
  const prepared = prepareStored(config, trained.data);
  const seconds = await bestTime(() => landscape(prepared, trained, req, { pool: ctx.pool }), ctx.quick ? 2 : 3);
  return { seconds, points: SURFACE_RES ** 2 + trained.snapshots.steps.length + 3 };
}

/**
 * Run-steps/s of one sweep cell of 1,000 seeds (1→16→1 ReLU, batch 3) through runSweep, stored in
 * SQLite. The loss is recorded every 5 steps, as a sweep of the default 5,000 steps does (also when
 * --quick trains fewer).
 */
async function sweepCell(ctx: BenchContext): Promise<number> {
  const steps = ctx.quick ? 1000 : 5000;
  const dir = mkdtempSync(join(tmpdir(), 'lab-bench-sweep-'));
  const store = openStore(join(dir, 'sweep.sqlite'));
  try {
    const spec = { name: 'bench: one cell of 1,000 seeds', base: { data: { target: { kind: 'hinge' } }, model: { hidden: [16] }, batchSize: 3, steps, record: { every: 5 } }, seeds: SWEEP_SEEDS };
    // The same cell once, untimed, as PyTorch's row warms up on its full-size tensors: it compiles the
    // sweep's code on main and the workers, and touches the memory 1,000 runs need (the first time, a
    // cell took 37,000 page faults here against 7,000 after, at 4.8 M run-steps/s warm against 2.9 M cold).
    await runSweep(store, { ...spec, name: 'bench: warm-up' }, { pool: ctx.pool });
    const t0 = performance.now();
    const outcome = await runSweep(store, spec, { pool: ctx.pool });
    const seconds = (performance.now() - t0) / 1000;
    if (outcome.runsDone !== SWEEP_SEEDS) throw new Error(`bench: the sweep cell stored ${outcome.runsDone} of ${SWEEP_SEEDS} runs`);
    return (SWEEP_SEEDS * steps) / seconds;
  } finally {
    store.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function surfaceFlops(config: ExperimentConfig, points: number): number {
  const data = makeDataset(config);
  return 2 * workPerStep(architectureOf(config, data.dIn), points, data.n);
}

export async function generalRows(ctx: BenchContext, torch: TorchGeneral | null): Promise<SummaryRow[]> {
  const mlp64 = await trainingRate(MLP64, ctx.quick ? 500 : 2000);
  const spiralTrain = await trainingRate(SPIRAL, ctx.quick ? 1000 : 5000);
  const search = await optimumSearch(ctx);
  const surface = await spiralSurface(ctx, search.found);
  const sweep = await sweepCell(ctx);
  const flops = surfaceFlops(parseConfig(SPIRAL), surface.points);
  console.log(`Surface ${SURFACE_RES}², spiral 2→16→16→1: ${(flops / 1e9).toFixed(2)} GFLOP (forward multiply-adds × 2 over ${surface.points} points × 400 data points)`);
  console.log(`  ours  ${flopShare(flops, surface.seconds, ctx.peaks)}`);
  if (torch) console.log(`  torch ${flopShare(surfaceFlops(parseConfig(SPIRAL), SURFACE_RES ** 2), torch.spiralSurface.ms / 1000, ctx.peaks)}`);
  console.log(`Best-found optimum: ours ${search.found.loss.toPrecision(3)}${torch ? `, torch ${torch.optimum.bestLoss.toPrecision(3)}` : ''} (best restart's loss; a check that both did the work${torch && torch.optimum.timedSteps < torch.optimum.steps ? `; torch timed over ${torch.optimum.timedSteps.toLocaleString('en-US')} steps and scaled` : ''})`);
  return [
    { work: 'train 1→64→64→1 ReLU L2, b100 (1 run)', unit: 'steps/s', ours: mlp64, torch: torch?.mlp64.stepsPerSec ?? null, target: 1.5 },
    { work: 'train 2→16→16→1 tanh NLL spiral, b10 (1 run)', unit: 'steps/s', ours: spiralTrain, torch: torch?.spiralTrain.stepsPerSec ?? null, target: 2 },
    { work: `surface ${SURFACE_RES}², 2→16→16→1 spiral (pool)`, unit: 's', ours: surface.seconds, torch: torch ? torch.spiralSurface.ms / 1000 : null, lowerIsBetter: true, target: 2 },
    { work: `sweep cell ${SWEEP_SEEDS.toLocaleString('en-US')} seeds 1→16→1, b3 (pool)`, unit: 'run-steps/s', ours: sweep, torch: torch?.sweepCell.runStepsPerSec ?? null, target: 2 },
    { work: 'best-found optimum, spiral, 8 restarts (pool)', unit: 's', ours: search.seconds, torch: torch?.optimum.seconds ?? null, lowerIsBetter: true, target: 2 },
  ];
}
