// Sweeps of a million runs (issue 23): a sweep run stored compactly (derived columns NULL, datasets
// once), its cell statistics written with it and exact as numpy's quantiles, and schema 7 files
// brought forward bit for bit. Real SQLite files, real training.
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reproduce, saveRun } from '../../main/lab/experiments.js';
import { runSweep } from '../../main/lab/sweep.js';
import { cellFromRecord, sweepStatistics, sweepStatisticsFromRuns } from '../../main/lab/sweepStats.js';
import { addToCells } from '../../main/store/cellStats.js';
import { migrate } from '../../main/store/db.js';
import { openStore, type ExperimentStore, type StoredRun } from '../../main/store/index.js';
import { SCHEMA_VERSION } from '../../main/store/migrations.js';
import { SWEEP_LOSS_POINTS } from '../../shared/sweep.js';
import { APP_VERSION } from '../../main/platform/version.js';
import { config, HINGE, train } from '../support/helpers.js';
import { insertOldRuns } from '../support/oldSchema.js';

let dir: string;
let opened: ExperimentStore[] = [];
const open = (file: string, options = {}) => {
  const s = openStore(file, options);
  opened.push(s);
  return s;
};
const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-compact-'));
});
afterEach(() => {
  opened.forEach((s) => s.db.open && s.db.close());
  opened = [];
});

