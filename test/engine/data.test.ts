// Datasets, the PRNG, initializers and the config schema's defaults and messages.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError, parseConfig } from '../../shared/config.js';
import { makeDataset, targetFunction } from '../../main/engine/data.js';
import { initialParams } from '../../main/engine/init.js';
import { architectureOf, layoutOf, parameterIndex } from '../../main/engine/model.js';
import { EpochShuffler } from '../../main/engine/epochShuffler.js';
import { remainder, Rng } from '../../main/engine/prng.js';
import { config } from '../support/helpers.js';
import { parameterNames } from '../../shared/parameters.js';

describe('targets and datasets', () => {
  it('hinge, polynomial (lowest degree first) and sine', () => {
    const hinge = targetFunction({ kind: 'hinge', x0: 0.5, m1: 2, m2: -1, b: 0.25 });
    expect(hinge(1.5)).toBe(2.25); // 2·1 + 0.25
    expect(hinge(-0.5)).toBe(1.25); // −1·(−1) + 0.25
    expect(hinge(0.5)).toBe(0.25);
    expect(targetFunction({ kind: 'polynomial', coefficients: [1, -2, 3] })(2)).toBe(9);
    expect(targetFunction({ kind: 'sine', amplitude: 2, frequency: 0.25, phase: 0 })(1)).toBeCloseTo(2, 12);
  });

  it('the tutorial default: 500 evenly spaced, noise-free points with inclusive endpoints', () => {
    const d = makeDataset(config());
    expect(d.n).toBe(500);
    expect(d.x[0]).toBe(-1);
    expect(d.x[499]).toBe(1);
    expect(d.x[250] - d.x[249]).toBeCloseTo(2 / 499, 6);
    expect(d.y[0]).toBeCloseTo(targetFunction(config().data.target)!(-1), 6);
  });

  it('uniform spacing and noise are seeded', () => {
    const c = config({ data: { target: { kind: 'sine' }, spacing: 'uniform', noise: 0.1, n: 200 } });
    const a = makeDataset(c);
    const b = makeDataset(c);
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    const f = targetFunction(c.data.target)!;
    const residual = Array.from(a.y, (y, i) => y - f(a.x[i]));
    const sd = Math.sqrt(residual.reduce((s, r) => s + r * r, 0) / residual.length);
    expect(sd).toBeGreaterThan(0.08);
    expect(sd).toBeLessThan(0.12);
    expect(makeDataset({ ...c, seed: 2 }).y[0]).not.toBe(a.y[0]);
  });

  it('nll with a sigmoid output needs targets in [0, 1]', () => {
    expect(() => makeDataset(config({ model: { output: 'sigmoid' }, loss: 'nll' }))).toThrow(/loss: nll with a sigmoid output needs targets in \[0, 1\]; this target reaches/);
  });
});

