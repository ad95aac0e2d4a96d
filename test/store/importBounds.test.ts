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
import { exportExperiments, readExportFile } from '../../main/store/exchange.js';
import { MAX_IMPORT_BYTES } from '../../shared/api.js';
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
  exported = exportExperiments(source, [id, sweep.experimentId]);
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
    target.importExperiments(readExportFile(file));
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

interface Memory {
  size: number;
  baseline: number;
  peak: number;
  error?: string;
}

/**
 * Imports `file` into a new database beside `db` in a child process (test/fixtures/importMemory.mjs, on
 * the built code): its sizes in bytes. What an import needs is the least of three tries: on a loaded
 * machine V8 collects later, which only adds to a peak (seen: 3.1× alone, 4.5× beside other tests).
 */
function importMemory(db: string, file: string): Memory {
  const tries = [0, 1, 2].map((k) => {
    const r = spawnSync(process.execPath, [memoryProbe, db.replace(/\.sqlite$/, `-${k}.sqlite`), file], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`the memory probe failed (it runs dist/: npm run build first): ${r.stderr}`);
    return JSON.parse(r.stdout) as Memory;
  });
  return tries.reduce((a, b) => (b.peak - b.baseline < a.peak - a.baseline ? b : a));
}

describe('what the parser can handle, and memory', () => {
  it('a file over the limit is refused unread; the limit is below what a JavaScript string can hold', () => {
    expect(MAX_IMPORT_BYTES).toBe(256 * 2 ** 20);
    // V8's longest string is 2^29 − 24 characters: a 512 MiB file could not be parsed at all.
    expect(MAX_IMPORT_BYTES).toBeLessThan(2 ** 29 - 24);
    const huge = join(dir, 'huge.lab.json');
    writeFileSync(huge, '');
    truncateSync(huge, 512 * 2 ** 20);
    expect(() => readExportFile(huge)).toThrow(`${huge}: is 512 MiB; an export file is limited to 256 MiB`);
    expect(() => readExportFile('/dev/zero')).toThrow('/dev/zero: is not a regular file (a device, pipe or socket), so it cannot be an export file');
  });

  it('hostile files of 30 MB that would parse into far more memory are refused before parsing, under 4× their size', () => {
    const hostile: [string, string][] = [
      ['objects', `[${'{},'.repeat(10_000_000)}{}]`],
      ['numbers', `{"format":"landscape-lab","x":[${'0,'.repeat(15_000_000)}0]}`],
      ['arrays', `[${'[],'.repeat(10_000_000)}[]]`],
    ];
    for (const [name, text] of hostile) {
      const file = join(dir, `hostile-${name}.lab.json`);
      writeFileSync(file, text);
      const m = importMemory(join(dir, `hostile-${name}.sqlite`), file);
      expect(m.size).toBeGreaterThan(25e6);
      expect(m.error).toMatch(/: holds more values than a file of its size may \(at most [\d,]+; an export's arrays are base64 strings\)$/);
      expect((m.peak - m.baseline) / m.size).toBeLessThan(4);
    }
  });

  it('importing a 30 MB file takes less than 4× its size in memory', async () => {
    const store = openStore(join(dir, 'big.sqlite'));
    const big = await train(config({ model: { hidden: [64] }, steps: 2000, record: { snapshots: 2000 } }), { kernel: 'js' });
    const ids = Array.from({ length: 15 }, () => saveRun(store, big));
    const file = join(dir, 'big.lab.json');
    writeFileSync(file, exportExperiments(store, ids));
    store.db.close();
    const m = importMemory(join(dir, 'memory.sqlite'), file);
    expect(m.error).toBeUndefined();
    expect(m.size).toBeGreaterThan(25e6);
    expect((m.peak - m.baseline) / m.size).toBeLessThan(4);
  });
});
