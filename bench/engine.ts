// `npm run bench`: training throughput and cost-surface time of our kernels, beside PyTorch measured in
// the same invocation (bench/torch_bench.py, Debian's python3-torch, 2 threads). Not a test: it prints
// a table. Options: --quick (shorter timings), --no-torch, --no-store, --no-jobs, --kernels=js,wasm,cpu.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../shared/config.js';
import { makeDataset } from '../main/engine/data.js';
import { initialParams } from '../main/engine/init.js';
import { jsKernel } from '../main/engine/jsKernel.js';
import type { Kernel } from '../main/engine/kernel.js';
import { architectureOf, layoutOf } from '../main/engine/model.js';
import { hyperOf } from '../main/engine/optimizers.js';
import { Rng } from '../main/engine/prng.js';
import { costSurface } from '../main/engine/surface.js';
import { loadTfjsKernel, nativeBackendAvailable } from '../main/engine/tfjsKernel.js';
import { trainBatch, type BatchSpec } from '../main/engine/train.js';
import { WorkerPool } from '../main/jobs/pool.js';
import { jobsBench } from './jobs.js';
import { storeBench } from './store.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const withTorch = !args.includes('--no-torch');
const kernelArg = args.find((a) => a.startsWith('--kernels='))?.slice('--kernels='.length);
const TARGET_S = quick ? 0.3 : 1.5;
const RUNS = [1, 64, 1024];
const HIDDEN = [2, 16];
const BATCHES = [500, 3];

interface TorchResult {
  torch: string;
  threads: number;
  train: { runs: number; hidden: number; batch: number; runStepsPerSec: number }[];
  surface: { ms: number };
}

function hingeConfig(hidden: number, batch: number, seed = 1) {
  return parseConfig({
    seed,
    data: { target: { kind: 'hinge', x0: 0.25, m1: 1.5, m2: -0.5, b: 0 }, n: 500 },
    model: { hidden: [hidden] },
    optimizer: { kind: 'adam', lr: 0.01, beta1: 0.95, beta2: 0.9, eps: 1e-8 },
    batchSize: batch,
  });
}

/** Run-steps per second of `runs` runs trained together, timed over about TARGET_S seconds. */
type Train = (spec: BatchSpec) => Promise<unknown>;

async function trainThroughput(train: Train, runs: number, hidden: number, batch: number, maxStepMs: number): Promise<number | null> {
  const c = hingeConfig(hidden, batch);
  const data = makeDataset(c);
  const arch = architectureOf(c);
  const rng = new Rng(1, 'bench');
  const specRuns = Array.from({ length: runs }, () => {
    const seed = rng.nextUint32();
    return { seed, data, init: initialParams(arch, c.init, seed, data), hyper: hyperOf(c.optimizer) };
  });
  const timeSteps = async (steps: number) => {
    const t0 = performance.now();
    await train({ arch, batchSize: batch, steps, recordEvery: steps, snapshots: 2, runs: specRuns });
    return (performance.now() - t0) / 1000;
  };
  // Probe with a few steps; skip workloads a kernel cannot do in reasonable time.
  const probe = await timeSteps(2);
  if ((probe / 2) * 1000 > maxStepMs) return null;
  // Size a run to about TARGET_S (doubling from 2 steps), warm up with it, then time it whole —
  // per-call set-up (shuffles, buffers, messages to workers) included.
  let steps = 2;
  let seconds = probe;
  while (seconds < TARGET_S / 8 && steps < 1 << 24) {
    steps *= 2;
    seconds = await timeSteps(steps);
  }
  steps = Math.max(steps, Math.round(steps * (TARGET_S / seconds)));
  await timeSteps(steps);
  return (runs * steps) / (await timeSteps(steps));
}