/** Every number and word of two runs, arrays by their bytes. */
function expectSameRuns(a: StoredRun[], b: StoredRun[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((r, k) => {
    const s = b[k];
    for (const [x, y] of [
      [r.loss.steps, s.loss.steps], [r.loss.values, s.loss.values], [r.snapshots.steps, s.snapshots.steps], [r.snapshots.params, s.snapshots.params],
      [r.params.init, s.params.init], [r.params.final, s.params.final], [r.data.x, s.data.x], [r.data.y, s.data.y],
    ] as const) {
      expect(x.constructor).toBe(y.constructor);
      expect(bytes(x).equals(bytes(y)), `run ${r.index}`).toBe(true);
    }
    expect(r.params.optimum && bytes(r.params.optimum)).toEqual(s.params.optimum && bytes(s.params.optimum));
    const { loss: _l, snapshots: _s, params: _p, data: _d, ...rest } = r;
    const { loss: _l2, snapshots: _s2, params: _p2, data: _d2, ...restS } = s;
    expect(rest).toEqual(restS);
  });
}

/** The tutorial's sweep at its default recording: 1→2→1 ReLU, the hinge's 500 points, 5,000 Adam steps. */
const TUTORIAL_SWEEP = { base: { data: { target: HINGE } }, grid: { 'optimizer.lr': [0.01, 0.03] }, seeds: 4, threshold: 1e-3 };

describe('a sweep run, compactly', () => {
  it('takes under 2 KB for the tutorial network, stores its dataset once, and reproduces bit for bit', async () => {
    const store = open(join(dir, 'lab.sqlite'));
    const { experimentId: id } = await runSweep(store, TUTORIAL_SWEEP, { kernel: 'js' });
    const rows = store.db.prepare(
      `SELECT idx, label, config, hyper, loss_steps, snapshot_steps, init, final, length(loss_values) AS loss_bytes,
         length(idx) + length(status) + length(steps_done) + coalesce(length(final_loss), 0) + length(seconds) + length(kernel) + length(backend)
         + length(loss_values) + length(snapshots) + coalesce(length(optimum), 0) + coalesce(length(optimum_info), 0) + length(dataset_id)
         + length(diagnostics) + length(cell) + length(seed_index) + length(reached_step) AS payload
       FROM runs WHERE experiment_id = ? ORDER BY idx`,
    ).all(id) as Record<string, number | null>[];
    expect(rows).toHaveLength(8);
    for (const r of rows) {
      // Derived, so not stored: config, hyper and label from the spec; steps from the recording rules; init and final from the snapshots.
      expect([r.label, r.config, r.hyper, r.loss_steps, r.snapshot_steps, r.init, r.final]).toEqual([null, null, null, null, null, null, null]);
      expect(r.loss_bytes).toBe(8 * (SWEEP_LOSS_POINTS + 1));
      expect(r.payload as number).toBeLessThan(2048);
    }
    expect(store.db.prepare('SELECT count(*) AS n FROM datasets').get()).toEqual({ n: 1 });
    const runs = store.runs(id);
    expect(runs[5]).toMatchObject({ label: 'optimizer.lr=0.03 · seed=2', hyper: { 'optimizer.lr': 0.03, seed: 2 }, cell: 1, seedIndex: 1 });
    expect(runs[5].config).toMatchObject({ seed: 2, optimizer: { kind: 'adam', lr: 0.03 }, record: { every: 50, snapshots: 20 } });
    expect(Array.from(runs[5].loss.steps.subarray(0, 3))).toEqual([0, 50, 100]);
    expect(runs[5].loss.steps.at(-1)).toBe(5000);
    expect(store.runListing(id).map((l) => l.label)).toEqual(runs.map((r) => r.label));
    // `reproduce` re-trains every config as derived and compares every number with what is stored.
    const again = await reproduce(store, id);
    expect(again.runs.map((r) => r.matches)).toEqual(Array(8).fill(true));
    // A dataset goes with the last experiment that used it.
    store.delete(id);
    expect(store.db.prepare('SELECT (SELECT count(*) FROM datasets) AS datasets, (SELECT count(*) FROM sweep_cells) AS cells').get()).toEqual({ datasets: 0, cells: 0 });
  }, 60_000);

  it('keeps whatever a rule does not give back, as given (a run edited before it is stored)', async () => {
    const store = open(join(dir, 'lab.sqlite'));
    const { experimentId: id } = await runSweep(store, { ...TUTORIAL_SWEEP, base: { ...TUTORIAL_SWEEP.base, steps: 200 }, grid: {}, seeds: 1 }, { kernel: 'js' });
    const [run] = store.runs(id);
    const odd = { ...run, index: 1, label: 'my label', loss: { steps: Uint32Array.from(run.loss.steps, (s) => s + 1), values: run.loss.values }, params: { ...run.params, init: run.params.final } };
    store.addRuns(id, [odd]);
    const row = store.db.prepare('SELECT label, config, loss_steps, init, final FROM runs WHERE experiment_id = ? AND idx = 1').get(id) as Record<string, unknown>;
    expect(row.label).toBe('my label');
    expect(row.config).toBeNull();
    expect(Buffer.isBuffer(row.loss_steps) && Buffer.isBuffer(row.init)).toBe(true);
    expect(row.final).toBeNull();
    expectSameRuns(store.runs(id, 1), [odd]);
  }, 60_000);
});

describe('cell statistics written with the runs', () => {
  it('are the statistics of the stored runs, one row per cell', async () => {
    const store = open(join(dir, 'lab.sqlite'));
    const spec = { base: { data: { target: HINGE, n: 100 }, steps: 400 }, grid: { optimizer: [{ kind: 'adam', lr: 0.01 }, { kind: 'sgd', lr: 5 }] }, seeds: 5, threshold: 0.01 };
    const { experimentId: id } = await runSweep(store, spec, { kernel: 'js' });
    expect(store.db.prepare('SELECT cell, runs, run_indices FROM sweep_cells WHERE experiment_id = ?').all(id)).toEqual([
      { cell: 0, runs: 5, run_indices: null },
      { cell: 1, runs: 5, run_indices: null },
    ]);
    const stats = sweepStatistics(store, id);
    expect(stats).toEqual(sweepStatisticsFromRuns(store, id));
    expect(stats.cells[1]).toMatchObject({ diverged: 5, successRate: 0 });
    // Listing the sweep reads its count and best loss from the cells' rows too, not from every run.
    const best = (store.db.prepare('SELECT min(final_loss) AS m FROM runs WHERE experiment_id = ?').get(id) as { m: number }).m;
    expect(store.summary(id)).toMatchObject({ runs: 10, bestLoss: best });
    store.db.prepare('UPDATE runs SET final_loss = 0 WHERE experiment_id = ?').run(id);
    expect(store.summary(id)).toMatchObject({ runs: 10, bestLoss: best });
  }, 60_000);

  it("give numpy's linear quartiles bit for bit, whatever order the runs arrive in", () => {
    const reference = JSON.parse(readFileSync(new URL('../fixtures/quantiles-numpy.json', import.meta.url), 'utf8')) as { cases: { values: number[]; q1: number; median: number; q3: number }[] };
    const store = open(join(dir, 'lab.sqlite'));
    const seeds = 1001;
    const id = store.beginExperiment({ name: 'q', config: config(), kernel: 'js', backend: 'js', appVersion: APP_VERSION }, { spec: { base: { data: { target: HINGE } }, seeds }, cells: reference.cases.length, seeds });
    store.db.transaction(() => {
      reference.cases.forEach((c, cell) => {
        const rows = c.values.map((v, s) => ({ idx: cell * seeds + s, cell, status: 'done', finalLoss: v, reachedStep: null }));
        // In two batches, the second first: each batch merges into the cell's sorted values.
        const half = Math.floor(rows.length / 2);
        addToCells(store.db, id, seeds, 1e-3, rows.slice(half));
        addToCells(store.db, id, seeds, 1e-3, rows.slice(0, half));
      });
    })();
    const records = store.cellRecords(id);
    expect(records).toHaveLength(reference.cases.length);
    records.forEach((r, k) => {
      const c = reference.cases[k];
      expect(cellFromRecord(r).finalLoss, `${c.values.length} values`).toEqual({ q1: c.q1, median: c.median, q3: c.q3 });
      expect(r.runs).toBe(c.values.length);
      expect(r.successes).toBe(c.values.filter((v) => v < 1e-3).length);
    });
  });
});

describe('schema 7 brought forward', () => {
  it('rewrites every run compactly, bit for bit, and writes each sweep\'s cell statistics', async () => {
    // The runs as the current store gives them, written the way schema 7 stored them.
    const source = open(join(dir, 'source.sqlite'));
    const spec = { base: { data: { target: HINGE, n: 60 }, steps: 300, record: { every: 7 } }, grid: { 'optimizer.lr': [0.01, 0.1] }, seeds: 3, threshold: 0.01 };
    const { experimentId: sweepId } = await runSweep(source, spec, { kernel: 'js' });
    const singleId = saveRun(source, await train(config({ steps: 100, data: { target: HINGE, n: 50 } }), { kernel: 'js' }));
    const experiments = source.db.prepare('SELECT * FROM experiments ORDER BY id').all() as Record<string, unknown>[];
    const sweepRow = source.db.prepare('SELECT * FROM sweeps').get() as Record<string, unknown>;
    const sweepRuns = source.runs(sweepId);
    const singleRuns = source.runs(singleId);
    const stats = sweepStatistics(source, sweepId);

    const file = join(dir, 'v7.sqlite');
    const db = new Database(file);
    migrate(db, 7);
    const insert = (table: string, row: Record<string, unknown>) => db.prepare(`INSERT INTO ${table} (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map(() => '?').join(', ')})`).run(...Object.values(row));
    experiments.forEach((e) => insert('experiments', e));
    insert('sweeps', sweepRow);
    // Runs stored before schema 7 had no reached step: the migration reads their curves.
    insertOldRuns(db, sweepId, sweepRuns);
    insertOldRuns(db, singleId, singleRuns);
    db.close();

    const store = open(file);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expectSameRuns(store.runs(sweepId), sweepRuns);
    expectSameRuns(store.runs(singleId), singleRuns);
    expect(store.db.prepare('SELECT count(*) AS n FROM runs WHERE config IS NULL AND label IS NULL AND loss_steps IS NULL AND init IS NULL').get()).toEqual({ n: 6 });
    expect(store.db.prepare('SELECT count(*) AS n FROM datasets').get()).toEqual({ n: 2 });
    expect(store.cellRecords(sweepId).map((r) => r.runs)).toEqual([3, 3]);
    expect(sweepStatistics(store, sweepId)).toEqual(stats);
    expect((await reproduce(store, sweepId)).matches).toBe(true);
  }, 60_000);
});

describe('what a resumed sweep has left', () => {
  it('comes from the stored indices alone: a shard of a sweep of 8 runs lists exactly its range', async () => {
    const store = open(join(dir, 'indices.sqlite'));
    const spec = { base: { data: { target: HINGE }, steps: 20 }, grid: { 'optimizer.lr': [0.01, 0.03] }, seeds: 4 };
    const { experimentId: id } = await runSweep(store, spec, { kernel: 'js', shard: { index: 1, count: 3 } });
    expect(store.runIndices(id)).toEqual(store.runs(id).map((r) => r.index));
    const { runFrom, runTo } = store.sweepRecord(id)!.shard!;
    expect(runTo - runFrom).toBeGreaterThan(1);
    expect(store.runIndices(id)).toEqual(Array.from({ length: runTo - runFrom }, (_, k) => runFrom + k));
  }, 60_000);
});
