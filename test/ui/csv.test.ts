// CSV export of the charts and the alignment of series on different grids.
import { describe, expect, it } from 'vitest';
import { alignOnUnion, toCsv } from '../../renderer/src/lib/csv.js';

describe('toCsv', () => {
  it('quotes header cells, keeps full precision, leaves null and NaN empty and pads short columns', () => {
    const csv = toCsv(['step', 'run "a", lr=0.1', 'b'], [new Uint32Array([0, 10, 20]), [0.1 + 0.2, null, NaN], new Float64Array([1e-7])]);
    expect(csv).toBe('step,"run ""a"", lr=0.1",b\n0,0.30000000000000004,1e-7\n10,,\n20,,\n');
  });

  it('quotes a semicolon or tab too, so a reader sniffing the separator still finds the comma', () => {
    expect(toCsv(['a;b', 'c\td', 'e'], [[1], [2], [3]])).toBe('"a;b","c\td",e\n1,2,3\n');
  });

  it('writes only the header when there are no rows', () => {
    expect(toCsv(['t', 'J'], [[], []])).toBe('t,J\n');
  });
});

describe('alignOnUnion', () => {
  it('merges ascending grids and puts null where a series has no point', () => {
    const [grid, a, b] = alignOnUnion([
      { x: [0, 10, 20, 30], y: [4, 3, 2, 1] },
      { x: new Uint32Array([0, 15, 30]), y: new Float64Array([8, 7, 6]) },
    ]);
    expect(grid).toEqual([0, 10, 15, 20, 30]);
    expect(a).toEqual([4, 3, null, 2, 1]);
    expect(b).toEqual([8, null, 7, null, 6]);
  });

  it('returns the grid alone for no series', () => {
    expect(alignOnUnion([])).toEqual([[]]);
  });
});
