// The sweep views' data: a real sweep through the service, its statistics over the channel agreeing
// with the runs as stored, and the chart's grouping of those cells (presets' defaults, one series per
// optimizer, other fields held fixed rather than merged, width × depth of a swept model.hidden).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo, Result } from '../../shared/api.js';
import { presetByName, presetSweep } from '../../shared/presets.js';
import type { SweepStats } from '../../shared/sweepStats.js';
import type { LabChannels } from '../../main/lab/channels.js';
import type { ExperimentStore } from '../../main/store/index.js';
import { openTestLab, type TestLab } from '../support/lab.js';
import { chartCsv, chartData, fixCells, firstRun, metricOf, presetOf, seriesName, sweepDefaults, sweepDimensions } from '../../renderer/src/lib/sweepChart.js';

let lab: TestLab;
let store: ExperimentStore;
let service: LabChannels;
let finished: TestLab['finished'];

beforeAll(() => {
  lab = openTestLab('sweep-ui');
  ({ store, service, finished } = lab);
});
afterAll(() => lab.close());

async function sweep(spec: unknown): Promise<number> {
  const started = (await service.call('jobs.sweep', { spec })) as Result<JobInfo>;
  if (!started.ok) throw new Error(started.error.message);
  const job = await finished(started.value.id);
  expect(job.state).toBe('done');
  return job.experimentId as number;
}

async function sweepStats(id: number): Promise<SweepStats> {
  const r = (await service.call('experiments.sweepStats', { id })) as Result<SweepStats>;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** The median of a few numbers, computed here rather than by the code under test. */
function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

describe('experiments.sweepStats', () => {
  const spec = presetSweep(presetByName('learning-rate'));
  spec.base = { ...spec.base, steps: 100 };
  spec.grid = { 'optimizer.kind': ['sgd', 'adam'], 'optimizer.lr': { from: 0.001, to: 0.1, count: 3, scale: 'log' } };
  spec.seeds = 2;
  let id: number;
  let stats: SweepStats;

  beforeAll(async () => {
    id = await sweep(spec);
    stats = await sweepStats(id);
  });

  it('gives each cell the median of its stored runs’ final losses', () => {
    const runs = store.get(id).runList;
    expect(runs).toHaveLength(12);
    expect(stats.fields).toEqual(['optimizer.kind', 'optimizer.lr']);
    expect(stats.cells.map((c) => c.values)).toEqual(
      ['sgd', 'adam'].flatMap((kind) => [0.001, 0.01, 0.1].map((lr) => ({ 'optimizer.kind': kind, 'optimizer.lr': lr }))),
    );
    for (const cell of stats.cells) {
      const mine = runs.filter((r) => r.cell === cell.index);
      expect(mine).toHaveLength(2);
      expect(cell.firstRun).toBe(mine[0].index);
      expect(mine.map((r) => r.config.optimizer.kind)).toEqual([cell.values['optimizer.kind'], cell.values['optimizer.kind']]);
      expect(mine.map((r) => r.config.optimizer.lr)).toEqual([cell.values['optimizer.lr'], cell.values['optimizer.lr']]);
      const finals = mine.filter((r) => r.status !== 'diverged').map((r) => r.finalLoss as number);
      expect(cell.finalLoss.median).toBeCloseTo(median(finals), 14);
      expect(cell.finalLoss.q1).toBeLessThanOrEqual(cell.finalLoss.median as number);
      expect(cell.finalLoss.q3).toBeGreaterThanOrEqual(cell.finalLoss.median as number);
      expect(cell.runs).toBe(2);
    }
  });

  it('an unknown id is not-found; an experiment that is not a sweep, or a bad id, is invalid', async () => {
    expect(await service.call('experiments.sweepStats', { id: 9999 })).toEqual({
      ok: false,
      error: { code: 'not-found', message: expect.stringMatching(/^experiment 9999: no such experiment in /) },
    });
    const run = (await service.call('jobs.run', { config: { data: { target: { kind: 'hinge' }, n: 50 }, steps: 20 } })) as { ok: true; value: JobInfo };
    const single = (await finished(run.value.id)).experimentId as number;
    expect(await service.call('experiments.sweepStats', { id: single })).toEqual({
      ok: false,
      error: { code: 'invalid', message: `experiment ${single}: is not a sweep; statistics are per sweep cell` },
    });
    expect(await service.call('experiments.sweepStats', { id: 0 })).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/^id: /) } });
  });

  it('charts the learning-rate preset as its spec says: final loss against lr, one line per optimizer', () => {
    const dims = sweepDimensions(stats);
    expect(dims.map((d) => [d.field, d.labels, d.numeric])).toEqual([
      ['optimizer.kind', ['sgd', 'adam'], false],
      ['optimizer.lr', ['0.001', '0.01', '0.1'], true],
    ]);
    const preset = presetOf(store.summary(id).name, stats.spec.name);
    expect(preset?.name).toBe('learning-rate');
    expect(sweepDefaults(dims, preset)).toEqual({ x: 'optimizer.lr', series: 'optimizer.kind', metric: 'finalLoss', heatmap: ['optimizer.lr', 'optimizer.kind'] });

    expect(sweepDefaults(dims, undefined)).toEqual({ x: 'optimizer.lr', series: 'optimizer.kind', metric: 'finalLoss', heatmap: ['optimizer.lr', 'optimizer.kind'] });

    const data = chartData(stats.cells, 'optimizer.lr', 'optimizer.kind');
    expect(data.hidden).toBe(0);
    expect(data.series.map((s) => s.label)).toEqual(['sgd', 'adam']);
    expect(seriesName(data, 1, 'final loss')).toBe('adam');
    for (const s of data.series) {
      expect(s.cells.map((c) => [c?.values['optimizer.kind'], c?.values['optimizer.lr']])).toEqual([0.001, 0.01, 0.1].map((lr) => [s.label, lr]));
      for (const c of s.cells) expect(metricOf(c, 'finalLoss')).toEqual({ value: c?.finalLoss.median, q1: c?.finalLoss.q1, q3: c?.finalLoss.q3 });
    }
    const csv = chartCsv(data, 'optimizer.kind', 'finalLoss').trimEnd().split('\n');
    expect(csv[0]).toBe('optimizer.lr,optimizer.kind,final loss median,final loss q1,final loss q3,runs');
    expect(csv).toHaveLength(7);
    const adam01 = stats.cells[5];
    expect(csv[6]).toBe(`0.1,adam,${adam01.finalLoss.median},${adam01.finalLoss.q1},${adam01.finalLoss.q3},2`);
    expect(firstRun(adam01)).toBe(10);
  });

  it('never merges cells silently: without a series the optimizers collide unless one is held fixed', () => {
    const merged = chartData(stats.cells, 'optimizer.lr', null);
    expect(merged.hidden).toBe(3);
    const adamOnly = fixCells(stats.cells, { 'optimizer.kind': JSON.stringify('adam') });
    expect(adamOnly.map((c) => c.index)).toEqual([3, 4, 5]);
    const held = chartData(adamOnly, 'optimizer.lr', null);
    expect(held.hidden).toBe(0);
    expect(held.series[0].cells.map((c) => c?.index)).toEqual([3, 4, 5]);
  });
});

