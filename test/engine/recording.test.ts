// A run that stops early keeps a useful loss curve: the default recording starts dense and widens its
// stride as the run goes on, so a cancel (or a divergence) at any step leaves hundreds of points, not
// the handful a fixed stride of steps/1000 leaves. Real kernel, real abort signal.
import { describe, expect, it } from 'vitest';
import { jsKernel } from '../../main/engine/jsKernel.js';
import { DEFAULT_DENSE_START, defaultRecordEvery, trainBatch } from '../../main/engine/train.js';
import { config, singleRunBatch, train } from '../support/helpers.js';

describe('recording a run that stops', () => {
  it('a run cancelled after 1,376 of 1,000,000 steps keeps more than 250 points, from 0 to the stop', async () => {
    const every = defaultRecordEvery(1_000_000);
    const spec = { ...singleRunBatch({ steps: 1_000_000 }, every), denseStart: DEFAULT_DENSE_START };
    const controller = new AbortController();
    let stopped = false;
    const [out] = await trainBatch(jsKernel, spec, {
      signal: controller.signal,
      yieldMs: 0,
      onProgress: (p) => {
        if (!stopped && p.step >= 1376) {
          stopped = true;
          controller.abort();
        }
      },
    });
    expect(out.status).toBe('cancelled');
    expect(out.stepsDone).toBeGreaterThanOrEqual(1376);
    expect(out.stepsDone).toBeLessThan(1376 + 64);
    const steps = Array.from(out.loss.steps);
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(out.stepsDone);
    expect(steps.length).toBeGreaterThan(250);
    // The first 100 steps are each recorded; after that, no gap wider than 1/10 of the step reached.
    expect(steps.slice(0, DEFAULT_DENSE_START)).toEqual(Array.from({ length: DEFAULT_DENSE_START }, (_, i) => i));
    for (let k = 1; k < steps.length; k++) expect(steps[k] - steps[k - 1]).toBeLessThanOrEqual(Math.max(1, steps[k] / 10));
    // A fixed stride of steps/1000 would have kept 3 points: 0, 1000 and the stop.
    expect(every).toBe(1000);
  });

  it('a finished default run records about 10 % more than steps/1000 points, widening to that stride', async () => {
    const result = await train(config({ steps: 5000 }));
    const steps = Array.from(result.loss.steps);
    expect(steps.at(-1)).toBe(5000);
    expect(steps.length).toBeGreaterThan(1000);
    expect(steps.length).toBeLessThan(1150);
    expect(steps.at(-1)! - steps.at(-2)!).toBe(defaultRecordEvery(5000));
  });

  it('a long default run keeps every record of its widening phases and of the full stride', async () => {
    const result = await train(config({ steps: 200_000 }));
    const steps = Array.from(result.loss.steps);
    // 100 dense steps, 50 per doubling of the stride up to 200 (8 doublings), then one per 200 steps.
    const expected: number[] = [];
    for (let s = 0; s < 100; s++) expected.push(s);
    let stride = 2;
    for (let from = 100; stride < 200; from *= 2, stride *= 2) for (let s = from; s < 2 * from; s += stride) expected.push(s);
    for (let s = expected.at(-1)! + 200 - (expected.at(-1)! % 200); s <= 200_000; s += 200) expected.push(s);
    expect(steps).toEqual(expected);
    // More than steps/stride + 2·dense start: the bound the loss buffer once assumed, wrongly.
    expect(steps.length).toBeGreaterThan(1 + 2 * 100 + 1000 + 2);
  });

  it('a stride the config chooses is kept exactly', async () => {
    const result = await train(config({ steps: 95, record: { every: 10 } }));
    expect(Array.from(result.loss.steps)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
  });
});
