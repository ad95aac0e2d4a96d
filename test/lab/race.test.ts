// The optimizer race: every trajectory bit-identical to its optimizer trained alone (in this thread
// and on the pool), one stored experiment, and every trajectory on one surface.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, type ExperimentConfig } from '../../shared/config.js';
import { TUTORIAL_OPTIMIZERS } from '../../shared/presets.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { parseOptimizerList, race, raceConfigs, raceSurface, RACE_OPTIMIZERS, RACE_TAG, saveRace } from '../../main/lab/race.js';
import { runOf } from '../../main/lab/experiments.js';
import { openStore } from '../../main/store/index.js';
import { Lab } from '../../main/lab/lab.js';
import { config, train } from '../support/helpers.js';

const base: ExperimentConfig = config({ steps: 400, seed: 3, optimizer: { kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.99 }, record: { snapshots: 41 } });

function expectSameBits(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect.fail(`${what}[${i}]: ${a[i]} in the race, ${b[i]} alone`);
}

const pool = new WorkerPool(2);
afterAll(() => pool.close());

describe('a race', () => {
  it('trains the five tutorial optimizers, each bit-identical to it trained alone, in this thread and on the pool', async () => {
    const inThread = await race(base);
    const onPool = await race(base, RACE_OPTIMIZERS, { pool });
    expect(inThread.map((r) => r.config.optimizer.kind)).toEqual(['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam']);
    for (const [k, r] of inThread.entries()) {
      const alone = await train(r.config);
      const kind = r.config.optimizer.kind;
      for (const [name, raced] of [['race', r], ['race on the pool', onPool[k]]] as const) {
        expectSameBits(raced.params.init, alone.params.init, `${kind} ${name} init`);
        expectSameBits(raced.snapshots.params, alone.snapshots.params, `${kind} ${name} trajectory`);
        expectSameBits(raced.loss.values, alone.loss.values, `${kind} ${name} loss`);
        expectSameBits(raced.params.final, alone.params.final, `${kind} ${name} final`);
      }
      // One init for all, and each optimizer moved somewhere else.
      expectSameBits(r.params.init, inThread[0].params.init, `${kind} init vs sgd's`);
      expect(r.params.final.some((v, i) => v !== inThread[0].params.final[i]) || kind === 'sgd').toBe(true);
    }
  }, 60_000);

  it("keeps the config's own optimizer settings and gives the others the tutorial's", () => {
    const [sgd, adam] = raceConfigs(base, ['sgd', 'adam']);
    expect(sgd.optimizer).toEqual({ ...TUTORIAL_OPTIMIZERS.sgd });
    expect(adam.optimizer).toEqual(base.optimizer);
    expect(sgd.seed).toBe(base.seed);
    expect(sgd.batchSize).toBe(base.batchSize);
  });

  it('refuses unknown, repeated or single optimizers, naming the field', () => {
    expect(parseOptimizerList('sgd, adam')).toEqual(['sgd', 'adam']);
    expect(() => parseOptimizerList('sgd,nesterov')).toThrow(new InputError('optimizers: must be a comma-separated list of sgd, momentum, rmsprop, momentum-rmsprop, adam (got "nesterov")'));
    expect(() => parseOptimizerList('sgd,sgd')).toThrow('optimizers: "sgd" is listed twice');
    expect(() => parseOptimizerList('adam')).toThrow('optimizers: a race needs at least two optimizers (got "adam")');
  });

  it('is stored as one experiment, a run per optimizer, which no single config reuses', async () => {
    const store = openStore(join(mkdtempSync(join(tmpdir(), 'race-')), 'lab.sqlite'));
    try {
      const runs = await race(base, ['sgd', 'momentum', 'adam']);
      const id = saveRace(store, base, runs);
      const e = store.get(id);
      expect(e.tags).toEqual([RACE_TAG]);
      expect(e.runList.map((r) => r.label)).toEqual(['sgd', 'momentum', 'adam']);
      expectSameBits(runOf(store, id, 1).snapshots.params, runs[1].snapshots.params, 'stored momentum trajectory');
      expect(store.findByConfig(base)).toBeNull();
      // Found again by its config and its optimizers in order; another list of optimizers is another race.
      const lab = new Lab({ database: 'test', store, pool });
      expect(lab.sameExperiments('race', base, ['sgd', 'momentum', 'adam'])).toEqual([id]);
      expect(lab.sameExperiments('race', base, ['sgd', 'adam'])).toEqual([]);
      expect(lab.sameExperiments('race', base, ['adam', 'momentum', 'sgd'])).toEqual([]);
      expect(lab.sameExperiments('race', base)).toEqual([]);
      expect(lab.sameExperiments('run', base)).toEqual([]);
    } finally {
      store.db.close();
    }
  }, 30_000);
});

describe('the race on one surface', () => {
  it('plane: centred on the shared init, through two endpoints, each trajectory a slice starting at the origin', async () => {
    const runs = await race(base, ['sgd', 'momentum', 'adam']);
    const s = await raceSurface(runs, { axes: 'plane', res: 17, span: 'auto' });
    expect(s.loss.length).toBe(17 * 17);
    expect(s.runs.map((r) => [r.label, r.to - r.from])).toEqual([
      ['sgd', 41],
      ['momentum', 41],
      ['adam', 41],
    ]);
    expect(s.trajectory.alpha.length).toBe(3 * 41);
    for (const r of s.runs) {
      expect(Math.hypot(s.trajectory.alpha[r.from], s.trajectory.beta[r.from])).toBeLessThan(1e-6);
      expect(r.steps[r.to - r.from - 1]).toBe(400);
    }
    expect(s.markers.init?.alpha).toBeCloseTo(0, 6);
    // The two endpoints that define the plane lie on it: their drawn loss is their own loss.
    const [a, b] = s.axisLabels.map((l) => s.runs.find((r) => l.endsWith(r.label))!);
    for (const r of [a, b]) {
      const k = runs.findIndex((x) => x.config.optimizer.kind === r.label);
      expect(s.trajectory.loss[r.to - 1]).toBeCloseTo(runs[k].loss.values[runs[k].loss.values.length - 1], 5);
    }
  }, 30_000);

  it('pca: the principal directions of all trajectories, with the share of variance each explains', async () => {
    const runs = await race(base, ['sgd', 'rmsprop', 'adam']);
    const s = await raceSurface(runs, { axes: 'pca', res: 9, span: 'auto' }, { pool });
    expect(s.axisLabels).toEqual(['PC1 of all trajectories', 'PC2 of all trajectories']);
    expect(s.explained![0]).toBeGreaterThan(s.explained![1]);
    expect(s.explained![0] + s.explained![1]).toBeLessThanOrEqual(1 + 1e-12);
    expect(s.span).toBeGreaterThan(0);
  }, 30_000);

  it('refuses axes it cannot draw', async () => {
    const runs = await race(config({ steps: 5 }), ['sgd', 'adam']);
    await expect(raceSurface(runs, { axes: 'random' as 'plane', res: 9, span: 'auto' })).rejects.toThrow('axes: must be one of plane, pca for a race (got "random")');
  });
});
