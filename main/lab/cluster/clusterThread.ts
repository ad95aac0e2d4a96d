// A cluster folder's merge and its progress off main's thread, as imports and exports are (see
// store/exchangeThread.ts): each runs in a thread of its own (clusterWorker.ts) on connections of its
// own (WAL lets the merge write while main reads). Main starts it, relays its progress, raises its
// cancel flag, and gets its result or its one-line refusal, as the same InputError the thread threw.
import type { ClusterImport } from '../../../shared/cluster.js';
import { runTask } from '../../platform/tasks.js';
import type { MergeWatch } from './merge.js';
import type { ClusterStatus } from './status.js';

export type ClusterTask =
  /** Merge the shard databases of the folder `dir` into the database `db`, in one transaction. */
  | { type: 'merge'; dir: string; db: string }
  /** Read the folder's progress: its manifest, shard databases, exit codes and logs. */
  | { type: 'status'; dir: string };

export interface ClusterThreadOptions {
  signal?: AbortSignal;
  onProgress?: MergeWatch;
}

function run(task: ClusterTask, o: ClusterThreadOptions): Promise<unknown> {
  return runTask<unknown, Parameters<MergeWatch>[0]>(import.meta.url, 'clusterWorker', task, o);
}

/** Merges the shards of the cluster folder `dir` into the database `db` (which exists), in a thread. */
export async function mergeInThread(dir: string, db: string, o: ClusterThreadOptions = {}): Promise<ClusterImport> {
  return (await run({ type: 'merge', dir, db }, o)) as ClusterImport;
}

/** A cluster folder's progress, read in a thread. */
export async function statusInThread(dir: string): Promise<ClusterStatus> {
  return (await run({ type: 'status', dir }, {})) as ClusterStatus;
}
