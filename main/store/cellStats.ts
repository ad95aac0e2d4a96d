// A sweep cell's statistics as stored with its runs (the sweep_cells table): the counts, and the
// values its quantiles are taken over, sorted, so that any quantile is exact (linear interpolation
// over them, as numpy) without reading a run. One row per cell, rewritten in the transaction that
// adds the cell's runs.
import type { Database as Db } from 'better-sqlite3';
import { adoptBlob, toBlob } from './blobs.js';

/** The row that counts a sweep's runs of no cell (an imported run may have none): in its totals, in no cell's statistics. */
export const NO_CELL = -1;

/** What the statistics read of one run. */
export interface RunOutcomeRow {
  idx: number;
  cell: number;
  status: string;
  finalLoss: number | null;
  /** First recorded step below the sweep's threshold; null: never. */
  reachedStep: number | null;
}

/** One cell's stored statistics. */
export interface CellRecord {
  cell: number;
  runs: number;
  diverged: number;
  /** Runs that did not diverge and ended below the threshold. */
  successes: number;
  /** The least final loss of its runs, diverged ones too; null when none has one. */
  bestLoss: number | null;
  /** Final losses of the runs that did not diverge, ascending (f64, as computed). */
  finalLosses: Float64Array;
  /** Steps to threshold of the successes that have one, ascending. */
  reachedSteps: Uint32Array;
  /** The cell's run indices, ascending. */
  runIndices: number[];
}

interface CellRow {
  cell: number;
  runs: number;
  diverged: number;
  successes: number;
  best_loss: number | null;
  final_losses: Buffer;
  reached_steps: Buffer;
  run_indices: Buffer | null;
}

/** A cell's runs are cell·seeds + 0 … seeds − 1 when all are stored: then their indices are not. */
function fullCell(cell: number, seeds: number): number[] {
  return Array.from({ length: seeds }, (_, s) => cell * seeds + s);
}

function recordOf(r: CellRow, seeds: number): CellRecord {
  return {
    cell: r.cell,
    runs: r.runs,
    diverged: r.diverged,
    successes: r.successes,
    bestLoss: r.best_loss,
    finalLosses: adoptBlob('f64', r.final_losses),
    reachedSteps: adoptBlob('u32', r.reached_steps),
    runIndices: r.run_indices === null ? fullCell(r.cell, seeds) : Array.from(adoptBlob('u32', r.run_indices)),
  };
}

/** The stored cells of a sweep from `from` up to, not including, `to` (every one by default), by cell index. */
export function readCells(db: Db, experimentId: number, seeds: number, from = 0, to = Number.MAX_SAFE_INTEGER): CellRecord[] {
  const rows = db.prepare('SELECT cell, runs, diverged, successes, best_loss, final_losses, reached_steps, run_indices FROM sweep_cells WHERE experiment_id = ? AND cell >= ? AND cell < ? ORDER BY cell').all(experimentId, Math.max(0, from), to) as CellRow[];
  return rows.map((r) => recordOf(r, seeds));
}

/** One stored cell of a sweep; undefined when none of its runs is stored. */
export function readCellRow(db: Db, experimentId: number, cell: number, seeds: number): CellRecord | undefined {
  const row = db.prepare('SELECT cell, runs, diverged, successes, best_loss, final_losses, reached_steps, run_indices FROM sweep_cells WHERE experiment_id = ? AND cell = ?').get(experimentId, cell) as CellRow | undefined;
  return row && recordOf(row, seeds);
}

/**
 * Adds runs to their cells' statistics (a run of no cell to NO_CELL's row). The runs must not be in
 * them yet: each run is added once, in the transaction that stores it.
 */
export function addToCells(db: Db, experimentId: number, seeds: number, threshold: number, runs: Iterable<RunOutcomeRow>): void {
  const byCell = new Map<number, RunOutcomeRow[]>();
  for (const r of runs) {
    const list = byCell.get(r.cell);
    if (list) list.push(r);
    else byCell.set(r.cell, [r]);
  }
  if (byCell.size === 0) return;
  const read = db.prepare('SELECT cell, runs, diverged, successes, best_loss, final_losses, reached_steps, run_indices FROM sweep_cells WHERE experiment_id = ? AND cell = ?');
  const write = db.prepare('INSERT OR REPLACE INTO sweep_cells (experiment_id, cell, runs, diverged, successes, best_loss, final_losses, reached_steps, run_indices) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  for (const [cell, added] of byCell) {
    const row = read.get(experimentId, cell) as CellRow | undefined;
    const was = row ? recordOf(row, seeds) : null;
    const finals = was ? Array.from(was.finalLosses) : [];
    const steps = was ? Array.from(was.reachedSteps) : [];
    const indices = was ? was.runIndices : [];
    let { diverged = 0, successes = 0, bestLoss = null } = was ?? {};
    for (const r of added) {
      indices.push(r.idx);
      // As SQLite's min(final_loss): NaN is stored as NULL.
      if (r.finalLoss !== null && !Number.isNaN(r.finalLoss) && (bestLoss === null || r.finalLoss < bestLoss)) bestLoss = r.finalLoss;
      if (r.status === 'diverged') {
        diverged++;
        continue;
      }
      if (r.finalLoss === null) continue;
      finals.push(r.finalLoss);
      if (!(r.finalLoss < threshold)) continue;
      successes++;
      if (r.reachedStep !== null) steps.push(r.reachedStep);
    }
    finals.sort((a, b) => a - b);
    steps.sort((a, b) => a - b);
    indices.sort((a, b) => a - b);
    const full = indices.length === seeds && indices.every((i, s) => i === cell * seeds + s);
    write.run(experimentId, cell, indices.length, diverged, successes, bestLoss, toBlob(Float64Array.from(finals)), toBlob(Uint32Array.from(steps)), full ? null : toBlob(Uint32Array.from(indices)));
  }
}
