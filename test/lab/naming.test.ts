// Automatic names say what differs between two runs, and the library finds an experiment by any value
// of its config: the summary main sends carries that config as words. Real runs in a real database.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSearchText, defaultName } from '../../shared/experimentName.js';
import { saveRun } from '../../main/lab/experiments.js';
import { race, saveRace } from '../../main/lab/race.js';
import { openStore } from '../../main/store/index.js';
import { config, train } from '../support/helpers.js';

describe('automatic names', () => {
  it('name the target, network and activation, initializer, optimizer and lr, batch size and seed', () => {
    expect(defaultName(config())).toBe('hinge · 1→2→1 relu · he · adam 0.01 · b3 · s1');
    expect(defaultName(config({ init: { kind: 'symmetric' }, optimizer: { kind: 'sgd', lr: 0.1 }, batchSize: 10, seed: 7 }))).toBe(
      'hinge · 1→2→1 relu · symmetric · sgd 0.1 · b10 · s7',
    );
    expect(defaultName(config({ data: { target: { kind: 'xor' } }, model: { hidden: [8, 8], activation: ['tanh', 'relu'], output: 'sigmoid' }, loss: 'nll' }))).toBe(
      'xor · 2→8→8→1 tanh,relu · he · adam 0.01 · b3 · s1',
    );
  });

  it('differ for two configs that differ only in initializer, activation, batch or seed', () => {
    const names = new Set(
      [{}, { init: { kind: 'xavier' as const } }, { model: { hidden: [2], activation: 'tanh' as const } }, { batchSize: 5 }, { seed: 2 }].map((over) => defaultName(config(over))),
    );
    expect(names.size).toBe(5);
  });
});

describe('search text', () => {
  it('holds every setting of the config and leaves out data lists', () => {
    const text = configSearchText(config({ model: { hidden: [3], activation: 'tanh' }, init: { kind: 'symmetric' } }));
    for (const word of ['hinge', 'tanh', 'symmetric', 'adam', '0.01', 'l2']) expect(text.split(' ')).toContain(word);
    const points = configSearchText(config({ data: { target: { kind: 'points', x: Array.from({ length: 100 }, (_, i) => i), y: Array.from({ length: 100 }, () => 123.5) } }, batchSize: 3 }));
    expect(points).toContain('points');
    expect(points).not.toContain('123.5');
  });

  it('comes with each experiment the store lists, under a preset-style name too', async () => {
    const store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-naming-')), 'lab.sqlite'));
    try {
      const id = saveRun(store, await train(config({ model: { hidden: [2], activation: 'tanh' }, init: { kind: 'symmetric' }, steps: 20 })), 'Symmetric neurons');
      const [summary] = store.list();
      expect(summary.id).toBe(id);
      expect(summary.name).toBe('Symmetric neurons');
      expect(summary.configText.split(' ')).toEqual(expect.arrayContaining(['tanh', 'symmetric']));
    } finally {
      store.db.close();
    }
  });

  it("finds a race by the optimizers it compares (issue 20, finding 17: 'sgd' missed the five-optimizer races)", async () => {
    const store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-naming-race-')), 'lab.sqlite'));
    try {
      const short = config({ steps: 30, record: { snapshots: 5 } });
      const id = saveRace(store, short, await race(short));
      const summary = store.list().find((e) => e.id === id)!;
      expect(summary.configText.split(' ')).toEqual(expect.arrayContaining(['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam']));
    } finally {
      store.db.close();
    }
  });
});
