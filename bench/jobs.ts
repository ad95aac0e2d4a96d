// Jobs benchmark (part of `npm run bench`): a sweep on the worker pool with 1 and with 2 workers —
// the speed-up, and the main event loop's delay while it runs (perf_hooks.monitorEventLoopDelay).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WorkerPool } from '../main/jobs/pool.js';
import { runSweep } from '../main/lab/sweep.js';
import { openStore } from '../main/store/index.js';

const SPEC = {
  name: 'bench sweep',
  base: { data: { target: { kind: 'hinge' } }, model: { hidden: [16] }, steps: 50_000 },
  grid: { 'optimizer.lr': { from: 0.001, to: 0.03, count: 8, scale: 'log' } },
  seeds: 8,
};

export async function jobsBench(quick = false): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-jobs-bench-'));
  const spec = quick ? { ...SPEC, base: { ...SPEC.base, steps: 10_000 } } : SPEC;
  const rows: { workers: number; seconds: number; p99: number; max: number }[] = [];
  try {
    for (const workers of [1, 2]) {
      const store = openStore(join(dir, `w${workers}.sqlite`));
      const pool = new WorkerPool(workers);
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const t0 = performance.now();
      const outcome = await runSweep(store, spec, { pool });
      const seconds = (performance.now() - t0) / 1000;
      delay.disable();
      if (outcome.runsDone !== 64) throw new Error('jobs bench: the sweep did not finish');
      rows.push({ workers, seconds, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
      await pool.close();
      store.db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
  console.log(`Jobs: a sweep of 8 cells × 8 seeds × ${spec.base.steps} steps (1→16→1) on the worker pool, stored cell by cell`);
  for (const r of rows) {
    console.log(
      `  ${r.workers} worker${r.workers > 1 ? 's' : ' '}  ${r.seconds.toFixed(2)} s  speed-up ${(rows[0].seconds / r.seconds).toFixed(2)}×  main event-loop delay p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`,
    );
  }
}
