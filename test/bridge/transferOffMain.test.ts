// serve's main thread never waits on an import or an export: each runs as a job in a thread of its own
// (main/store/exchangeThread.ts), so while tens of MB are checked, written or exported, every other
// call is answered, the job shows its progress to every page, and Cancel stops it with the database as
// it was. Order and state are asserted, never times.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../shared/api.js';
import { RENDERER_ROOT } from '../../main/bridge/serve.js';
import { startBridge, type Bridge } from '../../main/bridge/server.js';
import { LabChannels } from '../../main/lab/channels.js';
import { saveRun } from '../../main/lab/experiments.js';
import { Lab } from '../../main/lab/lab.js';
import { exportToFile } from '../../main/store/exchangeLines.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { config, train } from '../support/helpers.js';
import { bridgeHttp, bridgeOrigin, bridgePage } from '../support/bridgeClient.js';

let dir: string;
let bridge: Bridge;
let store: ExperimentStore;
let pool: WorkerPool;
let ids: number[];
/** A real export of six experiments of one run each, 8 MiB of snapshots a run: about 63 MB. */
let exported: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-offmain-'));
  store = openStore(join(dir, 'lab.sqlite'));
  pool = new WorkerPool(1);
  const run = await train(config({ steps: 200, model: { hidden: [100, 100] }, record: { snapshots: 200 } } as never), { kernel: 'simd' });
  ids = Array.from({ length: 6 }, (_, k) => saveRun(store, run, `large ${k}`));
  exportToFile(store, ids, join(dir, 'large.lab.json'));
  exported = readFileSync(join(dir, 'large.lab.json'));
  bridge = await startBridge({ channels: new LabChannels(new Lab({ database: 'test', store, pool }), 'browser'), root: RENDERER_ROOT, log: () => {} });
});
afterAll(async () => {
  await bridge.close();
  await pool.close();
  store.db.close();
});

const origin = () => bridgeOrigin(bridge);



const counts = () => store.db.prepare('SELECT (SELECT count(*) FROM experiments) AS experiments, (SELECT count(*) FROM runs) AS runs').get();

describe('an import runs off main: other calls are answered meanwhile, and Cancel leaves the database as it was', () => {
  it('experiments.list is answered while the upload is written, before the import answers; the job reports both passes', async () => {
    const p = await bridgePage(bridge);
    const before = store.list().length;
    const phases = new Set<string>();
    const seen = p.job((job) => {
      if (job.kind === 'import' && job.state === 'running') phases.add(job.phase);
      return job.kind === 'import' && job.state === 'running' && job.phase === 'importing' && job.step > 0;
    });
    const order: string[] = [];
    const imported = bridgeHttp(bridge, '/import?name=large.lab.json', { method: 'POST', body: exported, headers: { origin: origin() } }).then((r) => {
      order.push('import answered');
      return r;
    });
    const writing = await seen;
    expect(writing.steps).toBe(Math.ceil(exported.length / 2 ** 20));
    const listed = await p.call('experiments.list');
    order.push('list answered');
    expect(listed.ok && (listed.value as unknown[]).length).toBe(before);
    const done = await imported;
    expect(order).toEqual(['list answered', 'import answered']);
    expect(phases).toEqual(new Set(['checking', 'importing']));
    const result = JSON.parse(done.body.toString('utf8')) as Result<{ id: number; renamed: boolean }[]>;
    expect(result.ok && result.value.map((r) => r.renamed)).toEqual([true, true, true, true, true, true]);
    expect(store.list().length).toBe(before + 6);
    p.close();
  });

  it.each(['checking', 'importing'])('cancelled while %s: the import answers "cancelled", its job ends cancelled, and nothing is stored', async (phase) => {
    const p = await bridgePage(bridge);
    const before = counts();
    const list = JSON.stringify(store.list());
    const running = p.job((job) => job.kind === 'import' && job.state === 'running' && job.phase === phase && job.step > 0);
    const imported = bridgeHttp(bridge, '/import?name=large.lab.json', { method: 'POST', body: exported, headers: { origin: origin() } });
    const job = await running;
    const ended = p.job((j) => j.id === job.id && j.state !== 'running');
    expect(await p.call('jobs.cancel', { jobId: job.id })).toEqual({ ok: true, value: null });
    const done = await imported;
    expect(JSON.parse(done.body.toString('utf8'))).toEqual({ ok: false, error: { code: 'invalid', message: 'cancelled' } });
    expect((await ended).state).toBe('cancelled');
    expect(counts()).toEqual(before);
    expect(JSON.stringify(store.list())).toBe(list);
    p.close();
  });
});

describe('an export runs off main as well', () => {
  it('experiments.list is answered while the export is written, before the download starts; the file is the one export writes', async () => {
    const p = await bridgePage(bridge);
    const seen = p.job((job) => job.kind === 'export' && job.state === 'running' && job.phase === 'exporting' && job.step > 0);
    const order: string[] = [];
    const downloaded = bridgeHttp(bridge, `/export?ids=${ids.join(',')}`).then((r) => {
      order.push('export answered');
      return r;
    });
    const writing = await seen;
    expect(writing.steps).toBe(6);
    expect((await p.call('experiments.list')).ok).toBe(true);
    order.push('list answered');
    const done = await downloaded;
    expect(order).toEqual(['list answered', 'export answered']);
    expect(done.status).toBe(200);
    const strip = (text: string) => text.replace(/"exportedAt":"[^"]+"/, '');
    expect(strip(done.body.toString('utf8'))).toBe(strip(exported.toString('utf8')));
    p.close();
  });

  it('cancelled: the download is refused with "cancelled" and the job ends cancelled', async () => {
    const p = await bridgePage(bridge);
    const running = p.job((job) => job.kind === 'export' && job.state === 'running' && job.step > 0);
    const downloaded = bridgeHttp(bridge, `/export?ids=${ids.join(',')}`);
    const job = await running;
    const ended = p.job((j) => j.id === job.id && j.state !== 'running');
    await p.call('jobs.cancel', { jobId: job.id });
    const done = await downloaded;
    expect([done.status, done.body.toString('utf8').trim()]).toEqual([400, 'cancelled']);
    expect((await ended).state).toBe('cancelled');
    p.close();
  });
});
