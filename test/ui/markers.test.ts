/// <reference lib="dom" />
// Markers sit on the surface at every scale (issue 20, finding 5: on a log scale the point markers
// floated below the surface's floor — a J below the log floor, or a point off the plane, gave them a
// height of their own). The height rule under Node, then the drawn views in Chromium: at each marker's
// place on the canvas, the surface under the pointer is the marker's own (α, β).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentLandscape, saveRun } from '../../main/lab/experiments.js';
import { heightAt, heightOf, heights, negativeCurvatureShare } from '../../renderer/src/lib/surfaceMath.js';
import { config, train } from '../support/helpers.js';
import { openBrowserLab, type BrowserLab } from '../support/labPage.js';

const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

describe('the height of a marker', () => {
  // A 3×3 plane whose lowest point is J = 0.001 at the centre.
  const grid = { alphas: [-1, 0, 1], betas: [-1, 0, 1] };
  const loss = [1, 0.1, 1, 0.1, 0.001, 0.1, 1, 0.1, 1];

  it('is the surface\'s own height at its (α, β), on a log and a linear scale', () => {
    for (const log of [true, false]) {
      const h = heights(loss, log);
      // At a grid point: the vertex's height.
      expect(heightAt(grid, h, 0, 0)).toBeCloseTo(h.z[4], 12);
      expect(heightAt(grid, h, 1, -1)).toBeCloseTo(h.z[2], 12);
      // Between grid points: between the heights around it, inside [zMin, zMax].
      const z = heightAt(grid, h, 0.5, 0.25)!;
      expect(z).toBeGreaterThanOrEqual(h.zMin);
      expect(z).toBeLessThanOrEqual(h.zMax);
      expect(heightAt(grid, h, 1.5, 0)).toBeNull();
    }
  });

  it('not the height of its own J, which on a log scale lies below the floor of the surface', () => {
    const h = heights(loss, true);
    // The optimum's own J as the legend gives it (3.08e-16, where the grid's point reads 0.001): its
    // own height is below the whole mesh, where the walk saw the markers float.
    expect(heightOf(3.08e-16, true, h.floor)).toBeLessThan(h.zMin);
    expect(heightAt(grid, h, 0, 0)).toBe(h.zMin);
  });
});

describe('negative curvature, counted above rounding (issue 20, finding 14)', () => {
  it("a flat direction's ±1e-12 is not negative curvature: a converged run's map no longer reads 100 %", () => {
    expect(negativeCurvatureShare([-1e-12, -3e-13, 2e-12, -0.2], [5, 4, 3, 1])).toBe(0.25);
    expect(negativeCurvatureShare([-1e-3, NaN], [0, 1])).toBe(1);
    expect(negativeCurvatureShare([NaN], [1])).toBeNull();
  });
});

describe('markers on the drawn surface', () => {
  let lab: BrowserLab;
  let runId: number;
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    lab = await openBrowserLab('markers', 2);
    const tutorial = config({ optimizer: { kind: 'adam', lr: 0.003, beta1: 0.95, beta2: 0.9 } });
    runId = saveRun(lab.store, await train(tutorial), 'Hinge, Adam');
    // Each view around its own point, and the three on one plane (the shared plane: two markers off-centre).
    for (const center of ['init', 'trained', 'optimum'] as const) await experimentLandscape(lab.store, runId, { center, axes: 'plane', res: 33, span: 'auto' });
  }, 180_000);
  afterAll(() => lab?.close());

  it('at 1600×1000, log scale: under each marker of each view the pointer reads the marker\'s own (α, β)', async () => {
    const { page, errors } = await lab.open({ viewport: { width: 1600, height: 1000 } });
    await page.locator('[data-testid=experiment-item] button.open').filter({ hasText: new RegExp(`#${runId}\\b`) }).click();
    await page.getByTestId('surface-layout').selectOption('row');
    let checked = 0;
    for (const view of ['view-init', 'view-trained', 'view-optimum']) {
      await page.waitForSelector(`[data-testid=${view}][data-state=ready]`, { timeout: 60_000 });
      const canvas = page.locator(`[data-testid=${view}] canvas`);
      await expect.poll(async () => JSON.parse((await canvas.getAttribute('data-markers')) ?? '[]').length).toBeGreaterThan(0);
      const markers = JSON.parse((await canvas.getAttribute('data-markers'))!) as { name: string; alpha: number; beta: number; x: number; y: number }[];
      const box = (await canvas.boundingBox())!;
      const surface = lab.store.get(runId).surfaces.find((x) => `view-${x.center}` === view)!;
      const span = Math.max(surface.alphas[surface.alphas.length - 1] - surface.alphas[0], surface.betas[surface.betas.length - 1] - surface.betas[0]);
      for (const m of markers) {
        // The sphere's centre is a little above the mesh: aim a pixel below it.
        await page.mouse.move(box.x + m.x, box.y + m.y + 1, { steps: 2 });
        const text = await page.locator(`[data-testid=${view}] [data-testid=hover-readout]`).textContent({ timeout: 5_000 }).catch(() => null);
        const read = /α (-?[\d.e+-]+), β (-?[\d.e+-]+)/.exec(text ?? '');
        expect(read, `${view} ${m.name}: no surface under the marker at (${m.x}, ${m.y})`).not.toBeNull();
        const [alpha, beta] = [Number(read![1]), Number(read![2])];
        // Within 3% of the view's span: a marker below the floor reads a point of the surface far in front of it.
        expect(Math.hypot(alpha - m.alpha, beta - m.beta) / span, `${view} ${m.name}: read (${alpha}, ${beta}), marker at (${m.alpha}, ${m.beta})`).toBeLessThan(0.03);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    await page.mouse.move(0, 0);
    await page.getByTestId('surface-panel').screenshot({ path: join(artifacts, 'markers-on-surface.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
