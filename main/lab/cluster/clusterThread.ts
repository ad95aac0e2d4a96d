// A cluster folder's merge and its progress off main's thread, as imports and exports are (see
// store/exchangeThread.ts): each runs in a thread of its own (clusterWorker.ts) on connections of its
// own (WAL lets the merge write while main reads). Main starts it, relays its progress, raises its
// cancel flag, and gets its result or its one-line refusal, as the same InputError the thread threw.
import type { ClusterImport } from '../../../shared/cluster.js';
import { InputError } from '../../../shared/errors.js';
import { startThread } from '../../platform/threads.js';
import type { MergeWatch } from './merge.js';
import type { ClusterStatus } from './status.js';

export type ClusterTask =
  /** Merge the shard databases of the folder `dir` into the database `db`, in one transaction. */
  | { type: 'merge'; dir: string; db: string }
  /** Read the folder's progress: its manifest, shard databases, exit codes and logs. */
  | { type: 'status'; dir: string };

export type FromCluster =
  | { type: 'progress'; pass: Parameters<MergeWatch>[0]; done: number; total: number }
  | { type: 'done'; value: ClusterImport | ClusterStatus }
  | { type: 'error'; name: string; message: string };

export interface ClusterThreadOptions {
  signal?: AbortSignal;
  onProgress?: MergeWatch;
}

function errorOf(m: { name: string; message: string }): Error {
  if (m.name === 'InputError') return new InputError(m.message);
  return Object.assign(new Error(m.message), { name: m.name });
}

function run(task: ClusterTask, o: ClusterThreadOptions): Promise<unknown> {
  if (o.signal?.aborted) return Promise.reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
  // Shared with the thread, which reads it between two pages of runs: it never waits for a message.
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const worker = startThread(import.meta.url, 'clusterWorker', { workerData: { task, cancel } });
  return new Promise((resolve, reject) => {
    const stop = () => Atomics.store(cancel, 0, 1);
    o.signal?.addEventListener('abort', stop, { once: true });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', stop);
      f();
      void worker.terminate();
    };
    worker.on('message', (m: FromCluster) => {
      if (m.type === 'progress') o.onProgress?.(m.pass, m.done, m.total);
      else if (m.type === 'done') settle(() => resolve(m.value));
      else settle(() => reject(errorOf(m)));
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the cluster thread stopped (exit code ${code})`))));
  });
}

/** Merges the shards of the cluster folder `dir` into the database `db` (which exists), in a thread. */
export async function mergeInThread(dir: string, db: string, o: ClusterThreadOptions = {}): Promise<ClusterImport> {
  return (await run({ type: 'merge', dir, db }, o)) as ClusterImport;
}

/** A cluster folder's progress, read in a thread. */
export async function statusInThread(dir: string): Promise<ClusterStatus> {
  return (await run({ type: 'status', dir }, {})) as ClusterStatus;
}
