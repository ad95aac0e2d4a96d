// The experiments repository: experiments, their runs, surfaces and interpolations, in SQLite.
// Whole experiments are saved in one transaction (all or nothing); a sweep's runs are added one
// transaction per finished task (a cell's seeds, or the share of a cell one worker trained). Arrays
// go in as BLOBs and come back bit-identical.
import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { CellListing, CellPage, ExperimentStatus, ExperimentSummary, RunListing, RunPage } from '../../shared/api.js';
import type { MergedFrom } from '../../shared/cluster.js';
import { InputError, parseConfig, type ExperimentConfig } from '../../shared/config.js';
import { linspace } from '../engine/surface.js';
import type { RunStatus } from '../engine/train.js';
import type { InterpolationResult, LandscapeResult, RunOutcomeSummary, RunResult } from '../engine/results.js';
import { adoptBlob, toBlob } from './blobs.js';
import { addToCells, NO_CELL, readCellRow, readCells, type CellRecord, type RunOutcomeRow } from './cellStats.js';
import { DatasetIds } from './datasets.js';
import { cellOf, decodeRun, derived, encodeRun, RUN_COLUMNS, sweepFrame, type SweepFrame } from './runRows.js';
import { recordedStepsOf } from '../engine/train.js';
import { configHash, sweepSpecHash } from './configHash.js';
import { explainSqliteError, type Db } from './db.js';
import { currentOwner, ownerAlive, type Lease, type Owner } from './owner.js';
import { configSearchText } from '../../shared/experimentName.js';
import { sweepThresholdOf } from '../../shared/sweep.js';
import { stepsToThreshold, sweepCellLabel, sweepRunLabel } from '../../shared/sweepStats.js';

export type { ExperimentStatus, ExperimentSummary };
export const EXPERIMENT_STATUSES: readonly ExperimentStatus[] = ['running', 'done', 'cancelled', 'interrupted', 'diverged'];

/** Imported sweep runs whose outcomes are added to their cells at once. */
const IMPORT_CELL_BATCH = 4096;

export interface ExperimentMeta {
  name: string;
  config: ExperimentConfig;
  kernel: string;
  backend: string;
  appVersion: string;
  notes?: string;
  tags?: string[];
}

/** A run as stored: the lab's result plus where it sits in its experiment. */
export interface StoredRun extends RunResult {
  index: number;
  label: string;
  /** What distinguishes this run within its experiment (sweep cell values, seed). */
  hyper: Record<string, unknown>;
  cell: number | null;
  seedIndex: number | null;
}

export type RunToSave = Omit<StoredRun, 'index' | 'layout'> & { index?: number };

export interface StoredSurface extends LandscapeResult {
  id: number;
  runIndex: number;
  createdAt: string;
}

export interface StoredInterpolation extends InterpolationResult {
  id: number;
  runIndex: number;
  createdAt: string;
}

export interface StoredExperiment extends ExperimentSummary {
  config: ExperimentConfig;
  runList: StoredRun[];
  runListing: RunListing[];
  surfaces: StoredSurface[];
  interpolations: StoredInterpolation[];
  sweep: { spec: unknown; cells: number; seeds: number } | null;
}

const now = () => new Date().toISOString();

/** What a run's listing reads of its row. */
const LISTING_SQL = 'SELECT idx, label, cell, seed_index, status, final_loss FROM runs WHERE experiment_id = ?';
interface ListingRow {
  idx: number;
  label: string | null;
  cell: number | null;
  seed_index: number | null;
  status: RunStatus;
  final_loss: number | null;
}

/**
 * Sweep frames by their spec's text, for every store of the process (a merge opens one per shard, and
 * expanding 10⁴ cells takes a visible fraction of a second): a frame is a function of the text alone,
 * so an id that comes back for another sweep never finds a stale one.
 */
const frames = new Map<string, SweepFrame | null>();
const FRAMES_KEPT = 8;

/** What storing runs of one experiment needs, made once per transaction. */
interface RunContext {
  frame: SweepFrame | null;
  /** A sweep's seeds and threshold, for its cells' statistics; null for other experiments. */
  sweep: { seeds: number; threshold: number } | null;
  datasets: DatasetIds;
}

/** Which shard of its sweep a database trains: shard `index` of `count`, runs [runFrom, runTo). */
export interface SweepShardRecord {
  index: number;
  count: number;
  runFrom: number;
  runTo: number;
  /** The hash of the sweep's reference runs as the engine that trained this shard computes them. */
  engineCheck: string;
}

export interface SweepRecord {
  experimentId: number;
  specHash: string | null;
  cells: number;
  seeds: number;
  /** This experiment trains one shard of the sweep. */
  shard: SweepShardRecord | null;
  /** This experiment was merged from this many shards. */
  mergedShards: number | null;
  /** A shard's or merged sweep's engine check (see SweepShardRecord). */
  engineCheck: string | null;
}

interface SweepRow {
  experiment_id: number;
  spec_hash: string | null;
  cells: number;
  seeds: number;
  shard_index: number | null;
  shard_count: number | null;
  run_from: number | null;
  run_to: number | null;
  engine_check: string | null;
}

function recordOf(r: SweepRow): SweepRecord {
  const isShard = r.shard_index !== null && r.shard_count !== null && r.run_from !== null && r.run_to !== null;
  return {
    experimentId: r.experiment_id,
    specHash: r.spec_hash,
    cells: r.cells,
    seeds: r.seeds,
    shard: isShard ? { index: r.shard_index!, count: r.shard_count!, runFrom: r.run_from!, runTo: r.run_to!, engineCheck: r.engine_check ?? '' } : null,
    mergedShards: !isShard ? r.shard_count : null,
    engineCheck: r.engine_check,
  };
}

