// The CLI's cluster commands: `sweep --shard K/N`, `sweep --slurm/--k8s`, `sweep --status DIR` and
// `merge`. cli.ts dispatches here; validation and messages follow its rules (one line, exit 2).
import { availableParallelism } from 'node:os';
import { InputError } from '../../shared/config.js';
import { expandSweep } from '../../shared/sweep.js';
import { progressLine, sweepText } from './text.js';
import { WorkerPool } from '../workers/pool.js';
import type { JobOptions } from '../lab/runs.js';
import { resumeSweep, runSweep, type SweepOutcome } from '../lab/sweep.js';
import { sweepSpecHash } from '../store/configHash.js';
import { defaultDatabasePath, openStore, type ExperimentStore } from '../store/index.js';
import { mergeFiles, type MergeReport } from '../lab/cluster/merge.js';
import { parseShardOption, planShards } from '../lab/cluster/shards.js';
import { loginCommands, submit, writeClusterFolder } from '../lab/cluster/slurm.js';
import { clusterStatus, type ClusterStatus } from '../lab/cluster/status.js';

export interface ClusterCli {
  values: Record<string, string | boolean | undefined>;
  args: string[];
  job: JobOptions;
  store: (mode?: 'read') => ExperimentStore;
  out: (s: string) => void;
  note: (s: string) => void;
  emit: (json: unknown, text: string) => void;
}

/** Options that only mean something for a sweep that leaves the machine. */
const FOLDER_OPTIONS = ['dir', 'shards', 'partition', 'time', 'cpus-per-task', 'node-local', 'submit'] as const;

/** Whether `sweep` was asked for a shard, a cluster folder or a folder's status. */
export function isClusterSweep(values: ClusterCli['values']): boolean {
  return ['shard', 'slurm', 'k8s', 'status', ...FOLDER_OPTIONS].some((k) => values[k] !== undefined);
}

function only(values: ClusterCli['values'], allowed: readonly string[], mode: string): void {
  for (const k of ['shard', 'slurm', 'k8s', 'status', 'resume', 'wait', 'kernel', 'backend', ...FOLDER_OPTIONS]) {
    if (values[k] !== undefined && !allowed.includes(k)) {
      const why = k === 'kernel' || k === 'backend' ? ' (put the kernel in the spec\'s base, so that every shard trains alike)' : '';
      throw new InputError(`--${k}: not an option of sweep ${mode}${why}; see landscape-lab --help`);
    }
  }
}

/** Worker threads for a shard: the CPUs SLURM gave the task, else every core. */
function shardWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.SLURM_CPUS_PER_TASK);
  return Number.isInteger(given) && given >= 1 ? Math.min(given, availableParallelism()) : availableParallelism();
}

