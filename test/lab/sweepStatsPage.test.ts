// A sweep's statistics come a page of cells at a time (issue 23): what the app is sent to open a sweep
// does not grow with its cells, and only the page's cell rows are read. Sweeps of 2,000 and 20,000
// cells of one seed each, stored for real through the store's write path.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATS_PAGE } from '../../shared/sweepStats.js';
import { encodeWire } from '../../shared/wire.js';
import { cachedSweepStatistics, sweepStatistics } from '../../main/lab/sweepStats.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { bigSweepLoss, storeBigSweep } from '../support/bigSweep.js';

let store: ExperimentStore;
let small: number;
let big: number;

beforeAll(async () => {
  store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-sweep-stats-page-')), 'lab.sqlite'));
  small = await storeBigSweep(store, 2000, 1);
  big = await storeBigSweep(store, 20_000, 1);
}, 300_000);
afterAll(() => store.db.close());

const bytes = (value: unknown) => Buffer.byteLength(encodeWire(value));

describe("a sweep's statistics, a page at a time", () => {
  it('sends a first page whose size does not depend on the cells, with the counts of the whole sweep', () => {
    const [a, b] = [cachedSweepStatistics(store, small), cachedSweepStatistics(store, big)];
    expect([a.cells.length, b.cells.length]).toEqual([STATS_PAGE, STATS_PAGE]);
    expect([a.total, a.offset, a.storedRuns]).toEqual([2000, 0, 2000]);
    expect([b.total, b.offset, b.storedRuns]).toEqual([20_000, 0, 20_000]);
    // Only the names, the counts and the swept values (another log grid) differ: a few bytes a cell at most.
    expect(Math.abs(bytes(b) - bytes(a))).toBeLessThan(8 * STATS_PAGE);
    expect(bytes(b)).toBeLessThan(400 * STATS_PAGE);
  });

  it('reads the cells of a page by index, each with its own statistics', () => {
    const page = sweepStatistics(store, big, { offset: 19_998, limit: STATS_PAGE });
    expect([page.total, page.offset, page.cells.map((c) => c.index)]).toEqual([20_000, 19_998, [19_998, 19_999]]);
    expect(page.cells.map((c) => [c.runs, c.firstRun, c.finalLoss.median])).toEqual([
      [1, 19_998, bigSweepLoss(19_998)],
      [1, 19_999, bigSweepLoss(19_999)],
    ]);
    expect(page.cells[1].values).toEqual({ 'data.n': 39, 'optimizer.lr': 0.1 });
    // The same cells as read with every other one.
    const whole = sweepStatistics(store, small);
    expect(sweepStatistics(store, small, { offset: 1234, limit: 5 }).cells).toEqual(whole.cells.slice(1234, 1239));
  });

  it('refuses a page past the last cell, naming the field', () => {
    expect(() => sweepStatistics(store, small, { offset: 2000, limit: 10 })).toThrow(`offset: must be below 2000, the cells of sweep ${small} (got 2000)`);
  });
});
