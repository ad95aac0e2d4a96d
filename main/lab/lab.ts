// The lab: the one façade every door goes through (the CLI, the Electron IPC handler, the browser
// bridge). Built from a database and a worker pool, it has every operation the product offers; each
// prepares its input once, decides where the work runs, and stores what it made. Doors parse, call one
// method and print or send the result.
import { availableParallelism } from 'node:os';
import type { BoundaryView, CellPage, ExperimentView, FitView, Imported, JobInfo, LabInfo, Request, RunListing, RunPage } from '../../shared/api.js';
import type { ClusterImport, SweepShardsView } from '../../shared/cluster.js';
import { parseConfig, type ExperimentConfig, type OptimizerKind } from '../../shared/config.js';
import { InputError } from '../../shared/errors.js';
import type { MarkerName } from '../../shared/markers.js';
import { sweepCells } from '../../shared/sweep.js';
import { STATS_PAGE } from '../../shared/sweepStats.js';
import { selectKernel } from '../engine/kernelChoice.js';
import { deviceReport, type DeviceReport } from '../engine/devices.js';
import { prepareConfig, type PreparedSplit } from '../engine/prepared.js';
import type { InterpolationResult, LandscapeRequest, LandscapeResult, OptimumResult, RunResult } from '../engine/results.js';
import { APP_VERSION } from '../platform/version.js';
import type { Pass } from '../store/exchangeLines.js';
import { exportInThread, importInThread, type ExchangeOptions } from '../store/exchangeThread.js';
import type { ExperimentStore, ExperimentSummary, StoredExperiment } from '../store/experiments.js';
import { openStore, SCHEMA_VERSION } from '../store/index.js';
import { WorkerPool } from '../workers/pool.js';
import { backprop, type BackpropRequest } from './basics/backprop.js';
import { costs, type CostsRequest } from './basics/costs.js';
import { neurons } from './basics/neurons.js';
import { regions, type RegionsRequest } from './basics/regions.js';
import { experimentBoundary } from './boundary.js';
import type { ClusterStatus } from './cluster/status.js';
import { mergeInThread, statusInThread, type ClusterThreadOptions } from './cluster/clusterThread.js';
import { sweepShards, trainShard, writeSweepFolder, type ClusterFolderRequest, type ShardOutcome, type WrittenClusterFolder } from './cluster/folders.js';
import { mergeFiles, type MergeReport } from './cluster/merge.js';
import { surfaceCurvature, type SurfaceCurvature } from './convexityMap.js';
import { csvConfig, parseCsvData, type CsvData } from './csvData.js';
import {
  experimentForConfig,
  experimentHessian,
  experimentInterpolation,
  experimentLandscape,
  paramsAt,
  preparedRun,
  reproduce,
  runOf,
  saveRun,
  type HessianResult,
  type Reproduction,
} from './experiments.js';
import { experimentFit, fitLine, type FitLine } from './fit.js';
import { checkHessianSize } from './hessian.js';
import { useDawnDevices } from './gpuHost.js';
import { JobQueue, type JobControl } from './jobs.js';
import { checkInterpolationRequest, checkLandscapeRequest, optimum, type InterpolationRequest } from './landscape.js';
import { checkExportFolder, exportLayersModel, layersModelFiles } from './modelExport.js';
import type { JobOptions } from './options.js';
import { race, RACE_OPTIMIZERS, RACE_TAG, raceSurface, saveRace, type RaceSurface, type RaceSurfaceRequest } from './race.js';
import { checkSweepYielding, resumeSweep, runSweep, type SweepOptions, type SweepOutcome } from './sweep.js';
import { cachedSweepStatistics, sweepStatistics, type CellSlice, type SweepStats } from './sweepStats.js';
import { train } from './training.js';

/** What a caller may say about one operation: the kernel, cancellation and progress. */
export type CallOptions = Omit<JobOptions, 'pool'>;

