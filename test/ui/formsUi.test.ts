/// <reference lib="dom" />
// The forms, library, sweeps and Theory as a new user meets them, in a real browser (Debian's
// Chromium via playwright-core) against the real bridge and service on a temporary database, at
// 1600×1000 and 1280×800: names that say what differs, search by any setting, rename, the Library
// button, every number input against its schema, target switches, the JSON editor, errors in words
// beside the edited field, classification defaults, sweeps opened and started, sweep chart axes, the
// backprop tables' width, recording on cancel and the Theory panel. Screenshots go to test-artifacts/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, type JobInfo, type Result } from '../../shared/api.js';
import { PRESETS, presetByName, presetSweep } from '../../shared/presets.js';
import { DEFAULT_DENSE_START, defaultRecordEvery } from '../../main/engine/train.js';
import { RENDERER_ROOT } from '../../main/bridge/serve.js';
import { startBridge, type Bridge } from '../../main/bridge/server.js';
import { openTestLab, type TestLab } from '../support/lab.js';
import { launchChromium } from '../support/browser.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SIZES = [
  { width: 1600, height: 1000 },
  { width: 1280, height: 800 },
] as const;
const HINGE = { kind: 'hinge', x0: 0.25, m1: 1.5, m2: -0.5, b: 0 };
/** The app's default config, as the form starts with it. */
const DEFAULT = { data: { target: HINGE, n: 500 }, model: { hidden: [2], activation: 'relu' }, optimizer: { kind: 'adam', lr: 0.003, beta1: 0.95, beta2: 0.9 }, batchSize: 3, steps: 200, seed: 1 };

let lab: TestLab;
let bridge: Bridge;
let browser: Browser;
const ids = { plain: 0, symmetric: 0, lrSweep: 0, widthSweep: 0 };

async function finishedJob(started: Promise<unknown>): Promise<JobInfo> {
  const r = (await started) as Result<JobInfo>;
  if (!r.ok) throw new Error(r.error.message);
  const job = await lab.finished(r.value.id);
  if (job.state !== 'done') throw new Error(`job ${job.id} ended ${job.state}`);
  return job;
}
const runJob = async (config: unknown) => (await finishedJob(lab.service.call('jobs.run', { config }))).experimentId as number;
const sweepJob = async (spec: unknown) => (await finishedJob(lab.service.call('jobs.sweep', { spec }))).experimentId as number;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  lab = openTestLab('forms-ui', 2);
  bridge = await startBridge({ channels: lab.service, root: RENDERER_ROOT });
  browser = await launchChromium();
  ids.plain = await runJob(DEFAULT);
  ids.symmetric = await runJob({ ...DEFAULT, model: { hidden: [2], activation: 'tanh' }, init: { kind: 'symmetric' } });
  const lr = presetSweep(presetByName('learning-rate'));
  ids.lrSweep = await sweepJob({
    ...lr,
    base: { ...lr.base, steps: 100 },
    grid: { 'optimizer.kind': ['sgd', 'adam'], 'optimizer.lr': { from: 0.01, to: 0.05, count: 4, scale: 'log' } },
    seeds: 1,
  });
  const widths = presetSweep(presetByName('network-dimension'));
  ids.widthSweep = await sweepJob({ ...widths, base: { ...widths.base, steps: 50 }, seeds: 1 });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  await lab?.close();
});

/** A page at `size` that fails the test on any console error. */
async function openPage(size: { width: number; height: number }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: size });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(bridge.url);
  await page.waitForSelector('[data-testid=experiment-item]');
  return { page, errors };
}

const shot = (page: Page, name: string, size: { width: number }) => page.screenshot({ path: join(artifacts, `forms-${name}-${size.width}.png`) });
const item = (page: Page, id: number) => page.locator('[data-testid=experiment-item]').filter({ has: page.locator(`[id$="-open-${id}"]`) });
const shownIds = (page: Page) => page.locator('[data-testid=experiment-item] .open .id').allTextContents();
const fieldError = (page: Page, label: string) => page.locator('.field').filter({ has: page.getByLabel(label, { exact: true }) }).locator('.field-error');

