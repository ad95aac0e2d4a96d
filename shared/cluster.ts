// What the app shows of a sweep on a cluster: the folder written for SLURM, its progress per shard,
// what an import merged, and how far a merged sweep is per shard. Filled in main (main/cluster/).

/** Most shards a sweep is split into: a SLURM array of this size is already a large one. */
export const MAX_SHARDS = 1000;

/** What a sweep merged from shards keeps of them: how many there were, and the engine check they shared. */
export interface MergedFrom {
  shards: number;
  engineCheck: string;
}

/** A shard's share of the runs, and how many of them are there. */
export interface ShardCount {
  index: number;
  runs: number;
  of: number;
}

export interface ClusterFolder {
  dir: string;
  files: string[];
  /** The database the merge writes into: the app's own. */
  db: string;
  shards: { index: number; runFrom: number; runTo: number }[];
  /** To run on the login node, in order. */
  commands: string[];
}

export interface ClusterShardStatus extends ShardCount {
  state: 'waiting' | 'running' | 'done' | 'failed';
  exitCode: number | null;
  message: string | null;
}

export interface ClusterStatusView {
  dir: string;
  name: string;
  runsTotal: number;
  db: string;
  shards: ClusterShardStatus[];
  failed: number[];
  merge: { ran: boolean; exitCode: number | null; experimentId: number | null; runs: number; complete: boolean; message: string | null };
}

export interface ClusterImport {
  experimentId: number;
  created: boolean;
  runsTotal: number;
  runsDone: number;
  runsAdded: number;
  complete: boolean;
  shards: ShardCount[];
  missing: { shard: number; runs: number; ranges: [number, number][] }[];
}

/** A sweep merged from shards: its runs per shard. Null for a sweep trained in one place. */
export type SweepShardsView = { count: number; shards: ShardCount[] } | null;
