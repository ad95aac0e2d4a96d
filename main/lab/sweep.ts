// Sweeps: every cell × seed of a grid, trained on the worker pool (one cell's seeds batched per task)
// and stored run by run as cells finish, so a crash loses only the cells in flight and `resume`
// continues from what is stored.
import { InputError } from '../../shared/config.js';
import { expandSweep, runConfig, type SweepCell, type SweepSpec } from '../../shared/sweep.js';
import type { Progress } from '../engine/train.js';
import type { WorkerPool } from '../jobs/pool.js';
import type { ExperimentStatus, ExperimentStore } from '../store/experiments.js';
import { APP_VERSION } from '../version.js';
import { defaultName } from './experiments.js';
import { runConfigs, type JobOptions, type RunResult } from './runs.js';

export interface SweepOptions extends JobOptions {
  /** Where cells train; without one they train in this thread, one after another. */
  pool?: WorkerPool;
  onSweepProgress?: (p: { runsDone: number; runsTotal: number; cellsDone: number; cells: number }) => void;
}

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

  const save = (cell: SweepCell, seedIndices: number[], results: RunResult[]) => {
    results.forEach((result, k) => {
      if (result.status === 'cancelled') return;
      const seedIndex = seedIndices[k];
      store.addRun(id, { ...result, index: cell.index * seeds + seedIndex, label: runLabel(cell, seedIndex), hyper: { ...cell.values, seed: result.config.seed }, cell: cell.index, seedIndex });
      runsDone++;
      runsNew++;
    });
    cellsDone++;
    report();
  };

  const train = async ({ cell, seedIndices }: (typeof pending)[number]) => {
    const configs = seedIndices.map((s) => runConfig(cell, s));
    const onProgress = (p: Progress) => options.onProgress?.({ ...p, phase: 'sweep' });
    const results = options.pool
      ? await options.pool.runConfigs(configs, { kernel: options.kernel, backend: options.backend, signal: options.signal, onProgress })
      : await runConfigs(configs, { ...options, onProgress });
    save(cell, seedIndices, results);
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

/** Continues a sweep that was interrupted or cancelled: trains only the runs not yet stored. */
export async function resumeSweep(store: ExperimentStore, id: number, options: SweepOptions = {}): Promise<SweepOutcome> {
  const experiment = store.get(id);
  if (!experiment.sweep) throw new InputError(`experiment ${id}: is not a sweep; only sweeps can be resumed`);
  if (experiment.status === 'running') {
    throw new InputError(`experiment ${id}: is still running in another process; wait for it, or stop that process first`);
  }
  const { spec, cells } = expandSweep(experiment.sweep.spec);
  store.claimExperiment(id);
  return execute(store, id, spec, cells, options);
}
