// The `landscape-lab` command, run as a user runs it: the built bin in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../main/store/db.js';
import { openStore } from '../../main/store/index.js';
import { insertOldRuns } from '../support/oldSchema.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'landscape-lab.js');
const example = join(root, 'examples', 'hinge-adam.json');
let dir: string;

function cli(...args: string[]) {
  // XDG_DATA_HOME points the default database into the test's own folder.
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function configFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-cli-'));
  if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
});

describe('landscape-lab run', () => {
  it("fits the README's hinge example with Adam to a final loss below 1e-4", () => {
    const r = cli('run', example, '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['kernel', 'backend', 'layout', 'data', 'params', 'loss', 'status', 'diagnostics']));
    expect(json.kernel).toBe('js');
    expect(json.layout).toEqual(['W1[0,0]', 'W1[0,1]', 'b1[0]', 'b1[1]', 'W2[0,0]', 'W2[1,0]', 'b2[0]']);
    expect(json.data.x).toHaveLength(500);
    expect(json.loss.steps[0]).toBe(0);
    expect(json.loss.steps.at(-1)).toBe(5000);
    expect(json.loss.values).toHaveLength(json.loss.steps.length);
    expect(json.loss.values.at(-1)).toBeLessThan(1e-4);
    expect(json.params.optimum).toHaveLength(7);
    expect(json.status).toBe('done');
    expect(json.diagnostics.final).toEqual({ dead: [], symmetric: [] });
  });

  it('prints a readable fit for people', () => {
    const r = cli('run', example);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/kernel js \(js\)/);
    expect(r.out).toMatch(/global optimum \(exact\)/);
    expect(r.out).toMatch(/· data {3}\* network {3}# both/);
    expect(r.out).toMatch(/W2\[1,0\]/);
  });

  it('--kernel tfjs --backend wasm runs on tfjs and says so', () => {
    const cfg = configFile('short.json', { data: { target: { kind: 'hinge' }, n: 50 }, steps: 50 });
    const json = JSON.parse(cli('run', cfg, '--json', '--kernel', 'tfjs', '--backend', 'wasm').out);
    expect([json.kernel, json.backend]).toEqual(['tfjs', 'wasm']);
  });

  it('--out writes the JSON and never overwrites without --force', () => {
    const out = join(dir, 'result.json');
    expect(cli('run', example, '--out', out).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).status).toBe('done');
    writeFileSync(out, 'keep me');
    const again = cli('run', example, '--out', out);
    expect(again.code).toBe(2);
    expect(again.err).toBe(`landscape-lab: --out: ${out} already exists; choose another name or add --force\n`);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });
});

describe('landscape-lab landscape, optimum, interpolate', () => {
  it('landscape --json: res×res grid, trajectory and the three markers', () => {
    const r = cli('landscape', example, '--center', 'optimum', '--axes', 'params:W1[0,1],b1[1]', '--res', '9', '--json');
    expect(r.code).toBe(0);
    const l = JSON.parse(r.out);
    expect(l.loss).toHaveLength(9);
    expect(l.loss[0]).toHaveLength(9);
    expect(l.alphas).toHaveLength(9);
    expect(l.d1).toEqual([0, 1, 0, 0, 0, 0, 0]);
    expect(l.d2).toEqual([0, 0, 0, 1, 0, 0, 0]);
    expect(Object.keys(l.markers).sort()).toEqual(['init', 'optimum', 'trained']);
    expect(l.markers.optimum.alpha).toBe(0);
    expect(l.markers.optimum.loss).toBeLessThan(1e-10);
    expect(l.trajectory.alpha.length).toBeGreaterThan(10);
    expect(l.center).toBe('optimum');
  });

  it('optimum: exact for the hinge, best-found otherwise', () => {
    const exact = JSON.parse(cli('optimum', example, '--json').out);
    expect(exact.kind).toBe('exact');
    expect(exact.loss).toBeLessThan(1e-12);
    const poly = configFile('poly.json', { data: { target: { kind: 'polynomial', coefficients: [0, 0, 1] }, n: 50 }, steps: 200 });
    const found = JSON.parse(cli('optimum', poly, '--json', '--restarts', '2').out);
    expect(found.kind).toBe('best-found');
  });

  it('interpolate: from init to trained by default', () => {
    const i = JSON.parse(cli('interpolate', example, '--points', '5', '--json').out);
    expect(i.t).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(i.loss[4]).toBeLessThan(1e-4);
  });
});

