// Every export imports (issue 22, point 4): experiments of every kind the product makes — single runs,
// sweeps over any field (point lists of 200 points included, whose run labels are thousands of
// characters), races, sweeps merged from shards, with surfaces and interpolations — made through the
// lab's own code, exported, imported into a fresh database, and compared field by field, arrays byte
// for byte. Seeded: a failure names its seed, and the same seed makes the same experiments.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeFiles } from '../../main/lab/cluster/merge.js';
import { experimentInterpolation, experimentLandscape, saveRun } from '../../main/lab/experiments.js';
import { race, saveRace } from '../../main/lab/race.js';
import { runSweep } from '../../main/lab/sweep.js';
import { exportToFile, importExportFile } from '../../main/store/exchangeLines.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { MAX_CONFIG_TEXT, parseConfig, type ExperimentConfigInput, type OptimizerKind } from '../../shared/config.js';
import { train } from '../support/helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-every-export-'));
});
const stores: ExperimentStore[] = [];
afterAll(() => stores.forEach((s) => s.db.close()));

/** mulberry32: a small seeded generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 200 points of a curve, as a points target's x or y. */
const points = (rand: () => number, f: (x: number) => number) => {
  const x = Array.from({ length: 200 }, (_, i) => -1 + (2 * i) / 199 + rand() * 1e-3);
  return { x, y: x.map((v) => f(v) + rand() * 0.1) };
};

/** A small config, of a formula target or a 200-point one, trained briefly. */
function baseConfig(rand: () => number): ExperimentConfigInput {
  const target = rand() < 0.5 ? { kind: 'hinge' as const } : { kind: 'points' as const, ...points(rand, Math.abs) };
  return {
    seed: 1 + Math.floor(rand() * 1000),
    // n is left to its default: a grid may swap the target for a points one, whose n is its own.
    data: { target },
    model: { hidden: [1 + Math.floor(rand() * 3)] },
    steps: 20 + Math.floor(rand() * 40),
  };
}

/** A sweep grid over one or two fields, drawn from every kind of field a grid can set. */
function grid(rand: () => number, base: ExperimentConfigInput): Record<string, unknown[]> {
  const curves = [Math.sin, Math.abs, (x: number) => x * x];
  const fields: [string, () => unknown[]][] = [
    ['optimizer.lr', () => [0.01, 0.0312345678901]],
    ['optimizer.kind', () => ['sgd', 'adam']],
    ['model.hidden', () => [[2], [3, 2]]],
    ['model.activation', () => ['relu', 'tanh']],
    ['steps', () => [15, 25]],
    // Point lists: a cell's label and hyper carry every one of its 200 values.
    ...(base.data.target.kind === 'points'
      ? ([['data.target.y', () => curves.slice(0, 2).map((f) => points(rand, f).y)]] as [string, () => unknown[]][])
      : ([['data.target', () => curves.slice(1).map((f) => ({ kind: 'points', ...points(rand, f) }))]] as [string, () => unknown[]][])),
  ];
  const picked = new Map<string, unknown[]>();
  const count = 1 + Math.floor(rand() * 2);
  while (picked.size < count) {
    const [path, values] = fields[Math.floor(rand() * fields.length)];
    // A target and its y are one field's worth: not both.
    if (!picked.has(path)) picked.set(path, values());
  }
  return Object.fromEntries(picked);
}

type Kind = 'single' | 'sweep' | 'race' | 'merged';

