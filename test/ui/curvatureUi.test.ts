/// <reference lib="dom" />
// The Curvature panel and the race view in a real browser (Debian's Chromium, playwright-core)
// against the real bridge and service on a temporary database: the Hessian at the three points, the
// zeros at the optimum and the symmetries behind them, the spectrum's CSV, the convexity map; the
// race's map, slider, play/pause, legend, linked loss curves and PNG-frame export; the race preset.
// Screenshots go to test-artifacts/; `npm run screenshots` writes curvature.png and race.png to docs/.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../main/workers/pool.js';
import { experimentLandscape, saveRun } from '../../main/lab/experiments.js';
import { race, saveRace } from '../../main/lab/race.js';
import { RENDERER_ROOT } from '../../main/bridge/serve.js';
import { startBridge, type Bridge } from '../../main/bridge/server.js';
import { LabChannels } from '../../main/lab/channels.js';
import { Lab } from '../../main/lab/lab.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { config, train } from '../support/helpers.js';
import { canvasInk, launchChromium } from '../support/browser.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
/** Where the README's curvature.png and race.png go: docs/ for `npm run screenshots`, else with the other artifacts. */
const shots = process.env.LAB_SCREENSHOTS === 'docs' ? fileURLToPath(new URL('../../docs/', import.meta.url)) : artifacts;
let browser: Browser;
let bridge: Bridge;
let store: ExperimentStore;
let pool: WorkerPool;
let runId: number;
let raceId: number;
const dir = mkdtempSync(join(tmpdir(), 'lab-curvature-ui-'));

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  store = openStore(join(dir, 'lab.sqlite'));
  pool = new WorkerPool(2);
  // The tutorial's run, with a stored surface around the trained network; and a short race.
  const tutorial = config({ optimizer: { kind: 'adam', lr: 0.003, beta1: 0.95, beta2: 0.9 } });
  runId = saveRun(store, await train(tutorial), 'Hinge, Adam');
  await experimentLandscape(store, runId, { center: 'trained', axes: 'plane', res: 33, span: 'auto' });
  const short = config({ steps: 1500, record: { snapshots: 31 } });
  raceId = saveRace(store, short, await race(short));
  bridge = await startBridge({ channels: new LabChannels(new Lab({ database: join(dir, 'lab.sqlite'), store, pool }), 'browser'), root: RENDERER_ROOT });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  await pool?.close();
  store?.db.close();
});

