// A sweep defined in the UI: the editor's rows as a grid (values, lists, ranges, whole optimizers),
// and a sweep cancelled part-way and resumed through the service, finishing every cell × seed once
// without touching the runs it had stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo, Result } from '../../shared/api.js';
import { presetByName } from '../../shared/presets.js';
import { expandSweep } from '../../shared/sweep.js';
import type { LabChannels } from '../../main/lab/channels.js';
import type { ExperimentStore } from '../../main/store/index.js';
import { openTestLab, type TestLab } from '../support/lab.js';
import { gridOf, parseValues, tutorialOptimizer } from '../../renderer/src/lib/sweepSpec.js';

const BASE = { data: { target: { kind: 'hinge' }, n: 60 }, optimizer: { kind: 'adam', lr: 0.01, beta1: 0.95, beta2: 0.9 }, steps: 200 };

describe('the editor rows as a grid', () => {
  it('parses values as numbers, lists and strings, and ranges as { from, to, count, scale }', () => {
    expect(parseValues('optimizer.lr', '0.1; 0.01')).toEqual([0.1, 0.01]);
    expect(parseValues('optimizer.lr', ' 1e-3 ;; 3e-3; ')).toEqual([0.001, 0.003]);
    expect(parseValues('model.hidden', '2; 4,4')).toEqual([[2], [4, 4]]);
    expect(parseValues('model.hidden', '8,8; [16, 16]')).toEqual([[8, 8], [16, 16]]);
    expect(parseValues('model.activation', 'relu; tanh')).toEqual(['relu', 'tanh']);
    expect(parseValues('optimizer.kind', 'sgd; "adam"; true')).toEqual(['sgd', 'adam', true]);
    expect(parseValues('optimizer', 'sgd; {"kind":"sgd","lr":0.3}')).toEqual([{ kind: 'sgd', lr: 0.1 }, { kind: 'sgd', lr: 0.3 }]);
    expect(tutorialOptimizer('adam')).toEqual(presetByName('adam').config?.optimizer);

    const grid = gridOf([
      { path: 'optimizer.lr', mode: 'range', from: '1e-4', to: ' 1', count: '5', scale: 'log' },
      { path: ' model.hidden ', mode: 'values', values: '2; 4,4' },
    ]);
    expect(grid).toEqual({ 'optimizer.lr': { from: 1e-4, to: 1, count: 5, scale: 'log' }, 'model.hidden': [[2], [4, 4]] });
    const { cells } = expandSweep({ base: BASE, grid, seeds: 3 });
    expect(cells).toHaveLength(10);
    expect([...cells].map((c) => c.values['optimizer.lr']).slice(0, 4)).toEqual([1e-4, 1e-4, 0.001, 0.001]);
    expect(cells.at(1).config.model.hidden).toEqual([4, 4]);

    // Text that is not a number stays text, so the spec names the field.
    expect(gridOf([{ path: 'optimizer.lr', mode: 'range', from: 'a', to: '1', count: '5', scale: 'linear' }])).toEqual({ 'optimizer.lr': { from: 'a', to: 1, count: 5, scale: 'linear' } });
    expect(() => expandSweep({ base: BASE, grid: gridOf([{ path: 'optimizer.lr', mode: 'range', from: 'a', to: '1', count: '5', scale: 'linear' }]) })).toThrow(
      'grid.optimizer.lr.from: must be a number (got "a")',
    );
  });

  it('the whole optimizer sweeps the tutorial optimizers; a bare kind over an adam base takes each kind\'s defaults', () => {
    const { cells } = expandSweep({ base: BASE, grid: gridOf([{ path: 'optimizer', mode: 'values', values: 'sgd; momentum; rmsprop; momentum-rmsprop; adam' }]) });
    expect([...cells].map((c) => c.config.optimizer.kind)).toEqual(['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam']);
    expect(cells.at(1).config.optimizer).toMatchObject({ lr: 0.003, momentum: 0.95 });
    // A bare kind over an adam base carries each kind's own defaults (issue 20, finding 7: it was refused
    // with "optimizer.beta1: unknown field"); a learning rate swept with it applies to each kind.
    const kinds = [...expandSweep({ base: BASE, grid: gridOf([{ path: 'optimizer.kind', mode: 'values', values: 'sgd; adam' }]) }).cells].map((c) => c.config.optimizer);
    expect(kinds).toEqual([{ kind: 'sgd', lr: 0.01 }, { ...BASE.optimizer, eps: 1e-8 }]);
    const withLr = [...expandSweep({ base: BASE, grid: { 'optimizer.lr': [0.1, 0.3], 'optimizer.kind': ['momentum', 'sgd'] } }).cells].map((c) => c.config.optimizer);
    expect(withLr).toEqual([
      { kind: 'momentum', lr: 0.1, momentum: 0.95 },
      { kind: 'sgd', lr: 0.1 },
      { kind: 'momentum', lr: 0.3, momentum: 0.95 },
      { kind: 'sgd', lr: 0.3 },
    ]);
  });

  it('one row per field, and every row names one', () => {
    const row = { path: 'optimizer.lr', mode: 'values', values: '0.1' } as const;
    expect(() => gridOf([row, row])).toThrow('grid.optimizer.lr: swept twice; keep one row per field');
    expect(() => gridOf([{ ...row, path: ' ' }])).toThrow('grid: a swept field has no path; choose one or remove the row');
    expect(gridOf([])).toEqual({});
  });
});