/** A sweep held by a live process: another may not continue it until that process ends. */
/** An experiment as an import gives it, validated. */
export interface ImportItem {
  meta: ExperimentMeta;
  uid: string;
  status: ExperimentStatus;
  createdAt: string;
  updatedAt: string;
  runs: RunToSave[];
  surfaces: (LandscapeResult & { runIndex: number })[];
  interpolations: (InterpolationResult & { runIndex: number })[];
  /** `merged`: the sweep was merged from shards (its provenance, kept by export and import). */
  sweep: { spec: unknown; cells: number; seeds: number; merged?: MergedFrom } | null;
}

/** Where an import puts its records, one at a time, inside ExperimentStore.importRecords's transaction. */
export interface ImportSink {
  experiment(item: Omit<ImportItem, 'runs' | 'surfaces' | 'interpolations'>): { id: number; renamed: boolean };
  run(experimentId: number, run: RunToSave & { index: number }): void;
  /** `createdAt`: when it was made (an import keeps it; now by default). */
  surface(experimentId: number, s: LandscapeResult & { runIndex: number; createdAt?: string }): void;
  interpolation(experimentId: number, i: InterpolationResult & { runIndex: number; createdAt?: string }): void;
}

export class SweepBusyError extends InputError {
  constructor(
    readonly experimentId: number,
    readonly ownerPid: number,
    ownerHost: string | null,
  ) {
    super(`sweep ${experimentId} is being resumed by pid ${ownerPid}${ownerHost && ownerHost !== currentOwner().host ? ` on ${ownerHost}` : ''}; wait for it (--wait), or stop that process first`);
  }
}

interface ExperimentRow extends Lease {
  id: number;
  uid: string;
  name: string;
  created_at: string;
  updated_at: string;
  config: string;
  seed: number;
  kernel: string;
  backend: string;
  app_version: string;
  status: ExperimentStatus;
  notes: string;
  tags: string;
  runs: number;
  best_loss: number | null;
  is_sweep: number;
  /** Its first runs' [label, cell, seed index], JSON (a sweep run's label is derived when null). */
  run_labels: string;
  sweep_spec: string | null;
}

/** How many distinct run labels the library's search reads per experiment (a race has five). */
const SEARCHED_RUN_LABELS = 16;

function summaryOf(r: ExperimentRow): ExperimentSummary {
  const firstRuns = JSON.parse(r.run_labels) as [string | null, number | null, number | null][];
  const frame = firstRuns.some(([label]) => label === null) ? frameOf(r.sweep_spec) : null;
  const labels = [...new Set(firstRuns.map(([label, cell, seedIndex]) => label ?? derivedLabel(frame, cell, seedIndex) ?? ''))].join(' ');
  return {
    id: r.id,
    uid: r.uid,
    name: r.name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    seed: r.seed,
    kernel: r.kernel,
    backend: r.backend,
    appVersion: r.app_version,
    // An owner that is gone (killed, crashed) reads as interrupted without anything being written.
    status: r.status === 'running' && !ownerAlive(r) ? 'interrupted' : r.status,
    notes: r.notes,
    tags: JSON.parse(r.tags) as string[],
    runs: r.runs,
    bestLoss: r.best_loss,
    isSweep: r.is_sweep === 1,
    // A race's or a sweep's runs say what it compares ("sgd" finds the five-optimizer races).
    configText: [configSearchText(JSON.parse(r.config)), labels.toLowerCase()].join(' ').trim(),
  };
}

// A sweep's count and best loss come from its cells' rows, written with its runs: a sweep of 10⁶ runs
// is not read whole to list it. Other experiments (and a sweep without cell rows) count their runs.
const SUMMARY_SQL = `
  SELECT e.*,
         CASE WHEN EXISTS (SELECT 1 FROM sweep_cells c WHERE c.experiment_id = e.id)
           THEN (SELECT sum(c.runs) FROM sweep_cells c WHERE c.experiment_id = e.id)
           ELSE (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) END AS runs,
         CASE WHEN EXISTS (SELECT 1 FROM sweep_cells c WHERE c.experiment_id = e.id)
           THEN (SELECT min(c.best_loss) FROM sweep_cells c WHERE c.experiment_id = e.id)
           ELSE (SELECT min(final_loss) FROM runs r WHERE r.experiment_id = e.id) END AS best_loss,
         EXISTS (SELECT 1 FROM sweeps s WHERE s.experiment_id = e.id) AS is_sweep,
         (SELECT spec FROM sweeps s WHERE s.experiment_id = e.id) AS sweep_spec,
         (SELECT json_group_array(json_array(label, cell, seed_index)) FROM (SELECT r.label, r.cell, r.seed_index FROM runs r WHERE r.experiment_id = e.id ORDER BY r.idx LIMIT ${SEARCHED_RUN_LABELS})) AS run_labels
  FROM experiments e`;

/**
 * Every method's SQLite errors (a damaged page found while reading, a full disk) read as what they mean
 * to a user, naming the file (explainSqliteError), whichever method meets them.
 */
function explainErrorsOf(store: ExperimentStore): void {
  const proto = Object.getPrototypeOf(store) as object;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value;
    if (name === 'constructor' || typeof method !== 'function') continue;
    Object.defineProperty(store, name, {
      value: (...args: unknown[]) => {
        try {
          return (method as (...a: unknown[]) => unknown).apply(store, args);
        } catch (e) {
          const code: unknown = (e as { code?: unknown } | null)?.code;
          // Only SQLite's errors are explained; a DOMException's code is a number.
          if (e instanceof InputError || typeof code !== 'string' || !code.startsWith('SQLITE_')) throw e;
          return explainSqliteError(store.file, e);
        }
      },
    });
  }
}