describe('names and the library', () => {
  for (const size of SIZES) {
    it(`auto-names say what differs, search finds any setting, rename updates the header, Library never hides (${size.width}×${size.height})`, async () => {
      const { page, errors } = await openPage(size);
      expect(await item(page, ids.plain).locator('.open').textContent()).toContain('hinge · 1→2→1 relu · he · adam 0.003 · b3 · s1');
      expect(await item(page, ids.symmetric).locator('.open').textContent()).toContain('hinge · 1→2→1 tanh · symmetric · adam 0.003 · b3 · s1');

      // Search by values of the config, not only the name (the sweeps are named by their presets).
      const search = page.getByLabel('Search experiments');
      await search.fill('symmetric');
      await expect.poll(() => shownIds(page)).toEqual([`#${ids.symmetric}`]);
      await search.fill('tanh');
      await expect.poll(() => shownIds(page)).toEqual([`#${ids.symmetric}`]);
      await search.fill('sgd');
      await expect.poll(() => shownIds(page)).toEqual([`#${ids.lrSweep}`]);
      await search.fill('relu 200');
      await expect.poll(() => shownIds(page)).toEqual([`#${ids.plain}`]);
      await search.fill('');

      // The header's Library button shows or focuses the library, never hides it.
      const library = page.locator('#library');
      const libraryButton = page.getByRole('button', { name: 'Library', exact: true });
      expect(await library.isVisible()).toBe(true);
      await libraryButton.click();
      expect(await library.isVisible()).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search experiments');
      await page.getByTitle('Collapse the library').click();
      await expect.poll(() => library.isVisible()).toBe(false);
      await libraryButton.click();
      await expect.poll(() => library.isVisible()).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search experiments');

      // Renaming the open experiment renames its header.
      await item(page, ids.plain).locator('.open').click();
      await expect.poll(() => page.locator('.title-row h2').textContent()).toContain('hinge · 1→2→1 relu');
      const name = `plain hinge ${size.width}`;
      await page.getByRole('button', { name: `Rename experiment #${ids.plain}` }).click();
      await page.getByLabel(`New name for experiment #${ids.plain}`).fill(name);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('.title-row h2').textContent()).toBe(`#${ids.plain} ${name}`);
      await shot(page, 'library', size);
      await page.getByRole('button', { name: `Rename experiment #${ids.plain}` }).click();
      await page.getByLabel(`New name for experiment #${ids.plain}`).fill('hinge · 1→2→1 relu · he · adam 0.003 · b3 · s1');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('.title-row h2').textContent()).toContain('· s1');
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});

describe('number inputs', () => {
  /** Inputs whose component predates data-schema: the schema field they feed. */
  const KNOWN: Record<string, string> = { 'surface-span': 'jobs.landscape.span' };

  /** Schema-accepted values to try: both ends, a value in between, and for decimals a long one. */
  function accepted(min: number | null, max: number | null, isInt: boolean): number[] {
    const lo = min ?? -1000;
    const hi = max ?? lo + 1000;
    const mid = isInt ? Math.round((lo + hi) / 2) : lo + (hi - lo) * 0.3719;
    return isInt ? [lo, lo + 1, mid, hi] : [lo === 0 ? 1e-6 : lo, mid, Number(mid.toFixed(5)), hi];
  }

  for (const size of SIZES) {
    it(`every number input accepts its own default and every value its schema accepts (${size.width}×${size.height})`, async () => {
      const { page, errors } = await openPage(size);
      await item(page, ids.plain).locator('.open').click();
      await page.waitForSelector('[data-testid=surface-span]');
      await page.getByRole('button', { name: 'Basics', exact: true }).click();
      for (const tab of ['Costs', 'Backpropagation', 'Linear regions']) {
        await page.getByRole('tab', { name: tab }).click();
        await page.waitForSelector(`[role=tabpanel]:not([hidden]) input[type=number]`);
      }
      // Every number input in the page (the tabs stay mounted once opened), wherever it lives.
      const inputs = await page.locator('input[type=number]').evaluateAll((els) =>
        (els as HTMLInputElement[]).map((el) => ({ schema: el.dataset.schema ?? null, testid: el.dataset.testid ?? null, value: el.value, valid: el.checkValidity() })),
      );
      expect(inputs.length).toBeGreaterThanOrEqual(8);
      let checked = 0;
      for (const [index, input] of inputs.entries()) {
        const path = input.schema ?? KNOWN[input.testid ?? ''];
        expect(path, `number input #${index} names no schema field`).toBeTruthy();
        const [channel, field] = [path.split('.').slice(0, -1).join('.'), path.split('.').at(-1)!];
        const schema = (CHANNELS as unknown as Record<string, { shape: Record<string, unknown> }>)[channel].shape[field] as { safeParse: (v: unknown) => { success: boolean } };
        const info = (() => {
          let s = schema as unknown as { minValue?: number | null; maxValue?: number | null; isInt?: boolean; unwrap?: () => unknown; options?: unknown[] };
          while (s.minValue === undefined) s = (s.options ? s.options.find((o) => (o as { minValue?: unknown }).minValue !== undefined) : s.unwrap!()) as typeof s;
          return { min: s.minValue ?? null, max: s.maxValue ?? null, isInt: s.isInt ?? false };
        })();
        // Its default is valid in the browser and in the schema.
        expect(input.valid, `${path}'s default ${input.value}`).toBe(true);
        if (input.value !== '') expect(schema.safeParse(Number(input.value)).success, `${path}'s default ${input.value} in the schema`).toBe(true);
        for (const value of accepted(info.min, info.max, info.isInt)) {
          if (!schema.safeParse(value).success) continue;
          const valid = await page.locator('input[type=number]').nth(index).evaluate((el: HTMLInputElement, v) => {
            const before = el.value;
            el.value = String(v);
            const ok = el.checkValidity();
            el.value = before;
            return ok;
          }, value);
          expect(valid, `${path} = ${value}, which the schema accepts`).toBe(true);
          checked++;
        }
        // And the browser refuses what the schema refuses beyond its bounds.
        if (info.max !== null && info.max < 1e9) {
          const tooBig = await page.locator('input[type=number]').nth(index).evaluate((el: HTMLInputElement, v) => {
            const before = el.value;
            el.value = String(v);
            const ok = el.checkValidity();
            el.value = before;
            return ok;
          }, info.max + 1);
          expect(tooBig, `${path} = ${info.max + 1}`).toBe(false);
        }
      }
      expect(checked).toBeGreaterThan(20);

      // Costs recomputes with its own defaults (its form used to refuse noise 1 and steps 2000).
      await page.getByRole('tab', { name: 'Costs' }).click();
      const before = await page.getByTestId('costs-time').textContent();
      // The button says Computing… while it works: watched from inside the page (installed before the
      // click), as it can last less than a poll's interval.
      const recompute = page.getByTestId('basics-costs').getByRole('button', { name: 'Recompute' });
      await recompute.evaluate((button) => {
        const w = window as unknown as { sawComputing: boolean };
        w.sawComputing = false;
        const watch = new MutationObserver(() => {
          if (!button.textContent?.includes('Computing…')) return;
          w.sawComputing = true;
          watch.disconnect();
        });
        watch.observe(button, { childList: true, characterData: true, subtree: true });
      });
      await recompute.click();
      await expect.poll(() => page.evaluate(() => (window as unknown as { sawComputing: boolean }).sawComputing), { timeout: 30_000 }).toBe(true);
      await expect.poll(() => page.getByTestId('basics-costs').getByRole('button', { name: 'Recompute' }).count(), { timeout: 60_000 }).toBe(1);
      expect(await page.getByTestId('costs-time').textContent()).toMatch(/computed in/);
      expect(before).toMatch(/computed in/);
      // Linear regions runs with its default steps 400 too.
      await page.getByRole('tab', { name: 'Linear regions' }).click();
      await page.getByTestId('basics-regions').getByRole('button', { name: 'Run' }).click();
      await expect.poll(() => page.getByTestId('regions-time').count(), { timeout: 60_000 }).toBe(1);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});

describe('the experiment form', () => {
  for (const size of SIZES) {
    it(`switching targets resets the old target's fields; errors are in words beside the edited field (${size.width}×${size.height})`, async () => {
      const { page, errors } = await openPage(size);
      const target = page.getByLabel('target', { exact: true });
      const run = page.getByTestId('run');

      // A CSV's points, trained and reopened (its stored config has n, x range and spacing "given"), then back to the hinge.
      writeFileSync(join(lab.store.file, '..', 'points.csv'), 'x,y\n-2,1\n0,0\n3,2\n5,2.5\n7,3\n');
      await page.setInputFiles('input[type=file][aria-label="Load a CSV of x, y points"]', join(lab.store.file, '..', 'points.csv'));
      await expect.poll(() => page.getByTestId('csv-note').textContent()).toBe('5 points from points.csv');
      await page.getByLabel('steps', { exact: true }).fill('50');
      await run.click();
      // The run opens when it is done (its progress line then follows its surfaces' jobs at once).
      await expect.poll(() => page.locator('.title-row h2').textContent(), { timeout: 60_000 }).toContain('points ·');
      expect(await target.inputValue()).toBe('points');
      await target.selectOption('hinge');
      await expect.poll(() => page.getByLabel('points (n)').inputValue()).toBe('500');
      expect(await page.getByLabel('x range').inputValue()).toBe('-1');
      expect(await page.getByLabel('spacing', { exact: true }).inputValue()).toBe('even');
      expect(await page.getByTestId('csv-note').count()).toBe(0);
      expect(await page.locator('[data-testid=config] .field-error').count()).toBe(0);
      expect(await run.isDisabled()).toBe(false);

      // n = 1 makes batch size 3 too large: said beside n, in words, not under batch size with a schema path.
      await page.getByLabel('points (n)').fill('1');
      await expect.poll(() => fieldError(page, 'points (n)').textContent()).toBe('batch size must be at most the number of points (1) (got 3)');
      expect(await fieldError(page, 'batch size').count()).toBe(0);
      expect(await page.getByLabel('batch size').getAttribute('aria-invalid')).toBe('true');
      expect(await run.isDisabled()).toBe(true);
      await page.getByLabel('points (n)').fill('500');
      await expect.poll(() => run.isDisabled()).toBe(false);

      // Widths separated by spaces are widths; a bad one is named by its place, without "model.hidden[1]".
      const hidden = page.getByLabel('hidden widths');
      await hidden.fill('2 3 4');
      await expect.poll(() => run.isDisabled()).toBe(false);
      await hidden.fill('2 x 4');
      await expect.poll(() => fieldError(page, 'hidden widths').textContent()).toBe('the second value: must be a number (got "x")');
      expect(await page.locator('[data-testid=config]').textContent()).not.toContain('model.hidden');
      await shot(page, 'form-error', size);
      await hidden.fill('2');
      // A problem in a collapsed section is listed on top, named by its field's label.
      await page.getByLabel('learning rate', { exact: true }).fill('-1');
      await page.getByRole('button', { name: 'Optimizer', exact: true }).click();
      await expect.poll(() => page.getByLabel('Problems in the config').textContent()).toBe('learning rate: must be more than 0 (got -1)');
      await page.getByRole('button', { name: 'Optimizer', exact: true }).click();
      await page.getByLabel('learning rate', { exact: true }).fill('0.003');
      await expect.poll(() => page.getByLabel('Problems in the config').count()).toBe(0);

      // A 2-D target brings a network that can fit it; back on the hinge, the tutorial's network.
      await target.selectOption('xor');
      await expect.poll(() => hidden.inputValue()).toBe('8, 8');
      expect(await page.getByLabel('activation', { exact: true }).inputValue()).toBe('tanh');
      expect(await page.getByLabel('output', { exact: true }).inputValue()).toBe('sigmoid');
      expect(await run.isDisabled()).toBe(false);
      await target.selectOption('hinge');
      await expect.poll(() => hidden.inputValue()).toBe('2');
      expect(await page.getByLabel('activation', { exact: true }).inputValue()).toBe('relu');
      expect(await run.isDisabled()).toBe(false);

      // The finished run's progress line belongs to its experiment: opening another removes it.
      expect(await page.locator('[data-testid=progress][data-state=done]').count()).toBe(1);
      await item(page, ids.plain).locator('.open').click();
      await expect.poll(() => page.locator('.title-row h2').textContent()).toMatch(new RegExp(`^#${ids.plain} `));
      expect(await page.getByTestId('progress').count()).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('a 2-D target trained with the network it picks draws a curved boundary: xor at 90 % accuracy or more', async () => {
    const { page, errors } = await openPage(SIZES[0]);
    await page.getByLabel('target', { exact: true }).selectOption('xor');
    await page.getByLabel('steps', { exact: true }).fill('3000');
    await page.getByLabel('batch size').fill('16');
    await page.getByTestId('run').click();
    await page.waitForSelector('[data-testid=boundary-chart] canvas', { timeout: 90_000 });
    await expect.poll(() => page.getByTestId('boundary-chart').textContent(), { timeout: 60_000 }).toMatch(/Accuracy: train (9\d|100)/);
    await page.screenshot({ path: join(artifacts, 'forms-xor-1600.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('loads an x1, x2, label CSV as 2-D classes with a network that fits them, and trains it', async () => {
    const { page, errors } = await openPage(SIZES[1]);
    const rows = Array.from({ length: 90 }, (_, i) => {
      const label = i % 3;
      const angle = (2 * Math.PI * label) / 3 + 0.3 * Math.sin(5 * i);
      const r = 0.3 + 0.5 * ((i * 37) % 11) / 11;
      return [(r * Math.cos(angle)).toFixed(4), (r * Math.sin(angle)).toFixed(4), label];
    });
    const file = join(lab.store.file, '..', 'classes.csv');
    writeFileSync(file, `x1,x2,label\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    await page.setInputFiles('input[type=file][aria-label="Load a CSV of x, y points"]', file);
    await expect.poll(() => page.getByTestId('csv-note').textContent()).toBe('90 points in 3 classes from classes.csv');
    expect(await page.getByLabel('target', { exact: true }).inputValue()).toBe('labeled');
    expect(await page.getByLabel('hidden widths').inputValue()).toBe('8, 8');
    expect(await page.getByLabel('activation', { exact: true }).inputValue()).toBe('tanh');
    expect(await page.getByLabel('output', { exact: true }).inputValue()).toBe('softmax');
    expect(await page.getByLabel('loss', { exact: true }).inputValue()).toBe('nll');
    await page.getByLabel('steps', { exact: true }).fill('3000');
    await page.getByLabel('batch size').fill('16');
    expect(await page.getByTestId('run').isDisabled()).toBe(false);
    await page.getByTestId('run').click();
    await page.waitForSelector('[data-testid=boundary-chart] canvas', { timeout: 90_000 });
    await expect.poll(() => page.getByTestId('boundary-chart').textContent(), { timeout: 60_000 }).toMatch(/Accuracy: train (9\d|100)/);
    const stored = lab.store.get(lab.store.list().at(-1)!.id).config;
    expect([stored.data.target.kind, stored.data.n, stored.model.outputs]).toEqual(['labeled', 90, 3]);
    await page.screenshot({ path: join(artifacts, 'forms-csv-classes-1280.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the JSON editor shows only the problems of the text as it is now', async () => {
    const { page, errors } = await openPage(SIZES[1]);
    await page.getByRole('button', { name: 'Edit as JSON' }).click();
    const json = page.getByTestId('config-json');
    const text = JSON.parse(await json.inputValue());
    text.optimizer.lr = -1;
    await json.fill(JSON.stringify(text, null, 2));
    await expect.poll(() => page.getByLabel('Problems in the config').textContent()).toContain('optimizer.lr: must be more than 0 (got -1)');
    // Half-typed: a syntax error, and not the lr problem of the text before it.
    await json.fill(JSON.stringify(text, null, 2).slice(0, -3));
    await expect.poll(() => page.locator('[data-testid=config] .field-error').textContent()).toMatch(/^config: not valid JSON/);
    expect(await page.getByLabel('Problems in the config').count()).toBe(0);
    expect(await page.locator('[data-testid=config] .actions').textContent()).toContain('1 problem to fix');
    text.optimizer.lr = 0.01;
    await json.fill(JSON.stringify(text, null, 2));
    await expect.poll(() => page.locator('[data-testid=config] .field-error').count()).toBe(0);
    expect(await page.getByLabel('Problems in the config').count()).toBe(0);
    expect(await page.getByTestId('run').isDisabled()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a run cancelled early keeps a loss curve of hundreds of points', async () => {
    const { page, errors } = await openPage(SIZES[0]);
    await page.getByLabel('steps', { exact: true }).fill('10000000');
    const before = lab.store.list().length;
    await page.getByTestId('run').click();
    await page.waitForSelector('[data-testid=progress][data-kind=run][data-state=running]');
    await page.waitForTimeout(300);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=progress][data-kind=run][data-state=cancelled]', { timeout: 30_000 });
    await expect.poll(() => lab.store.list().length).toBe(before + 1);
    const run = lab.store.get(lab.store.list().at(-1)!.id).runList[0];
    expect(run.status).toBe('cancelled');
    expect(run.stepsDone).toBeLessThan(20_000_000);
    // Hundreds of points however far a machine gets in 300 ms: every one of the first 100 steps, then
    // no gap wider than a tenth of the step reached, nor than the full stride of steps/1000 (10,000
    // here). The old fixed stride left a gap of 10,000 from step 0 (stepsDone/10,000 + 2 points).
    const steps = Array.from(run.loss.steps);
    const every = defaultRecordEvery(10_000_000);
    expect(steps.length).toBeGreaterThan(200);
    expect(steps.slice(0, DEFAULT_DENSE_START)).toEqual(Array.from({ length: DEFAULT_DENSE_START }, (_, i) => i));
    const wide = steps.filter((s, k) => k > 0 && s - steps[k - 1] > Math.min(every, Math.max(1, s / 10)));
    expect(wide).toEqual([]);
    expect(steps.at(-1)).toBe(run.stepsDone);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('sweeps', () => {
  for (const size of SIZES) {
    it(`opening a sweep keeps its base config in the form; its charts use log and whole-number axes (${size.width}×${size.height})`, async () => {
      const { page, errors } = await openPage(size);
      await item(page, ids.lrSweep).locator('.open').click();
      await page.waitForSelector('[data-testid=sweep-view] [data-x-scale]');
      // The first cell is sgd at lr 0.01; the base is adam at its default lr.
      expect(lab.store.get(ids.lrSweep).runList[0].config.optimizer.kind).toBe('sgd');
      await expect.poll(() => page.getByLabel('optimizer', { exact: true }).inputValue()).toBe('adam');
      expect(await page.getByLabel('learning rate', { exact: true }).inputValue()).toBe('0.01');
      // lr 0.01 … 0.05, log-spaced within one decade: a log axis, labelled at the swept values.
      const host = page.locator('[data-testid=sweep-view] [data-x-scale]');
      expect(await host.getAttribute('data-x-scale')).toBe('log');
      expect(await host.getAttribute('data-x-ticks')).toBe('0.01 0.0171 0.02924 0.05');
      await shot(page, 'sweep-lr', size);

      await item(page, ids.widthSweep).locator('.open').click();
      await expect.poll(() => page.locator('.title-row h2').textContent()).toContain('Hidden width');
      await expect.poll(() => host.getAttribute('data-x-ticks')).toBe('1 2 3 4 6 8 12 16');
      expect(await host.getAttribute('data-x-scale')).toBe('log');
      await shot(page, 'sweep-width', size);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('starting a sweep preset shows neither the previous experiment nor a phantom training curve', async () => {
    const { page, errors } = await openPage(SIZES[0]);
    await item(page, ids.plain).locator('.open').click();
    await page.waitForSelector('.title-row h2');
    const previous = await page.locator('.title-row h2').textContent();
    await page.getByRole('button', { name: 'Tutorial presets' }).click();
    await page.getByRole('button', { name: 'Run sweep: Comparison: SGD, Momentum, RMSprop, Adam' }).click();
    await page.waitForSelector('[data-testid=progress][data-kind=sweep]');
    // Nothing, or the sweep itself where it has already ended: never the experiment open before.
    expect(await page.locator('.title-row h2').allTextContents()).not.toContain(previous);
    await page.waitForTimeout(1000);
    expect(await page.locator('main').textContent()).not.toContain('training…');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=progress][data-kind=sweep]:is([data-state=cancelled],[data-state=done])', { timeout: 60_000 });
    await expect.poll(() => page.locator('.title-row h2').textContent(), { timeout: 30_000 }).toContain('Optimizer comparison');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('layout and the views', () => {
  it('the backprop tables stay inside the centre column at 1280×800', async () => {
    const { page, errors } = await openPage(SIZES[1]);
    await page.getByRole('button', { name: 'Basics', exact: true }).click();
    await page.getByRole('tab', { name: 'Backpropagation' }).click();
    await page.waitForSelector('[data-testid=backprop-layer]');
    const edges = await page.evaluate(() => {
      const main = document.querySelector('main')!.getBoundingClientRect();
      const library = document.querySelector('#library')!.getBoundingClientRect();
      const boxes = [...document.querySelectorAll('[data-testid=basics-backprop] .scroll')].map((el) => el.getBoundingClientRect().right);
      return { mainRight: main.right, libraryLeft: library.left, rights: boxes };
    });
    expect(edges.rights.length).toBeGreaterThanOrEqual(3);
    for (const right of edges.rights) {
      expect(right).toBeLessThanOrEqual(edges.mainRight + 0.5);
      expect(right).toBeLessThanOrEqual(edges.libraryLeft);
    }
    await shot(page, 'backprop', SIZES[1]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('views never say "No surface yet" while the surfaces are computing', async () => {
    const { page, errors } = await openPage(SIZES[0]);
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        if (document.querySelector('main')?.textContent?.includes('No surface yet')) seen.push('No surface yet');
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByLabel('steps', { exact: true }).fill('300');
    await page.getByLabel('seed', { exact: true }).fill('7');
    await page.getByTestId('run').click();
    for (const view of ['view-init', 'view-trained', 'view-optimum']) await page.waitForSelector(`[data-testid=${view}][data-state=ready]`, { timeout: 120_000 });
    expect(await page.evaluate(() => (window as unknown as { seen: string[] }).seen)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Theory', () => {
  for (const size of SIZES) {
    it(`the tutorial's theory with typeset formulas, opened from the header, every chart, preset and basics tab (${size.width}×${size.height})`, async () => {
      const { page, errors } = await openPage(size);
      await page.getByRole('button', { name: 'Theory', exact: true }).click();
      const theory = page.getByTestId('theory');
      await theory.waitFor();
      for (const heading of ['The problem', 'Neurons', 'Costs', 'Backpropagation', 'Linear regions', 'The three views', 'Initialization pitfalls', 'Optimizers']) {
        expect(await theory.getByRole('heading', { name: heading, exact: true }).count(), heading).toBe(1);
      }
      // Formulas are KaTeX's (MathML inside), not hand-made text.
      expect(await theory.locator('.katex').count()).toBeGreaterThan(40);
      expect(await theory.locator('.katex math').count()).toBeGreaterThan(40);
      expect(await theory.textContent()).toContain('Symmetric neurons');
      const dialog = page.getByRole('dialog', { name: 'Theory' });
      const box = (await dialog.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(size.width);
      await shot(page, 'theory', size);
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.count()).toBe(0);

      // From a chart of the open experiment.
      await item(page, ids.symmetric).locator('.open').click();
      await page.waitForSelector('.title-row h2');
      const links = page.locator('main [data-testid=theory-link]');
      await expect.poll(() => links.count()).toBeGreaterThanOrEqual(4);
      await page.locator('main [data-testid=theory-link][data-section=optimizers]').click();
      await expect.poll(() => page.locator('[data-testid=theory] nav a.current').textContent()).toBe('Optimizers');
      await page.keyboard.press('Escape');

      // From every preset card, at its own section. The gallery is imported when first opened, so its
      // cards appear a moment after the click.
      await page.getByRole('button', { name: 'Tutorial presets' }).click();
      const cards = page.getByTestId('preset-card');
      await expect.poll(() => cards.count()).toBe(PRESETS.length);
      const count = PRESETS.length;
      expect(await page.locator('[data-testid=preset-card] [data-testid=theory-link]').count()).toBe(count);
      await page.locator('[data-preset=symmetric-neurons] [data-testid=theory-link]').click();
      await expect.poll(() => page.locator('[data-testid=theory] nav a.current').textContent()).toBe('Initialization pitfalls');
      await page.keyboard.press('Escape');

      // From a basics tab.
      await page.getByRole('button', { name: 'Basics', exact: true }).click();
      await page.locator('[data-testid=basics-neurons] [data-testid=theory-link]').click();
      await expect.poll(() => page.locator('[data-testid=theory] nav a.current').textContent()).toBe('Neurons');
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
