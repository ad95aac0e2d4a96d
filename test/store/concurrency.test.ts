// Processes sharing one database, with real child processes and real files: two opening the same new
// (or old) file at once, two resuming the same sweep at once — each raced 50 times by two long-lived
// children, so a race costs milliseconds, not a process start — a sweep's lease (refused, waited for,
// taken over from a dead owner or a reused pid), a sweep task stored in one transaction, and what
// reads say after a SIGKILL, without writing.
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import { expandSweep } from '../../shared/sweep.js';
import { resumeSweep, runSweep } from '../../main/lab/sweep.js';
import { migrate } from '../../main/store/db.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../main/store/migrations.js';

const raceWorker = fileURLToPath(new URL('../fixtures/raceWorker.ts', import.meta.url));
const cliEntry = fileURLToPath(new URL('../fixtures/cli.ts', import.meta.url));
const ROUNDS = 50;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

type Answer = { ok: boolean; message?: string; busy?: number; runsNew?: number; experiments?: number; id?: number; ready?: number };

/** A raceWorker child: send a command, read its one-line JSON answer. */
class Child {
  readonly proc: ChildProcessWithoutNullStreams;
  private answers: Answer[] = [];
  private waiting: ((a: Answer) => void)[] = [];
  private stderr = '';
  constructor() {
    this.proc = spawn(process.execPath, ['--import', 'tsx', raceWorker]);
    this.proc.stderr.on('data', (d) => (this.stderr += d));
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const a = JSON.parse(line) as Answer;
      const w = this.waiting.shift();
      if (w) w(a);
      else this.answers.push(a);
    });
  }
  next(): Promise<Answer> {
    const a = this.answers.shift();
    if (a) return Promise.resolve(a);
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      this.proc.once('exit', (code) => reject(new Error(`raceWorker exited ${code}: ${this.stderr}`)));
    });
  }
  send(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }
}

let dir: string;
let children: Child[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-concurrency-'));
  children = [new Child(), new Child()];
  await Promise.all(children.map((c) => c.next()));
});
afterAll(() => children.forEach((c) => c.proc.kill()));

/** Sends the same command to both children at once and returns both answers. */
async function race(line: string): Promise<Answer[]> {
  children.forEach((c) => c.send(line));
  return Promise.all(children.map((c) => c.next()));
}

const SPEC = { base: { data: { target: { kind: 'hinge' }, n: 30 }, steps: 300 }, grid: { 'optimizer.lr': [0.01, 0.02, 0.03] }, seeds: 2 };
const RUNS = 6;

/** An unfinished sweep with no runs yet, as a crashed `sweep` leaves it. */
function unfinishedSweep(file: string, spec: unknown = SPEC): number {
  const store = openStore(file);
  const { spec: parsed, cells } = expandSweep(spec);
  const id = store.beginExperiment({ name: 'race', config: cells.at(0).config, kernel: 'js', backend: 'js', appVersion: 'test' }, { spec: parsed, cells: cells.length, seeds: parsed.seeds });
  store.finishExperiment(id, 'interrupted');
  store.db.close();
  return id;
}

const runIndices = (store: ExperimentStore, id: number) => store.runs(id).map((r) => r.index);

