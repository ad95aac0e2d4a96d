// The tutorial's experiments as presets: every one validates, runs to completion and is stored; the
// CLI lists them, runs one and sweeps one with per-cell statistics.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, LIMITS, parseConfig } from '../../shared/config.js';
import { PRESETS, presetByName, presetConfig, presetDescription, presetRace, presetSweep, type SweepSpecInput } from '../../shared/presets.js';
import { expandSweep } from '../../shared/sweep.js';
import { fieldValue } from '../../shared/sweepStats.js';
import { saveRun } from '../../main/lab/experiments.js';
import { runConfigs } from '../../main/engine/runs.js';
import { runSweep } from '../../main/lab/sweep.js';
import { sweepStatistics } from '../../main/lab/sweepStats.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { configHash } from '../../main/store/configHash.js';
import { train } from '../support/helpers.js';

const NAMES = [
  'problem-and-solution',
  'cost-at-init-trained-optimum',
  'symmetric-neurons',
  'dead-neurons',
  'sgd',
  'momentum',
  'rmsprop',
  'momentum-rmsprop',
  'adam',
  'optimizer-race',
  'learning-rate',
  'batch-size',
  'momentum-rho',
  'network-dimensions-piecewise',
  'network-dimensions-polynomial',
  'x0',
  'optimizer-comparison',
  'network-dimension',
  'classification',
];
const RUNS = PRESETS.filter((p) => p.kind === 'run');
const SWEEPS = PRESETS.filter((p) => p.kind === 'sweep');