describe('bad input: exit code 2 and one line naming the field, never a stack trace', () => {
  const hinge = { kind: 'hinge' };
  const cases: [string, () => string[], RegExp][] = [
    ['missing file', () => ['run', join(dir, 'nope.json')], /nope\.json: no such file$/],
    ['malformed JSON', () => ['run', configFile('bad.json', '{"data": ')], /bad\.json: not valid JSON: /],
    ['unknown field', () => ['run', configFile('u.json', { data: { target: hinge }, speed: 1 })], /u\.json: speed: unknown field$/],
    ['unknown kind', () => ['run', configFile('k.json', { data: { target: { kind: 'cubic' } } })], /data\.target\.kind: unknown kind "cubic"; allowed: hinge, polynomial, sine, points, labeled, circle, xor, gaussians, spiral$/],
    ['wrong type', () => ['run', configFile('t.json', { data: { target: hinge }, steps: 'many' })], /steps: must be a number \(got "many"\)$/],
    ['zero lr', () => ['run', configFile('lr.json', { data: { target: hinge }, optimizer: { kind: 'sgd', lr: 0 } })], /optimizer\.lr: must be more than 0 \(got 0\)$/],
    ['negative lr', () => ['run', configFile('lr2.json', { data: { target: hinge }, optimizer: { kind: 'adam', lr: -1 } })], /optimizer\.lr: must be more than 0 \(got -1\)$/],
    ['batchSize 0', () => ['run', configFile('b0.json', { data: { target: hinge }, batchSize: 0 })], /batchSize: must be at least 1 \(got 0\)$/],
    ['batchSize > n', () => ['run', configFile('bn.json', { data: { target: hinge, n: 10 }, batchSize: 11 })], /batchSize: must be at most data\.n \(10\) \(got 11\)$/],
    ['steps < 1', () => ['run', configFile('s.json', { data: { target: hinge }, steps: 0 })], /steps: must be at least 1 \(got 0\)$/],
    ['explicit params of the wrong length', () => ['run', configFile('e.json', { data: { target: hinge }, init: { kind: 'explicit', params: [1, 2] } })], /init\.params: must have 7 values for this network \(W1\[0,0\] … b2\[0\]\), got 2$/],
    ['res beyond the maximum', () => ['landscape', example, '--res', '100000'], /--res: must be an integer from 2 to 512, in decimal digits \(got "100000"\)$/],
    ['bad axes', () => ['landscape', example, '--axes', 'params:W1[0,0]'], /axes: params needs exactly two parameter names/],
    ['bad center', () => ['landscape', example, '--center', 'middle'], /--center: must be one of init, trained, optimum \(got "middle"\)$/],
    ['bad kernel', () => ['run', example, '--kernel', 'cuda'], /--kernel: must be one of auto, js, simd, tfjs, gpu \(got "cuda"\)$/],
    ['unknown option', () => ['run', example, '--fast'], /--fast: unknown option or missing value; see landscape-lab --help$/],
    ['option of another command', () => ['run', example, '--res', '5'], /--res: not an option of run/],
    ['unknown command', () => ['train', example], /command: must be one of run, landscape, optimum, interpolate, sweep, merge, presets, list, show, rename, delete, export, import, import-data, export-model, hessian, race, reproduce, devices, serve, upgrade \(got "train"\)/],
    ['no config', () => ['run'], /run: needs <config\.json>, e\.g\. landscape-lab run config\.json$/],
    ['a missing experiment', () => ['show', '99'], /experiment 99: no such experiment in .*lab\.sqlite; see landscape-lab list$/],
    ['a bad experiment id', () => ['show', 'abc'], /show: must be an experiment id such as 3, see landscape-lab list \(got "abc"\)$/],
    ['export without --out', () => ['export', '1'], /export: needs --out FILE/],
    ['a database that is not one', () => ['list', '--db', example], /hinge-adam\.json: is not a Landscape Lab database \(not an SQLite file\)/],
    ['delete without a terminal or --yes', () => ['delete', '1'], /delete: experiment 1 ".*" would be deleted; add --yes to confirm$/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const r = cli(...args());
      expect(r.code).toBe(2);
      const lines = r.err.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^landscape-lab: /);
      expect(lines[0]).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    });
  }

  it('a missing database for a read-only command', () => {
    const r = cli('list', '--db', join(dir, 'none.sqlite'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/none\.sqlite: no such database; run an experiment first, or pass --db with an existing file\n$/);
  });

  it('--help lists the commands; exit 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    for (const c of ['run <config.json>', 'optimum <config.json>', 'sweep <spec.json>', 'list', 'show ID', 'export ID... --out FILE', 'import FILE', 'reproduce ID']) {
      expect(r.out).toContain(`landscape-lab ${c}`);
    }
  });
});