describe('resuming a sweep through the service', () => {
  let lab: TestLab;
  let store: ExperimentStore;
  let service: LabChannels;
  let finished: TestLab['finished'];
  const onUpdate: ((job: JobInfo) => void)[] = [];

  beforeAll(() => {
    lab = openTestLab('sweep-editor');
    ({ store, service, finished } = lab);
    service.onEvent((e) => {
      if (e.type === 'job') for (const f of onUpdate) f(e.job);
    });
  });
  afterAll(() => lab.close());
  const started = (r: Result<unknown>) => {
    if (!r.ok) throw new Error(r.error.message);
    return r.value as JobInfo;
  };

  it('a cancelled sweep resumes to done: every cell × seed once, the stored runs unchanged', async () => {
    const spec = { base: { ...BASE, steps: 20_000 }, grid: { 'optimizer.lr': [0.003, 0.01, 0.03, 0.1, 0.3] }, seeds: 2 };
    const job = started(await service.call('jobs.sweep', { spec }));
    // Cancelled from the listener itself, the moment the first cell is reported stored.
    onUpdate.push((u) => {
      if (u.id === job.id && u.state === 'running' && u.step > 0) service.lab.cancelJob(job.id);
    });
    const cancelled = await finished(job.id);
    onUpdate.length = 0;
    expect(cancelled.state).toBe('cancelled');
    const id = cancelled.experimentId as number;
    const before = store.get(id);
    expect(before.status).toBe('cancelled');
    expect(before.runList.length).toBeGreaterThan(0);
    expect(before.runList.length).toBeLessThan(10);
    const stored = new Map(before.runList.map((r) => [r.index, { label: r.label, final: Buffer.from(r.params.final.buffer, r.params.final.byteOffset, r.params.final.byteLength) }]));

    const resume = started(await service.call('jobs.resumeSweep', { id }));
    expect(resume).toMatchObject({ kind: 'sweep', state: 'queued', experimentId: id });
    // A second resume of the same sweep while the first is queued fails the call.
    expect(await service.call('jobs.resumeSweep', { id })).toEqual({ ok: false, error: { code: 'invalid', message: `id: sweep ${id} is still running; cancel it or wait for it to finish` } });
    const resumed = await finished(resume.id);
    expect(resumed).toMatchObject({ state: 'done', experimentId: id, step: 10, steps: 10, error: null });

    const after = store.get(id);
    expect(after.status).toBe('done');
    expect(after.runList.map((r) => r.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const { cells } = expandSweep(spec);
    const expected = [...cells].flatMap((c) => [0, 1].map((s) => `optimizer.lr=${String(c.values['optimizer.lr'])} · seed=${1 + s}`));
    expect(after.runList.map((r) => r.label).sort()).toEqual([...expected].sort());
    for (const r of after.runList) expect(r.status).not.toBe('cancelled');
    for (const [index, old] of stored) {
      const run = after.runList.find((r) => r.index === index);
      expect(run?.label).toBe(old.label);
      expect(Buffer.from(run!.params.final.buffer, run!.params.final.byteOffset, run!.params.final.byteLength).equals(old.final)).toBe(true);
    }

    expect(await service.call('jobs.resumeSweep', { id })).toEqual({ ok: false, error: { code: 'invalid', message: `id: sweep ${id} is complete; there is nothing to resume` } });
  });

  it('a run or an unknown id fails the call with one line', async () => {
    const run = await finished(started(await service.call('jobs.run', { config: { ...BASE, steps: 50 } })).id);
    const runId = run.experimentId as number;
    expect(await service.call('jobs.resumeSweep', { id: runId })).toEqual({
      ok: false,
      error: { code: 'invalid', message: `id: experiment ${runId} is not a sweep; only sweeps can be resumed` },
    });
    const unknown = await service.call('jobs.resumeSweep', { id: 999_999 });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringMatching(/^experiment 999999: no such experiment in .*; see landscape-lab list$/) } });
    expect(await service.call('jobs.resumeSweep', { id: 0 })).toEqual({ ok: false, error: { code: 'invalid', message: 'id: must be at least 1 (got 0)' } });
    expect(service.lab.listJobs().filter((j) => j.state === 'failed')).toEqual([]);
  });
});