export interface LabOptions {
  /** The lab's database file; opened when an operation first needs it. */
  db: string;
  /** Open it for reading only (nothing is migrated or written), for commands that only read. */
  readonly?: boolean;
  /** Make an existing empty file a lab database. */
  init?: boolean;
  /** Refuse a missing database rather than create it (for changes to experiments already stored). */
  mustExist?: boolean;
  /** Worker threads; every core by default, 0 to compute everything in this thread. */
  workers?: number;
  /**
   * 'now' for an app, whose main thread must stay free from the first click; 'when-needed' for a
   * command, which starts them only for work that repays their start.
   */
  startWorkers?: 'now' | 'when-needed';
}

/** What an experiment's listing of runs says for the Run list of a sweep. */
export type { RunListing };

export class Lab {
  readonly database: string;
  readonly jobs = new JobQueue();
  private opened: ExperimentStore | null = null;
  private readonly storeOpener: () => ExperimentStore;
  private readonly pool: WorkerPool;

  constructor(parts: { database: string; store: ExperimentStore | (() => ExperimentStore); pool: WorkerPool }) {
    this.database = parts.database;
    const { store } = parts;
    this.storeOpener = typeof store === 'function' ? store : () => store;
    this.pool = parts.pool;
    useDawnDevices();
  }

  static open(options: LabOptions): Lab {
    const pool = new WorkerPool(options.workers ?? availableParallelism(), { start: options.startWorkers === 'now' ? 'now' : 'on-first-task' });
    return new Lab({ database: options.db, store: () => openStore(options.db, { readonly: options.readonly, init: options.init, mustExist: options.mustExist }), pool });
  }

  /** The database, opened on first use (a refusal names the file and what to do). */
  get store(): ExperimentStore {
    this.opened ??= this.storeOpener();
    return this.opened;
  }

  get workers(): number {
    return this.pool.size;
  }

  info(mode: LabInfo['mode']): LabInfo {
    return { version: APP_VERSION, database: this.database, workers: this.pool.size, mode };
  }

  async close(): Promise<void> {
    await this.pool.close();
    this.opened?.db.close();
  }

  private with(o: CallOptions = {}): JobOptions {
    return { ...o, pool: this.pool };
  }

  // Training

  /**
   * Validates a config and makes its data: the one object every operation on it takes. `overrides`
   * (checked by the caller) replace fields of the parsed config, as the command line's --steps does.
   */
  prepare(config: unknown, overrides: Partial<Pick<ExperimentConfig, 'steps' | 'kernel' | 'backend'>> = {}): PreparedSplit {
    const parsed = parseConfig(config);
    const defined = Object.entries(overrides).filter(([, v]) => v !== undefined);
    return prepareConfig(defined.length ? { ...parsed, ...Object.fromEntries(defined) } : parsed);
  }

  /** Trains a config (not stored). */
  train(p: PreparedSplit, o?: CallOptions): Promise<RunResult> {
    return train(p, this.with(o));
  }

  saveRun(result: RunResult, name?: string): number {
    return saveRun(this.store, result, name);
  }

  /** The global optimum of a config: exact where the closed form applies, else the best of restarts. */
  optimum(p: PreparedSplit, o: CallOptions & { restarts?: number; searchSteps?: number } = {}): Promise<OptimumResult> {
    return optimum(p, this.with(o));
  }

  /** One config trained by several optimizers from the same init and minibatch order (not stored). */
  race(config: ExperimentConfig, kinds: readonly OptimizerKind[] = RACE_OPTIMIZERS, o?: CallOptions): Promise<RunResult[]> {
    return race(config, kinds, this.with(o));
  }

  saveRace(config: ExperimentConfig, runs: RunResult[], name?: string): number {
    return saveRace(this.store, config, runs, name);
  }

  /** Re-runs every run of an experiment on the kernel it ran on; says whether every number matches. */
  reproduce(id: number, o?: CallOptions): Promise<Reproduction> {
    return reproduce(this.store, id, this.with(o));
  }

  // Views of stored experiments (each stored with its experiment)

  /** The experiment holding a config's run: the one stored for exactly this config, else trained now and stored. */
  experimentFor(p: PreparedSplit, o?: CallOptions): Promise<{ id: number; reused: boolean }> {
    return experimentForConfig(this.store, p, this.with(o));
  }

  /** Refuses a surface request before anything is trained for it. */
  checkLandscape(p: PreparedSplit, req: LandscapeRequest): void {
    checkLandscapeRequest(req, p);
  }

