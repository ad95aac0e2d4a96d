/// <reference lib="dom" />
// The dark theme, walked (issue 20): every panel and dialog at 1280×800 and 1600×1000 with the OS in
// dark mode, and once in light mode. Every visible text has the contrast WCAG AA asks (4.5:1) against
// what is behind it, and every chart is drawn on the page's own background (no light canvas on a dark
// page). The screenshots land in test-artifacts/ (dark-*.png, light-*.png) for a reader to look at.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import { presetByName, presetConfig } from '../../shared/presets.js';
import { saveRun } from '../../main/lab/experiments.js';
import { train } from '../support/helpers.js';
import { openBrowserLab, seedEveryKind, type BrowserLab } from '../support/labPage.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const WALKS = [
  ['dark', 1280, 800],
  ['dark', 1600, 1000],
  ['light', 1280, 800],
] as const;
let lab: BrowserLab;
let runId: number;
let raceId: number;
let sweepId: number;
let classId: number;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  lab = await openBrowserLab('dark', 2);
  ({ runId, raceId, sweepId } = await seedEveryKind(lab));
  classId = saveRun(lab.store, await train(parseConfig({ ...presetConfig(presetByName('classification')), steps: 300 })), 'Spiral');
}, 300_000);
afterAll(() => lab?.close());

/**
 * Every visible text whose contrast against the background behind it (the first opaque one up the
 * tree, with translucent ones composited over it) is below `min`: what a reader cannot make out.
 * Disabled controls are exempt (WCAG), and so are texts over a canvas, which the canvas check covers.
 */
function lowContrast(page: Page, min = 4.5): Promise<string[]> {
  return page.evaluate((min) => {
    const parse = (c: string): [number, number, number, number] => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    };
    const over = (top: number[], under: number[]) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3]));
    const luminance = (rgb: number[]) => {
      const [r, g, b] = rgb.map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (el: Element): number[] => {
      const layers: number[][] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let rgb = parse(getComputedStyle(document.documentElement).backgroundColor);
      if (rgb[3] === 0) rgb = [255, 255, 255, 1];
      let out = rgb.slice(0, 3);
      for (const l of layers.reverse()) out = over(l, out);
      return out;
    };
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set<Element>();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || seen.has(el) || !(n.textContent ?? '').trim()) continue;
      seen.add(el);
      if (el.closest('.visually-hidden, .katex-mathml, [hidden], :disabled, option, script, style')) continue;
      if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || box.bottom < 0 || box.top > innerHeight || box.right < 0 || box.left > innerWidth) continue;
      const style = getComputedStyle(el);
      const fg = parse(el instanceof SVGElement ? style.fill : style.color);
      const bg = background(el);
      const text = over(fg, bg);
      const [a, b] = [luminance(text), luminance(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      if (ratio < min) found.push(`${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').split(' ')[0]} "${(n.textContent ?? '').trim().slice(0, 40)}": ${ratio.toFixed(2)} (${style.color} on rgb(${bg.map(Math.round).join(' ')}))`);
    }
    return found;
  }, min);
}

/**
 * Every visible 2D canvas whose edge — a chart's margin, never its data — is neither transparent nor
 * near the page's background: a chart drawn on a light ground of its own on a dark page.
 */
function lightCanvases(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const rgb = (c: string) => (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    const bg = rgb(getComputedStyle(document.body).backgroundColor);
    const found: string[] = [];
    for (const canvas of Array.from(document.querySelectorAll('canvas'))) {
      const box = canvas.getBoundingClientRect();
      if (!canvas.checkVisibility() || box.width < 40 || box.height < 40 || canvas.width === 0) continue;
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) continue;
      const { width: w, height: h } = canvas;
      const edge = [ctx.getImageData(0, 0, w, 1), ctx.getImageData(0, h - 1, w, 1), ctx.getImageData(0, 0, 1, h), ctx.getImageData(w - 1, 0, 1, h)];
      let off = 0;
      let all = 0;
      for (const { data } of edge) {
        for (let i = 0; i < data.length; i += 4) {
          all++;
          if (data[i + 3] > 128 && Math.max(...[0, 1, 2].map((c) => Math.abs(data[i + c] - bg[c]))) > 48) off++;
        }
      }
      if (off > 0.5 * all) found.push(`canvas in ${canvas.parentElement?.getAttribute('data-testid') ?? canvas.parentElement?.className}: ${Math.round((100 * off) / all)}% of its edge is not the page's background`);
    }
    return found;
  });
}