/** `sweep SPEC --shard K/N --db FILE [--resume]`: trains one shard into its own database. */
async function shardSweep(ctx: ClusterCli, specInput: unknown): Promise<number> {
  only(ctx.values, ['shard', 'resume'], '--shard');
  const { index, count } = parseShardOption(String(ctx.values.shard));
  if (ctx.values.db === undefined) throw new InputError('--shard: needs --db FILE, the shard\'s own database (e.g. --db shard-0.sqlite)');
  const { spec, cells } = expandSweep(specInput);
  const plan = planShards(spec, cells, count);
  const specHash = sweepSpecHash(spec);
  const store = ctx.store();
  const records = store.list().flatMap((e) => {
    const r = store.sweepRecord(e.id);
    return r?.shard ? [r] : [];
  });
  const mine = records.find((r) => r.specHash === specHash && r.shard?.index === index && r.shard.count === count);
  const foreign = records.find((r) => r !== mine);
  if (foreign?.shard) throw new InputError(`--db: ${store.file} already holds shard ${foreign.shard.index}/${foreign.shard.count} of ${foreign.specHash === specHash ? 'this' : 'another'} sweep; give each shard its own database`);
  if (mine && !ctx.values.resume) throw new InputError(`--db: ${store.file} already holds shard ${index}/${count} of this sweep; add --resume to continue it`);
  const pool = new WorkerPool(shardWorkers());
  try {
    const onSweepProgress = process.stderr.isTTY ? (p: { runsDone: number; runsTotal: number }) => process.stderr.write(`\r${progressLine('shard', p.runsDone, p.runsTotal, 0, null)}\x1b[K`) : undefined;
    const options = { ...ctx.job, onProgress: undefined, pool, onSweepProgress };
    const outcome: SweepOutcome = mine ? await resumeSweep(store, mine.experimentId, options) : await runSweep(store, spec, { ...options, shard: { index, count } });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const s = plan.shards[index];
    ctx.emit(
      { ...outcome, specHash, shard: { index, count, runFrom: s.runFrom, runTo: s.runTo } },
      `shard ${index}/${count} (runs ${s.runFrom}–${s.runTo - 1}) of sweep ${specHash.slice(0, 12)}: ${sweepText(outcome).replace(/^sweep /, '')}`,
    );
    return ctx.job.signal?.aborted ? 130 : outcome.status === 'done' ? 0 : 1;
  } finally {
    await pool.close();
  }
}

const integerOption = (field: string, value: unknown, min: number, max: number): number | undefined => {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isInteger(v) || v < min || v > max) throw new InputError(`--${field}: must be an integer from ${min} to ${max} (got "${String(value)}")`);
  return v;
};

/** `sweep SPEC --slurm|--k8s --dir DIR [...]`: writes the cluster folder; --submit hands it to sbatch. */
function folderSweep(ctx: ClusterCli, specInput: unknown): number {
  const v = ctx.values;
  only(v, ['slurm', 'k8s', ...FOLDER_OPTIONS], v.slurm ? '--slurm' : v.k8s ? '--k8s' : '');
  if (!v.slurm && !v.k8s) throw new InputError(`--${FOLDER_OPTIONS.find((k) => v[k] !== undefined)}: only with --slurm or --k8s`);
  if (v.submit && !v.slurm) throw new InputError('--submit: only with --slurm (it submits the job array with sbatch)');
  if (typeof v.dir !== 'string') throw new InputError(`${v.slurm ? '--slurm' : '--k8s'}: needs --dir DIR, the folder for the scripts and the shard databases`);
  const { spec, cells } = expandSweep(specInput);
  const runsTotal = cells.length * spec.seeds;
  const count = integerOption('shards', v.shards, 1, 1000) ?? Math.min(8, runsTotal);
  const plan = planShards(spec, cells, count);
  const db = typeof v.db === 'string' ? v.db : defaultDatabasePath();
  const written = writeClusterFolder(v.dir, spec, sweepSpecHash(spec), plan, db, {
    shards: count,
    partition: v.partition as string | undefined,
    time: v.time as string | undefined,
    cpusPerTask: integerOption('cpus-per-task', v['cpus-per-task'], 1, 1024),
    nodeLocal: v['node-local'] === true,
    k8s: v.k8s === true,
  });
  const jobs = v.submit ? submit(written.dir) : null;
  const commands = loginCommands(written.dir);
  const text = [
    `wrote ${written.files.length} files for ${count} shards of ${runsTotal} runs into ${written.dir}; the merge writes into ${written.manifest.db}`,
    ...(jobs ? [`submitted: shards job ${jobs.shardsJob}, merge job ${jobs.mergeJob} (after every shard succeeded)`, `follow it: ${commands[1]}`] : v.slurm ? ['on the login node:', ...commands.map((c) => `  ${c}`)] : []),
    ...(v.k8s ? [`Kubernetes (untested here): ${written.dir}/job.yaml; see its comments`] : []),
  ].join('\n');
  ctx.emit({ dir: written.dir, files: written.files, shards: plan.shards, db: written.manifest.db, commands, ...(jobs ? { jobs } : {}) }, text);
  return 0;
}

