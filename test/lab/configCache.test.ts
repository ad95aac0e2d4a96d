// Never search the optimum twice: a config's run and optimum are stored, found again by the config's
// hash (seed included), and a search that does happen reports progress and can be cancelled — through
// the lab, the app's jobs and the CLI. Old databases gain the hash by migration, without loss.
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../shared/api.js';
import { parseConfig } from '../../shared/config.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { prepareConfig } from '../../main/engine/prepared.js';
import { experimentForConfig, experimentLandscape, saveRun } from '../../main/lab/experiments.js';
import { migrate } from '../../main/store/db.js';
import { configHash } from '../../main/store/configHash.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { SCHEMA_VERSION } from '../../main/store/migrations.js';
import { SEARCH_BUDGET } from '../../main/engine/optimum.js';
import { openTestLab, type TestLab } from '../support/lab.js';
import { train } from '../support/helpers.js';
import { insertOldRuns } from '../support/oldSchema.js';

const dir = mkdtempSync(join(tmpdir(), 'lab-config-cache-'));
let pool: WorkerPool;
beforeAll(() => {
  pool = new WorkerPool(2);
});
afterAll(() => pool.close());

/** A sine fit: no closed-form optimum, so the surface must search for one. */
const sineInput = { data: { target: { kind: 'sine' }, n: 40 }, model: { hidden: [4] }, steps: 300, seed: 5 };
const sine = parseConfig(sineInput);
const bits = (a: ArrayLike<number>) => Array.from(a);
const surfaceReq = { center: 'trained' as const, axes: 'plane', res: 9, span: 'auto' as const };
/** A network whose optimum's search (8 restarts × 5,000 full-batch steps, whatever the run's steps) lasts seconds. */
const wideInput = { data: { target: { kind: 'sine' }, n: 500 }, model: { hidden: [48, 48], activation: 'tanh' }, steps: 400_000, seed: 5 };

function freshStore(name: string): ExperimentStore {
  return openStore(join(mkdtempSync(join(dir, `${name}-`)), 'lab.sqlite'));
}

