/// <reference lib="dom" />
// A sweep's run, picked in the app by its cell and its seed (issue 23): the cells come a page at a
// time, labelled with their rounded values; the seed field takes 0 … seeds − 1 and says so otherwise;
// the picked run is the one shown (its label, its final loss). A sweep of 250 cells × 4 seeds, stored
// for real, in Chromium against a real lab.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigSweepLoss, storeBigSweep } from '../support/bigSweep.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

let lab: BrowserLab;
let id: number;

beforeAll(async () => {
  lab = await openBrowserLab('sweep-picker', 1);
  id = await storeBigSweep(lab.store, 250, 4);
}, 120_000);
afterAll(() => lab?.close());

describe("a sweep's run picker", () => {
  it('picks a cell from its page and a seed, and shows that run; an out-of-range seed is refused in words', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 } });
    await page.locator('[data-testid=experiment-item] button.open').filter({ hasText: new RegExp(`#${id}\\b`) }).click();
    const picker = page.getByTestId('sweep-cell-picker');
    await expect.poll(() => picker.locator('option').count()).toBe(100);
    expect(await page.getByTestId('sweep-cell-range').textContent()).toBe('cells 0–99 of 250');
    await expect.poll(() => page.getByTestId('sweep-run').getAttribute('data-run')).toBe('0');

    // The next page, by keyboard: focus › and press Enter.
    await page.getByRole('button', { name: 'Next cells' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('sweep-cell-range').textContent()).toBe('cells 100–199 of 250');
    const label = lab.store.runs(id, 130 * 4 + 3)[0].label;
    const cellLabel = label.replace(/ · seed=\d+$/, '');
    expect(cellLabel).toMatch(/^optimizer\.lr=[\d.e-]+$/);
    expect(await picker.locator('option[value="130"]').textContent()).toMatch(new RegExp(`^130: ${cellLabel.replace(/\./g, '\\.')} \\(4 of 4 runs, best 5\\.21`));
    await picker.selectOption('130');
    await expect.poll(() => page.getByTestId('sweep-run').getAttribute('data-run')).toBe('520');
    await page.getByTestId('sweep-seed').fill('3');
    await page.getByTestId('sweep-seed').press('Enter');
    await expect.poll(() => page.getByTestId('sweep-run').getAttribute('data-run')).toBe('523');
    expect(await page.getByTestId('sweep-run').textContent()).toBe(`run 523 · ${label}`);
    await expect.poll(() => page.getByTestId('experiment-detail').textContent()).toContain(`final loss ${bigSweepLoss(523).toExponential(3)}`);

    await page.getByTestId('sweep-seed').fill('4');
    await page.getByTestId('sweep-seed').press('Enter');
    await expect.poll(() => page.getByTestId('sweep-seed-problem').textContent()).toBe('seed: must be a whole number from 0 to 3 (this sweep has 4 seeds per cell; got 4)');
    expect(await page.getByTestId('sweep-run').getAttribute('data-run')).toBe('523');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