/** The frame a stored spec's runs are derived from; null for other experiments. */
function frameOf(specText: string | null): SweepFrame | null {
  if (specText === null) return null;
  if (frames.has(specText)) return frames.get(specText)!;
  let spec: unknown;
  try {
    spec = JSON.parse(specText);
  } catch {
    spec = undefined; // a spec edited outside the lab: nothing is derived from it
  }
  const frame = spec === undefined ? null : sweepFrame(spec);
  if (frames.size >= FRAMES_KEPT) frames.delete(frames.keys().next().value!);
  frames.set(specText, frame);
  return frame;
}

/** A sweep run's label from its cell and seed index (null when the frame does not have them). */
function derivedLabel(frame: SweepFrame | null, cell: number | null, seedIndex: number | null): string | null {
  const c = frame && cell !== null ? cellOf(frame, cell) : undefined;
  return c && seedIndex !== null ? sweepRunLabel(c.values, c.config.seed + seedIndex) : null;
}

export class ExperimentStore {
  constructor(
    readonly db: Db,
    readonly file: string,
  ) {
    explainErrorsOf(this);
  }

  /** What storing a run of this experiment needs: its sweep's frame, seeds and threshold, and dataset ids. */
  private runContext(experimentId: number, datasets = new DatasetIds(this.db)): RunContext {
    const row = this.db.prepare('SELECT spec, seeds FROM sweeps WHERE experiment_id = ?').get(experimentId) as { spec: string; seeds: number } | undefined;
    if (!row) return { frame: null, sweep: null, datasets };
    const threshold = sweepThresholdOf(JSON.parse(row.spec));
    return { frame: frameOf(row.spec), sweep: threshold === null ? null : { seeds: row.seeds, threshold }, datasets };
  }

