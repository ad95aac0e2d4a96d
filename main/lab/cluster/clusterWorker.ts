// The thread a cluster folder's merge or progress runs in (clusterThread.ts starts it, one per call): it
// reads the shard databases and writes the lab's on connections of its own, so that main's thread,
// which serves every page, never waits on them. A merge reports its progress a few times a second and
// stops, between two pages of runs, when main raises the cancel flag: its transaction is rolled back.
import { parentPort, workerData } from 'node:worker_threads';
import type { ClusterTask, FromCluster } from './clusterThread.js';
import type { MergeWatch } from './merge.js';

if (!parentPort) throw new Error('lab/cluster/clusterWorker.ts runs only as a worker thread');
const port = parentPort;
const { task, cancel } = workerData as { task: ClusterTask; cancel: Int32Array };

/** Progress messages at most this often (ms): the job queue throttles its events further. */
const REPORT_MS = 50;
let reported = 0;

const watch: MergeWatch = (pass, done, total) => {
  // An Error named AbortError, not a DOMException: the store reads an error's `code` as SQLite's (a string).
  if (Atomics.load(cancel, 0) !== 0) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  const now = performance.now();
  if (now - reported < REPORT_MS && done < total) return;
  reported = now;
  port.postMessage({ type: 'progress', pass, done, total } satisfies FromCluster);
};

// Each task loads only its own modules: a status, asked for at every click, never waits for the merge's.
async function perform(): Promise<FromCluster> {
  if (task.type === 'status') return { type: 'done', value: (await import('./status.js')).clusterStatus(task.dir) };
  const [{ openStore }, { importClusterFolder }] = await Promise.all([import('../../store/index.js'), import('./folders.js')]);
  const store = openStore(task.db, { mustExist: true });
  try {
    return { type: 'done', value: importClusterFolder(store, task.dir, watch) };
  } finally {
    store.db.close();
  }
}

perform().then(
  (done) => port.postMessage(done),
  (e: unknown) => {
    const error = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ type: 'error', name: error.name, message: error.message } satisfies FromCluster);
  },
);