  checkInterpolation(req: InterpolationRequest): void {
    checkInterpolationRequest(req);
  }

  /** Refuses a network whose Hessian is too large, before anything is trained for it. */
  checkHessian(p: PreparedSplit): void {
    checkHessianSize(p.arch);
  }

  landscape(id: number, req: LandscapeRequest, o: CallOptions & { run?: number } = {}): Promise<LandscapeResult & { surfaceId: number }> {
    return experimentLandscape(this.store, id, req, { ...this.with(o), runIndex: o.run ?? 0 });
  }

  interpolate(id: number, req: InterpolationRequest, o: CallOptions & { run?: number } = {}): Promise<InterpolationResult> {
    return experimentInterpolation(this.store, id, req, { ...this.with(o), runIndex: o.run ?? 0 });
  }

  hessian(id: number, at: MarkerName, o: CallOptions & { run?: number } = {}): Promise<HessianResult> {
    return experimentHessian(this.store, id, at, { ...this.with(o), runIndex: o.run ?? 0 });
  }

  /** The convexity map of a surface of run `run` of experiment `id` (a stored one, or one just computed). */
  surfaceCurvature(id: number, surface: LandscapeResult, o: CallOptions & { run?: number } = {}): Promise<SurfaceCurvature> {
    const p = preparedRun(runOf(this.store, id, o.run ?? 0));
    return surfaceCurvature(p.arch, p.data, surface, this.with(o));
  }

  /** The convexity map of stored surface `surfaceId` of experiment `id`. */
  convexityMap(id: number, surfaceId: number): Promise<SurfaceCurvature> {
    const surface = this.store.surfaces(id).find((s) => s.id === surfaceId);
    if (!surface) throw new InputError(`surfaceId: experiment ${id} has no surface ${surfaceId}`);
    return this.surfaceCurvature(id, surface, { run: surface.runIndex });
  }

  /** A one-input run's final network at `width` inputs over its data's range (what a terminal draws). */
  fitLine(run: RunResult, width = 64): FitLine {
    return fitLine(run, width);
  }

  fit(id: number, req: { run: number; at: MarkerName; points: number }): Promise<FitView> {
    return experimentFit(this.store, id, req, this.with());
  }

  boundary(id: number, req: { run: number; at: MarkerName; res: number }): Promise<BoundaryView> {
    return experimentBoundary(this.store, id, req, this.with());
  }

  /** Every trajectory of a stored race on one cost surface. */
  raceSurface(id: number, req: RaceSurfaceRequest): Promise<RaceSurface> {
    if (!this.store.summary(id).tags.includes(RACE_TAG)) throw new InputError(`id: experiment ${id} is not a race`);
    return raceSurface(this.store.runs(id), req, this.with());
  }

  /** The network of a stored run at one of its points, as the two files of a TensorFlow.js LayersModel. */
  async modelFiles(id: number, run: number, at: MarkerName, o?: CallOptions): Promise<ReturnType<typeof layersModelFiles>> {
    const r = runOf(this.store, id, run);
    return layersModelFiles(r.config, await paramsAt(r, at, { store: this.store, id }, this.with(o)));
  }

  /** modelFiles written into the folder `dir` (never over a file); returns the two paths. */
  async exportModel(id: number, run: number, at: MarkerName, dir: string, o?: CallOptions): Promise<{ model: string; weights: string }> {
    const r = runOf(this.store, id, run);
    return exportLayersModel(r.config, await paramsAt(r, at, undefined, this.with(o)), dir);
  }

  // Sweeps

  sweep(spec: unknown, o: CallOptions & Omit<SweepOptions, 'pool'> & { checked?: Awaited<ReturnType<typeof checkSweepYielding>> } = {}): Promise<SweepOutcome> {
    return runSweep(this.store, spec, this.with(o));
  }

  /** Continues a cancelled or interrupted sweep: trains only the runs it has not stored. */
  resumeSweep(id: number, o: CallOptions & Omit<SweepOptions, 'pool'> = {}): Promise<SweepOutcome> {
    return resumeSweep(this.store, id, this.with(o));
  }

