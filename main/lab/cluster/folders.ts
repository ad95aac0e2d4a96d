// A sweep that leaves the machine: its cluster folder (scripts and manifest), a shard trained into its
// own database, a folder's progress, and the merge of its shard databases into the lab's database.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterImport, SweepShardsView } from '../../../shared/cluster.js';
import { InputError } from '../../../shared/config.js';
import { expandSweep, sweepCells } from '../../../shared/sweep.js';
import { sweepSpecHash } from '../../store/configHash.js';
import type { ExperimentStore } from '../../store/experiments.js';
import { resumeSweep, runSweep, type SweepOptions, type SweepOutcome } from '../sweep.js';
import { mergeShards, readShards, shardProgress, type MergeWatch } from './merge.js';
import { planShards, type Shard } from './shards.js';
import { RunSet } from '../../../shared/runSet.js';
import { loginCommands, readManifest, submit, writeClusterFolder, type SlurmOptions } from './slurm.js';

export interface ClusterFolderRequest extends Omit<SlurmOptions, 'shards'> {
  /** Shards to split the sweep into; by default up to 8. */
  shards?: number;
  k8s?: boolean;
  /** Hand the folder to sbatch once written. */
  submit?: boolean;
}

export interface WrittenClusterFolder {
  dir: string;
  files: string[];
  /** The database the merge writes into. */
  db: string;
  shards: Shard[];
  runsTotal: number;
  /** To run on the login node, in order. */
  commands: string[];
  /** The SLURM job ids, when the folder was submitted. */
  jobs?: { shardsJob: string; mergeJob: string };
}

/** Writes the cluster folder of a sweep whose merge goes into `db` (and submits it when asked). */
export function writeSweepFolder(specInput: unknown, dir: string, db: string, request: ClusterFolderRequest): WrittenClusterFolder {
  const { spec, cells } = expandSweep(specInput);
  const runsTotal = cells.length * spec.seeds;
  const plan = planShards(spec, cells, request.shards ?? Math.min(8, runsTotal));
  const written = writeClusterFolder(dir, spec, sweepSpecHash(spec), plan, db, { ...request, shards: plan.count });
  const jobs = request.submit ? submit(written.dir) : undefined;
  return { dir: written.dir, files: written.files, db: written.manifest.db, shards: plan.shards, runsTotal, commands: loginCommands(written.dir), ...(jobs ? { jobs } : {}) };
}

export interface ShardOutcome extends SweepOutcome {
  specHash: string;
  shard: { index: number; count: number; runFrom: number; runTo: number };
}

/**
 * Trains shard `index` of `count` of a sweep into `store`, a database of its own: begun, or continued
 * with `resume`. A database holding another shard, or another sweep's, is refused.
 */
export async function trainShard(store: ExperimentStore, specInput: unknown, shard: { index: number; count: number }, options: SweepOptions & { resume?: boolean }): Promise<ShardOutcome> {
  const { index, count } = shard;
  const { spec, cells } = expandSweep(specInput);
  const plan = planShards(spec, cells, count);
  const specHash = sweepSpecHash(spec);
  const records = store.list().flatMap((e) => {
    const r = store.sweepRecord(e.id);
    return r?.shard ? [r] : [];
  });
  const mine = records.find((r) => r.specHash === specHash && r.shard?.index === index && r.shard.count === count);
  const foreign = records.find((r) => r !== mine);
  if (foreign?.shard) throw new InputError(`--db: ${store.file} already holds shard ${foreign.shard.index}/${foreign.shard.count} of ${foreign.specHash === specHash ? 'this' : 'another'} sweep; give each shard its own database`);
  if (mine && !options.resume) throw new InputError(`--db: ${store.file} already holds shard ${index}/${count} of this sweep; add --resume to continue it`);
  const outcome = mine ? await resumeSweep(store, mine.experimentId, options) : await runSweep(store, spec, { ...options, shard });
  const s = plan.shards[index];
  return { ...outcome, specHash, shard: { index, count, runFrom: s.runFrom, runTo: s.runTo } };
}

/** Merges every shard database in DIR/shards into `store`; `watch` sees its progress and may cancel it. */
export function importClusterFolder(store: ExperimentStore, dir: string, watch?: MergeWatch): ClusterImport {
  readManifest(dir);
  let names: string[];
  try {
    names = readdirSync(join(dir, 'shards'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new InputError(`${join(dir, 'shards')}: cannot be read as a folder (${code}); it is where the shards write their databases`);
    names = [];
  }
  const files = names
    .filter((f) => /^shard-\d+\.sqlite$/.test(f))
    .map((f) => join(dir, 'shards', f));
  if (files.length === 0) throw new InputError(`${dir}: no shard has written its database yet (shards/shard-K.sqlite); see its progress first`);
  const shards = readShards(files, watch);
  try {
    const { experimentId, created, runsTotal, runsDone, runsAdded, complete, shards: counts, missing } = mergeShards(store, shards, watch);
    return { experimentId, created, runsTotal, runsDone, runsAdded, complete, shards: counts, missing };
  } finally {
    shards.forEach((s) => s.store.db.close());
  }
}

/** How far a sweep merged from shards is, per shard; null for a sweep trained in one place. */
export function sweepShards(store: ExperimentStore, id: number): SweepShardsView {
  const record = store.sweepRecord(id);
  if (!record?.mergedShards) return null;
  const { spec, cells } = sweepCells(store.sweepSpec(id));
  const have = new RunSet(cells.length * spec.seeds);
  for (const i of store.runIndices(id)) if (i < have.runsTotal) have.add(i);
  return { count: record.mergedShards, shards: shardProgress(planShards(spec, cells, record.mergedShards), have).shards };
}