describe('the presets', () => {
  it("one per experiment of the tutorial, in the tutorial's order", () => {
    expect(PRESETS.map((p) => p.name)).toEqual(NAMES);
    expect(RUNS).toHaveLength(10);
  });

  it('each has a title, a question and what to look for; a run has a config, a sweep a spec and a chart', () => {
    for (const p of PRESETS) {
      expect(p.title.length, p.name).toBeGreaterThan(5);
      expect(p.question.length, p.name).toBeGreaterThan(20);
      expect(p.lookFor.length, p.name).toBeGreaterThan(20);
      expect(presetDescription(p)).toBe(`${p.question} Look for: ${p.lookFor}`);
      if (p.kind === 'run') expect([p.config !== undefined, p.sweep, p.chart]).toEqual([true, undefined, undefined]);
      else if (p.kind === 'race') expect([p.config !== undefined, p.race?.length, p.sweep, p.chart]).toEqual([true, 5, undefined, undefined]);
      else expect([p.config, p.sweep !== undefined, p.chart !== undefined]).toEqual([undefined, true, true]);
    }
  });

  it('every config validates; every sweep expands to at most 200 runs of at most 5,000 steps', () => {
    for (const p of RUNS) expect(parseConfig(presetConfig(p)).steps).toBeLessThanOrEqual(5000);
    for (const p of SWEEPS) {
      const { spec, cells } = expandSweep(presetSweep(p));
      expect(cells.length * spec.seeds, p.name).toBeLessThanOrEqual(200);
      expect(spec.seeds, p.name).toBeGreaterThanOrEqual(5);
      for (const cell of cells) expect(cell.config.steps).toBeLessThanOrEqual(5000);
    }
  });

  it("a sweep's chart fields have a value in every cell", () => {
    for (const p of SWEEPS) {
      const { cells } = expandSweep(presetSweep(p));
      const fields = [p.chart!.x, ...(p.chart!.series ? [p.chart!.series] : []), ...(p.chart!.heatmap ?? [])];
      for (const cell of cells) for (const f of fields) expect(fieldValue(cell.values, f), `${p.name} ${f}`).toBeDefined();
    }
    const dims = [...expandSweep(presetSweep(presetByName('network-dimensions-polynomial'))).cells];
    expect(dims.map((c) => [fieldValue(c.values, 'model.hidden:width'), fieldValue(c.values, 'model.hidden:depth')])).toEqual(
      [1, 2, 3].flatMap((depth) => [2, 4, 8, 16].map((width) => [width, depth])),
    );
  });

  it("the tutorial's settings: hinge, 1→2→1 ReLU, batch size 3, ρ 0.95 / 0.9, Adam 0.95 / 0.9", () => {
    const c = (name: string) => parseConfig(presetConfig(presetByName(name)));
    for (const p of RUNS.filter((r) => r.name !== 'classification')) {
      const config = c(p.name);
      expect(config.data.target).toEqual({ kind: 'hinge', x0: 0.25, m1: 1.5, m2: -0.5, b: 0 });
      expect([config.data.n, config.model.hidden, config.model.activation, config.batchSize, config.loss]).toEqual([500, [2], 'relu', p.name === 'problem-and-solution' ? 500 : 3, 'l2']);
    }
    expect(c('problem-and-solution').optimizer).toEqual({ kind: 'adam', lr: 0.003, beta1: 0.95, beta2: 0.9, eps: 1e-8 });
    expect(c('momentum').optimizer).toMatchObject({ kind: 'momentum', momentum: 0.95 });
    expect(c('rmsprop').optimizer).toMatchObject({ kind: 'rmsprop', rho: 0.9 });
    expect(c('momentum-rmsprop').optimizer).toMatchObject({ kind: 'momentum-rmsprop', momentum: 0.95, rho: 0.9 });
    expect(c('adam').optimizer).toMatchObject({ kind: 'adam', beta1: 0.95, beta2: 0.9 });
    expect(c('symmetric-neurons').init.kind).toBe('symmetric');
    expect(c('dead-neurons').init).toMatchObject({ kind: 'dead', fraction: 0.5 });
    expect(expandSweep(presetSweep(presetByName('network-dimensions-polynomial'))).cells.at(0).config.data.target).toEqual({ kind: 'polynomial', coefficients: [0, 0, 1] });
  });

  it('classification: a two-arm spiral, 2→16→16→1 tanh with a sigmoid output under NLL, trains to ≥ 95% accuracy on its training points and ≥ 90% on the held-out ones', async () => {
    const config = parseConfig(presetConfig(presetByName('classification')));
    expect(config.data.target).toEqual({ kind: 'spiral', arms: 2, turns: 1, spread: 0.05 });
    expect([config.model.hidden, config.model.activation, config.model.output, config.loss]).toEqual([[16, 16], 'tanh', 'sigmoid', 'nll']);
    const [r] = await runConfigs([config]);
    expect(r.status).toBe('done');
    expect(r.accuracy!.train).toBeGreaterThanOrEqual(0.95);
    expect(r.accuracy!.test).toBeGreaterThanOrEqual(0.9);
    // Far below the NLL of a coin toss (ln 2): the boundary follows the arms.
    expect(r.finalLoss).toBeLessThan(0.2);
  });

  it('unknown names and the wrong kind are refused with one line naming the way out', () => {
    expect(() => presetByName('adamw')).toThrow(InputError);
    expect(() => presetByName('adamw')).toThrow(`preset: must be one of ${NAMES.join(', ')} (got "adamw")`);
    expect(() => presetConfig(presetByName('x0'))).toThrow('preset: x0 is a sweep; run it with landscape-lab sweep --preset x0');
    expect(() => presetSweep(presetByName('sgd'))).toThrow('preset: sgd is a single run; run it with landscape-lab run --preset sgd');
    expect(() => presetConfig(presetByName('optimizer-race'))).toThrow('preset: optimizer-race is a race; run it with landscape-lab race --preset optimizer-race');
    expect(() => presetRace(presetByName('sgd'))).toThrow('preset: sgd is not a race; run it with landscape-lab run --preset sgd');
    expect(presetRace(presetByName('optimizer-race')).optimizers).toEqual(['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam']);
  });

  it('hands out copies: changing one does not change the preset', () => {
    const spec = presetSweep(presetByName('x0'));
    spec.seeds = 1;
    expect(presetByName('x0').sweep!.seeds).toBe(8);
  });
});

/** A sweep cut down for a test: 50 steps, two seeds, the first and last value of every axis. */
function trimmed(spec: SweepSpecInput): SweepSpecInput {
  const grid = Object.fromEntries(
    Object.entries(spec.grid ?? {}).map(([path, axis]) => [path, Array.isArray(axis) ? [...new Set([axis[0], axis[axis.length - 1]])] : { ...axis, count: 2 }]),
  );
  return { ...spec, base: { ...spec.base, steps: 50 }, grid, seeds: 2 };
}

