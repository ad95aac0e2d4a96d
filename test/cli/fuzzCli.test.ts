// Issue 22, point 6 (in part): no exit 1 from any input. A seeded fuzz of the built CLI over hostile
// configs (a valid one with 1–3 values replaced by hostile ones), hostile option values, and hostile
// cluster folders (cluster.json fields and exit files replaced). Each call must exit 0 or 2 (3 for a
// reproduction that differs); an exit 2 is one line on stderr and leaves the database byte for byte as
// it was and no new file. The seed is printed with every failure, so a case can be replayed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../main/engine/prng.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'landscape-lab.js');
const SEED = Number(process.env.LANDSCAPE_LAB_FUZZ_SEED ?? 22);
let dir: string;
const file = (name: string) => join(dir, name);
const sha = (path: string) => (existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : null);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const pick = <T>(rng: Rng, a: readonly T[]): T => a[rng.int(a.length)];
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const HOSTILE_VALUES: unknown[] = [null, true, -1, 0, 1e308, -1e-320, 2 ** 53 + 1, '', 'x'.repeat(2000), [], [null], {}, { a: 1 }, '\u202e\u001b[2J', 1.5, 'NaN', [1e308, 1e308, 1e308], 10 ** 7, [[[[[1]]]]]];
const HOSTILE_OPTIONS = ['1', '0', '-1', '1e2', '0x4', '', 'auto', 'init', 'trained', 'random', 'params:W1[0,0],b1[0]', 'params:', 'sgd,adam', '\u202e', 'a'.repeat(300), '99999999999', '1/0', '3.5', 'NaN', '-0'];

/** Every path to a value in `o`, as keys. */
function paths(o: unknown, at: (string | number)[] = []): (string | number)[][] {
  const here = at.length ? [at] : [];
  if (Array.isArray(o)) return [...here, ...o.flatMap((v, i) => paths(v, [...at, i]))];
  if (o && typeof o === 'object') return [...here, ...Object.entries(o).flatMap(([k, v]) => paths(v, [...at, k]))];
  return here;
}

function mutate(rng: Rng, value: Record<string, unknown>, times: number): Record<string, unknown> {
  const out = clone(value);
  for (let k = 0; k < times; k++) {
    const path = pick(rng, paths(out));
    let o = out as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) o = o[key] as Record<string | number, unknown>;
    o[path[path.length - 1]] = clone(pick(rng, HOSTILE_VALUES));
  }
  return out;
}

/** Exit 0 or 2 (3 for reproduce); on 2 one line, the database unchanged and no new file. */
function expectTotal(label: string, args: string[], db: string): void {
  const before = { db: sha(file(db)), files: readdirSync(dir).sort() };
  const r = cli(...args);
  const what = `seed ${SEED}, ${label}: landscape-lab ${args.map((a) => JSON.stringify(a.length > 60 ? `${a.slice(0, 60)}…` : a)).join(' ')} → ${r.code}: ${r.err.slice(0, 300)}`;
  expect([0, 2, 3], what).toContain(r.code);
  if (r.code === 2) {
    expect(r.err, what).toMatch(/^landscape-lab: [^\n]*\n$/);
    expect(sha(file(db)), what).toBe(before.db);
    expect(readdirSync(dir).sort(), what).toEqual(before.files);
  }
}

const base = { data: { target: { kind: 'hinge', x0: 0.25 }, n: 40, noise: 0, xRange: [-1, 1] }, steps: 20, batchSize: 4, model: { hidden: [2], activation: 'relu' }, optimizer: { kind: 'adam', lr: 0.01 }, seed: 1 };
const spec = { name: 'fuzz', base: { data: { target: { kind: 'hinge' }, n: 40 }, steps: 20 }, grid: { 'optimizer.lr': [0.01, 0.03] }, seeds: 1 };

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'lab-fuzz-'));
  writeFileSync(file('h.json'), JSON.stringify(base));
  writeFileSync(file('spec.json'), JSON.stringify(spec));
  expect(cli('run', 'h.json', '--db', 'lab.sqlite').code).toBe(0);
  expect(cli('sweep', 'spec.json', '--slurm', '--dir', 'cl', '--shards', '2', '--db', 'target.sqlite').code).toBe(0);
  expect(cli('sweep', 'spec.json', '--shard', '0/2', '--db', join('cl', 'shards', 'shard-0.sqlite')).code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`seeded CLI fuzz (seed ${SEED}; set LANDSCAPE_LAB_FUZZ_SEED to replay another)`, () => {
  it('hostile configs for every command that takes one', () => {
    const rng = new Rng(SEED, 'configs');
    for (let k = 0; k < 12; k++) {
      writeFileSync(file('fuzz.json'), JSON.stringify(mutate(rng, base, 1 + rng.int(3))));
      const command = pick(rng, ['run', 'landscape', 'optimum', 'race', 'hessian', 'interpolate'] as const);
      const extra = command === 'landscape' ? ['--res', '5'] : command === 'optimum' ? ['--restarts', '1'] : [];
      expectTotal(`config ${k}`, [command, 'fuzz.json', ...(command === 'optimum' ? [] : ['--db', 'lab.sqlite']), ...extra], 'lab.sqlite');
    }
  }, 300_000);

  it('hostile option values', () => {
    const rng = new Rng(SEED, 'options');
    const commands: [string[], string[]][] = [
      [['landscape', '--experiment', '1', '--res', '5'], ['--res', '--span', '--center', '--axes']],
      [['interpolate', '--experiment', '1'], ['--from', '--to', '--points']],
      [['hessian', '--experiment', '1'], ['--run', '--at']],
      [['race', 'h.json'], ['--optimizers', '--steps']],
      [['show'], []],
      [['export-model'], ['--run', '--at']],
    ];
    for (let k = 0; k < 14; k++) {
      const [command, options] = pick(rng, commands);
      const args = [...command];
      if (command[0] === 'show' || command[0] === 'export-model') args.push(pick(rng, HOSTILE_OPTIONS));
      for (const o of options) if (rng.next() < 0.6) args.push(o, pick(rng, HOSTILE_OPTIONS));
      if (command[0] === 'export-model') args.push('--out', 'model-out');
      expectTotal(`options ${k}`, [...args, '--db', 'lab.sqlite'], 'lab.sqlite');
      rmSync(file('model-out'), { recursive: true, force: true });
    }
  }, 300_000);

  it('hostile cluster folders: cluster.json fields and exit files', () => {
    const rng = new Rng(SEED, 'cluster');
    const manifest = JSON.parse(readFileSync(file('cl/cluster.json'), 'utf8')) as Record<string, unknown>;
    for (let k = 0; k < 12; k++) {
      writeFileSync(file('cl/cluster.json'), JSON.stringify(mutate(rng, manifest, 1 + rng.int(2))));
      for (const name of ['shard-0.exit', 'shard-1.exit', 'merge.exit']) {
        const path = file(`cl/logs/${name}`);
        if (existsSync(path)) unlinkSync(path);
        if (rng.next() < 0.4) writeFileSync(path, pick(rng, ['0', '1', '143', '-1', 'x', '', '99999999999', '1\n2']));
      }
      expectTotal(`cluster ${k}`, ['sweep', '--status', 'cl'], 'target.sqlite');
    }
  }, 300_000);
});
