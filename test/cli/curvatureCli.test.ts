// `landscape-lab hessian` and `landscape-lab race`, run as a user runs them: the built bin in a child
// process, on a database in a temporary folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'landscape-lab.js');
const example = join(root, 'examples', 'hinge-adam.json');
let dir: string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-curvature-cli-'));
  if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
});

interface HessianJson {
  at: string;
  layout: string[];
  params: number[];
  hessian: number[][];
  eigenvalues: number[];
  eigenvectors: number[][];
  trace: number;
  nearZero: { count: number; tolerance: number };
  symmetries: { kind: string; layer: number; units: number[]; directions: number[][]; curvature: number[]; inNearZero: number[]; explains: boolean; text: string }[];
}

describe('landscape-lab hessian', () => {
  it('--json at the optimum: the issue\'s shape, ascending eigenvalues, and the two rescalings among the zeros', () => {
    const db = join(dir, 'h.sqlite');
    const r = cli('hessian', example, '--db', db, '--at', 'optimum', '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^saved the run as experiment 1 in /);
    const h = JSON.parse(r.out) as HessianJson;
    expect(Object.keys(h)).toEqual(['at', 'layout', 'params', 'loss', 'gradient', 'hessian', 'eigenvalues', 'eigenvectors', 'trace', 'nearZero', 'symmetries']);
    expect(h.layout).toEqual(['W1[0,0]', 'W1[0,1]', 'b1[0]', 'b1[1]', 'W2[0,0]', 'W2[1,0]', 'b2[0]']);
    expect(h.hessian.map((row) => row.length)).toEqual([7, 7, 7, 7, 7, 7, 7]);
    expect(h.eigenvectors.length).toBe(7);
    for (let k = 1; k < 7; k++) expect(h.eigenvalues[k]).toBeGreaterThanOrEqual(h.eigenvalues[k - 1]);
    expect(h.trace).toBeCloseTo(h.eigenvalues.reduce((s, v) => s + v, 0), 10);
    expect(h.nearZero.tolerance).toBeCloseTo(1e-6 * h.eigenvalues[6], 15);
    expect(h.nearZero.count).toBe(3);
    const rescalings = h.symmetries.filter((s) => s.kind === 'rescaling');
    expect(rescalings.map((s) => [s.units, s.explains])).toEqual([
      [[0], true],
      [[1], true],
    ]);
  });

  it('text at init, on the stored run: the spectrum, the trace and why the rescalings are not flat there', () => {
    const r = cli('hessian', '--experiment', '1', '--db', join(dir, 'h.sqlite'), '--at', 'init');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Hessian of the full-data loss at the init point: 7 parameters, loss 0\.4347/);
    expect(r.out).toMatch(/\ntrace [\d.]+ · 0 of 7 eigenvalues near zero/);
    expect(r.out).toContain('h1[0]: the cost is constant along the curve (c·w_in, w_out/c), c > 0, where its curvature is');
    expect(r.out).toMatch(/≈ 0; its tangent line leaves the curve and bends by -?[\d.]+ here, through the gradient/);
    expect(r.out).toContain('not a zero eigenvalue here');
  });

  it('names a dead unit as the cause of zero eigenvalues', () => {
    const path = join(dir, 'dead.json');
    writeFileSync(path, JSON.stringify({ data: { target: { kind: 'hinge' } }, init: { kind: 'dead', fraction: 0.5 }, steps: 50 }));
    const h = JSON.parse(cli('hessian', path, '--db', join(dir, 'h.sqlite'), '--at', 'init', '--json').out) as HessianJson;
    const dead = h.symmetries.find((s) => s.kind === 'dead-unit')!;
    expect(dead.units).toEqual([0]);
    expect(dead.directions.length).toBe(3);
    expect(dead.explains).toBe(true);
    expect(h.nearZero.count).toBeGreaterThanOrEqual(3);
  });

  it('bad input: exit 2, one line, nothing stored', () => {
    const db = join(dir, 'bad.sqlite');
    for (const [args, message] of [
      [['hessian', example, '--at', 'middle'], '--at: must be one of init, trained, optimum (got "middle")'],
      [['hessian', example, '--experiment', '1'], 'hessian: give a config file or --experiment ID, not both'],
      [['hessian', '--res', '9', example], '--res: not an option of hessian; see landscape-lab --help'],
    ] as const) {
      const r = cli(...args, '--db', db);
      expect([r.code, r.err, r.out]).toEqual([2, `landscape-lab: ${message}\n`, '']);
    }
    expect(existsSync(db)).toBe(false);
  });
});