  /** The last unfinished sweep of exactly this spec, or null. */
  unfinishedSweep(spec: unknown): number | null {
    // The stored spec is the parsed one (defaults filled): compare like with like.
    const wanted = JSON.stringify(sweepCells(spec).spec);
    const store = this.store;
    return store.list().filter((e) => e.isSweep && e.status !== 'done' && JSON.stringify(store.sweepSpec(e.id)) === wanted).pop()?.id ?? null;
  }

  /** Per-cell statistics of a page of a stored sweep's cells (kept until the sweep changes). */
  sweepStatistics(id: number, slice: CellSlice = { offset: 0, limit: STATS_PAGE }): SweepStats {
    return cachedSweepStatistics(this.store, id, slice);
  }

  /** Per-cell statistics of every cell of a stored sweep: an answer as big as the sweep, for a file (the CLI's --json). */
  allSweepStatistics(id: number): SweepStats {
    return sweepStatistics(this.store, id);
  }

  /** Writes the cluster folder of a sweep whose merge goes into this lab's database. */
  writeSweepFolder(spec: unknown, dir: string, request: ClusterFolderRequest): WrittenClusterFolder {
    return writeSweepFolder(spec, dir, this.database, request);
  }

  /** Trains one shard of a sweep into this lab's database (a shard's own). */
  trainShard(spec: unknown, shard: { index: number; count: number }, o: CallOptions & Omit<SweepOptions, 'pool'> & { resume?: boolean } = {}): Promise<ShardOutcome> {
    return trainShard(this.store, spec, shard, this.with(o));
  }

  // A cluster folder's progress and its merge run in a thread of their own (cluster/clusterThread.ts),
  // as imports and exports do: however large its shard databases, main's thread only waits.

  /** A cluster folder's progress: each shard's runs and exit, and the merge's. */
  clusterStatus(dir: string): Promise<ClusterStatus> {
    return statusInThread(dir);
  }

  /**
   * Merges the shard databases of a cluster folder into this lab's database, all or nothing: a cancel
   * or a refused shard leaves the database as it was.
   */
  importCluster(dir: string, o: ClusterThreadOptions = {}): Promise<ClusterImport> {
    return mergeInThread(dir, this.store.file, o);
  }

  /** Merges shard database files into this lab's database. */
  merge(files: readonly string[]): MergeReport {
    return mergeFiles(() => this.store, files, this.database);
  }

  sweepShards(id: number): SweepShardsView {
    return sweepShards(this.store, id);
  }

  // The library

  list(): ExperimentSummary[] {
    return this.store.list();
  }

  /**
   * The stored experiments that trained what this run, race or sweep would, oldest first. A race is
   * its base config and its optimizers in order (the five of RACE_OPTIMIZERS unless named).
   */
  sameExperiments(kind: 'run' | 'race' | 'sweep', input: unknown, optimizers: readonly OptimizerKind[] = RACE_OPTIMIZERS): number[] {
    if (kind === 'sweep') return this.store.sweepsOf(sweepCells(input).spec);
    const race = kind === 'race';
    return this.store
      .withConfig(parseConfig(input))
      .filter((e) => e.tags.includes(RACE_TAG) === race && (!race || this.store.runLabels(e.id).join(',') === optimizers.join(',')))
      .map((e) => e.id);
  }

  /** An experiment whole; a sweep sends run `sweepRun` whole and lists the others. */
  get(id: number, o: { sweepRun?: number } = {}): StoredExperiment {
    return this.store.get(id, o);
  }

  /** A page of the experiment's runs as listed; with `cell`, of that sweep cell. */
  runPage(id: number, page: { offset: number; limit: number; cell?: number }): RunPage {
    return this.store.runPage(id, page);
  }

  /** A page of a sweep's cells, labelled, for picking one of its runs. */
  cellPage(id: number, page: { offset: number; limit: number }): CellPage {
    return this.store.cellPage(id, page);
  }

  summary(id: number): ExperimentSummary {
    return this.store.summary(id);
  }

  rename(id: number, name: string): void {
    this.store.rename(id, name);
  }

  setNotes(id: number, notes: string, tags?: string[]): void {
    this.store.setNotes(id, notes, tags);
  }

  delete(id: number): void {
    this.store.delete(id);
  }

