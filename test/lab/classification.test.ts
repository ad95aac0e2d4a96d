// Classification on 2-D data: the datasets and their test split, the config rules, training to a
// good accuracy with sigmoid and softmax outputs, the decision boundary main sends, cost surfaces over
// networks of fan-in 2, stored and exported runs, and the tfjs kernel held to the js one.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundaryView } from '../../shared/api.js';
import { InputError, parseConfig, type ExperimentConfigInput } from '../../shared/config.js';
import { makeDataset, splitDataset } from '../../main/engine/data.js';
import { initialParams } from '../../main/engine/init.js';
import { jsKernel } from '../../main/engine/jsKernel.js';
import { architectureOf, layoutOf } from '../../main/engine/model.js';
import { exactOptimum, exactOptimumBlocker } from '../../main/engine/optimum.js';
import { hyperOf } from '../../main/engine/optimizers.js';
import { loadTfjsKernel } from '../../main/engine/tfjsKernel.js';
import { trainBatch } from '../../main/engine/train.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { saveRun } from '../../main/lab/experiments.js';
import { checkLandscapeRequest } from '../../main/lab/landscape.js';
import { prepareConfig } from '../../main/engine/prepared.js';
import type { RunResult } from '../../main/engine/results.js';
import { LabChannels } from '../../main/lab/channels.js';
import { Lab } from '../../main/lab/lab.js';
import { exportToFile, importExportFile } from '../../main/store/exchangeLines.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { config, landscape, maxAbsDiff, train } from '../support/helpers.js';
import { layerSizes, parameterName, parameterNames } from '../../shared/parameters.js';

const SIGMOID = { hidden: [8], activation: 'tanh' as const, output: 'sigmoid' as const };
const circle = (over: Partial<ExperimentConfigInput> = {}) =>
  parseConfig({ data: { target: { kind: 'circle' } }, model: SIGMOID, loss: 'nll', ...over });
const gaussians = (over: Partial<ExperimentConfigInput> = {}) =>
  parseConfig({ data: { target: { kind: 'gaussians', classes: 3 } }, model: { hidden: [8], activation: 'tanh', output: 'softmax', outputs: 3 }, loss: 'nll', ...over });

const counts = (y: Float32Array, k: number) => {
  const c = new Array<number>(k).fill(0);
  for (const v of y) c[v]++;
  return c;
};
const sum = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

