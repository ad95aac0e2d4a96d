/// <reference lib="dom" />
// The lab in a real browser (Debian's Chromium, driven by playwright-core) against the real bridge
// and service on a temporary database: run the default experiment, watch the three cost surfaces
// draw (pixels, not just canvases), reload, reopen from the library without recomputing, use the
// form's inline validation and the library — with no console errors. Screenshots go to
// test-artifacts/.
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../shared/presets.js';
import { canvasInk } from '../support/browser.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
let lab: BrowserLab;
const VIEWS = ['view-init', 'view-trained', 'view-optimum'] as const;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  lab = await openBrowserLab('ui', 2);
});
afterAll(() => lab?.close());

async function expectSurfacesDrawn(page: Page): Promise<void> {
  for (const view of VIEWS) {
    await page.waitForSelector(`[data-testid=${view}][data-state=ready]`, { timeout: 120_000 });
    const ink = await canvasInk(page, `[data-testid=${view}] canvas`);
    expect(ink.width).toBeGreaterThan(100);
    // A coloured surface, not a cleared canvas: a good share of the pixels, in many colours.
    expect(ink.inked).toBeGreaterThan(0.03);
    expect(ink.colours).toBeGreaterThan(50);
  }
}

describe('the lab in a browser', () => {
  it('runs the default experiment, draws the three surfaces and the charts, reloads and reopens without recomputing', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    await expect.poll(() => page.getByText('No experiments yet').count()).toBe(1);
    await page.getByLabel('learning rate').focus();
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('[data-testid=progress][data-kind=run]');
    await page.waitForSelector('[data-testid=experiment-item]', { timeout: 60_000 });
    await expectSurfacesDrawn(page);
    await page.waitForSelector('[data-testid=progress][data-state=done]');

    // The loss curve and the fit are drawn too.
    expect((await canvasInk(page, '[data-testid=loss-chart] canvas')).inked).toBeGreaterThan(0.01);
    expect((await canvasInk(page, '[data-testid=fit-chart] canvas')).inked).toBeGreaterThan(0.01);
    await expect.poll(() => page.getByTestId('fit-flags').textContent()).toMatch(/No dead or symmetric units/);

    await page.screenshot({ path: join(artifacts, 'lab-after-run.png'), fullPage: true });
    await page.getByTestId('view-trained').screenshot({ path: join(artifacts, 'view-trained.png') });

    // Hovering the trained surface reads out α, β and J there.
    // (The middle of the canvas may look down the funnel past the mesh, so try a few points.)
    const box = (await page.locator('[data-testid=view-trained] canvas').boundingBox())!;
    const readouts: string[] = [];
    for (const [fx, fy] of [[0.4, 0.4], [0.6, 0.3], [0.3, 0.5], [0.5, 0.5]]) {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 3 });
      const text = (await page.getByTestId('view-trained').textContent()) ?? '';
      const m = /α (-?[\d.e-]+), β (-?[\d.e-]+), J ([\d.e+-]+)/.exec(text);
      if (m) readouts.push(m[0]);
    }
    expect(readouts.length).toBeGreaterThan(0);
    await page.mouse.move(0, 0);

    const [experiment] = lab.store.list();
    expect(experiment.status).toBe('done');
    expect(lab.store.get(experiment.id).surfaces.map((s) => s.center).sort()).toEqual(['init', 'optimum', 'trained']);

    // Reload and reopen: every view comes back from storage, and nothing is recomputed.
    await page.reload();
    await page.getByTestId('experiment-item').first().getByRole('button', { name: `#${experiment.id} ${experiment.name}` }).click();
    await expectSurfacesDrawn(page);
    expect((await canvasInk(page, '[data-testid=loss-chart] canvas')).inked).toBeGreaterThan(0.01);
    expect(lab.store.get(experiment.id).surfaces).toHaveLength(3);
    await expect.poll(() => page.getByTestId('experiment-detail').textContent()).toMatch(/^done · kernel js \(js\) · 1 run\(s\) · 3 surface\(s\)/);
    await page.screenshot({ path: join(artifacts, 'lab-reopened.png'), fullPage: true });

    // The trained view's surface as VTK PolyData for ParaView: 64 × 64 points, J as point data.
    const trainedView = page.getByTestId('view-trained');
    await trainedView.getByLabel('Export After training').click();
    const [vtp] = await Promise.all([page.waitForEvent('download'), trainedView.getByRole('button', { name: 'VTK PolyData (.vtp)' }).click()]);
    expect(vtp.suggestedFilename()).toMatch(/\.vtp$/);
    const vtpText = readFileSync((await vtp.path())!, 'utf8');
    expect(vtpText).toMatch(/<VTKFile type="PolyData"/);
    expect(vtpText).toMatch(/NumberOfPoints="4096"/);

    // Other axes and resolution, recomputed by main on request: the views follow.
    await page.getByTestId('surface-axes').selectOption('pca');
    await page.getByTestId('surface-res').selectOption('32');
    await page.getByTestId('surface-recompute').click();
    await expect.poll(() => lab.store.get(experiment.id).surfaces.length, { timeout: 60_000 }).toBe(6);
    await expect.poll(() => trainedView.textContent(), { timeout: 30_000 }).toMatch(/PC1 of the trajectory/);
    await expectSurfacesDrawn(page);

    // The trained network out as a TensorFlow.js model: two files.
    const downloads: string[] = [];
    page.on('download', (d) => downloads.push(d.suggestedFilename()));
    await page.getByRole('button', { name: 'Export model' }).click();
    await expect.poll(() => [...downloads].sort()).toEqual(['model.json', 'weights.bin']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('validates the form inline, and renames, exports, imports and deletes with confirmation', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    await page.waitForSelector('[data-testid=experiment-item]');

    // A bad learning rate is named under its field and Run is disabled; nothing runs.
    const lr = page.getByLabel('learning rate');
    await lr.fill('-1');
    await expect.poll(() => page.getByText('must be more than 0 (got -1)', { exact: true }).count()).toBe(1);
    expect(await lr.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('run').isDisabled()).toBe(true);
    await page.keyboard.press('Control+Enter');
    expect(lab.store.list()).toHaveLength(1);
    await page.screenshot({ path: join(artifacts, 'form-error.png') });
    await lr.fill('0.003');
    expect(await page.getByTestId('run').isDisabled()).toBe(false);

    // A CSV of your own: a bad row is named, a good file becomes the data.
    writeFileSync(join(lab.dir, 'bad.csv'), 'x,y\n0,1\n1,oops\n');
    await page.setInputFiles('input[type=file][aria-label="Load a CSV of x, y points"]', join(lab.dir, 'bad.csv'));
    await expect.poll(() => page.getByText('bad.csv line 3: y is not a number ("oops")').count()).toBe(1);
    writeFileSync(join(lab.dir, 'mine.csv'), 'x;y\n-1;0.5\n0;0\n0.5;0.25\n1;1\n');
    await page.setInputFiles('input[type=file][aria-label="Load a CSV of x, y points"]', join(lab.dir, 'mine.csv'));
    await expect.poll(() => page.getByTestId('csv-note').textContent()).toBe('4 points from mine.csv');
    expect(await page.getByLabel('target', { exact: true }).inputValue()).toBe('points');
    expect(await page.getByTestId('run').isDisabled()).toBe(false);
    await page.getByLabel('target', { exact: true }).selectOption('hinge');

    // Rename with Enter.
    const id = lab.store.list()[0].id;
    await page.getByRole('button', { name: `Rename experiment #${id}` }).click();
    await page.getByLabel(`New name for experiment #${id}`).fill('hinge, Adam');
    await page.keyboard.press('Enter');
    await expect.poll(() => lab.store.summary(id).name).toBe('hinge, Adam');

    // Export, then import the file back: a second experiment.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Export experiment #${id}` }).click()]);
    expect(download.suggestedFilename()).toBe(`experiment-${id}.lab.json`);
    const file = join(lab.dir, 'exported.lab.json');
    await download.saveAs(file);
    // Streamed by serve from a file it wrote (format 2: a header, the experiment, its records, the end).
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ format: 'landscape-lab', version: 2 });
    expect(JSON.parse(lines.at(-1)!)).toEqual({ end: { experiments: 1 } });
    await page.setInputFiles('input[type=file][aria-label="Import experiments"]', file);
    // The import runs in a thread of its own, which takes a second or two to start from the TypeScript sources.
    await expect.poll(() => page.getByTestId('experiment-item').count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('imported 1 experiment from exported.lab.json');
    const imported = lab.store.list().find((e) => e.id !== id)!.id;
    // A file larger than any message (65 MiB) is uploaded to serve, and refused as what it is, by its name.
    const big = join(lab.dir, 'big.lab.json');
    writeFileSync(big, '');
    truncateSync(big, 65 * 2 ** 20);
    await page.setInputFiles('input[type=file][aria-label="Import experiments"]', big);
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toBe('big.lab.json: not a Landscape Lab export (its first line must be {"format":"landscape-lab","version":2,…})');
    expect(lab.store.list()).toHaveLength(2);

    // Two experiments checked: both curves are overlaid, with a legend.
    await page.getByLabel(new RegExp(`^Overlay curves: #${id} `)).check();
    await page.getByLabel(new RegExp(`^Overlay curves: #${imported} `)).check();
    await expect.poll(() => page.getByTestId('loss-chart').textContent()).toMatch(new RegExp(`#${id} hinge, Adam.*#${imported} `, 's'));

    // Search narrows the list; delete asks first, and Cancel keeps it.
    await page.getByLabel('Search experiments').fill(`#${imported}`);
    await expect.poll(() => page.getByTestId('experiment-item').count()).toBe(1);
    await page.getByRole('button', { name: `Delete experiment #${imported}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(lab.store.list()).toHaveLength(2);
    await page.getByRole('button', { name: `Delete experiment #${imported}` }).click();
    await expect.poll(() => page.getByRole('dialog').textContent()).toMatch(/cannot be undone/);
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => lab.store.list().length).toBe(1);
    await page.getByLabel('Search experiments').fill('');
    await expect.poll(() => page.getByTestId('experiment-item').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('grows the loss curve live while training, and Esc cancels, keeping what was trained', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 } });
    await page.waitForSelector('[data-testid=experiment-item]');
    const before = lab.store.list().length;
    await page.getByLabel('steps').fill('5000000');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByTestId('loss-chart').textContent(), { timeout: 30_000 }).toMatch(/training…/);
    const first = await canvasInk(page, '[data-testid=loss-chart] canvas');
    await expect.poll(async () => (await canvasInk(page, '[data-testid=loss-chart] canvas')).inked, { timeout: 30_000 }).not.toBe(first.inked);
    expect(await page.getByTestId('cancel').isDisabled()).toBe(false);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=progress][data-state=cancelled]', { timeout: 30_000 });
    await expect.poll(() => lab.store.list().length).toBe(before + 1);
    const cancelled = lab.store.list().find((e) => e.status === 'cancelled')!;
    expect(lab.store.get(cancelled.id).runList[0].stepsDone).toBeGreaterThan(0);
    expect(lab.store.get(cancelled.id).runList[0].stepsDone).toBeLessThan(5_000_000);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows a dark OS theme', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 }, colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(22, 24, 29)');
    const done = lab.store.list().find((e) => e.status === 'done')!;
    await page.getByRole('button', { name: `#${done.id} ${done.name}` }).click();
    await expectSurfacesDrawn(page);
    await page.screenshot({ path: join(artifacts, 'lab-dark.png'), fullPage: true });
    // The controls say how the surfaces on screen were made (PCA at 32², from the first test).
    expect(await page.getByTestId('surface-axes').inputValue()).toBe('pca');
    expect(await page.getByTestId('surface-res').inputValue()).toBe('32');

    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs a preset and a preset sweep from the gallery, opens a sweep cell, and shows the basics', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 } });
    await page.getByRole('button', { name: 'Tutorial presets' }).click();
    await expect.poll(() => page.getByTestId('preset-card').count()).toBe(PRESETS.length);

    // One click runs the tutorial's symmetric-neurons experiment; the fit flags the symmetric pair.
    await page.getByRole('button', { name: 'Run: Weight initialization: symmetric neurons' }).click();
    await expectSurfacesDrawn(page);
    await expect.poll(() => page.getByTestId('fit-flags').textContent(), { timeout: 30_000 }).toMatch(/Symmetric: layer 1 units 1, 2/);
    expect(lab.store.list().some((e) => e.name === 'Weight initialization: symmetric neurons' && e.status === 'done')).toBe(true);

    // A preset sweep: stored, charted per cell; a cell opens its run.
    await page.getByRole('button', { name: 'Tutorial presets' }).click();
    await page.getByRole('button', { name: 'Run sweep: Hyperparameter: momentum' }).click();
    await page.waitForSelector('[data-testid=sweep-view] [data-testid=sweep-cell]', { timeout: 120_000 });
    const sweep = lab.store.list().find((e) => e.isSweep)!;
    expect(sweep.status).toBe('done');
    const cells = await page.getByTestId('sweep-cell').count();
    expect(cells).toBeGreaterThan(1);
    expect((await canvasInk(page, '[data-testid=sweep-view] canvas')).inked).toBeGreaterThan(0.01);
    await page.getByTestId('sweep-cell').nth(1).click();
    await expect.poll(() => page.getByTestId('sweep-cell-picker').inputValue()).toBe('1');
    // The cell's run gets its three surfaces.
    await expectSurfacesDrawn(page);
    const opened = Number(await page.getByTestId('sweep-run').getAttribute('data-run'));
    expect(lab.store.get(sweep.id).surfaces.map((s) => s.runIndex)).toEqual([opened, opened, opened]);
    await page.screenshot({ path: join(artifacts, 'sweep.png'), fullPage: true });

    // The basics: every backprop gradient agrees with its finite difference.
    await page.getByRole('button', { name: 'Basics' }).click();
    await page.getByRole('tab', { name: 'Backpropagation' }).click();
    await expect.poll(() => page.getByTestId('backprop-summary').textContent(), { timeout: 30_000 }).toMatch(/largest relative error \d\.\d+e-(\d+)/);
    expect(await page.locator('[data-testid=basics-backprop] .bad').count()).toBe(0);
    expect(await page.locator('[data-testid=basics-backprop] .ok').count()).toBeGreaterThan(10);
    await page.screenshot({ path: join(artifacts, 'basics-backprop.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('classifies 2-D data: the form switches to a valid classifier, and the decision boundary and surfaces draw', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 } });
    await page.getByLabel('target', { exact: true }).selectOption('circle');
    await expect.poll(() => page.getByLabel('output', { exact: true }).inputValue()).toBe('sigmoid');
    expect(await page.getByLabel('loss', { exact: true }).inputValue()).toBe('nll');
    await page.getByLabel('hidden widths').fill('8');
    await page.getByLabel('batch size').fill('16');
    await page.getByLabel('steps').fill('3000');
    expect(await page.getByTestId('run').isDisabled()).toBe(false);
    await page.getByTestId('run').click();
    await expectSurfacesDrawn(page);
    await page.waitForSelector('[data-testid=boundary-chart] canvas');
    await expect.poll(async () => (await canvasInk(page, '[data-testid=boundary-chart] canvas')).inked, { timeout: 30_000 }).toBeGreaterThan(0.2);
    await expect.poll(() => page.getByTestId('boundary-chart').textContent()).toMatch(/Accuracy: train 9\d/);
    await page.screenshot({ path: join(artifacts, 'classification.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('builds a sweep in the editor, cancels it with Esc, and resumes it to the end', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 } });
    await page.getByLabel('steps', { exact: true }).fill('2000000');
    await page.getByText('Sweep over fields…').click();
    await expect.poll(() => page.getByTestId('sweep-size').textContent()).toMatch(/3 cells × 3 seeds = 9 runs/);
    await page.getByTestId('run-sweep').click();
    // Cancel once the first cells are stored.
    const sweepOf = () => lab.store.list().find((e) => e.isSweep && e.name !== 'Momentum ρ' && e.status !== 'done');
    await expect.poll(() => sweepOf()?.runs ?? 0, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=progress][data-kind=sweep][data-state=cancelled]', { timeout: 30_000 });
    const id = sweepOf()!.id;
    expect(lab.store.summary(id).status).toBe('cancelled');
    const kept = lab.store.get(id).runList.map((r) => Array.from(r.params.final));
    expect(kept.length).toBeLessThan(9);
    await page.getByRole('button', { name: 'Resume sweep' }).click();
    await expect.poll(() => lab.store.summary(id).status, { timeout: 60_000 }).toBe('done');
    const runs = lab.store.get(id).runList;
    expect(runs).toHaveLength(9);
    // What was stored before the cancel is kept as it was.
    for (const before of kept) expect(runs.some((r) => Array.from(r.params.final).every((v, i) => Object.is(v, before[i])))).toBe(true);
    await page.waitForSelector('[data-testid=sweep-view] [data-testid=sweep-cell]');
    expect(await page.getByTestId('sweep-cell').count()).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('disposes each view\'s WebGL context when the experiment changes', async () => {
    const page = await lab.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const messages: string[] = [];
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(String(e)));
    await page.goto(lab.bridge.url);
    const [a, b] = lab.store.list().filter((e) => e.runs === 1 && lab.store.get(e.id).surfaces.length >= 3);
    for (let k = 0; k < 8; k++) {
      const e = k % 2 === 0 ? a : b;
      await page.getByRole('button', { name: `#${e.id} ${e.name}` }).click();
      await expect.poll(() => page.locator('main h2').first().textContent()).toBe(`#${e.id} ${e.name}`);
      await expectSurfacesDrawn(page);
    }
    // Chromium keeps at most 16 WebGL contexts and warns when it drops one: 8 × 3 views never pile up.
    expect(messages.filter((m) => /WebGL/i.test(m) && /context/i.test(m))).toEqual([]);
    expect(messages.filter((m) => m.startsWith('error'))).toEqual([]);
    expect(await page.evaluate(() => [...document.querySelectorAll('canvas')].filter((c) => c.closest('[data-testid^=view-]')).length)).toBe(3);
    await page.close();
  });
});