export function statusText(s: ClusterStatus): string {
  const m = s.manifest;
  const rows = s.shards.map((k) => `  ${String(k.index).padEnd(5)}  ${k.state.padEnd(8)}  ${`${k.runs}/${k.of}`.padStart(11)}${k.state === 'failed' ? `  exit ${k.exitCode ?? '?'}: ${k.message ?? ''}` : ''}`);
  const merge = s.merge.ran
    ? `merge: ran (exit ${s.merge.exitCode})${s.merge.experimentId !== null ? `: experiment ${s.merge.experimentId}, ${s.merge.runs} of ${m.runsTotal} runs, ${s.merge.complete ? 'complete' : 'incomplete'}` : ''}${s.merge.message ? ` — ${s.merge.message}` : ''}`
    : `merge: not run${s.failed.length ? ' (cancelled by SLURM when a shard fails)' : ' yet'}${s.merge.experimentId !== null ? `; ${m.db} holds ${s.merge.runs} of ${m.runsTotal} runs` : ''}`;
  return [
    `sweep "${m.name}" (spec ${m.specHash.slice(0, 12)}): ${m.shards} shards, ${m.runsTotal} runs, merging into ${m.db}`,
    '  shard  state            runs',
    ...rows,
    merge,
    ...(s.failed.length ? [`failed shards: ${s.failed.join(', ')}; fix the cause, then resubmit them: bash ${s.dir}/submit.sh ${s.failed.join(',')}`] : []),
  ].join('\n');
}

function statusCommand(ctx: ClusterCli): number {
  only(ctx.values, ['status'], '--status');
  if (ctx.args.length) throw new InputError('--status: takes the cluster folder, not a spec file: landscape-lab sweep --status DIR');
  const s = clusterStatus(String(ctx.values.status));
  ctx.emit({ ...s, manifest: undefined, specHash: s.manifest.specHash, runsTotal: s.manifest.runsTotal, db: s.manifest.db }, statusText(s));
  return 0;
}

/** Dispatch for `sweep` with cluster options: --status DIR, --shard K/N, or --slurm/--k8s. */
export async function clusterSweep(ctx: ClusterCli, spec: () => unknown): Promise<number> {
  if (ctx.values.status !== undefined) return statusCommand(ctx);
  if (ctx.values.shard !== undefined) return shardSweep(ctx, spec());
  return folderSweep(ctx, spec());
}

export function mergeText(r: MergeReport, into: string): string {
  const missing = r.missing.map((m) => `shard ${m.shard} (${m.runs} run${m.runs === 1 ? '' : 's'}: ${m.ranges.map(([a, b]) => (b - a === 1 ? `${a}` : `${a}–${b - 1}`)).join(', ')})`);
  return [
    `${r.runsAdded === 0 && !r.created ? 'nothing new: every run was already merged into' : `merged ${r.runsAdded} run${r.runsAdded === 1 ? '' : 's'} into`} experiment ${r.experimentId} of ${into}: ${r.runsDone} of ${r.runsTotal} runs, ${r.complete ? 'complete' : 'incomplete'}`,
    ...(missing.length ? [`missing: ${missing.join('; ')}`] : []),
  ].join('\n');
}

/** `merge SHARD.sqlite… [--into FILE]`. */
export async function mergeCommand(ctx: ClusterCli): Promise<number> {
  const into = typeof ctx.values.into === 'string' ? ctx.values.into : defaultDatabasePath();
  if (into.trim() === '') throw new InputError('--into: must name a database file (got "")');
  let store: ExperimentStore | undefined;
  try {
    const r = mergeFiles(() => (store = openStore(into)), ctx.args, into);
    ctx.emit(r, mergeText(r, into));
    return 0;
  } finally {
    store?.db.close();
  }
}
