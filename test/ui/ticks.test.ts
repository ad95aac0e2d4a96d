// The renderer's one tick rule and its number formats: the edge cases each view's ticks met (the 3D
// views', the maps', the charts'), and what each format writes.
import { describe, expect, it } from 'vitest';
import { formatLoss, formatNumber, formatTick, formatValue } from '../../renderer/src/lib/format.js';
import { heightTicks, isDecade, niceTicks } from '../../renderer/src/lib/ticks.js';

describe('niceTicks', () => {
  it('gives round values 1, 2 or 5 × 10^k apart inside the range', () => {
    expect(niceTicks(-0.04, 0.04, 6)).toEqual([-0.04, -0.02, 0, 0.02, 0.04]);
    expect(niceTicks(0, 1000, 4)).toEqual([0, 500, 1000]);
    expect(niceTicks(0.13, 0.97, 5)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(3, 7, 5)).toEqual([3, 4, 5, 6, 7]);
  });

  it('writes ticks as round numbers, not float sums', () => {
    expect(niceTicks(0, 1, 10)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(niceTicks(-0.3, 0.3, 6)).toEqual([-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
  });

  it('keeps a tick at an end that float noise moved past it', () => {
    // 0.1 + 0.2 = 0.30000000000000004, just above the tick at 0.3.
    expect(niceTicks(0.1 + 0.2, 1, 7)[0]).toBe(0.3);
    expect(niceTicks(0, 0.7 - 1e-12, 7).at(-1)).toBe(0.7);
  });

  it('writes zero as 0, never −0 or a float residue', () => {
    const ticks = niceTicks(-0.7, 0.7, 7);
    expect(ticks).toContain(0);
    expect(Object.is(ticks[ticks.indexOf(0)], -0)).toBe(false);
    expect(niceTicks(-0.1 * 3, 0.3, 6).filter((v) => Math.abs(v) < 1e-9)).toEqual([0]);
  });

  it('gives [min] for an empty or reversed range, or a max that is not finite', () => {
    expect(niceTicks(2, 2)).toEqual([2]);
    expect(niceTicks(5, 1)).toEqual([5]);
    expect(niceTicks(1, Infinity)).toEqual([1]);
    expect(niceTicks(1, NaN)).toEqual([1]);
  });

  it('gives nothing for a min that is not finite', () => {
    expect(niceTicks(NaN, 1)).toEqual([]);
    expect(niceTicks(-Infinity, 1)).toEqual([]);
    expect(niceTicks(Infinity, Infinity)).toEqual([]);
  });

  it('takes a count below 1 as 1, and a count that is not a number as the default 5', () => {
    expect(niceTicks(0, 10, 0)).toEqual([0, 10]);
    expect(niceTicks(0, 10, -3)).toEqual([0, 10]);
    expect(niceTicks(0, 10, NaN)).toEqual(niceTicks(0, 10));
  });

  it('ends on a range narrower than the floats can step through, each value once', () => {
    const ticks = niceTicks(1, 1 + 2 ** -52, 5);
    expect(ticks).toEqual([1]);
    expect(niceTicks(1e20, 1e20 + 65536, 5).length).toBeLessThanOrEqual(6);
  });

  it('spans ranges far from 1 and far from 0', () => {
    expect(niceTicks(1e-9, 5e-9, 4)).toEqual([1e-9, 2e-9, 3e-9, 4e-9, 5e-9]);
    expect(niceTicks(1000.2, 1000.8, 3)).toEqual([1000.2, 1000.4, 1000.6, 1000.8]);
  });
});

describe('heightTicks', () => {
  it('labels a log scale by decades, every few when there are many', () => {
    expect(heightTicks(-3.2, 0.5, true).map((t) => t.J)).toEqual([1e-3, 1e-2, 1e-1, 1]);
    expect(heightTicks(-15, 0, true).map((t) => t.z)).toEqual([-15, -12, -9, -6, -3, 0]);
  });

  it('falls back to round heights within one decade, and to round J on a linear scale', () => {
    expect(heightTicks(-1.9, -1.2, true)).toEqual([{ z: -1.5, J: 10 ** -1.5 }]);
    expect(heightTicks(0, 2, false)).toEqual([0, 0.5, 1, 1.5, 2].map((J) => ({ z: J, J })));
  });
});

describe('isDecade', () => {
  it('is true for powers of ten only', () => {
    expect([1e-8, 0.01, 1, 1000, 1e15].every(isDecade)).toBe(true);
    expect([0, -10, 2, 0.02, 5e5, NaN].some(isDecade)).toBe(false);
  });
});

describe('number formats', () => {
  it('formatNumber: three digits on canvases, exponent form outside [1e-3, 1e4), short', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(0.0451)).toBe('0.0451');
    expect(formatNumber(1234.5)).toBe('1230');
    expect(formatNumber(12345)).toBe('1.23e4');
    expect(formatNumber(4.67e-6)).toBe('4.67e-6');
    expect(formatNumber(1e-4, 2)).toBe('1e-4');
    expect(formatNumber(2.5e-5, 2)).toBe('2.5e-5');
    expect(formatNumber(Infinity)).toBe('Infinity');
    expect(formatNumber(NaN)).toBe('NaN');
  });

  it('formatTick: four digits on chart axes, exponent form from 1e5 keeping its sign', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(12500)).toBe('12500');
    expect(formatTick(1e5)).toBe('1e+5');
    expect(formatTick(1e-3)).toBe('0.001');
    expect(formatTick(2.5e-4)).toBe('2.5e-4');
    expect(formatTick(-0.25)).toBe('-0.25');
  });

  it('formatValue: four digits in read-outs, every digit in exponent form, — for none', () => {
    expect(formatValue(null)).toBe('—');
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue(NaN)).toBe('—');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(0.06614)).toBe('0.06614');
    expect(formatValue(5.97e8)).toBe('5.970e+8');
    expect(formatValue(5.97e8, 2)).toBe('6.0e+8');
    expect(formatValue(0.123456, 2)).toBe('0.12');
  });
});

describe('formatLoss', () => {
  it("says one J for one point: rounding noise below 1e-12 is 0 (issue 20, finding 14: the legend's 0 was the card's 3.08e-16)", () => {
    expect(formatLoss(3.08e-16)).toBe('0');
    expect(formatLoss(0)).toBe('0');
    expect(formatLoss(4.67e-6)).toBe('4.67e-6');
    expect(formatLoss(0.435)).toBe('0.435');
  });
});
