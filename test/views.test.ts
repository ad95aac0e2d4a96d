/// <reference lib="dom" />
// The views as a person reads them, in a real browser (Debian's Chromium via playwright-core) against
// the real bridge and service on a temporary database, at 1600×1000 and 1280×800: one large view and
// two live thumbnails that swap on click, three different views of the default run, a read-out that
// stays in the canvas, stale views with one Recompute, progress over the whole surface job, Run in
// reach however far the page scrolls, and diverged runs that say so. The screenshots the README uses
// are written to docs/ here.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { JobInfo, Result } from '../shared/api.js';
import { WorkerPool } from '../main/jobs/pool.js';
import { RENDERER_ROOT } from '../main/serve.js';
import { startBridge, type Bridge } from '../main/server.js';
import { LabService } from '../main/service.js';
import { openStore, type ExperimentStore } from '../main/store/index.js';
import { canvasInk, launchChromium } from './browser.js';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
let browser: Browser;
let bridge: Bridge;
let store: ExperimentStore;
let pool: WorkerPool;
let service: LabService;
const dir = mkdtempSync(join(tmpdir(), 'lab-views-'));
const VIEWS = ['view-init', 'view-trained', 'view-optimum'] as const;
const SIZES = [
  { width: 1600, height: 1000 },
  { width: 1280, height: 800 },
] as const;

beforeAll(async () => {
  mkdirSync(docs, { recursive: true });
  store = openStore(join(dir, 'lab.sqlite'));
  pool = new WorkerPool(2);
  service = new LabService(store, pool, { database: join(dir, 'lab.sqlite'), mode: 'browser' });
  bridge = await startBridge({ service, root: RENDERER_ROOT });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  await pool?.close();
  store?.db.close();
});

async function openPage(size: { width: number; height: number }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: size, acceptDownloads: true });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  onTestFailed(async () => {
    await page.screenshot({ path: join(artifacts, `views-failed-${size.width}x${size.height}.png`) }).catch(() => undefined);
  });
  await page.goto(bridge.url);
  return { page, errors };
}

/** Share of a canvas's pixels that differ from its corner pixel. */
const inkedShare = async (page: Page, selector: string): Promise<number> => (await canvasInk(page, selector)).inked;

async function viewsReady(page: Page): Promise<void> {
  for (const view of VIEWS) await page.waitForSelector(`[data-testid=${view}][data-state=ready]`, { timeout: 120_000 });
}

async function width(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((e) => e.getBoundingClientRect().width);
}

/** The experiment stored last. */
function newest() {
  return store.list().reduce((a, e) => (e.id > a.id ? e : a));
}

/** Runs the form's config and waits for its experiment and its three views. */
async function runAndWait(page: Page, count: number): Promise<number> {
  await page.getByTestId('run').click();
  await expect.poll(() => store.list().length, { timeout: 60_000 }).toBe(count);
  await viewsReady(page);
  return newest().id;
}

