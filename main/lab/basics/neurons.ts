// Neurons: the hidden activations g and g′ through the engine's own code, and the output neurons'
// likelihoods (linear: Gaussian; sigmoid: Bernoulli; softmax: categorical), for the renderer to draw.
import type { NeuronsView } from '../../../shared/api.js';
import { ACTIVATION_CODE, activate, activationSlope, JsNet } from '../../engine/jsNet.js';
import type { Architecture } from '../../engine/model.js';
import { linspace } from '../../engine/surface.js';

export type Hidden = 'relu' | 'tanh' | 'sigmoid';
const HIDDEN: readonly Hidden[] = ['sigmoid', 'tanh', 'relu'];

/** −log σ(s) = log(1 + e^(−s)), without overflow for any s. */
const softplusNeg = (s: number) => Math.max(-s, 0) + Math.log1p(Math.exp(-Math.abs(s)));

/** z over [−5, 5] in steps of 1/32: exact in float32, which the engine's inputs are. */
const Z_POINTS = 321;

/** The engine's activation and its slope over z (g′ through the same code backpropagation uses). */
export function activationCurves(kind: Hidden | 'linear', z: Float64Array): { g: Float64Array; slope: Float64Array } {
  const code = ACTIVATION_CODE[kind];
  const g = new Float64Array(z.length);
  const slope = new Float64Array(z.length).fill(1);
  activate(code, z, g, 0, z.length);
  activationSlope(code, z, g, slope, 0, z.length);
  return { g, slope };
}

/** The output of a one-layer network whose logits are given directly: W = I-like, b = 0. */
function outputProbabilities(output: 'sigmoid' | 'softmax', logits: Float64Array): Float64Array {
  const outputs = output === 'softmax' ? 2 : 1;
  const arch: Architecture = { sizes: [1, outputs], activations: [], output, loss: 'nll' };
  // Softmax logits (z0, z1) = (d, 0): W = [1, 0], so p(class 0) = σ(d) with d = z0 − z1.
  const params = output === 'softmax' ? Float64Array.of(1, 0, 0, 0) : Float64Array.of(1, 0);
  const p = new JsNet(arch, { general: true }).predict(params, 0, Float32Array.from(logits), logits.length);
  return output === 'softmax' ? Float64Array.from(logits, (_, s) => p[s * 2]) : p;
}

export function neurons(): NeuronsView {
  const z = linspace(-5, 5, Z_POINTS);
  const halfLog2Pi = 0.5 * Math.log(2 * Math.PI);
  return {
    z,
    hidden: HIDDEN.map((name) => ({ name, ...activationCurves(name, z) })),
    output: {
      linear: { y: 0, nll: Float64Array.from(z, (v) => (v * v) / 2 + halfLog2Pi) },
      sigmoid: {
        p1: outputProbabilities('sigmoid', z),
        // p(y|z) = σ((2y − 1)z): −log p(0|z) = −log σ(−z), −log p(1|z) = −log σ(z).
        nll0: Float64Array.from(z, (v) => softplusNeg(-v)),
        nll1: Float64Array.from(z, (v) => softplusNeg(v)),
      },
      softmax: {
        p0: outputProbabilities('softmax', z),
        nll0: Float64Array.from(z, (d) => softplusNeg(d)),
        nll1: Float64Array.from(z, (d) => softplusNeg(-d)),
      },
    },
  };
}
