// Per-unit diagnostics of the tutorial's initialization pitfalls: dead ReLUs (inactive on every data
// point, so they get no gradient) and symmetric units (identical units get identical gradients and
// never separate).
import type { Diagnostics, UnitRef } from '../../shared/api.js';
import type { Dataset } from './data.js';
import { jsNetFor } from './jsNet.js';
import type { Architecture } from './model.js';

export type { Diagnostics, UnitRef };

export function diagnose(arch: Architecture, params: Float32Array, data: Dataset): Diagnostics {
  const net = jsNetFor(arch);
  const { layers } = net.layout;
  const dead: UnitRef[] = [];
  const symmetric: Diagnostics['symmetric'] = [];
  if (!params.every(Number.isFinite)) return { dead, symmetric };
  const lastRelu = arch.activations.lastIndexOf('relu') + 1;
  const live = lastRelu > 0 ? net.reachesZero(params, 0, data, lastRelu) : [];
  for (let l = 1; l < arch.sizes.length - 1; l++) {
    const width = arch.sizes[l];
    if (arch.activations[l - 1] === 'relu') {
      for (let j = 0; j < width; j++) if (!live[l - 1][j]) dead.push({ layer: l, unit: j });
    }
    const into = layers[l - 1];
    const out = layers[l];
    // Unit j's incoming weights, bias and outgoing weights; units with equal ones are symmetric.
    const signature = (j: number) => {
      const v: number[] = [];
      for (let i = 0; i < into.fanIn; i++) v.push(params[into.w + i * into.fanOut + j]);
      v.push(params[into.b + j]);
      for (let k = 0; k < out.fanOut; k++) v.push(params[out.w + j * out.fanOut + k]);
      return v;
    };
    const signatures = Array.from({ length: width }, (_, j) => signature(j));
    const compare = (a: number, b: number) => {
      const [u, v] = [signatures[a], signatures[b]];
      for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return u[i] < v[i] ? -1 : 1;
      return 0;
    };
    // Sorted, equal signatures are neighbours (ties in unit order): no strings made per unit.
    const order = Array.from({ length: width }, (_, j) => j).sort((a, b) => compare(a, b) || a - b);
    const groups: number[][] = [];
    for (let s = 0; s < width; ) {
      let e = s + 1;
      while (e < width && compare(order[s], order[e]) === 0) e++;
      if (e - s > 1) groups.push(order.slice(s, e));
      s = e;
    }
    groups.sort((a, b) => a[0] - b[0]);
    for (const units of groups) symmetric.push({ layer: l, units });
  }
  return { dead, symmetric };
}
