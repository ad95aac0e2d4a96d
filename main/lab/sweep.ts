// Sweeps: every cell × seed of a grid, trained on the worker pool (one cell's seeds batched per task,
// or split across the workers when there are fewer cells than workers). Each task's runs are stored in
// one transaction as it finishes — a whole cell, or a worker's share of a split cell — so a crash loses
// only the tasks in flight, and `resume` continues from what is stored. A sweep is trained by one
// process at a time: the one holding its lease (see ExperimentStore.takeLease).
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, inputSize, testCount, type BackendChoice, type ExperimentConfig } from '../../shared/config.js';
import { expandSweep, runConfig, sweepCells, type SweepCell, type SweepCells, type SweepSpec } from '../../shared/sweep.js';
import { sweepRunLabel } from '../../shared/sweepStats.js';
import { planShards } from './cluster/shards.js';
import { RunSet } from '../../shared/runSet.js';
import { selectKernel, type Workload } from '../engine/kernelChoice.js';
import { runsPerGroup } from '../engine/memory.js';
import { checkRecordSize } from '../engine/prepared.js';
import { architectureOf, layoutOf } from '../engine/model.js';
import type { WorkerPool } from '../workers/pool.js';
import type { KernelPin } from '../workers/protocol.js';
import type { Progress } from '../engine/train.js';
import { SweepBusyError, type ExperimentStatus, type ExperimentStore } from '../store/experiments.js';
import { APP_VERSION } from '../platform/version.js';
import { defaultName } from '../../shared/experimentName.js';
import { runConfigs, type RunResult } from '../engine/runs.js';
import { onDevice, poolFor, trainingWork } from './compute.js';
import type { JobOptions } from './options.js';

/** With `pool`, cells train on its workers; without one they train in this thread, one after another. */
export interface SweepOptions extends JobOptions {
  onSweepProgress?: (p: { runsDone: number; runsTotal: number; cellsDone: number; cells: number }) => void;
  /** Resume: while another live process holds the sweep, wait for it instead of refusing. */
  wait?: boolean;
  /** Resume with `wait`: called once when the sweep turns out to be held, with the holder's pid. */
  onWait?: (ownerPid: number) => void;
  /** Called once the sweep is stored (before its first run): its experiment id. */
  onBegin?: (experimentId: number) => void;
}

/** A few parts per worker let storing overlap training; parts of fewer runs would batch poorly. */
const PARTS_PER_WORKER = 4;
const MIN_PART_RUNS = 64;

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
  return sweepRunLabel(cell.values, cell.config.seed + seedIndex);
}

/** The pin of the kernel `auto` would choose for `work` (a whole cell's batch), on the pool or here. */
async function kernelPin(options: SweepOptions, config: ExperimentConfig, work: Workload): Promise<KernelPin> {
  const [kernel, backend] = [options.kernel ?? config.kernel, options.backend ?? config.backend];
  if (options.pool) return (await options.pool.resolveKernel(kernel, backend, work, { signal: options.signal })).pin;
  const k = await selectKernel(kernel, backend, work);
  // As the pool's workers pin it: only tfjs has backends to choose from.
  return { kernel: k.name, backend: k.name === 'tfjs' ? (k.backend as BackendChoice) : 'auto' };
}

/** A cell's seeds that one call trains. */
interface CellWork {
  cell: SweepCell;
  seedIndices: number[];
}

/** Cells a pool trains at once: enough to keep every worker busy, few enough that their configs and results stay small. */
const CELLS_IN_FLIGHT_PER_WORKER = 2 * PARTS_PER_WORKER;

/**
 * One call's training of a stored sweep: the runs of [runFrom, runTo) not stored yet, cell by cell,
 * each task's runs stored as it finishes. Cells are computed as they are reached, and which runs are
 * stored is one bit per run: a sweep of a million runs holds no list of them.
 */
class SweepTraining {
  private readonly seeds: number;
  private readonly runFrom: number;
  private readonly runTo: number;
  private readonly runsTotal: number;
  private readonly stored: RunSet;
  /** The cells with runs in [runFrom, runTo): [cellFrom, cellTo). */
  private readonly cellFrom: number;
  private readonly cellTo: number;
  /** Of those, the cells with runs to train. */
  private readonly cellsPending: number;
  private runsDone: number;
  private cellsDone: number;
  private runsNew = 0;