  // Imports and exports run in a thread of their own (store/exchangeThread.ts), on a connection of its
  // own: main's thread only starts them and relays their progress, however large the file.

  /** Writes the export of experiments to a file (format version 2, streamed: see store/exchangeLines.ts). */
  async exportFile(ids: number[], path: string, o: ExchangeOptions = {}): Promise<void> {
    await exportInThread(this.store.file, ids, path, o);
  }

  /**
   * Checks the whole file before the database is opened: a refused file makes no database. Then
   * writes it, all or nothing: a cancel or a problem leaves the database as it was.
   */
  importFile(file: string, o: ExchangeOptions = {}): Promise<Imported> {
    return importInThread(file, () => this.store.file, o);
  }

  /**
   * Before training what will be saved: the kernel asked for loads (a missing GPU is refused now, and
   * leaves no database behind), then the database opens (another program's, a read-only or a damaged
   * one is refused now), so that neither is found out after the training.
   */
  async readyToSave(config: ExperimentConfig, o: CallOptions = {}): Promise<void> {
    const kernel = o.kernel ?? config.kernel;
    if (kernel === 'gpu' || kernel === 'tfjs') await selectKernel(kernel, o.backend ?? config.backend);
    void this.store;
  }

  /** Opens the database for writing, which brings an older schema to this version's. */
  upgrade(): number {
    void this.store;
    return SCHEMA_VERSION;
  }

  // This machine

  /** What can compute here: cores, the simd kernel, the tfjs backends that load, the WebGPU adapters. */
  devices(o: { tfjs?: boolean } = {}): Promise<DeviceReport> {
    return deviceReport(o);
  }

  // Data and the tutorial's basics

  /** A config that trains on a CSV's points (or classifies its labelled 2-D points). */
  csvConfig(text: string, source: string): ExperimentConfig {
    return csvConfig(text, source);
  }

  csvData(text: string, source: string): CsvData {
    return parseCsvData(text, source);
  }

  /** The data a config makes, with its test split marked. */
  dataPreview(config: unknown): { x: Float32Array; y: Float32Array; dIn: number; test: Uint8Array } {
    const { split } = this.prepare(config);
    return { x: split.all.x, y: split.all.y, dIn: split.all.dIn, test: split.isTest };
  }

  neurons = neurons;
  costs = (req: CostsRequest) => costs(req);
  backprop = (req: BackpropRequest) => backprop(req);
  regions = (req: RegionsRequest) => regions(req);

  // Jobs: the same operations started by a page, listed to every page, with progress and cancel

  listJobs(): JobInfo[] {
    return this.jobs.list();
  }

  cancelJob(id: string): void {
    this.jobs.cancel(id);
  }

  private static progressOf(job: JobControl) {
    return (p: { phase: string; step: number; steps: number; bestLoss: number | null }) => job.progress(p.phase, p.step, p.steps, p.bestLoss);
  }

  /** A pass's progress as a job's: MiB of the file read, or records exported. */
  private static transferProgress(job: JobControl) {
    return (pass: Pass, done: number, total: number) => (pass === 'exporting' ? job.progress(pass, done, total, null) : job.progress(pass, Math.floor(done / 2 ** 20), Math.ceil(total / 2 ** 20), null));
  }

  /** An import as a job (listed, with progress and cancel); `result` is what it imported. */
  startImport(file: string): { info: JobInfo; result: Promise<Imported> } {
    return this.jobs.run('import', (job) => this.importFile(file, { signal: job.signal, onProgress: Lab.transferProgress(job) }));
  }

  /** An export as a job (listed, with progress and cancel); `result` settles when the file is written. */
  startExport(ids: number[], path: string): { info: JobInfo; result: Promise<void> } {
    return this.jobs.run('export', (job) => this.exportFile(ids, path, { signal: job.signal, onProgress: Lab.transferProgress(job) }));
  }

  /** A cluster folder's merge as a job (listed, with progress in shards checked, then runs merged, and cancel). */
  startClusterImport(dir: string): { info: JobInfo; result: Promise<ClusterImport> } {
    return this.jobs.run('merge', (job) => this.importCluster(dir, { signal: job.signal, onProgress: (pass, done, total) => job.progress(pass, done, total, null) }));
  }