describe('landscape-lab race', () => {
  it('--preset optimizer-race --json: five optimizers from one init, stored as one experiment', () => {
    const db = join(dir, 'race.sqlite');
    const r = cli('race', '--preset', 'optimizer-race', '--steps', '300', '--db', db, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { experimentId: number; init: number[]; optimizers: { label: string; status: string; snapshots: { steps: number[]; params: number[] } }[] };
    expect(j.experimentId).toBe(1);
    expect(j.optimizers.map((o) => o.label)).toEqual(['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam']);
    for (const o of j.optimizers) {
      expect(o.status).toBe('done');
      expect(o.snapshots.params.slice(0, 7)).toEqual(j.init);
      expect(o.snapshots.steps[o.snapshots.steps.length - 1]).toBe(300);
    }
    const show = JSON.parse(cli('show', '1', '--db', db, '--json').out) as { experiment: { tags: string[]; name: string }; runs: { label: string }[] };
    expect(show.experiment.tags).toEqual(['race']);
    expect(show.experiment.name).toBe('The five optimizers on one surface');
    expect(show.runs.map((x) => x.label)).toEqual(['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam']);
    // The Hessian at one optimizer's endpoint: --run picks the race's run.
    const adam = JSON.parse(cli('hessian', '--experiment', '1', '--run', '4', '--db', db, '--json').out) as HessianJson;
    expect(adam.params).toEqual((j.optimizers[4] as unknown as { final: number[] }).final);
    expect(cli('hessian', '--experiment', '1', '--run', '5', '--db', db).err).toBe('landscape-lab: run: experiment 1 has no run 5 (it has 5)\n');
  });

  it('--optimizers sgd,adam: a table of the two', () => {
    const r = cli('race', example, '--optimizers', 'sgd,adam', '--steps', '100', '--no-save');
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('2 optimizers from one init and one minibatch order (seed 1):');
    expect(lines[1]).toMatch(/^optimizer\s+lr\s+settings\s+loss at 0\s+loss at 100\s+status$/);
    expect(lines[2]).toMatch(/^sgd\s+0\.1\s+0\.4347\s+\S+\s+done$/);
    expect(lines[3]).toMatch(/^adam\s+0\.003\s+beta1=0\.95 beta2=0\.9 eps=1e-8\s+0\.4347/);
  });

  it('bad input: exit 2, one line, nothing stored', () => {
    const db = join(dir, 'bad-race.sqlite');
    for (const [args, message] of [
      [['race', example, '--optimizers', 'sgd,lion'], 'optimizers: must be a comma-separated list of sgd, momentum, rmsprop, momentum-rmsprop, adam (got "lion")'],
      [['race', '--preset', 'adam'], 'preset: adam is not a race; run it with landscape-lab run --preset adam'],
      [['race', example, '--preset', 'optimizer-race'], 'race: give a config file or --preset NAME, not both'],
      [['run', '--preset', 'optimizer-race'], 'preset: optimizer-race is a race; run it with landscape-lab race --preset optimizer-race'],
    ] as const) {
      const r = cli(...args, '--db', db);
      expect([r.code, r.err, r.out]).toEqual([2, `landscape-lab: ${message}\n`, '']);
    }
    expect(existsSync(db)).toBe(false);
  });
});
