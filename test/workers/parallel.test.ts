// Every core on every long job: a surface's grid, a sweep cell's seeds and the best-found optimum's
// restarts split across real worker threads give exactly the numbers of one worker (or this thread).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import { MARKERS } from '../../shared/markers.js';
import { gridChunk } from '../../main/engine/surface.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { snapshotBudget } from '../../main/engine/runs.js';
import { runSweep } from '../../main/lab/sweep.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import type { JobInfo } from '../../shared/api.js';
import { openTestLab } from '../support/lab.js';
import { interpolation, landscape, optimum, train } from '../support/helpers.js';

let one: WorkerPool;
let two: WorkerPool;
beforeAll(() => {
  one = new WorkerPool(1);
  two = new WorkerPool(2);
});
afterAll(async () => {
  await one.close();
  await two.close();
});

/** A small 2-D classification net: no closed-form optimum, so every surface searches for one. */
const circle = parseConfig({
  data: { target: { kind: 'circle' }, n: 60 },
  model: { hidden: [6], activation: 'tanh', output: 'sigmoid' },
  loss: 'nll',
  batchSize: 8,
  steps: 200,
  seed: 7,
});

function tempStore(name: string): ExperimentStore {
  return openStore(join(mkdtempSync(join(tmpdir(), `lab-${name}-`)), 'lab.sqlite'));
}

const bits = (a: ArrayLike<number>) => Array.from(a);

