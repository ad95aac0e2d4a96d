// A lab for the service-level tests: a real store in a temporary folder, a real worker pool and the
// service the UI talks to, with every job event kept so a test can wait for a job to end.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobInfo } from '../../shared/api.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { LabChannels } from '../../main/lab/channels.js';
import { Lab } from '../../main/lab/lab.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';

export interface TestLab {
  /** The lab's temporary folder, and its database file in it. */
  dir: string;
  database: string;
  store: ExperimentStore;
  pool: WorkerPool;
  service: LabChannels;
  /** Every job event, in order. */
  updates: JobInfo[];
  /** The job's last event once it is done, failed or cancelled. */
  finished(jobId: string): Promise<JobInfo>;
  close(): Promise<void>;
}

export function openTestLab(name: string, workers = 1): TestLab {
  const dir = mkdtempSync(join(tmpdir(), `lab-${name}-`));
  const database = join(dir, 'lab.sqlite');
  const store = openStore(database);
  const pool = new WorkerPool(workers);
  const service = new LabChannels(new Lab({ database, store, pool }), 'browser');
  const updates: JobInfo[] = [];
  service.onEvent((e) => e.type === 'job' && updates.push(e.job));
  const finished = (jobId: string) =>
    new Promise<JobInfo>((resolve) => {
      const check = () => {
        const last = updates.filter((u) => u.id === jobId).pop();
        if (last && ['done', 'failed', 'cancelled'].includes(last.state)) resolve(last);
        else setTimeout(check, 20);
      };
      check();
    });
  const close = async () => {
    await pool.close();
    store.db.close();
  };
  return { dir, database, store, pool, service, updates, finished, close };
}