/** Makes one experiment of `kind` in `store` through the lab's code, with a surface and an interpolation half the time; its id. */
async function make(store: ExperimentStore, kind: Kind, rand: () => number, seed: number): Promise<number> {
  const base = baseConfig(rand);
  let id: number;
  if (kind === 'single') id = saveRun(store, await train(parseConfig(base), { kernel: 'js' }), `single ${seed}`);
  else if (kind === 'race') {
    const config = parseConfig(base);
    const kinds: OptimizerKind[] = ['sgd', 'adam', 'rmsprop'];
    id = saveRace(store, config, await race(config, kinds, { kernel: 'js' }), `race ${seed}`);
  } else {
    const spec = { name: `${kind} ${seed}`, base, grid: grid(rand, base), seeds: 1 + Math.floor(rand() * 2) };
    if (kind === 'sweep') id = (await runSweep(store, spec, { kernel: 'js' })).experimentId;
    else {
      const shards = await Promise.all(
        [0, 1].map(async (index) => {
          const file = join(dir, `shard-${seed}-${index}.sqlite`);
          const shard = openStore(file);
          await runSweep(shard, spec, { kernel: 'js', shard: { index, count: 2 } });
          shard.db.close();
          return file;
        }),
      );
      mergeFiles(() => store, shards);
      id = store.list().at(-1)!.id;
    }
  }
  if (rand() < 0.5) {
    const runIndex = store.runListing(id)[0].index;
    await experimentLandscape(store, id, { center: 'trained', axes: 'random', res: 5, span: 1 }, { kernel: 'js', runIndex });
    await experimentInterpolation(store, id, { from: 'init', to: 'trained', points: 7 }, { kernel: 'js', runIndex });
  }
  return id;
}

/** Everything `get` returns of an experiment but the ids a database gives, with arrays as their bytes. */
function plain(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'id').map(([k, v]) => [k, plain(v)]));
  return value;
}

const KINDS: Kind[] = ['single', 'sweep', 'race', 'merged'];
/** What the seeds made, so that a change of generator cannot quietly stop making a kind. */
const made = new Set<string>();
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe('every export imports, equal in every field', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, async () => {
      const rand = random(seed);
      const source = openStore(join(dir, `source-${seed}.sqlite`));
      stores.push(source);
      // Every kind once per two seeds, in a seeded order, and one more of a seeded kind.
      const kinds = [KINDS[seed % 4], KINDS[(seed + 1) % 4], KINDS[Math.floor(rand() * 4)]];
      const ids: number[] = [];
      for (const kind of kinds) ids.push(await make(source, kind, rand, seed));
      const file = join(dir, `export-${seed}.lab.json`);
      exportToFile(source, ids, file);
      const target = openStore(join(dir, `target-${seed}.sqlite`));
      stores.push(target);
      const imported = importExportFile(target, file);
      expect(imported.map((r) => r.renamed)).toEqual(ids.map(() => false));
      for (const [k, id] of ids.entries()) {
        const a = source.get(id);
        const b = target.get(imported[k].id);
        expect(plain(b)).toEqual(plain(a));
        expect(b.runList.length).toBeGreaterThan(0);
        // A merged sweep's provenance (its shard count and engine check) comes back with it.
        const provenance = (store: ExperimentStore, id: number) => {
          const r = store.sweepRecord(id);
          return r && { specHash: r.specHash, cells: r.cells, seeds: r.seeds, shard: r.shard, mergedShards: r.mergedShards, engineCheck: r.engineCheck };
        };
        expect(provenance(target, imported[k].id)).toEqual(provenance(source, id));
        if (kinds[k] === 'merged') expect(provenance(target, imported[k].id)).toMatchObject({ mergedShards: 2, engineCheck: expect.stringMatching(/^[0-9a-f]{64}$/) });
        made.add(kinds[k]);
        if (a.surfaces.length) made.add('surface');
        if (a.interpolations.length) made.add('interpolation');
        if (a.runList.some((r) => r.label.length > 1000)) made.add('long label');
      }
    }, 120_000);
  }

  it('the seeds made every kind, surfaces, interpolations and labels over 1,000 characters', () => {
    expect([...made].sort()).toEqual(['interpolation', 'long label', 'merged', 'race', 'single', 'surface', 'sweep']);
  });

  it('a sweep over 200-point lists stores labels of thousands of characters, and they come back', async () => {
    const rand = random(99);
    const source = openStore(join(dir, 'labels.sqlite'));
    stores.push(source);
    const base = { ...baseConfig(rand), data: { target: { kind: 'points' as const, ...points(rand, Math.sin) } } };
    const { experimentId } = await runSweep(source, { base, grid: { 'data.target.y': [points(rand, Math.sin).y, points(rand, Math.abs).y] }, seeds: 1 }, { kernel: 'js' });
    const labels = source.runListing(experimentId).map((r) => r.label.length);
    expect(Math.min(...labels)).toBeGreaterThan(1000);
    const file = join(dir, 'labels.lab.json');
    exportToFile(source, [experimentId], file);
    const target = openStore(join(dir, 'labels-target.sqlite'));
    stores.push(target);
    const [{ id }] = importExportFile(target, file);
    expect(target.runListing(id).map((r) => r.label)).toEqual(source.runListing(experimentId).map((r) => r.label));
  }, 60_000);
});

