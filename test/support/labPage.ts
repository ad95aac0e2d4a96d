// The lab as the browser tests open it: a test lab (real store, worker pool and service on a
// temporary database), the bridge that serves the renderer against it, and Debian's Chromium.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { RENDERER_ROOT } from '../../main/bridge/serve.js';
import { startBridge, type Bridge } from '../../main/bridge/server.js';
import { launchChromium } from './browser.js';
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
