// The lab as the browser tests open it: a test lab (real store, worker pool and service on a
// temporary database), the bridge that serves the renderer against it, and Debian's Chromium.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { RENDERER_ROOT } from '../../main/bridge/serve.js';
import { startBridge, type Bridge } from '../../main/bridge/server.js';
import type { JobInfo, Result } from '../../shared/api.js';
import { experimentLandscape, saveRun } from '../../main/lab/experiments.js';
import { race, saveRace } from '../../main/lab/race.js';
import { launchChromium } from './browser.js';
import { config, train } from './helpers.js';
import { openTestLab, type TestLab } from './lab.js';

export interface BrowserLab extends TestLab {
  bridge: Bridge;
  browser: Browser;
  /** A new page on the lab; console errors and uncaught exceptions are collected in `errors`. */
  open(options?: BrowserContextOptions): Promise<{ page: Page; errors: string[] }>;
}

export async function openBrowserLab(name: string, workers = 2): Promise<BrowserLab> {
  const lab = openTestLab(name, workers);
  const bridge = await startBridge({ channels: lab.service, root: RENDERER_ROOT });
  const browser = await launchChromium().catch(async (e: unknown) => {
    await bridge.close();
    await lab.close();
    throw e;
  });
  const open = async (options: BrowserContextOptions = {}) => {
    const page = await browser.newPage(options);
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(bridge.url);
    return { page, errors };
  };
  const close = async () => {
    await browser.close();
    await bridge.close();
    await lab.close();
  };
  return { ...lab, bridge, browser, open, close };
}

/** A LabApi call through the lab's service, as the page makes it; throws the refusal's message. */
export async function labCall<T>(lab: TestLab, channel: string, payload: unknown): Promise<T> {
  const r = (await lab.service.call(channel, payload)) as Result<T>;
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
  return r.value;
}

/**
 * One experiment of each kind the panels show: a run with its three surfaces (and so its Hessians),
 * a race, and a sweep over two fields whose table has every column.
 */
export async function seedEveryKind(lab: TestLab): Promise<{ runId: number; raceId: number; sweepId: number }> {
  const tutorial = config({ optimizer: { kind: 'adam', lr: 0.003, beta1: 0.95, beta2: 0.9 } });
  const runId = saveRun(lab.store, await train(tutorial), 'Hinge, Adam');
  for (const center of ['init', 'trained', 'optimum'] as const) await experimentLandscape(lab.store, runId, { center, axes: 'local', res: 33, span: 'auto' });
  const short = config({ steps: 1500, record: { snapshots: 31 } });
  const raceId = saveRace(lab.store, short, await race(short));
  const job = await labCall<JobInfo>(lab, 'jobs.sweep', {
    spec: { name: 'lr × width', base: { data: { target: { kind: 'hinge' } }, steps: 200 }, grid: { 'optimizer.lr': { from: 1e-4, to: 1, count: 3, scale: 'log' }, 'model.hidden': [[2], [8, 8]] }, seeds: 2 },
  });
  const sweepId = (await lab.finished(job.id)).experimentId as number;
  return { runId, raceId, sweepId };
}