describe('the config hash', () => {
  it('is the same for the same parsed config however its keys are ordered, and differs with the seed', () => {
    const reordered = parseConfig({ seed: 5, steps: 300, model: { hidden: [4] }, data: { n: 40, target: { kind: 'sine' } } });
    expect(configHash(reordered)).toBe(configHash(sine));
    expect(configHash(JSON.parse(JSON.stringify(sine)))).toBe(configHash(sine));
    expect(configHash({ ...sine, seed: 6 })).not.toBe(configHash(sine));
    expect(configHash(sine)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('a config searched once', () => {
  it('is trained and stored once; its optimum is searched once and reused by the next surface', async () => {
    const store = freshStore('once');
    try {
      const first = await experimentForConfig(store, prepareConfig(sine), { pool });
      expect(first.reused).toBe(false);
      const phases: string[] = [];
      const onProgress = (p: { phase: string }) => phases.push(p.phase);
      const a = await experimentLandscape(store, first.id, surfaceReq, { pool, onProgress });
      expect(phases).toContain('optimum');
      const stored = store.runs(first.id, 0)[0];
      expect(stored.optimum).toMatchObject({ kind: 'best-found' });

      const again = await experimentForConfig(store, prepareConfig(parseConfig(sineInput)), { pool });
      expect(again).toEqual({ id: first.id, reused: true });
      phases.length = 0;
      const b = await experimentLandscape(store, again.id, surfaceReq, { pool, onProgress });
      expect(phases).not.toContain('optimum');
      expect(phases).not.toContain('training');
      expect(bits(b.loss)).toEqual(bits(a.loss));
      expect(bits(b.optimum!.params)).toEqual(bits(stored.params.optimum!));
      expect(store.list()).toHaveLength(1);
      expect(store.get(first.id).surfaces).toHaveLength(2);

      // Another seed is another config.
      const other = await experimentForConfig(store, prepareConfig({ ...sine, seed: 6 }), { pool });
      expect(other.reused).toBe(false);
      expect(other.id).not.toBe(first.id);
    } finally {
      store.db.close();
    }
  });

  it('a cancelled search stores the run but no optimum and no surface, and the next one searches again', async () => {
    const store = freshStore('cancel');
    try {
      // A long config, its training cancelled early and stored as the app stores it; its network makes
      // the search for its optimum last seconds.
      const stop = new AbortController();
      const cancelledRun = await train(parseConfig(wideInput), { pool, signal: stop.signal, onProgress: (p) => p.step > 0 && stop.abort() });
      expect(cancelledRun.status).toBe('cancelled');
      const longId = saveRun(store, cancelledRun);
      const controller = new AbortController();
      let searched = 0;
      const pending = experimentLandscape(store, longId, surfaceReq, {
        pool,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'optimum' && p.step > 0 && ++searched === 2) controller.abort();
        },
      });
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      expect(searched).toBeGreaterThanOrEqual(2);
      expect(store.runs(longId, 0)[0].params.optimum).toBeUndefined();
      expect(store.get(longId).surfaces).toHaveLength(0);
      // A cancelled run is never the stored run of its config.
      expect(store.findByConfig(cancelledRun.config)).toBeNull();
    } finally {
      store.db.close();
    }
  });
});

describe('an old database', () => {
  it('created by the old migrations gains config hashes on opening, keeps every number, and its runs are reused', async () => {
    const trained = await train(sine, { kernel: 'js' });
    // The rows as a schema-2 file holds them: written by the old migration list, columns of that time.
    const source = freshStore('source');
    const sourceId = saveRun(source, trained);
    const sourceFile = source.file;
    const sourceRuns = source.runs(sourceId);
    source.db.close();
    const file = join(dir, 'v2.sqlite');
    const db = new Database(file);
    migrate(db, 2);
    const columns = (table: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name).join(', ');
    db.prepare('ATTACH ? AS source').run(sourceFile);
    db.exec(`INSERT INTO experiments (${columns('experiments')}) SELECT ${columns('experiments')} FROM source.experiments`);
    db.exec('DETACH source');
    insertOldRuns(db, sourceId, sourceRuns);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(columns('experiments')).not.toMatch(/config_hash/);
    db.close();

    const store = openStore(file);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(store.findByConfig(sine)).toBe(sourceId);
      const [old] = store.runs(sourceId);
      expect(bits(old.params.final)).toEqual(bits(trained.params.final));
      expect(bits(old.loss.values)).toEqual(bits(trained.loss.values));
      expect(bits(old.snapshots.params)).toEqual(bits(trained.snapshots.params));
      expect(await experimentForConfig(store, prepareConfig(sine), { pool })).toEqual({ id: sourceId, reused: true });
      // A sweep has no config hash: its base config is not one run's.
      expect((store.db.prepare('SELECT count(*) AS n FROM experiments WHERE config_hash IS NULL').get() as { n: number }).n).toBe(0);
    } finally {
      store.db.close();
    }
  });
});

describe('in the app', () => {
  let lab: TestLab;
  beforeAll(() => {
    lab = openTestLab('config-cache', 2);
  });
  afterAll(() => lab.close());

  it('a surface job that must search shows the optimum phase with progress, and cancelling it stores nothing of the search', async () => {
    const r = (await lab.service.call('jobs.run', { config: wideInput })) as { ok: true; value: JobInfo };
    // Training 400,000 steps would take long: cancel it and keep what it did. The search has its own
    // budget (8 restarts × 5,000 steps), not the run's steps.
    await expect.poll(() => lab.updates.some((u) => u.id === r.value.id && u.step > 0), { timeout: 20_000 }).toBe(true);
    await lab.service.call('jobs.cancel', { jobId: r.value.id });
    const id = (await lab.finished(r.value.id)).experimentId as number;
    const started = (await lab.service.call('jobs.landscape', { experimentId: id, ...surfaceReq })) as { ok: true; value: JobInfo };
    const job = started.value.id;
    await expect.poll(() => lab.updates.some((u) => u.id === job && u.phase === 'optimum' && u.step > 0 && u.steps === SEARCH_BUDGET.steps), { timeout: 20_000 }).toBe(true);
    expect((await lab.service.call('jobs.cancel', { jobId: job })).ok).toBe(true);
    const last = await lab.finished(job);
    expect(last.state).toBe('cancelled');
    expect(last.error).toBeNull();
    expect(lab.store.runs(id, 0)[0].params.optimum).toBeUndefined();
    expect(lab.store.get(id).surfaces).toHaveLength(0);
  });
});

describe('views that do not wait on the search', () => {
  let lab: TestLab;
  beforeAll(() => {
    lab = openTestLab('no-wait', 2);
  });
  afterAll(() => lab.close());

  it('the local views of the init and the trained network leave the optimum out; the optimum’s own view searches and stores it', async () => {
    const r = (await lab.service.call('jobs.run', { config: sineInput })) as { ok: true; value: JobInfo };
    const id = (await lab.finished(r.value.id)).experimentId as number;
    const surface = async (center: string) => {
      const started = (await lab.service.call('jobs.landscape', { experimentId: id, center, axes: 'local', res: 9, span: 'auto' })) as { ok: true; value: JobInfo };
      expect((await lab.finished(started.value.id)).state).toBe('done');
    };
    // A search stores the optimum it found with the run: none is stored while these two are drawn.
    for (const center of ['init', 'trained']) {
      await surface(center);
      expect(lab.store.runs(id, 0)[0].params.optimum).toBeUndefined();
    }
    const stored = lab.store.get(id).surfaces;
    expect(stored.map((s) => s.center)).toEqual(['init', 'trained']);
    for (const s of stored) expect(Object.keys(s.markers).sort()).toEqual(['init', 'trained']);
    await surface('optimum');
    const found = lab.store.runs(id, 0)[0];
    expect(found.optimum?.kind).toBe('best-found');
    expect(lab.store.get(id).surfaces.find((s) => s.center === 'optimum')?.markers.optimum).toMatchObject({ alpha: 0, beta: 0 });
  });
});

describe('in the CLI', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const bin = join(root, 'bin', 'landscape-lab.js');
  const db = join(dir, 'cli.sqlite');
  const cfg = join(dir, 'sine.json');
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
    writeFileSync(cfg, JSON.stringify(sineInput));
  });
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args, '--db', db], { encoding: 'utf8', timeout: 120_000 });

  it('landscape on a config stores the run and its optimum; the second time reuses both', () => {
    const first = cli('landscape', cfg, '--res', '9', '--json');
    expect(first.status).toBe(0);
    expect(first.stderr).toBe(`saved the run as experiment 1 in ${db}\nstored the surface with experiment 1\n`);
    const second = cli('interpolate', cfg, '--points', '5', '--json');
    expect(second.status).toBe(0);
    expect(second.stderr).toBe('using experiment 1: this config and seed were trained before\nstored the curve with experiment 1\n');
    const shown = JSON.parse(cli('show', '1', '--json').stdout);
    expect(shown.experiment).toMatchObject({ runs: 1 });
    expect(shown.experiment.surfaces).toHaveLength(1);
    expect(shown.experiment.interpolations).toHaveLength(1);
    expect(shown.optimum).toMatchObject({ kind: 'best-found' });
    expect(JSON.parse(cli('list', '--json').stdout).experiments).toHaveLength(1);
  });

  it('Ctrl+C during the search exits 130 with one line, keeping the run and storing no optimum', async () => {
    const long = join(dir, 'long.json');
    // tanh on 500 points: no piecewise sums, so the search's full-batch steps cost ~100× the run's
    // minibatch steps (the tutorial network's search took under 0.5 s, and finished before Ctrl+C).
    writeFileSync(long, JSON.stringify({ ...sineInput, data: { target: { kind: 'sine' }, n: 500 }, model: { hidden: [32], activation: 'tanh' }, steps: 300_000, seed: 9 }));
    const child = spawn(process.execPath, [bin, 'landscape', long, '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    // Training 300,000 minibatch steps takes a few seconds; the search (8 restarts × 300,000 full-batch steps) far longer.
    await expect.poll(() => err, { timeout: 60_000, interval: 50 }).toMatch(/saved the run as experiment \d+/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(err.split('\n').filter(Boolean).slice(-1)).toEqual(['landscape-lab: interrupted']);
    const id = Number(/experiment (\d+)/.exec(err)![1]);
    const shown = JSON.parse(cli('show', String(id), '--json').stdout);
    expect(shown.params.optimum).toBeUndefined();
    expect(shown.experiment.surfaces).toHaveLength(0);
  }, 90_000);
});
