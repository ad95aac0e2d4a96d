/// <reference lib="dom" />
// The surface's parameter axes: a short network's names are picked from a list; a wider one's are
// typed, since its names are computed, never listed (shared/parameters.ts), and a list of thousands
// is unreadable. Either way the surface is drawn along the two named parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveRun } from '../../main/lab/experiments.js';
import { config, train } from '../support/helpers.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

describe('parameter axes', () => {
  let lab: BrowserLab;
  let tutorialId: number;
  let wideId: number;
  beforeAll(async () => {
    lab = await openBrowserLab('parameter-axes', 2);
    tutorialId = saveRun(lab.store, await train(config({ steps: 50 })), 'Tutorial');
    wideId = saveRun(lab.store, await train(config({ model: { hidden: [64, 64], activation: 'tanh' }, steps: 50 })), 'Wide');
  }, 180_000);
  afterAll(() => lab?.close());

  async function openAt(id: number) {
    const { page, errors } = await lab.open({ viewport: { width: 1280, height: 800 } });
    await page.locator('[data-testid=experiment-item] button.open').filter({ hasText: new RegExp(`#${id}\\b`) }).click();
    await page.getByTestId('surface-axes').selectOption('params');
    return { page, errors };
  }

  it('lists the tutorial network’s 7 parameters to pick from', async () => {
    const { page, errors } = await openAt(tutorialId);
    const a = page.getByTestId('surface-param-a');
    expect(await a.evaluate((e) => e.tagName)).toBe('SELECT');
    expect(await a.locator('option').allTextContents()).toEqual(['W1[0,0]', 'W1[0,1]', 'b1[0]', 'b1[1]', 'W2[0,0]', 'W2[1,0]', 'b2[0]']);
    expect(await page.getByTestId('surface-param-b').inputValue()).toBe('W1[0,1]');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('takes a typed name for a network of 4,353 parameters, and draws the surface along it', async () => {
    const { page, errors } = await openAt(wideId);
    const b = page.getByTestId('surface-param-b');
    expect(await b.evaluate((e) => e.tagName)).toBe('INPUT');
    expect(await page.getByTestId('surface-param-a').inputValue()).toBe('W1[0,0]');
    expect(await b.inputValue()).toBe('W1[0,1]');
    await b.fill('W3[17,0]');
    await page.getByTestId('surface-recompute').click();
    await expect.poll(() => lab.store.get(wideId).surfaces.some((s) => s.axes.kind === 'params' && s.axes.names.join() === 'W1[0,0],W3[17,0]'), { timeout: 120_000, interval: 500 }).toBe(true);
    expect(await b.inputValue()).toBe('W3[17,0]');
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