describe('records at the bounds: what fits is kept whole, what could not is refused by name', () => {
  // 1→1024→1024→1: 1,052,673 parameters.
  const wide = { data: { target: { kind: 'hinge' as const }, n: 20 }, model: { hidden: [1024, 1024] }, steps: 2 };

  it('a run of 1,052,673 parameters keeps the snapshots that fit in one record (11 of 20 asked), and comes back whole', async () => {
    const store = openStore(join(dir, 'wide.sqlite'));
    stores.push(store);
    const id = saveRun(store, await train(parseConfig({ ...wide, steps: 19, record: { snapshots: 20 } }), { kernel: 'js' }));
    const [run] = store.runs(id);
    expect(run.snapshots.steps.length).toBe(11);
    const file = join(dir, 'wide.lab.json');
    exportToFile(store, [id], file);
    const target = openStore(join(dir, 'wide-target.sqlite'));
    stores.push(target);
    const [imported] = importExportFile(target, file);
    const [back] = target.runs(imported.id);
    expect(Buffer.from(back.snapshots.params.buffer).equals(Buffer.from(run.snapshots.params.buffer))).toBe(true);
    expect(Buffer.from(back.params.final.buffer).equals(Buffer.from(run.params.final.buffer))).toBe(true);
  }, 120_000);

  it('a network whose runs could not fit in a record is refused before it trains, naming the field', async () => {
    await expect((async () => train(parseConfig({ ...wide, model: { hidden: Array(8).fill(1024) } }), { kernel: 'js' }))()).rejects.toThrow(/^model\.hidden: this network has 7,350,273 parameters: .* must fit in 64\.0 MiB \(one record of an export\)/);
  });

  it('a config of explicit initial parameters at MAX_CONFIG_TEXT exports and imports whole; one character more is refused naming init.params', async () => {
    // 1,052,673 parameters: long texts (0.12345678901234568, 19 characters) up to the bound, short
    // ones (0.5) after, and one short one lengthened by the characters left (0.5^(n+1) is n longer).
    const P = 1_052_673;
    const LONG = 0.12345678901234568;
    const configOf = (long: number, added: number) => ({ ...wide, init: { kind: 'explicit' as const, params: Array.from({ length: P }, (_, i) => (i < long ? LONG : i === long ? 0.5 ** (added + 1) : 0.5)) }, record: { snapshots: 2 } });
    const one = JSON.stringify(parseConfig({ ...wide, init: { kind: 'explicit', params: [0.5] }, record: { snapshots: 2 } })).length;
    const textOf = (long: number, added: number) => one - 3 + 19 * long + 3 * (P - long) + (P - 1) + added;
    const long = Math.floor((MAX_CONFIG_TEXT - textOf(0, 0)) / 16);
    const added = MAX_CONFIG_TEXT - textOf(long, 0);
    const largest = parseConfig(configOf(long, added));
    expect(JSON.stringify(largest).length).toBe(MAX_CONFIG_TEXT);
    const store = openStore(join(dir, 'explicit.sqlite'));
    stores.push(store);
    const id = saveRun(store, await train(largest, { kernel: 'js' }));
    const file = join(dir, 'explicit.lab.json');
    exportToFile(store, [id], file);
    const target = openStore(join(dir, 'explicit-target.sqlite'));
    stores.push(target);
    const [back] = importExportFile(target, file);
    expect(target.runs(back.id)[0].config.init).toEqual(largest.init);
    expect(() => parseConfig(configOf(long, added + 1))).toThrow(/^init\.params: 1,052,673 values make the config 15\.0 MiB of text; at most 15\.0 MiB fit \(one line of an export\)$/);
  }, 180_000);
});