async function openExperiment(page: Page, id: number) {
  const name = store.summary(id).name;
  await page.getByTestId('experiment-item').getByRole('button', { name: `#${id} ${name}` }).click();
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

describe('the Curvature panel', () => {
  it('shows the Hessian at init, trained and optimum, the rescaling zeros at the optimum, the spectrum CSV and the convexity map', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(bridge.url);
    await openExperiment(page, runId);
    const optimum = page.getByTestId('curvature-optimum');
    await expect.poll(() => optimum.getByTestId('curvature-near-zero').textContent(), { timeout: 30_000 }).toBe('3 of 7 eigenvalues near zero');
    await expect.poll(() => page.getByTestId('curvature-init').getByTestId('curvature-near-zero').textContent()).toBe('0 of 7 eigenvalues near zero');
    await expect.poll(() => page.getByTestId('curvature-trained').getByTestId('curvature-trace').textContent()).toMatch(/^\d/);
    // Seven stems; the three zeros hollow.
    expect(await optimum.locator('[data-testid=curvature-spectrum] circle').count()).toBe(7);
    expect(await optimum.locator('[data-testid=curvature-spectrum] circle.zero').count()).toBe(3);
    const symmetries = await optimum.getByTestId('curvature-symmetries').locator('li').allTextContents();
    expect(symmetries.filter((s) => s.endsWith('a zero eigenvalue it explains'))).toHaveLength(2);
    // At init (no critical point) the rescaling's tangent line bends, and the card says it is the
    // line that bends while the cost along the rescaling curve stays flat.
    const atInit = await page.getByTestId('curvature-init').getByTestId('curvature-symmetries').locator('li').allTextContents();
    expect(atInit).toHaveLength(2);
    for (const line of atInit) {
      expect(line).toMatch(/^h1\[\d\]: the cost is constant along the curve \(c·w_in, w_out\/c\), c > 0, where its curvature is \S+ ≈ 0; its tangent line leaves the curve and bends by -?[\d.]+ here, through the gradient/);
      expect(line).not.toContain('changes nothing');
    }

    const [download] = await Promise.all([page.waitForEvent('download'), optimum.getByRole('button', { name: 'Spectrum CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`spectrum-${runId}-optimum.csv`);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('index,eigenvalue,"W1[0,0]","W1[0,1]",b1[0],b1[1],"W2[0,0]","W2[1,0]",b2[0]');
    expect(csv).toHaveLength(8);
    const eigenvalues = csv.slice(1).map((line) => Number(line.split(',')[1]));
    expect(eigenvalues.filter((v) => Math.abs(v) < 1e-6 * eigenvalues[6])).toHaveLength(3);

    await page.getByTestId('convexity-compute').click();
    await expect.poll(() => page.getByTestId('convexity-summary').textContent(), { timeout: 30_000 }).toMatch(/^\s*Negative curvature at \d+% of the 33×33 points/);
    const ink = await canvasInk(page, '[data-testid=convexity-map]');
    expect(ink.inked).toBeGreaterThan(0.3);
    expect(ink.colours).toBeGreaterThan(50);
    // The 3D surface coloured by the same map.
    await page.waitForSelector('[data-testid=convexity-3d][data-state=ready]', { timeout: 30_000 });
    expect((await canvasInk(page, '[data-testid=convexity-3d] canvas')).colours).toBeGreaterThan(50);
    // The whole panel in the window, below the header, its 3D view drawn: the README's picture.
    await page.setViewportSize({ width: 1600, height: 2200 });
    await page.getByTestId('curvature-panel').evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await page.waitForSelector('[data-testid=convexity-3d][data-state=ready]');
    await page.waitForTimeout(500);
    await page.getByTestId('curvature-panel').screenshot({ path: join(shots, 'curvature.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

describe('the race view', () => {
  it('draws every trajectory, moves all markers with the slider and play/pause, links the loss curves, exports frames', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    const errors = watchErrors(page);
    await page.goto(bridge.url);
    await openExperiment(page, raceId);
    const view = page.getByTestId('race-view');
    await view.waitFor();
    await expect.poll(() => view.getByTestId('race-legend').locator('li').count()).toBe(5);
    await expect.poll(async () => (await canvasInk(page, '[data-testid=race-map]')).colours, { timeout: 30_000 }).toBeGreaterThan(50);
    await page.waitForSelector('[data-testid=race-3d][data-state=ready]', { timeout: 30_000 });
    expect((await canvasInk(page, '[data-testid=race-3d] canvas')).colours).toBeGreaterThan(50);

    // At step 0 every optimizer stands on the shared init, with the same loss.
    await view.getByTestId('race-step').fill('0');
    expect(await view.getByTestId('race-step-label').textContent()).toBe('0');
    const atStart = await view.getByTestId('race-loss').allTextContents();
    expect(new Set(atStart)).toEqual(new Set(['J = 0.435']));
    const cursorAt = () => view.getByTestId('race-cursor').getAttribute('x1');
    const x0 = await cursorAt();

    await view.getByTestId('race-play').click();
    await expect.poll(async () => Number(await view.getByTestId('race-step-label').textContent()), { timeout: 10_000 }).toBeGreaterThan(200);
    await view.getByRole('button', { name: 'Pause' }).click();
    const paused = await view.getByTestId('race-step-label').textContent();
    await page.waitForTimeout(300);
    expect(await view.getByTestId('race-step-label').textContent()).toBe(paused);
    expect(await cursorAt()).not.toBe(x0);
    const later = await view.getByTestId('race-loss').allTextContents();
    expect(new Set(later).size).toBeGreaterThan(1);

    // A click on the loss curves moves the slider to that step (the chart spans steps 0…1500).
    const chart = view.getByTestId('race-loss-chart');
    const box = (await chart.boundingBox())!;
    const scale = box.width / 640;
    await chart.click({ position: { x: (52 + (640 - 52 - 12) * (1000 / 1500)) * scale, y: box.height / 2 } });
    expect(await view.getByTestId('race-step-label').textContent()).toBe('1000');
    // The whole view in the window, below the header: the README's picture.
    await page.setViewportSize({ width: 1600, height: 2200 });
    await view.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.waitForTimeout(500);
    await view.screenshot({ path: join(shots, 'race.png') });
    // Frames are drawn at the window's own size: back to the test's, or a loaded machine takes minutes.
    await page.setViewportSize({ width: 1600, height: 1000 });

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 180_000 }), view.getByTestId('race-frames').click()]);
    expect(download.suggestedFilename()).toBe(`race-${raceId}-frames.zip`);
    const zip = readFileSync((await download.path())!);
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    // The end record counts the entries: one PNG per snapshot.
    expect(zip.readUInt16LE(zip.length - 22 + 10)).toBe(31);
    expect(zip.includes(Buffer.from('race-30.png'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('the preset "The five optimizers on one surface" trains a race and opens it', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(bridge.url);
    await page.getByRole('button', { name: 'Tutorial presets' }).click();
    await page.getByRole('button', { name: 'Run race: The five optimizers on one surface' }).click();
    const view = page.getByTestId('race-view');
    await view.waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await view.getByTestId('race-legend').locator('li').allTextContents()).map((t) => t.trim())).toEqual([
      expect.stringMatching(/^sgd\s*lr 0\.1/),
      expect.stringMatching(/^momentum\s*lr 0\.003/),
      expect.stringMatching(/^rmsprop\s*lr 0\.001/),
      expect.stringMatching(/^momentum-rmsprop\s*lr 0\.0001/),
      expect.stringMatching(/^adam\s*lr 0\.003/),
    ]);
    expect(store.list().filter((e) => e.tags.includes('race')).length).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('"Race the optimizers" races an open run\'s config, its own optimizer keeping its settings', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(bridge.url);
    await openExperiment(page, runId);
    await page.getByTestId('race-this').click();
    const view = page.getByTestId('race-view');
    await view.waitFor({ timeout: 60_000 });
    const legend = view.getByTestId('race-legend');
    await expect.poll(() => legend.locator('li').count()).toBe(5);
    expect((await legend.locator('li[data-optimizer=adam]').textContent())?.trim()).toMatch(/^adam\s*lr 0\.003/);
    expect(store.list().filter((e) => e.tags.includes('race')).length).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
