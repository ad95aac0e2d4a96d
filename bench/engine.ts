// `npm run bench`: our engine beside PyTorch measured in the same invocation (bench/torch_bench.py,
// Debian's python3-torch, 2 threads), then the store and the jobs. Not a test: it prints tables and a
// summary of every row with a target (PASS/MISS).
// Options: --quick (shorter timings), --no-torch, --no-store, --no-jobs,
//   --rows=tutorial,general,choice,curvature,app,startup,gpu,scale (which rows; all but choice, gpu and scale by
//   default; naming rows skips the store and jobs benchmarks; `choice` measures every kernel on the
//   workloads behind auto's cost model; `app` the classification preset's surfaces through the
//   service, and serve importing and exporting a ~100 MB export; `startup` what each door costs before its work; `gpu` the gpu kernel beside simd, on the
//   WebGPU adapter there is: bench/gpu.ts; `scale` a 10⁵-run sweep through shards and a merge, its
//   bytes per run and merge time: bench/scale.ts, minutes), --kernels=auto,js,simd,wasm,cpu (the detailed tutorial
//   tables), --shard-overhead (startup: also scripts/shard-overhead.sh through SLURM, minutes).
import { loadavg } from 'node:os';
import { WorkerPool } from '../main/workers/pool.js';
import { useDawnDevices } from '../main/lab/gpuHost.js';
import { curvatureRows } from './curvature.js';
import { generalRows, spiralData } from './general.js';
import { gpuRows, planGpuRows } from './gpu.js';
import { appBigSweepBench, appStoppedRunBench, appSurfacesBench, appTransferBench, jobsBench } from './jobs.js';
import { kernelChoiceRows } from './kernelChoice.js';
import { benchKernels } from './kernels.js';
import { describePeaks, measurePeaks } from './peak.js';
import { storeBench } from './store.js';
import { printTable, summaryCells, type SummaryRow } from './table.js';
import { runTorch } from './torch.js';
import { scaleRows } from './scale.js';
import { startupRows } from './startup.js';
import { tutorialRows } from './tutorial.js';

// The bench is a door: its process's gpu kernel runs on Dawn's device, as the CLI's does.
useDawnDevices();

const ROW_SETS = ['tutorial', 'general', 'choice', 'curvature', 'app', 'startup', 'gpu', 'scale'] as const;
/** What runs when --rows is not given: `choice` is the kernel selection's calibration, on request. */
const DEFAULT_ROWS = ['tutorial', 'general', 'curvature', 'app', 'startup'];
/** Workers of the product's pool here: torch gets as many threads. */
const WORKERS = 2;

function option(name: string): string | undefined {
  return process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const rowsArg = option('rows');
  const rows = rowsArg?.split(',') ?? DEFAULT_ROWS;
  const unknown = rows.filter((r) => !(ROW_SETS as readonly string[]).includes(r));
  if (unknown.length) throw new Error(`--rows: unknown ${unknown.join(', ')} (choose from ${ROW_SETS.join(', ')})`);
  const wanted = (option('kernels') ?? 'auto,js,simd,wasm,cpu').split(',');

  // The gpu rows' slice of work depends on the adapter (all of it on a GPU, a slice on SwiftShader).
  const gpuPlan = rows.includes('gpu') ? await planGpuRows(quick) : null;
  // PyTorch first, alone on the machine, so the two never compete for the cores.
  const torchRows = rows.filter((r) => r !== 'choice' && r !== 'curvature' && r !== 'app' && r !== 'startup' && r !== 'scale' && (r !== 'gpu' || gpuPlan?.info));
  const torchExtra = gpuPlan ? [`--gpu-surface-points=${gpuPlan.surfacePoints}`] : [];
  const torch = args.includes('--no-torch') || torchRows.length === 0 ? 'skipped (--no-torch)' : runTorch(torchRows, quick, spiralData(), torchExtra);
  const peer = typeof torch === 'object' ? torch : null;
  const peaks = await measurePeaks(quick ? 0.3 : 1);
  const pool = new WorkerPool(WORKERS);
  const ctx = { quick, targetS: quick ? 0.3 : 1.5, kernels: await benchKernels(wanted), pool, peaks };

  console.log(`Landscape Lab engine benchmark — node ${process.version}, ${quick ? 'quick' : 'full'} timings, load average ${loadavg()[0].toFixed(2)} at the start`);
  console.log(peer ? `peer: PyTorch ${peer.torch}, ${peer.threads} threads (bench/torch_bench.py, same invocation)${peer.general ? `; its sgemm ${peer.general.sgemm.gflops} GFLOP/s` : ''}` : `peer: PyTorch unavailable: ${torch}`);
  console.log(describePeaks(peaks));
  console.log('');
  const summary: SummaryRow[] = [];
  if (rows.includes('choice')) await kernelChoiceRows(quick);
  try {
    if (rows.includes('tutorial')) summary.push(...(await tutorialRows(ctx, peer?.train && peer.surface ? { train: peer.train, surface: peer.surface } : null)));
    if (rows.includes('general')) {
      console.log('');
      summary.push(...(await generalRows(ctx, peer?.general ?? null)));
    }
    if (rows.includes('curvature')) {
      console.log('');
      await curvatureRows(ctx);
    }
    if (gpuPlan) {
      console.log('');
      await gpuRows(gpuPlan, peer?.gpu ?? null);
    }
  } finally {
    await pool.close();
  }
  if (summary.length) {
    console.log('');
    console.log(`Summary: ours (product defaults; the pool has ${WORKERS} workers) against PyTorch (${peer ? `${peer.threads} threads` : 'unavailable'})`);
    printTable(['work', 'ours', 'torch', 'ratio', 'target', ''], summary.map(summaryCells), 1);
  }

  // The store and jobs benchmarks belong to a full run, not to `--rows=…`.
  if (rowsArg === undefined && !args.includes('--no-store')) await storeBench();
  if (rowsArg === undefined && !args.includes('--no-jobs')) await jobsBench(quick);
  if (rows.includes('app')) {
    await appSurfacesBench();
    await appBigSweepBench();
    await appStoppedRunBench(quick);
    await appTransferBench();
  }
  if (rows.includes('startup')) {
    console.log('');
    startupRows(quick, args.includes('--shard-overhead'));
  }
  if (rows.includes('scale')) {
    console.log('');
    await scaleRows(quick);
  }
}

await main();
