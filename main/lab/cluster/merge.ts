// Folding shard databases into one sweep experiment. Every shard is read and checked before the
// target is opened; then all new runs go in as one transaction, copied row for row (their BLOBs
// byte for byte), so the merged sweep holds exactly the numbers the shards trained. Merging a shard
// again adds nothing and writes nothing; a shard that fails a check leaves the target untouched.
import { existsSync, realpathSync } from 'node:fs';
import { InputError } from '../../../shared/config.js';
import { expandSweep, type SweepCells, type SweepSpec } from '../../../shared/sweep.js';
import { defaultName } from '../../../shared/experimentName.js';
import { sweepSpecHash } from '../../store/configHash.js';
import type { Db } from '../../store/db.js';
import type { ExperimentStore, ExperimentSummary, SweepShardRecord } from '../../store/experiments.js';
import { openStore } from '../../store/index.js';
import { NO_CELL, type RunOutcomeRow } from '../../store/cellStats.js';
import { datasetHash, RUN_COLUMNS } from '../../store/runRows.js';
import { quoted } from '../../../shared/printable.js';
import { MAX_SHARDS, planShards, type ShardPlan } from './shards.js';
import { RunSet } from '../../../shared/runSet.js';

/** One shard database, read and checked. */
export interface ShardFile {
  file: string;
  store: ExperimentStore;
  summary: ExperimentSummary;
  spec: SweepSpec;
  /** The spec's cells, in run order. */
  cells: SweepCells;
  specHash: string;
  shard: SweepShardRecord;
  /** The run indices it holds, ascending. */
  runs: number[];
}

/** Runs of one shard that a sweep lacks, as index ranges [from, to). */
export interface MissingRuns {
  shard: number;
  runs: number;
  ranges: [number, number][];
}

export interface MergeReport {
  experimentId: number;
  /** The merged sweep was made by this merge (not found in the target). */
  created: boolean;
  specHash: string;
  shardCount: number;
  runsTotal: number;
  runsDone: number;
  runsAdded: number;
  complete: boolean;
  /** Per shard: its runs in the merged sweep, of how many. */
  shards: { index: number; runs: number; of: number }[];
  missing: MissingRuns[];
}

/**
 * Called as a merge goes: shards checked of all, then runs written of those to add. It may throw (a
 * cancel): before the transaction nothing is written, inside it everything is rolled back.
 */
export type MergeWatch = (pass: 'checking' | 'merging', done: number, total: number) => void;

/** A sweep spec's expansion by its stored text: the shards of one sweep hold one spec, checked once. */
type Expansions = Map<string, ReturnType<typeof expandSweep>>;

