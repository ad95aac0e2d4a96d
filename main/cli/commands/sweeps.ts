// Commands for sweeps: on this machine (sweep, sweep --resume), as shards for a cluster (sweep --shard,
// sweep --slurm/--k8s, sweep --status) and the merge of shard databases (merge).
import { availableParallelism } from 'node:os';
import { InputError } from '../../../shared/errors.js';
import { printable, quoted } from '../../../shared/printable.js';
import { presetSweep } from '../../../shared/presets.js';
import { checkSweep, parseShardOption, type ClusterStatus, type MergeReport } from '../../lab/lab.js';
import type { Context } from '../context.js';
import { fromFile, fromPreset, readJsonFile } from '../inputs.js';
import { optionalInteger, stepsOption, type Option } from '../options.js';
import { progressLine } from '../text/numbers.js';
import { STATS_TEXT_CELLS, sweepStatsText, sweepText } from '../text/sweeps.js';

/** Options that only mean something for a sweep that leaves the machine. */
const FOLDER_OPTIONS = ['dir', 'shards', 'partition', 'time', 'cpus-per-task', 'node-local', 'submit'] as const;
const CLUSTER_MODES = ['shard', 'slurm', 'k8s', 'status'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A sweep spec with its base's steps replaced; a malformed spec is left for validation to report. */
function withBaseSteps(spec: unknown, steps: number | undefined): unknown {
  if (steps === undefined || !isRecord(spec) || !isRecord(spec.base)) return spec;
  return { ...spec, base: { ...spec.base, steps } };
}

/** The spec a sweep command names (a file or --preset), validated whole so that its refusal names its source. */
function sweepSpec(ctx: Context): unknown {
  const preset = fromPreset(ctx, 'sweep', 'spec file');
  const spec = withBaseSteps(preset ? presetSweep(preset) : readJsonFile(ctx.args[0]), stepsOption(ctx.values.steps));
  fromFile(preset ? `preset ${preset.name}` : ctx.args[0], () => checkSweep(spec));
  return spec;
}

/** Refuses the options of another sweep mode than `mode`. */
function only(ctx: Context, allowed: readonly Option[], mode: string): void {
  for (const k of [...CLUSTER_MODES, 'resume', 'wait', 'kernel', 'backend', ...FOLDER_OPTIONS] as const) {
    if (ctx.values[k] !== undefined && !allowed.includes(k)) {
      const why = k === 'kernel' || k === 'backend' ? " (put the kernel in the spec's base, so that every shard trains alike)" : '';
      throw new InputError(`--${k}: not an option of sweep ${mode}${why}; see landscape-lab --help`);
    }
  }
}

function sweepProgress(ctx: Context, phase: string) {
  return process.stderr.isTTY ? (p: { runsDone: number; runsTotal: number }) => process.stderr.write(`\r${progressLine(phase, p.runsDone, p.runsTotal, 0, null)}\x1b[K`) : undefined;
}

export async function sweep(ctx: Context): Promise<number> {
  const { values } = ctx;
  if (values.status !== undefined) return statusCommand(ctx);
  if (CLUSTER_MODES.some((k) => values[k] !== undefined) || FOLDER_OPTIONS.some((k) => values[k] !== undefined)) {
    const spec = sweepSpec(ctx);
    return values.shard !== undefined ? shardCommand(ctx, spec) : folderCommand(ctx, spec);
  }
  if (values.wait && !values.resume) throw new InputError('--wait: only with --resume (it waits for the process resuming the same sweep)');
  const spec = sweepSpec(ctx);
  const lab = ctx.lab();
  const options = { ...ctx.call, onProgress: undefined, onSweepProgress: sweepProgress(ctx, 'sweep'), wait: values.wait, onWait: (pid: number) => ctx.note(`waiting for pid ${pid}, which is resuming this sweep…`) };
  let outcome;
  if (values.resume) {
    const id = lab.unfinishedSweep(spec);
    if (id === null) throw new InputError(`--resume: no unfinished sweep of ${values.preset ? `preset ${values.preset}` : ctx.args[0]} in ${ctx.database}; run it without --resume`);
    outcome = await lab.resumeSweep(id, options);
  } else outcome = await lab.sweep(spec, options);
  const id = outcome.experimentId;
  // The text reads only the cells it prints; --json every cell (an answer as big as the sweep, asked for).
  ctx.emit(
    () => {
      const stats = lab.allSweepStatistics(id);
      return { ...outcome, threshold: stats.threshold, fields: stats.fields, cells: stats.cells };
    },
    () => `${sweepText(outcome)}\n${sweepStatsText(lab.sweepStatistics(id, { offset: 0, limit: STATS_TEXT_CELLS }))}`,
  );
  return ctx.call.signal?.aborted ? 130 : 0;
}

/**
 * Worker threads for a shard: the CPUs SLURM gave the task, else every core. With one CPU the shard
 * trains in this thread: a worker would only share that CPU with the thread that stores its runs.
 */
function shardWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.SLURM_CPUS_PER_TASK);
  const cpus = Number.isInteger(given) && given >= 1 ? Math.min(given, availableParallelism()) : availableParallelism();
  return cpus === 1 ? 0 : cpus;
}

