// Sweep statistics: quartiles as numpy's default computes them, and per-cell numbers that agree with
// the runs as stored.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import { expandSweep, SWEEP_SNAPSHOTS } from '../../shared/sweep.js';
import { fieldValue, formatSweepValue, quantile, sweepRunLabel, quartiles, stepsToThreshold } from '../../shared/sweepStats.js';
import { saveRun } from '../../main/lab/experiments.js';
import { runConfigs } from '../../main/engine/runs.js';
import { resumeSweep, runSweep } from '../../main/lab/sweep.js';
import { cachedSweepStatistics, cellStatistics, sweepStatistics, sweepStatisticsFromRuns } from '../../main/lab/sweepStats.js';
import { openStore, type ExperimentStore, type StoredRun } from '../../main/store/index.js';
import type { ExperimentView, Result } from '../../shared/api.js';
import { config, HINGE } from '../support/helpers.js';
import { openTestLab } from '../support/lab.js';

describe('quartiles (linear interpolation, numpy default)', () => {
  it('interpolates between ranks', () => {
    // np.percentile([1, 2, 3, 4], [25, 50, 75]) == [1.75, 2.5, 3.25]
    expect(quartiles([4, 1, 3, 2])).toEqual({ q1: 1.75, median: 2.5, q3: 3.25 });
    // np.percentile(range(1, 11), [25, 50, 75]) == [3.25, 5.5, 7.75]
    expect(quartiles([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual({ q1: 3.25, median: 5.5, q3: 7.75 });
    expect(quartiles([3, 1, 2])).toEqual({ q1: 1.5, median: 2, q3: 2.5 });
    expect(quantile([0, 10], 0.1)).toBe(1);
    expect(quantile([2, 4, 8], 1)).toBe(8);
    expect(quantile([2, 4, 8], 0)).toBe(2);
  });

  it('one value is every quartile; none gives null', () => {
    expect(quartiles([7])).toEqual({ q1: 7, median: 7, q3: 7 });
    expect(quartiles([])).toEqual({ q1: null, median: null, q3: null });
  });
});

describe('cellStatistics', () => {
  const curve = (steps: number[], values: number[]) => ({ steps: Uint32Array.from(steps), values: Float64Array.from(values) });
  it('counts successes over all runs and takes quartiles over the runs that did not diverge', () => {
    const runs = [
      { index: 4, status: 'done' as const, finalLoss: 0.5, loss: curve([0, 10, 20], [1, 0.75, 0.5]) },
      { index: 5, status: 'done' as const, finalLoss: 0.125, loss: curve([0, 10, 20], [1, 0.25, 0.125]) },
      { index: 6, status: 'done' as const, finalLoss: 0.25, loss: curve([0, 10, 20], [1, 0.375, 0.25]) },
      { index: 7, status: 'diverged' as const, finalLoss: null, loss: curve([0, 10], [1, 0.01]) },
    ];
    // Final losses 0.125, 0.25, 0.5: q1 at rank 0.5, q3 at rank 1.5. Steps below 0.3: 10 and 20.
    expect(cellStatistics(runs, 0.3)).toEqual({
      runs: 4,
      finalLoss: { q1: 0.1875, median: 0.25, q3: 0.375 },
      successRate: 0.5,
      stepsToThreshold: { median: 15 },
      diverged: 1,
      firstRun: 4,
    });
  });

  it('a cell without runs has no statistics yet', () => {
    expect(cellStatistics([], 1e-3)).toEqual({
      runs: 0,
      finalLoss: { q1: null, median: null, q3: null },
      successRate: null,
      stepsToThreshold: { median: null },
      diverged: 0,
      firstRun: null,
    });
  });

  it('steps to threshold is the first recorded step strictly below it', () => {
    expect(stepsToThreshold({ steps: [0, 5, 10], values: [1, 0.1, 0.01] }, 0.1)).toBe(10);
    expect(stepsToThreshold({ steps: [0, 5, 10], values: [1, 0.1, 0.01] }, 0.001)).toBeNull();
  });
});

describe('fields and labels of cells', () => {
  it('reads swept paths and the width and depth of model.hidden', () => {
    const values = { 'model.hidden': [8, 8, 8], 'optimizer.lr': 0.01 };
    expect(fieldValue(values, 'optimizer.lr')).toBe(0.01);
    expect(fieldValue(values, 'model.hidden:width')).toBe(8);
    expect(fieldValue(values, 'model.hidden:depth')).toBe(3);
    expect(fieldValue(values, 'optimizer.lr:width')).toBeUndefined();
    expect(fieldValue(values, 'batchSize')).toBeUndefined();
  });

  it('labels values shortly', () => {
    expect(formatSweepValue({ kind: 'adam', lr: 0.003, beta1: 0.95 })).toBe('adam lr=0.003 beta1=0.95');
    expect(formatSweepValue([4, 4])).toBe('[4, 4]');
    expect(formatSweepValue(0.5)).toBe('0.5');
    expect(formatSweepValue('sgd')).toBe('sgd');
    expect(formatSweepValue(undefined)).toBe('—');
  });

  it('one formatter for the sweep view, its run labels and the CLI: no JSON, numbers to four digits (issue 20, finding 13)', () => {
    expect(formatSweepValue({ kind: 'sgd', lr: 0.1 })).toBe('sgd lr=0.1');
    expect(formatSweepValue(0.000316227766017)).toBe('3.162e-4');
    expect(formatSweepValue(0.010000000000000002)).toBe('0.01');
    expect(formatSweepValue(0.000316227766017, true)).toBe('0.000316227766017');
    expect(formatSweepValue([2, 0.30000000000000004])).toBe('[2, 0.3]');
    expect(formatSweepValue(250000)).toBe('2.5e5');
    expect(sweepRunLabel({ optimizer: { kind: 'sgd', lr: 0.1 }, 'optimizer.lr': 0.000316227766017 }, 1)).toBe('optimizer=sgd lr=0.1 · optimizer.lr=3.162e-4 · seed=1');
  });
});

describe('sweepStatistics on a real sweep', () => {
  let store: ExperimentStore;
  beforeAll(() => {
    store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-sweepstats-')), 'lab.sqlite'));
  });

  /** Equal to within rounding: the test's median and the interpolated one may differ in the last bit. */
  const expectNear = (actual: number | null, expected: number | null) => {
    if (expected === null) return expect(actual).toBeNull();
    expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-12 * Math.abs(expected));
  };
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };

  it('agrees with the stored runs, cell by cell', async () => {
    const spec = {
      base: { data: { target: HINGE, n: 100 }, steps: 300, record: { every: 10 } },
      grid: { optimizer: [{ kind: 'adam', lr: 0.01 }, { kind: 'sgd', lr: 0.1 }, { kind: 'sgd', lr: 5 }] },
      seeds: 6,
      threshold: 0.01,
    };
    const outcome = await runSweep(store, spec);
    expect(outcome).toMatchObject({ status: 'done', runsDone: 18 });
    const stats = sweepStatistics(store, outcome.experimentId);
    expect(stats.fields).toEqual(['optimizer']);
    expect(stats.threshold).toBe(0.01);
    expect(stats.cells.map((c) => c.values.optimizer)).toEqual(spec.grid.optimizer);

    const runs = store.runs(outcome.experimentId);
    for (const cell of stats.cells) {
      const mine = runs.filter((r) => r.cell === cell.index);
      expect(cell.firstRun).toBe(mine[0].index);
      expect(cell.runs).toBe(6);
      const finals = mine.filter((r) => r.status !== 'diverged').map((r) => r.finalLoss as number);
      expectNear(cell.finalLoss.median, finals.length ? median(finals) : null);
      expect(cell.diverged).toBe(mine.filter((r) => r.status === 'diverged').length);
      expect(cell.successRate).toBe(finals.filter((v) => v < 0.01).length / 6);
      const reached = mine.flatMap((r: StoredRun) => {
        const k = Array.from(r.loss.values).findIndex((v) => v < 0.01);
        return r.status !== 'diverged' && k >= 0 ? [r.loss.steps[k]] : [];
      });
      expectNear(cell.stepsToThreshold.median, reached.length ? median(reached) : null);
    }
    // What the cells show: Adam at 0.01 mostly succeeds, SGD at 5 always diverges.
    const [adam, , wild] = stats.cells;
    expect(adam.successRate).toBeGreaterThan(0);
    expect(adam.finalLoss.q1 as number).toBeLessThanOrEqual(adam.finalLoss.median as number);
    expect(adam.finalLoss.median as number).toBeLessThanOrEqual(adam.finalLoss.q3 as number);
    expect(wild).toMatchObject({ diverged: 6, successRate: 0, finalLoss: { median: null, q1: null, q3: null }, stepsToThreshold: { median: null } });

    // Each run keeps the step it reached the threshold at (-1: never), as its curve says; runs stored
    // without it (before schema 7) give the same statistics from their curves.
    const reached = store.db.prepare('SELECT idx, reached_step FROM runs WHERE experiment_id = ? ORDER BY idx').all(outcome.experimentId) as { idx: number; reached_step: number | null }[];
    expect(reached.map((r) => r.reached_step)).toEqual(runs.map((r) => stepsToThreshold(r.loss, 0.01) ?? -1));
    expect(reached.filter((r) => r.reached_step !== -1).length).toBeGreaterThan(0);
    store.db.prepare('UPDATE runs SET reached_step = NULL WHERE experiment_id = ?').run(outcome.experimentId);
    expect(sweepStatisticsFromRuns(store, outcome.experimentId)).toEqual(stats);
    // The statistics come from one row per cell, written with the runs: no run is read for them.
    expect(store.cellRecords(outcome.experimentId).map((r) => r.runs)).toEqual([6, 6, 6]);
    store.db.prepare('UPDATE runs SET final_loss = 123 WHERE experiment_id = ?').run(outcome.experimentId);
    expect(sweepStatistics(store, outcome.experimentId)).toEqual(stats);
  });

  it("the app's view of a sweep holds and lists one run, the others paged by run and by cell; of another experiment, every run", async () => {
    const lab = openTestLab('sweep-view');
    try {
      const outcome = await runSweep(lab.store, { base: { data: { target: HINGE, n: 40 }, steps: 20 }, grid: { 'optimizer.lr': [0.001, 0.01] }, seeds: 3 });
      const id = outcome.experimentId;
      const runs = lab.store.runs(id);
      expect(runs).toHaveLength(6);
      const listing = runs.map(({ index, label, status, finalLoss }) => ({ index, label, status, finalLoss }));
      for (const [asked, sent] of [[undefined, 0], [4, 4], [99, 0]] as const) {
        const view = (await lab.service.call('experiments.get', asked === undefined ? { id } : { id, run: asked })) as Result<ExperimentView>;
        if (!view.ok) throw new Error(view.error.message);
        expect(view.value.runList, `run ${asked}`).toEqual([runs[sent]]);
        expect(view.value.runListing).toEqual([listing[sent]]);
      }
      const call = async <T>(channel: string, payload: unknown): Promise<T> => {
        const r = (await lab.service.call(channel, payload)) as Result<T>;
        if (!r.ok) throw new Error(r.error.message);
        return r.value;
      };
      expect(await call('experiments.runs', { id, offset: 2, limit: 3 })).toEqual({ total: 6, offset: 2, runs: listing.slice(2, 5) });
      expect(await call('experiments.runs', { id, cell: 1, offset: 1, limit: 10 })).toEqual({ total: 3, offset: 1, runs: listing.slice(4, 6) });
      expect(await call('experiments.cells', { id, offset: 1, limit: 5 })).toEqual({
        total: 2,
        seeds: 3,
        offset: 1,
        cells: [{ index: 1, label: 'optimizer.lr=0.01', runs: 3, bestLoss: Math.min(...runs.slice(3).map((x) => x.finalLoss as number)), firstRun: 3 }],
      });
      const refused = (await lab.service.call('experiments.runs', { id, cell: 2 })) as Result<unknown>;
      expect(refused).toEqual({ ok: false, error: { code: 'invalid', message: `cell: must be below 2, the cells of sweep ${id} (got 2)` } });
      // Without the option, the store gives every run (the CLI, export and the tests read them so).
      expect(lab.store.get(id).runList).toEqual(runs);
      // Not a sweep: every run, whatever the option says.
      const [r] = await runConfigs([config({ data: { target: HINGE, n: 30 }, steps: 10 })]);
      const single = saveRun(lab.store, r);
      const view = lab.store.get(single, { sweepRun: 3 });
      expect(view.runList).toEqual(lab.store.runs(single));
      expect(view.runListing).toEqual([{ index: 0, label: view.runList[0].label, status: 'done', finalLoss: r.finalLoss }]);
    } finally {
      await lab.close();
    }
  });

  it('an unfinished sweep reports the cells it has', async () => {
    const controller = new AbortController();
    const outcome = await runSweep(
      store,
      { base: { data: { target: HINGE, n: 60 }, steps: 50 }, grid: { 'optimizer.lr': [0.001, 0.01, 0.1] }, seeds: 2 },
      { signal: controller.signal, onSweepProgress: (p) => p.cellsDone >= 1 && controller.abort() },
    );
    expect(outcome.status).toBe('cancelled');
    const stats = sweepStatistics(store, outcome.experimentId);
    expect(stats.cells.map((c) => c.runs)).toEqual([2, 0, 0]);
    expect(stats.cells[1]).toMatchObject({ successRate: null, finalLoss: { median: null }, firstRun: null });

    // What the app asks for is kept until the sweep changes: here, until it is resumed to the end.
    const first = cachedSweepStatistics(store, outcome.experimentId);
    expect(first).toEqual(stats);
    expect(cachedSweepStatistics(store, outcome.experimentId)).toBe(first);
    await resumeSweep(store, outcome.experimentId);
    const resumed = cachedSweepStatistics(store, outcome.experimentId);
    expect(resumed.cells.map((c) => c.runs)).toEqual([2, 2, 2]);
    expect(resumed).toEqual(sweepStatistics(store, outcome.experimentId));
  });

  it('refuses an experiment that is not a sweep, and an unknown id', async () => {
    const [r] = await runConfigs([config({ data: { target: HINGE, n: 30 }, steps: 10 })]);
    const id = saveRun(store, r);
    expect(() => sweepStatistics(store, id)).toThrow(`experiment ${id}: is not a sweep; statistics are per sweep cell`);
    expect(() => sweepStatistics(store, 9999)).toThrow(/^experiment 9999: no such experiment in .*lab\.sqlite/);
  });
});

describe("a sweep's runs keep fewer snapshots", () => {
  const hinge = { data: { target: { kind: 'hinge' } } };
  it(`keep ${SWEEP_SNAPSHOTS} unless the base or the grid sets record.snapshots (a single run keeps 200)`, () => {
    const snapshotsOf = (spec: unknown) => [...expandSweep(spec).cells].map((c) => c.config.record.snapshots);
    expect(parseConfig(hinge).record.snapshots).toBe(200);
    expect(snapshotsOf({ base: hinge })).toEqual([SWEEP_SNAPSHOTS]);
    expect(expandSweep({ base: { ...hinge, record: { every: 5 } } }).cells.at(0).config.record).toEqual({ every: 5, snapshots: SWEEP_SNAPSHOTS });
    expect(snapshotsOf({ base: { ...hinge, record: { snapshots: 150 } } })).toEqual([150]);
    expect(snapshotsOf({ base: hinge, grid: { 'record.snapshots': [5, 40] } })).toEqual([5, 40]);
    expect(() => expandSweep({ base: { ...hinge, record: 3 } })).toThrow(/^base\.record: /);
  });

  it('and store that many', async () => {
    const store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-sweepsnaps-')), 'lab.sqlite'));
    try {
      const { experimentId } = await runSweep(store, { base: { ...hinge, steps: 100 }, seeds: 2 });
      expect(store.runs(experimentId).map((r) => r.snapshots.steps.length)).toEqual([SWEEP_SNAPSHOTS, SWEEP_SNAPSHOTS]);
    } finally {
      store.db.close();
    }
  });
});

describe('numbers that agree (issue 20, finding 14)', () => {
  it('steps to the threshold count only the runs that succeed: one that dipped below and climbed back is not a success and has no steps', () => {
    const dipped = { index: 0, status: 'done' as const, finalLoss: 0.01, loss: { steps: [0, 244, 500], values: [1, 1e-4, 0.01] } };
    const kept = { index: 1, status: 'done' as const, finalLoss: 1e-5, loss: { steps: [0, 300, 500], values: [1, 1e-4, 1e-5] } };
    expect(cellStatistics([dipped], 1e-3)).toMatchObject({ successRate: 0, stepsToThreshold: { median: null } });
    expect(cellStatistics([dipped, kept], 1e-3)).toMatchObject({ successRate: 0.5, stepsToThreshold: { median: 300 } });
  });
});