describe('a swept model.hidden', () => {
  it('charts as width × depth, with a heatmap over the two by default', async () => {
    const id = await sweep({ name: 'Shapes', base: { data: { target: { kind: 'hinge' }, n: 60 }, steps: 30 }, grid: { 'model.hidden': [[2], [4], [2, 2], [4, 4]] } });
    const stats = await sweepStats(id);
    const dims = sweepDimensions(stats);
    expect(dims.map((d) => [d.field, d.values])).toEqual([
      ['model.hidden:width', [2, 4]],
      ['model.hidden:depth', [1, 2]],
    ]);
    expect(presetOf('Shapes', stats.spec.name)).toBeUndefined();
    expect(sweepDefaults(dims, undefined)).toEqual({ x: 'model.hidden:width', series: null, metric: 'finalLoss', heatmap: ['model.hidden:width', 'model.hidden:depth'] });
    const data = chartData(stats.cells, 'model.hidden:width', 'model.hidden:depth');
    expect(data.hidden).toBe(0);
    expect(data.series.map((s) => [s.label, s.cells.map((c) => c?.values['model.hidden'])])).toEqual([
      ['1', [[2], [4]]],
      ['2', [[2, 2], [4, 4]]],
    ]);
    expect([0, 1].map((i) => seriesName(data, i, 'final loss'))).toEqual(['model.hidden:depth = 1', 'model.hidden:depth = 2']);
  });

  it('keeps the lists themselves as the field when width and depth do not tell them apart', async () => {
    const id = await sweep({ base: { data: { target: { kind: 'hinge' }, n: 60 }, steps: 10 }, grid: { 'model.hidden': [[4, 2], [4, 4]] } });
    const dims = sweepDimensions(await sweepStats(id));
    expect(dims.map((d) => [d.field, d.labels])).toEqual([['model.hidden', ['[4, 2]', '[4, 4]']]]);
  });
});