/** `sweep SPEC --shard K/N --db FILE [--resume]`: trains one shard into its own database. */
async function shardCommand(ctx: Context, spec: unknown): Promise<number> {
  only(ctx, ['shard', 'resume'], '--shard');
  const shard = parseShardOption(String(ctx.values.shard));
  if (ctx.values.db === undefined) throw new InputError("--shard: needs --db FILE, the shard's own database (e.g. --db shard-0.sqlite)");
  const lab = ctx.lab({ workers: shardWorkers() });
  const outcome = await lab.trainShard(spec, shard, { ...ctx.call, onProgress: undefined, onSweepProgress: sweepProgress(ctx, 'shard'), resume: ctx.values.resume });
  ctx.clearProgress();
  const s = outcome.shard;
  ctx.emit(() => outcome, () => `shard ${s.index}/${s.count} (runs ${s.runFrom}–${s.runTo - 1}) of sweep ${outcome.specHash.slice(0, 12)}: ${sweepText(outcome).replace(/^sweep /, '')}`);
  return ctx.call.signal?.aborted ? 130 : outcome.status === 'done' ? 0 : 1;
}

/** `sweep SPEC --slurm|--k8s --dir DIR [...]`: writes the cluster folder; --submit hands it to sbatch. */
function folderCommand(ctx: Context, spec: unknown): number {
  const v = ctx.values;
  only(ctx, ['slurm', 'k8s', ...FOLDER_OPTIONS], v.slurm ? '--slurm' : v.k8s ? '--k8s' : '');
  if (!v.slurm && !v.k8s) throw new InputError(`--${FOLDER_OPTIONS.find((k) => v[k] !== undefined)}: only with --slurm or --k8s`);
  if (v.submit && !v.slurm) throw new InputError('--submit: only with --slurm (it submits the job array with sbatch)');
  if (typeof v.dir !== 'string') throw new InputError(`${v.slurm ? '--slurm' : '--k8s'}: needs --dir DIR, the folder for the scripts and the shard databases`);
  const f = ctx.lab().writeSweepFolder(spec, v.dir, {
    shards: optionalInteger('shards', v.shards, 1, 1000),
    partition: v.partition,
    time: v.time,
    cpusPerTask: optionalInteger('cpus-per-task', v['cpus-per-task'], 1, 1024),
    nodeLocal: v['node-local'] === true,
    k8s: v.k8s === true,
    submit: v.submit === true,
  });
  const text = [
    `wrote ${f.files.length} files for ${f.shards.length} shards of ${f.runsTotal} runs into ${f.dir}; the merge writes into ${f.db}`,
    ...(f.jobs ? [`submitted: shards job ${f.jobs.shardsJob}, merge job ${f.jobs.mergeJob} (after every shard succeeded)`, `follow it: ${f.commands[1]}`] : v.slurm ? ['on the login node:', ...f.commands.map((c) => `  ${c}`)] : []),
    ...(v.k8s ? [`Kubernetes (untested here): ${f.dir}/job.yaml; see its comments`] : []),
  ].join('\n');
  ctx.emit(() => ({ dir: f.dir, files: f.files, shards: f.shards, db: f.db, commands: f.commands, ...(f.jobs ? { jobs: f.jobs } : {}) }), () => text);
  return 0;
}

