/// <reference lib="dom" />
// One progress model feeds the bar, the centre and the job centre (issue 20, finding 6: the bar said
// "256/4,096 · ETA 0.0 s" while the centre said "2 % … about 998 s left"; the counter ran backwards as
// the bar hopped between the three surface jobs; "ETA 0.0 s" stood for 13 s; "interpolation · done"
// after every run). The wording under Node, then every text the page shows during a run and its surfaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../shared/api.js';
import { batchProgress, batchText, etaText, jobText } from '../../renderer/src/lib/jobProgress.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

const job = (over: Partial<JobInfo>): JobInfo => ({
  id: 'j', kind: 'run', state: 'running', phase: 'training', step: 0, steps: 0, etaSeconds: null, bestLoss: null, experimentId: null, waitingFor: null, error: null, ...over,
});

describe('the progress wording', () => {
  it('one way to say time left: whole seconds, "finishing" when the counted work is done, nothing without a pace', () => {
    expect(etaText(11.2, 0.5, true)).toBe('about 12 s left');
    expect(etaText(0, 0.995, true)).toBe('finishing');
    expect(etaText(0.2, 0.9, true)).toBe('finishing');
    expect(etaText(null, 0.001, true)).toBe('');
    expect(etaText(5, 0.5, false)).toBe('');
    expect(jobText(job({ step: 4976, steps: 5000, etaSeconds: 0 }))).toBe('training · 4,976/5,000 · finishing');
    expect(jobText(job({ step: 2048, steps: 5000, etaSeconds: 2.5 }))).toBe('training · 2,048/5,000 · about 3 s left');
    expect(jobText(job({ state: 'done', phase: 'done', step: 5000, steps: 5000 }))).toBe('done · 5,000/5,000');
    expect(jobText(job({ state: 'queued', phase: 'queued' }))).toBe('queued');
  });

  it('the three surfaces as one share and one time left', () => {
    const p = batchProgress([job({ kind: 'landscape', step: 256, steps: 4096, etaSeconds: 0 }), job({ kind: 'landscape', state: 'done', phase: 'done' })], 3, 10);
    expect(p.fraction).toBeCloseTo((256 / 4096 + 1) / 3, 12);
    expect(batchText(p)).toMatch(/^35% · about \d+ s left$/);
  });
});

describe('in the browser', () => {
  let lab: BrowserLab;
  beforeAll(async () => {
    lab = await openBrowserLab('progress', 2);
  });
  afterAll(() => lab?.close());

  it('the bar and the centre say the same share and time left while the surfaces compute; the bar never follows a job nobody started', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1280, height: 800 } });
    await page.getByLabel('steps', { exact: true }).fill('3000');
    // Every state the page passes through, both texts as they stood together.
    await page.evaluate(() => {
      const w = window as unknown as { seen: { bar: string | null; centre: string | null }[] };
      w.seen = [];
      const text = (s: string) => document.querySelector(s)?.textContent?.trim() ?? null;
      new MutationObserver(() => w.seen.push({ bar: text('[data-testid=progress-text]'), centre: text('[data-testid=surface-progress]') })).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await page.getByTestId('run').click();
    await page.waitForSelector('[data-testid=view-trained][data-state=ready]', { timeout: 120_000 });
    await page.waitForSelector('[data-testid=view-optimum][data-state=ready]', { timeout: 120_000 });
    await expect.poll(() => lab.service.lab.listJobs().every((j) => j.state !== 'running' && j.state !== 'queued'), { timeout: 60_000 }).toBe(true);
    await page.waitForSelector('[data-testid=progress][data-kind=run][data-state=done]');
    const seen = await page.evaluate(() => (window as unknown as { seen: { bar: string | null; centre: string | null }[] }).seen);
    const bars = seen.map((s) => s.bar).filter((b): b is string => b !== null);
    expect(bars.some((b) => b.startsWith('training'))).toBe(true);
    for (const b of bars) {
      expect(b).not.toMatch(/interpolat|ETA/);
      expect(b).not.toMatch(/about 0 s left/);
    }
    let together = 0;
    for (const { bar, centre } of seen) {
      if (!bar?.startsWith('surfaces') || !centre) continue;
      const share = (t: string) => /(\d+)%/.exec(t)?.[1];
      const left = (t: string) => /· (about \d+ s left|finishing)/.exec(t)?.[1] ?? '';
      expect([share(bar), left(bar)]).toEqual([share(centre), left(centre)]);
      together++;
    }
    expect(together).toBeGreaterThan(0);
    expect(await page.getByTestId('progress-text').textContent()).toMatch(/^done · 3,000\/3,000/);
    // The job centre words each job the same way.
    await page.getByTestId('job-centre').click();
    const rows = await page.locator('[data-testid=job-row] .state').allTextContents();
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const r of rows) expect(r).not.toMatch(/ETA|about 0 s/);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