/** Best-of time of a 128×128 cost surface of the 1→2→1 network at N = 500, in ms. */
async function surfaceMs(kernel: Kernel, repeats: number): Promise<number> {
  const c = hingeConfig(2, 3);
  const data = makeDataset(c);
  const arch = architectureOf(c);
  const P = layoutOf(arch).count;
  const rng = new Rng(1, 'surface');
  const center = Float32Array.from([1, -1, -0.25, 0.25, 1.5, 0.5, 0]);
  const d1 = Float64Array.from({ length: P }, () => rng.normal());
  const d2 = Float64Array.from({ length: P }, () => rng.normal());
  let best = Infinity;
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    await costSurface({ kernel, arch, data, center, d1, d2, res: 128, span: 1, trajectory: center, markers: {} });
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function runTorch(): TorchResult | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'no /usr/bin/python3';
  const script = fileURLToPath(new URL('../../bench/torch_bench.py', import.meta.url));
  const r = spawnSync(python, [script, ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return (r.stderr || 'torch benchmark failed').trim().split('\n').pop() ?? 'failed';
  return JSON.parse(r.stdout) as TorchResult;
}

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(3);
const ratio = (ours: number | null | undefined, theirs: number | undefined) =>
  ours && theirs ? `${(ours / theirs).toFixed(2)}×` : '—';

async function main() {
  const kernels: [string, Kernel][] = [];
  const wanted = (kernelArg ?? 'js,wasm,cpu').split(',');
  if (wanted.includes('js')) kernels.push(['js', jsKernel]);
  if (await nativeBackendAvailable()) kernels.push(['tfjs/tensorflow', await loadTfjsKernel('tensorflow')]);
  if (wanted.includes('wasm')) kernels.push(['tfjs/wasm', await loadTfjsKernel('wasm')]);
  if (wanted.includes('cpu')) kernels.push(['tfjs/cpu', await loadTfjsKernel('cpu')]);
  // The js kernel again, its runs split over a pool of 2 worker threads (torch uses 2 threads).
  const pool = new WorkerPool(2);
  const trainers: [string, Train][] = kernels.map(([name, kernel]) => [name, (spec) => trainBatch(kernel, spec)]);
  if (wanted.includes('js')) trainers.splice(1, 0, ['js×2 workers', (spec) => pool.trainBatch(spec, { kernel: 'js' })]);

  // PyTorch first, alone on the machine, so the two never compete for the cores.
  const torch = withTorch ? runTorch() : 'skipped (--no-torch)';
  const torchOk = typeof torch === 'object' ? torch : null;

  console.log(`Landscape Lab engine benchmark — node ${process.version}, ${quick ? 'quick' : 'full'} timings`);
  console.log(torchOk ? `peer: PyTorch ${torchOk.torch}, ${torchOk.threads} threads (bench/torch_bench.py, same invocation)` : `peer: PyTorch unavailable: ${torch}`);
  console.log('');
  console.log('Training throughput, run-steps/s (1→H→1 ReLU MLP, N=500, Adam; "—" = skipped, over 2 s per step)');
  const header = ['runs', 'H', 'batch', ...trainers.map(([n]) => n), 'torch', 'js/torch', 'js×2/torch'];
  const rows: string[][] = [];
  for (const runs of RUNS) {
    for (const hidden of HIDDEN) {
      for (const batch of BATCHES) {
        const ours: (number | null)[] = [];
        for (const [, train] of trainers) ours.push(await trainThroughput(train, runs, hidden, batch, 2000));
        const peer = torchOk?.train.find((t) => t.runs === runs && t.hidden === hidden && t.batch === batch)?.runStepsPerSec;
        rows.push([String(runs), String(hidden), batch === 500 ? 'full' : String(batch), ...ours.map(fmt), fmt(peer), ratio(ours[0], peer), ratio(ours[1], peer)]);
      }
    }
  }
  printTable(header, rows);

  console.log('');
  console.log('Cost surface 128×128, N=500, H=2 (ms, best of runs; lower is better)');
  const surf: string[][] = [];
  for (const [name, kernel] of kernels) {
    const ms = await surfaceMs(kernel, name === 'tfjs/cpu' ? 1 : quick ? 2 : 5);
    surf.push([name, ms.toFixed(1), torchOk ? `${(torchOk.surface.ms / ms).toFixed(1)}× faster than torch` : '—']);
  }
  if (torchOk) surf.push(['torch', torchOk.surface.ms.toFixed(1), '']);
  printTable(['kernel', 'ms', 'vs torch'], surf);
  await pool.close();
  if (!args.includes('--no-store')) await storeBench();
  if (!args.includes('--no-jobs')) await jobsBench(quick);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

await main();
