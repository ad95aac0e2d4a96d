// The `landscape-lab` command: headless, a thin door into the lab façade. Bad input exits with code 2
// and one line on stderr naming the field and what is allowed; never a stack trace.
import { accessSync, constants, existsSync, rmSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { expandSweep, MAX_SWEEP_RUNS } from '../../shared/sweep.js';
import { BACKENDS, InputError, KERNELS, LIMITS, MAX_INPUT_FILE_BYTES, parseConfig, type BackendChoice, type ExperimentConfig, type KernelChoice } from '../../shared/config.js';
import { PRESETS, presetByName, presetConfig, presetDescription, presetRace, presetSweep, type Preset } from '../../shared/presets.js';
import { experimentText, helpText, interpolationText, landscapeText, listText, optimumText, presetsText, progressLine, reproductionText, runText, sweepStatsText, sweepText } from './text.js';
import { makeDataset } from '../engine/data.js';
import { workPerStep } from '../engine/kernels.js';
import { architectureOf } from '../engine/model.js';
import { exactOptimumBlocker } from '../engine/optimum.js';
import { MARKERS, type MarkerName } from '../../shared/markers.js';
import { curvatureText, hessianText, raceText } from './curvatureText.js';
import { readInputFile } from '../platform/files.js';
import { WorkerPool } from '../workers/pool.js';
import { csvConfig } from '../lab/csvData.js';
import { checkHessianConfig, experimentHessian, hessianToJson } from '../lab/curvature.js';
import { curvatureToJson, CURVATURE_MAX_RES, surfaceCurvature } from '../lab/hessian.js';
import { parseOptimizerList, race, RACE_OPTIMIZERS, raceToJson, saveRace } from '../lab/race.js';
import { experimentForConfig, experimentInterpolation, experimentLandscape, reproduce, paramsAt, runOf, saveRun } from '../lab/experiments.js';
import { experimentToJson, interpolationToJson, landscapeToJson, optimumToJson, runToJson, stringify } from '../lab/json.js';
import { checkLandscapeRequest, optimum, run, type JobOptions, type LandscapeRequest } from '../lab/lab.js';
import { checkExportFolder, exportLayersModel } from '../lab/modelExport.js';
import { clusterSweep, isClusterSweep, mergeCommand } from './cluster.js';
import { resumeSweep, runSweep } from '../lab/sweep.js';
import { sweepStatistics } from '../lab/sweepStats.js';
import { exportExperiments, importFile } from '../store/exchange.js';
import { defaultDatabasePath, openStore, SCHEMA_VERSION, type ExperimentStore } from '../store/index.js';
import { APP_VERSION } from '../platform/version.js';

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  kernel: { type: 'string' },
  backend: { type: 'string' },
  name: { type: 'string' },
  'no-save': { type: 'boolean' },
  preset: { type: 'string' },
  steps: { type: 'string' },
  experiment: { type: 'string' },
  center: { type: 'string' },
  axes: { type: 'string' },
  res: { type: 'string' },
  span: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  points: { type: 'string' },
  restarts: { type: 'string' },
  resume: { type: 'boolean' },
  wait: { type: 'boolean' },
  init: { type: 'boolean' },
  yes: { type: 'boolean' },
  port: { type: 'string' },
  open: { type: 'boolean' },
  run: { type: 'string' },
  at: { type: 'string' },
  optimizers: { type: 'string' },
  curvature: { type: 'boolean' },
  shard: { type: 'string' },
  slurm: { type: 'boolean' },
  k8s: { type: 'boolean' },
  dir: { type: 'string' },
  shards: { type: 'string' },
  partition: { type: 'string' },
  time: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  'node-local': { type: 'boolean' },
  submit: { type: 'boolean' },
  status: { type: 'string' },
  into: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} satisfies ParseArgsConfig['options'];

