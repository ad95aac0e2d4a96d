// Wide networks train a few runs at a time (main/engine/memory.ts): the groups change no number.
import { describe, expect, it } from 'vitest';
import { runsPerGroup } from '../../main/engine/memory.js';
import { runConfigs } from '../../main/engine/runs.js';
import { bytesOf, config } from '../support/helpers.js';

describe('runs train in groups that fit a memory budget', () => {
  it('gives the widest networks one run per group, the tutorial network all of them', () => {
    expect(runsPerGroup(7_350_273)).toBe(1);
    expect(runsPerGroup(1_051_649)).toBe(7);
    expect(runsPerGroup(7)).toBeGreaterThan(1_000_000);
  });

  it('trains 9 runs of 1→1024→1024→1 in two groups, each run as it trains alone', async () => {
    const base = { model: { hidden: [1024, 1024], activation: 'tanh' as const }, data: { target: { kind: 'hinge' as const, x0: 0.25, m1: 1.5, m2: -0.5, b: 0 }, n: 16 }, steps: 3, batchSize: 4 };
    const configs = Array.from({ length: 9 }, (_, seed) => config({ ...base, seed }));
    let most = 0;
    const together = await runConfigs(configs, { kernel: 'simd', onProgress: (p) => (most = Math.max(most, p.steps)) });
    expect(most).toBe(2 * 3); // two groups of 3 steps each: 7 runs, then 2
    for (const k of [0, 6, 7, 8]) {
      // Alone, as one slice of a batch of 9: the snapshot budget a run gets depends on its batch's size.
      const [alone] = await runConfigs([configs[k]], { kernel: 'simd', batchRuns: 9 });
      expect(bytesOf(together[k].params.final).equals(bytesOf(alone.params.final))).toBe(true);
      expect(together[k].loss.values).toEqual(alone.loss.values);
      expect(together[k].snapshots.steps).toEqual(alone.snapshots.steps);
      expect(bytesOf(together[k].snapshots.params).equals(bytesOf(alone.snapshots.params))).toBe(true);
    }
  }, 120_000);
});
