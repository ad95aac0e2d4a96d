// Issue 22, point 1: every file the product reads goes through one guard. Each command and LabApi
// channel that takes a path is fed each hostile file type — a FIFO (opening it for reading blocks), a
// link to /dev/zero (it never ends), a folder, a link that leads nowhere — in each place it reads:
// the input itself, a database, its -wal/-shm, a cluster folder's cluster.json, exit file, log and
// shard database. Each must exit 2 (or come back `invalid`) with one line naming the path, within the
// timeout, storing nothing and leaving no file behind. The CLI runs as a user runs it: the built code
// in a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestLab, type TestLab } from '../support/lab.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'landscape-lab.js');
let dir: string;

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd, timeout: 30_000, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

const TYPES = ['fifo', 'dev-zero link', 'folder', 'dangling link'] as const;
type Hostile = (typeof TYPES)[number];

/** Writers that unblock a FIFO an unguarded reader opened, so that the old code fails rather than hangs. */
const writers: ChildProcess[] = [];

function make(path: string, type: Hostile): void {
  rmSync(path, { recursive: true, force: true });
  if (type === 'fifo') {
    expect(spawnSync('mkfifo', [path]).status).toBe(0);
    writers.push(spawn('sh', ['-c', `: > '${path}'`], { stdio: 'ignore' }));
  } else if (type === 'dev-zero link') symlinkSync('/dev/zero', path);
  else if (type === 'folder') mkdirSync(path);
  else symlinkSync(join(dir, 'nothing-here'), path);
}

/** Every path under `at`, with its size (a folder's is 0), to show that nothing was added or changed. */
function snapshot(at: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out[relative(at, p)] = e.isFile() ? statSync(p).size : 0;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(at);
  return out;
}

const hinge = { data: { target: { kind: 'hinge' }, n: 40 }, steps: 50 };
const spec = { name: 'hostile', base: hinge, grid: { 'optimizer.lr': [0.01, 0.03] }, seeds: 1 };
let experiment: string;

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'lab-hostile-'));
  writeFileSync(join(dir, 'good.json'), JSON.stringify(hinge));
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const r = cli(dir, 'run', 'good.json', '--db', 'good.sqlite', '--json');
  expect(r.code).toBe(0);
  experiment = String(JSON.parse(r.out).experimentId);
  expect(cli(dir, 'sweep', 'spec.json', '--shard', '0/2', '--db', 'shard-0.sqlite').code).toBe(0);
});

