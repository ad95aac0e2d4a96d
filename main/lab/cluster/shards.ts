// A sweep split into shards: each shard is a contiguous range of the sweep's runs (cell-major, seed
// within cell), cut where the estimated cost — not the count — reaches k/N of the whole. Contiguous
// ranges keep a cell's seeds together (they train as one batch), and the split is a pure function of
// the spec and N, so every node, the merge and `--status` compute the same one.
import { InputError, testCount, type ExperimentConfig } from '../../../shared/config.js';
import type { SweepCells, SweepSpec } from '../../../shared/sweep.js';
import { workPerStep } from '../../engine/kernelChoice.js';
import { architectureOf } from '../../engine/model.js';
import { defaultRecordEvery } from '../../engine/train.js';
import { quoted } from '../../../shared/printable.js';
import { MAX_SHARDS } from '../../../shared/cluster.js';

export { MAX_SHARDS };

/**
 * A step's fixed cost in multiply-adds, whatever the network: the fitted kernel costs of
 * kernels.ts put a step's constant at about 50 times the cost of one batch-row multiply-add.
 */
const STEP_OVERHEAD_MACS = 50;

/** Estimated work of one run of `config`: its training steps plus its recorded full-data losses. */
export function runCost(config: ExperimentConfig): number {
  const arch = architectureOf(config);
  const n = config.data.n - testCount(config.data);
  const recordEvery = config.record.every ?? defaultRecordEvery(config.steps);
  const records = Math.floor(config.steps / recordEvery) + 1;
  return config.steps * (workPerStep(arch, 1, config.batchSize) + STEP_OVERHEAD_MACS) + records * workPerStep(arch, 1, n);
}

export interface Shard {
  index: number;
  /** The shard's runs are the sweep's run indices [runFrom, runTo). */
  runFrom: number;
  runTo: number;
  /** Estimated work, in the units of runCost. */
  cost: number;
}

export interface ShardPlan {
  count: number;
  runsTotal: number;
  shards: Shard[];
}

/** Splits the sweep's runs into `count` contiguous ranges of about equal estimated cost. Holds one cost per cell, none per run. */
export function planShards(spec: SweepSpec, cells: SweepCells, count: number): ShardPlan {
  const runsTotal = cells.length * spec.seeds;
  checkShardCount(count, runsTotal);
  const costs = new Float64Array(cells.length);
  let total = 0;
  for (let cell = 0; cell < cells.length; cell++) total += (costs[cell] = runCost(cells.at(cell).config)) * spec.seeds;
  const shards: Shard[] = Array.from({ length: count }, (_, index) => ({ index, runFrom: 0, runTo: 0, cost: 0 }));
  // Run i goes to the shard its cost's midpoint falls in: monotone in i, so every shard is a range.
  let before = 0;
  let shard = 0;
  for (let cell = 0; cell < cells.length; cell++) {
    for (let s = 0; s < spec.seeds; s++) {
      const i = cell * spec.seeds + s;
      const target = Math.min(count - 1, Math.floor((count * (before + costs[cell] / 2)) / total));
      while (shard < target) {
        shard++;
        shards[shard].runFrom = i;
        shards[shard].runTo = i;
      }
      shards[shard].runTo = i + 1;
      shards[shard].cost += costs[cell];
      before += costs[cell];
    }
  }
  // Shards past the last one reached (only when one run outweighs several shards) stay empty, at the end.
  for (let k = shard + 1; k < count; k++) shards[k].runFrom = shards[k].runTo = runsTotal;
  return { count, runsTotal, shards };
}

export function checkShardCount(count: number, runsTotal: number, field = '--shards'): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw new InputError(`${field}: must be an integer from 1 to ${MAX_SHARDS} (got ${count})`);
  if (count > runsTotal) throw new InputError(`${field}: ${count} shards for a sweep of ${runsTotal} run${runsTotal === 1 ? '' : 's'}; use at most ${runsTotal}`);
}

/** Parses `--shard K/N` (K counted from 0, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are). */
export function parseShardOption(text: string): { index: number; count: number } {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index >= count) {
    throw new InputError(`--shard: must be K/N with 0 ≤ K < N ≤ ${MAX_SHARDS}, e.g. --shard 0/8 for the first of 8 shards (got ${quoted(text)})`);
  }
  return { index, count };
}