describe('two processes at once', () => {
  it(`opening the same new database: both use one lab database, ${ROUNDS} times out of ${ROUNDS}`, async () => {
    const sub = mkdtempSync(join(dir, 'new-'));
    for (let i = 0; i < ROUNDS; i++) {
      const answers = await race(`open ${join(sub, `${i}.sqlite`)}`);
      expect(answers, `round ${i}`).toEqual([{ ok: true, experiments: 0 }, { ok: true, experiments: 0 }]);
    }
    // Nothing but the databases: no temporary files. (SQLite's -wal/-shm may stay when the last
    // connection to close was the other process's read-only look at the file; they are harmless.)
    expect(readdirSync(sub).filter((f) => !/^\d+\.sqlite(-wal|-shm)?$/.test(f))).toEqual([]);
    expect(readdirSync(sub).filter((f) => f.endsWith('.sqlite'))).toHaveLength(ROUNDS);
    const db = new Database(join(sub, '0.sqlite'), { readonly: true });
    expect([db.pragma('application_id', { simple: true }), db.pragma('user_version', { simple: true }), db.pragma('journal_mode', { simple: true })]).toEqual([APPLICATION_ID, SCHEMA_VERSION, 'wal']);
    db.close();
  });

  it(`opening the same old database: migrated once, ${ROUNDS} times out of ${ROUNDS}`, async () => {
    const sub = mkdtempSync(join(dir, 'old-'));
    const template = join(sub, 'template.sqlite');
    const db = new Database(template);
    migrate(db, 2);
    db.close();
    for (let i = 0; i < ROUNDS; i++) {
      const file = join(sub, `${i}.sqlite`);
      copyFileSync(template, file);
      const answers = await race(`open ${file}`);
      expect(answers, `round ${i}`).toEqual([{ ok: true, experiments: 0 }, { ok: true, experiments: 0 }]);
      const after = new Database(file, { readonly: true });
      expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      after.close();
    }
  });

  it(`resuming the same sweep: one trains it, the other is refused or finds it done, ${ROUNDS} times out of ${ROUNDS}`, async () => {
    const sub = mkdtempSync(join(dir, 'resume-'));
    const template = join(sub, 'template.sqlite');
    const id = unfinishedSweep(template);
    let refused = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const file = join(sub, `${i}.sqlite`);
      copyFileSync(template, file);
      const answers = await race(`resume ${file} ${id}`);
      for (const a of answers) {
        if (a.ok) continue;
        // The only refusal allowed: the other child holds the sweep.
        expect(children.map((c) => c.proc.pid)).toContain(a.busy);
        expect(a.message).toBe(`sweep ${id} is being resumed by pid ${a.busy}; wait for it (--wait), or stop that process first`);
        refused++;
      }
      // Every run trained exactly once, by one of them.
      expect(answers.reduce((n, a) => n + (a.runsNew ?? 0), 0), `round ${i}`).toBe(RUNS);
      const store = openStore(file, { readonly: true });
      expect(runIndices(store, id)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(store.summary(id).status).toBe('done');
      store.db.close();
    }
    // The children start each round together: most rounds overlap, and the loser is refused.
    expect(refused).toBeGreaterThan(0);
  });
});

describe("a sweep's lease", () => {
  const cli = (args: string[]) => spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const finished = (p: ReturnType<typeof cli>) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('exit', (code) => resolve({ code, out, err }));
    });

  it('sweep --resume while another process trains it: exit 2 naming the pid; with --wait it waits, then finishes the sweep', async () => {
    const file = join(mkdtempSync(join(dir, 'cli-')), 'lab.sqlite');
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(SPEC));
    // This test process owns the sweep, as `sweep` does while it trains.
    const store = openStore(file);
    const { spec, cells } = expandSweep(SPEC);
    const id = store.beginExperiment({ name: 'held', config: cells.at(0).config, kernel: 'js', backend: 'js', appVersion: 'test' }, { spec, cells: cells.length, seeds: spec.seeds });
    try {
      const busy = await finished(cli(['sweep', specFile, '--resume', '--db', file]));
      expect(busy).toMatchObject({ code: 2, out: '' });
      expect(busy.err).toBe(`landscape-lab: sweep ${id} is being resumed by pid ${process.pid}; wait for it (--wait), or stop that process first\n`);

      const waiter = cli(['sweep', specFile, '--resume', '--wait', '--json', '--db', file]);
      const result = finished(waiter);
      await new Promise<void>((resolve) => waiter.stderr.on('data', (d) => String(d).includes(`waiting for pid ${process.pid}`) && resolve()));
      expect(runIndices(store, id)).toEqual([]);
      store.finishExperiment(id, 'cancelled');
      const done = await result;
      expect(done.code).toBe(0);
      expect(JSON.parse(done.out)).toMatchObject({ experimentId: id, status: 'done', runsNew: RUNS, runsDone: RUNS });
      expect(runIndices(store, id)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(store.summary(id).status).toBe('done');
    } finally {
      store.db.close();
    }
  });

  it("a dead owner's lease is taken over, and so is a live pid whose start time differs (a reused pid)", async () => {
    const file = join(mkdtempSync(join(dir, 'dead-')), 'lab.sqlite');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const store = openStore(file);
    try {
      for (const [pid, started] of [
        [dead, null],
        [process.pid, 'another-boot:1'],
      ] as const) {
        const id = unfinishedSweep(file);
        store.db.prepare("UPDATE experiments SET status = 'running', owner_pid = ?, owner_started = ? WHERE id = ?").run(pid, started, id);
        expect(store.summary(id).status).toBe('interrupted');
        expect(await resumeSweep(store, id, { kernel: 'js' })).toMatchObject({ status: 'done', runsNew: RUNS });
      }
    } finally {
      store.db.close();
    }
  });

  it("a sweep task's runs are stored in one transaction: a failure inside a cell stores none of its runs", async () => {
    const store = openStore(join(mkdtempSync(join(dir, 'cell-')), 'lab.sqlite'));
    try {
      // The second seed of cell 1 (run 3) cannot be stored; its first seed (run 2) must not be either.
      store.db.exec("CREATE TRIGGER refuse_run_3 BEFORE INSERT ON runs WHEN NEW.idx = 3 BEGIN SELECT RAISE(ABORT, 'run 3 refused'); END");
      await expect(runSweep(store, SPEC, { kernel: 'js' })).rejects.toThrow('run 3 refused');
      const [e] = store.list();
      expect(runIndices(store, e.id)).toEqual([0, 1]);
      expect(e.status).toBe('interrupted');
    } finally {
      store.db.close();
    }
  });
});

