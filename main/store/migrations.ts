// The schema, as forward-only migrations. `PRAGMA user_version` is the number of migrations applied.
// Every BLOB column holds a little-endian typed array; its element type is named in the comment.
import type { Database } from 'better-sqlite3';
import { sweepThresholdOf } from '../../shared/sweep.js';
import { stepsToThreshold } from '../../shared/sweepStats.js';
import { addToCells, NO_CELL, type RunOutcomeRow } from './cellStats.js';
import { configHash, sweepSpecHash } from './configHash.js';
import { DatasetIds } from './datasets.js';
import { decodeRun, encodeRun, RUN_COLUMNS, sweepFrame } from './runRows.js';

/** 'LLab' — marks a file as Landscape Lab's own (PRAGMA application_id). */
export const APPLICATION_ID = 0x4c4c6162;

export const MIGRATIONS: ((db: Database) => void)[] = [
  // 1: experiments, their runs, cost surfaces and interpolations (one schema, so one long statement).
  (db) => {
    db.exec(`
      PRAGMA application_id = ${APPLICATION_ID};
      CREATE TABLE experiments (
        id          INTEGER PRIMARY KEY,
        uid         TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        config      TEXT NOT NULL,            -- JSON, validated
        seed        INTEGER NOT NULL,
        kernel      TEXT NOT NULL,
        backend     TEXT NOT NULL,
        app_version TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'interrupted', 'diverged')),
        notes       TEXT NOT NULL DEFAULT '',
        tags        TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
        owner_pid   INTEGER,                  -- the process writing a running experiment
        owner_host  TEXT
      );
      CREATE TABLE runs (
        id             INTEGER PRIMARY KEY,
        experiment_id  INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        idx            INTEGER NOT NULL,      -- order within the experiment
        label          TEXT NOT NULL,
        config         TEXT NOT NULL,         -- JSON: the exact config this run used
        hyper          TEXT NOT NULL,         -- JSON: what distinguishes it (sweep cell values, seed)
        status         TEXT NOT NULL CHECK (status IN ('done', 'cancelled', 'diverged')),
        steps_done     INTEGER NOT NULL,
        final_loss     REAL,
        seconds        REAL NOT NULL,
        kernel         TEXT NOT NULL,
        backend        TEXT NOT NULL,
        loss_steps     BLOB NOT NULL,         -- u32
        loss_values    BLOB NOT NULL,         -- f64
        snapshot_steps BLOB NOT NULL,         -- u32
        snapshots      BLOB NOT NULL,         -- f32 [K][P]
        init           BLOB NOT NULL,         -- f32 [P]
        final          BLOB NOT NULL,         -- f32 [P]
        optimum        BLOB,                  -- f32 [P], when exact
        optimum_info   TEXT,                  -- JSON: kind, loss, method
        data_x         BLOB NOT NULL,         -- f32 [n][dIn]
        data_y         BLOB NOT NULL,         -- f32 [n]
        diagnostics    TEXT NOT NULL,         -- JSON
        UNIQUE (experiment_id, idx)
      );
      CREATE TABLE surfaces (
        id            INTEGER PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        run_idx       INTEGER NOT NULL,
        created_at    TEXT NOT NULL,
        center        TEXT NOT NULL,
        axes          TEXT NOT NULL,          -- JSON
        axis_labels   TEXT NOT NULL,          -- JSON
        res           INTEGER NOT NULL,
        span          REAL NOT NULL,
        kernel        TEXT NOT NULL,
        backend       TEXT NOT NULL,
        optimum_kind  TEXT NOT NULL,
        center_params BLOB NOT NULL,          -- f32 [P]
        d1            BLOB NOT NULL,          -- f64 [P]
        d2            BLOB NOT NULL,          -- f64 [P]
        loss          BLOB NOT NULL,          -- f64 [res][res], row per beta
        traj_alpha    BLOB NOT NULL,          -- f64
        traj_beta     BLOB NOT NULL,          -- f64
        traj_loss     BLOB NOT NULL,          -- f64
        markers       TEXT NOT NULL,          -- JSON
        explained     TEXT                    -- JSON, pca axes only
      );
      CREATE TABLE interpolations (
        id            INTEGER PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        run_idx       INTEGER NOT NULL,
        created_at    TEXT NOT NULL,
        from_point    TEXT NOT NULL,
        to_point      TEXT NOT NULL,
        optimum_kind  TEXT NOT NULL,
        t             BLOB NOT NULL,          -- f64
        loss          BLOB NOT NULL           -- f64
      );
      CREATE INDEX runs_by_experiment ON runs (experiment_id, idx);
      CREATE INDEX surfaces_by_experiment ON surfaces (experiment_id);
      CREATE INDEX interpolations_by_experiment ON interpolations (experiment_id);
    `);
  },
  // 2: sweeps — the spec, and which run belongs to which cell and seed.
  (db) => {
    db.exec(`
      CREATE TABLE sweeps (
        experiment_id INTEGER PRIMARY KEY REFERENCES experiments(id) ON DELETE CASCADE,
        spec          TEXT NOT NULL,          -- JSON, validated
        cells         INTEGER NOT NULL,
        seeds         INTEGER NOT NULL
      );
      ALTER TABLE runs ADD COLUMN cell INTEGER;
      ALTER TABLE runs ADD COLUMN seed_index INTEGER;
    `);
  },
  // 3: the hash of a single run's config, so `landscape`/`interpolate` on a config find its run (and the
  // optimum searched for it) again. Experiments stored before get theirs from their stored config.
  (db) => {
    db.exec(`
      ALTER TABLE experiments ADD COLUMN config_hash TEXT;  -- configHash(config); null for sweeps
      CREATE INDEX experiments_by_config_hash ON experiments (config_hash);
    `);
    const rows = db.prepare('SELECT id, config FROM experiments WHERE id NOT IN (SELECT experiment_id FROM sweeps)').all() as { id: number; config: string }[];
    const set = db.prepare('UPDATE experiments SET config_hash = ? WHERE id = ?');
    for (const r of rows) set.run(configHash(JSON.parse(r.config)), r.id);
  },
  // 4: the owner's process start time beside its pid and host: together they are the lease on a
  // running experiment (a sweep), and a pid reused by another process after a crash is not its owner.
  (db) => {
    db.exec(`ALTER TABLE experiments ADD COLUMN owner_started TEXT;  -- boot id:start time (Linux), else null`);
  },
  // 5: sweeps that leave the machine. Every sweep knows its spec's hash, so the shards of one sweep
  // (each trained into its own database) are recognised, and merged into the sweep with that hash.
  // A shard knows which one it is and its runs [run_from, run_to); a merged sweep knows its shard count.
  (db) => {
    db.exec(`
      ALTER TABLE sweeps ADD COLUMN spec_hash TEXT;      -- sweepSpecHash(spec)
      ALTER TABLE sweeps ADD COLUMN shard_index INTEGER; -- this database trains shard K of shard_count; null: the whole sweep
      ALTER TABLE sweeps ADD COLUMN shard_count INTEGER; -- null: trained here, not in shards
      ALTER TABLE sweeps ADD COLUMN run_from INTEGER;    -- a shard's first run index
      ALTER TABLE sweeps ADD COLUMN run_to INTEGER;      -- past a shard's last run index
      CREATE INDEX sweeps_by_spec_hash ON sweeps (spec_hash);
    `);
    const rows = db.prepare('SELECT experiment_id, spec FROM sweeps').all() as { experiment_id: number; spec: string }[];
    const set = db.prepare('UPDATE sweeps SET spec_hash = ? WHERE experiment_id = ?');
    for (const r of rows) set.run(sweepSpecHash(JSON.parse(r.spec)), r.experiment_id);
  },
  // 6: a shard's engine check — the hash of reference runs of its sweep as this engine trains them —
  // so shards trained by engines that compute differently (another build of the same version) are
  // never merged into one sweep.
  (db) => {
    db.exec(`ALTER TABLE sweeps ADD COLUMN engine_check TEXT;  -- engineCheck(); null for a sweep trained in one place`);
  },
  // 7: a sweep run's first recorded step below its sweep's threshold, written with the run, so a
  // sweep's statistics read one number per run instead of its whole loss curve. Runs stored before
  // (and runs of other experiments) keep null: their statistics read the curve, as before.
  (db) => {
    db.exec(`ALTER TABLE runs ADD COLUMN reached_step INTEGER;  -- -1: never below; null: not known here (read loss_values)`);
  },
  // 8: sweeps of a million runs. A run stores what does not follow from elsewhere (runRows.ts: a NULL
  // column is derived — config, hyper and label from the sweep's spec, loss and snapshot steps from
  // the recording rules, init and final from the snapshots), its dataset once per distinct dataset
  // (datasets, by content hash), and a sweep's statistics per cell beside its runs (sweep_cells), so
  // opening a sweep reads one row per cell. Stored runs are rewritten in that form, bit for bit.
  (db) => {
    db.exec(`
      CREATE TABLE datasets (
        id   INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,          -- datasetHash(x, y)
        x    BLOB NOT NULL,                 -- f32 [n][dIn]
        y    BLOB NOT NULL                  -- f32 [n]
      );
      CREATE TABLE runs_v8 (
        id             INTEGER PRIMARY KEY,
        experiment_id  INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        idx            INTEGER NOT NULL,      -- order within the experiment
        label          TEXT,                  -- null: the sweep cell's label with the run's seed
        config         TEXT,                  -- JSON; null: the sweep cell's config with the run's seed
        hyper          TEXT,                  -- JSON; null: the sweep cell's values and the run's seed
        status         TEXT NOT NULL CHECK (status IN ('done', 'cancelled', 'diverged')),
        steps_done     INTEGER NOT NULL,
        final_loss     REAL,
        seconds        REAL NOT NULL,
        kernel         TEXT NOT NULL,
        backend        TEXT NOT NULL,
        loss_steps     BLOB,                  -- u32; null: the config's recording rule, one step per value
        loss_values    BLOB NOT NULL,         -- f64
        snapshot_steps BLOB,                  -- u32; null: snapshotSteps(steps, record.snapshots)
        snapshots      BLOB NOT NULL,         -- f32 [K][P]
        init           BLOB,                  -- f32 [P]; null: the first snapshot
        final          BLOB,                  -- f32 [P]; null: the last snapshot
        optimum        BLOB,                  -- f32 [P], when exact
        optimum_info   TEXT,                  -- JSON: kind, loss, method
        dataset_id     INTEGER NOT NULL REFERENCES datasets(id),
        diagnostics    TEXT NOT NULL,         -- JSON
        cell           INTEGER,
        seed_index     INTEGER,
        reached_step   INTEGER,               -- -1: never below; null: not a sweep's run
        UNIQUE (experiment_id, idx)
      );
      CREATE TABLE sweep_cells (
        experiment_id  INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        cell           INTEGER NOT NULL,
        runs           INTEGER NOT NULL,
        diverged       INTEGER NOT NULL,
        successes      INTEGER NOT NULL,      -- did not diverge, final loss below the threshold
        best_loss      REAL,                  -- least final loss of its runs (diverged too); null: none has one
        final_losses   BLOB NOT NULL,         -- f64, ascending: the runs that did not diverge
        reached_steps  BLOB NOT NULL,         -- u32, ascending: steps to threshold of the successes
        run_indices    BLOB,                  -- u32, ascending; null: cell·seeds + 0 … seeds − 1
        PRIMARY KEY (experiment_id, cell)      -- cell −1: a sweep's runs of no cell, counted but no cell's
      );
    `);
    migrateRuns(db);
    db.exec(`
      DROP TABLE runs;
      ALTER TABLE runs_v8 RENAME TO runs;
      CREATE INDEX runs_by_dataset ON runs (dataset_id);
    `);
  },
];

