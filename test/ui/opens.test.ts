/// <reference lib="dom" />
// Each kind of experiment opens on its own content, in the first screen of a 1280×800 window: a race
// on the race, a sweep on the sweep, a cancelled run on what it has with one offer to compute what is
// missing (not three empty views); a sweep is in the library while it trains; while a run trains, the
// centre says so instead of the welcome card.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo, Result } from '../../shared/api.js';
import type { Page } from 'playwright-core';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
let lab: BrowserLab;
const HINGE = { data: { target: { kind: 'hinge' } } };

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  lab = await openBrowserLab('opens', 2);
});
afterAll(() => lab?.close());

async function call<T>(channel: string, payload: unknown): Promise<T> {
  const r = (await lab.service.call(channel, payload)) as Result<T>;
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
  return r.value;
}

/** Opens experiment `id` from the library and waits for its title. */
async function openFromLibrary(page: Page, id: number): Promise<void> {
  await page.locator('[data-testid=experiment-item] button.open').filter({ hasText: new RegExp(`#${id}\\b`) }).first().click();
  await expect.poll(() => page.locator('main h2').first().textContent()).toMatch(new RegExp(`^#${id} `));
}

/** The element's top edge lies inside the window's first screen. */
async function inFirstScreen(page: Page, selector: string): Promise<boolean> {
  await page.waitForSelector(selector, { timeout: 60_000 });
  const box = await page.locator(selector).first().boundingBox();
  return box !== null && box.y >= 0 && box.y < 800 - 60;
}

describe('experiments open on their own content', () => {
  it('a race, a sweep and a cancelled run, each in the first screen at 1280×800; a training run and a training sweep are said so', async () => {
    const race = await call<{ id: number }>('race.run', { config: { ...HINGE, steps: 300 }, optimizers: ['sgd', 'adam'] });
    const sweepJob = await call<JobInfo>('jobs.sweep', { spec: { name: 'lr', base: { ...HINGE, steps: 200 }, grid: { 'optimizer.lr': [0.001, 0.01] }, seeds: 2 } });
    const sweep = await lab.finished(sweepJob.id);
    const long = await call<JobInfo>('jobs.run', { config: { ...HINGE, model: { hidden: [32, 32], activation: 'tanh' }, steps: 10_000_000 } });
    await expect.poll(() => lab.updates.some((u) => u.id === long.id && u.step > 0), { timeout: 60_000 }).toBe(true);

    const { page, errors } = await lab.open({ viewport: { width: 1280, height: 800 } });
    // Training, with nothing open: the centre says so, not the welcome card.
    expect(await inFirstScreen(page, '[data-testid=training-live]')).toBe(true);
    expect(await page.getByTestId('training-live').textContent()).toMatch(/Training….*[\d,]+ of 10,000,000 steps/);
    await call('jobs.cancel', { jobId: long.id });
    const cancelled = await lab.finished(long.id);
    expect(cancelled.state).toBe('cancelled');

    await openFromLibrary(page, race.id);
    expect(await inFirstScreen(page, '[data-testid=race-view]')).toBe(true);
    await page.screenshot({ path: join(artifacts, 'opens-race-1280x800.png') });
    await expect.poll(() => page.getByText('No surface yet').count()).toBe(0);

    await openFromLibrary(page, sweep.experimentId as number);
    expect(await inFirstScreen(page, '[data-testid=sweep-view]')).toBe(true);
    await expect.poll(() => page.getByText('No surface yet').count()).toBe(0);

    await openFromLibrary(page, cancelled.experimentId as number);
    expect(await inFirstScreen(page, '[data-testid=surfaces-missing]')).toBe(true);
    expect(await page.getByTestId('surfaces-missing').textContent()).toMatch(/cancelled after [\d,]+ steps/);
    await page.getByTestId('compute-surfaces').click();
    await page.waitForSelector('[data-testid=view-trained][data-state=ready]', { timeout: 240_000 });
    expect(errors).toEqual([]);
    // A cancelled 1→32→32→1 run's three surfaces take most of a minute on two loaded cores.
  }, 300_000);

  it('shows the run training in the centre, and a sweep in the library while it trains', async () => {
    // The jobs run one at a time: the surfaces asked for above must not hold the sweep in the queue.
    for (const job of lab.service.lab.listJobs()) if (job.state === 'running' || job.state === 'queued') lab.service.lab.cancelJob(job.id);
    await expect.poll(() => lab.service.lab.listJobs().every((j) => j.state !== 'running' && j.state !== 'queued'), { timeout: 60_000 }).toBe(true);
    const { page, errors } = await lab.open({ viewport: { width: 1280, height: 800 } });
    await expect.poll(() => page.getByTestId('experiment-item').count()).toBeGreaterThan(0);
    const before = await page.getByTestId('experiment-item').count();
    const sweepJob = await call<JobInfo>('jobs.sweep', { spec: { name: 'long sweep', base: { ...HINGE, model: { hidden: [32, 32], activation: 'tanh' }, steps: 10_000_000 }, grid: { 'optimizer.lr': [0.001, 0.01] }, seeds: 2 } });
    await expect.poll(() => page.getByTestId('experiment-item').count(), { timeout: 30_000 }).toBe(before + 1);
    expect(await page.getByTestId('experiment-item').first().textContent()).toMatch(/long sweep/);
    await call('jobs.cancel', { jobId: sweepJob.id });
    await lab.finished(sweepJob.id);
    expect(errors).toEqual([]);
  });
});
