/// <reference lib="dom" />
// "Run on a cluster…" and "Import results…" in a real browser against the real bridge and service:
// the editor writes the SLURM folder and shows the login-node commands; the array's own script trains
// shards (run here with bash and SLURM_ARRAY_TASK_ID, as SLURM would run it); the import merges them
// into the app's database and the sweep view shows runs per shard, incomplete until the last arrives.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
let lab: BrowserLab;
let folder: string;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  lab = await openBrowserLab('cluster-ui', 1);
  folder = join(lab.dir, 'cluster');
});
afterAll(() => lab?.close());

/** Runs the array's script for one task, as slurmd would: bash with SLURM_ARRAY_TASK_ID set. */
function runShard(k: number): void {
  const r = spawnSync('bash', [join(folder, 'shards.sbatch')], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SLURM_ARRAY_TASK_ID: String(k) } });
  expect([r.status, r.stderr]).toEqual([0, '']);
  expect(readFileSync(join(folder, 'logs', `shard-${k}.exit`), 'utf8')).toBe('0\n');
}

async function shardStates(page: Page, scope: string): Promise<string[]> {
  return page.locator(`${scope} [data-testid=shard-row]`).evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-state')} ${r.querySelector('.count')?.textContent}`));
}

describe('a sweep on a cluster, from the app', () => {
  it('writes the SLURM folder, imports the shards, and shows the sweep per shard until it is complete', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1500, height: 950 } });
    await page.getByLabel('steps', { exact: true }).fill('300');
    await page.getByText('Sweep over fields…').click();
    await expect.poll(() => page.getByTestId('sweep-size').textContent()).toMatch(/3 cells × 3 seeds = 9 runs/);

    await page.getByTestId('run-on-cluster').click();
    const dialog = page.getByTestId('cluster-dialog');
    await dialog.getByLabel('folder').fill(folder);
    await dialog.getByLabel('shards').fill('3');
    await dialog.getByLabel('time limit').fill('0:30:00');
    await dialog.getByTestId('cluster-write').click();
    await expect.poll(() => dialog.getByTestId('cluster-commands').textContent()).toBe(`bash '${folder}/submit.sh'\nlandscape-lab sweep --status '${folder}'`);
    expect(await dialog.getByTestId('cluster-written').textContent()).toContain(`The merge writes into ${lab.database}`);
    const manifest = JSON.parse(readFileSync(join(folder, 'cluster.json'), 'utf8'));
    expect([manifest.shards, manifest.runsTotal, manifest.db]).toEqual([3, 9, lab.database]);
    expect(readFileSync(join(folder, 'shards.sbatch'), 'utf8')).toMatch(/^#SBATCH --time=0:30:00$/m);
    await page.screenshot({ path: join(artifacts, 'cluster-run.png') });

    // A bad limit is refused in one line, naming the field.
    await dialog.getByLabel('time limit').fill('soon');
    await dialog.getByTestId('cluster-write').click();
    await expect.poll(() => dialog.getByTestId('cluster-error').textContent()).toBe('--time: must be a SLURM time limit such as 30, 1:30:00 or 2-00:00:00 (got "soon")');
    await page.keyboard.press('Escape');

    runShard(0);
    runShard(2);
    await page.getByTestId('import-cluster').click();
    await dialog.getByLabel('folder').fill(folder);
    await dialog.getByTestId('cluster-status').click();
    // A folder's progress and its merge are read in threads of their own: started from the sources here, through tsx, which takes seconds.
    await expect.poll(() => shardStates(page, '[data-testid=cluster-dialog]'), { timeout: 20_000 }).toEqual(['done 3/3', 'waiting 0/3', 'done 3/3']);
    await dialog.getByTestId('cluster-import').click();
    await expect.poll(() => dialog.getByTestId('cluster-imported').textContent(), { timeout: 20_000 }).toMatch(/^Merged 6 runs — experiment 1, 6 of 9\s+runs, incomplete\.\s*Missing: shard 1 \(runs 3–5\)\.$/);
    expect(lab.store.summary(1)).toMatchObject({ status: 'interrupted', runs: 6, isSweep: true });
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: /^#1 / }).click();
    const view = '[data-testid=sweep-view]';
    await expect.poll(() => shardStates(page, view)).toEqual(['done 3/3', 'missing 0/3', 'done 3/3']);
    expect(await page.locator(view).textContent()).toContain('3 cells × 3 seeds · 6 of 9 runs stored');
    expect(await page.locator(`${view} [data-testid=shard-progress] h3`).textContent()).toBe('Shards 6 of 9 runs — incomplete');
    await page.screenshot({ path: join(artifacts, 'cluster-incomplete.png') });

    runShard(1);
    await page.getByTestId('import-cluster').click();
    await dialog.getByTestId('cluster-import').click();
    await expect.poll(() => dialog.getByTestId('cluster-imported').textContent(), { timeout: 20_000 }).toMatch(/^Merged 3 runs — experiment 1, 9 of 9\s+runs, complete\.\s*$/);
    await page.keyboard.press('Escape');
    await expect.poll(() => shardStates(page, view)).toEqual(['done 3/3', 'done 3/3', 'done 3/3']);
    // The open sweep follows the merge: its statistics and header show all nine runs.
    await expect.poll(() => page.locator(view).textContent()).toContain('3 cells × 3 seeds · 9 of 9 runs stored');
    await expect.poll(() => page.locator('main').textContent()).toMatch(/done · kernel \w+ \([^)]*\) · 9 run\(s\)/);
    expect(lab.store.summary(1)).toMatchObject({ status: 'done', runs: 9 });
    await page.screenshot({ path: join(artifacts, 'cluster-complete.png') });
    expect(existsSync(join(folder, 'logs', 'merge.exit'))).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
