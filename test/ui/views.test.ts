/// <reference lib="dom" />
// The views as a person reads them, in a real browser (Debian's Chromium via playwright-core) against
// the real bridge and service on a temporary database, at 1600×1000 and 1280×800: one large view and
// two live thumbnails that swap on click, three different views of the default run, axis labels that
// never overlap, a read-out that stays in the canvas, stale views with one Recompute, progress over the
// whole surface job, Run in reach however far the page scrolls, diverged runs that say so, and charts
// that fall back to a linear scale when a log one has nothing to draw. Screenshots go to
// test-artifacts/; `npm run screenshots` runs this file with LAB_SCREENSHOTS=docs to write the
// README's into docs/.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { JobInfo, Result } from '../../shared/api.js';
import { presetByName } from '../../shared/presets.js';
import { canvasInk } from '../support/browser.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
/** Where the README's screenshots go: docs/ for `npm run screenshots`, else with the other artifacts. */
const shots = process.env.LAB_SCREENSHOTS === 'docs' ? fileURLToPath(new URL('../../docs/', import.meta.url)) : artifacts;
let lab: BrowserLab;
const VIEWS = ['view-init', 'view-trained', 'view-optimum'] as const;
const SIZES = [
  { width: 1600, height: 1000 },
  { width: 1280, height: 800 },
] as const;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  mkdirSync(shots, { recursive: true });
  lab = await openBrowserLab('views', 2);
});
afterAll(() => lab?.close());

async function openPage(size: { width: number; height: number }): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await lab.open({ viewport: size, acceptDownloads: true });
  onTestFailed(async () => {
    await page.screenshot({ path: join(artifacts, `views-failed-${size.width}x${size.height}.png`) }).catch(() => undefined);
  });
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
  return lab.store.list().reduce((a, e) => (e.id > a.id ? e : a));
}

/** Runs the form's config and waits for its experiment and its three views. */
async function runAndWait(page: Page, count: number): Promise<number> {
  await page.getByTestId('run').click();
  await expect.poll(() => lab.store.list().length, { timeout: 60_000 }).toBe(count);
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

/**
 * The labels a canvas publishes (each text's box, from where it draws it), and what would be wrong with
 * them: pairs that meet, boxes not wholly inside the canvas, and boxes with almost no glyph pixels in
 * them (boxes that are not where the text is). `canvas` is a selector; a view's is `[data-testid=view-…] canvas`.
 */
async function labels(page: Page, canvas: string): Promise<{ texts: string[]; overlaps: string[]; outside: string[]; blank: string[] }> {
  return page.locator(canvas).evaluate((canvas: HTMLCanvasElement) => {
    const boxes = JSON.parse(canvas.dataset.labelBoxes ?? '[]') as { text: string; left: number; top: number; right: number; bottom: number }[];
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const ctx = copy.getContext('2d')!;
    ctx.drawImage(canvas, 0, 0);
    const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
    const k = canvas.width / canvas.clientWidth;
    const result = { texts: boxes.map((b) => b.text), overlaps: [] as string[], outside: [] as string[], blank: [] as string[] };
    boxes.forEach((a, i) => {
      for (const b of boxes.slice(i + 1)) if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) result.overlaps.push(`${a.text} × ${b.text}`);
      if (a.left < 0 || a.top < 0 || a.right > canvas.clientWidth || a.bottom > canvas.clientHeight) result.outside.push(a.text);
      // Glyphs are pixels far from the box's commonest colour (its background: the page's, a surface's
      // or a heatmap square's). They cover 10–26% of a label's box, thin strokes half-way; a box on bare
      // background beside its text has none.
      const pixels: number[] = [];
      for (let y = Math.max(0, Math.floor(a.top * k)); y < Math.min(copy.height, Math.ceil(a.bottom * k)); y++) {
        for (let x = Math.max(0, Math.floor(a.left * k)); x < Math.min(copy.width, Math.ceil(a.right * k)); x++) pixels.push(4 * (y * copy.width + x));
      }
      const counts = new Map<number, number>();
      for (const p of pixels) {
        const rgb = (data[p] << 16) | (data[p + 1] << 8) | data[p + 2];
        counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
      }
      const common = [...counts].reduce((best, c) => (c[1] > best[1] ? c : best), [0, 0])[0];
      const bg = [common >> 16, (common >> 8) & 255, common & 255];
      const ink = pixels.filter((p) => Math.abs(data[p] - bg[0]) + Math.abs(data[p + 1] - bg[1]) + Math.abs(data[p + 2] - bg[2]) > 200).length;
      if (ink < 0.05 * pixels.length) result.blank.push(a.text);
    });
    return result;
  });
}