afterEach(() => {
  for (const w of writers.splice(0)) w.kill('SIGKILL');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A case: prepares its folder `c` with the hostile path at `p`, and returns the arguments. */
interface Case {
  name: string;
  /** Where the hostile file goes, relative to the case's folder. */
  at: string;
  args: (c: string) => string[];
  prepare?: (c: string) => void;
  /** Types that are not hostile here (a folder is what export-model --out wants). */
  except?: Hostile[];
}

/** A cluster folder of `spec` in c/cluster, as sweep --slurm writes it; shard 0 failed (exit 1) when `failed`. */
function clusterFolder(c: string, failed = false): void {
  const r = cli(c, 'sweep', join(dir, 'spec.json'), '--slurm', '--dir', 'cluster', '--shards', '2', '--db', 'target.sqlite');
  expect(r.code).toBe(0);
  if (failed) writeFileSync(join(c, 'cluster', 'logs', 'shard-0.exit'), '1\n');
}

const CASES: Case[] = [
  { name: 'run CONFIG', at: 'in.json', args: () => ['run', 'in.json', '--db', 'new.sqlite'] },
  { name: 'landscape CONFIG', at: 'in.json', args: () => ['landscape', 'in.json', '--db', 'new.sqlite', '--res', '5'] },
  { name: 'optimum CONFIG', at: 'in.json', args: () => ['optimum', 'in.json'] },
  { name: 'interpolate CONFIG', at: 'in.json', args: () => ['interpolate', 'in.json', '--db', 'new.sqlite'] },
  { name: 'hessian CONFIG', at: 'in.json', args: () => ['hessian', 'in.json', '--db', 'new.sqlite'] },
  { name: 'race CONFIG', at: 'in.json', args: () => ['race', 'in.json', '--db', 'new.sqlite'] },
  { name: 'sweep SPEC', at: 'in.json', args: () => ['sweep', 'in.json', '--db', 'new.sqlite'] },
  { name: 'import FILE', at: 'in.json', args: () => ['import', 'in.json', '--db', 'new.sqlite'] },
  { name: 'import-data CSV', at: 'in.csv', args: () => ['import-data', 'in.csv'] },
  { name: 'merge SHARD', at: 'shard.sqlite', args: () => ['merge', 'shard.sqlite', '--into', 'new.sqlite'] },
  { name: 'list --db', at: 'db.sqlite', args: () => ['list', '--db', 'db.sqlite'] },
  { name: 'run --db', at: 'db.sqlite', args: () => ['run', join(dir, 'good.json'), '--db', 'db.sqlite'] },
  { name: 'show --db', at: 'db.sqlite', args: () => ['show', '1', '--db', 'db.sqlite'] },
  { name: 'rename --db', at: 'db.sqlite', args: () => ['rename', '1', 'x', '--db', 'db.sqlite'] },
  { name: 'upgrade --db', at: 'db.sqlite', args: () => ['upgrade', '--db', 'db.sqlite'] },
  { name: 'import --db', at: 'db.sqlite', prepare: (c) => expect(cli(c, 'export', experiment, '--db', join(dir, 'good.sqlite'), '--out', 'e.json').code).toBe(0), args: () => ['import', 'e.json', '--db', 'db.sqlite'] },
  { name: 'sweep SPEC --db', at: 'db.sqlite', args: () => ['sweep', join(dir, 'spec.json'), '--db', 'db.sqlite'] },
  { name: 'merge --into', at: 'db.sqlite', args: () => ['merge', join(dir, 'shard-0.sqlite'), '--into', 'db.sqlite'] },
  { name: 'list --db with its -wal', at: 'db.sqlite-wal', prepare: (c) => copyFileSync(join(dir, 'good.sqlite'), join(c, 'db.sqlite')), args: () => ['list', '--db', 'db.sqlite'] },
  { name: 'run --db with its -shm', at: 'db.sqlite-shm', prepare: (c) => copyFileSync(join(dir, 'good.sqlite'), join(c, 'db.sqlite')), args: () => ['run', join(dir, 'good.json'), '--db', 'db.sqlite'] },
  { name: 'run --db (new) with a -wal waiting', at: 'new.sqlite-wal', args: () => ['run', join(dir, 'good.json'), '--db', 'new.sqlite'] },
  { name: 'export --out', at: 'out.json', args: () => ['export', experiment, '--db', join(dir, 'good.sqlite'), '--out', 'out.json', '--force'] },
  { name: 'export-model --out', at: 'model', args: () => ['export-model', experiment, '--db', join(dir, 'good.sqlite'), '--out', 'model'], except: ['folder'] },
  { name: 'sweep --status DIR', at: 'cluster', args: () => ['sweep', '--status', 'cluster'] },
  { name: 'sweep --status: cluster.json', at: 'cluster/cluster.json', prepare: (c) => clusterFolder(c), args: () => ['sweep', '--status', 'cluster'] },
  { name: 'sweep --status: logs/shard-0.exit', at: 'cluster/logs/shard-0.exit', prepare: (c) => clusterFolder(c), args: () => ['sweep', '--status', 'cluster'] },
  { name: 'sweep --status: logs/shard-0.log of a failed shard', at: 'cluster/logs/shard-0.log', prepare: (c) => clusterFolder(c, true), args: () => ['sweep', '--status', 'cluster'] },
  { name: 'sweep --status: logs/merge.exit', at: 'cluster/logs/merge.exit', prepare: (c) => clusterFolder(c), args: () => ['sweep', '--status', 'cluster'] },
  { name: 'sweep --status: shards/shard-1.sqlite', at: 'cluster/shards/shard-1.sqlite', prepare: (c) => clusterFolder(c), args: () => ['sweep', '--status', 'cluster'] },
  { name: "sweep --status: the merge's database", at: 'target.sqlite', prepare: (c) => clusterFolder(c), args: () => ['sweep', '--status', 'cluster'] },
  { name: 'sweep --slurm --dir: its cluster.json', at: 'cluster/cluster.json', prepare: (c) => clusterFolder(c), args: () => ['sweep', join(dir, 'spec.json'), '--slurm', '--dir', 'cluster', '--shards', '2', '--db', 'target.sqlite'] },
];

describe('every CLI path, fed each hostile file type: exit 2, one line naming it, nothing stored or left', () => {
  for (const k of CASES) {
    for (const type of TYPES) {
      if (k.except?.includes(type)) continue;
      it(`${k.name}: ${type}`, () => {
        const c = join(dir, `${k.name}-${type}`.replace(/[^\w.-]+/g, '_'));
        mkdirSync(c);
        k.prepare?.(c);
        const path = join(c, k.at);
        make(path, type);
        const before = snapshot(c);
        const r = cli(c, ...k.args(c));
        expect(r.signal, 'the command must not hang').toBeNull();
        expect(r.err).toMatch(/^landscape-lab: [^\n]*\n$/);
        expect(r.err).toContain(k.at.split('/').pop());
        expect(r.err).not.toMatch(/internal error/);
        expect(r.code).toBe(2);
        expect(r.out).toBe('');
        expect(snapshot(c)).toEqual(before);
      });
    }
  }
});

describe('LabApi channels that take a folder, fed each hostile file type: invalid, naming it', () => {
  let lab: TestLab;
  beforeAll(() => {
    lab = openTestLab('hostile-channels');
  });
  afterAll(async () => {
    await lab.close();
  });

  const cases: { name: string; channel: 'cluster.status' | 'cluster.import' | 'cluster.prepare'; at: string; except?: Hostile[] }[] = [
    { name: 'the folder itself', channel: 'cluster.status', at: '', except: ['folder'] },
    { name: 'the folder itself', channel: 'cluster.import', at: '', except: ['folder'] },
    { name: 'the folder itself', channel: 'cluster.prepare', at: '', except: ['folder'] },
    { name: 'cluster.json', channel: 'cluster.status', at: 'cluster.json' },
    { name: 'cluster.json', channel: 'cluster.import', at: 'cluster.json' },
    { name: 'cluster.json', channel: 'cluster.prepare', at: 'cluster.json' },
    { name: 'logs/shard-1.exit', channel: 'cluster.status', at: 'logs/shard-1.exit' },
    { name: 'shards/shard-0.sqlite', channel: 'cluster.status', at: 'shards/shard-0.sqlite' },
    { name: 'shards/shard-0.sqlite', channel: 'cluster.import', at: 'shards/shard-0.sqlite' },
  ];
  let n = 0;
  for (const k of cases) {
    for (const type of TYPES) {
      if (k.except?.includes(type)) continue;
      it(`${k.channel}: ${k.name} as a ${type}`, async () => {
        const folder = join(lab.dir, `cluster-${n++}`);
        const prepare = { spec, dir: folder, shards: 2, partition: '', time: '', cpusPerTask: 1, nodeLocal: false };
        if (k.at !== '') expect(await lab.service.call('cluster.prepare', prepare)).toMatchObject({ ok: true });
        const path = k.at === '' ? folder : join(folder, k.at);
        make(path, type);
        const before = snapshot(lab.dir);
        const r = await lab.service.call(k.channel, k.channel === 'cluster.prepare' ? prepare : { dir: folder });
        expect(r).toMatchObject({ ok: false, error: { code: 'invalid' } });
        const message = (r as { error: { message: string } }).error.message;
        expect(message).not.toContain('\n');
        expect(message).toContain(k.at === '' ? folder : k.at.split('/').pop());
        expect(snapshot(lab.dir)).toEqual(before);
        expect(lab.store.list()).toEqual([]);
      });
    }
  }
});
