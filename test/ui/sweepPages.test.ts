/// <reference lib="dom" />
// A sweep of more cells than a page (issue 23): the app is sent one page of the cells' statistics, and
// the sweep view pages its table and its chart through them, by mouse or keyboard, saying which cells
// it shows. A sweep of 2,000 cells × 1 seed (two pages), stored for real, in Chromium against a real lab.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATS_PAGE } from '../../shared/sweepStats.js';
import { formatValue } from '../../renderer/src/lib/format.js';
import { bigSweepLoss, storeBigSweep } from '../support/bigSweep.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

let lab: BrowserLab;
let id: number;

beforeAll(async () => {
  lab = await openBrowserLab('sweep-pages', 1);
  id = await storeBigSweep(lab.store, 2000, 1);
}, 120_000);
afterAll(() => lab?.close());

describe("a big sweep's statistics, a page at a time", () => {
  it('shows the first page of cells, turns to the next by keyboard and back by mouse, the chart following', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
    await page.locator('[data-testid=experiment-item] button.open').filter({ hasText: new RegExp(`#${id}\\b`) }).click();
    const view = page.getByTestId('sweep-view');
    const rows = view.getByTestId('sweep-cell');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(STATS_PAGE);
    expect(await view.locator('.summary').textContent()).toMatch(/^\s*2000 cells × 1 seeds · 2000 of 2000 runs stored/);
    expect(await view.getByTestId('sweep-stats-range').textContent()).toBe('cells 0–999 of 2,000');
    expect(await view.getByTestId('sweep-chart-caption').textContent()).toBe('Final loss (median, IQR band) against optimizer.lr · cells 0–999 of 2,000');
    expect(await view.getByTestId('sweep-page-note').textContent()).toContain('show cells 0–999 of 2,000');
    expect(await view.getByRole('button', { name: 'Previous page of cells' }).isDisabled()).toBe(true);
    // The first page's first row is cell 0 (data.n = 20, the least lr), with its own final loss.
    expect(await rows.first().locator('td').nth(0).textContent()).toBe('20');
    expect(await rows.first().locator('td').nth(3).textContent()).toBe(formatValue(bigSweepLoss(0)));

    await view.getByRole('button', { name: 'Next page of cells' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => view.getByTestId('sweep-stats-range').textContent()).toBe('cells 1,000–1,999 of 2,000');
    expect(await rows.count()).toBe(STATS_PAGE);
    expect(await rows.first().locator('td').nth(0).textContent()).toBe('21');
    expect(await view.getByTestId('sweep-chart-caption').textContent()).toContain('· cells 1,000–1,999 of 2,000');
    expect(await view.getByRole('button', { name: 'Next page of cells' }).isDisabled()).toBe(true);
    // A row of this page opens its cell's run: cell 1,000's is run 1,000.
    await rows.first().click();
    await expect.poll(() => page.getByTestId('sweep-run').getAttribute('data-run')).toBe('1000');

    await view.getByRole('button', { name: 'Previous page of cells' }).click();
    await expect.poll(() => view.getByTestId('sweep-stats-range').textContent()).toBe('cells 0–999 of 2,000');
    expect(await rows.first().locator('td').nth(0).textContent()).toBe('20');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
