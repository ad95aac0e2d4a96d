// The float64 reference network's forward pass, against the textbook loop: every pre-activation is
// bias + Σ_i w_ij·a_i summed in input order, so the blocked loop (four units at a time) must agree
// bit for bit, including the units left over when a width is not a multiple of four.
import { describe, expect, it } from 'vitest';
import { makeDataset } from '../../main/engine/data.js';
import { initialParams } from '../../main/engine/init.js';
import { jsNetFor } from '../../main/engine/jsNet.js';
import { architectureOf, layoutOf } from '../../main/engine/model.js';
import { config } from '../support/helpers.js';

describe('JsNet forward', () => {
  it('equals bias + Σ w·a in input order, bit for bit, for widths 7 and 6', () => {
    const c = config({ model: { hidden: [7, 6], activation: 'tanh' }, data: { target: { kind: 'hinge', x0: 0.25, m1: 1.5, m2: -0.5, b: 0 }, n: 300 } });
    const arch = architectureOf(c);
    const data = makeDataset(c);
    const p = initialParams(arch, c.init, 3, data);
    const { layers } = layoutOf(arch);
    const net = jsNetFor(arch);
    for (let s = 0; s < data.n; s += 37) {
      let a: number[] = [data.x[s]];
      for (let l = 0; l < 2; l++) {
        const { fanIn, fanOut, w, b } = layers[l];
        const z = Array.from({ length: fanOut }, (_, j) => {
          let sum = p[b + j];
          for (let i = 0; i < fanIn; i++) sum += p[w + i * fanOut + j] * a[i];
          return sum;
        });
        const got = net.preActivations(p, 0, data, l + 1);
        for (let j = 0; j < fanOut; j++) expect(Object.is(got[j * data.n + s], z[j])).toBe(true);
        a = z.map(Math.tanh);
      }
    }
  });
});