describe('PRNG (xoshiro128**)', () => {
  it('is deterministic per seed and stream, and streams are independent', () => {
    expect(new Rng(42, 'a').nextUint32()).toBe(new Rng(42, 'a').nextUint32());
    expect(new Rng(42, 'a').nextUint32()).not.toBe(new Rng(42, 'b').nextUint32());
    expect(new Rng(42).nextUint32()).not.toBe(new Rng(43).nextUint32());
  });

  it('normal() has mean 0 and variance 1; int() stays in range', () => {
    const r = new Rng(5);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const ints = Array.from({ length: 1000 }, () => r.int(7));
    expect(Math.min(...ints)).toBe(0);
    expect(Math.max(...ints)).toBe(6);
  });

  it('remainder(a, n) is a % n exactly (shuffles stay as they were)', () => {
    const r = new Rng(9);
    const ns = [1, 2, 3, 7, 500, 65_537, 2 ** 31 - 1, 2 ** 31 + 11, 2 ** 32 - 1];
    for (let k = 0; k < 20_000; k++) ns.push(1 + (r.nextUint32() % 100_000));
    for (const n of ns) {
      for (const a of [0, n - 1, n, 2 ** 32, 2 ** 32 - 1, r.nextUint32(), Math.floor(2 ** 32 / n) * n - 1]) {
        expect(remainder(a, n)).toBe(a % n);
      }
    }
  });

  it('shuffle is Fisher–Yates with int(i + 1), draw for draw, and leaves the stream where int would', () => {
    for (const [seed, length] of [[1, 0], [2, 1], [3, 2], [4, 7], [5, 500], [6, 100], [7, 70_000], [8, 300]]) {
      const [a, b] = [new Rng(seed, 'batches'), new Rng(seed, 'batches')];
      const got = Int32Array.from({ length }, (_, i) => i);
      a.shuffle(got);
      const want = Int32Array.from({ length }, (_, i) => i);
      for (let i = length - 1; i > 0; i--) {
        const j = b.int(i + 1);
        [want[i], want[j]] = [want[j], want[i]];
      }
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(a.nextUint32()).toBe(b.nextUint32());
    }
  });

  it("the compiled epoch shuffler draws every run's rows as Rng.shuffle does, epoch after epoch", () => {
    for (const [seeds, n, batch] of [[[1], 7, 2], [[3, 4, 5, 6, 0xffffffff], 500, 3], [[11, 12], 65_537, 1000], [[9, 10, 11], 10, 10]] as const) {
      const shuffler = new EpochShuffler(seeds, n, batch);
      const rngs = seeds.map((s) => new Rng(s, 'batches'));
      const batches = Math.floor(n / batch);
      for (let epoch = 0; epoch < 3; epoch++) {
        const rows = shuffler.shuffle();
        expect(rows.length).toBe(batches * seeds.length * batch);
        rngs.forEach((rng, r) => {
          const perm = Int32Array.from({ length: n }, (_, i) => i);
          rng.shuffle(perm);
          const got = Array.from({ length: batches * batch }, (_, i) => rows[(Math.floor(i / batch) * seeds.length + r) * batch + (i % batch)]);
          expect(got).toEqual(Array.from(perm.subarray(0, batches * batch)));
        });
      }
    }
  });

  it('main/engine/wasm/shuffle.wasm.ts is shuffle.c compiled by clang (run npm run build:wasm after editing the .c)', async () => {
    const { compileC, moduleSource } = await import('../../scripts/build-wasm.mjs');
    const dir = new URL('../../main/engine/wasm/', import.meta.url);
    expect(readFileSync(new URL('shuffle.wasm.ts', dir), 'utf8')).toBe(moduleSource('shuffle.c', compileC(new URL('shuffle.c', dir).pathname)));
  });
});

describe('parameter layout and initializers', () => {
  it('W_l row-major [fan_in][fan_out], then b_l, layer by layer, with names', () => {
    const l = layoutOf(architectureOf(config({ model: { hidden: [3, 2] } })));
    expect(parameterNames(l.sizes)).toEqual([
      'W1[0,0]', 'W1[0,1]', 'W1[0,2]', 'b1[0]', 'b1[1]', 'b1[2]',
      'W2[0,0]', 'W2[0,1]', 'W2[1,0]', 'W2[1,1]', 'W2[2,0]', 'W2[2,1]', 'b2[0]', 'b2[1]',
      'W3[0,0]', 'W3[1,0]', 'b3[0]',
    ]);
    expect(parameterIndex(l, 'W2[1,0]')).toBe(8);
  });

  it('biases are 0 except where the scheme sets them; he and xavier scale with fan-in', () => {
    const c = config({ model: { hidden: [400] } });
    const arch = architectureOf(c);
    const l = layoutOf(arch);
    const data = makeDataset(c);
    const he = initialParams(arch, { kind: 'he' }, 1, data);
    const w2 = Array.from(he.subarray(l.layers[1].w, l.layers[1].b));
    const sd = Math.sqrt(w2.reduce((s, v) => s + v * v, 0) / w2.length);
    expect(sd).toBeCloseTo(Math.sqrt(2 / 400), 2);
    expect(Array.from(he.subarray(l.layers[0].b, l.layers[0].b + 400)).every((b) => b === 0)).toBe(true);
    const xav = initialParams(arch, { kind: 'xavier' }, 1, data);
    const limit = Math.sqrt(6 / 401);
    expect(Math.max(...Array.from(xav.subarray(0, 400), Math.abs))).toBeLessThanOrEqual(limit);
    const sym = initialParams(arch, { kind: 'symmetric', weight: [0.3, -0.2], bias: 0.1 }, 1, data);
    expect(new Set(Array.from(sym.subarray(0, 400))).size).toBe(1);
    expect(sym[l.layers[1].w]).toBeCloseTo(-0.2, 7);
    expect(sym[l.layers[0].b]).toBeCloseTo(0.1, 7);
  });

  it('explicit params of the wrong length is a clear error naming the count', () => {
    const c = config({ init: { kind: 'explicit', params: [1, 2, 3] } });
    expect(() => initialParams(architectureOf(c), c.init, 1, makeDataset(c))).toThrow(new InputError('init.params: must have 7 values for this network (W1[0,0] … b2[0]), got 3'));
  });
});