type Option = keyof typeof OPTIONS;
type Values = { [K in Option]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

const KERNEL_OPTIONS: Option[] = ['kernel', 'backend'];
const CLUSTER_OPTIONS: Option[] = ['shard', 'slurm', 'k8s', 'dir', 'shards', 'partition', 'time', 'cpus-per-task', 'node-local', 'submit', 'status'];
const COMMANDS: Record<string, { options: Option[]; args: string }> = {
  run: { options: ['db', 'init', 'json', 'out', 'force', 'name', 'no-save', 'preset', 'steps', ...KERNEL_OPTIONS], args: '<config.json>' },
  landscape: { options: ['db', 'init', 'json', 'out', 'force', 'experiment', 'center', 'axes', 'res', 'span', 'curvature', ...KERNEL_OPTIONS], args: '<config.json>' },
  optimum: { options: ['json', 'out', 'force', 'restarts', ...KERNEL_OPTIONS], args: '<config.json>' },
  interpolate: { options: ['db', 'init', 'json', 'out', 'force', 'experiment', 'from', 'to', 'points', ...KERNEL_OPTIONS], args: '<config.json>' },
  sweep: { options: ['db', 'init', 'json', 'resume', 'wait', 'preset', 'steps', ...KERNEL_OPTIONS, ...CLUSTER_OPTIONS], args: '<spec.json>' },
  merge: { options: ['into', 'json'], args: 'SHARD.sqlite...' },
  presets: { options: ['json'], args: '' },
  list: { options: ['db', 'json'], args: '' },
  show: { options: ['db', 'json'], args: 'ID' },
  rename: { options: ['db', 'init'], args: 'ID NAME' },
  delete: { options: ['db', 'init', 'yes'], args: 'ID' },
  export: { options: ['db', 'out', 'force'], args: 'ID...' },
  import: { options: ['db', 'init'], args: 'FILE' },
  'import-data': { options: ['json', 'out', 'force'], args: 'FILE.csv' },
  'export-model': { options: ['db', 'out', 'run', 'at'], args: 'ID' },
  hessian: { options: ['db', 'init', 'json', 'out', 'force', 'experiment', 'run', 'at', ...KERNEL_OPTIONS], args: '<config.json>' },
  race: { options: ['db', 'init', 'json', 'out', 'force', 'name', 'no-save', 'preset', 'steps', 'optimizers', ...KERNEL_OPTIONS], args: '<config.json>' },
  reproduce: { options: ['db', 'init', 'json', ...KERNEL_OPTIONS], args: 'ID' },
  serve: { options: ['db', 'init', 'port', 'open'], args: '' },
  upgrade: { options: ['db'], args: '' },
};

function readText(path: string, kind: string): string {
  return readInputFile(path, MAX_INPUT_FILE_BYTES, `a ${kind} file`).toString('utf8');
}

function readJsonFile(path: string): unknown {
  const text = readText(path, 'JSON');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

export function readConfig(path: string): ExperimentConfig {
  const json = readJsonFile(path);
  try {
    const config = parseConfig(json);
    // Made here once too, so that data the run could not use (targets beyond float32, labels the
    // loss cannot describe) is reported against this file, before any work.
    makeDataset(config);
    return config;
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${path}: ${e.message}`);
    throw e;
  }
}

function choice<T extends string>(field: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new InputError(`--${field}: must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

function integer(field: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError(`--${field}: must be an integer from ${min} to ${max} (got "${value}")`);
  return v;
}

function experimentId(field: string, value: string | undefined): number {
  const id = Number(value);
  if (value === undefined || !Number.isInteger(id) || id < 1) throw new InputError(`${field}: must be an experiment id such as 3, see landscape-lab list (got "${value ?? ''}")`);
  return id;
}

function stepsOption(value: string | undefined): number | undefined {
  return value === undefined ? undefined : integer('steps', value, 0, 1, LIMITS.steps);
}

/** The preset named by --preset, if one is (then no file may be given too). */
function fromPreset(ctx: Context, command: string, file: string): Preset | undefined {
  if (ctx.values.preset === undefined) return undefined;
  if (ctx.args.length) throw new InputError(`${command}: give a ${file} or --preset NAME, not both`);
  return presetByName(ctx.values.preset);
}

/** A sweep spec with its base's steps replaced; a malformed spec is left for validation to report. */
function withBaseSteps(spec: unknown, steps: number | undefined): unknown {
  if (steps === undefined || !isRecord(spec) || !isRecord(spec.base)) return spec;
  return { ...spec, base: { ...spec.base, steps } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Refuses an --out the command could not write. Called before any work (so nothing is trained or
 * saved for a result that cannot be written) and again when writing.
 */
function checkOut(path: string, force: boolean): void {
  if (path === '') throw new InputError('--out: must name a file (got "")');
  const stat = (p: string) => {
    try {
      return statSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new InputError(`--out: ${p} cannot be used (${(e as NodeJS.ErrnoException).code})`);
    }
  };
  const target = stat(path);
  if (target?.isDirectory()) throw new InputError(`--out: ${path} is a folder; give a file name, e.g. ${join(path, 'result.json')}`);
  if (target && !force) throw new InputError(`--out: ${path} already exists; choose another name or add --force`);
  // Replacing a device or a pipe by renaming a file over it is never what was meant.
  if (target && !target.isFile()) throw new InputError(`--out: ${path} is not a regular file`);
  const folder = dirname(path);
  const parent = stat(folder);
  if (!parent) throw new InputError(`--out: the folder ${folder} does not exist`);
  if (!parent.isDirectory()) throw new InputError(`--out: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new InputError(`--out: the folder ${folder} is not writable`);
  }
}

function writeOut(path: string, text: string, force: boolean): void {
  checkOut(path, force);
  // Write beside the target, then rename: a crash never leaves a half-written file under its name.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new InputError(`--out: ${path} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function progressReporter(): JobOptions['onProgress'] {
  if (!process.stderr.isTTY) return undefined;
  let phase = '';
  let phaseStart = performance.now();
  return (p) => {
    if (p.phase !== phase) {
      phase = p.phase;
      phaseStart = performance.now();
    }
    process.stderr.write(`\r${progressLine(p.phase, p.step, p.steps, performance.now() - phaseStart, p.bestLoss)}\x1b[K`);
  };
}

function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

interface Context {
  values: Values;
  args: string[];
  job: JobOptions;
  store: (mode?: 'read') => ExperimentStore;
  /** The worker pool, started on first use and closed when the command ends. */
  pool: () => WorkerPool;
  out: (s: string) => void;
  note: (s: string) => void;
}

/** Prints JSON or text, and writes the JSON to --out when asked. */
function emit(ctx: Context, json: unknown, text: string): void {
  clearProgress();
  if (ctx.values.out !== undefined) writeOut(ctx.values.out, stringify(json, true), ctx.values.force ?? false);
  ctx.out(ctx.values.json ? stringify(json) : text);
}

/** Multiply-adds below which a command computes in this thread: starting the pool's workers takes ≈0.3–0.5 s. */
const POOL_WORTHWHILE_MACS = 2e8;

/**
 * The worker pool when the work ahead is worth it: training a config's run, searching its optimum
 * (no closed form), evaluating `points` networks on its data. Small work stays in this thread.
 */
function poolFor(ctx: Context, config: ExperimentConfig, work: { train: boolean; search: boolean; points: number; restarts?: number }): WorkerPool | undefined {
  const arch = architectureOf(config);
  const n = config.data.n;
  const macs =
    (work.train ? config.steps * workPerStep(arch, 1, config.batchSize) : 0) +
    (work.search ? (work.restarts ?? 8) * Math.max(config.steps, 5000) * workPerStep(arch, 1, n) : 0) +
    work.points * workPerStep(arch, 1, n);
  return macs >= POOL_WORTHWHILE_MACS ? ctx.pool() : undefined;
}

/** The experiment a surface or curve belongs to: --experiment ID, or the stored run of the config file. */
async function experimentFor(ctx: Context, command: 'landscape' | 'interpolate' | 'hessian', points: number, check: (config: ExperimentConfig) => void): Promise<number> {
  const { values, args, job } = ctx;
  if (values.experiment !== undefined) {
    if (args.length) throw new InputError(`${command}: give a config file or --experiment ID, not both`);
    return experimentId('--experiment', values.experiment);
  }
  if (!args[0]) throw new InputError(`${command}: needs a config file, or --experiment ID`);
  const read = readConfig(args[0]);
  // The config as it trains, --kernel/--backend included: that is what its stored run is found by.
  const config = { ...read, kernel: job.kernel ?? read.kernel, backend: job.backend ?? read.backend };
  check(config);
  const pool = poolFor(ctx, config, { train: true, search: exactOptimumBlocker(config) !== null, points });
  const { id, reused } = await experimentForConfig(ctx.store(), config, { ...job, pool });
  clearProgress();
  ctx.note(reused ? `using experiment ${id}: this config and seed were trained before` : `saved the run as experiment ${id} in ${ctx.values.db ?? defaultDatabasePath()}`);
  return id;
}

/** The job options for a surface or curve of a stored run: on the pool when its work is worth it. */
function jobFor(ctx: Context, id: number, points: number): JobOptions {
  const run = runOf(ctx.store(), id);
  return { ...ctx.job, pool: poolFor(ctx, run.config, { train: false, search: !run.params.optimum, points }) };
}

async function surfaceOrCurve(ctx: Context, command: 'landscape' | 'interpolate'): Promise<void> {
  const { values } = ctx;
  if (command === 'landscape') {
    const spanText = values.span ?? 'auto';
    const span = spanText === 'auto' ? 'auto' : Number(spanText);
    if (span !== 'auto' && !(Number.isFinite(span) && span > 0)) throw new InputError(`--span: must be a number > 0 or auto (got "${spanText}")`);
    const axes = values.axes ?? 'plane';
    const req: LandscapeRequest = {
      center: choice('center', values.center, MARKERS) ?? 'trained',
      axes,
      res: integer('res', values.res, 65, 2, LIMITS.surfaceRes),
      span: span === 'auto' && axes.trim() === 'random' ? 1 : span,
    };
    const id = await experimentFor(ctx, command, req.res * req.res, (config) => {
      checkLandscapeRequest(req, config);
      if (values.curvature) checkHessianConfig(config);
    });
    const l = await experimentLandscape(ctx.store(), id, req, jobFor(ctx, id, req.res * req.res));
    clearProgress();
    ctx.note(`stored the surface with experiment ${id}`);
    if (!values.curvature) return emit(ctx, landscapeToJson(l), landscapeText(l));
    const run = runOf(ctx.store(), id);
    const points = Math.min(req.res, CURVATURE_MAX_RES) ** 2;
    const c = await surfaceCurvature(architectureOf(run.config, run.data.dIn), run.data, l, jobFor(ctx, id, points * 2 * run.layout.length));
    return emit(ctx, { ...landscapeToJson(l), curvature: curvatureToJson(c) }, `${landscapeText(l)}\n${curvatureText(c)}`);
  }
  const from: MarkerName = choice('from', values.from, MARKERS) ?? 'init';
  const to: MarkerName = choice('to', values.to, MARKERS) ?? 'trained';
  const req = { from, to, points: integer('points', values.points, 101, 2, 10_000) };
  const id = await experimentFor(ctx, command, req.points, () => {});
  const i = await experimentInterpolation(ctx.store(), id, req, jobFor(ctx, id, req.points));
  clearProgress();
  ctx.note(`stored the curve with experiment ${id}`);
  return emit(ctx, interpolationToJson(i), interpolationText(i));
}

const HANDLERS: Record<string, (ctx: Context) => Promise<number | void>> = {
  async run(ctx) {
    const preset = fromPreset(ctx, 'run', 'config file');
    const config = preset ? parseConfig(presetConfig(preset)) : readConfig(ctx.args[0]);
    const steps = stepsOption(ctx.values.steps);
    const r = await run(steps === undefined ? config : { ...config, steps }, ctx.job);
    let id: number | undefined;
    if (!ctx.values['no-save']) {
      id = saveRun(ctx.store(), r, ctx.values.name ?? preset?.title);
      ctx.note(`saved as experiment ${id} in ${ctx.values.db ?? defaultDatabasePath()}`);
    }
    emit(ctx, { ...runToJson(r), ...(id ? { experimentId: id } : {}) }, runText(r));
  },
  landscape: (ctx) => surfaceOrCurve(ctx, 'landscape'),
  interpolate: (ctx) => surfaceOrCurve(ctx, 'interpolate'),
  async optimum(ctx) {
    const config = readConfig(ctx.args[0]);
    const restarts = integer('restarts', ctx.values.restarts, 8, 1, 256);
    const pool = poolFor(ctx, config, { train: false, search: exactOptimumBlocker(config) !== null, points: 1, restarts });
    const o = await optimum(config, { ...ctx.job, pool, restarts });
    emit(ctx, optimumToJson(o), optimumText(o));
  },
  async sweep(ctx) {
    if (ctx.values.status !== undefined) return clusterSweep({ ...ctx, emit: (json, text) => emit(ctx, json, text) }, () => null);
    const preset = fromPreset(ctx, 'sweep', 'spec file');
    const spec = withBaseSteps(preset ? presetSweep(preset) : readJsonFile(ctx.args[0]), stepsOption(ctx.values.steps));
    const source = preset ? `preset ${preset.name}` : ctx.args[0];
    if (ctx.values.wait && !ctx.values.resume) throw new InputError('--wait: only with --resume (it waits for the process resuming the same sweep)');
    // Validated here first, so a bad spec's message names its file.
    let expanded;
    try {
      expanded = expandSweep(spec);
    } catch (e) {
      throw e instanceof InputError ? new InputError(`${source}: ${e.message}`) : e;
    }
    if (isClusterSweep(ctx.values)) return clusterSweep({ ...ctx, emit: (json, text) => emit(ctx, json, text) }, () => expanded.spec);
    const store = ctx.store();
    const onSweepProgress = process.stderr.isTTY
      ? (p: { runsDone: number; runsTotal: number }) => process.stderr.write(`\r${progressLine('sweep', p.runsDone, p.runsTotal, 0, null)}\x1b[K`)
      : undefined;
    const onWait = (pid: number) => ctx.note(`waiting for pid ${pid}, which is resuming this sweep…`);
    const options = { ...ctx.job, onProgress: undefined, pool: ctx.pool(), onSweepProgress, wait: ctx.values.wait, onWait };
    let outcome;
    if (ctx.values.resume) {
      // The stored spec is the parsed one (defaults filled): compare like with like.
      const wanted = JSON.stringify(expanded.spec);
      const target = store.list().filter((e) => e.isSweep && e.status !== 'done' && JSON.stringify(store.sweepSpec(e.id)) === wanted).pop();
      if (!target) throw new InputError(`--resume: no unfinished sweep of ${source} in ${ctx.values.db ?? defaultDatabasePath()}; run it without --resume`);
      outcome = await resumeSweep(store, target.id, options);
    } else outcome = await runSweep(store, spec, options);
    const stats = sweepStatistics(store, outcome.experimentId);
    emit(ctx, { ...outcome, threshold: stats.threshold, fields: stats.fields, cells: stats.cells }, `${sweepText(outcome)}\n${sweepStatsText(stats)}`);
    return ctx.job.signal?.aborted ? 130 : 0;
  },
  async presets(ctx) {
    emit(ctx, PRESETS.map((p) => ({ name: p.name, title: p.title, description: presetDescription(p), kind: p.kind })), presetsText(PRESETS));
  },
  async list(ctx) {
    const list = ctx.store('read').list();
    emit(ctx, { experiments: list }, listText(list));
  },
  async show(ctx) {
    const id = experimentId('show', ctx.args[0]);
    const store = ctx.store('read');
    // The text lists a sweep's runs by their listing; only the JSON holds every run's arrays.
    const e = ctx.values.json || ctx.values.out !== undefined ? store.get(id) : store.get(id, { sweepRun: 0 });
    emit(ctx, experimentToJson(e), experimentText(e));
  },
  async upgrade(ctx) {
    const file = ctx.values.db ?? defaultDatabasePath();
    if (!existsSync(file)) throw new InputError(`upgrade: ${file} does not exist; nothing to upgrade`);
    // Opening for writing migrates; the read-only commands refuse an older schema instead of changing the file.
    ctx.store();
    ctx.out(`${file}: schema ${SCHEMA_VERSION}, this version's`);
  },
  async rename(ctx) {
    const id = experimentId('rename', ctx.args[0]);
    if (ctx.args.length < 2) throw new InputError('rename: needs a new name, e.g. landscape-lab rename 3 "Adam at lr 0.01"');
    ctx.store().rename(id, ctx.args.slice(1).join(' '));
    ctx.out(`renamed experiment ${id}`);
  },
  async delete(ctx) {
    const id = experimentId('delete', ctx.args[0]);
    const store = ctx.store();
    const e = store.summary(id);
    if (!ctx.values.yes) {
      if (!process.stdin.isTTY) throw new InputError(`delete: experiment ${id} "${e.name}" would be deleted; add --yes to confirm`);
      if (!(await confirm(`Delete experiment ${id} "${e.name}" (${e.runs} run${e.runs === 1 ? '' : 's'})?`))) {
        ctx.out('kept it');
        return;
      }
    }
    store.delete(id);
    ctx.out(`deleted experiment ${id}`);
  },
  async export(ctx) {
    if (!ctx.values.out) throw new InputError('export: needs --out FILE, e.g. --out my.lab.json');
    const ids = ctx.args.map((a) => experimentId('export', a));
    writeOut(ctx.values.out, exportExperiments(ctx.store('read'), ids), ctx.values.force ?? false);
    ctx.out(`exported ${ids.length} experiment${ids.length === 1 ? '' : 's'} to ${ctx.values.out}`);
  },
  async import(ctx) {
    const imported = importFile(ctx.store(), ctx.args[0]);
    ctx.out(imported.map((r) => `imported as experiment ${r.id}${r.renamed ? ' (already present: kept as a copy)' : ''}`).join('\n'));
  },
  async 'import-data'(ctx) {
    const path = ctx.args[0];
    const config = csvConfig(readText(path, 'CSV'), path);
    const { out } = ctx.values;
    emit(ctx, config, out ? `wrote a config for the ${config.data.n} points of ${path} to ${out}; train it: landscape-lab run ${out}` : stringify(config, true));
  },
  async 'export-model'(ctx) {
    const id = experimentId('export-model', ctx.args[0]);
    const dir = ctx.values.out;
    if (!dir) throw new InputError('export-model: needs --out DIR, the folder for model.json and weights.bin, e.g. --out my-model');
    // Refuse a taken folder before reading the store, as other commands refuse a taken --out file.
    try {
      checkExportFolder(dir);
    } catch (e) {
      throw e instanceof InputError ? new InputError(`--out: ${e.message}`) : e;
    }
    const index = integer('run', ctx.values.run, 0, 0, MAX_SWEEP_RUNS - 1);
    const at: MarkerName = choice('at', ctx.values.at, MARKERS) ?? 'trained';
    const r = runOf(ctx.store('read'), id, index);
    const pool = poolFor(ctx, r.config, { train: false, search: at === 'optimum' && !r.params.optimum, points: 0 });
    const paths = exportLayersModel(r.config, await paramsAt(r, at, undefined, { ...ctx.job, pool }), dir);
    ctx.out(`exported the ${at} network of experiment ${id} run ${index} to ${paths.model} and ${paths.weights}`);
  },
  async hessian(ctx) {
    const at: MarkerName = choice('at', ctx.values.at, MARKERS) ?? 'trained';
    const index = integer('run', ctx.values.run, 0, 0, MAX_SWEEP_RUNS - 1);
    const id = await experimentFor(ctx, 'hessian', 0, checkHessianConfig);
    const run = runOf(ctx.store(), id, index);
    // Each column costs about two gradient evaluations.
    const h = await experimentHessian(ctx.store(), id, at, { ...jobFor(ctx, id, 2 * run.layout.length), runIndex: index });
    emit(ctx, hessianToJson(h), hessianText(h));
  },
  async race(ctx) {
    const preset = fromPreset(ctx, 'race', 'config file');
    const raced = preset ? presetRace(preset) : null;
    const read = raced ? parseConfig(raced.config) : readConfig(ctx.args[0]);
    const steps = stepsOption(ctx.values.steps);
    const config = steps === undefined ? read : { ...read, steps };
    const kinds = ctx.values.optimizers !== undefined ? parseOptimizerList(ctx.values.optimizers) : (raced?.optimizers ?? RACE_OPTIMIZERS);
    const pool = poolFor(ctx, config, { train: true, search: false, points: 0 });
    const runs = await race(config, kinds, { ...ctx.job, pool });
    let id: number | undefined;
    if (!ctx.values['no-save']) {
      id = saveRace(ctx.store(), config, runs, ctx.values.name ?? preset?.title);
      clearProgress();
      ctx.note(`saved as experiment ${id} in ${ctx.values.db ?? defaultDatabasePath()}`);
    }
    emit(ctx, raceToJson(runs, id), raceText(runs));
    return ctx.job.signal?.aborted ? 130 : 0;
  },
  async serve(ctx) {
    const port = integer('port', ctx.values.port, 0, 0, 65535);
    const { serve } = await import('../bridge/serve.js');
    return serve({ db: ctx.values.db ?? defaultDatabasePath(), init: ctx.values.init ?? false, port, open: ctx.values.open ?? false, signal: ctx.job.signal as AbortSignal, out: ctx.out });
  },
  merge: (ctx) => mergeCommand({ ...ctx, emit: (json, text) => emit(ctx, json, text) }),
  async reproduce(ctx) {
    const r = await reproduce(ctx.store(), experimentId('reproduce', ctx.args[0]), ctx.job);
    emit(ctx, r, reproductionText(r));
    return r.matches ? 0 : 3;
  },
};

async function execute(argv: string[], out: (s: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const m = /'(--?[\w-]+)'/.exec((e as Error).message);
    throw new InputError(m ? `${m[1]}: unknown option or missing value; see landscape-lab --help` : (e as Error).message.split('\n')[0]);
  }
  const values = parsed.values as Values;
  const [command, ...args] = parsed.positionals;
  if (values.version) {
    out(`landscape-lab ${APP_VERSION}`);
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    out(helpText());
    return 0;
  }
  const spec = COMMANDS[command];
  if (!spec) throw new InputError(`command: must be one of ${Object.keys(COMMANDS).join(', ')} (got "${command}"); see landscape-lab --help`);
  for (const key of Object.keys(values) as Option[]) {
    if (!spec.options.includes(key)) throw new InputError(`--${key}: not an option of ${command}; see landscape-lab --help`);
  }
  const wanted = spec.args.split(' ').filter(Boolean);
  const needsArg =
    wanted.length > 0 &&
    !(values.experiment !== undefined && (command === 'landscape' || command === 'interpolate' || command === 'hessian')) &&
    !(values.preset !== undefined && (command === 'run' || command === 'sweep' || command === 'race')) &&
    !(values.status !== undefined && command === 'sweep');
  if (needsArg && args.length === 0) throw new InputError(`${command}: needs ${spec.args}, e.g. landscape-lab ${command} ${wanted[0] === 'ID' ? '3' : wanted[0].replace(/[<>]/g, '')}`);
  const variadic = spec.args.endsWith('...') || command === 'rename';
  if (!variadic && args.length > wanted.length) throw new InputError(`${command}: takes ${spec.args || 'no arguments'} (also got "${args[wanted.length]}")`);

  // Refuse an --out that would be refused at the end before doing (and saving) any work.
  if (values.out !== undefined && command !== 'export-model') checkOut(values.out, values.force ?? false);
  // SQLite takes "" for a temporary database that vanishes on close: a save there would be a lie.
  if (values.db !== undefined && values.db.trim() === '') throw new InputError('--db: must name a database file (got "")');

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const opened: ExperimentStore[] = [];
  const pools: WorkerPool[] = [];
  const ctx: Context = {
    values,
    args,
    out,
    note: (s) => process.stderr.write(`${s}\n`),
    job: {
      kernel: choice('kernel', values.kernel, KERNELS) as KernelChoice | undefined,
      backend: choice('backend', values.backend, BACKENDS) as BackendChoice | undefined,
      onProgress: progressReporter(),
      signal: controller.signal,
    },
    store: (mode) => {
      if (!opened[0]) opened.push(openStore(values.db ?? defaultDatabasePath(), { readonly: mode === 'read', init: values.init }));
      return opened[0];
    },
    pool: () => {
      if (!pools[0]) pools.push(new WorkerPool());
      return pools[0];
    },
  };
  try {
    const code = await HANDLERS[command](ctx);
    // Ctrl+C is how `serve` stops: that is success, not an interruption.
    return controller.signal.aborted && command !== 'serve' ? 130 : (code ?? 0);
  } finally {
    process.removeListener('SIGINT', onSigint);
    opened.forEach((s) => s.db.close());
    await Promise.all(pools.map((p) => p.close()));
  }
}

/**
 * A reader that stops early (`| head`) closes the pipe. On stdout it has what it wanted, so that ends
 * the command quietly, not with a stack trace from the unhandled EPIPE; on stderr the work goes on
 * (a sweep keeps training), with nowhere left to report progress.
 */
function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') process.stderr.write(`landscape-lab: cannot write the output: ${e.message}\n`);
  process.exit(e.code === 'EPIPE' ? 0 : 1);
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', onStdoutError);
  process.stderr.on('error', () => undefined);
  try {
    return await execute(argv, (s) => process.stdout.write(`${s}\n`));
  } catch (e) {
    clearProgress();
    if (e instanceof InputError) {
      process.stderr.write(`landscape-lab: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && e.name === 'AbortError') {
      process.stderr.write('landscape-lab: interrupted\n');
      return 130;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`landscape-lab: internal error: ${message.split('\n')[0]}${process.env.LANDSCAPE_LAB_DEBUG ? `\n${(e as Error).stack}` : ' (set LANDSCAPE_LAB_DEBUG=1 for details)'}\n`);
    return 1;
  }
}