export function statusText(s: ClusterStatus): string {
  const m = s.manifest;
  const rows = s.shards.map((k) => `  ${String(k.index).padEnd(5)}  ${k.state.padEnd(8)}  ${`${k.runs}/${k.of}`.padStart(11)}${k.state === 'failed' ? `  exit ${k.exitCode ?? '?'}: ${printable(k.message ?? '')}` : ''}`);
  const merge = s.merge.ran
    ? `merge: ran (exit ${s.merge.exitCode})${s.merge.experimentId !== null ? `: experiment ${s.merge.experimentId}, ${s.merge.runs} of ${m.runsTotal} runs, ${s.merge.complete ? 'complete' : 'incomplete'}` : ''}${s.merge.message ? ` — ${printable(s.merge.message)}` : ''}`
    : `merge: not run${s.failed.length ? ' (cancelled by SLURM when a shard fails)' : ' yet'}${s.merge.experimentId !== null ? `; ${m.db} holds ${s.merge.runs} of ${m.runsTotal} runs` : ''}`;
  return [
    `sweep ${quoted(m.name)} (spec ${m.specHash.slice(0, 12)}): ${m.shards} shards, ${m.runsTotal} runs, merging into ${m.db}`,
    '  shard  state            runs',
    ...rows,
    merge,
    ...(s.failed.length ? [`failed shards: ${s.failed.join(', ')}; fix the cause, then resubmit them: bash ${s.dir}/submit.sh ${s.failed.join(',')}`] : []),
  ].join('\n');
}

async function statusCommand(ctx: Context): Promise<number> {
  only(ctx, ['status'], '--status');
  if (ctx.args.length) throw new InputError('--status: takes the cluster folder, not a spec file: landscape-lab sweep --status DIR');
  const s = await ctx.lab().clusterStatus(String(ctx.values.status));
  ctx.emit(() => ({ ...s, manifest: undefined, specHash: s.manifest.specHash, runsTotal: s.manifest.runsTotal, db: s.manifest.db }), () => statusText(s));
  return 0;
}

export function mergeText(r: MergeReport, into: string): string {
  const missing = r.missing.map((m) => `shard ${m.shard} (${m.runs} run${m.runs === 1 ? '' : 's'}: ${m.ranges.map(([a, b]) => (b - a === 1 ? `${a}` : `${a}–${b - 1}`)).join(', ')})`);
  return [
    `${r.runsAdded === 0 && !r.created ? 'nothing new: every run was already merged into' : `merged ${r.runsAdded} run${r.runsAdded === 1 ? '' : 's'} into`} experiment ${r.experimentId} of ${into}: ${r.runsDone} of ${r.runsTotal} runs, ${r.complete ? 'complete' : 'incomplete'}`,
    ...(missing.length ? [`missing: ${missing.join('; ')}`] : []),
  ].join('\n');
}

/** `merge SHARD.sqlite… [--into FILE]`. */
export async function merge(ctx: Context): Promise<void> {
  const into = ctx.values.into ?? ctx.database;
  if (into.trim() === '') throw new InputError('--into: must name a database file (got "")');
  const r = ctx.lab({ db: into }).merge(ctx.args);
  ctx.emit(() => r, () => mergeText(r, into));
}
