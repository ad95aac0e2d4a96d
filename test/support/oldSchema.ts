// Runs written the way schemas 1–7 stored them (every column of its own, datasets per run), into a
// database built by the old migrations: for the tests that bring old files forward.
import type { Database } from 'better-sqlite3';
import type { StoredRun } from '../../main/store/index.js';

const blob = (a: ArrayBufferView) => Buffer.from(Buffer.from(a.buffer, a.byteOffset, a.byteLength));

/** Inserts the runs as rows of `db`'s (old) runs table, with the columns it has; reached_step stays NULL. */
export function insertOldRuns(db: Database, experimentId: number, runs: readonly StoredRun[]): void {
  const have = new Set((db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name));
  for (const r of runs) {
    const row = Object.fromEntries(
      Object.entries({
        experiment_id: experimentId, idx: r.index, label: r.label, config: JSON.stringify(r.config), hyper: JSON.stringify(r.hyper), status: r.status, steps_done: r.stepsDone,
        final_loss: r.finalLoss, seconds: r.seconds, kernel: r.kernel, backend: r.backend, loss_steps: blob(r.loss.steps), loss_values: blob(r.loss.values),
        snapshot_steps: blob(r.snapshots.steps), snapshots: blob(r.snapshots.params), init: blob(r.params.init), final: blob(r.params.final),
        optimum: r.params.optimum ? blob(r.params.optimum) : null, optimum_info: r.optimum ? JSON.stringify(r.optimum) : null, data_x: blob(r.data.x), data_y: blob(r.data.y),
        diagnostics: JSON.stringify(r.diagnostics), cell: r.cell, seed_index: r.seedIndex,
      }).filter(([k]) => have.has(k)),
    );
    db.prepare(`INSERT INTO runs (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map(() => '?').join(', ')})`).run(...Object.values(row));
  }
}
