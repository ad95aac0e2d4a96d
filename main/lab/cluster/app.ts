// The app's cluster actions (service channels cluster.* and experiments.shards): the same folder,
// status and merge as the CLI, with the app's database as the merge's target.
import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ClusterFolder, ClusterImport, ClusterStatusView, SweepShardsView } from '../../../shared/cluster.js';
import { InputError } from '../../../shared/config.js';
import { expandSweep } from '../../../shared/sweep.js';
import { sweepSpecHash } from '../../store/configHash.js';
import type { ExperimentStore } from '../../store/experiments.js';
import { mergeShards, readShards, shardProgress } from './merge.js';
import { planShards } from './shards.js';
import { loginCommands, readManifest, writeClusterFolder } from './slurm.js';
import { clusterStatus } from './status.js';

/** A folder the user typed: a relative one is taken from the database's folder, not main's cwd. */
function folder(store: ExperimentStore, dir: string): string {
  return isAbsolute(dir) ? dir : resolve(dirname(store.file), dir);
}

export function prepareCluster(store: ExperimentStore, p: { spec: unknown; dir: string; shards: number; partition?: string; time?: string; cpusPerTask: number; nodeLocal: boolean }): ClusterFolder {
  const { spec, cells } = expandSweep(p.spec);
  const plan = planShards(spec, cells, p.shards);
  const written = writeClusterFolder(folder(store, p.dir), spec, sweepSpecHash(spec), plan, store.file, { shards: p.shards, partition: p.partition || undefined, time: p.time || undefined, cpusPerTask: p.cpusPerTask, nodeLocal: p.nodeLocal });
  return { dir: written.dir, files: written.files, db: written.manifest.db, shards: plan.shards.map(({ index, runFrom, runTo }) => ({ index, runFrom, runTo })), commands: loginCommands(written.dir) };
}

export function clusterStatusView(store: ExperimentStore, dir: string): ClusterStatusView {
  const s = clusterStatus(folder(store, dir));
  return { dir: s.dir, name: s.manifest.name, runsTotal: s.manifest.runsTotal, db: s.manifest.db, shards: s.shards, failed: s.failed, merge: s.merge };
}

/** Merges every shard database in DIR/shards into the app's database. */
export function importCluster(store: ExperimentStore, dir: string): ClusterImport {
  const root = folder(store, dir);
  readManifest(root);
  const files = readdirSync(join(root, 'shards'))
    .filter((f) => /^shard-\d+\.sqlite$/.test(f))
    .map((f) => join(root, 'shards', f));
  if (files.length === 0) throw new InputError(`${root}: no shard has written its database yet (shards/shard-K.sqlite); see its progress first`);
  const shards = readShards(files);
  try {
    const { experimentId, created, runsTotal, runsDone, runsAdded, complete, shards: counts, missing } = mergeShards(store, shards);
    return { experimentId, created, runsTotal, runsDone, runsAdded, complete, shards: counts, missing };
  } finally {
    shards.forEach((s) => s.store.db.close());
  }
}

export function sweepShards(store: ExperimentStore, id: number): SweepShardsView {
  const record = store.sweepRecord(id);
  if (!record?.mergedShards) return null;
  const { spec, cells } = expandSweep(store.sweepSpec(id));
  const have = new Set((store.db.prepare('SELECT idx FROM runs WHERE experiment_id = ?').all(id) as { idx: number }[]).map((r) => r.idx));
  return { count: record.mergedShards, shards: shardProgress(planShards(spec, cells, record.mergedShards), have).shards };
}
