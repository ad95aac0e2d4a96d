/// <reference lib="dom" />
// One formatter for labels and messages in words (issue 20, findings 10, 11 and 13), in a real browser:
// a bound is said once, in words and rounded (never "<= 3.4028234663852886e+38"); "1 problem to fix"
// takes you to the field; an empty rename says so in words; a sweep's run labels are the view's own
// labels (no JSON, numbers to four digits), the same ones main stores and the CLI prints.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo, Result } from '../../shared/api.js';
import { presetByName } from '../../shared/presets.js';
import { experimentLandscape, saveRun } from '../../main/lab/experiments.js';
import { exportToFile, importExportFile } from '../../main/store/exchangeLines.js';
import { config, train } from '../support/helpers.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

let lab: BrowserLab;
let sweepId: number;
let runId: number;

async function call<T>(channel: string, payload: unknown): Promise<T> {
  const r = (await lab.service.call(channel, payload)) as Result<T>;
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
  return r.value;
}

beforeAll(async () => {
  lab = await openBrowserLab('words', 1);
  // The walk's instance: a whole optimizer object and a log range of its learning rate.
  const job = await call<JobInfo>('jobs.sweep', {
    spec: { name: 'words', base: { data: { target: { kind: 'hinge' } }, steps: 50 }, grid: { optimizer: [{ kind: 'sgd', lr: 0.1 }], 'optimizer.lr': { from: 1e-4, to: 1e-3, count: 3, scale: 'log' } }, seeds: 1 },
  });
  sweepId = (await lab.finished(job.id)).experimentId as number;
  runId = saveRun(lab.store, await train(config({ steps: 300 })), 'short');
  await experimentLandscape(lab.store, runId, { center: 'trained', axes: 'local', res: 17, span: 'auto' });
}, 120_000);
afterAll(() => lab?.close());

