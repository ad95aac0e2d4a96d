// The network: an MLP described by its layer sizes, and the one parameter layout every view, file
// and export uses — per layer W_l row-major [fan_in][fan_out], then b_l — named W1[i,j], b1[j], …
import type { ExperimentConfig } from '../../shared/config.js';
import { layerSizes, parameterIndex as indexOfName } from '../../shared/parameters.js';
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
  /** Units per layer, as the architecture's: parameter names follow from them (shared/parameters.ts). */
  readonly sizes: readonly number[];
  readonly layers: readonly LayerSlot[];
  readonly count: number;
}

/** The config's network; its input size comes from the data (inputSize), the one place that says it. */
export function architectureOf(config: ExperimentConfig, dIn = inputSize(config)): Architecture {
  const { hidden, activation, output } = config.model;
  return {
    sizes: layerSizes(config, dIn),
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
  return { sizes: arch.sizes, layers, count: offset };
}

/** Index of a parameter name such as `W1[0,1]` or `b2[0]` (spaces ignored), or -1. */
export function parameterIndex(layout: Layout, name: string): number {
  return indexOfName(layout.sizes, name);
}

/** A key that is equal for architectures whose runs can share one batch. */
export function architectureKey(arch: Architecture): string {
  return `${arch.sizes.join('x')}|${arch.activations.join(',')}|${arch.output}|${arch.loss}`;
}