describe('each preset runs to completion and stores its experiment (50 steps; sweeps trimmed)', () => {
  let store: ExperimentStore;
  beforeAll(() => {
    store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-presets-')), 'lab.sqlite'));
  });

  it('the runs', async () => {
    const results = await runConfigs(RUNS.map((p) => parseConfig({ ...presetConfig(p), steps: 50 })));
    results.forEach((r, k) => {
      const id = saveRun(store, r, RUNS[k].title);
      const e = store.get(id);
      expect([e.name, e.status, e.runs], RUNS[k].name).toEqual([RUNS[k].title, 'done', 1]);
      expect(e.runList[0].stepsDone).toBe(50);
      expect(e.runList[0].loss.steps.at(-1)).toBe(50);
      expect(e.runList[0].finalLoss).toBeGreaterThan(0);
    });
  });

  for (const p of SWEEPS) {
    it(`the sweep ${p.name}`, async () => {
      const spec = trimmed(presetSweep(p));
      const { cells } = expandSweep(spec);
      const outcome = await runSweep(store, spec);
      expect(outcome).toMatchObject({ status: 'done', runsDone: cells.length * 2, runsTotal: cells.length * 2 });
      expect(store.summary(outcome.experimentId).name).toBe(p.sweep!.name);
      const stats = sweepStatistics(store, outcome.experimentId);
      expect(stats.fields).toEqual(Object.keys(p.sweep!.grid!));
      expect(stats.cells.map((c) => c.runs)).toEqual(Array.from({ length: cells.length }, () => 2));
      for (const c of stats.cells) expect(c.finalLoss.median ?? c.diverged).toBeGreaterThan(0);
    });
  }
});