describe('labels and messages in words', () => {
  it('says a bound once, rounded and in words; "1 problem to fix" focuses the field; an empty rename is refused in words', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1280, height: 800 } });
    await page.waitForSelector('[data-testid=experiment-item]');
    const noise = page.getByLabel('noise (std)');
    await noise.fill('1e39');
    await expect.poll(() => page.getByText('must be at most 3.403e+38 (got 1e+39)', { exact: true }).count()).toBe(1);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toMatch(/3\.4028|[<>]=/);
    expect(text.split('3.403e+38').length - 1).toBe(1);

    await page.getByTestId('problems-link').click();
    expect(await noise.evaluate((el) => el === document.activeElement)).toBe(true);
    await noise.fill('0');
    await expect.poll(() => page.getByTestId('problems-link').count()).toBe(0);

    await page.getByRole('button', { name: `Rename experiment #${sweepId}` }).click();
    await page.getByLabel(`New name for experiment #${sweepId}`).fill('');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('toast-error').textContent()).toMatch(/name: must not be empty/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a sweep's run labels carry no JSON and no unrounded numbers, in the app and in the store", async () => {
    const labels = lab.store.get(sweepId).runList.map((r) => r.label).sort();
    expect(labels).toEqual(['optimizer.lr=1e-4 · optimizer=sgd lr=0.1 · seed=1', 'optimizer.lr=3.162e-4 · optimizer=sgd lr=0.1 · seed=1', 'optimizer.lr=0.001 · optimizer=sgd lr=0.1 · seed=1'].sort());
    const { page, errors } = await lab.open({ viewport: { width: 1280, height: 800 } });
    await page.locator('[data-testid=experiment-item] button.open').filter({ hasText: new RegExp(`#${sweepId}\\b`) }).click();
    await page.getByTestId('sweep-cell').first().waitFor();
    // The cell picker names each cell by the run labels' values; the open run's label is the stored one.
    const options = await page.getByTestId('sweep-cell-picker').locator('option').allTextContents();
    expect(options.map((o) => o.replace(/^\d+: /, '').replace(/ \(.*\)$/, '')).sort()).toEqual(labels.map((l) => l.replace(/ · seed=1$/, '')).sort());
    await expect.poll(() => page.getByTestId('sweep-run').textContent()).toContain(lab.store.get(sweepId, { sweepRun: 0 }).runList[0].label);
    // The table's cells say the same values.
    const cells = await page.locator('[data-testid=sweep-cell] td').allTextContents();
    expect(cells).toContain('3.162e-4');
    for (const cell of cells) expect(cell).not.toMatch(/[{"]|\d\.\d{5,}/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("export file names say whose they are and never collide (finding 17): the view's two PNG sizes, the loss and the fit carry the experiment's id", async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
    await page.locator('[data-testid=experiment-item] button.open').filter({ hasText: new RegExp(`#${runId}\\b`) }).click();
    await page.waitForSelector('[data-testid=view-trained][data-state=ready]', { timeout: 60_000 });
    const names: string[] = [];
    page.on('download', (d) => names.push(d.suggestedFilename()));
    for (const size of [/1920 px wide/, /screen size/]) {
      await page.getByTestId('view-trained').getByLabel(/^Export/).click();
      await page.getByTestId('view-trained').getByRole('button', { name: size }).click();
    }
    await page.getByRole('button', { name: 'Save the loss chart as PNG' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Save the fit chart as PNG' }).isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.getByRole('button', { name: 'Save the fit chart as PNG' }).click();
    await expect.poll(() => names.length, { timeout: 30_000 }).toBe(4);
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(name).toContain(String(runId));
    expect(names).toContain(`loss-${runId}.png`);
    expect(names).toContain(`fit-${runId}-trained.png`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an imported copy keeps its date but is the newest in the library, first in the list (finding 17: it landed mid-list by its old date)', async () => {
    const file = join(lab.dir, 'sweep.lab.json');
    exportToFile(lab.store, [sweepId], file);
    const [{ id: copy }] = importExportFile(lab.store, file);
    expect(lab.store.summary(copy).createdAt).toBe(lab.store.summary(sweepId).createdAt);
    const { page, errors } = await lab.open({ viewport: { width: 1280, height: 800 } });
    await expect.poll(() => page.locator('[data-testid=experiment-item] button.open').first().textContent()).toMatch(new RegExp(`^#${copy}\\b`));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a preset started again names the stored experiments of its config, renamed or not, and never one that merely shares its name (finding 15)', async () => {
    const preset = presetByName('sgd');
    // Its title on another config: named alike, trained otherwise — not a copy.
    const namesake = saveRun(lab.store, await train(config({ steps: 60 })), preset.title);
    const { page, errors } = await lab.open({ viewport: { width: 1280, height: 800 } });
    await page.waitForSelector('[data-testid=experiment-item]');
    const ofConfig = () => lab.store.list().filter((e) => e.id !== namesake && e.name === preset.title);
    await page.getByRole('button', { name: 'Tutorial presets' }).click();
    await page.getByRole('button', { name: `Run: ${preset.title}` }).click();
    await expect.poll(() => ofConfig().length, { timeout: 60_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('experiment-item').filter({ hasText: preset.title }).count()).toBe(2);
    expect(await page.getByTestId('toast-notice').count()).toBe(0);
    // Renamed, the first run is still the same config, and is found by it.
    const [first] = ofConfig();
    await call('experiments.rename', { id: first.id, name: 'my SGD run' });
    await page.getByRole('button', { name: 'Tutorial presets' }).click();
    await page.getByRole('button', { name: `Run: ${preset.title}` }).click();
    await expect.poll(() => page.getByTestId('toast-notice').textContent()).toContain(
      `“${preset.title}” trains a config already in the library as #${first.id}: this stores another copy with the same result. Open #${first.id} to see it without training.`,
    );
    expect(await page.getByTestId('toast-notice').textContent()).not.toContain(`#${namesake}`);
    await expect.poll(() => ofConfig().length, { timeout: 60_000 }).toBe(1);
    expect(lab.store.list().filter((e) => e.name === 'my SGD run')).toHaveLength(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('experiments.same: a run by its config, a race by its base, a sweep by its spec whatever its name; none for what was never trained', async () => {
    const stored = lab.store.summary(runId);
    const storedConfig = lab.store.get(runId).config;
    expect(await call<number[]>('experiments.same', { kind: 'run', config: storedConfig })).toContain(stored.id);
    expect(await call<number[]>('experiments.same', { kind: 'race', config: storedConfig })).toEqual([]);
    expect(await call<number[]>('experiments.same', { kind: 'run', config: { ...storedConfig, seed: 12345 } })).toEqual([]);
    const spec = lab.store.sweepSpec(sweepId) as Record<string, unknown>;
    expect(await call<number[]>('experiments.same', { kind: 'sweep', config: { ...spec, name: 'another name' } })).toContain(sweepId);
    expect(await call<number[]>('experiments.same', { kind: 'sweep', config: { ...spec, seeds: 2 } })).not.toContain(sweepId);
  });
});
