/// <reference lib="dom" />
// The job centre in a real browser: a job main runs is listed in the header's Jobs list whichever page
// started it, comes back after a reload with its progress and a Cancel that works, and a queued job
// says what it waits for.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo, Result } from '../../shared/api.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
let lab: BrowserLab;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  lab = await openBrowserLab('job-centre', 2);
});
afterAll(() => lab?.close());

/** A run long enough to be running through the whole test (it is cancelled at the end). */
const LONG = { data: { target: { kind: 'hinge' } }, model: { hidden: [32, 32], activation: 'tanh' }, steps: 10_000_000 };

async function startRun(config: unknown): Promise<JobInfo> {
  const r = (await lab.service.call('jobs.run', { config })) as Result<JobInfo>;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('the job centre', () => {
  it('lists a job started before the page opened and after a reload, says what a queued one waits for, and cancels from any page', async () => {
    const long = await startRun(LONG);
    const queued = await startRun({ ...LONG, steps: 100 });
    await expect.poll(() => lab.updates.some((u) => u.id === long.id && u.state === 'running' && u.step > 0), { timeout: 60_000 }).toBe(true);

    const { page, errors } = await lab.open({ viewport: { width: 1280, height: 800 } });
    await expect.poll(() => page.getByTestId('job-count').textContent()).toBe('2');
    await page.getByTestId('job-centre').click();
    const rows = page.getByTestId('job-row');
    await expect.poll(() => rows.count()).toBe(2);
    const running = page.locator('[data-testid=job-row][data-state=running]');
    await expect.poll(() => running.count()).toBe(1);
    expect(await running.textContent()).toMatch(/^Training\s*(#\d+\s*)?[\d,]+\/10,000,000/);
    const waiting = page.locator('[data-testid=job-row][data-state=queued]');
    expect(await waiting.textContent()).toMatch(/waits for a run \(training, running\)/);
    // The list sits inside the window, over the views.
    const box = (await page.getByTestId('job-list').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(1280);
    await page.screenshot({ path: join(artifacts, 'job-centre-1280x800.png') });

    await page.reload();
    await page.getByTestId('job-centre').click();
    await expect.poll(() => page.locator('[data-testid=job-row][data-state=running]').count()).toBe(1);
    await page.locator('[data-testid=job-row][data-state=running] [data-testid=job-cancel]').click();
    await expect.poll(() => page.locator('[data-testid=job-row][data-kind=run]').first().getAttribute('data-state'), { timeout: 30_000 }).not.toBe('running');
    await expect.poll(() => lab.updates.filter((u) => u.id === long.id).pop()?.state, { timeout: 30_000 }).toBe('cancelled');
    // The job behind it runs now, and ends.
    await expect.poll(() => lab.updates.filter((u) => u.id === queued.id).pop()?.state, { timeout: 60_000 }).toBe('done');
    await expect.poll(() => page.getByTestId('job-count').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
