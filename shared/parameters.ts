// The one parameter layout every view, file and export uses: per layer W_l row-major [fan_in][fan_out],
// then b_l, named W1[i,j], b1[j], … A name is computed from its index and back, never listed whole:
// a wide network has millions of parameters, and their names would cost hundreds of MB.
import type { ExperimentConfig } from './config.js';
import { inputSize } from './configRules.js';

/** Units per layer, input first, output last: [dIn, ...hidden, dOut]. */
export function layerSizes(config: ExperimentConfig, dIn = inputSize(config)): number[] {
  return [dIn, ...config.model.hidden, config.model.outputs];
}

export function parameterCount(sizes: readonly number[]): number {
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += (sizes[l - 1] + 1) * sizes[l];
  return count;
}

/** The name of parameter `index` (0 ≤ index < parameterCount(sizes)). */
export function parameterName(sizes: readonly number[], index: number): string {
  let offset = 0;
  for (let l = 1; l < sizes.length; l++) {
    const fanIn = sizes[l - 1];
    const fanOut = sizes[l];
    const weights = fanIn * fanOut;
    const i = index - offset;
    if (i < weights) return `W${l}[${Math.floor(i / fanOut)},${i % fanOut}]`;
    if (i < weights + fanOut) return `b${l}[${i - weights}]`;
    offset += weights + fanOut;
  }
  throw new RangeError(`parameter ${index} is past this network's ${offset}`);
}

/** Index of a parameter name such as `W1[0,1]` or `b2[0]` (spaces ignored), or -1. */
export function parameterIndex(sizes: readonly number[], name: string): number {
  const m = /^(?:W(\d+)\[(\d+),(\d+)\]|b(\d+)\[(\d+)\])$/.exec(name.replace(/\s+/g, ''));
  if (!m) return -1;
  const l = Number(m[1] ?? m[4]);
  if (!Number.isSafeInteger(l) || l < 1 || l >= sizes.length) return -1;
  const fanIn = sizes[l - 1];
  const fanOut = sizes[l];
  let offset = 0;
  for (let k = 1; k < l; k++) offset += (sizes[k - 1] + 1) * sizes[k];
  // Leading zeros would name the same parameter twice: W1[01,0] is not a name.
  const strict = (s: string) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : -1);
  if (m[1] !== undefined) {
    const i = strict(m[2]);
    const j = strict(m[3]);
    return i >= 0 && i < fanIn && j >= 0 && j < fanOut && strict(m[1]) === l ? offset + i * fanOut + j : -1;
  }
  const j = strict(m[5]);
  return j >= 0 && j < fanOut && strict(m[4]) === l ? offset + fanIn * fanOut + j : -1;
}

/** Every name, in layout order: for listings of networks small enough to list (JSON, a Hessian). */
export function parameterNames(sizes: readonly number[]): string[] {
  return Array.from({ length: parameterCount(sizes) }, (_, i) => parameterName(sizes, i));
}