async function openExperiment(page: Page, id: number): Promise<void> {
  await page.locator('[data-testid=experiment-item] button.open').filter({ hasText: new RegExp(`#${id}\\b`) }).click();
  await expect.poll(() => page.locator('main h2').first().textContent()).toMatch(new RegExp(`^#${id} `));
}

describe.each(WALKS)('%s, at %i×%i', (scheme, width, height) => {
  it('every panel and dialog: all visible text readable, every chart on the page\'s background', async () => {
    const { page, errors } = await lab.open({ viewport: { width, height }, colorScheme: scheme });
    const problems: string[] = [];
    const check = async (what: string) => {
      await page.screenshot({ path: join(artifacts, `${scheme}-${what}-${width}x${height}.png`) });
      for (const p of await lowContrast(page)) problems.push(`${what}: ${p}`);
      for (const p of await lightCanvases(page)) problems.push(`${what}: ${p}`);
    };
    await page.waitForSelector('[data-testid=experiment-item]');
    await check('start');

    await page.getByText('Sweep over fields…').click();
    await page.getByTestId('run-sweep').waitFor();
    await check('sweep-editor');
    await page.getByTestId('run-on-cluster').click();
    const dialog = page.getByTestId('cluster-dialog');
    await dialog.getByLabel('folder').fill(`cluster/${scheme}-${width}`);
    await page.getByTestId('cluster-write').click();
    await page.getByTestId('cluster-commands').waitFor();
    await check('cluster-dialog');
    await page.keyboard.press('Escape');
    await page.getByTestId('import-cluster').click();
    await dialog.getByLabel('folder').fill(`cluster/${scheme}-${width}`);
    await page.getByTestId('cluster-status').click();
    await page.getByTestId('shard-progress').waitFor();
    await check('cluster-import');
    await page.keyboard.press('Escape');

    // An error, said in a toast.
    await page.getByRole('button', { name: `Rename experiment #${runId}` }).click();
    await page.getByLabel(`New name for experiment #${runId}`).fill('');
    await page.keyboard.press('Enter');
    await page.getByTestId('toast-error').waitFor();
    await check('toast');
    await page.keyboard.press('Escape');

    await page.getByTestId('job-centre').click();
    await page.getByTestId('job-list').waitFor();
    await check('job-list');
    await page.getByTestId('job-centre').click();

    await page.getByRole('button', { name: 'Theory', exact: true }).click();
    await page.getByTestId('theory').waitFor();
    await check('theory');
    await page.keyboard.press('Escape');

    await openExperiment(page, runId);
    await page.waitForSelector('[data-testid=view-trained][data-state=ready]', { timeout: 60_000 });
    await expect.poll(() => page.getByTestId('curvature-optimum').getByTestId('curvature-near-zero').count(), { timeout: 30_000 }).toBe(1);
    await check('run');
    await page.getByTestId('surface-display').click();
    await page.getByTestId('surface-colormap').waitFor();
    await check('run-display');
    await page.getByTestId('surface-display').click();
    await page.getByTestId('curvature-panel').scrollIntoViewIfNeeded();
    await page.getByTestId('convexity-compute').click();
    await page.waitForSelector('[data-testid=convexity-3d][data-state=ready]', { timeout: 60_000 });
    await page.getByTestId('curvature-panel').scrollIntoViewIfNeeded();
    await check('curvature');

    await openExperiment(page, classId);
    await page.getByTestId('boundary-chart').waitFor({ timeout: 30_000 });
    await page.getByTestId('boundary-chart').scrollIntoViewIfNeeded();
    await check('classification');

    await openExperiment(page, raceId);
    await page.waitForSelector('[data-testid=race-3d][data-state=ready]', { timeout: 60_000 });
    await check('race');

    await openExperiment(page, sweepId);
    await page.getByTestId('sweep-cell').first().waitFor();
    await check('sweep');
    await page.getByTestId('sweep-cell').first().scrollIntoViewIfNeeded();
    await check('sweep-table');

    await page.getByRole('button', { name: 'Delete experiment' }).first().click();
    await check('confirm-delete');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Basics' }).click();
    for (const tab of ['Neurons', 'Costs', 'Backpropagation', 'Linear regions']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.locator('[role=tabpanel]:not([hidden])').waitFor();
      await expect.poll(() => page.locator('[role=tabpanel]:not([hidden])').getByText(/computing/i).count(), { timeout: 60_000 }).toBe(0);
      await check(`basics-${tab.split(' ')[0].toLowerCase()}`);
    }
    await page.getByRole('button', { name: 'Tutorial presets' }).click();
    await page.getByRole('button', { name: /^Run race/ }).first().waitFor();
    await check('presets');
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