describe('config schema', () => {
  it('fills every default but data.target', () => {
    const c = parseConfig({ data: { target: { kind: 'hinge' } } });
    expect(c).toMatchObject({
      seed: 1,
      data: { n: 500, xRange: [-1, 1], spacing: 'even', noise: 0, target: { x0: 0.25, m1: 1.5, m2: -0.5, b: 0 } },
      model: { hidden: [2], activation: 'relu', output: 'linear', outputs: 1 },
      loss: 'l2',
      init: { kind: 'he' },
      batchSize: 3,
      steps: 5000,
      kernel: 'auto',
    });
    expect(() => parseConfig({})).toThrow(new InputError('data: required (object)'));
  });

  it('names the field and what is allowed', () => {
    const bad: [unknown, string][] = [
      [{ data: { target: { kind: 'hinge' } }, optimizer: { kind: 'adam', lr: 0 } }, 'optimizer.lr: must be more than 0 (got 0)'],
      [{ data: { target: { kind: 'hinge' } }, optimizer: { kind: 'sgd', lr: -0.1 } }, 'optimizer.lr: must be more than 0 (got -0.1)'],
      [{ data: { target: { kind: 'hinge' } }, batchSize: 0 }, 'batchSize: must be at least 1 (got 0)'],
      [{ data: { target: { kind: 'hinge' }, n: 100 }, batchSize: 101 }, 'batchSize: must be at most data.n (100) (got 101)'],
      [{ data: { target: { kind: 'hinge' } }, steps: 0 }, 'steps: must be at least 1 (got 0)'],
      [{ data: { target: { kind: 'hinge' } }, steps: 2.5 }, 'steps: must be an integer (got 2.5)'],
      [{ data: { target: { kind: 'hinge' } }, lr: 0.1 }, 'lr: unknown field'],
      [{ data: { target: { kind: 'gauss' } } }, 'data.target.kind: unknown kind "gauss"; allowed: hinge, polynomial, sine, points, labeled, circle, xor, gaussians, spiral'],
      [{ data: { target: { kind: 'hinge' } }, init: { kind: 'zeros' } }, 'init.kind: unknown kind "zeros"; allowed: normal, uniform, xavier, he, symmetric, dead, explicit'],
      [{ data: { target: { kind: 'hinge' } }, model: { activation: 'gelu' } }, 'model.activation: must be one of "relu", "tanh", "sigmoid", "linear" (got "gelu")'],
      [{ data: { target: { kind: 'hinge' } }, loss: 'nll' }, 'loss: nll needs model.output sigmoid or softmax (for a linear output, l2 is the Gaussian NLL) (got "nll")'],
      [{ data: { target: { kind: 'hinge', x0: '1' } } }, 'data.target.x0: must be a number (got "1")'],
    ];
    for (const [input, message] of bad) expect(() => parseConfig(input)).toThrow(new InputError(message));
  });
});