/** Share of a canvas's pixels that change (by more than a little) when `act` runs. */
async function changedBy(page: Page, selector: string, act: () => Promise<void>): Promise<number> {
  const canvas = page.locator(selector).first();
  const grab = (compare: boolean) =>
    canvas.evaluate((c: HTMLCanvasElement, compare: boolean) => {
      const copy = document.createElement('canvas');
      copy.width = c.width;
      copy.height = c.height;
      const ctx = copy.getContext('2d')!;
      ctx.drawImage(c, 0, 0);
      const now = ctx.getImageData(0, 0, copy.width, copy.height).data;
      const w = window as unknown as { before?: Uint8ClampedArray };
      if (!compare || !w.before) {
        w.before = now;
        return 0;
      }
      const before = w.before;
      let changed = 0;
      for (let i = 0; i < now.length; i += 4) {
        if (Math.abs(before[i] - now[i]) + Math.abs(before[i + 1] - now[i + 1]) + Math.abs(before[i + 2] - now[i + 2]) > 40) changed++;
      }
      return changed / (now.length / 4);
    }, compare);
  await grab(false);
  await act();
  await page.waitForTimeout(200);
  return grab(true);
}

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe.each(SIZES)('the views at $width×$height', (size) => {
  const tag = `${size.width}x${size.height}`;

  it('the default run: a large view (≥ 60% of the centre column) and two live thumbnails, three different views, a read-out inside the canvas', async () => {
    const { page, errors } = await openPage(size);
    const before = store.list().length;
    const id = await runAndWait(page, before + 1);
    await page.waitForSelector('[data-testid=progress][data-state=done]');

    // Focus layout: the trained view large, init and optimum as thumbnails, all three drawn.
    const deck = page.getByTestId('view-deck');
    expect(await deck.getAttribute('data-layout')).toBe('focus');
    expect(await deck.getAttribute('data-focused')).toBe('trained');
    const centre = await width(page, 'main[aria-label=Views]');
    const large = await width(page, '[data-role=large] canvas');
    expect(large / centre).toBeGreaterThanOrEqual(0.6);
    expect(await page.locator('[data-role=large] canvas').first().evaluate((c) => c.getBoundingClientRect().height)).toBeGreaterThanOrEqual(320);
    expect(await page.locator('[data-role=thumb]').count()).toBe(2);
    for (const view of VIEWS) expect(await inkedShare(page, `[data-testid=${view}] canvas`)).toBeGreaterThan(0.03);

    // Three different views: each centred on its own point, with its own axes and span.
    const surfaces = store.get(id).surfaces;
    expect(surfaces.map((s) => s.axes.kind)).toEqual(['local', 'local', 'local']);
    const byCenter = Object.fromEntries(surfaces.map((s) => [s.center, s]));
    expect(new Set(surfaces.map((s) => s.axisLabels.join(' × '))).size).toBe(3);
    expect(byCenter.init.span).toBeGreaterThan(10 * byCenter.trained.span);
    const gap = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) / Math.max(...a, ...b);
    expect(gap(byCenter.trained.loss, byCenter.optimum.loss)).toBeGreaterThan(0.05);
    expect(gap(byCenter.init.loss, byCenter.trained.loss)).toBeGreaterThan(0.05);
    // The captions a user reads say so too: each view, brought large in turn, names other axes.
    const captions: string[] = [];
    for (const view of ['view-init', 'view-optimum', 'view-trained'] as const) {
      if ((await page.getByTestId(view).getAttribute('data-role')) === 'thumb') await page.getByTestId(view).getByRole('button', { name: /^Show .* large$/ }).click();
      await expect.poll(() => page.getByTestId(view).getAttribute('data-role')).toBe('large');
      captions.push((await page.getByTestId(view).locator('.caption').textContent()) ?? '');
    }
    expect(captions[0]).toMatch(/^α first step · β ⊥ toward the early path · ±[\d.]+ around initialization$/);
    expect(captions[1]).toMatch(/^α flat: rescale h1\[\d\] · β ⊥ toward trained · ±[\d.e-]+ around optimum$/);
    expect(captions[2]).toMatch(/^α PC1 of the path’s last half · β PC2 of the path’s last half/);
    // Swapping kept each view's WebGL canvas: three, never rebuilt as more.
    expect(await page.locator('[data-testid^=view-] canvas').count()).toBe(3);

    // Off-plane markers give their own J and their projection's, both labelled.
    const legend = (await page.getByTestId('view-trained').getByTestId('view-legend').textContent()) ?? '';
    expect(legend).toMatch(/Initialization\s*J [\d.e-]+ · its projection J [\d.e-]+ \([\d.e-]+ off the plane\)/);
    expect(legend).not.toMatch(/null|NaN/);

    // The hover read-out near the right edge stays inside the canvas, α, β and J in full.
    const canvas = page.locator('[data-testid=view-trained] canvas');
    const box = (await canvas.boundingBox())!;
    let seen = 0;
    // Right to left: the first hits are where a read-out placed right of the pointer would be clipped.
    const spots = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65].flatMap((fx) => [0.4, 0.5, 0.6].map((fy) => [fx, fy]));
    for (const [fx, fy] of spots) {
      if (seen >= 3) break;
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 2 });
      const readout = page.getByTestId('hover-readout');
      if ((await readout.count()) === 0) continue;
      const r = (await readout.boundingBox())!;
      expect(r.x).toBeGreaterThanOrEqual(box.x - 0.5);
      expect(r.x + r.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
      expect(r.y + r.height).toBeLessThanOrEqual(box.y + box.height + 0.5);
      expect(await readout.textContent()).toMatch(/^α -?[\d.e+-]+, β -?[\d.e+-]+, J [\d.e+-]+$/);
      seen++;
    }
    expect(seen).toBeGreaterThan(0);
    await page.mouse.move(0, 0);

    // The PNG export renders at 1920 px for the view, whatever the screen.
    const view = page.getByTestId('view-trained');
    await view.getByLabel('Export After training').click();
    const [png] = await Promise.all([page.waitForEvent('download'), view.getByRole('button', { name: 'PNG image, 1920 px wide' }).click()]);
    const [pw, ph] = pngSize(readFileSync((await png.path())!));
    expect(pw).toBeGreaterThanOrEqual(1920);
    expect(pw).toBeLessThan(2200);
    expect(ph).toBeGreaterThan(800);

    await page.evaluate(() => (document.querySelector('main')!.scrollTop = 0));
    await page.screenshot({ path: join(docs, `default-run-${tag}.png`) });
    await page.getByTestId('view-trained').screenshot({ path: join(artifacts, `view-trained-${tag}.png`) });

    // Run stays in the window however far the form and the views are scrolled.
    await page.evaluate(() => {
      for (const e of document.querySelectorAll('aside.left, main')) e.scrollTop = 0;
      document.querySelector('main')!.scrollTop = 1e6;
    });
    expect(await page.evaluate(() => document.querySelector('aside.left')!.scrollHeight > innerHeight)).toBe(true);
    const run = (await page.getByTestId('run').boundingBox())!;
    expect(run.y).toBeGreaterThanOrEqual(0);
    expect(run.y + run.height).toBeLessThanOrEqual(size.height);
    expect(await page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.getAttribute('data-testid'), [run.x + run.width / 2, run.y + run.height / 2])).toBe('run');

    // The wireframe shows on every colormap: turning it on changes a good share of the surface's pixels.
    await page.getByTestId('surface-display').click();
    for (const map of ['viridis', 'magma', 'cividis']) {
      await page.getByTestId('surface-colormap').selectOption(map);
      const wire = page.getByTestId('surface-wireframe');
      const share = await changedBy(page, '[data-testid=view-trained] canvas', () => wire.check());
      expect(share, map).toBeGreaterThan(0.02);
      await wire.uncheck();
    }
    await page.getByTestId('surface-display').click();

    // The three across stays one choice away.
    await page.getByTestId('surface-layout').selectOption('row');
    expect(await page.locator('[data-role=large]').count()).toBe(3);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('marks views stale when the controls change, recomputes all three with one button, with progress over the whole job', async () => {
    const { page, errors } = await openPage(size);
    const latest = newest();
    await page.getByTestId('experiment-item').first().getByRole('button', { name: `#${latest.id} ${latest.name}` }).click();
    await viewsReady(page);
    expect(await page.locator('[data-stale=true]').count()).toBe(0);
    await page.getByTestId('surface-res').selectOption('32');
    for (const view of VIEWS) expect(await page.getByTestId(view).getAttribute('data-stale')).toBe('true');
    await expect.poll(() => page.getByTestId('stale-notice').textContent()).toMatch(/stale/);
    // Watch every state the page passes through while the job runs (it may take only milliseconds).
    await page.evaluate(() => {
      const w = window as unknown as { seen: string[] };
      w.seen = [];
      new MutationObserver(() => {
        const p = document.querySelector('[data-testid=surface-progress]')?.textContent;
        if (p) w.seen.push(p.trim());
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const count = store.get(latest.id).surfaces.length;
    await page.getByTestId('stale-recompute').click();
    await expect.poll(() => store.get(latest.id).surfaces.length, { timeout: 60_000 }).toBe(count + 3);
    await expect.poll(() => page.locator('[data-stale=true]').count(), { timeout: 30_000 }).toBe(0);
    await viewsReady(page);
    expect(await page.getByTestId('stale-notice').count()).toBe(0);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.length).toBeGreaterThan(0);
    for (const text of seen) expect(text).toMatch(/\d+% of the whole job/);
    // The shared plane is one click away.
    await page.getByTestId('show-shared-plane').click();
    await expect.poll(() => store.get(latest.id).surfaces.filter((s) => s.axes.kind === 'plane').length, { timeout: 60_000 }).toBe(3);
    await expect.poll(() => page.getByTestId('view-trained').locator('.caption').textContent(), { timeout: 30_000 }).toMatch(/^α init → trained · β ⊥ toward optimum/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a diverged run says so: its status, the rule, legends with finite numbers, the loss chart drawn', async () => {
    const { page, errors } = await openPage(size);
    await page.getByLabel('learning rate', { exact: true }).fill('1000000');
    const before = store.list().length;
    await page.getByTestId('run').click();
    await expect.poll(() => store.list().length, { timeout: 60_000 }).toBe(before + 1);
    const diverged = newest();
    expect(diverged.status).toBe('diverged');
    await expect.poll(() => page.getByTestId('experiment-detail').textContent(), { timeout: 30_000 }).toMatch(/^diverged · .* final loss \d\.\d+e\+\d+/);
    expect(await page.getByTestId('diverged-note').textContent()).toMatch(/Diverged: its loss became NaN or infinite, or it ended above 10³ × the larger of its initial loss and the loss of the best constant prediction/);
    await viewsReady(page);
    const initialLoss = store.get(diverged.id).runList[0].loss.values[0];
    for (const view of VIEWS) {
      if ((await page.getByTestId(view).getAttribute('data-role')) === 'thumb') await page.getByTestId(view).getByRole('button', { name: /^Show .* large$/ }).click();
      await expect.poll(() => page.getByTestId(view).getAttribute('data-role')).toBe('large');
      const legend = (await page.getByTestId(view).getByTestId('view-legend').textContent()) ?? '';
      expect(legend).not.toMatch(/null|NaN/);
      // The initialization's J is its finite initial loss, in every view.
      expect(legend).toMatch(new RegExp(`Initialization\\s*J ${Number(initialLoss.toPrecision(3))}`));
    }
    expect(await inkedShare(page, '[data-testid=loss-chart] canvas')).toBeGreaterThan(0.01);
    await page.getByTestId('view-trained').getByRole('button', { name: 'Show After training large' }).click();
    await expect.poll(() => page.getByTestId('view-deck').getAttribute('data-focused')).toBe('trained');
    await page.evaluate(() => (document.querySelector('main')!.scrollTop = 0));
    await page.screenshot({ path: join(docs, `diverged-run-${tag}.png`) });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a classification run and a sweep read at this size (screenshots for the README)', async () => {
    const { page, errors } = await openPage(size);
    await page.getByLabel('target', { exact: true }).selectOption('circle');
    await expect.poll(() => page.getByLabel('output', { exact: true }).inputValue()).toBe('sigmoid');
    await page.getByLabel('hidden widths').fill('8 8');
    await page.getByLabel('batch size').fill('16');
    await page.getByLabel('steps').fill('3000');
    await runAndWait(page, store.list().length + 1);
    await page.waitForSelector('[data-testid=boundary-chart] canvas');
    await expect.poll(async () => inkedShare(page, '[data-testid=boundary-chart] canvas'), { timeout: 30_000 }).toBeGreaterThan(0.2);
    expect(await width(page, '[data-role=large] canvas') / (await width(page, 'main[aria-label=Views]'))).toBeGreaterThanOrEqual(0.6);
    await page.evaluate(() => (document.querySelector('main')!.scrollTop = 0));
    await page.screenshot({ path: join(docs, `classification-${tag}.png`) });

    const spec = {
      name: 'Learning rate × optimizer',
      base: { data: { target: { kind: 'hinge' } }, steps: 1000 },
      grid: { 'optimizer.kind': ['sgd', 'adam'], 'optimizer.lr': { from: 0.001, to: 0.3, count: 5, scale: 'log' } },
      seeds: 3,
      threshold: 0.001,
    };
    const started = (await service.call('jobs.sweep', { spec })) as Result<JobInfo>;
    if (!started.ok) throw new Error(started.error.message);
    await expect.poll(() => store.list().find((e) => e.isSweep && e.status === 'done')?.id ?? null, { timeout: 120_000 }).not.toBeNull();
    const sweep = store.list().find((e) => e.isSweep)!;
    await expect.poll(() => page.getByTestId('experiment-item').count()).toBeGreaterThan(1);
    await page.getByRole('button', { name: `#${sweep.id} ${sweep.name}` }).click();
    await page.waitForSelector('[data-testid=sweep-view] [data-testid=sweep-cell]', { timeout: 60_000 });
    expect(await inkedShare(page, '[data-testid=sweep-view] canvas')).toBeGreaterThan(0.01);
    await page.screenshot({ path: join(docs, `sweep-${tag}.png`) });
    expect(errors).toEqual([]);
    await page.close();
  });
});
