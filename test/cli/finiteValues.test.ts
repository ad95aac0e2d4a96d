// Numbers that are not finite, or too large for float32, at every door and in every printer: the
// config schema names the field, data that would overflow is refused before any work, and what the
// CLI prints for a stored run, surface or curve is total over NaN and ±Infinity.
import { describe, expect, it } from 'vitest';
import { InputError, parseConfig } from '../../shared/config.js';
import { jsonShapeProblem } from '../../shared/jsonBounds.js';
import { finiteExtent, fraction, maxOf, minOf } from '../../shared/numbers.js';
import { asciiFit, interpolationText, landscapeText, runText } from '../../main/cli/text/run.js';
import { fitLine } from '../../main/lab/fit.js';
import { linspace } from '../../main/engine/surface.js';
import { config, HINGE, interpolation, landscape, train } from '../support/helpers.js';

const refusal = (input: unknown) => {
  try {
    parseConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('the config schema: every number that becomes float32 data must fit float32', () => {
  const cases: [string, unknown, RegExp][] = [
    ['xRange beyond float32', { target: HINGE, xRange: [-1e308, 1e308] }, /^data\.xRange\[0\]: must be at least -3\.403e\+38 \(got -1e\+308\)$/],
    ['polynomial coefficients of 1e308', { target: { kind: 'polynomial', coefficients: [1e308, 1e308, 1e308] } }, /^data\.target\.coefficients\[0\]: must be at most 3\.403e\+38 \(got 1e\+308\)$/],
    ['a given point beyond float32', { target: { kind: 'points', x: [0, 1e39], y: [0, 1] } }, /^data\.target\.x\[1\]: must be at most 3\.403e\+38/],
    ['a sine amplitude beyond float32', { target: { kind: 'sine', amplitude: -1e39 } }, /^data\.target\.amplitude: must be at least -3\.403e\+38/],
    ['noise beyond float32', { target: HINGE, noise: 1e300 }, /^data\.noise: must be at most 3\.403e\+38/],
    ['a hinge slope beyond float32', { target: { ...HINGE, m1: 1e300 } }, /^data\.target\.m1: must be at most /],
    ['Infinity (JSON 1e999)', JSON.parse('{"target": {"kind": "hinge", "b": 1e999}}'), /^data\.target\.b: /],
  ];
  for (const [name, data, message] of cases) it(name, () => expect(refusal({ data })).toMatch(message));

  it('the largest float32 itself is allowed', () => {
    expect(parseConfig({ data: { target: HINGE, xRange: [-3.4028234663852886e38, 3.4028234663852886e38] } }).data.xRange[1]).toBe(3.4028234663852886e38);
  });
});

describe('data whose targets overflow float32 is refused before any work', () => {
  it('a polynomial of finite coefficients that reaches Infinity on its range', async () => {
    const c = config({ data: { target: { kind: 'polynomial', coefficients: [1e38, 1e38, 1e38] }, xRange: [-10, 10] }, steps: 10 });
    await expect(train(c, { kernel: 'js' })).rejects.toThrow(/^data\.target: reaches y = Infinity at x = -10\.00, beyond float32's ±3\.4e38/);
    await expect(train(c, { kernel: 'js' })).rejects.toBeInstanceOf(InputError);
  });

  it('noise that carries a finite target beyond float32', async () => {
    const c = config({ data: { target: { kind: 'sine', amplitude: 3e38 }, noise: 3e38 }, steps: 10 });
    await expect(train(c, { kernel: 'js' })).rejects.toThrow(/^data\.target: reaches y = -?Infinity/);
  });
});

describe('printers are total over non-finite and extreme numbers', () => {
  it('the fit of a run with NaN, ±Infinity and ±3e38 in its data and NaN parameters', async () => {
    const r = await train(config({ data: { target: HINGE, n: 20 }, steps: 5 }), { kernel: 'js' });
    const y = Float32Array.from(r.data.y);
    y[0] = NaN;
    y[1] = Infinity;
    y[2] = -3e38;
    y[3] = 3e38;
    const x = Float32Array.from(r.data.x);
    x[19] = Infinity;
    const broken = { ...r, data: { ...r.data, x, y }, params: { ...r.params, final: new Float32Array(r.params.final.length).fill(NaN) }, finalLoss: NaN, status: 'diverged' as const };
    const fit = asciiFit(broken, fitLine(broken, 64)).split('\n');
    expect(fit).toHaveLength(19);
    expect(fit[0]).toMatch(/^ {2}3\.0e\+38 │/);
    expect(fit[15]).toMatch(/^ -3\.0e\+38 │/);
    expect(runText(broken, fitLine(broken, 64))).toMatch(/The run diverged/);
  });

  it('a 512×512 surface (262,144 losses: spread into Math.min they overflowed the stack) with NaN, Infinity and NaN markers', async () => {
    const small = await landscape(config({ data: { target: HINGE, n: 20 }, steps: 20 }), { center: 'trained', axes: 'plane', res: 3, span: 1 }, { kernel: 'js' });
    const res = 512;
    const loss = Float64Array.from({ length: res * res }, (_, i) => 1 + i);
    loss[0] = NaN;
    loss[1] = Infinity;
    const markers = { ...small.markers, trained: { alpha: NaN, beta: NaN, loss: NaN, offPlane: NaN } };
    const text = landscapeText({ ...small, alphas: linspace(-1, 1, res), betas: linspace(-1, 1, res), loss, markers }).split('\n');
    expect(text[1]).toMatch(/^J from 3 to 2\.62e\+5 \(2 of 262144 points not finite: \?\)/);
    const grid = text.filter((l) => l.startsWith('  │'));
    expect(grid).toHaveLength(24);
    expect(grid[23]).toMatch(/^ {2}│\?/);
    expect(text.join('\n')).toMatch(/trained {2}α=NaN β=NaN J=NaN/);
  });

  it('a surface and a curve where nothing is finite', async () => {
    const small = await landscape(config({ data: { target: HINGE, n: 20 }, steps: 20 }), { center: 'trained', axes: 'plane', res: 3, span: 1 }, { kernel: 'js' });
    expect(landscapeText({ ...small, loss: new Float64Array(9).fill(NaN) })).toMatch(/J is not finite anywhere \(9 of 9 points not finite: \?\)/);
    const curve = await interpolation(config({ data: { target: HINGE, n: 20 }, steps: 20 }), { from: 'init', to: 'trained', points: 3 }, { kernel: 'js' });
    expect(interpolationText({ ...curve, loss: Float64Array.of(NaN, Infinity, -Infinity) })).toMatch(/t=0\.5 +J=Infinity/);
  });
});

describe('reductions over data-sized arrays', () => {
  it('a million values, with NaN and Infinity', () => {
    const v = Float64Array.from({ length: 1_000_000 }, (_, i) => i - 500_000);
    v[7] = NaN;
    v[8] = -Infinity;
    expect(finiteExtent(v)).toEqual({ lo: -500_000, hi: 499_999 });
    expect(finiteExtent([NaN, Infinity])).toBeNull();
    expect(minOf([3, 1, 2])).toBe(1);
    expect(maxOf([3, 1, 2])).toBe(3);
    expect(minOf(v)).toBeNaN();
    expect(fraction(3e38, -3.4e38, 3.4e38)).toBeCloseTo(0.941, 3);
    expect(fraction(NaN, 0, 1)).toBeNaN();
  });
});

describe('the shape of outside JSON is bounded before any schema recurses into it', () => {
  it('5,000-deep nesting is refused at the depth limit, with its path', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const problem = jsonShapeProblem({ runs: [{ hyper: deep }] });
    expect(problem?.message).toBe('nests deeper than 24 levels');
    expect(problem?.path.slice(0, 4)).toEqual(['runs', 0, 'hyper', 'a']);
    expect(problem?.path).toHaveLength(24);
  });

  it('a 300,000-key object is refused by its 65th key (importBounds.test.ts sends 2,000,000 through a file)', () => {
    const wide = Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, i]));
    expect(jsonShapeProblem({ sweep: { spec: { base: wide } } })).toEqual({ path: ['sweep', 'spec', 'base'], message: 'has more than 64 fields' });
    expect(jsonShapeProblem(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])))).toEqual({ path: [], message: 'has more than 64 fields' });
  });

  it('a document within the bounds passes, however long its arrays', () => {
    expect(jsonShapeProblem({ a: [[1, 2], { b: 'c' }], x: Array.from({ length: 100_000 }, (_, i) => ({ i })) })).toBeNull();
  });
});