/** Opens and checks one shard database: one shard sweep, its hash and range as the plan says. */
export function readShard(file: string, expansions: Expansions = new Map()): ShardFile {
  const store = openStore(file, { readonly: true });
  try {
    const found = store.list().flatMap((e) => {
      const record = store.sweepRecord(e.id);
      return record?.shard ? [{ summary: e, record, shard: record.shard }] : [];
    });
    if (found.length === 0) throw new InputError(`${file}: holds no sweep shard; shards are trained with landscape-lab sweep SPEC --shard K/N --db FILE`);
    if (found.length > 1) throw new InputError(`${file}: holds ${found.length} sweep shards; a shard database holds one (give each shard its own --db)`);
    const [{ summary, record, shard }] = found;
    if (!Number.isSafeInteger(shard.count) || shard.count < 1 || shard.count > MAX_SHARDS || !Number.isSafeInteger(shard.index) || shard.index < 0 || shard.index >= shard.count) {
      throw new InputError(`${file}: calls itself shard ${quoted(shard.index)} of ${quoted(shard.count)}, which no split has (K from 0 to N − 1, N from 1 to ${MAX_SHARDS}); the file was changed outside the lab`);
    }
    let expanded: ReturnType<typeof expandSweep>;
    try {
      const stored = store.sweepSpec(summary.id);
      const text = JSON.stringify(stored);
      expanded = expansions.get(text) ?? expandSweep(stored);
      expansions.set(text, expanded);
    } catch (e) {
      throw new InputError(`${file}: its stored sweep spec cannot be read (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); the file was changed outside the lab`);
    }
    const { spec, cells } = expanded;
    const specHash = sweepSpecHash(spec);
    if (record.specHash !== specHash) throw new InputError(`${file}: its spec hash does not match its stored spec; the file was changed outside the lab`);
    const planned = planShards(spec, cells, shard.count).shards[shard.index];
    if (planned.runFrom !== shard.runFrom || planned.runTo !== shard.runTo) {
      throw new InputError(`${file}: shard ${shard.index}/${shard.count} holds runs [${shard.runFrom}, ${shard.runTo}), but this version's plan gives it [${planned.runFrom}, ${planned.runTo}); merge with the version that trained it (${summary.appVersion})`);
    }
    // SQLite stores what it is given: an idx of 6.5 or 'x' would merge as no run of the sweep. Read
    // as bare values, one at a time: a shard may hold a million runs.
    const runs: number[] = [];
    for (const [idx, type] of store.db.prepare('SELECT idx, typeof(idx) FROM runs WHERE experiment_id = ? ORDER BY idx').raw().iterate(summary.id) as Iterable<[unknown, string]>) {
      if (type !== 'integer') throw new InputError(`${file}: a run's index is ${quoted(idx)} (${type}), not an integer; the file was changed outside the lab`);
      const i = idx as number;
      if (i < shard.runFrom || i >= shard.runTo) throw new InputError(`${file}: run ${i} is outside shard ${shard.index}'s runs [${shard.runFrom}, ${shard.runTo})`);
      if (runs.length > 0 && runs[runs.length - 1] === i) throw new InputError(`${file}: holds run ${i} twice; the file was changed outside the lab`);
      runs.push(i);
    }
    checkRunColumns(file, store.db, summary.id);
    checkDatasets(file, store.db);
    return { file, store, summary, spec, cells, specHash, shard, runs };
  } catch (e) {
    store.db.close();
    throw e;
  }
}

/**
 * Every run's dataset is stored in the shard, under the hash of its bytes: the merge shares datasets
 * by hash, so a dataset edited outside the lab would otherwise merge as another's.
 */
function checkDatasets(file: string, db: Db): void {
  // A shard database holds one experiment (readShard), so every dataset in it is its runs'.
  for (const d of db.prepare('SELECT id, hash, x, y FROM datasets').iterate() as Iterable<{ id: number; hash: unknown; x: unknown; y: unknown }>) {
    if (!Buffer.isBuffer(d.x) || !Buffer.isBuffer(d.y) || d.hash !== datasetHash(d.x, d.y)) throw new InputError(`${file}: dataset ${d.id} does not match its hash; the file was changed outside the lab`);
  }
}

/** Columns holding JSON, each an object. */
const JSON_OBJECT_COLUMNS = new Set(['config', 'hyper', 'diagnostics', 'optimum_info']);
/** What SQLite's typeof() may say of a column of each declared type. */
const STORAGE: Record<string, string[]> = { INTEGER: ['integer'], REAL: ['real', 'integer'], TEXT: ['text'], BLOB: ['blob'] };

/**
 * Every column of every run the merge would copy has its declared type (a NULL only where the schema
 * allows one), every JSON column holds a JSON object and every run's dataset is in the file, all in
 * one pass over the runs: SQLite stores whatever it is given, so a
 * shard edited outside the lab would otherwise be copied as it is (a config of "nope" merged).
 */