  private write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      if (e instanceof InputError) throw e;
      return explainSqliteError(this.file, e);
    }
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof InputError) throw e;
      return explainSqliteError(this.file, e);
    }
  }

  /**
   * Saves a single run's experiment unless one of the same config is stored by now: the lookup and
   * the insert are one transaction, so processes that trained one config at once keep one experiment.
   */
  saveRunOnce(meta: ExperimentMeta, status: ExperimentStatus, run: RunToSave): { id: number; reused: boolean } {
    return this.write(() => {
      const found = this.findByConfig(meta.config);
      if (found !== null) return { id: found, reused: true };
      const id = this.insertExperiment(meta, status, null, { hashed: true });
      this.insertRuns(id, [{ ...run, index: 0 }]);
      return { id, reused: false };
    });
  }

  /** Saves a whole experiment and its runs in one transaction; returns its id. */
  saveExperiment(meta: ExperimentMeta, status: ExperimentStatus, runs: RunToSave[]): number {
    return this.write(() => {
      const id = this.insertExperiment(meta, status, null, { hashed: true });
      this.insertRuns(id, runs.map((run, k) => ({ ...run, index: run.index ?? k })));
      return id;
    });
  }

  /**
   * Starts an experiment whose runs arrive one by one (a sweep, or one shard of a sweep); it stays
   * `running` until finished.
   */
  beginExperiment(meta: ExperimentMeta, sweep?: { spec: unknown; cells: number; seeds: number; shard?: SweepShardRecord; merged?: { shards: number; engineCheck: string } }): number {
    return this.write(() => {
      const id = this.insertExperiment(meta, 'running', currentOwner(), { hashed: !sweep });
      if (sweep) {
        const { shard } = sweep;
        this.db
          .prepare('INSERT INTO sweeps (experiment_id, spec, cells, seeds, spec_hash, shard_index, shard_count, run_from, run_to, engine_check) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .run(id, JSON.stringify(sweep.spec), sweep.cells, sweep.seeds, sweepSpecHash(sweep.spec), shard?.index ?? null, shard?.count ?? sweep.merged?.shards ?? null, shard?.runFrom ?? null, shard?.runTo ?? null, shard?.engineCheck ?? sweep.merged?.engineCheck ?? null);
      }
      return id;
    });
  }

  /** A sweep's identity and, for a shard, which one it is; null for other experiments. */
  sweepRecord(id: number): SweepRecord | null {
    return this.read(() => {
      const row = this.db.prepare('SELECT experiment_id, spec_hash, cells, seeds, shard_index, shard_count, run_from, run_to, engine_check FROM sweeps WHERE experiment_id = ?').get(id) as SweepRow | undefined;
      return row ? recordOf(row) : null;
    });
  }

  /** The sweeps of this spec hash stored here (shards, merged or local), oldest first. */
  sweepsOfSpec(specHash: string): SweepRecord[] {
    return this.read(() => (this.db.prepare('SELECT experiment_id, spec_hash, cells, seeds, shard_index, shard_count, run_from, run_to, engine_check FROM sweeps WHERE spec_hash = ? ORDER BY experiment_id').all(specHash) as SweepRow[]).map(recordOf));
  }

  /**
   * Takes the lease on an experiment to continue it (sweep --resume): this process becomes its owner.
   * Read and taken in one write transaction, so of two processes claiming at once one wins; the other
   * gets SweepBusyError while the owner lives. A dead owner's lease (or a reused pid's) is taken over.
   */
  takeLease(id: number): void {
    this.write(() => {
      const lease = this.db.prepare('SELECT owner_pid, owner_host, owner_started FROM experiments WHERE id = ?').get(id) as Lease | undefined;
      if (!lease) throw new InputError(`experiment ${id}: no such experiment in ${this.file}; see landscape-lab list`);
      if (lease.owner_pid !== null && ownerAlive(lease)) throw new SweepBusyError(id, lease.owner_pid, lease.owner_host);
      const me = currentOwner();
      this.db
        .prepare("UPDATE experiments SET status = 'running', owner_pid = ?, owner_host = ?, owner_started = ?, updated_at = ? WHERE id = ?")
        .run(me.pid, me.host, me.started, now(), id);
    });
  }

  /** Stores runs of a running experiment (a sweep's finished task) in one transaction. */
  addRuns(experimentId: number, runs: (RunToSave & { index: number })[]): void {
    if (runs.length === 0) return;
    this.write(() => {
      this.insertRuns(experimentId, runs);
      this.db.prepare('UPDATE experiments SET updated_at = ? WHERE id = ?').run(now(), experimentId);
      // A sweep begins before anything has run: its first run says which kernel `auto` chose.
      this.db.prepare("UPDATE experiments SET kernel = ?, backend = ? WHERE id = ? AND kernel = 'auto'").run(runs[0].kernel, runs[0].backend, experimentId);
    });
  }

  /** Sets the final status and gives up the lease. */
  finishExperiment(id: number, status: ExperimentStatus): void {
    this.write(() => {
      this.db.prepare('UPDATE experiments SET status = ?, owner_pid = NULL, owner_started = NULL, updated_at = ? WHERE id = ?').run(status, now(), id);
    });
  }

  /** `hashed`: not a sweep, so its config identifies its run (configHash). */
  private insertExperiment(
    meta: ExperimentMeta,
    status: ExperimentStatus,
    owner: Owner | null,
    o: { hashed: boolean; uid?: string; times?: { created: string; updated: string } },
  ): number {
    const t = now();
    const { uid = randomUUID(), times } = o;
    const info = this.db
      .prepare(
        `INSERT INTO experiments (uid, name, created_at, updated_at, config, seed, kernel, backend, app_version, status, notes, tags, owner_pid, owner_host, owner_started, config_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        uid,
        meta.name,
        times?.created ?? t,
        times?.updated ?? t,
        JSON.stringify(meta.config),
        meta.config.seed,
        meta.kernel,
        meta.backend,
        meta.appVersion,
        status,
        meta.notes ?? '',
        JSON.stringify(meta.tags ?? []),
        owner?.pid ?? null,
        owner?.host ?? null,
        owner?.started ?? null,
        o.hashed ? configHash(meta.config) : null,
      );
    return Number(info.lastInsertRowid);
  }

  /** Prepared once: a sweep inserts thousands of runs, and preparing is a visible share of each. */
  private insertRunStatement: Statement | null = null;

  /**
   * Stores runs of one experiment (inside a write transaction), compactly (runRows.ts), and adds a
   * sweep's runs to its cells' statistics in the same transaction. The sweep's context is read here,
   * not kept: a deleted experiment's id can come back for another (SQLite reuses the largest rowid).
   */
  /** Inserts runs and adds them to their sweep's cell statistics, or to `deferred` for the caller to add once. */
  private insertRuns(experimentId: number, runs: readonly (RunToSave & { index: number })[], context = this.runContext(experimentId), deferred?: RunOutcomeRow[]): void {
    this.insertRunStatement ??= this.db.prepare(`INSERT INTO runs (experiment_id, ${RUN_COLUMNS.join(', ')}) VALUES (?, ${RUN_COLUMNS.map(() => '?').join(', ')})`);
    const { frame, sweep, datasets } = context;
    const outcomes: RunOutcomeRow[] = [];
    for (const run of runs) {
      const reached = sweep === null ? null : stepsToThreshold(run.loss, sweep.threshold);
      this.insertRunStatement.run(experimentId, ...encodeRun(run, frame, datasets.idOf(toBlob(run.data.x), toBlob(run.data.y)), sweep === null ? null : (reached ?? -1)));
      if (sweep !== null) (deferred ?? outcomes).push({ idx: run.index, cell: run.cell ?? NO_CELL, status: run.status, finalLoss: run.finalLoss, reachedStep: reached });
    }
    if (sweep !== null && !deferred) addToCells(this.db, experimentId, sweep.seeds, sweep.threshold, outcomes);
  }

  /**
   * Adds runs copied as stored rows (a shard's, by mergeShards) to a sweep's cells' statistics; call
   * inside the transaction that inserts them.
   */
  addCellOutcomes(experimentId: number, outcomes: Iterable<RunOutcomeRow>): void {
    const { sweep } = this.runContext(experimentId);
    if (sweep !== null) addToCells(this.db, experimentId, sweep.seeds, sweep.threshold, outcomes);
  }

  /** Dataset ids of this database (a dataset stored if new), for rows copied from another; one per write transaction. */
  datasetIds(): DatasetIds {
    return new DatasetIds(this.db);
  }

  /**
   * A sweep's statistics per stored cell, as written with its runs (one row per cell): of cells `from`
   * up to, not including, `to` when given, else of every cell.
   */
  cellRecords(experimentId: number, range: { from: number; to: number } = { from: 0, to: Number.MAX_SAFE_INTEGER }): CellRecord[] {
    return this.read(() => {
      const row = this.db.prepare('SELECT seeds FROM sweeps WHERE experiment_id = ?').get(experimentId) as { seeds: number } | undefined;
      return row ? readCells(this.db, experimentId, row.seeds, range.from, range.to) : [];
    });
  }

  /** The runs a sweep holds in its cells (not an imported run of none): from the cells' rows, no run read. */
  cellRuns(experimentId: number): number {
    return this.read(() => this.db.prepare('SELECT coalesce(sum(runs), 0) FROM sweep_cells WHERE experiment_id = ? AND cell >= 0').pluck().get(experimentId) as number);
  }

  list(): ExperimentSummary[] {
    return this.read(() => (this.db.prepare(`${SUMMARY_SQL} ORDER BY e.id`).all() as ExperimentRow[]).map(summaryOf));
  }

  private row(id: number): ExperimentRow {
    const r = this.db.prepare(`${SUMMARY_SQL} WHERE e.id = ?`).get(id) as ExperimentRow | undefined;
    if (!r) throw new InputError(`experiment ${id}: no such experiment in ${this.file}; see landscape-lab list`);
    return r;
  }

  summary(id: number): ExperimentSummary {
    return this.read(() => summaryOf(this.row(id)));
  }

  /**
   * The experiment with all it stores. With `sweepRun`, a sweep's runList holds that one run (its
   * first stored run when there is none of that index): a sweep of thousands of runs is tens of
   * megabytes, too much to read and send whole to show one run. `runListing` lists the runs runList
   * holds, so nothing read here grows with a sweep's runs; runPage and cellPage page the rest.
   */
  get(id: number, options: { sweepRun?: number } = {}): StoredExperiment {
    return this.read(() => {
      const r = this.row(id);
      const sweep = this.db.prepare('SELECT spec, cells, seeds FROM sweeps WHERE experiment_id = ?').get(id) as { spec: string; cells: number; seeds: number } | undefined;
      const runList = sweep && options.sweepRun !== undefined ? this.oneRun(id, options.sweepRun) : this.runs(id);
      return {
        ...summaryOf(r),
        config: parseConfig(JSON.parse(r.config)),
        runList,
        runListing: runList.map(({ index, label, status, finalLoss }) => ({ index, label, status, finalLoss })),
        surfaces: this.surfaces(id),
        interpolations: this.interpolations(id),
        sweep: sweep ? { spec: JSON.parse(sweep.spec), cells: sweep.cells, seeds: sweep.seeds } : null,
      };
    });
  }

  /** Run `index` of the experiment, else its first stored run; none when it has no run. */
  private oneRun(id: number, index: number): StoredRun[] {
    const asked = this.runs(id, index);
    if (asked.length) return asked;
    const first = this.db.prepare('SELECT idx FROM runs WHERE experiment_id = ? ORDER BY idx LIMIT 1').pluck().get(id) as number | undefined;
    return first === undefined ? [] : this.runs(id, first);
  }

  /**
   * The experiment whose one finished run trained exactly this config (seed included), preferring one
   * that already keeps its optimum; null when there is none.
   */
  findByConfig(config: ExperimentConfig): number | null {
    return this.read(() => {
      const row = this.db
        .prepare(
          `SELECT e.id FROM experiments e
           WHERE e.config_hash = ? AND e.status IN ('done', 'diverged')
             AND (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) = 1
           ORDER BY EXISTS (SELECT 1 FROM runs r WHERE r.experiment_id = e.id AND r.optimum IS NOT NULL) DESC, e.id
           LIMIT 1`,
        )
        .get(configHash(config)) as { id: number } | undefined;
      return row?.id ?? null;
    });
  }

  /** The labels of an experiment's runs, in order: a race's optimizers (a sweep's derived labels read as null). */
  runLabels(experimentId: number): (string | null)[] {
    return this.read(() => this.db.prepare('SELECT label FROM runs WHERE experiment_id = ? ORDER BY idx').pluck().all(experimentId) as (string | null)[]);
  }

  /** The indices of an experiment's stored runs, in order: what a resumed sweep has left, without reading the runs. */
  runIndices(experimentId: number): number[] {
    return this.read(() => this.db.prepare('SELECT idx FROM runs WHERE experiment_id = ? ORDER BY idx').pluck().all(experimentId) as number[]);
  }

  /** Every run's index, label, status and final loss, in order, without its arrays. */
  runListing(experimentId: number): RunListing[] {
    return this.read(() => this.listed(experimentId, this.db.prepare(`${LISTING_SQL} ORDER BY idx`).all(experimentId) as ListingRow[]));
  }

  /**
   * `limit` runs of the experiment from the `offset`-th, as listed (index order), and how many there
   * are; with `cell`, of that sweep cell only, read by the run indices its cell row keeps. What is read
   * grows with the page, not with the experiment.
   */
  runPage(experimentId: number, page: { offset: number; limit: number; cell?: number }): RunPage {
    return this.read(() => {
      const summary = summaryOf(this.row(experimentId));
      const { offset, limit, cell } = page;
      if (cell === undefined) {
        const rows = this.db.prepare(`${LISTING_SQL} ORDER BY idx LIMIT ? OFFSET ?`).all(experimentId, limit, offset) as ListingRow[];
        return { total: summary.runs, offset, runs: this.listed(experimentId, rows) };
      }
      const sweep = this.sweepShape(experimentId);
      if (cell >= sweep.cells) throw new InputError(`cell: must be below ${sweep.cells}, the cells of sweep ${experimentId} (got ${cell})`);
      const indices = readCellRow(this.db, experimentId, cell, sweep.seeds)?.runIndices ?? [];
      const wanted = indices.slice(offset, offset + limit);
      const read = this.db.prepare(`${LISTING_SQL} AND idx = ?`);
      const rows = wanted.flatMap((idx) => (read.get(experimentId, idx) as ListingRow | undefined) ?? []);
      return { total: indices.length, offset, runs: this.listed(experimentId, rows) };
    });
  }

  /**
   * `limit` cells of a sweep from cell `offset`: each one's label (its swept values, rounded as every
   * sweep label is), stored runs, best final loss and first stored run, read from its one cell row.
   */
  cellPage(experimentId: number, page: { offset: number; limit: number }): CellPage {
    return this.read(() => {
      this.row(experimentId);
      const sweep = this.sweepShape(experimentId);
      const frame = frameOf(this.specText(experimentId));
      const to = Math.min(sweep.cells, page.offset + page.limit);
      const stored = new Map<number, { runs: number; best_loss: number | null; run_indices: Buffer | null }>();
      const rows = this.db.prepare('SELECT cell, runs, best_loss, run_indices FROM sweep_cells WHERE experiment_id = ? AND cell >= ? AND cell < ?').all(experimentId, page.offset, to) as { cell: number; runs: number; best_loss: number | null; run_indices: Buffer | null }[];
      for (const row of rows) stored.set(row.cell, row);
      const cells: CellListing[] = [];
      for (let index = page.offset; index < to; index++) {
        const row = stored.get(index);
        const values = frame && index < frame.cells.length ? frame.cells.valuesAt(index) : undefined;
        cells.push({
          index,
          label: values ? sweepCellLabel(values) : `cell ${index}`,
          runs: row?.runs ?? 0,
          bestLoss: row?.best_loss ?? null,
          // A full cell keeps no indices: its runs are cell·seeds + 0 … seeds − 1 (cellStats.ts).
          firstRun: !row || row.runs === 0 ? null : row.run_indices === null ? index * sweep.seeds : adoptBlob('u32', row.run_indices)[0],
        });
      }
      return { total: sweep.cells, seeds: sweep.seeds, offset: page.offset, cells };
    });
  }

  /** A sweep's cells and seeds; refuses another experiment. */
  private sweepShape(experimentId: number): { cells: number; seeds: number } {
    const row = this.db.prepare('SELECT cells, seeds FROM sweeps WHERE experiment_id = ?').get(experimentId) as { cells: number; seeds: number } | undefined;
    if (!row) throw new InputError(`cell: experiment ${experimentId} is not a sweep; only a sweep has cells`);
    return row;
  }

  /** Listing rows as runs are listed: a sweep run's label, when not stored, derived from its cell and seed. */
  private listed(experimentId: number, rows: readonly ListingRow[]): RunListing[] {
    const frame = rows.some((r) => r.label === null) ? frameOf(this.specText(experimentId)) : null;
    return rows.map((r) => ({ index: r.idx, label: r.label ?? derivedLabel(frame, r.cell, r.seed_index) ?? '', status: r.status, finalLoss: r.final_loss }));
  }

  /**
   * What a sweep's statistics read of each run: its cell, status, final loss and the step it reached
   * the sweep's threshold at, without the rest; the loss curve only of runs stored without that step.
   */
  runOutcomes(experimentId: number): (RunOutcomeSummary & { cell: number | null })[] {
    return this.read(() => {
      const rows = this.db
        .prepare(
          `SELECT idx, cell, seed_index, status, final_loss, reached_step, CASE WHEN reached_step IS NULL THEN config END AS config,
             CASE WHEN reached_step IS NULL THEN loss_steps END AS loss_steps, CASE WHEN reached_step IS NULL THEN loss_values END AS loss_values
           FROM runs WHERE experiment_id = ? ORDER BY idx`,
        )
        .all(experimentId) as Record<string, unknown>[];
      // Loss steps that are not stored follow from the run's config, stored or derived from its sweep.
      const frame = () => frameOf(this.specText(experimentId));
      const configOf = (row: Record<string, unknown>) => (row.config === null ? derived(frame(), row.cell as number | null, row.seed_index as number | null)!.config : parseConfig(JSON.parse(row.config as string)));
      return rows.map((row) => {
        const reached = row.reached_step as number | null;
        const values = reached === null ? adoptBlob('f64', row.loss_values as Buffer) : null;
        const steps = values === null ? null : row.loss_steps === null ? recordedStepsOf(configOf(row)).slice(0, values.length) : adoptBlob('u32', row.loss_steps as Buffer);
        return {
          index: row.idx as number,
          cell: row.cell as number | null,
          status: row.status as RunStatus,
          finalLoss: row.final_loss as number | null,
          ...(values !== null && steps !== null ? { loss: { steps, values } } : { reachedStep: reached! < 0 ? null : reached }),
        };
      });
    });
  }

  private specText(id: number): string | null {
    const row = this.db.prepare('SELECT spec FROM sweeps WHERE experiment_id = ?').get(id) as { spec: string } | undefined;
    return row?.spec ?? null;
  }

  /**
   * The cells and seeds a sweep's runs are derived from, expanded once per spec for the process (the
   * labels, the cell picker and the statistics share it); null for other experiments or a spec that
   * does not expand.
   */
  sweepFrame(id: number): SweepFrame | null {
    return this.read(() => frameOf(this.specText(id)));
  }

  /** A sweep's stored spec (null for other experiments), without loading its runs. */
  sweepSpec(id: number): unknown {
    return this.read(() => {
      const row = this.db.prepare('SELECT spec FROM sweeps WHERE experiment_id = ?').get(id) as { spec: string } | undefined;
      return row ? JSON.parse(row.spec) : null;
    });
  }

  /** The experiments whose config hashes as this one's (single runs and races; sweeps have none), oldest first. */
  withConfig(config: unknown): ExperimentSummary[] {
    return this.read(() => (this.db.prepare(`${SUMMARY_SQL} WHERE e.config_hash = ? ORDER BY e.id`).all(configHash(config)) as ExperimentRow[]).map(summaryOf));
  }

  /** The sweeps (shards aside) of this spec, whatever each was named, oldest first. */
  sweepsOf(spec: unknown): number[] {
    const unnamed = (s: unknown) => sweepSpecHash({ ...(s as object), name: undefined });
    const wanted = unnamed(spec);
    return this.read(() =>
      (this.db.prepare('SELECT experiment_id, spec FROM sweeps WHERE shard_index IS NULL ORDER BY experiment_id').all() as { experiment_id: number; spec: string }[])
        .filter((r) => unnamed(JSON.parse(r.spec)) === wanted)
        .map((r) => r.experiment_id),
    );
  }

  /** The experiment's runs, in order; with `index`, only that run (so a sweep is not loaded whole). */
  runs(experimentId: number, index?: number): StoredRun[] {
    const select = 'SELECT r.*, d.x AS data_x, d.y AS data_y FROM runs r JOIN datasets d ON d.id = r.dataset_id WHERE r.experiment_id = ?';
    const rows = (index === undefined ? this.db.prepare(`${select} ORDER BY r.idx`).all(experimentId) : this.db.prepare(`${select} AND r.idx = ?`).all(experimentId, index)) as Record<string, unknown>[];
    const frame = rows.some((r) => r.config === null || r.label === null || r.hyper === null) ? frameOf(this.specText(experimentId)) : null;
    return rows.map((row) => decodeRun(row, frame, { x: row.data_x as Buffer, y: row.data_y as Buffer }));
  }

  rename(id: number, name: string): void {
    const trimmed = name.trim();
    if (!trimmed) throw new InputError('name: must not be empty');
    if (trimmed.length > 200) throw new InputError(`name: must be at most 200 characters (got ${trimmed.length})`);
    this.write(() => {
      this.row(id);
      this.db.prepare('UPDATE experiments SET name = ?, updated_at = ? WHERE id = ?').run(trimmed, now(), id);
    });
  }

  setNotes(id: number, notes: string, tags?: string[]): void {
    this.write(() => {
      this.row(id);
      this.db.prepare('UPDATE experiments SET notes = ?, tags = coalesce(?, tags), updated_at = ? WHERE id = ?').run(notes, tags ? JSON.stringify(tags) : null, now(), id);
    });
  }

  delete(id: number): void {
    this.write(() => {
      this.row(id);
      this.db.prepare('DELETE FROM experiments WHERE id = ?').run(id);
      // Datasets no run uses any more go with the last run that did.
      this.db.prepare('DELETE FROM datasets WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.dataset_id = datasets.id)').run();
    });
  }

  addSurface(experimentId: number, runIndex: number, s: LandscapeResult): number {
    return this.write(() => {
      this.row(experimentId);
      return this.insertSurfaceRow(experimentId, { ...s, runIndex });
    });
  }

  /** The experiment's surfaces; with `id`, only that one (an export reads them one at a time). */
  surfaces(experimentId: number, id?: number): StoredSurface[] {
    const rows = (id === undefined ? this.db.prepare('SELECT * FROM surfaces WHERE experiment_id = ? ORDER BY id').all(experimentId) : this.db.prepare('SELECT * FROM surfaces WHERE experiment_id = ? AND id = ?').all(experimentId, id)) as Record<string, unknown>[];
    return rows.map((row) => {
      const res = row.res as number;
      const span = row.span as number;
      const grid = linspace(-span, span, res);
      const b = (k: string) => row[k] as Buffer;
      return {
        id: row.id as number,
        runIndex: row.run_idx as number,
        createdAt: row.created_at as string,
        center: row.center as StoredSurface['center'],
        axes: JSON.parse(row.axes as string) as StoredSurface['axes'],
        axisLabels: JSON.parse(row.axis_labels as string) as [string, string],
        span,
        kernel: row.kernel as StoredSurface['kernel'],
        backend: row.backend as string,
        optimumKind: row.optimum_kind as StoredSurface['optimumKind'],
        centerParams: adoptBlob('f32', b('center_params')),
        d1: adoptBlob('f64', b('d1')),
        d2: adoptBlob('f64', b('d2')),
        alphas: grid,
        betas: Float64Array.from(grid),
        loss: adoptBlob('f64', b('loss')),
        trajectory: { alpha: adoptBlob('f64', b('traj_alpha')), beta: adoptBlob('f64', b('traj_beta')), loss: adoptBlob('f64', b('traj_loss')) },
        markers: JSON.parse(row.markers as string) as StoredSurface['markers'],
        ...(row.explained ? { explained: JSON.parse(row.explained as string) as [number, number] } : {}),
      };
    });
  }

  /** Keeps a run's optimum found after training (the best of restarts), so it is searched for once. */
  setRunOptimum(experimentId: number, runIndex: number, params: Float32Array, info: NonNullable<RunResult['optimum']>): void {
    this.write(() => {
      this.row(experimentId);
      this.db
        .prepare('UPDATE runs SET optimum = ?, optimum_info = ? WHERE experiment_id = ? AND idx = ? AND optimum IS NULL')
        .run(toBlob(params), JSON.stringify(info), experimentId, runIndex);
    });
  }

  addInterpolation(experimentId: number, runIndex: number, i: InterpolationResult): number {
    return this.write(() => {
      this.row(experimentId);
      return this.insertInterpolationRow(experimentId, { ...i, runIndex });
    });
  }

  /** The experiment's interpolations; with `id`, only that one. */
  interpolations(experimentId: number, id?: number): StoredInterpolation[] {
    const rows = (id === undefined ? this.db.prepare('SELECT * FROM interpolations WHERE experiment_id = ? ORDER BY id').all(experimentId) : this.db.prepare('SELECT * FROM interpolations WHERE experiment_id = ? AND id = ?').all(experimentId, id)) as Record<string, unknown>[];
    return rows.map((row) => ({
      id: row.id as number,
      runIndex: row.run_idx as number,
      createdAt: row.created_at as string,
      from: row.from_point as StoredInterpolation['from'],
      to: row.to_point as StoredInterpolation['to'],
      optimumKind: row.optimum_kind as StoredInterpolation['optimumKind'],
      t: adoptBlob('f64', row.t as Buffer),
      loss: adoptBlob('f64', row.loss as Buffer),
    }));
  }

  /** Imports whole experiments (already validated) in one transaction; returns the new ids. */
  importExperiments(items: ImportItem[]): { id: number; renamed: boolean }[] {
    return this.importRecords((sink) =>
      items.map((item) => {
        const made = sink.experiment(item);
        item.runs.forEach((run, k) => sink.run(made.id, { ...run, index: run.index ?? k }));
        item.surfaces.forEach((s) => sink.surface(made.id, s));
        item.interpolations.forEach((i) => sink.interpolation(made.id, i));
        return made;
      }),
    );
  }

  // Export and import record by record (main/store/exchangeLines.ts): an export of any size is read
  // one run, surface or interpolation at a time, and written one at a time in one transaction.

  /** What an export writes of an experiment before its records, and which records it has. */
  exchangeHead(id: number): { experiment: Omit<StoredExperiment, 'runList' | 'runListing' | 'surfaces' | 'interpolations' | 'sweep'> & { sweep: ImportItem['sweep'] }; runs: number[]; surfaces: number[]; interpolations: number[] } {
    return this.read(() => {
      const r = this.row(id);
      const row = this.db.prepare('SELECT spec, cells, seeds, shard_index, shard_count, run_from, run_to, engine_check FROM sweeps WHERE experiment_id = ?').get(id) as (SweepRow & { spec: string }) | undefined;
      const record = row && recordOf({ ...row, experiment_id: id, spec_hash: null });
      // A merged sweep's provenance travels with it; a shard's own record stays in its database.
      const merged = record?.mergedShards && record.engineCheck ? { merged: { shards: record.mergedShards, engineCheck: record.engineCheck } } : {};
      const sweep = row && { spec: JSON.parse(row.spec) as unknown, cells: row.cells, seeds: row.seeds, ...merged };
      const ids = (table: string) => (this.db.prepare(`SELECT id FROM ${table} WHERE experiment_id = ? ORDER BY id`).all(id) as { id: number }[]).map((x) => x.id);
      return {
        experiment: { ...summaryOf(r), config: parseConfig(JSON.parse(r.config)), sweep: sweep ?? null },
        // Indices alone: a listing would derive every run's label, a million of them for a large sweep.
        runs: this.runIndices(id),
        surfaces: ids('surfaces'),
        interpolations: ids('interpolations'),
      };
    });
  }

  /**
   * Imports with `feed`, which hands the sink one experiment, run, surface or interpolation at a time
   * (already validated); all in one transaction, rolled back whole when `feed` throws.
   */
  importRecords<T>(feed: (sink: ImportSink) => T): T {
    return this.write(() => {
      // Runs are stored as they come; a sweep's cell statistics are added by batches of its runs.
      const datasets = new DatasetIds(this.db);
      const imported = new Map<number, { context: RunContext; outcomes: RunOutcomeRow[] }>();
      const result = feed({
        experiment: (item) => {
          const taken = this.db.prepare('SELECT 1 FROM experiments WHERE uid = ?').get(item.uid) !== undefined;
          const uid = taken ? randomUUID() : item.uid;
          const meta = taken ? { ...item.meta, name: `${item.meta.name} (imported)` } : item.meta;
          // A running experiment from another machine cannot be resumed here.
          const status = item.status === 'running' ? 'interrupted' : item.status;
          const id = this.insertExperiment(meta, status, null, { hashed: !item.sweep, uid, times: { created: item.createdAt, updated: item.updatedAt } });
          if (item.sweep) {
            const { spec, cells, seeds, merged } = item.sweep;
            this.db.prepare('INSERT INTO sweeps (experiment_id, spec, cells, seeds, spec_hash, shard_count, engine_check) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, JSON.stringify(spec), cells, seeds, sweepSpecHash(spec), merged?.shards ?? null, merged?.engineCheck ?? null);
          }
          imported.set(id, { context: this.runContext(id, datasets), outcomes: [] });
          return { id, renamed: taken };
        },
        run: (experimentId, run) => {
          const to = imported.get(experimentId);
          if (!to) throw new Error(`import: run of experiment ${experimentId} before the experiment`);
          this.insertRuns(experimentId, [run], to.context, to.outcomes);
          // Added to the cells a batch at a time, as training adds them: a sweep of 10⁶ runs would
          // otherwise hold every run's outcome until the end.
          if (to.context.sweep !== null && to.outcomes.length >= IMPORT_CELL_BATCH) {
            addToCells(this.db, experimentId, to.context.sweep.seeds, to.context.sweep.threshold, to.outcomes);
            to.outcomes.length = 0;
          }
        },
        surface: (experimentId, s) => void this.insertSurfaceRow(experimentId, s),
        interpolation: (experimentId, i) => void this.insertInterpolationRow(experimentId, i),
      });
      for (const [id, { context, outcomes }] of imported) {
        if (context.sweep !== null) addToCells(this.db, id, context.sweep.seeds, context.sweep.threshold, outcomes);
      }
      return result;
    });
  }

  private insertInterpolationRow(experimentId: number, i: InterpolationResult & { runIndex: number; createdAt?: string }): number {
    const info = this.db
      .prepare('INSERT INTO interpolations (experiment_id, run_idx, created_at, from_point, to_point, optimum_kind, t, loss) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(experimentId, i.runIndex, i.createdAt ?? now(), i.from, i.to, i.optimumKind, toBlob(i.t), toBlob(i.loss));
    return Number(info.lastInsertRowid);
  }

  private insertSurfaceRow(experimentId: number, s: LandscapeResult & { runIndex: number; createdAt?: string }): number {
    const info = this.db
      .prepare(
        `INSERT INTO surfaces (experiment_id, run_idx, created_at, center, axes, axis_labels, res, span, kernel, backend, optimum_kind,
           center_params, d1, d2, loss, traj_alpha, traj_beta, traj_loss, markers, explained)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        experimentId, s.runIndex, s.createdAt ?? now(), s.center, JSON.stringify(s.axes), JSON.stringify(s.axisLabels), s.alphas.length, s.span,
        s.kernel, s.backend, s.optimumKind, toBlob(s.centerParams), toBlob(s.d1), toBlob(s.d2), toBlob(s.loss),
        toBlob(s.trajectory.alpha), toBlob(s.trajectory.beta), toBlob(s.trajectory.loss), JSON.stringify(s.markers),
        s.explained ? JSON.stringify(s.explained) : null,
      );
    return Number(info.lastInsertRowid);
  }
}