/**
 * Asserts a canvas shows at least `least` labels, none meeting another, none clipped, each drawn where
 * its box says. Polled: a view just made large draws once more when its canvas takes the new size.
 */
async function expectLabelsClear(page: Page, canvas: string, least: number): Promise<string[]> {
  const state = async () => {
    const { texts, ...wrong } = await labels(page, canvas);
    return { enough: texts.length >= least, ...wrong };
  };
  await expect.poll(state, { message: canvas }).toEqual({ enough: true, overlaps: [], outside: [], blank: [] });
  return (await labels(page, canvas)).texts;
}

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe.each(SIZES)('the views at $width×$height', (size) => {
  const tag = `${size.width}x${size.height}`;

  it('the default run: a large view (≥ 60% of the centre column) and two live thumbnails, three different views, a read-out inside the canvas', async () => {
    const { page, errors } = await openPage(size);
    const before = lab.store.list().length;
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
    const surfaces = lab.store.get(id).surfaces;
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
      // Large, a view keeps its three axis names and most of its ticks, none meeting another.
      const texts = await expectLabelsClear(page, `[data-testid=${view}] canvas`, 9);
      expect(['α', 'β', 'J'].map((name) => texts.some((t) => t.startsWith(name))), view).toEqual([true, true, true]);
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
    await page.screenshot({ path: join(shots, `default-run-${tag}.png`) });
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
    // Three across, each view is narrow: the labels that fit are drawn, and still never meet.
    for (const view of VIEWS) await expectLabelsClear(page, `[data-testid=${view}] canvas`, 3);
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
    const count = lab.store.get(latest.id).surfaces.length;
    await page.getByTestId('stale-recompute').click();
    await expect.poll(() => lab.store.get(latest.id).surfaces.length, { timeout: 60_000 }).toBe(count + 3);
    await expect.poll(() => page.locator('[data-stale=true]').count(), { timeout: 30_000 }).toBe(0);
    await viewsReady(page);
    expect(await page.getByTestId('stale-notice').count()).toBe(0);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.length).toBeGreaterThan(0);
    for (const text of seen) expect(text).toMatch(/\d+% of the whole job/);
    // The shared plane is one click away.
    await page.getByTestId('show-shared-plane').click();
    await expect.poll(() => lab.store.get(latest.id).surfaces.filter((s) => s.axes.kind === 'plane').length, { timeout: 60_000 }).toBe(3);
    await expect.poll(() => page.getByTestId('view-trained').locator('.caption').textContent(), { timeout: 30_000 }).toMatch(/^α init → trained · β ⊥ toward optimum/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a diverged run says so: its status, the rule, legends with finite numbers, the loss chart drawn', async () => {
    const { page, errors } = await openPage(size);
    await page.getByLabel('learning rate', { exact: true }).fill('1000000');
    const before = lab.store.list().length;
    await page.getByTestId('run').click();
    await expect.poll(() => lab.store.list().length, { timeout: 60_000 }).toBe(before + 1);
    const diverged = newest();
    expect(diverged.status).toBe('diverged');
    await expect.poll(() => page.getByTestId('experiment-detail').textContent(), { timeout: 30_000 }).toMatch(/^diverged · .* final loss \d\.\d+e\+\d+/);
    expect(await page.getByTestId('diverged-note').textContent()).toMatch(/Diverged: its loss became NaN or infinite, or it ended above 10³ × the larger of its initial loss and the loss of the best constant prediction/);
    await viewsReady(page);
    const initialLoss = lab.store.get(diverged.id).runList[0].loss.values[0];
    for (const view of VIEWS) {
      if ((await page.getByTestId(view).getAttribute('data-role')) === 'thumb') await page.getByTestId(view).getByRole('button', { name: /^Show .* large$/ }).click();
      await expect.poll(() => page.getByTestId(view).getAttribute('data-role')).toBe('large');
      const legend = (await page.getByTestId(view).getByTestId('view-legend').textContent()) ?? '';
      expect(legend).not.toMatch(/null|NaN/);
      // The initialization's J is its finite initial loss, in every view.
      expect(legend).toMatch(new RegExp(`Initialization\\s*J ${Number(initialLoss.toPrecision(3))}`));
    }
    expect(await inkedShare(page, '[data-testid=loss-chart] canvas')).toBeGreaterThan(0.01);
    // Its loss, up to about 1e8, stays on a log scale with decade ticks up there.
    const lossPlot = page.locator('[data-testid=loss-chart] .plot');
    expect(await lossPlot.getAttribute('data-y-scale')).toBe('log');
    const ticks = ((await lossPlot.getAttribute('data-y-ticks')) ?? '').split(' ').map(Number);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...ticks)).toBeGreaterThanOrEqual(1e5);
    await page.getByTestId('view-trained').getByRole('button', { name: 'Show After training large' }).click();
    await expect.poll(() => page.getByTestId('view-deck').getAttribute('data-focused')).toBe('trained');
    await page.evaluate(() => (document.querySelector('main')!.scrollTop = 0));
    await page.screenshot({ path: join(shots, `diverged-run-${tag}.png`) });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the classification preset started from the gallery, and a sweep, read at this size (screenshots for the README)', async () => {
    const { page, errors } = await openPage(size);
    const preset = presetByName('classification');
    const before = lab.store.list().length;
    await page.getByRole('button', { name: 'Tutorial presets' }).click();
    await page.getByRole('button', { name: `Run: ${preset.title}` }).click();
    await expect.poll(() => lab.store.list().length, { timeout: 60_000 }).toBe(before + 1);
    expect([newest().name, newest().status]).toEqual([preset.title, 'done']);
    // The second size trains the preset again, and the page says it stores another copy: read, then dismissed.
    if (await page.getByTestId('toast-notice').count()) {
      expect(await page.getByTestId('toast-notice').textContent()).toMatch(/already in the library as #\d+/);
      await page.getByRole('button', { name: 'Dismiss the message' }).click();
    }
    await viewsReady(page);
    await page.waitForSelector('[data-testid=boundary-chart] canvas');
    await expect.poll(async () => inkedShare(page, '[data-testid=boundary-chart] canvas'), { timeout: 30_000 }).toBeGreaterThan(0.2);
    await expect.poll(() => page.getByTestId('boundary-chart').textContent()).toMatch(/Accuracy: train 9\d/);
    expect(await width(page, '[data-role=large] canvas') / (await width(page, 'main[aria-label=Views]'))).toBeGreaterThanOrEqual(0.6);
    // The screenshot shows what this preset is about: the boundary between the arms, at the window's foot.
    await page.evaluate(() => {
      const chart = document.querySelector('[data-testid=boundary-chart]')!;
      document.querySelector('main')!.scrollTop += chart.getBoundingClientRect().bottom - innerHeight + 16;
    });
    await page.screenshot({ path: join(shots, `classification-${tag}.png`) });

    const spec = {
      name: 'Learning rate × optimizer',
      base: { data: { target: { kind: 'hinge' } }, steps: 1000 },
      grid: { 'optimizer.kind': ['sgd', 'adam'], 'optimizer.lr': { from: 0.001, to: 0.3, count: 5, scale: 'log' } },
      seeds: 3,
      threshold: 0.001,
    };
    // The sweep this pass runs, not one an earlier size stored.
    const earlier = new Set(lab.store.list().map((e) => e.id));
    const ours = () => lab.store.list().find((e) => e.isSweep && !earlier.has(e.id));
    const started = (await lab.service.call('jobs.sweep', { spec })) as Result<JobInfo>;
    if (!started.ok) throw new Error(started.error.message);
    await expect.poll(() => ours()?.status ?? null, { timeout: 120_000 }).toBe('done');
    const sweep = ours()!;
    await expect.poll(() => page.getByTestId('experiment-item').count()).toBeGreaterThan(1);
    await page.getByRole('button', { name: `#${sweep.id} ${sweep.name}` }).click();
    await page.waitForSelector('[data-testid=sweep-view] [data-testid=sweep-cell]', { timeout: 60_000 });
    expect(await inkedShare(page, '[data-testid=sweep-view] canvas')).toBeGreaterThan(0.01);
    // The screenshot shows the sweep's chart: the column scrolled back to its top, the chart in the window.
    await page.evaluate(() => (document.querySelector('main')!.scrollTop = 0));
    const chart = (await page.locator('[data-testid=sweep-view] canvas').first().boundingBox())!;
    expect(chart.y + chart.height).toBeLessThanOrEqual(size.height);
    await page.screenshot({ path: join(shots, `sweep-${tag}.png`) });

    // The heatmap's texts: both names, every tick, every square's value, none clipped or meeting
    // another (the y name was cut off at both ends at 1280×800); then with x and y swapped.
    const heatmap = '[data-testid=sweep-heatmap] canvas';
    // The table's median final loss of each cell (its fourth column), as the squares should show them.
    const medians = await page.locator('[data-testid=sweep-cell] td:nth-child(4)').allTextContents();
    expect(medians).toHaveLength(10);
    const texts = await expectLabelsClear(page, heatmap, 19);
    expect(texts).toEqual(expect.arrayContaining(['optimizer.lr', 'optimizer.kind', 'sgd', 'adam', '0.001', '0.004162', '0.01732', '0.07208', '0.3', ...medians]));
    await page.locator('[data-testid=sweep-heatmap]').screenshot({ path: join(artifacts, `heatmap-${tag}.png`) });
    await page.getByRole('button', { name: '⇄ Swap' }).click();
    await expect.poll(async () => (await labels(page, heatmap)).texts.slice(0, 2)).toEqual(['optimizer.kind', 'optimizer.lr']);
    const swapped = await expectLabelsClear(page, heatmap, 19);
    expect(swapped).toEqual(expect.arrayContaining(['optimizer.lr', 'optimizer.kind', 'sgd', 'adam', '0.001', '0.3', ...medians]));
    // In a narrow window the squares are too small for five digits: values shorten or are left to the
    // squares' titles, ticks thin out, and nothing meets or is cut.
    await page.getByRole('button', { name: '⇄ Swap' }).click();
    await page.setViewportSize({ width: 900, height: size.height });
    await expect.poll(async () => (await labels(page, heatmap)).texts.slice(0, 2)).toEqual(['optimizer.lr', 'optimizer.kind']);
    const narrow = await expectLabelsClear(page, heatmap, 8);
    expect(narrow).toEqual(expect.arrayContaining(['optimizer.lr', 'optimizer.kind', 'sgd', 'adam', '0.001']));
    await page.locator('[data-testid=sweep-heatmap]').screenshot({ path: join(artifacts, `heatmap-narrow-${tag}.png`) });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a race opens on the race, and the job centre lists a running job with its progress and Cancel (screenshots for the README)', async () => {
    const { page, errors } = await openPage(size);
    const raced = (await lab.service.call('race.run', { config: { data: { target: { kind: 'hinge' } }, steps: 1500 }, optimizers: ['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam'] })) as Result<{ id: number }>;
    if (!raced.ok) throw new Error(raced.error.message);
    const race = lab.store.summary(raced.value.id);
    await page.getByRole('button', { name: `#${race.id} ${race.name}` }).click();
    const view = page.getByTestId('race-view');
    await view.waitFor();
    await page.waitForSelector('[data-testid=race-3d][data-state=ready]', { timeout: 60_000 });
    await expect.poll(async () => (await canvasInk(page, '[data-testid=race-map]')).colours, { timeout: 30_000 }).toBeGreaterThan(50);
    const top = (await view.boundingBox())!;
    expect(top.y).toBeLessThan(size.height / 3);
    await page.screenshot({ path: join(shots, `race-${tag}.png`) });

    // A long run started elsewhere (another page, the CLI's serve): listed with its progress, ETA and Cancel.
    const started = (await lab.service.call('jobs.run', { config: { data: { target: { kind: 'hinge' } }, model: { hidden: [16, 16], activation: 'tanh' }, steps: 5_000_000 } })) as Result<JobInfo>;
    if (!started.ok) throw new Error(started.error.message);
    await expect.poll(() => lab.updates.some((u) => u.id === started.value.id && u.step > 0), { timeout: 60_000 }).toBe(true);
    await page.getByTestId('job-centre').click();
    const running = page.locator('[data-testid=job-row][data-state=running]');
    await expect.poll(() => running.first().textContent(), { timeout: 30_000 }).toMatch(/Training.*about \d+ s left/);
    await page.screenshot({ path: join(shots, `job-centre-${tag}.png`) });
    await running.first().getByTestId('job-cancel').click();
    expect((await lab.finished(started.value.id)).state).toBe('cancelled');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the charts fall back to a linear scale when a log one has nothing to draw', () => {
  /** Trains `config` through the service and returns its experiment's id. */
  async function trained(config: unknown): Promise<number> {
    const started = (await lab.service.call('jobs.run', { config })) as Result<JobInfo>;
    if (!started.ok) throw new Error(started.error.message);
    const job = await lab.finished(started.value.id);
    expect(job.state).toBe('done');
    return job.experimentId as number;
  }
  const plot = (page: Page, chart: string) => page.locator(`[data-testid=${chart}] .plot`);

  it('a loss of exactly 0 throughout: the loss and interpolation charts draw it on a linear scale and say so; a positive loss stays on log', async () => {
    // A flat target (slopes and offset 0) fitted from all-zero weights: the prediction is 0 everywhere,
    // so is every gradient, and the loss never leaves 0.
    const base = { seed: 1, data: { target: { kind: 'hinge', x0: 0.25, m1: 0, m2: 0, b: 0 }, n: 50 }, model: { hidden: [2], activation: 'relu' }, steps: 200 };
    const zero = await trained({ ...base, init: { kind: 'explicit', params: [0, 0, 0, 0, 0, 0, 0] } });
    expect(lab.store.get(zero).runList[0].loss.values.every((v) => v === 0)).toBe(true);
    const positive = await trained({ ...base, data: { target: { kind: 'hinge' }, n: 50 } });

    const { page, errors } = await openPage(SIZES[1]);
    await page.getByRole('button', { name: `#${positive} ${lab.store.summary(positive).name}` }).click();
    await expect.poll(() => page.locator('main h2').first().textContent()).toBe(`#${positive} ${lab.store.summary(positive).name}`);
    await expect.poll(() => plot(page, 'loss-chart').getAttribute('data-y-scale')).toBe('log');
    expect(await page.getByTestId('linear-fallback').count()).toBe(0);

    await page.getByRole('button', { name: `#${zero} ${lab.store.summary(zero).name}` }).click();
    await expect.poll(() => page.locator('main h2').first().textContent()).toBe(`#${zero} ${lab.store.summary(zero).name}`);
    await expect.poll(() => plot(page, 'loss-chart').getAttribute('data-y-scale')).toBe('linear');
    expect(await page.getByTestId('loss-chart').getByTestId('linear-fallback').textContent()).toBe('Linear scale: no positive losses to put on a log scale.');
    expect((await plot(page, 'loss-chart').getAttribute('data-y-ticks'))?.split(' ')).toContain('0');
    expect(await inkedShare(page, '[data-testid=loss-chart] canvas')).toBeGreaterThan(0.01);

    // J along the line from the trained point to the optimum: 0 at every point.
    const line = page.getByTestId('interpolation-chart');
    await line.getByRole('button', { name: 'Compute' }).click();
    await expect.poll(() => plot(page, 'interpolation-chart').getAttribute('data-y-scale'), { timeout: 60_000 }).toBe('linear');
    expect(lab.store.get(zero).interpolations[0].loss.every((v) => v === 0)).toBe(true);
    expect(await line.getByTestId('linear-fallback').textContent()).toBe('Linear scale: no positive J to put on a log scale.');
    expect((await plot(page, 'interpolation-chart').getAttribute('data-y-ticks'))?.split(' ')).toContain('0');
    // Asking for linear leaves nothing to explain.
    await line.getByLabel('Log scale').uncheck();
    await expect.poll(() => line.getByTestId('linear-fallback').count()).toBe(0);
    expect(await plot(page, 'interpolation-chart').getAttribute('data-y-scale')).toBe('linear');
    expect(errors).toEqual([]);
    await page.close();
  });
});
