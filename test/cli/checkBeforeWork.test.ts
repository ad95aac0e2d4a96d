// Issue 22, point 3 (What to build) / point 4 (Why): `run` and `race` into a database they cannot save
// into — another program's, read-only, damaged — trained fully (7.4 s) and only then refused. The
// database is now opened and checked before any training: with 10,000,000 full-batch steps of a 1→32→32→1 network (far
// longer than the timeout), each must exit 2 at once, with one line naming the database, and leave
// the file as it was. The built CLI in a child process.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'landscape-lab.js');
let dir: string;
const file = (name: string) => join(dir, name);
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function cli(...args: string[]) {
  // Far shorter than the training asked for: a refusal after training would be killed here.
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 20_000, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'lab-check-first-'));
  writeFileSync(file('long.json'), JSON.stringify({ data: { target: { kind: 'hinge' }, n: 2000 }, steps: 10_000_000, batchSize: 2000, model: { hidden: [32, 32] } }));
  writeFileSync(file('short.json'), JSON.stringify({ data: { target: { kind: 'hinge' }, n: 40 }, steps: 20 }));
  expect(cli('run', 'short.json', '--db', 'lab.sqlite').code).toBe(0);
  const foreign = new Database(file('foreign.sqlite'));
  foreign.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (1)');
  foreign.close();
  copyFileSync(file('lab.sqlite'), file('readonly.sqlite'));
  chmodSync(file('readonly.sqlite'), 0o444);
  const bytes = readFileSync(file('lab.sqlite'));
  writeFileSync(file('damaged.sqlite'), bytes.subarray(0, 200));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run and race refuse a database they cannot save into before training', () => {
  const cases: [string, string, RegExp][] = [
    ['another program\'s database', 'foreign.sqlite', /foreign\.sqlite: is an SQLite database of another program/],
    ['a read-only database', 'readonly.sqlite', /readonly\.sqlite: is read-only/],
    ['a damaged database', 'damaged.sqlite', /damaged\.sqlite: is damaged/],
  ];
  for (const command of ['run', 'race'] as const) {
    for (const [what, db, message] of cases) {
      it(`${command} into ${what}`, () => {
        const before = sha(file(db));
        const r = cli(command, 'long.json', '--db', db);
        expect(r.signal, 'it trained before checking the database').toBeNull();
        expect(r.err).toMatch(/^landscape-lab: [^\n]*\n$/);
        expect(r.err).toMatch(message);
        expect(r.code).toBe(2);
        expect(r.out).toBe('');
        expect(sha(file(db))).toBe(before);
      });
    }
  }

  it('--no-save needs no database: a foreign one is not even opened', () => {
    const before = sha(file('foreign.sqlite'));
    const r = cli('run', 'short.json', '--db', 'foreign.sqlite', '--no-save', '--json');
    expect(r.code).toBe(0);
    expect(sha(file('foreign.sqlite'))).toBe(before);
  });
});

describe('commands that change stored experiments refuse a missing database, and create none', () => {
  const cases: string[][] = [
    ['rename', '1', 'new name'],
    ['delete', '1', '--yes'],
    ['reproduce', '1'],
    ['landscape', '--experiment', '1', '--res', '5'],
    ['interpolate', '--experiment', '1'],
    ['hessian', '--experiment', '1'],
  ];
  for (const args of cases) {
    it(`${args.join(' ')} --db missing.sqlite`, () => {
      const r = cli(...args, '--db', 'missing.sqlite');
      expect(r.err).toBe(`landscape-lab: missing.sqlite: no such database; run an experiment first, or pass --db with an existing file\n`);
      expect(r.code).toBe(2);
      expect(existsSync(file('missing.sqlite'))).toBe(false);
    });
  }
});

describe('a network whose runs could not be stored whole is refused before anything is opened or trained', () => {
  // 8 × 1,024 (7,350,273 parameters): a run keeps them at least six times, past one record of an
  // export (64 MiB); it trained for 24 s and then stored what its own export refused.
  const widest = { data: { target: { kind: 'hinge' }, n: 40 }, steps: 1, model: { hidden: Array(8).fill(1024) } };
  for (const [command, input] of [
    ['run', 'widest.json'],
    ['race', 'widest.json'],
    ['landscape', 'widest.json'],
    ['sweep', 'widest-sweep.json'],
    ['hessian', 'widest.json'],
    ['interpolate', 'widest.json'],
  ] as const) {
    it(`${command}: exit 2 naming model.hidden, and no database`, () => {
      writeFileSync(file('widest.json'), JSON.stringify(widest));
      writeFileSync(file('widest-sweep.json'), JSON.stringify({ base: widest, grid: { seed: [1, 2] } }));
      rmSync(file('widest.sqlite'), { force: true });
      const r = cli(command, input, '--db', 'widest.sqlite');
      expect(r.err).toMatch(/^landscape-lab: (widest\.json: |widest-sweep\.json: cell 0: )model\.hidden: this network has 7,350,273 parameters: .*use at most 2,796,\d{3} parameters \(fewer or narrower layers\)\n$/);
      expect(r.code).toBe(2);
      expect(existsSync(file('widest.sqlite'))).toBe(false);
    });
  }

  it('optimum --restarts 256: exit 2 naming model.hidden (it grew past 8.75 GB)', () => {
    writeFileSync(file('widest.json'), JSON.stringify(widest));
    const r = cli('optimum', 'widest.json', '--restarts', '256');
    expect(r.err).toMatch(/^landscape-lab: widest\.json: model\.hidden: this network has 7,350,273 parameters: /);
    expect(r.code).toBe(2);
  });
});