describe('experiments in the database', () => {
  it('run saves; list, show --json (the fields of run --json), rename, export, import, reproduce, delete', () => {
    const db = join(dir, 'cli.sqlite');
    const ran = cli('run', example, '--json', '--db', db);
    expect(ran.code).toBe(0);
    expect(ran.err).toMatch(/^saved as experiment 1 in .*cli\.sqlite\n$/);
    const runJson = JSON.parse(ran.out);
    expect(runJson.experimentId).toBe(1);

    const listed = JSON.parse(cli('list', '--json', '--db', db).out);
    expect(listed.experiments.map((e: { id: number; status: string }) => [e.id, e.status])).toEqual([[1, 'done']]);

    const shown = JSON.parse(cli('show', '1', '--json', '--db', db).out);
    const { experimentId, seconds, ...runFields } = runJson;
    for (const [key, value] of Object.entries(runFields)) expect(shown[key]).toEqual(value);
    expect(shown.experiment).toMatchObject({ id: 1, status: 'done', runs: 1 });

    expect(cli('rename', '1', 'Adam', 'at', '0.01', '--db', db).out).toBe('renamed experiment 1\n');
    expect(cli('show', '1', '--db', db).out).toMatch(/^experiment 1: Adam at 0\.01\n/);

    const surface = cli('landscape', '--experiment', '1', '--axes', 'pca', '--res', '9', '--json', '--db', db);
    expect(surface.code).toBe(0);
    expect(surface.err).toBe('stored the surface with experiment 1\n');
    expect(JSON.parse(cli('show', '1', '--json', '--db', db).out).experiment.surfaces).toHaveLength(1);

    const file = join(dir, 'shared.lab.json');
    expect(cli('export', '1', '--out', file, '--db', db).out).toBe(`exported 1 experiment to ${file}\n`);
    const other = join(dir, 'other.sqlite');
    expect(cli('import', file, '--db', other).out).toBe('imported as experiment 1\n');
    expect(cli('import', file, '--db', other).out).toBe('imported as experiment 2 (already present: kept as a copy)\n');

    const rep = cli('reproduce', '2', '--db', other);
    expect(rep.code).toBe(0);
    expect(rep.out).toMatch(/^experiment 2 on js \(js\): reproduced exactly\n {2}run 0 \(run\): every number matches\n$/);

    expect(cli('delete', '2', '--yes', '--db', other).out).toBe('deleted experiment 2\n');
    expect(JSON.parse(cli('list', '--json', '--db', other).out).experiments).toHaveLength(1);
  });

  it('--no-save leaves the database alone; without --db the default is under XDG_DATA_HOME', () => {
    cli('run', example, '--no-save', '--db', join(dir, 'nosave.sqlite'));
    expect(existsSync(join(dir, 'nosave.sqlite'))).toBe(false);
    const r = cli('run', example);
    expect(r.err).toMatch(/saved as experiment \d+ in .*data\/landscape-lab\/lab\.sqlite/);
  });

  it('sweep runs a grid, stores it, and --resume finds nothing left to do', () => {
    const db = join(dir, 'sweep.sqlite');
    const spec = configFile('spec.json', { name: 'lr', base: { data: { target: { kind: 'hinge' }, n: 60 }, steps: 100 }, grid: { 'optimizer.lr': { from: 0.001, to: 0.1, count: 3, scale: 'log' } }, seeds: 2 });
    const r = cli('sweep', spec, '--json', '--db', db);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'done', runsDone: 6, runsTotal: 6 });
    const shown = JSON.parse(cli('show', '1', '--json', '--db', db).out);
    expect(shown.runs.map((x: { label: string }) => x.label)).toEqual([
      'optimizer.lr=0.001 · seed=1', 'optimizer.lr=0.001 · seed=2', 'optimizer.lr=0.01 · seed=1', 'optimizer.lr=0.01 · seed=2', 'optimizer.lr=0.1 · seed=1', 'optimizer.lr=0.1 · seed=2',
    ]);
    const again = cli('sweep', spec, '--resume', '--db', db);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--resume: no unfinished sweep of .*spec\.json/);
    const bad = configFile('badspec.json', { base: { data: { target: { kind: 'hinge' } } }, grid: { 'optimizer.lr': [0.1, -1] } });
    expect(cli('sweep', bad, '--db', db).err).toBe(`landscape-lab: ${bad}: cell optimizer.lr=-1: optimizer.lr: must be more than 0 (got -1)\n`);

    // Read by a reader that stops early: the rest of the output is dropped, quietly, with exit 0 (it was
    // an unhandled EPIPE with a stack trace). A 100² surface as JSON is far more than a pipe holds.
    const piped = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" landscape --experiment 1 --res 100 --json --db "$2" | head -c 100 > /dev/null', process.execPath, bin, db], { encoding: 'utf8', timeout: 60_000 });
    expect([piped.status, piped.stderr]).toEqual([0, 'stored the surface with experiment 1\n']);
  });

  it('upgrade brings an older database to this schema; read-only commands refuse one, naming the command', () => {
    const db = join(dir, 'old.sqlite');
    const current = join(dir, 'current.sqlite');
    expect(cli('run', example, '--db', current).code).toBe(0);
    // Schema 7 as the previous version left it: every run with its own arrays and dataset, user_version 7.
    const source = openStore(current, { readonly: true });
    const experiments = source.db.prepare('SELECT * FROM experiments').all() as Record<string, unknown>[];
    const runs = source.runs(1);
    source.db.close();
    const old = new Database(db);
    migrate(old, 7);
    for (const e of experiments) old.prepare(`INSERT INTO experiments (${Object.keys(e).join(', ')}) VALUES (${Object.keys(e).map(() => '?').join(', ')})`).run(...Object.values(e));
    insertOldRuns(old, 1, runs);
    old.close();
    const refused = cli('list', '--db', db);
    expect([refused.code, refused.err]).toEqual([2, `landscape-lab: ${db}: uses an older schema (7; this version's is 8); upgrade it with landscape-lab upgrade --db ${db}, or open it in the app\n`]);
    expect(cli('upgrade', '--db', db)).toEqual({ code: 0, out: `${db}: schema 8, this version's\n`, err: '' });
    expect(JSON.parse(cli('list', '--json', '--db', db).out).experiments).toHaveLength(1);
    const missing = join(dir, 'missing.sqlite');
    expect(cli('upgrade', '--db', missing)).toEqual({ code: 2, out: '', err: `landscape-lab: upgrade: ${missing} does not exist; nothing to upgrade\n` });
    expect(existsSync(missing)).toBe(false);
  });
});