describe('after a SIGKILL', () => {
  it('list and show say interrupted, and reading writes nothing', async () => {
    const sub = mkdtempSync(join(dir, 'killed-'));
    const file = join(sub, 'lab.sqlite');
    openStore(file).db.close();
    const holder = new Child();
    await holder.next();
    holder.send(`hold ${file}`);
    const { id } = await holder.next();
    await new Promise((resolve) => {
      holder.proc.on('exit', resolve);
      holder.proc.kill('SIGKILL');
    });
    // The killed writer left its -wal and -shm; the database and its -wal must stay as they are.
    const before = { files: readdirSync(sub).sort(), db: sha(file), wal: sha(`${file}-wal`) };
    expect(before.files).toEqual(['lab.sqlite', 'lab.sqlite-shm', 'lab.sqlite-wal']);

    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cliEntry, ...args, '--db', file], { encoding: 'utf8' });
    const list = run('list', '--json');
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout).experiments.map((e: { id: number; status: string }) => [e.id, e.status])).toEqual([[id, 'interrupted']]);
    const show = run('show', String(id));
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(/^status interrupted · /m);

    expect({ files: readdirSync(sub).sort(), db: sha(file), wal: sha(`${file}-wal`) }).toEqual(before);
    // What is stored still says running: only a writer records the interruption.
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT status FROM experiments WHERE id = ?').pluck().get(id)).toBe('running');
    raw.close();
  });

  it('a read-only open reports interrupted for an owner whose pid now belongs to another process', () => {
    const file = join(mkdtempSync(join(dir, 'reused-')), 'lab.sqlite');
    const store = openStore(file);
    const config = parseConfig({ data: { target: { kind: 'hinge' } } });
    const id = store.beginExperiment({ name: 'reused', config, kernel: 'js', backend: 'js', appVersion: 'test' });
    const live = store.beginExperiment({ name: 'live', config, kernel: 'js', backend: 'js', appVersion: 'test' });
    store.db.prepare("UPDATE experiments SET owner_started = 'another-boot:1' WHERE id = ?").run(id);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const before = sha(file);
    const reader = openStore(file, { readonly: true });
    expect(reader.list().map((e) => [e.id, e.status])).toEqual([
      [id, 'interrupted'],
      [live, 'running'],
    ]);
    reader.db.close();
    expect(sha(file)).toBe(before);
    store.db.close();
  });
});