function checkRunColumns(file: string, db: Db, experimentId: number): void {
  const columns = (db.prepare('PRAGMA table_info(runs)').all() as { name: string; type: string; notnull: number }[]).flatMap((c) => {
    if (c.name === 'id' || c.name === 'experiment_id') return [];
    const allowed = [...(STORAGE[c.type.toUpperCase()] ?? []), ...(c.notnull ? [] : ['null'])];
    return allowed.length === 0 ? [] : [{ name: c.name, col: `"${c.name.replace(/"/g, '""')}"`, allowed }];
  });
  const typeOk = (c: (typeof columns)[number]) => `typeof(${c.col}) IN (${c.allowed.map((t) => `'${t}'`).join(', ')})`;
  const jsonOk = (c: (typeof columns)[number]) => `(${c.col} IS NULL OR (json_valid(${c.col}) AND json_type(${c.col}) = 'object'))`;
  const json = columns.filter((c) => JSON_OBJECT_COLUMNS.has(c.name));
  // One pass over the runs finds whether any is wrong; only then is the first wrong one named.
  const datasetOk = 'EXISTS (SELECT 1 FROM datasets d WHERE d.id = runs.dataset_id)';
  const wrong = [...columns.map((c) => `NOT ${typeOk(c)}`), ...json.map((c) => `NOT ${jsonOk(c)}`), `NOT ${datasetOk}`].join(' OR ');
  if (db.prepare(`SELECT 1 FROM runs WHERE experiment_id = ? AND (${wrong}) LIMIT 1`).get(experimentId) === undefined) return;
  for (const c of columns) {
    const bad = db.prepare(`SELECT idx, typeof(${c.col}) AS type FROM runs WHERE experiment_id = ? AND NOT ${typeOk(c)} LIMIT 1`).get(experimentId) as { idx: number; type: string } | undefined;
    if (bad) throw new InputError(`${file}: run ${bad.idx}'s ${c.name} is ${bad.type}, not ${c.allowed.join(' or ')}; the file was changed outside the lab`);
    if (JSON_OBJECT_COLUMNS.has(c.name)) {
      const odd = db.prepare(`SELECT idx FROM runs WHERE experiment_id = ? AND NOT ${jsonOk(c)} LIMIT 1`).get(experimentId) as { idx: number } | undefined;
      if (odd) throw new InputError(`${file}: run ${odd.idx}'s ${c.name} is not a JSON object; the file was changed outside the lab`);
    }
  }
  const orphan = db.prepare(`SELECT idx, dataset_id FROM runs WHERE experiment_id = ? AND NOT ${datasetOk} LIMIT 1`).get(experimentId) as { idx: number; dataset_id: unknown } | undefined;
  if (orphan) throw new InputError(`${file}: run ${orphan.idx}'s dataset ${quoted(orphan.dataset_id)} is not in the file; the file was changed outside the lab`);
}

/** Reads every shard and checks that they belong together; closes them all on refusal. */
export function readShards(files: readonly string[], watch?: MergeWatch): ShardFile[] {
  if (files.length === 0) throw new InputError('merge: needs shard databases, e.g. landscape-lab merge shards/shard-*.sqlite --into lab.sqlite');
  // The same file named twice is one shard (a shell glob and a name may both list it).
  const seen = new Set<string>();
  const unique = files.filter((f) => {
    let key = f;
    try {
      key = realpathSync(f);
    } catch {
      // A missing file is reported by its open below.
    }
    return !seen.has(key) && (seen.add(key), true);
  });
  const shards: ShardFile[] = [];
  try {
    const expansions: Expansions = new Map();
    for (const file of unique) {
      watch?.('checking', shards.length, unique.length);
      shards.push(readShard(file, expansions));
    }
    watch?.('checking', shards.length, unique.length);
    const [first] = shards;
    for (const s of shards.slice(1)) {
      if (s.specHash !== first.specHash) throw new InputError(`${s.file}: is a shard of another sweep (spec hash ${s.specHash.slice(0, 12)}…, ${first.file} has ${first.specHash.slice(0, 12)}…); merge the shards of one sweep at a time`);
      if (s.summary.appVersion !== first.summary.appVersion) throw new InputError(`${s.file}: was trained by Landscape Lab ${s.summary.appVersion}, ${first.file} by ${first.summary.appVersion}; shards merge only when one engine version trained them all`);
      if (s.shard.engineCheck !== first.shard.engineCheck) throw new InputError(`${s.file}: was trained by an engine that computes differently from ${first.file}'s (engine check ${s.shard.engineCheck.slice(0, 12)}…, not ${first.shard.engineCheck.slice(0, 12)}…); train its shard again with the same build`);
      if (s.shard.count !== first.shard.count) throw new InputError(`${s.file}: is shard ${s.shard.index} of ${s.shard.count}, ${first.file} of ${first.shard.count}; merge shards of one split`);
      const twin = shards.find((o) => o !== s && o.shard.index === s.shard.index);
      if (twin) throw new InputError(`${s.file}: is shard ${s.shard.index}/${s.shard.count} again (so is ${twin.file}); give each shard once, so that no run is duplicated`);
    }
    return shards;
  } catch (e) {
    shards.forEach((s) => s.store.db.close());
    throw e;
  }
}

