// Initializers. Biases start at 0 unless the scheme says otherwise.
import type { InitConfig } from '../../shared/config.js';
import { InputError } from '../../shared/errors.js';
import { parameterName } from '../../shared/parameters.js';
import type { Dataset } from './data.js';
import { jsNetFor } from './jsNet.js';
import type { Architecture, Layout } from './model.js';
import { layoutOf } from './model.js';
import { Rng } from './prng.js';

export function initialParams(arch: Architecture, init: InitConfig, seed: number, data: Dataset): Float32Array {
  const layout = layoutOf(arch);
  const p = new Float32Array(layout.count);
  const rng = new Rng(seed, 'init');
  const fill = (l: number, draw: (fanIn: number, fanOut: number) => number) => {
    const { fanIn, fanOut, w } = layout.layers[l];
    for (let k = 0; k < fanIn * fanOut; k++) p[w + k] = draw(fanIn, fanOut);
  };
  const eachLayer = (draw: (fanIn: number, fanOut: number) => number) =>
    layout.layers.forEach((_, l) => fill(l, draw));

  switch (init.kind) {
    case 'normal':
      eachLayer(() => init.std * rng.normal());
      break;
    case 'uniform':
      eachLayer(() => rng.uniform(-init.limit, init.limit));
      break;
    case 'xavier':
      // Glorot uniform: U(−a, a), a = √(6 / (fan_in + fan_out)).
      eachLayer((fi, fo) => {
        const a = Math.sqrt(6 / (fi + fo));
        return rng.uniform(-a, a);
      });
      break;
    case 'he':
      // He normal: N(0, 2 / fan_in).
      eachLayer((fi) => Math.sqrt(2 / fi) * rng.normal());
      break;
    case 'symmetric':
      layout.layers.forEach((layer, l) => {
        const weight = perLayer(init.weight, l, layout, 'init.weight');
        const bias = perLayer(init.bias, l, layout, 'init.bias');
        p.fill(weight, layer.w, layer.b);
        p.fill(bias, layer.b, layer.b + layer.fanOut);
      });
      break;
    case 'dead':
      eachLayer((fi) => Math.sqrt(2 / fi) * rng.normal());
      killUnits(arch, layout, p, data, init.fraction, init.margin);
      break;
    case 'explicit':
      if (init.params.length !== layout.count) {
        throw new InputError(
          `init.params: must have ${layout.count} values for this network (${parameterName(layout.sizes, 0)} … ${parameterName(layout.sizes, layout.count - 1)}), got ${init.params.length}`,
        );
      }
      p.set(init.params);
      break;
  }
  return p;
}

function perLayer(value: number | number[], l: number, layout: Layout, field: string): number {
  if (typeof value === 'number') return value;
  if (value.length !== layout.layers.length) {
    throw new InputError(`${field}: a list needs one value per layer (${layout.layers.length}), got ${value.length}`);
  }
  return value[l];
}

/**
 * Makes the first ⌈fraction·width⌉ units of every hidden layer inactive on every data point: each
 * gets a bias that puts its largest pre-activation `margin` below zero. Layers are set in order,
 * since a layer's pre-activations depend on the ones below it.
 */
function killUnits(arch: Architecture, layout: Layout, p: Float32Array, data: Dataset, fraction: number, margin: number): void {
  arch.activations.forEach((activation, h) => {
    if (activation !== 'relu') {
      throw new InputError(`init.kind: dead needs relu hidden units (layer ${h + 1} is ${activation})`);
    }
  });
  const net = jsNetFor(arch);
  for (let l = 1; l < arch.sizes.length - 1; l++) {
    const { fanOut, b } = layout.layers[l - 1];
    const dead = Math.ceil(fraction * fanOut);
    for (let j = 0; j < dead; j++) p[b + j] = 0;
    const z = net.preActivations(p, 0, data, l);
    for (let j = 0; j < dead; j++) {
      let max = -Infinity;
      for (let s = 0; s < data.n; s++) max = Math.max(max, z[j * data.n + s]);
      p[b + j] = Math.fround(-max - margin);
    }
  }
}
