// The renderer in a real browser (Debian's Chromium, driven by playwright-core) against the real
// bridge and service on a temporary database: run, follow progress, reload, reopen, export and
// import — with no console errors. Screenshots go to test-artifacts/.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../main/jobs/pool.js';
import { RENDERER_ROOT } from '../main/serve.js';
import { startBridge, type Bridge } from '../main/server.js';
import { LabService } from '../main/service.js';
import { openStore, type ExperimentStore } from '../main/store/index.js';

const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
let browser: Browser;
let bridge: Bridge;
let store: ExperimentStore;
let pool: WorkerPool;
const dir = mkdtempSync(join(tmpdir(), 'lab-ui-'));

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  store = openStore(join(dir, 'lab.sqlite'));
  pool = new WorkerPool(2);
  bridge = await startBridge({ service: new LabService(store, pool, { database: join(dir, 'lab.sqlite'), mode: 'browser' }), root: RENDERER_ROOT });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  await pool?.close();
  store?.db.close();
});

describe('the lab in a browser', () => {
  it('runs the default experiment, survives a reload, reopens, exports and imports', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));

    await page.goto(bridge.url);
    await expect.poll(() => page.getByText('No experiments yet').count()).toBe(1);
    await page.getByTestId('config').focus();
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=experiment-item]');
    await page.screenshot({ path: join(artifacts, 'shell-after-run.png') });

    await page.reload();
    await page.getByTestId('experiment-item').first().getByRole('button').first().click();
    await expect.poll(() => page.getByTestId('experiment-detail').textContent()).toMatch(/done · kernel js \(js\) · 1 run\(s\)/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export…' }).click()]);
    expect(download.suggestedFilename()).toBe('experiment-1.lab.json');
    const file = join(dir, 'exported.lab.json');
    await download.saveAs(file);
    await page.setInputFiles('input[type=file]', file);
    await expect.poll(() => page.getByTestId('experiment-item').count()).toBe(2);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('imported 1 experiment from exported.lab.json');

    // A bad config is refused with the field and what is allowed, and nothing runs.
    await page.getByTestId('config').fill('{ "data": { "target": { "kind": "hinge" } }, "steps": 0 }');
    await page.getByTestId('run').click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('steps: must be >= 1 (got 0)');
    expect(store.list()).toHaveLength(2);
    await page.screenshot({ path: join(artifacts, 'shell-error.png') });
    expect(errors).toEqual([]);
  });
});
