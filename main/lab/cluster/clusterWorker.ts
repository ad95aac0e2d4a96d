// The thread a cluster folder's merge or progress runs in (clusterThread.ts starts it, one per call): it
// reads the shard databases and writes the lab's on connections of its own, so that main's thread,
// which serves every page, never waits on them. A merge reports its progress a few times a second and
// stops, between two pages of runs, when main raises the cancel flag: its transaction is rolled back.
import { serveTask } from '../../platform/tasks.js';
import type { ClusterTask } from './clusterThread.js';
import type { MergeWatch } from './merge.js';

// Each task loads only its own modules: a status, asked for at every click, never waits for the merge's.
serveTask<ClusterTask, Parameters<MergeWatch>[0]>(async (task, watch) => {
  if (task.type === 'status') return (await import('./status.js')).clusterStatus(task.dir);
  const [{ openStore }, { importClusterFolder }] = await Promise.all([import('../../store/index.js'), import('./folders.js')]);
  const store = openStore(task.db, { mustExist: true });
  try {
    return importClusterFolder(store, task.dir, watch);
  } finally {
    store.db.close();
  }
});