describe('datasets', () => {
  const kinds = [
    { target: { kind: 'circle' as const }, classes: 2, model: SIGMOID },
    { target: { kind: 'xor' as const }, classes: 2, model: SIGMOID },
    { target: { kind: 'gaussians' as const, classes: 4 }, classes: 4, model: { hidden: [4], output: 'softmax' as const, outputs: 4 } },
    { target: { kind: 'spiral' as const, arms: 3 }, classes: 3, model: { hidden: [4], output: 'softmax' as const, outputs: 3 } },
  ];
  for (const { target, classes, model } of kinds) {
    it(`${target.kind}: 2 inputs per point, labels 0…${classes - 1}, balanced, the same for the same seed`, () => {
      const c = parseConfig({ data: { target, n: 1200 }, model, loss: 'nll', seed: 7 });
      const { all } = splitDataset(c);
      expect([all.n, all.dIn, all.x.length, all.y.length]).toEqual([1200, 2, 2400, 1200]);
      const share = counts(all.y, classes).map((m) => m / all.n);
      for (const s of share) expect(Math.abs(s - 1 / classes)).toBeLessThan(0.05);
      const again = splitDataset(c).all;
      expect(again.x).toEqual(all.x);
      expect(again.y).toEqual(all.y);
      expect(maxAbsDiff(splitDataset({ ...c, seed: 8 }).all.x, all.x)).toBeGreaterThan(0.1);
    });
  }

  it('circle: class 1 exactly inside the radius; xor: class 1 where x1·x2 ≥ 0', () => {
    const c = splitDataset(circle({ data: { target: { kind: 'circle', radius: 0.5 } } })).all;
    for (let i = 0; i < c.n; i++) expect(c.y[i]).toBe(Math.hypot(c.x[2 * i], c.x[2 * i + 1]) < 0.5 ? 1 : 0);
    expect(Math.abs(sum(Uint8Array.from(c.y)) / c.n - Math.PI * 0.25 * 0.25)).toBeLessThan(0.05);
    const x = splitDataset(circle({ data: { target: { kind: 'xor' } } })).all;
    for (let i = 0; i < x.n; i++) expect(x.y[i]).toBe(x.x[2 * i] * x.x[2 * i + 1] >= 0 ? 1 : 0);
  });

  it('label noise flips that share of labels and leaves the points where they were', () => {
    const clean = splitDataset(circle({ data: { target: { kind: 'xor' }, n: 4000 } })).all;
    const noisy = splitDataset(circle({ data: { target: { kind: 'xor' }, n: 4000, noise: 0.2 } })).all;
    expect(noisy.x).toEqual(clean.x);
    const flipped = clean.y.filter((v, i) => v !== noisy.y[i]).length / clean.n;
    expect(Math.abs(flipped - 0.2)).toBeLessThan(0.02);
  });

  it('holds out round(n · testFraction) points, from the seed: 0.2 by default for classification', () => {
    const c = circle();
    expect(c.data.testFraction).toBe(0.2);
    const s = splitDataset(c);
    expect([s.train.n, s.test.n, sum(s.isTest)]).toEqual([400, 100, 100]);
    expect(makeDataset(c).x).toEqual(s.train.x);
    // The two parts are the rows of the whole, in order.
    const trainRows = [...s.isTest.keys()].filter((i) => s.isTest[i] === 0);
    expect(Array.from(s.train.y)).toEqual(trainRows.map((i) => s.all.y[i]));
    expect(splitDataset(c).isTest).toEqual(s.isTest);
    expect(splitDataset({ ...c, seed: 2 }).isTest).not.toEqual(s.isTest);
    const third = splitDataset(circle({ data: { target: { kind: 'circle' }, n: 301, testFraction: 1 / 3 } }));
    expect([third.train.n, third.test.n]).toEqual([201, 100]);
  });

  it('leaves regression data and its parsed config as they were: no test split unless asked', () => {
    const c = config();
    expect('testFraction' in c.data).toBe(false);
    expect(parseConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
    const s = splitDataset(c);
    expect(s.train).toBe(s.all);
    expect([s.test.n, s.all.dIn]).toEqual([0, 1]);
    const held = splitDataset(config({ data: { target: { kind: 'hinge' }, testFraction: 0.1 } }));
    expect([held.train.n, held.test.n]).toEqual([450, 50]);
    expect(held.all.x).toEqual(s.all.x);
    const cls = circle();
    expect(parseConfig(JSON.parse(JSON.stringify(cls)))).toEqual(cls);
    expect(cls.data).toEqual({ target: { kind: 'circle', radius: 0.8 }, n: 500, xRange: [-1, 1], spacing: 'uniform', noise: 0, testFraction: 0.2 });
  });
});

describe('config rules', () => {
  const cases: [unknown, string][] = [
    [{ data: { target: { kind: 'circle' } } }, 'model.output: the circle target has 2 classes: use sigmoid, or softmax with model.outputs 2 (got nothing)'],
    [{ data: { target: { kind: 'gaussians' } }, model: { output: 'sigmoid' }, loss: 'nll' }, 'model.output: the gaussians target has 3 classes: use softmax with model.outputs 3 (got "sigmoid")'],
    [{ data: { target: { kind: 'spiral', arms: 4 } }, model: { output: 'softmax', outputs: 3 }, loss: 'nll' }, 'model.outputs: must be 4, the number of classes of the spiral target (got 3)'],
    [{ data: { target: { kind: 'xor' } }, model: { output: 'sigmoid', outputs: 2 }, loss: 'nll' }, 'model.outputs: must be 1 for a sigmoid output (the probability of class 1) (got 2)'],
    [{ data: { target: { kind: 'circle' } }, model: { output: 'sigmoid' }, loss: 'l2' }, 'loss: a circle target is classification: use nll (got "l2")'],
    [{ data: { target: { kind: 'circle' }, xRange: [-2, 2] }, model: { output: 'sigmoid' }, loss: 'nll' }, 'data.xRange: a circle target lies in the square [-1, 1]²; omit xRange (got [-2,2])'],
    [{ data: { target: { kind: 'xor' }, spacing: 'even' }, model: { output: 'sigmoid' }, loss: 'nll' }, 'data.spacing: a xor target draws its points at random; omit spacing (got "even")'],
    [{ data: { target: { kind: 'circle' }, noise: 0.7 }, model: { output: 'sigmoid' }, loss: 'nll' }, 'data.noise: is the share of labels flipped for a circle target: from 0 to 0.5 (got 0.7)'],
    [{ data: { target: { kind: 'circle' }, testFraction: 1 }, model: { output: 'sigmoid' }, loss: 'nll' }, 'data.testFraction: must be less than 1 (got 1)'],
    [{ data: { target: { kind: 'circle' }, n: 1, testFraction: 0.6 }, model: { output: 'sigmoid' }, loss: 'nll', batchSize: 1 }, 'data.testFraction: leaves no training points: it holds out 1 of 1 (got 0.6)'],
    [{ data: { target: { kind: 'circle' } }, model: { output: 'sigmoid' }, loss: 'nll', batchSize: 401 }, 'batchSize: must be at most the 400 training points (data.n minus the test split) (got 401)'],
    [{ data: { target: { kind: 'gaussians', classes: 1 } }, model: { output: 'softmax' }, loss: 'nll' }, 'data.target.classes: must be at least 2 (got 1)'],
    // The regression rules say what they said before.
    [{ data: { target: { kind: 'hinge' } }, model: { output: 'sigmoid', outputs: 2 } }, 'model.outputs: must be 1 for a sigmoid output on 1-D regression data (got 2)'],
    [{ data: { target: { kind: 'hinge' }, n: 100 }, batchSize: 101 }, 'batchSize: must be at most data.n (100) (got 101)'],
  ];
  for (const [input, message] of cases) {
    it(message, () => {
      expect(() => parseConfig(input)).toThrow(new InputError(message));
    });
  }

  it('accepts sigmoid or 2-output softmax for two classes', () => {
    expect(circle().model.output).toBe('sigmoid');
    expect(parseConfig({ data: { target: { kind: 'xor' } }, model: { output: 'softmax', outputs: 2 }, loss: 'nll' }).model.outputs).toBe(2);
  });
});

describe('the network takes 2 inputs', () => {
  it('names and counts the parameters of fan-in 2', () => {
    const layout = layoutOf(architectureOf(circle()));
    expect(layout.count).toBe(2 * 8 + 8 + 8 + 1);
    expect(parameterNames(layout.sizes).slice(0, 3)).toEqual(['W1[0,0]', 'W1[0,1]', 'W1[0,2]']);
    expect(parameterName(layout.sizes, 8)).toBe('W1[1,0]');
    expect(checkLandscapeRequest({ center: 'trained', axes: 'params:W1[1,0],W1[1,7]', res: 5, span: 1 }, prepareConfig(circle()))).toEqual({ kind: 'params', names: ['W1[1,0]', 'W1[1,7]'] });
  });

  it('has no closed-form optimum', () => {
    const c = circle();
    expect(exactOptimumBlocker(c)).toBe('a classification target (circle) has no closed-form optimum');
    expect(exactOptimum(c, architectureOf(c))).toBeNull();
  });

  it('finds dead units over 2-D data', async () => {
    const r = await train(circle({ init: { kind: 'dead', fraction: 0.5 }, model: { ...SIGMOID, activation: 'relu' }, steps: 20 }));
    expect(r.diagnostics.init.dead).toEqual([0, 1, 2, 3].map((unit) => ({ layer: 1, unit })));
  });
});

describe('the tfjs kernel (cpu) agrees with js on classification', () => {
  for (const [name, make] of [['sigmoid on the circle', circle], ['softmax on 3 gaussians', gaussians]] as const) {
    it(name, async () => {
      const c = make({ data: { target: make === circle ? { kind: 'circle' } : { kind: 'gaussians', classes: 3 }, n: 80 }, steps: 120, batchSize: 8 });
      const data = makeDataset(c);
      const arch = architectureOf(c);
      const tfjs = await loadTfjsKernel('cpu');
      const points = new Float32Array(3 * layoutOf(arch).count);
      for (let k = 0; k < 3; k++) points.set(initialParams(arch, { kind: 'normal', std: 1 }, k + 1, data), k * layoutOf(arch).count);
      const a = jsKernel.losses(arch, data, points, 3);
      const b = tfjs.losses(arch, data, points, 3);
      for (let k = 0; k < 3; k++) expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(1e-4 * Math.max(a[k], 1e-2));
      const spec = { arch, batchSize: c.batchSize, steps: c.steps, recordEvery: 20, snapshots: 4, runs: [{ seed: c.seed, data, init: initialParams(arch, c.init, c.seed, data), hyper: hyperOf(c.optimizer) }] };
      const [x] = await trainBatch(jsKernel, spec);
      const [y] = await trainBatch(tfjs, spec);
      expect(x.loss.values[x.loss.values.length - 1]).toBeLessThan(x.loss.values[0]);
      x.loss.values.forEach((v, k) => expect(Math.abs(y.loss.values[k] - v)).toBeLessThanOrEqual(1e-4 * Math.max(v, 1e-2)));
      expect(maxAbsDiff(x.final, y.final)).toBeLessThan(1e-4);
    });
  }
});

describe('training, stored, and its decision boundary', () => {
  let store: ExperimentStore;
  let pool: WorkerPool;
  let service: LabChannels;
  let trainedCircle: RunResult;
  let circleId: number;

  beforeAll(async () => {
    store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-classify-')), 'lab.sqlite'));
    pool = new WorkerPool(1);
    service = new LabChannels(new Lab({ database: 'test', store, pool }), 'browser');
    trainedCircle = await train(circle({ optimizer: { kind: 'adam', lr: 0.02 }, batchSize: 16, steps: 3000 }));
    circleId = saveRun(store, trainedCircle);
  });
  afterAll(async () => {
    await pool.close();
    store.db.close();
  });

  async function boundary(payload: { id: number; at?: 'init' | 'trained' | 'optimum'; res?: number }): Promise<BoundaryView> {
    const r = await service.call('experiments.boundary', payload);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as BoundaryView;
  }

  it('a 2→8→1 sigmoid network learns the circle (train accuracy ≥ 0.9) and reports its test split', () => {
    expect(trainedCircle.status).toBe('done');
    expect(trainedCircle.data.n).toBe(400);
    expect(trainedCircle.accuracy?.train).toBeGreaterThanOrEqual(0.9);
    expect(trainedCircle.accuracy?.test).toBeGreaterThanOrEqual(0.85);
    expect(trainedCircle.testLoss).toBeGreaterThan(0);
    expect(trainedCircle.finalLoss).toBeLessThan(0.3);
  });

  it('the boundary channel sends probabilities over the data and the same accuracy', async () => {
    const b = await boundary({ id: circleId, res: 40 });
    expect([b.at, b.runIndex, b.classes, b.x0.length, b.x1.length, b.probs.length]).toEqual(['trained', 0, 2, 40, 40, 40 * 40 * 2]);
    expect(b.data.n).toBe(500);
    expect(b.data.x.length).toBe(1000);
    expect(sum(b.data.test)).toBe(100);
    expect(b.accuracy).toEqual(trainedCircle.accuracy);
    expect(b.loss.test).toBeCloseTo(trainedCircle.testLoss as number, 12);
    expect(Math.abs(b.loss.train - (trainedCircle.finalLoss as number))).toBeLessThan(1e-5);
    for (let g = 0; g < 40 * 40; g++) expect(b.probs[2 * g] + b.probs[2 * g + 1]).toBeCloseTo(1, 6);
    // The grid spans the data; the centre is inside the circle, the corners outside.
    expect(b.x0[0]).toBeLessThan(-1 + 1e-3);
    expect(b.x1[39]).toBeGreaterThan(1 - 1e-3);
    const p1 = (j: number, i: number) => b.probs[2 * (i * 40 + j) + 1];
    expect(p1(20, 20)).toBeGreaterThan(0.8);
    expect(p1(0, 0)).toBeLessThan(0.2);
    const init = await boundary({ id: circleId, at: 'init', res: 16 });
    expect(init.accuracy.train).toBeLessThan(0.9);
  });

  it('refuses what it cannot draw, with one line', async () => {
    const regression = saveRun(store, await train(config({ steps: 10 })));
    const r = await service.call('experiments.boundary', { id: regression });
    expect(r).toEqual({ ok: false, error: { code: 'invalid', message: `boundary: drawn for two inputs; experiment ${regression} has 1 (its fit shows it instead)` } });
    expect(await service.call('experiments.boundary', { id: circleId, res: 8 })).toEqual({ ok: false, error: { code: 'invalid', message: 'res: must be at least 16 (got 8)' } });
    const fit = await service.call('experiments.fit', { id: circleId });
    expect(fit).toEqual({ ok: false, error: { code: 'invalid', message: 'fit: drawn for one input; this data has 2' } });
  });

  it('stores the training split with 2 inputs per point, and exports and imports it', () => {
    const [stored] = store.runs(circleId);
    expect([stored.data.n, stored.data.dIn]).toEqual([400, 2]);
    expect(stored.data.x).toEqual(trainedCircle.data.x);
    expect(parameterName(layerSizes(stored.config, stored.data.dIn), 8)).toBe('W1[1,0]');
    const file = join(mkdtempSync(join(tmpdir(), 'lab-circle-')), 'circle.lab.json');
    exportToFile(store, [circleId], file);
    const target = openStore(join(dirname(file), 'target.sqlite'));
    const [imported] = importExportFile(target, file);
    expect(target.runs(imported.id)[0].data).toEqual(stored.data);
    target.db.close();
  });

  it('softmax learns 3 gaussian blobs', async () => {
    const r = await train(gaussians({ optimizer: { kind: 'adam', lr: 0.02 }, batchSize: 16, steps: 1500 }));
    expect(r.accuracy?.train).toBeGreaterThanOrEqual(0.9);
    expect(r.accuracy?.test).toBeGreaterThanOrEqual(0.9);
    const id = saveRun(store, r);
    const b = await boundary({ id, res: 20 });
    expect([b.classes, b.probs.length]).toEqual([3, 20 * 20 * 3]);
    expect(b.accuracy).toEqual(r.accuracy);
  });

  it('draws cost surfaces for a classification run', async () => {
    // Small data: each surface finds the best-found optimum first (restarts of full-batch Adam).
    const trained = await train(circle({ data: { target: { kind: 'circle' }, n: 60 }, steps: 500 }));
    for (const axes of ['pca', 'random', 'params:W1[1,0],W1[0,0]']) {
      const s = await landscape(trained.config, { center: 'trained', axes, res: 9, span: 'auto' }, { trained, kernel: 'js' });
      expect(s.loss.length).toBe(81);
      expect(s.loss.every(Number.isFinite)).toBe(true);
      expect(s.d1.length).toBe(33);
      expect(s.markers.trained?.loss).toBeCloseTo(trained.finalLoss as number, 5);
      expect(s.optimumKind).toBe('best-found');
    }
  });
});