describe('a cost surface split across the pool', () => {
  it('has the numbers of one worker and of this thread, trajectory, markers and optimum included', async () => {
    const trained = await train(circle, { kernel: 'js' });
    // 160² points: enough work for the pool (a small surface is computed in this thread).
    const req = { center: 'trained' as const, axes: 'plane', res: 160, span: 'auto' as const };
    const here = await landscape(circle, req, { trained, kernel: 'js' });
    const before = [...two.tasksStarted];
    const [a, b] = await Promise.all([landscape(circle, req, { trained, kernel: 'js', pool: one }), landscape(circle, req, { trained, kernel: 'js', pool: two })]);
    expect(two.tasksStarted.every((n, k) => n - before[k] >= 4)).toBe(true);
    // 23² = 529 points in chunks of 64: nine chunks, shared by both workers.
    expect(gridChunk(529)).toBe(64);
    for (const s of [a, b]) {
      expect(s.loss.length).toBe(25_600);
      expect(bits(s.loss)).toEqual(bits(here.loss));
      expect(bits(s.trajectory.loss)).toEqual(bits(here.trajectory.loss));
      expect(s.markers).toEqual(here.markers);
      expect(bits(s.optimum!.params)).toEqual(bits(here.optimum!.params));
      expect(s.optimum!.kind).toBe('best-found');
      expect(s.kernel).toBe('js');
    }
    // On `auto`, the kernel is chosen once for the whole grid, so a split cannot mix kernels.
    const [c, d] = await Promise.all([landscape(circle, req, { trained, pool: one }), landscape(circle, req, { trained, pool: two })]);
    expect(bits(d.loss)).toEqual(bits(c.loss));
    expect(d.kernel).toBe(c.kernel);
  });

  it('on PCA axes, computed by a worker, has the directions and numbers of this thread', async () => {
    const trained = await train(circle, { kernel: 'js' });
    const req = { center: 'trained' as const, axes: 'pca', res: 9, span: 'auto' as const };
    const here = await landscape(circle, req, { trained, kernel: 'js' });
    const there = await landscape(circle, req, { trained, kernel: 'js', pool: two });
    expect(bits(there.d1)).toEqual(bits(here.d1));
    expect(bits(there.d2)).toEqual(bits(here.d2));
    expect(there.explained).toEqual(here.explained);
    expect(bits(there.loss)).toEqual(bits(here.loss));
  });

  it('a small surface stays in this thread: sending it to the pool would cost more than it does', async () => {
    const run0 = await train(circle, { kernel: 'js' });
    // The run carries its optimum (as a stored run does after its first surface), so nothing is searched.
    const found = await optimum(circle, { kernel: 'js', data: run0.data, reference: run0.params.final });
    const trained = { ...run0, params: { ...run0.params, optimum: found.params }, optimum: { kind: found.kind, loss: found.loss, method: found.method } };
    const before = [...two.tasksStarted];
    const small = await landscape(circle, { center: 'trained', axes: 'plane', res: 23, span: 'auto' }, { trained, kernel: 'js', pool: two });
    expect(small.loss.length).toBe(529);
    expect(two.tasksStarted).toEqual(before);
  });

  it('a curve on the pool has the numbers of this thread', async () => {
    const trained = await train(circle, { kernel: 'js' });
    const req = { from: 'init' as const, to: 'trained' as const, points: 17 };
    const here = await interpolation(circle, req, { trained, kernel: 'js' });
    const there = await interpolation(circle, req, { trained, kernel: 'js', pool: two });
    expect(bits(there.loss)).toEqual(bits(here.loss));
    expect(bits(there.t)).toEqual(bits(here.t));
  });

  it('a cancelled surface stops with an AbortError', async () => {
    const trained = await train(circle, { kernel: 'js' });
    const controller = new AbortController();
    const pending = landscape(circle, { center: 'trained', axes: 'plane', res: 200, span: 1 }, { trained, pool: two, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('the best-found optimum split across the pool', () => {
  it('finds the same parameters as one batch in this thread, and reports its progress', async () => {
    const here = await optimum(circle, { kernel: 'js', restarts: 5 });
    const phases = new Set<string>();
    const there = await optimum(circle, { kernel: 'js', pool: two, restarts: 5, onProgress: (p) => phases.add(p.phase) });
    expect(there.kind).toBe('best-found');
    expect(there.loss).toBe(here.loss);
    expect(bits(there.params)).toEqual(bits(here.params));
    expect([...phases]).toEqual(['optimum']);
  });

  it('a cancelled search throws instead of returning unfinished restarts', async () => {
    const controller = new AbortController();
    const pending = optimum({ ...circle, steps: 400_000 }, { pool: two, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('an optimum the app needs for a fit', () => {
  it('is searched on the pool, split across both workers, with the numbers of this thread', async () => {
    const lab = openTestLab('fit-optimum', 2);
    try {
      const started = (await lab.service.call('jobs.run', { config: { data: { target: { kind: 'sine' }, n: 40 }, model: { hidden: [4] }, steps: 300 } })) as { ok: true; value: JobInfo };
      const id = (await lab.finished(started.value.id)).experimentId as number;
      const [trained] = lab.store.runs(id, 0);
      const before = [...lab.pool.tasksStarted];
      const fit = await lab.service.call('experiments.fit', { id, at: 'optimum', points: 50 });
      expect(fit.ok).toBe(true);
      expect(lab.pool.tasksStarted.map((n, k) => n - before[k] > 0)).toEqual([true, true]);
      const here = await optimum(trained.config, { kernel: 'js', data: trained.data, reference: trained.params.final });
      expect(bits(lab.store.runs(id, 0)[0].params.optimum!)).toEqual(bits(here.params));
    } finally {
      await lab.close();
    }
  });
});

describe("main's event loop", () => {
  // Its delay is a timing target (p99 < 50 ms), measured by `npm run bench -- --rows=app`, not here:
  // this asserts what keeps it free, that the three surfaces' work (optimum search included) runs on
  // the workers, every chunk of every grid, none of it on main's thread.
  it('leaves the three surfaces of a classification run, optimum search included, to the workers', async () => {
    const lab = openTestLab('event-loop', 2);
    try {
      const config = { data: { target: { kind: 'spiral' }, n: 300 }, model: { hidden: [16, 16], activation: 'tanh', output: 'sigmoid' }, loss: 'nll', batchSize: 10, steps: 2000 };
      const started = (await lab.service.call('jobs.run', { config })) as { ok: true; value: JobInfo };
      const id = (await lab.finished(started.value.id)).experimentId as number;
      const before = [...lab.pool.tasksStarted];
      const jobs = await Promise.all(MARKERS.map((center) => lab.service.call('jobs.landscape', { experimentId: id, center, axes: 'plane', res: 64, span: 'auto' })));
      for (const j of jobs) expect((await lab.finished((j as { ok: true; value: JobInfo }).value.id)).state).toBe('done');
      expect(lab.store.get(id).surfaces.map((s) => s.loss.length)).toEqual([4096, 4096, 4096]);
      const tasks = lab.pool.tasksStarted.map((n, k) => n - before[k]);
      expect(tasks.every((n) => n > 0)).toBe(true);
      // At least every grid chunk of the three surfaces, plus the optimum's restarts and each surface's markers.
      expect(tasks[0] + tasks[1]).toBeGreaterThanOrEqual(3 * Math.ceil(4096 / gridChunk(4096)));
    } finally {
      await lab.close();
    }
  });
});

describe('a sweep cell split across the pool', () => {
  const spec = { base: { data: { target: { kind: 'hinge' }, n: 40 }, model: { hidden: [4] }, steps: 300, seed: 3 }, grid: { 'optimizer.lr': [0.01] }, seeds: 7 };

  it('stores the same runs, in the same order, with the same numbers as one worker', async () => {
    const stores = [tempStore('sweep-one'), tempStore('sweep-two')];
    try {
      const before = [...two.tasksStarted];
      const [a, b] = await Promise.all([runSweep(stores[0], spec, { pool: one }), runSweep(stores[1], spec, { pool: two })]);
      // One cell, two workers: both trained part of its seeds.
      expect(two.tasksStarted.map((n, k) => n - before[k] > 0)).toEqual([true, true]);
      expect(a).toMatchObject({ status: 'done', runsDone: 7, runsTotal: 7 });
      expect(b).toMatchObject({ status: 'done', runsDone: 7, runsTotal: 7 });
      const [ra, rb] = [stores[0].runs(a.experimentId), stores[1].runs(b.experimentId)];
      expect(rb.map((r) => [r.index, r.label, r.seedIndex])).toEqual(ra.map((r) => [r.index, r.label, r.seedIndex]));
      expect(rb.map((r) => r.config.seed)).toEqual([3, 4, 5, 6, 7, 8, 9]);
      rb.forEach((r, k) => {
        const s = ra[k];
        expect([r.kernel, r.backend, r.status, r.stepsDone, r.finalLoss]).toEqual([s.kernel, s.backend, s.status, s.stepsDone, s.finalLoss]);
        expect(bits(r.loss.values)).toEqual(bits(s.loss.values));
        expect(bits(r.params.final)).toEqual(bits(s.params.final));
        expect(bits(r.snapshots.steps)).toEqual(bits(s.snapshots.steps));
        expect(bits(r.snapshots.params)).toEqual(bits(s.snapshots.params));
        expect(bits(r.params.optimum!)).toEqual(bits(s.params.optimum!));
      });
      expect(stores[1].summary(b.experimentId).kernel).toBe(stores[0].summary(a.experimentId).kernel);
    } finally {
      stores.forEach((s) => s.db.close());
    }
  });

  it('splits a large cell into a few parts per worker (stored as each finishes) with the numbers of this thread', async () => {
    const large = { ...spec, base: { ...spec.base, steps: 60 }, seeds: 256 };
    const stores = [tempStore('sweep-here'), tempStore('sweep-parts')];
    try {
      const before = two.tasksStarted.reduce((a, b) => a + b, 0);
      const stored: number[] = [];
      const a = await runSweep(stores[0], large);
      const b = await runSweep(stores[1], large, { pool: two, onSweepProgress: (p) => stored.push(p.runsDone) });
      // 256 seeds, two workers: four parts of 64 (a part has at least 64 runs), each stored on its own;
      // one more task chose the kernel for the whole cell.
      expect(two.tasksStarted.reduce((x, y) => x + y, 0) - before).toBe(1 + 4);
      expect(stored).toEqual([0, 64, 128, 192, 256]);
      const [ra, rb] = [stores[0].runs(a.experimentId), stores[1].runs(b.experimentId)];
      expect(rb.map((r) => r.index)).toEqual(ra.map((r) => r.index));
      rb.forEach((r, k) => {
        expect(bits(r.loss.values)).toEqual(bits(ra[k].loss.values));
        expect(bits(r.snapshots.params)).toEqual(bits(ra[k].snapshots.params));
      });
    } finally {
      stores.forEach((s) => s.db.close());
    }
  });

  it('gives each slice the snapshot budget that keeps the whole batch’s snapshots per run', () => {
    const P = 49;
    for (const [whole, part, budget] of [[1000, 500, 1 << 25], [1000, 333, 1 << 25], [7, 3, 1000], [3, 1, 10]]) {
      expect(Math.floor(snapshotBudget(whole, part, P, budget) / (part * P))).toBe(Math.floor(budget / (whole * P)));
    }
  });
});