  constructor(
    private readonly store: ExperimentStore,
    private readonly id: number,
    spec: SweepSpec,
    private readonly cells: SweepCells,
    private readonly options: SweepOptions,
    runs?: { from: number; to: number },
  ) {
    const seeds = (this.seeds = spec.seeds);
    [this.runFrom, this.runTo] = runs ? [runs.from, runs.to] : [0, cells.length * seeds];
    this.runsTotal = this.runTo - this.runFrom;
    this.stored = new RunSet(cells.length * seeds);
    let storedRuns = 0;
    for (const i of store.runIndices(id)) {
      storedRuns++;
      if (i >= 0 && i < this.stored.runsTotal) this.stored.add(i);
    }
    this.cellFrom = Math.floor(this.runFrom / seeds);
    this.cellTo = this.runTo > this.runFrom ? Math.ceil(this.runTo / seeds) : this.cellFrom;
    let pending = 0;
    for (let c = this.cellFrom; c < this.cellTo; c++) if (this.pendingSeeds(c).length > 0) pending++;
    this.cellsPending = pending;
    this.runsDone = storedRuns;
    this.cellsDone = this.cellTo - this.cellFrom - pending;
  }

  /** Cell `c`'s seeds in this call's runs that are not stored yet. */
  private pendingSeeds(c: number): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.seeds; s++) {
      const i = c * this.seeds + s;
      if (i >= this.runFrom && i < this.runTo && !this.stored.has(i)) out.push(s);
    }
    return out;
  }

  /** The cells with runs to train, in order, each computed when reached. */
  private *pending(): Generator<CellWork> {
    for (let c = this.cellFrom; c < this.cellTo; c++) {
      const seedIndices = this.pendingSeeds(c);
      if (seedIndices.length > 0) yield { cell: this.cells.at(c), seedIndices };
    }
  }

  private report(): void {
    this.options.onSweepProgress?.({ runsDone: this.runsDone, runsTotal: this.runsTotal, cellsDone: this.cellsDone, cells: this.cellTo - this.cellFrom });
  }

  private save(cell: SweepCell, seedIndices: number[], results: RunResult[], cellFinished = true): void {
    const finished = results.flatMap((result, k) => {
      if (result.status === 'cancelled') return [];
      const seedIndex = seedIndices[k];
      return [{ ...result, index: cell.index * this.seeds + seedIndex, label: runLabel(cell, seedIndex), hyper: { ...cell.values, seed: result.config.seed }, cell: cell.index, seedIndex }];
    });
    this.store.addRuns(this.id, finished);
    this.runsDone += finished.length;
    this.runsNew += finished.length;
    if (cellFinished) this.cellsDone++;
    this.report();
  }

  /**
   * Parts per cell: with few cells, each cell's seeds are split so that every worker trains, and into
   * about PARTS_PER_WORKER parts per worker when the cells are large enough, so that each part's runs
   * are stored while the others train rather than all of them after the last one.
   */
  private partsPerCell(pool: WorkerPool | undefined): number {
    if (!pool) return 1;
    const wanted = PARTS_PER_WORKER * pool.size;
    const cells = this.cellsPending;
    return cells < wanted ? Math.max(Math.ceil(pool.size / cells), Math.min(Math.ceil(wanted / cells), Math.floor(this.seeds / MIN_PART_RUNS))) : 1;
  }

  private async trainCell({ cell, seedIndices }: CellWork, pool: WorkerPool | undefined, parts: number): Promise<void> {
    const { options } = this;
    const onProgress = (p: Progress) => options.onProgress?.({ ...p, phase: 'sweep' });
    const configs = seedIndices.map((s) => runConfig(cell, s));
    const c = cell.config;
    const arch = architectureOf(c);
    // A part's results are held until they are stored: parts fit the memory budget of a group of runs.
    const byMemory = Math.ceil(seedIndices.length / runsPerGroup(layoutOf(arch).count));
    const count = Math.max(byMemory, pool ? Math.min(parts, seedIndices.length) : 1);
    // Fewer than the cell's seeds (a shard's share of it, what a resume has left) or a cell split
    // across workers: each part trains as a slice of the cell's whole batch, on the kernel that batch
    // would choose and with its snapshot budget, so its runs are those of one worker training the cell.
    const slice = count > 1 || seedIndices.length < this.seeds;
    const pin = slice ? await kernelPin({ ...options, pool }, c, { arch, runs: this.seeds, batchSize: c.batchSize, n: c.data.n - testCount(c.data) }) : { kernel: options.kernel, backend: options.backend };
    const batchRuns = slice ? this.seeds : undefined;
    const partOf = (j: number) => [Math.floor((j * configs.length) / count), Math.floor(((j + 1) * configs.length) / count)];
    if (!pool) {
      for (let j = 0; j < count && !options.signal?.aborted; j++) {
        const [from, to] = partOf(j);
        this.save(cell, seedIndices.slice(from, to), await runConfigs(configs.slice(from, to), { ...options, ...pin, batchRuns, onProgress }), j === count - 1);
      }
      return;
    }
    if (count === 1) return this.save(cell, seedIndices, await pool.runConfigs(configs, { ...pin, batchRuns, signal: options.signal, onProgress }));
    let left = count;
    // Every part settles before the cell does, so none stores runs after the sweep has finished.
    const settled = await Promise.allSettled(
      Array.from({ length: count }, async (_, j) => {
        const [from, to] = partOf(j);
        const results = await pool.runConfigs(configs.slice(from, to), { ...pin, batchRuns, signal: options.signal, onProgress });
        this.save(cell, seedIndices.slice(from, to), results, --left === 0);
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async run(): Promise<SweepOutcome> {
    this.report();
    let work = 0;
    let device = false;
    for (const p of this.pending()) {
      work += p.seedIndices.length * trainingWork(p.cell.config, architectureOf(p.cell.config));
      device ||= onDevice(this.options, p.cell.config);
    }
    const pool = device ? undefined : poolFor(this.options, work, 0);
    const parts = this.partsPerCell(pool);
    const { signal } = this.options;
    try {
      if (pool) {
        // A few cells at a time per worker, each lane taking the next cell as its last one finishes;
        // every lane settles before the sweep does, so none stores runs after it has finished.
        const cells = this.pending();
        let failed = false;
        const lane = async () => {
          for (let next = cells.next(); !next.done && !failed && !signal?.aborted; next = cells.next()) {
            try {
              await this.trainCell(next.value, pool, parts);
            } catch (e) {
              if ((e as Error).name === 'AbortError') continue;
              failed = true;
              throw e;
            }
          }
        };
        const settled = await Promise.allSettled(Array.from({ length: CELLS_IN_FLIGHT_PER_WORKER * pool.size }, lane));
        const failure = settled.find((r) => r.status === 'rejected');
        if (failure) throw failure.reason;
      } else {
        for (const p of this.pending()) {
          if (signal?.aborted) break;
          await this.trainCell(p, undefined, 1);
        }
      }
    } catch (e) {
      this.store.finishExperiment(this.id, 'interrupted');
      throw e;
    }
    const status: ExperimentStatus = this.runsDone === this.runsTotal ? 'done' : 'cancelled';
    this.store.finishExperiment(this.id, status);
    return { experimentId: this.id, status, runsDone: this.runsDone, runsTotal: this.runsTotal, runsNew: this.runsNew };
  }
}

/** `runs`: the sweep's run indices [from, to) this experiment trains (one shard's), else all of them. */
function execute(store: ExperimentStore, id: number, spec: SweepSpec, cells: SweepCells, options: SweepOptions, runs?: { from: number; to: number }): Promise<SweepOutcome> {
  return new SweepTraining(store, id, spec, cells, options, runs).run();
}

/**
 * What this engine computes for the sweep: the hash of its first and last runs' numbers (losses,
 * parameters, snapshots), each trained as a slice of its cell's batch. Shards whose checks differ
 * were trained by engines that compute differently, even under one version number; it costs two runs.
 */
export async function engineCheck(spec: SweepSpec, cells: SweepCells, options: SweepOptions = {}): Promise<string> {
  const hash = createHash('sha256');
  for (const [cell, seedIndex] of [[cells.at(0), 0], [cells.at(cells.length - 1), spec.seeds - 1]] as const) {
    const c = cell.config;
    const pin = await kernelPin({ kernel: options.kernel, backend: options.backend }, c, { arch: architectureOf(c), runs: spec.seeds, batchSize: c.batchSize, n: c.data.n - testCount(c.data) });
    const [r] = await runConfigs([runConfig(cell, seedIndex)], { ...pin, batchRuns: spec.seeds, signal: options.signal });
    hash.update(JSON.stringify([r.kernel, r.status, r.stepsDone, r.finalLoss]));
    for (const a of [r.params.init, r.params.final, r.loss.steps, r.loss.values, r.snapshots.steps, r.snapshots.params]) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return hash.digest('hex');
}

/** Starts a sweep from a spec (validated whole before anything runs); stores it as one experiment. */
/**
 * A sweep spec expanded, with every cell's config checked as a run's would be before it trains (the
 * record size of its runs), so that a sweep is refused before it is stored. Yields after each cell.
 */
function* checking(specInput: unknown): Generator<void, ReturnType<typeof expandSweep>> {
  // Each cell's config is checked as the loop computes it (SweepCells.at), once.
  const expanded = sweepCells(specInput);
  const checked = new Set<string>();
  for (const cell of expanded.cells) {
    yield;
    const c = cell.config;
    const key = JSON.stringify([inputSize(c), c.model.hidden, c.model.outputs, c.data.n, c.steps, c.record.every ?? null]);
    if (checked.has(key)) continue;
    checked.add(key);
    try {
      checkRecordSize(c);
    } catch (e) {
      if (e instanceof InputError && expanded.cells.length > 1) throw new InputError(`cell ${cell.index}: ${e.message}`);
      throw e;
    }
  }
  return expanded;
}

/** The spec expanded and checked whole (see `checking`), at once: for a process of its own (the CLI). */
export function checkSweep(specInput: unknown): ReturnType<typeof expandSweep> {
  const steps = checking(specInput);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Main's thread answers others at least this often while it checks a sweep (ms). */
const CHECK_SLICE_MS = 10;

/**
 * The spec expanded and checked whole, giving the event loop its turn every CHECK_SLICE_MS: main's
 * thread serves every page while a sweep of 10⁶ cells is checked (about 40 s here).
 */
export async function checkSweepYielding(specInput: unknown): Promise<ReturnType<typeof expandSweep>> {
  const steps = checking(specInput);
  let slice = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - slice > CHECK_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
  }
}

/** `checked`: the spec's expansion as checkSweep or checkSweepYielding gave it, not checked again. */
export async function runSweep(store: ExperimentStore, specInput: unknown, options: SweepOptions & { shard?: { index: number; count: number }; checked?: ReturnType<typeof expandSweep> } = {}): Promise<SweepOutcome> {
  const { spec, cells } = options.checked ?? checkSweep(specInput);
  const base = cells.at(0).config;
  const shard = options.shard ? planShards(spec, cells, options.shard.count).shards[options.shard.index] : undefined;
  const check = shard ? await engineCheck(spec, cells, options) : '';
  const id = store.beginExperiment(
    {
      name: `${spec.name ?? `sweep · ${defaultName(base)}`}${options.shard ? ` · shard ${options.shard.index}/${options.shard.count}` : ''}`,
      config: base,
      kernel: options.kernel ?? base.kernel,
      backend: options.backend ?? base.backend,
      appVersion: APP_VERSION,
    },
    { spec, cells: cells.length, seeds: spec.seeds, shard: shard && options.shard ? { index: shard.index, count: options.shard.count, runFrom: shard.runFrom, runTo: shard.runTo, engineCheck: check } : undefined },
  );
  options.onBegin?.(id);
  return execute(store, id, spec, cells, options, shard ? { from: shard.runFrom, to: shard.runTo } : undefined);
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
  // Checked whole when it was stored: its cells are computed as they are trained.
  const { spec, cells } = sweepCells(stored);
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
  const shard = store.sweepRecord(id)?.shard;
  // A shard continues only on an engine that computes what it began with.
  if (shard && shard.engineCheck !== (await engineCheck(spec, cells, options))) {
    store.finishExperiment(id, 'interrupted');
    throw new InputError(`${store.file}: shard ${shard.index}/${shard.count} was begun by an engine that computes differently from this one (another build); train the shard again in a new database`);
  }
  return execute(store, id, spec, cells, options, shard ? { from: shard.runFrom, to: shard.runTo } : undefined);
}
