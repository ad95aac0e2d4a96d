// Progress of a sweep on a cluster, read from its folder: the shard databases (runs done), the exit
// codes the job scripts leave in logs/, and the target database (whether the merge ran, and how far).
import { InputError } from '../../../shared/config.js';
import { FILE_LIMITS, readFileTail, readOptionalFile, regularFile } from '../../platform/files.js';
import { openStore } from '../../store/index.js';
import { exitFile, logFile, readManifest, shardFile, type ClusterManifest } from './slurm.js';

export type ShardState = 'waiting' | 'running' | 'done' | 'failed';

export interface ShardStatus {
  index: number;
  state: ShardState;
  runs: number;
  of: number;
  exitCode: number | null;
  /** Why it failed: the last line of its log, or why its database cannot be read. */
  message: string | null;
}

export interface ClusterStatus {
  dir: string;
  manifest: ClusterManifest;
  shards: ShardStatus[];
  failed: number[];
  merge: { ran: boolean; exitCode: number | null; experimentId: number | null; runs: number; complete: boolean; message: string | null };
}

/** The exit code a job script left (`echo $? > K.exit`); null while there is none. */
function exitCode(path: string): number | null {
  const bytes = readOptionalFile(path, FILE_LIMITS.exitCode, 'an exit code file (a number such as 0)');
  if (bytes === null) return null;
  const text = bytes.toString('latin1').trim();
  return /^\d{1,3}$/.test(text) ? Number(text) : null;
}

/** The last line of a log, read from its end only (a log may be any size). */
function lastLine(path: string): string | null {
  const tail = readFileTail(path, FILE_LIMITS.logTail, 'a log file');
  if (tail === null) return null;
  const lines = tail.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.pop() ?? null;
}

/** A database the folder names (a shard's, the merge's): refused unless absent or a regular file. */
const present = (file: string, kind: string) => regularFile(file, kind) !== null;

/** Runs of `specHash` in the database at `file`: a shard's own, or a merged sweep's. */
function storedRuns(file: string, specHash: string, merged: boolean): { experimentId: number; runs: number } | null {
  const store = openStore(file, { readonly: true });
  try {
    const record = store.sweepsOfSpec(specHash).find((r) => (merged ? r.mergedShards !== null : r.shard !== null));
    if (!record) return null;
    return { experimentId: record.experimentId, runs: store.summary(record.experimentId).runs };
  } finally {
    store.db.close();
  }
}

export function clusterStatus(dir: string): ClusterStatus {
  const manifest = readManifest(dir);
  const shards = manifest.ranges.map(([from, to], index): ShardStatus => {
    const code = exitCode(exitFile(dir, `shard-${index}`));
    const file = shardFile(dir, index);
    const exists = present(file, 'a shard database');
    let runs = 0;
    let message: string | null = null;
    if (exists) {
      try {
        runs = storedRuns(file, manifest.specHash, false)?.runs ?? 0;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        message = e.message;
      }
    }
    const of = to - from;
    // A shard trained by hand (landscape-lab sweep --shard, not the array's script) writes no exit file:
    // once its database holds all its runs it is done, not "running" until merged.
    const complete = runs === of && message === null;
    const state: ShardState = code === null ? (complete ? 'done' : exists ? 'running' : 'waiting') : code === 0 && complete ? 'done' : 'failed';
    if (state === 'failed' && message === null) {
      message = code === 143 ? 'stopped by SIGTERM (the time limit, or scancel); resubmit it to resume' : (lastLine(logFile(dir, `shard-${index}`)) ?? (code === 0 ? `exited 0 with ${runs} of ${of} runs` : null));
    }
    return { index, state, runs, of, exitCode: code, message };
  });
  const code = exitCode(exitFile(dir, 'merge'));
  let target: { experimentId: number; runs: number } | null = null;
  let message: string | null = null;
  if (present(manifest.db, 'the database the merge writes into')) {
    try {
      target = storedRuns(manifest.db, manifest.specHash, true);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      message = e.message;
    }
  }
  if (code !== null && code !== 0) message = lastLine(logFile(dir, 'merge'));
  return {
    dir,
    manifest,
    shards,
    failed: shards.filter((s) => s.state === 'failed').map((s) => s.index),
    merge: { ran: code !== null, exitCode: code, experimentId: target?.experimentId ?? null, runs: target?.runs ?? 0, complete: (target?.runs ?? 0) === manifest.runsTotal, message },
  };
}
