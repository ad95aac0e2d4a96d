// Jobs through the service, as the UI starts them: progress with an ETA, throttled; cancellation
// that stores what finished, marked cancelled; failures as typed errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../shared/api.js';
import type { LabChannels } from '../../main/lab/channels.js';
import type { ExperimentStore } from '../../main/store/index.js';
import { openTestLab, type TestLab } from '../support/lab.js';

let lab: TestLab;
let store: ExperimentStore;
let service: LabChannels;
let updates: JobInfo[];
let finalState: TestLab['finished'];

beforeAll(() => {
  lab = openTestLab('jobs', 2);
  ({ store, service, updates, finished: finalState } = lab);
});
afterAll(() => lab.close());

describe('jobs', () => {
  it('a cancelled run is stored with what it finished, marked cancelled', async () => {
    const r = await service.call('jobs.run', { config: { data: { target: { kind: 'hinge' } }, steps: 5_000_000, batchSize: 500 } });
    expect(r.ok).toBe(true);
    const job = (r as { value: JobInfo }).value;
    await expect.poll(() => updates.some((u) => u.id === job.id && u.step > 0), { timeout: 20_000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await service.call('jobs.cancel', { jobId: job.id })).ok).toBe(true);
    const last = await finalState(job.id);
    expect(last.state).toBe('cancelled');
    const e = store.get(last.experimentId as number);
    expect(e.status).toBe('cancelled');
    const run = e.runList[0];
    expect(run.status).toBe('cancelled');
    expect(run.stepsDone).toBeGreaterThan(0);
    expect(run.stepsDone).toBeLessThan(5_000_000);
    expect(run.loss.steps[run.loss.steps.length - 1]).toBe(run.stepsDone);

    const mine = updates.filter((u) => u.id === job.id && u.state === 'running');
    expect(mine.some((u) => u.etaSeconds !== null && u.etaSeconds > 0)).toBe(true);
    // Throttled: at most one progress event per 100 ms (plus the state changes).
    const spanMs = 400 + 2000;
    expect(mine.length).toBeLessThan(spanMs / 100 + 10);
  });

  it('a run without a closed-form optimum searches for it once: later surfaces and curves reuse the stored one', async () => {
    const run = (await service.call('jobs.run', { config: { data: { target: { kind: 'sine' }, n: 50 }, model: { hidden: [4] }, steps: 300 } })) as { ok: true; value: JobInfo };
    const id = (await finalState(run.value.id)).experimentId as number;
    expect(store.runs(id, 0)[0].params.optimum).toBeUndefined();
    const started = ['init', 'optimum'].map((center) => service.call('jobs.landscape', { experimentId: id, center: center as 'init', axes: 'plane', res: 9, span: 'auto' }));
    for (const r of await Promise.all(started)) expect((await finalState((r as { ok: true; value: JobInfo }).value.id)).state).toBe('done');
    const [stored] = store.runs(id, 0);
    expect(stored.optimum).toMatchObject({ kind: 'best-found', method: expect.stringMatching(/^best of 8/) });
    const [first, second] = store.get(id).surfaces;
    // Both planes pass through the same optimum (a second search would have found another point).
    expect(first.markers.optimum!.loss).toBeCloseTo(stored.optimum!.loss, 9);
    expect(second.markers.optimum!.loss).toBeCloseTo(stored.optimum!.loss, 9);
    // The optimum-centred surface is centred on exactly the stored parameters.
    expect(Array.from(store.get(id).surfaces.find((s) => s.center === 'optimum')!.centerParams)).toEqual(Array.from(stored.params.optimum!));
    const curve = (await service.call('jobs.interpolate', { experimentId: id, from: 'trained', to: 'optimum', points: 5 })) as { ok: true; value: JobInfo };
    expect((await finalState(curve.value.id)).state).toBe('done');
    expect(store.get(id).interpolations[0].loss[4]).toBeCloseTo(stored.optimum!.loss, 12);
  });

  it('surfaces and sweeps run as jobs and land with their experiment; bad requests fail the call, not the job', async () => {
    const run = (await service.call('jobs.run', { config: { data: { target: { kind: 'hinge' }, n: 100 }, steps: 500 } })) as { ok: true; value: JobInfo };
    const ran = await finalState(run.value.id);
    const id = ran.experimentId as number;
    const surf = (await service.call('jobs.landscape', { experimentId: id, center: 'optimum', axes: 'plane', res: 17, span: 'auto' })) as { ok: true; value: JobInfo };
    expect((await finalState(surf.value.id)).state).toBe('done');
    expect(store.get(id).surfaces[0].alphas.length).toBe(17);

    const bad = await service.call('jobs.landscape', { experimentId: id, center: 'optimum', axes: 'params:W9[0,0],b1[0]', res: 17, span: 'auto' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/^axes: no parameter "W9\[0,0\]"/) } });
    expect(await service.call('jobs.landscape', { experimentId: 999, center: 'init', axes: 'plane', res: 9, span: 1 })).toMatchObject({ ok: false, error: { code: 'not-found' } });

    const sweep = (await service.call('jobs.sweep', { spec: { base: { data: { target: { kind: 'hinge' }, n: 60 }, steps: 200 }, grid: { 'optimizer.lr': [0.01, 0.03, 0.1] }, seeds: 2 } })) as { ok: true; value: JobInfo };
    const swept = await finalState(sweep.value.id);
    expect(swept.state).toBe('done');
    expect(store.get(swept.experimentId as number).runList).toHaveLength(6);
    // The sweep asked for `auto`; the experiment says what ran.
    expect(store.summary(swept.experimentId as number)).toMatchObject({ kernel: 'simd', backend: 'wasm-simd' });

    const reproduce = (await service.call('jobs.reproduce', { id })) as { ok: true; value: JobInfo };
    expect(await finalState(reproduce.value.id)).toMatchObject({ state: 'done', matches: true });
  });

  it("a sweep's cells are checked while main's thread answers others, and a bad cell refuses the sweep before it starts", async () => {
    // 10⁵ cells take seconds to check; a call made after the sweep's answers first (order, not time).
    const spec = { base: { data: { target: { kind: 'hinge' }, n: 20 }, steps: 10 }, grid: { 'optimizer.lr': { from: 1e-4, to: 0.1, count: 1000, scale: 'log' }, 'data.target.x0': { from: -0.9, to: 0.9, count: 100 } }, seeds: 1 };
    const order: string[] = [];
    const starting = service.call('jobs.sweep', { spec }).then((r) => (order.push('sweep'), r as { ok: true; value: JobInfo }));
    await service.call('jobs.list', {}).then(() => order.push('list'));
    const started = await starting;
    expect(order).toEqual(['list', 'sweep']);
    expect(started.ok).toBe(true);
    await service.call('jobs.cancel', { jobId: started.value.id });
    expect((await finalState(started.value.id)).state).toBe('cancelled');

    const widest = { base: { data: { target: { kind: 'hinge' }, n: 20 }, steps: 10 }, grid: { 'model.hidden': [[2], Array(8).fill(1024)] }, seeds: 1 };
    const before = store.list().length;
    expect(await service.call('jobs.sweep', { spec: widest })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^cell 1: model\.hidden: this network has 7,350,273 parameters/) } });
    expect(store.list()).toHaveLength(before);
  }, 120_000);
});