/** Which runs a sweep holds (a Set, or a RunSet). */
export interface HeldRuns {
  has(i: number): boolean;
}

/** Index ranges [from, to) of `from..to` not in `have`. */
function gaps(have: HeldRuns, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = from; i < to; i++) {
    if (have.has(i)) continue;
    const last = out[out.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}

/** Per shard of the plan: how many of its runs `have` holds, and which it lacks. */
export function shardProgress(plan: ShardPlan, have: HeldRuns): { shards: MergeReport['shards']; missing: MissingRuns[] } {
  const shards = plan.shards.map((s) => {
    let runs = 0;
    for (let i = s.runFrom; i < s.runTo; i++) if (have.has(i)) runs++;
    return { index: s.index, runs, of: s.runTo - s.runFrom };
  });
  const missing = plan.shards.flatMap((s, k) => (shards[k].runs < shards[k].of ? [{ shard: s.index, runs: shards[k].of - shards[k].runs, ranges: gaps(have, s.runFrom, s.runTo) }] : []));
  return { shards, missing };
}

/** A run's columns as copied, RUN_COLUMNS' order, with its dataset as its content hash (ids are per file). */
function runReader(db: Db): (experimentId: number, idx: number) => unknown[] {
  const columns = RUN_COLUMNS.map((c) => (c === 'dataset_id' ? '(SELECT hash FROM datasets d WHERE d.id = r.dataset_id)' : `r.${c}`)).join(', ');
  const statement = db.prepare(`SELECT ${columns} FROM runs r WHERE r.experiment_id = ? AND r.idx = ?`).raw();
  return (experimentId, idx) => statement.get(experimentId, idx) as unknown[];
}

/** Two stored runs are the same run when every column (but their ids) is equal, BLOBs byte for byte. */
function sameRun(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.every((x, k) => (Buffer.isBuffer(x) && Buffer.isBuffer(b[k]) ? x.equals(b[k] as Buffer) : Object.is(x, b[k])));
}

/** Rows the merge reads from a shard at a time. */
const COPY_PAGE = 512;

const COLUMN = Object.fromEntries(RUN_COLUMNS.map((c, k) => [c, k])) as Record<(typeof RUN_COLUMNS)[number], number>;

/**
 * Merges the shards (already read by readShards) into `target`'s sweep of their spec, made if the
 * target has none. One transaction; nothing is written when every run is already there. Rows are
 * copied as stored (the compact form derives from the spec, which every shard shares), their
 * datasets shared by content hash, and the cells' statistics updated with them.
 */
export function mergeShards(target: ExperimentStore, shards: readonly ShardFile[], watch?: MergeWatch): MergeReport {
  const [first] = shards;
  const { spec, cells, specHash } = first;
  const count = first.shard.count;
  const plan = planShards(spec, cells, count);
  const merged = target.sweepsOfSpec(specHash).filter((r) => r.mergedShards !== null);
  const other = merged.find((r) => r.mergedShards !== count);
  if (other) throw new InputError(`${target.file}: experiment ${other.experimentId} is this sweep merged from ${other.mergedShards} shards; these are shards of ${count}, merge them into another database`);
  const existing = merged[0]?.experimentId ?? null;
  if (merged[0] && merged[0].engineCheck !== first.shard.engineCheck) {
    throw new InputError(`${first.file}: was trained by an engine that computes differently from the shards already merged into experiment ${existing} of ${target.file}; train it again with the build that trained them`);
  }
  const runsTotal = cells.length * spec.seeds;
  const have = new RunSet(runsTotal);
  if (existing !== null) {
    // The merged sweep's runs were copied from checked shards: each is a run of the sweep.
    for (const idx of target.db.prepare('SELECT idx FROM runs WHERE experiment_id = ?').pluck().iterate(existing) as Iterable<number>) have.add(idx);
  }
  for (const s of shards) {
    const names = new Set((s.store.db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name));
    const missingColumn = RUN_COLUMNS.find((c) => !names.has(c));
    if (missingColumn) throw new InputError(`${s.file}: its runs have no column ${missingColumn}; merge with the version that trained it`);
  }
  // Runs already merged must be the very runs this shard holds, every column of them (snapshots,
  // label, config, dataset, diagnostics …); anything else is a conflict. Compared one row at a time.
  const readMerged = existing === null ? null : runReader(target.db);
  let toAdd = 0;
  for (const s of shards) {
    const read = runReader(s.store.db);
    for (const idx of s.runs) {
      if (!have.has(idx)) toAdd++;
      else if (!sameRun(readMerged!(existing!, idx), read(s.summary.id, idx))) {
        throw new InputError(`${s.file}: run ${idx} differs from the run already merged into experiment ${existing} of ${target.file}; nothing was merged`);
      }
    }
  }
  const held = have.copy();
  for (const s of shards) for (const idx of s.runs) held.add(idx);
  const progress = shardProgress(plan, held);
  const complete = held.size === runsTotal;
  const report = (experimentId: number, created: boolean): MergeReport => ({ experimentId, created, specHash, shardCount: count, runsTotal, runsDone: held.size, runsAdded: toAdd, complete, ...progress });
  if (existing !== null && toAdd === 0) return report(existing, false);

  const insert = target.db.prepare(`INSERT INTO runs (experiment_id, ${RUN_COLUMNS.join(', ')}) VALUES (?, ${RUN_COLUMNS.map(() => '?').join(', ')})`);
  const base = cells.at(0).config;
  const id = target.db
    .transaction(() => {
      const id =
        existing ??
        target.beginExperiment(
          { name: spec.name ?? `sweep · ${defaultName(base)}`, config: base, kernel: first.summary.kernel, backend: first.summary.backend, appVersion: first.summary.appVersion },
          { spec, cells: cells.length, seeds: spec.seeds, merged: { shards: count, engineCheck: first.shard.engineCheck } },
        );
      const datasets = target.datasetIds();
      let added = 0;
      watch?.('merging', 0, toAdd);
      for (const s of shards) {
        // A shard's cells at a time (a cell split between shards is added to twice), so a merge holds one shard's outcomes.
        const outcomes: RunOutcomeRow[] = [];
        const ids = new Map<number, number>();
        for (const d of s.store.db.prepare('SELECT id, x, y FROM datasets').iterate() as Iterable<{ id: number; x: Buffer; y: Buffer }>) ids.set(d.id, datasets.idOf(d.x, d.y));
        // A page of rows at a time: better-sqlite3 reads a row of .all() in about half the time of .iterate()'s.
        const page = s.store.db.prepare(`SELECT ${RUN_COLUMNS.join(', ')} FROM runs WHERE experiment_id = ? AND idx >= ? ORDER BY idx LIMIT ${COPY_PAGE}`).raw();
        for (let rows = page.all(s.summary.id, s.shard.runFrom) as unknown[][]; rows.length > 0; rows = page.all(s.summary.id, (rows[rows.length - 1][COLUMN.idx] as number) + 1) as unknown[][]) {
          for (const row of rows) {
            const idx = row[COLUMN.idx] as number;
            if (have.has(idx)) continue;
            row[COLUMN.dataset_id] = ids.get(row[COLUMN.dataset_id] as number);
            insert.run(id, ...row);
            const cell = row[COLUMN.cell] as number | null;
            const reached = row[COLUMN.reached_step] as number | null;
            outcomes.push({ idx, cell: cell ?? NO_CELL, status: row[COLUMN.status] as string, finalLoss: row[COLUMN.final_loss] as number | null, reachedStep: reached === null || reached < 0 ? null : reached });
            added++;
          }
          watch?.('merging', added, toAdd);
        }
        target.addCellOutcomes(id, outcomes);
      }
      target.finishExperiment(id, complete ? 'done' : 'interrupted');
      return id;
    })
    .immediate();
  return report(id, existing === null);
}

/** Reads, checks and merges shard files into the store; every shard is closed again. */
export function mergeFiles(target: () => ExperimentStore, files: readonly string[], into?: string): MergeReport {
  const shards = readShards(files);
  const same = into !== undefined && existsSync(into) ? shards.find((s) => realpathSync(s.file) === realpathSync(into)) : undefined;
  if (same) {
    shards.forEach((s) => s.store.db.close());
    throw new InputError(`--into: ${into} is one of the shards being merged; merge into another database`);
  }
  try {
    return mergeShards(target(), shards);
  } finally {
    shards.forEach((s) => s.store.db.close());
  }
}
