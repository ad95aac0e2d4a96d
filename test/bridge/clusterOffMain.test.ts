// serve's main thread never waits on a cluster folder: its merge runs as a job in a thread of its own
// (main/lab/cluster/clusterThread.ts), so while tens of thousands of runs are merged every other call
// is answered, the job shows its progress to every page, and Cancel rolls the merge back with the
// database row for row as it was; its progress is read in a thread too. Order and state are asserted,
// never times.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../shared/api.js';
import type { ClusterImport } from '../../shared/cluster.js';
import { RENDERER_ROOT } from '../../main/bridge/serve.js';
import { startBridge, type Bridge } from '../../main/bridge/server.js';
import { importClusterFolder } from '../../main/lab/cluster/folders.js';
import { clusterStatus } from '../../main/lab/cluster/status.js';
import { LabChannels } from '../../main/lab/channels.js';
import { Lab } from '../../main/lab/lab.js';
import { runSweep } from '../../main/lab/sweep.js';
import type { Db } from '../../main/store/db.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { bridgePage } from '../support/bridgeClient.js';

let dir: string;
let folder: string;
let bridge: Bridge;
let store: ExperimentStore;
let pool: WorkerPool;

/** 100 cells × 300 seeds of a few steps on 20 points: 30,000 small runs, in three shards. */
const spec = {
  name: 'merge off main',
  base: { data: { target: { kind: 'hinge' }, n: 20 }, steps: 5 },
  grid: { 'optimizer.lr': { from: 0.001, to: 0.1, count: 10, scale: 'log' }, 'data.target.x0': { from: -0.9, to: 0.9, count: 10 } },
  seeds: 300,
};
const SHARDS = 3;
const RUNS = 30_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-cluster-offmain-'));
  folder = join(dir, 'cluster');
  store = openStore(join(dir, 'lab.sqlite'));
  pool = new WorkerPool(1);
  const lab = new Lab({ database: store.file, store, pool });
  lab.writeSweepFolder(spec, folder, { shards: SHARDS });
  for (let k = 0; k < SHARDS; k++) {
    const shard = openStore(join(folder, 'shards', `shard-${k}.sqlite`));
    try {
      await runSweep(shard, spec, { shard: { index: k, count: SHARDS } });
    } finally {
      shard.db.close();
    }
  }
  bridge = await startBridge({ channels: new LabChannels(lab, 'browser'), root: RENDERER_ROOT, log: () => {} });
}, 300_000);
afterAll(async () => {
  await bridge?.close();
  await pool?.close();
  store?.db.close();
});


/** Every row of every table, in rowid order: equal digests are row-identical databases. */
function rows(db: Db): string {
  const hash = createHash('sha256');
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  for (const t of tables) {
    hash.update(`table ${t}\n`);
    for (const row of db.prepare(`SELECT * FROM "${t}"`).raw().iterate() as Iterable<unknown[]>) {
      hash.update(JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v))));
    }
  }
  return hash.digest('hex');
}

/** A merged sweep's runs (their datasets by content) and cell statistics, whichever database holds it. */
function merged(db: Db, id: number): string {
  const hash = createHash('sha256');
  const runs = db.prepare("SELECT r.*, d.hash AS dataset FROM runs r JOIN datasets d ON d.id = r.dataset_id WHERE r.experiment_id = ? ORDER BY r.idx").raw().iterate(id) as Iterable<unknown[]>;
  const columns = (db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name);
  const skip = new Set([columns.indexOf('id'), columns.indexOf('experiment_id'), columns.indexOf('dataset_id')]);
  let count = 0;
  for (const row of runs) {
    count++;
    hash.update(JSON.stringify(row.filter((_, k) => !skip.has(k)).map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v))));
  }
  return `${count} runs ${hash.digest('hex')}`;
}

describe('a cluster folder merges off main: other calls are answered meanwhile, and Cancel leaves the database as it was', () => {
  it('cancelled while merging: the merge answers "cancelled", its job ends cancelled, and every row of the database is as it was', async () => {
    const p = await bridgePage(bridge);
    const before = rows(store.db);
    const running = p.job((job) => job.kind === 'merge' && job.state === 'running' && job.phase === 'merging' && job.step > 0);
    const merging = p.call('cluster.import', { dir: folder });
    const job = await running;
    expect(job.steps).toBe(RUNS);
    const ended = p.job((j) => j.id === job.id && j.state !== 'running');
    expect(await p.call('jobs.cancel', { jobId: job.id })).toEqual({ ok: true, value: null });
    expect(await merging).toEqual({ ok: false, error: { code: 'invalid', message: 'cancelled' } });
    expect((await ended).state).toBe('cancelled');
    expect(rows(store.db)).toBe(before);
    p.close();
  });

  it('experiments.list is answered while the runs are merged, before the merge answers; the merge equals the one in-process', async () => {
    const p = await bridgePage(bridge);
    const phases = new Set<string>();
    const seen = p.job((job) => {
      if (job.kind === 'merge' && job.state === 'running') phases.add(job.phase);
      return job.kind === 'merge' && job.state === 'running' && job.phase === 'merging' && job.step > 0;
    });
    const order: string[] = [];
    const merging = p.call('cluster.import', { dir: folder }).then((r) => {
      order.push('merge answered');
      return r;
    });
    const job = await seen;
    expect(job.step).toBeLessThan(RUNS);
    const listed = await p.call('experiments.list');
    order.push('list answered');
    expect(listed).toEqual({ ok: true, value: [] });
    const done = (await merging) as Result<ClusterImport>;
    expect(order).toEqual(['list answered', 'merge answered']);
    expect(phases).toEqual(new Set(['checking', 'merging']));
    if (!done.ok) throw new Error(done.error.message);
    expect(done.value).toMatchObject({ created: true, runsTotal: RUNS, runsDone: RUNS, runsAdded: RUNS, complete: true, missing: [] });

    const local = openStore(join(dir, 'in-process.sqlite'));
    try {
      const inProcess = importClusterFolder(local, folder);
      expect({ ...done.value, experimentId: 0 }).toEqual({ ...inProcess, experimentId: 0 });
      expect(merged(store.db, done.value.experimentId)).toBe(merged(local.db, inProcess.experimentId));
      expect(merged(store.db, done.value.experimentId)).toMatch(/^30000 runs /);
    } finally {
      local.db.close();
    }
    p.close();
  });

  it('cluster.status is read in a thread and says what the folder says read in-process', async () => {
    const p = await bridgePage(bridge);
    const status = await p.call('cluster.status', { dir: folder });
    const s = clusterStatus(folder);
    expect(status).toEqual({ ok: true, value: { dir: s.dir, name: s.manifest.name, runsTotal: RUNS, db: s.manifest.db, shards: s.shards, failed: [], merge: s.merge } });
    expect(s.shards.map((x) => x.state)).toEqual(['done', 'done', 'done']);
    expect(await p.call('cluster.status', { dir: join(dir, 'nowhere') })).toEqual({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/nowhere: has no cluster\.json/) } });
    p.close();
  });
});