/** Rewrites every run of the schema-7 table into runs_v8, compactly, and each sweep's cell statistics. */
function migrateRuns(db: Database): void {
  const sweeps = new Map(
    (db.prepare('SELECT experiment_id, spec, seeds FROM sweeps').all() as { experiment_id: number; spec: string; seeds: number }[]).map((r) => {
      const spec = JSON.parse(r.spec) as unknown;
      return [r.experiment_id, { frame: sweepFrame(spec), seeds: r.seeds, threshold: sweepThresholdOf(spec) }];
    }),
  );
  const datasets = new DatasetIds(db);
  const insert = db.prepare(`INSERT INTO runs_v8 (experiment_id, ${RUN_COLUMNS.join(', ')}) VALUES (?, ${RUN_COLUMNS.map(() => '?').join(', ')})`);
  const page = db.prepare('SELECT * FROM runs WHERE id > ? ORDER BY id LIMIT 256');
  const outcomes = new Map<number, RunOutcomeRow[]>();
  for (let last = 0; ; ) {
    const rows = page.all(last) as Record<string, unknown>[];
    if (rows.length === 0) break;
    for (const row of rows) {
      last = row.id as number;
      const experimentId = row.experiment_id as number;
      const sweep = sweeps.get(experimentId);
      const data = { x: row.data_x as Buffer, y: row.data_y as Buffer };
      const run = decodeRun(row, null, data);
      const threshold = sweep?.threshold ?? null;
      const reached = threshold === null ? null : ((row.reached_step as number | null) ?? stepsToThreshold(run.loss, threshold) ?? -1);
      insert.run(experimentId, ...encodeRun(run, sweep?.frame ?? null, datasets.idOf(data.x, data.y), reached));
      if (sweep) {
        const list = outcomes.get(experimentId) ?? [];
        list.push({ idx: run.index, cell: run.cell ?? NO_CELL, status: run.status, finalLoss: run.finalLoss, reachedStep: reached === null || reached < 0 ? null : reached });
        outcomes.set(experimentId, list);
      }
    }
  }
  for (const [experimentId, runs] of outcomes) {
    const sweep = sweeps.get(experimentId)!;
    if (sweep.threshold !== null) addToCells(db, experimentId, sweep.seeds, sweep.threshold, runs);
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
