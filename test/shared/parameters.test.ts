import { describe, expect, it } from 'vitest';
import { parameterCount, parameterIndex, parameterName, parameterNames } from '../../shared/parameters.js';

describe('parameter names, computed from an index and back', () => {
  it('names the tutorial network in layout order', () => {
    expect(parameterNames([1, 2, 1])).toEqual(['W1[0,0]', 'W1[0,1]', 'b1[0]', 'b1[1]', 'W2[0,0]', 'W2[1,0]', 'b2[0]']);
  });

  it('names any parameter of an 8 × 1,024 network and finds it again, without listing 7.35 M names', () => {
    const sizes = [1, ...Array(8).fill(1024), 1];
    const P = parameterCount(sizes);
    expect(P).toBe(7_350_273);
    expect(parameterName(sizes, 0)).toBe('W1[0,0]');
    expect(parameterName(sizes, P - 1)).toBe('b9[0]');
    expect(parameterName(sizes, 2048 + 1024 * 1024 + 5)).toBe('b2[5]');
    for (const i of [0, 1023, 1024, 2047, 2048, 3_000_001, P - 2, P - 1]) expect(parameterIndex(sizes, parameterName(sizes, i))).toBe(i);
    expect(() => parameterName(sizes, P)).toThrow(/past this network/);
  });

  it('refuses names that are not this network’s parameters', () => {
    const sizes = [2, 3, 1];
    expect(parameterIndex(sizes, 'W1 [1, 2]')).toBe(5);
    for (const bad of ['W0[0,0]', 'W3[0,0]', 'W1[2,0]', 'W1[0,3]', 'b2[1]', 'b1[01]', 'W1[0]', 'x1[0]', 'b1[-1]', 'W1[0,0]x', '']) {
      expect(parameterIndex(sizes, bad)).toBe(-1);
    }
  });
});
