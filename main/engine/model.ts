// The network: an MLP described by its layer sizes, and the one parameter layout every view, file
// and export uses — per layer W_l row-major [fan_in][fan_out], then b_l — named W1[i,j], b1[j], …
import type { ExperimentConfig } from '../../shared/config.js';
import { inputSize, type HiddenActivation, type LossKind, type OutputKind } from '../../shared/configRules.js';

export interface Architecture {
  /** Units per layer, input first, output last: [dIn, ...hidden, dOut]. */
  readonly sizes: readonly number[];
  /** One activation per hidden layer. */
  readonly activations: readonly HiddenActivation[];
  readonly output: OutputKind;
  readonly loss: LossKind;
}

export interface LayerSlot {
  readonly fanIn: number;
  readonly fanOut: number;
  /** Offset of W_l in the flat vector. */
  readonly w: number;
  /** Offset of b_l in the flat vector. */
  readonly b: number;
}

export interface Layout {
  readonly layers: readonly LayerSlot[];
  readonly count: number;
  readonly names: readonly string[];
}

/** The config's network; its input size comes from the data (inputSize), the one place that says it. */
export function architectureOf(config: ExperimentConfig, dIn = inputSize(config)): Architecture {
  const { hidden, activation, output, outputs } = config.model;
  return {
    sizes: [dIn, ...hidden, outputs],
    activations: typeof activation === 'string' ? hidden.map(() => activation) : [...activation],
    output,
    loss: config.loss,
  };
}

export function layoutOf(arch: Architecture): Layout {
  const layers: LayerSlot[] = [];
  let offset = 0;
  for (let l = 1; l < arch.sizes.length; l++) {
    const fanIn = arch.sizes[l - 1];
    const fanOut = arch.sizes[l];
    const w = offset;
    const b = w + fanIn * fanOut;
    offset = b + fanOut;
    layers.push({ fanIn, fanOut, w, b });
  }
  // Named when first asked: a wide network's millions of names cost seconds and hundreds of MB, and
  // most work (a check, a surface, a sweep of small nets) never reads them.
  let names: string[] | undefined;
  return {
    layers,
    count: offset,
    get names() {
      return (names ??= namesOf(layers));
    },
  };
}

function namesOf(layers: readonly LayerSlot[]): string[] {
  const names: string[] = [];
  layers.forEach(({ fanIn, fanOut }, k) => {
    const l = k + 1;
    for (let i = 0; i < fanIn; i++) for (let j = 0; j < fanOut; j++) names.push(`W${l}[${i},${j}]`);
    for (let j = 0; j < fanOut; j++) names.push(`b${l}[${j}]`);
  });
  return names;
}

/** Index of a parameter name such as `W1[0,1]` or `b2[0]` (spaces ignored), or -1. */
export function parameterIndex(layout: Layout, name: string): number {
  return layout.names.indexOf(name.replace(/\s+/g, ''));
}

/** A key that is equal for architectures whose runs can share one batch. */
export function architectureKey(arch: Architecture): string {
  return `${arch.sizes.join('x')}|${arch.activations.join(',')}|${arch.output}|${arch.loss}`;
}
