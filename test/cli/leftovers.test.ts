// What a command leaves behind, run as a user runs it (the built CLI in child processes): a refused
// command makes no database, and commands racing on one config keep one experiment.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { BIN as bin, expectRefused, ROOT as root, runCli } from '../support/cli.js';

let dir: string;

const env = () => ({ ...process.env, XDG_DATA_HOME: join(dir, 'data') });
const cli = (...args: string[]) => runCli(dir, args);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-leftovers-'));
});

describe('a refused command makes no database', () => {
  it('rename, delete and upgrade edit a database that exists; on a new path they make none', () => {
    expectRefused(cli('rename', '1', 'a name', '--db', 'new.sqlite'), /^new\.sqlite: no such database; /);
    expectRefused(cli('delete', '1', '--yes', '--db', 'new.sqlite'), /^new\.sqlite: no such database; /);
    expectRefused(cli('upgrade', '--db', 'new.sqlite'), /new\.sqlite.*does not exist|no such database/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an import is checked whole before its database is opened: a refused file makes none', () => {
    writeFileSync(join(dir, 'bad.lab.json'), JSON.stringify({ format: 'landscape-lab', version: 1 }));
    expectRefused(cli('import', 'bad.lab.json', '--db', 'new.sqlite'), /^bad\.lab\.json: /);
    expectRefused(cli('import', 'missing.lab.json', '--db', 'new.sqlite'), /missing\.lab\.json/);
    expect(readdirSync(dir).sort()).toEqual(['bad.lab.json']);
  });

  it('--db :memory: is refused (SQLite reads it as no file), and no file of that name appears', () => {
    const config = join(root, 'examples', 'hinge-adam.json');
    expectRefused(cli('run', config, '--steps', '10', '--db', ':memory:'), /^:memory:: is SQLite's name for a temporary database/);
    expectRefused(cli('list', '--db', ':memory:'), /^:memory:: is SQLite's name for a temporary database/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('commands racing on one config', () => {
  it('four landscapes of one untrained config started at once store one experiment, and each names it', async () => {
    // Long enough to train (about a second) that the four trainings overlap.
    const config = join(dir, 'slow.json');
    writeFileSync(config, JSON.stringify({ data: { target: { kind: 'hinge', x0: 0.25 }, n: 100 }, steps: 200_000, batchSize: 3, seed: 7 }));
    const one = () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, 'landscape', config, '--db', 'lab.sqlite', '--res', '8', '--json'], { cwd: dir, env: env() });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => resolve({ code, out, err }));
      });
    const results = await Promise.all([one(), one(), one(), one()]);
    for (const r of results) expect(r.code, r.err).toBe(0);
    const { experiments: list } = JSON.parse(cli('list', '--db', 'lab.sqlite', '--json').out) as { experiments: { id: number }[] };
    expect(list.map((e) => e.id)).toEqual([1]);
    // Every process drew its surface around the one stored run.
    expect(results.map((r) => r.err.match(/experiment (\d+)/)?.[1])).toEqual(['1', '1', '1', '1']);
    expect(existsSync(join(dir, 'lab.sqlite'))).toBe(true);
  }, 180_000);
});