describe('landscape-lab presets, run --preset, sweep --preset', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  let dir: string;
  const cli = (...args: string[]) => {
    // XDG_DATA_HOME points the default database into the test's own folder.
    const r = spawnSync(process.execPath, [join(root, 'bin', 'landscape-lab.js'), ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-presets-cli-'));
    if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
  });

  it('presets --json: name, title, description and kind of each; the text is a table', () => {
    const r = cli('presets', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as { name: string; title: string; description: string; kind: string }[];
    expect(list.map((p) => p.name)).toEqual(NAMES);
    for (const p of list) expect(Object.keys(p)).toEqual(['name', 'title', 'description', 'kind']);
    expect(list[0]).toEqual({ name: 'problem-and-solution', title: PRESETS[0].title, description: presetDescription(PRESETS[0]), kind: 'run' });
    const text = cli('presets').out.split('\n');
    expect(text[0]).toMatch(/^name +kind +title$/);
    expect(text[10]).toMatch(/^optimizer-race +race +The five optimizers on one surface$/);
    expect(text[11]).toMatch(/^learning-rate +sweep +Hyperparameter: learning rate$/);
  });

  it('run --preset NAME --steps N trains the preset and stores it under its title', () => {
    const r = cli('run', '--preset', 'adam', '--steps', '200', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect([json.status, json.stepsDone, json.loss.steps.at(-1), json.experimentId]).toEqual(['done', 200, 200, 1]);
    expect(json.config.optimizer).toEqual({ kind: 'adam', lr: 0.003, beta1: 0.95, beta2: 0.9, eps: 1e-8 });
    expect(json.finalLoss).toBeLessThan(json.loss.values[0]);
    expect(JSON.parse(cli('list', '--json').out).experiments[0].name).toBe('Performance: Adam (0.95 / 0.9)');
  });

  it('sweep --preset NAME --json: the outcome and per-cell statistics; the text is a table', () => {
    const db = join(dir, 'sweep.sqlite');
    const r = cli('sweep', '--preset', 'momentum-rho', '--steps', '50', '--json', '--db', db);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json).toMatchObject({ status: 'done', runsDone: 70, runsTotal: 70, threshold: 0.001, fields: ['optimizer.momentum'] });
    expect(json.cells.map((c: { values: Record<string, number> }) => c.values['optimizer.momentum'])).toEqual([0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99]);
    for (const c of json.cells) {
      expect(Object.keys(c)).toEqual(['index', 'values', 'runs', 'finalLoss', 'successRate', 'stepsToThreshold', 'diverged', 'firstRun']);
      expect(c.runs).toBe(10);
      expect(c.firstRun).toBe(c.index * 10);
      expect(c.finalLoss.q1).toBeLessThanOrEqual(c.finalLoss.median);
      expect(c.finalLoss.median).toBeLessThanOrEqual(c.finalLoss.q3);
    }
    // 50 steps are far too few: at ρ = 0 nothing is learned yet.
    expect(json.cells[0]).toMatchObject({ successRate: 0, stepsToThreshold: { median: null }, diverged: 0 });

    const again = cli('sweep', '--preset', 'network-dimension', '--steps', '20', '--db', db);
    expect(again.code).toBe(0);
    const lines = again.out.trimEnd().split('\n');
    expect(lines[0]).toBe('sweep stored as experiment 2: done, 80 of 80 runs (80 trained now)');
    expect(lines[2]).toMatch(/^model\.hidden +runs +median loss +IQR \(q1–q3\) +success +steps to thr\. +diverged$/);
    expect(lines[3]).toMatch(/^\[1\] +10 +\S+ +\S+–\S+ +\d+% +\S+ +0$/);
    expect(lines).toHaveLength(3 + 8);
    expect(cli('sweep', '--preset', 'network-dimension', '--steps', '20', '--resume', '--db', db).err).toBe(
      `landscape-lab: --resume: no unfinished sweep of preset network-dimension in ${db}; run it without --resume\n`,
    );
  });

  it('bad input: exit code 2 and one line', () => {
    const cases: [string[], string][] = [
      [['run', '--preset', 'learning-rate'], 'preset: learning-rate is a sweep; run it with landscape-lab sweep --preset learning-rate'],
      [['sweep', '--preset', 'adam'], 'preset: adam is a single run; run it with landscape-lab run --preset adam'],
      [['run', '--preset', 'adamw'], `preset: must be one of ${NAMES.join(', ')} (got "adamw")`],
      [['run', 'config.json', '--preset', 'adam'], 'run: give a config file or --preset NAME, not both'],
      [['run', '--preset', 'adam', '--steps', '0'], `--steps: must be an integer from 1 to ${LIMITS.steps}, in decimal digits (got "0")`],
      [['presets', '--steps', '5'], '--steps: not an option of presets; see landscape-lab --help'],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect([r.code, r.err, r.out]).toEqual([2, `landscape-lab: ${message}\n`, '']);
    }
  });
});

describe('what a preset promises, it shows (issue 20, finding 15)', () => {
  it('no two single-run presets train the same config: each hashes apart from every other', () => {
    const byHash = new Map<string, string[]>();
    for (const p of RUNS) {
      const h = configHash(parseConfig(presetConfig(p)));
      byHash.set(h, [...(byHash.get(h) ?? []), p.name]);
    }
    expect([...byHash.values()].filter((names) => names.length > 1)).toEqual([]);
  });

  it('the problem and its solution: full-batch steps take the loss down six decades within 500 steps and keep it there', async () => {
    const { steps, values } = (await train(parseConfig(presetConfig(presetByName('problem-and-solution'))))).loss;
    const at = (t: number) => values[steps.findIndex((s) => s >= t)];
    expect(at(500) / values[0]).toBeLessThan(1e-6);
    expect(Math.max(...Array.from(values).filter((_, k) => steps[k] >= 1000))).toBeLessThan(1e-7);
  });

  it('cost at init, trained and optimum: the init lies high (cost near 5) and training ends in the valley', async () => {
    const { values } = (await train(parseConfig(presetConfig(presetByName('cost-at-init-trained-optimum'))))).loss;
    expect(values[0]).toBeGreaterThan(4);
    expect(values[0]).toBeLessThan(6);
    expect(values[values.length - 1]).toBeLessThan(1e-4);
  });

  it("Adam's curve is not smooth: after its descent the loss jumps over more than a decade, as its text now says", async () => {
    const adam = presetByName('adam');
    expect(adam.lookFor).not.toMatch(/smooth/i);
    const { steps, values } = (await train(parseConfig(presetConfig(adam)))).loss;
    const late = Array.from(values).filter((_, k) => steps[k] > 1000);
    expect(Math.max(...late) / Math.min(...late)).toBeGreaterThan(10);
    expect(values[values.length - 1]).toBeGreaterThan(1e-6);
    expect(values[values.length - 1]).toBeLessThan(1e-5);
  });
});