  startRun(r: Request<'jobs.run'>): JobInfo {
    const p = this.prepare(r.config);
    return this.jobs.start('run', async (job) => {
      const result = await this.train(p, { signal: job.signal, onProgress: Lab.progressOf(job) });
      job.setExperiment(this.saveRun(result, r.name));
    });
  }

  startLandscape(r: Required<Request<'jobs.landscape'>>): JobInfo {
    const req = { center: r.center, axes: r.axes, res: r.res, span: r.span };
    checkLandscapeRequest(req, preparedRun(runOf(this.store, r.experimentId, r.run)));
    // The run is read when the job starts: an earlier job may have stored its optimum since.
    const kernel = r.kernel ? { kernel: r.kernel } : {};
    return this.jobs.start('landscape', (job) => this.landscape(r.experimentId, req, { run: r.run, ...kernel, signal: job.signal, onProgress: Lab.progressOf(job) }).then(() => undefined), r.experimentId);
  }

  startInterpolation(r: Required<Request<'jobs.interpolate'>>): JobInfo {
    const req = { from: r.from, to: r.to, points: r.points };
    checkInterpolationRequest(req);
    runOf(this.store, r.experimentId, r.run);
    const kernel = r.kernel ? { kernel: r.kernel } : {};
    return this.jobs.start('interpolate', (job) => this.interpolate(r.experimentId, req, { run: r.run, ...kernel, signal: job.signal, onProgress: Lab.progressOf(job) }).then(() => undefined), r.experimentId);
  }

  private sweepJobOptions(job: JobControl) {
    return { signal: job.signal, onSweepProgress: (p: { runsDone: number; runsTotal: number }) => job.progress('sweep', p.runsDone, p.runsTotal, null) };
  }

  /** Refused before it starts when a cell is (checked while main's thread keeps answering others). */
  async startSweep(spec: unknown): Promise<JobInfo> {
    const checked = await checkSweepYielding(spec);
    // The sweep is named to its job as soon as it is stored, so every page lists it while it trains.
    return this.jobs.start('sweep', (job) => this.sweep(spec, { ...this.sweepJobOptions(job), checked, onBegin: (id) => job.setExperiment(id) }).then(() => undefined));
  }

  startResumeSweep(id: number): JobInfo {
    const e = this.store.summary(id);
    if (!e.isSweep) throw new InputError(`id: experiment ${id} is not a sweep; only sweeps can be resumed`);
    if (e.status === 'running' || this.jobs.has('sweep', id)) throw new InputError(`id: sweep ${id} is still running; cancel it or wait for it to finish`);
    if (e.status === 'done') throw new InputError(`id: sweep ${id} is complete; there is nothing to resume`);
    return this.jobs.start('sweep', (job) => this.resumeSweep(id, this.sweepJobOptions(job)).then(() => undefined), id);
  }

  startReproduce(id: number): JobInfo {
    this.store.summary(id);
    return this.jobs.start(
      'reproduce',
      async (job) => {
        const r = await this.reproduce(id, { signal: job.signal, onProgress: Lab.progressOf(job) });
        job.setMatches(r.matches);
      },
      id,
    );
  }

  /** Refuses a folder that is a file or already holds a model, before anything is read. */
  checkModelFolder(dir: string): void {
    checkExportFolder(dir);
  }
}

// What the doors name of the lab's results and requests, and the parsers of the lab's own notations.
export type {
  ClusterStatus,
  DeviceReport,
  ExperimentSummary,
  ExperimentView,
  FitLine,
  HessianResult,
  InterpolationRequest,
  InterpolationResult,
  LandscapeRequest,
  LandscapeResult,
  MergeReport,
  OptimumResult,
  PreparedSplit,
  RaceSurface,
  Reproduction,
  RunResult,
  ShardOutcome,
  StoredExperiment,
  SurfaceCurvature,
  SweepOutcome,
  SweepStats,
  WrittenClusterFolder,
};
export { parseShardOption } from './cluster/shards.js';
export { checkSweep } from './sweep.js';
export { parseOptimizerList, RACE_OPTIMIZERS } from './race.js';
export { SEARCH_BUDGET } from '../engine/optimum.js';
