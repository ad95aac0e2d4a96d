// Opening a sweep reads and sends what does not grow with its runs: the view holds one run, its cells
// and runs are read a page at a time (issue 23). Sweeps of 2,000 and 20,000 runs, stored for real.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWire } from '../../shared/wire.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { bigSweepLoss, storeBigSweep } from '../support/bigSweep.js';

let store: ExperimentStore;
let small: number;
let big: number;

beforeAll(async () => {
  store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-sweep-paging-')), 'lab.sqlite'));
  small = await storeBigSweep(store, 20, 100);
  big = await storeBigSweep(store, 20, 1000);
}, 120_000);
afterAll(() => store.db.close());

/** What the channel sends of a value, in bytes. */
const bytes = (value: unknown) => Buffer.byteLength(encodeWire(value));

describe('opening a sweep', () => {
  it('sends a view, a page of cells and a page of runs whose size does not depend on its runs', () => {
    expect([store.summary(small).runs, store.summary(big).runs]).toEqual([2000, 20_000]);
    const [a, b] = [store.get(small, { sweepRun: 0 }), store.get(big, { sweepRun: 0 })];
    expect(b.runList.map((r) => r.index)).toEqual([0]);
    expect(b.runListing).toEqual([{ index: 0, label: b.runList[0].label, status: 'done', finalLoss: bigSweepLoss(0) }]);
    // The two differ only in their names, their seeds and run counts as numbers: a few bytes.
    expect(Math.abs(bytes(b) - bytes(a))).toBeLessThan(32);
    const pages = (id: number) => [store.cellPage(id, { offset: 0, limit: 100 }), store.runPage(id, { offset: 0, limit: 100 })];
    const [cellsA, runsA] = pages(small);
    const [cellsB, runsB] = pages(big);
    expect(Math.abs(bytes(cellsB) - bytes(cellsA))).toBeLessThan(2 * 20 * 4);
    expect(Math.abs(bytes(runsB) - bytes(runsA))).toBeLessThan(8);
  });

  it('pages runs by position and by cell, labelled and with their own final losses', () => {
    const page = store.runPage(big, { offset: 12_345, limit: 3 });
    expect(page).toEqual({
      total: 20_000,
      offset: 12_345,
      runs: [12_345, 12_346, 12_347].map((index) => ({ index, label: store.runs(big, index)[0].label, status: 'done', finalLoss: bigSweepLoss(index) })),
    });
    expect(page.runs[0].label).toMatch(/^optimizer\.lr=\S+ · seed=346$/);
    const cell = store.runPage(small, { cell: 7, offset: 90, limit: 20 });
    expect(cell.total).toBe(100);
    expect(cell.runs.map((r) => r.index)).toEqual(Array.from({ length: 10 }, (_, k) => 790 + k));
    expect(store.runPage(small, { offset: 1990, limit: 100 }).runs.map((r) => r.index)).toEqual(Array.from({ length: 10 }, (_, k) => 1990 + k));
  });

  it('lists cells a page at a time, each labelled with its rounded value and its first run', () => {
    const page = store.cellPage(big, { offset: 18, limit: 5 });
    expect(page).toMatchObject({ total: 20, seeds: 1000, offset: 18 });
    expect(page.cells.map((c) => [c.index, c.runs, c.firstRun, c.bestLoss])).toEqual([
      [18, 1000, 18_000, bigSweepLoss(18_000)],
      [19, 1000, 19_000, bigSweepLoss(19_000)],
    ]);
    // 10^(−4 + 3·19/19) = 0.1; 10^(−4 + 3·18/19) ≈ 0.06952 (four significant digits, as every sweep label).
    expect(page.cells.map((c) => c.label)).toEqual(['optimizer.lr=0.06952', 'optimizer.lr=0.1']);
    expect(store.runs(big, 18_000)[0].label).toBe(`${page.cells[0].label} · seed=1`);
  });

  it('refuses a cell the sweep does not have, and cells of an experiment that is not a sweep', () => {
    expect(() => store.runPage(small, { cell: 20, offset: 0, limit: 1 })).toThrow(`cell: must be below 20, the cells of sweep ${small} (got 20)`);
    const [run] = store.runs(small, 0);
    const single = store.saveExperiment({ name: 'one run', config: run.config, kernel: run.kernel, backend: run.backend, appVersion: 'test' }, 'done', [{ ...run, cell: null, seedIndex: null }]);
    expect(store.runPage(single, { offset: 0, limit: 10 })).toEqual({ total: 1, offset: 0, runs: [{ index: 0, label: run.label, status: 'done', finalLoss: run.finalLoss }] });
    for (const read of [() => store.cellPage(single, { offset: 0, limit: 10 }), () => store.runPage(single, { cell: 0, offset: 0, limit: 10 })]) {
      expect(read).toThrow(`cell: experiment ${single} is not a sweep; only a sweep has cells`);
    }
  });
});
