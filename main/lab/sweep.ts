// Sweeps: every cell × seed of a grid, trained on the worker pool (one cell's seeds batched per task,
// or split across the workers when there are fewer cells than workers). Each task's runs are stored in
// one transaction as it finishes — a whole cell, or a worker's share of a split cell — so a crash loses
// only the tasks in flight, and `resume` continues from what is stored. A sweep is trained by one
// process at a time: the one holding its lease (see ExperimentStore.takeLease).
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, testCount } from '../../shared/config.js';
import { expandSweep, runConfig, type SweepCell, type SweepSpec } from '../../shared/sweep.js';
import { architectureOf } from '../engine/model.js';
import type { Progress } from '../engine/train.js';
import { SweepBusyError, type ExperimentStatus, type ExperimentStore } from '../store/experiments.js';
import { APP_VERSION } from '../version.js';
import { defaultName } from './experiments.js';
import { runConfigs, type JobOptions, type RunResult } from './runs.js';

/** With `pool`, cells train on its workers; without one they train in this thread, one after another. */
export interface SweepOptions extends JobOptions {
  onSweepProgress?: (p: { runsDone: number; runsTotal: number; cellsDone: number; cells: number }) => void;
  /** Resume: while another live process holds the sweep, wait for it instead of refusing. */
  wait?: boolean;
  /** Resume with `wait`: called once when the sweep turns out to be held, with the holder's pid. */
  onWait?: (ownerPid: number) => void;
}

/** How often a waiting resume looks whether the sweep's owner has finished or died (ms). */
const LEASE_POLL_MS = 200;

export interface SweepOutcome {
  experimentId: number;
  status: ExperimentStatus;
  runsDone: number;
  runsTotal: number;
  /** Runs trained by this call (the rest were already stored). */
  runsNew: number;
}

function runLabel(cell: SweepCell, seedIndex: number): string {
  const values = Object.entries(cell.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return [...values, `seed=${cell.config.seed + seedIndex}`].join(' ');
}

async function execute(store: ExperimentStore, id: number, spec: SweepSpec, cells: SweepCell[], options: SweepOptions): Promise<SweepOutcome> {
  const seeds = spec.seeds;
  const runsTotal = cells.length * seeds;
  const stored = new Set(store.runs(id).map((r) => r.index));
  const pending = cells
    .map((cell) => ({ cell, seedIndices: Array.from({ length: seeds }, (_, s) => s).filter((s) => !stored.has(cell.index * seeds + s)) }))
    .filter((p) => p.seedIndices.length > 0);
  let runsDone = stored.size;
  let cellsDone = cells.length - pending.length;
  let runsNew = 0;
  const report = () => options.onSweepProgress?.({ runsDone, runsTotal, cellsDone, cells: cells.length });
  report();

  const save = (cell: SweepCell, seedIndices: number[], results: RunResult[], cellFinished = true) => {
    const finished = results.flatMap((result, k) => {
      if (result.status === 'cancelled') return [];
      const seedIndex = seedIndices[k];
      return [{ ...result, index: cell.index * seeds + seedIndex, label: runLabel(cell, seedIndex), hyper: { ...cell.values, seed: result.config.seed }, cell: cell.index, seedIndex }];
    });
    store.addRuns(id, finished);
    runsDone += finished.length;
    runsNew += finished.length;
    if (cellFinished) cellsDone++;
    report();
  };

  const onProgress = (p: Progress) => options.onProgress?.({ ...p, phase: 'sweep' });
  // Fewer cells than workers: each cell's seeds are split so that every worker trains.
  const parts = options.pool && pending.length < options.pool.size ? Math.ceil(options.pool.size / pending.length) : 1;

  const train = async ({ cell, seedIndices }: (typeof pending)[number]) => {
    const configs = seedIndices.map((s) => runConfig(cell, s));
    const { pool } = options;
    if (!pool) return save(cell, seedIndices, await runConfigs(configs, { ...options, onProgress }));
    const count = Math.min(parts, seedIndices.length);
    if (count === 1) {
      return save(cell, seedIndices, await pool.runConfigs(configs, { kernel: options.kernel, backend: options.backend, signal: options.signal, onProgress }));
    }
    // Each part trains as a slice of the cell's batch: on the kernel the whole batch would choose, with
    // its snapshot budget, so the runs are those of one worker training the cell.
    const c = cell.config;
    const k = await pool.resolveKernel(options.kernel ?? c.kernel, options.backend ?? c.backend, { arch: architectureOf(c), runs: configs.length, batchSize: c.batchSize, n: c.data.n - testCount(c.data) }, { signal: options.signal });
    let left = count;
    // Every part settles before the cell does, so none stores runs after the sweep has finished.
    const settled = await Promise.allSettled(
      Array.from({ length: count }, async (_, j) => {
        const [from, to] = [Math.floor((j * configs.length) / count), Math.floor(((j + 1) * configs.length) / count)];
        const results = await pool.runConfigs(configs.slice(from, to), { ...k.pin, batchRuns: configs.length, signal: options.signal, onProgress });
        save(cell, seedIndices.slice(from, to), results, --left === 0);
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };

  try {
    if (options.pool) {
      await Promise.all(
        pending.map((p) =>
          train(p).catch((e: Error) => {
            if (e.name !== 'AbortError') throw e;
          }),
        ),
      );
    } else {
      for (const p of pending) {
        if (options.signal?.aborted) break;
        await train(p);
      }
    }
  } catch (e) {
    store.finishExperiment(id, 'interrupted');
    throw e;
  }
  const status: ExperimentStatus = runsDone === runsTotal ? 'done' : 'cancelled';
  store.finishExperiment(id, status);
  return { experimentId: id, status, runsDone, runsTotal, runsNew };
}

/** Starts a sweep from a spec (validated whole before anything runs); stores it as one experiment. */
export async function runSweep(store: ExperimentStore, specInput: unknown, options: SweepOptions = {}): Promise<SweepOutcome> {
  const { spec, cells } = expandSweep(specInput);
  const base = cells[0].config;
  const id = store.beginExperiment(
    { name: spec.name ?? `sweep · ${defaultName(base)}`, config: base, kernel: options.kernel ?? base.kernel, backend: options.backend ?? base.backend, appVersion: APP_VERSION },
    { spec, cells: cells.length, seeds: spec.seeds },
  );
  return execute(store, id, spec, cells, options);
}

/**
 * Continues a sweep that was interrupted or cancelled: trains only the runs not yet stored. Refused
 * (SweepBusyError) while another live process trains it, unless `wait` is given; a sweep whose owner
 * died is taken over.
 */
export async function resumeSweep(store: ExperimentStore, id: number, options: SweepOptions = {}): Promise<SweepOutcome> {
  const stored = store.sweepSpec(id);
  if (stored === null) {
    store.summary(id); // an unknown id is reported as such, not as "not a sweep"
    throw new InputError(`experiment ${id}: is not a sweep; only sweeps can be resumed`);
  }
  const { spec, cells } = expandSweep(stored);
  for (let told = false; ; ) {
    try {
      store.takeLease(id);
      break;
    } catch (e) {
      if (!(e instanceof SweepBusyError) || !options.wait) throw e;
      if (!told) options.onWait?.(e.ownerPid);
      told = true;
      await sleep(LEASE_POLL_MS, undefined, { signal: options.signal });
    }
  }
  return execute(store, id, spec, cells, options);
}
