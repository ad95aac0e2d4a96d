// Hostile `.lab.json` imports: every field has a schema with bounds (no free-form objects), so deep
// nesting, huge objects and oversized arrays are rejected whole, with one line naming the file and
// the field, and nothing written; the size limit is one JSON.parse can handle; and an import's memory
// stays under 4× the file's size.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../shared/config.js';
import { saveRun } from '../../main/lab/experiments.js';
import { runSweep } from '../../main/lab/sweep.js';
import { exportToFile, importExportFile } from '../../main/store/exchangeLines.js';
import { exportV1 } from '../support/exportV1.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { config, train } from '../support/helpers.js';

let dir: string;
let source: ExperimentStore;
let target: ExperimentStore;
let exported: string;
const memoryProbe = fileURLToPath(new URL('../fixtures/importMemory.mjs', import.meta.url));
const count = (s: ExperimentStore) => (s.db.prepare('SELECT (SELECT count(*) FROM experiments) + (SELECT count(*) FROM runs) + (SELECT count(*) FROM surfaces) AS n').get() as { n: number }).n;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-import-'));
  source = openStore(join(dir, 'source.sqlite'));
  const id = saveRun(source, await train(config({ steps: 200 }), { kernel: 'js' }), 'one run');
  const sweep = await runSweep(source, { base: { data: { target: { kind: 'hinge' }, n: 50 }, steps: 50 }, grid: { 'optimizer.lr': [0.01, 0.1] }, seeds: 2 }, { kernel: 'js' });
  exported = exportV1(source, [id, sweep.experimentId]);
  target = openStore(join(dir, 'target.sqlite'));
  saveRun(target, await train(config({ steps: 10 }), { kernel: 'js' }));
});
afterAll(() => {
  source.db.close();
  target.db.close();
});

/** Imports `text` as a file; expects it refused whole with one line, and returns that line. */
function refused(text: string): string {
  const file = join(dir, 'bad.lab.json');
  writeFileSync(file, text);
  const before = count(target);
  let message = '';
  try {
    importExportFile(target, file);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    message = (e as Error).message;
  }
  expect(count(target)).toBe(before);
  expect(message.split('\n')).toHaveLength(1);
  expect(message.startsWith(`${file}: `)).toBe(true);
  return message.slice(file.length + 2);
}

const mutated = (change: (doc: any) => void) => {
  const doc = JSON.parse(exported);
  change(doc);
  return JSON.stringify(doc);
};

/** A JSON object of n keys, as text (building it as an object first would take seconds). */
const wideObject = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`;

describe('free-form fields are gone: hyper and sweep.spec have schemas with bounds', () => {
  it('5,000-deep nesting in a run\'s hyper', () => {
    // As text: JSON.stringify of the nested value itself recurses too deep.
    const text = mutated((d) => (d.experiments[0].runs[0].hyper = { 'optimizer.lr': 'DEEP' })).replace('"DEEP"', `${'['.repeat(5000)}1${']'.repeat(5000)}`);
    expect(refused(text)).toMatch(/^experiments\[0\]\.runs\[0\]\.hyper\.optimizer\.lr(\[0\]){18}: nests deeper than 24 levels$/);
  });

  it('a 2,000,000-key object as a run\'s hyper', () => {
    const text = mutated((d) => (d.experiments[0].runs[0].hyper = 'WIDE')).replace('"WIDE"', wideObject(2_000_000));
    expect(refused(text)).toBe('experiments[0].runs[0].hyper: has more than 64 fields');
  });

  it('a 300,000-key object as a sweep\'s base config', () => {
    const text = mutated((d) => (d.experiments[1].sweep.spec.base = 'WIDE')).replace('"WIDE"', wideObject(300_000));
    expect(refused(text)).toBe('experiments[1].sweep.spec.base: has more than 64 fields');
  });

  it('a hyper key that is not a config path', () => {
    expect(refused(mutated((d) => (d.experiments[0].runs[0].hyper = { 'a b': 1 })))).toMatch(/^experiments\[0\]\.runs\[0\]\.hyper\.a b: /);
  });

  it('a hyper value that is not a sweep value', () => {
    expect(refused(mutated((d) => (d.experiments[0].runs[0].hyper = { seed: 'x'.repeat(201) })))).toMatch(/^experiments\[0\]\.runs\[0\]\.hyper\.seed: /);
  });

  it('a sweep spec checked as a sweep: an unknown field of its base', () => {
    expect(refused(mutated((d) => (d.experiments[1].sweep.spec.base.speed = 1)))).toBe('experiments[1].sweep.spec.base.speed: unknown field');
  });

  it('a sweep spec checked as a sweep: an invalid cell', () => {
    expect(refused(mutated((d) => (d.experiments[1].sweep.spec.grid['optimizer.lr'] = [0.01, -1])))).toBe('experiments[1].sweep.spec.cell optimizer.lr=-1: optimizer.lr: must be more than 0 (got -1)');
  });

  it('a sweep whose counts disagree with its spec', () => {
    expect(refused(mutated((d) => (d.experiments[1].sweep.cells = 5)))).toBe('experiments[1].sweep.cells: is 5, but the spec has 2 cells');
  });
});

describe('arrays are bounded by the limits and by the run\'s own network', () => {
  it('10,000 dead units (the limit is 8 layers of 1,024)', () => {
    const dead = Array.from({ length: 10_000 }, (_, u) => ({ layer: 1, unit: u % 2 }));
    expect(refused(mutated((d) => (d.experiments[0].runs[0].diagnostics.final.dead = dead)))).toBe('experiments[0].runs[0].diagnostics.final.dead: must have at most 8192 items (got 10000)');
  });

  it('a dead unit the network does not have', () => {
    expect(refused(mutated((d) => (d.experiments[0].runs[0].diagnostics.init.dead = [{ layer: 1, unit: 5 }])))).toBe('experiments[0].runs[0].diagnostics.init.dead[0]: this network has no unit 5 in hidden layer 1');
  });

  it('more recorded losses than the run has steps', () => {
    const steps = Buffer.alloc(4 * 1000).toString('base64');
    expect(refused(mutated((d) => (d.experiments[0].runs[0].arrays.lossSteps.base64 = steps)))).toBe('experiments[0].runs[0].arrays.lossSteps: has about 1000 values; at most 201 are allowed here');
  });
});

