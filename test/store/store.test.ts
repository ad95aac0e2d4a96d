// The SQLite store: exact round trips, migrations, recovery after crashes, hostile and damaged files,
// and two writers at once. Real database files in a temporary folder; real child processes.
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../shared/config.js';
import { experimentLandscape, experimentInterpolation, reproduce, saveRun } from '../../main/lab/experiments.js';
import { resumeSweep, runSweep } from '../../main/lab/sweep.js';
import { exportToFile, importExportFile } from '../../main/store/exchangeLines.js';
import { exportV1 } from '../support/exportV1.js';
import { migrate } from '../../main/store/db.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../main/store/migrations.js';
import { config, train } from '../support/helpers.js';
import { layerSizes, parameterCount } from '../../shared/parameters.js';

let dir: string;
let opened: ExperimentStore[] = [];
const open = (file: string, options = {}) => {
  const s = openStore(file, options);
  opened.push(s);
  return s;
};
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const worker = fileURLToPath(new URL('../fixtures/storeWorker.ts', import.meta.url));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-store-'));
});
afterEach(() => {
  opened.forEach((s) => s.db.open && s.db.close());
  opened = [];
});

describe('round trip', () => {
  it('a saved run comes back bit-identical, with its surface and interpolation', async () => {
    const store = open(join(dir, 'lab.sqlite'));
    const result = await train(config({ steps: 500, data: { target: { kind: 'hinge' }, noise: 0.01 } }), { kernel: 'js' });
    const id = saveRun(store, result, 'round trip');
    const surface = await experimentLandscape(store, id, { center: 'trained', axes: 'pca', res: 17, span: 'auto' }, { kernel: 'js' });
    await experimentInterpolation(store, id, { from: 'init', to: 'trained', points: 21 }, { kernel: 'js' });
    store.db.close();

    const again = open(join(dir, 'lab.sqlite')).get(id);
    expect(again.name).toBe('round trip');
    expect(again.status).toBe('done');
    const r = again.runList[0];
    for (const [a, b] of [
      [r.loss.steps, result.loss.steps],
      [r.loss.values, result.loss.values],
      [r.snapshots.params, result.snapshots.params],
      [r.snapshots.steps, result.snapshots.steps],
      [r.params.init, result.params.init],
      [r.params.final, result.params.final],
      [r.data.x, result.data.x],
      [r.data.y, result.data.y],
    ] as const) {
      expect(a.constructor).toBe(b.constructor);
      expect(bytes(a).equals(bytes(b))).toBe(true);
    }
    expect(r.config).toEqual(result.config);
    expect(r.diagnostics).toEqual(result.diagnostics);
    const s = again.surfaces[0];
    expect(bytes(s.loss).equals(bytes(surface.loss))).toBe(true);
    expect(bytes(s.alphas).equals(bytes(surface.alphas))).toBe(true);
    expect(bytes(s.d1).equals(bytes(surface.d1))).toBe(true);
    expect(bytes(s.trajectory.beta).equals(bytes(surface.trajectory.beta))).toBe(true);
    expect(s.markers).toEqual(JSON.parse(JSON.stringify(surface.markers)));
    expect(again.interpolations[0].t.length).toBe(21);
  });

  it('reproduce re-runs on the same kernel and says whether every number matches', async () => {
    const store = open(join(dir, 'lab.sqlite'));
    const id = saveRun(store, await train(config({ steps: 300 }), { kernel: 'js' }));
    expect(await reproduce(store, id)).toMatchObject({ matches: true, kernel: 'js', runs: [{ index: 0, matches: true }] });
    // Tamper with one stored loss value: reproduce must notice.
    const row = store.db.prepare('SELECT loss_values FROM runs WHERE experiment_id = ?').get(id) as { loss_values: Buffer };
    const values = Buffer.from(row.loss_values);
    values.writeDoubleLE(values.readDoubleLE(8 * 5) * 1.000001, 8 * 5);
    store.db.prepare('UPDATE runs SET loss_values = ? WHERE experiment_id = ?').run(values, id);
    const r = await reproduce(store, id);
    expect(r.matches).toBe(false);
    expect(r.runs[0].difference).toMatch(/^loss\.values\[5\] is .* now, .* stored$/);
  });

  it('list, rename, notes and delete (runs and surfaces go with it)', async () => {
    const store = open(join(dir, 'lab.sqlite'));
    const a = saveRun(store, await train(config({ steps: 50 }), { kernel: 'js' }));
    const b = saveRun(store, await train(config({ steps: 50, seed: 2 }), { kernel: 'js' }), 'second');
    store.rename(a, '  first  ');
    store.setNotes(a, 'looks good', ['adam']);
    expect(store.list().map((e) => [e.id, e.name, e.runs, e.tags])).toEqual([
      [a, 'first', 1, ['adam']],
      [b, 'second', 1, []],
    ]);
    expect(() => store.rename(a, ' ')).toThrow(new InputError('name: must not be empty'));
    store.delete(a);
    expect(store.list().map((e) => e.id)).toEqual([b]);
    expect((store.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n).toBe(1);
    expect(() => store.get(a)).toThrow(/experiment \d+: no such experiment in .*lab\.sqlite; see landscape-lab list/);
  });
});

describe('schema and migrations', () => {
  it('a new file gets WAL, foreign keys, the application id and the latest schema', () => {
    const store = open(join(dir, 'new.sqlite'));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  for (let from = 0; from < SCHEMA_VERSION; from++) {
    it(`migrates a file at schema ${from} to ${SCHEMA_VERSION}, keeping its data`, async () => {
      const file = join(dir, `v${from}.sqlite`);
      const result = from >= 1 ? await train(config({ steps: 30 }), { kernel: 'js' }) : null;
      {
        const db = new Database(file);
        migrate(db, from);
        if (result) {
          // Write an experiment the way schema 1 knew (no sweep columns yet).
          db.prepare(
            `INSERT INTO experiments (uid, name, created_at, updated_at, config, seed, kernel, backend, app_version, status)
             VALUES ('00000000-0000-4000-8000-000000000001', 'old', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', ?, 1, 'js', 'js', '0.0.1', 'done')`,
          ).run(JSON.stringify(result.config));
        }
        expect(db.pragma('user_version', { simple: true })).toBe(from);
        db.close();
      }
      // Schema 0 is an empty database, which only --init makes a lab database.
      const store = open(file, { init: from === 0 });
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(store.list().map((e) => e.name)).toEqual(result ? ['old'] : []);
      const id = saveRun(store, await train(config({ steps: 30 }), { kernel: 'js' }));
      expect(store.get(id).runList).toHaveLength(1);
    });
  }
});

describe('files that must be refused, and left untouched', () => {
  async function withExperiment(file: string) {
    const store = openStore(file);
    saveRun(store, await train(config({ steps: 20 }), { kernel: 'js' }));
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.db.close();
  }

  const cases: [string, (file: string) => Promise<void> | void, RegExp][] = [
    ['not SQLite', (f) => writeFileSync(f, 'x,y\n1,2\n'), /is not a Landscape Lab database \(not an SQLite file\); choose another file — this one was not changed$/],
    ['another program’s SQLite database', (f) => {
      const db = new Database(f);
      db.exec('CREATE TABLE contacts (name TEXT)');
      db.close();
    }, /is an SQLite database of another program/],
    ['too new', async (f) => {
      await withExperiment(f);
      const db = new Database(f);
      db.pragma('user_version = 99');
      db.close();
    }, new RegExp(`was written by a newer Landscape Lab \\(schema 99; this version knows ${SCHEMA_VERSION}\\); update the app`)],
    ['corrupt', async (f) => {
      await withExperiment(f);
      const buf = readFileSync(f);
      buf.fill(0x5a, 100, Math.min(buf.length, 4096 * 3));
      writeFileSync(f, buf);
    }, /is damaged \(its first page is not an SQLite table page\)/],
    ['read-only', async (f) => {
      await withExperiment(f);
      chmodSync(f, 0o444);
    }, /is read-only; make it writable, or copy it to a folder you can write to$/],
    ['a folder', (f) => spawnSync('mkdir', [f]), /is a folder, not a database file$/],
  ];
  for (const [name, make, message] of cases) {
    it(name, async () => {
      const file = join(dir, 'bad.sqlite');
      await make(file);
      const before = name === 'a folder' ? '' : sha(file);
      let error: unknown;
      try {
        open(file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message.startsWith(`${file}: `)).toBe(true);
      expect((error as Error).message).toMatch(message);
      if (name !== 'a folder') expect(sha(file)).toBe(before);
    });
  }

  it('locked by another process: a clear error after the busy timeout', async () => {
    const file = join(dir, 'locked.sqlite');
    await withExperiment(file);
    // A child holds an exclusive lock until we kill it.
    const holder = spawn(process.execPath, ['-e', `
      const Database = require(${JSON.stringify(fileURLToPath(import.meta.resolve('better-sqlite3')))});
      const db = new Database(${JSON.stringify(file)});
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      db.prepare("UPDATE experiments SET notes = 'x'").run();
      console.log('locked');
      setInterval(() => {}, 1000);
    `]);
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d) => String(d).includes('locked') && resolve());
        holder.on('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
      });
      const before = sha(file);
      expect(() => open(file, { busyTimeoutMs: 200 })).toThrow(/is locked by another program \(another Landscape Lab\?\); close it or try again$/);
      expect(sha(file)).toBe(before);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('crashes', () => {
  function child(db: string, ...args: string[]): ChildProcess {
    return spawn(process.execPath, ['--import', 'tsx', worker, db, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  const linesSeen = (p: ChildProcess, n: number) =>
    new Promise<void>((resolve, reject) => {
      let count = 0;
      let err = '';
      p.stderr?.on('data', (d) => (err += d));
      p.stdout?.on('data', (d) => {
        count += String(d).split('\n').filter(Boolean).length;
        if (count >= n) resolve();
      });
      p.on('exit', (code) => reject(new Error(`child exited ${code} after ${count} lines: ${err}`)));
    });
  const killed = (p: ChildProcess) => new Promise((resolve) => { p.on('exit', resolve); p.kill('SIGKILL'); });

  it('SIGKILL mid-save: every experiment in the file is whole; none is half-written', async () => {
    const db = join(dir, 'crash.sqlite');
    for (const waitFor of [2, 5]) {
      const p = child(db, 'save-loop');
      await linesSeen(p, waitFor);
      // Saves take milliseconds; a random delay lands mid-save often.
      await new Promise((r) => setTimeout(r, Math.random() * 15));
      await killed(p);
    }
    const store = open(db);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const list = store.list();
    expect(list.length).toBeGreaterThanOrEqual(7);
    for (const e of list) {
      const full = store.get(e.id);
      expect(full.runList).toHaveLength(1);
      const r = full.runList[0];
      expect(r.snapshots.params.length).toBe(r.snapshots.steps.length * parameterCount(layerSizes(r.config, r.data.dIn)));
      expect(r.loss.values.length).toBe(2001);
      expect(r.data.x.length).toBe(20_000);
    }
  });

  it('SIGKILL mid-sweep keeps the finished runs; the sweep shows interrupted and resume completes it', async () => {
    const db = join(dir, 'sweep.sqlite');
    const specFile = join(dir, 'spec.json');
    const spec = { base: { data: { target: { kind: 'hinge' }, n: 2000 }, steps: 6000, batchSize: 200 }, grid: { 'optimizer.lr': [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008] }, seeds: 2 };
    writeFileSync(specFile, JSON.stringify(spec));
    const p = child(db, 'sweep', specFile);
    await linesSeen(p, 3); // progress lines: 0 runs, then a cell (2 runs), then another
    await killed(p);

    const store = open(db);
    const [e] = store.list();
    expect(e.status).toBe('interrupted');
    expect(e.isSweep).toBe(true);
    const kept = store.runs(e.id).map((r) => r.index);
    expect(kept.length).toBeGreaterThanOrEqual(4);
    expect(kept.length).toBeLessThan(16);
    // Each cell's two seeds are stored in one transaction: whole cells only.
    expect(kept.length % 2).toBe(0);
    const keptFinal = store.runs(e.id).map((r) => Array.from(r.params.final));

    const outcome = await resumeSweep(store, e.id, { kernel: 'js' });
    expect(outcome).toMatchObject({ status: 'done', runsDone: 16, runsTotal: 16, runsNew: 16 - kept.length });
    const all = store.runs(e.id);
    expect(all.map((r) => r.index)).toEqual(Array.from({ length: 16 }, (_, k) => k));
    // The runs stored before the crash are untouched.
    kept.forEach((index, k) => expect(Array.from(all[index].params.final)).toEqual(keptFinal[k]));
    expect(store.summary(e.id).status).toBe('done');
  });

  it('a running experiment of a live process is not marked interrupted', async () => {
    const store = open(join(dir, 'live.sqlite'));
    const id = store.beginExperiment({ name: 'live', config: config(), kernel: 'js', backend: 'js', appVersion: 'test' });
    // Pretend a crashed process on this machine owned another one.
    const dead = store.beginExperiment({ name: 'dead', config: config(), kernel: 'js', backend: 'js', appVersion: 'test' });
    store.db.prepare('UPDATE experiments SET owner_pid = 999999999, owner_host = ? WHERE id = ?').run(hostname(), dead);
    const other = open(join(dir, 'live.sqlite'));
    expect(other.summary(id).status).toBe('running');
    expect(other.summary(dead).status).toBe('interrupted');
  });
});

describe('two processes writing at once', () => {
  it('both finish and every experiment is there', async () => {
    const db = join(dir, 'shared.sqlite');
    open(db).db.close();
    const run = (n: number) =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', worker, db, 'save', String(n)], { stdio: 'ignore' });
        p.on('exit', (code) => resolve(code ?? -1));
      });
    const codes = await Promise.all([run(40), run(40)]);
    expect(codes).toEqual([0, 0]);
    const store = open(db);
    expect(store.list()).toHaveLength(80);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

describe('export and import', () => {
  async function exported() {
    const store = open(join(dir, 'source.sqlite'));
    const id = saveRun(store, await train(config({ steps: 200 }), { kernel: 'js' }), 'to share');
    await experimentLandscape(store, id, { center: 'optimum', axes: 'params:W1[0,0],b1[0]', res: 9, span: 1 }, { kernel: 'js' });
    const sweep = await runSweep(store, { base: { data: { target: { kind: 'hinge' }, n: 50 }, steps: 50 }, grid: { 'optimizer.lr': [0.01, 0.1] }, seeds: 2 }, { kernel: 'js' });
    const file = join(dir, 'out.lab.json');
    exportToFile(store, [id, sweep.experimentId], file);
    const v1 = join(dir, 'v1.lab.json');
    writeFileSync(v1, exportV1(store, [id, sweep.experimentId]));
    return { store, id, sweepId: sweep.experimentId, file, v1 };
  }
  const count = (s: ExperimentStore) => (s.db.prepare('SELECT (SELECT count(*) FROM experiments) + (SELECT count(*) FROM runs) + (SELECT count(*) FROM surfaces) AS n').get() as { n: number }).n;

  it.each(['file', 'v1'] as const)('round trip into another database (%s: the streamed format, and the old document): bit-identical, ids remapped; a second import is kept as a copy', async (format) => {
    const { store, id, [format]: file } = await exported();
    const target = open(join(dir, 'target.sqlite'));
    saveRun(target, await train(config({ steps: 10 }), { kernel: 'js' }));
    const first = importExportFile(target, file);
    expect(first.map((r) => r.renamed)).toEqual([false, false]);
    expect(first[0].id).not.toBe(id);
    const a = store.get(id);
    const b = target.get(first[0].id);
    expect(b.name).toBe('to share');
    expect(b.uid).toBe(a.uid);
    expect(bytes(b.runList[0].snapshots.params).equals(bytes(a.runList[0].snapshots.params))).toBe(true);
    expect(bytes(b.surfaces[0].loss).equals(bytes(a.surfaces[0].loss))).toBe(true);
    expect(target.get(first[1].id).sweep?.cells).toBe(2);
    expect(target.get(first[1].id).runList).toHaveLength(4);
    const second = importExportFile(target, file);
    expect(second.map((r) => r.renamed)).toEqual([true, true]);
    expect(target.get(second[0].id).name).toBe('to share (imported)');
  });

  const hostile: [string, (doc: any) => unknown, RegExp][] = [
    ['another format', (d) => ({ ...d, format: 'something-else' }), /not a Landscape Lab export \(its first line must be \{"format":"landscape-lab","version":2,…\}\)/],
    ['a newer export version', (d) => ({ ...d, version: 7 }), /written by a newer Landscape Lab \(export version 7/],
    ['an unknown field', (d) => ({ ...d, experiments: [{ ...d.experiments[0], evil: true }, ...d.experiments.slice(1)] }), /experiments\[0\]\.evil: unknown field/],
    ['an array of the wrong length', (d) => {
      d.experiments[0].runs[0].arrays.init.base64 = Buffer.alloc(4 * 3).toString('base64');
      return d;
    }, /experiments\[0\]\.runs\[0\]\.arrays\.init: has 3 values; this network needs 7/],
    ['bytes that are not whole values', (d) => {
      d.experiments[0].runs[0].arrays.lossValues.base64 = Buffer.alloc(13).toString('base64');
      return d;
    }, /lossValues: a f64 array cannot be 13 bytes long/],
    ['not base64', (d) => {
      d.experiments[0].runs[0].arrays.final.base64 = '<script>';
      return d;
    }, /arrays\.final\.base64: must be base64/],
    ['an invalid config inside', (d) => {
      d.experiments[0].runs[0].config.optimizer.lr = -5;
      return d;
    }, /runs\[0\]\.config\.optimizer\.lr: must be more than 0 \(got -5\)/],
    ['a surface pointing at a missing run', (d) => {
      d.experiments[0].surfaces[0].runIndex = 9;
      return d;
    }, /surfaces\[0\]\.runIndex: no run 9 in this experiment/],
    ['the wrong dtype', (d) => {
      d.experiments[0].runs[0].arrays.init.dtype = 'f64';
      return d;
    }, /arrays\.init\.dtype: must be one of "f32"/],
  ];
  for (const [name, mutate, message] of hostile) {
    it(`rejects ${name} whole, writing nothing`, async () => {
      const { v1 } = await exported();
      const bad = join(dir, 'bad.lab.json');
      writeFileSync(bad, JSON.stringify(mutate(JSON.parse(readFileSync(v1, 'utf8')))));
      const target = open(join(dir, 'target.sqlite'));
      saveRun(target, await train(config({ steps: 10 }), { kernel: 'js' }));
      const before = count(target);
      expect(() => importExportFile(target, bad)).toThrow(message);
      expect(() => importExportFile(target, bad)).toThrow(InputError);
      expect(count(target)).toBe(before);
    });
  }

  it('rejects malformed JSON, and v1 documents over their old limit, before reading them', async () => {
    const target = open(join(dir, 'target.sqlite'));
    const bad = join(dir, 'trunc.lab.json');
    writeFileSync(bad, '{"format": "landscape-lab", "version": 1, "experiments": [');
    expect(() => importExportFile(target, bad)).toThrow(/trunc\.lab\.json: not valid JSON: /);
    const huge = join(dir, 'huge.lab.json');
    writeFileSync(huge, '{"format":"landscape-lab","version":1,');
    truncateSync(huge, 256 * 2 ** 20 + 1);
    expect(() => importExportFile(target, huge)).toThrow(/huge\.lab\.json: is 256 MiB; an export file is limited to 256 MiB$/);
    expect(target.list()).toHaveLength(0);
  });

  it('an export refused part way (an unknown id after a good one) leaves no file, nor its temporary', async () => {
    const { store, id } = await exported();
    const out = join(dir, 'refused', 'x.lab.json');
    mkdirSync(join(dir, 'refused'));
    expect(() => exportToFile(store, [id, 999], out)).toThrow(/^experiment 999: no such experiment in /);
    expect(readdirSync(join(dir, 'refused'))).toEqual([]);
  });

  it('a copied database file opens as it was', async () => {
    const { store, id } = await exported();
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(join(dir, 'source.sqlite'), join(dir, 'copy.sqlite'));
    expect(open(join(dir, 'copy.sqlite')).get(id).name).toBe('to share');
  });
});
