// A big sweep stored in seconds, through the store's own write path (beginExperiment, addRuns one
// transaction per cell, finishExperiment): one run of the spec's first cell is trained, and its
// arrays are stored for every cell and seed under that run's own config, label and cell, so each row
// is as compact as a trained sweep's. Each run's final loss is its own, (index + 1)·10⁻⁶, so a test
// can tell which run a view shows. For what grows with a sweep's runs (listing, paging, opening).
import { expandSweep, runConfig } from '../../shared/sweep.js';
import { sweepRunLabel } from '../../shared/sweepStats.js';
import { runConfigs } from '../../main/engine/runs.js';
import type { ExperimentStore } from '../../main/store/index.js';
import { APP_VERSION } from '../../main/platform/version.js';
import { HINGE } from './helpers.js';

/** The final loss storeBigSweep gives run `index`. */
export const bigSweepLoss = (index: number) => (index + 1) * 1e-6;

/**
 * A done sweep of `cells` learning rates × `seeds` seeds of a small run; its id. Past the 1,000 values
 * an axis may have (`cells` a multiple of 1,000 then), the cells are 1,000 learning rates for each of
 * cells / 1,000 data sizes n = 20, 21, …, the learning rate varying fastest.
 */
export async function storeBigSweep(store: ExperimentStore, cells: number, seeds: number): Promise<number> {
  const lr = { from: 1e-4, to: 0.1, count: Math.min(cells, 1000), scale: 'log' };
  if (cells > 1000 && cells % 1000 !== 0) throw new RangeError(`storeBigSweep: ${cells} cells: past 1,000, a multiple of 1,000`);
  const grid = cells > 1000 ? { 'data.n': Array.from({ length: cells / 1000 }, (_, k) => 20 + k), 'optimizer.lr': lr } : { 'optimizer.lr': lr };
  const input = { name: `big ${cells}×${seeds}`, base: { data: { target: HINGE, n: 20 }, steps: 10 }, grid, seeds };
  const { spec, cells: expanded } = expandSweep(input);
  const [trained] = await runConfigs([runConfig(expanded.at(0), 0)], { kernel: 'js' });
  const id = store.beginExperiment(
    { name: input.name, config: expanded.at(0).config, kernel: trained.kernel, backend: trained.backend, appVersion: APP_VERSION },
    { spec, cells: expanded.length, seeds },
  );
  for (const cell of expanded) {
    store.addRuns(
      id,
      Array.from({ length: seeds }, (_, s) => {
        const index = cell.index * seeds + s;
        const config = runConfig(cell, s);
        return { ...trained, config, index, label: sweepRunLabel(cell.values, config.seed), hyper: { ...cell.values, seed: config.seed }, cell: cell.index, seedIndex: s, finalLoss: bigSweepLoss(index) };
      }),
    );
  }
  store.finishExperiment(id, 'done');
  return id;
}
