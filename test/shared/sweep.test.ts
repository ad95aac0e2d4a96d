// Sweeps at MAX_SWEEP_RUNS (issue 23): a spec of 10⁶ runs is accepted and costs no memory per run or
// per cell (its cells are computed from their index), its shard ranges are exact, one run more is
// refused with one line naming the grid's sizes and the seeds; a cell's refusal quotes its point
// lists briefly (issue 22).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planShards } from '../../main/lab/cluster/shards.js';
import { InputError } from '../../shared/config.js';
import { expandSweep, MAX_SWEEP_RUNS, sweepCells } from '../../shared/sweep.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const base = { data: { target: { kind: 'hinge' } }, steps: 50 };
/** 1,000 cells × 1,000 seeds. */
const MILLION_RUNS = { base, grid: { 'optimizer.lr': { from: 1e-3, to: 1e-1, count: 1000, scale: 'log' } }, seeds: 1000 };
/** 10⁶ cells of one seed: 1,000 learning rates × 1,000 kink positions. */
const MILLION_CELLS = { base, grid: { 'optimizer.lr': { from: 1e-3, to: 1e-1, count: 1000, scale: 'log' }, 'data.target.x0': { from: -0.9, to: 0.9, count: 1000 } }, seeds: 1 };

describe('a sweep of MAX_SWEEP_RUNS runs', () => {
  it('is 10⁶ runs, and a spec of that many is accepted with every cell checked', () => {
    expect(MAX_SWEEP_RUNS).toBe(1_000_000);
    const { spec, cells } = expandSweep(MILLION_RUNS);
    expect([cells.length, spec.seeds, cells.length * spec.seeds]).toEqual([1000, 1000, 1_000_000]);
    expect(cells.at(999).values).toEqual({ 'optimizer.lr': 0.1 });
    expect(cells.at(999).config.optimizer).toMatchObject({ lr: 0.1 });
  });

  it('of 10⁶ cells computes any cell from its index, as the grid orders them (the last field fastest)', () => {
    const { cells } = sweepCells(MILLION_CELLS);
    expect(cells.length).toBe(1_000_000);
    const c = cells.at(1000 * 3 + 999);
    expect(c.values).toEqual({ 'data.target.x0': 0.9, 'optimizer.lr': Number((1e-3 * 100 ** (3 / 999)).toPrecision(12)) });
    expect(c.config.data.target).toMatchObject({ kind: 'hinge', x0: 0.9 });
    expect(cells.valuesAt(999_999)).toEqual({ 'data.target.x0': 0.9, 'optimizer.lr': 0.1 });
    expect(() => cells.at(1_000_000)).toThrow(RangeError);
  });

  it('has 1,999 covering cells that hold every value of every axis, each beside the others\' first values (what the editor checks)', () => {
    const { cells } = sweepCells(MILLION_CELLS);
    const covering = cells.covering();
    expect(covering).toHaveLength(1999);
    const seen = new Map<string, Set<unknown>>();
    for (const index of covering) {
      const values = cells.valuesAt(index);
      const away = Object.entries(values).filter(([path, v]) => v !== cells.valuesAt(0)[path]);
      expect(away.length).toBeLessThanOrEqual(1);
      for (const [path, v] of Object.entries(values)) seen.set(path, (seen.get(path) ?? new Set()).add(v));
    }
    expect([...seen.values()].map((s) => s.size)).toEqual([1000, 1000]);
  });

  it('splits into shards at exact run ranges', () => {
    const { spec, cells } = expandSweep(MILLION_RUNS);
    // Every run costs alike: run i goes to shard ⌊N (i + ½) / 10⁶⌋.
    expect(planShards(spec, cells, 3).shards.map((s) => [s.runFrom, s.runTo])).toEqual([
      [0, 333_333],
      [333_333, 666_667],
      [666_667, 1_000_000],
    ]);
    const plan = planShards(spec, cells, 1000);
    expect(plan.shards.every((s, k) => s.runFrom === k * 1000 && s.runTo === (k + 1) * 1000)).toBe(true);
  });

  it('holds no memory per run or per cell: expanded, planned and held, 10⁶ runs and 10⁶ cells take under 16 MB of heap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-sweep-heap-'));
    const script = join(dir, 'heap.ts');
    writeFileSync(
      script,
      `import { expandSweep, sweepCells } from ${JSON.stringify(join(root, 'shared/sweep.ts'))};
import { planShards } from ${JSON.stringify(join(root, 'main/lab/cluster/shards.ts'))};
const gc = (globalThis as { gc?: () => void }).gc!;
gc();
const before = process.memoryUsage().heapUsed;
const runs = expandSweep(${JSON.stringify(MILLION_RUNS)});
const plan = planShards(runs.spec, runs.cells, 8);
const cells = sweepCells(${JSON.stringify(MILLION_CELLS)});
let sum = 0;
for (let i = 0; i < cells.cells.length; i += 997) sum += Object.keys(cells.cells.valuesAt(i)).length;
gc();
const after = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ delta: after - before, runs: runs.cells.length * runs.spec.seeds, cells: cells.cells.length, shards: plan.shards.length, sum }));
`,
    );
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { encoding: 'utf8', cwd: root, timeout: 120_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { delta: number; runs: number; cells: number; shards: number };
    expect(out).toMatchObject({ runs: 1_000_000, cells: 1_000_000, shards: 8 });
    // An array of a million runs or cells would be 8 MB of pointers alone, and a cell's config about 1 KB.
    expect(out.delta).toBeLessThan(16 * 2 ** 20);
  }, 150_000);

  it('one run more is refused in one line naming the grid fields, their sizes and the seeds', () => {
    // 7 × 143 = 1,001 cells × 1,000 seeds.
    const spec = { base, grid: { 'optimizer.lr': [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007], 'data.target.x0': { from: -0.9, to: 0.9, count: 143 } }, seeds: 1000 };
    let error: unknown;
    try {
      sweepCells(spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe('grid: 1001 cells (optimizer.lr 7 × data.target.x0 143) × 1000 seeds is 1001000 runs; at most 1000000 are allowed (fewer grid values or seeds)');
  });
});

describe('a cell refused', () => {
  it('quotes its point lists by their first values and length, in a line of bounded length', () => {
    const x = Array.from({ length: 200 }, (_, i) => -1 + i / 100);
    const y = x.map((v) => Math.abs(v) + 0.123456789);
    // The second list is one point short of x: that cell's config is refused.
    const spec = { base: { data: { target: { kind: 'points', x, y } }, steps: 20 }, grid: { 'data.target.y': [y, y.slice(1)] } };
    let message = '';
    try {
      expandSweep(spec);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^cell data\.target\.y=\[1\.113456789,1\.103456789,1\.093456789,1\.083456789,… 199 values\]: data\.target\.y: must have as many values as x/);
    expect(message.length).toBeLessThan(400);
  });
});
