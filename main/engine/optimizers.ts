// Optimizer update rules, exactly torch.optim's (weight decay 0):
//   sgd               torch.optim.SGD(lr)
//   momentum          torch.optim.SGD(lr, momentum, dampening=0, nesterov=False): b ← μb + g; θ ← θ − lr·b
//   rmsprop           torch.optim.RMSprop(lr, alpha=rho, eps): v ← ρv + (1−ρ)g²; θ ← θ − lr·g/(√v + eps)
//   momentum-rmsprop  torch.optim.RMSprop(..., momentum): b ← μb + g/(√v + eps); θ ← θ − lr·b
//   adam              torch.optim.Adam(lr, betas=(beta1, beta2), eps), bias-corrected:
//                     θ ← θ − (lr/(1−β1ᵗ))·m / (√v/√(1−β2ᵗ) + eps)
// (eps is outside the square root in both RMSprop and Adam, as in torch.) State is read back after
// it is stored, so each update uses the rounded float32 value torch would use.
import type { OptimizerConfig, OptimizerKind } from '../../shared/config.js';

/** Every hyperparameter of every kind, with the ones a kind does not use set to 0. */
export interface Hyper {
  kind: OptimizerKind;
  lr: number;
  momentum: number;
  rho: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export function hyperOf(config: OptimizerConfig): Hyper {
  const h: Hyper = { kind: config.kind, lr: config.lr, momentum: 0, rho: 0, beta1: 0, beta2: 0, eps: 0 };
  switch (config.kind) {
    case 'momentum':
      h.momentum = config.momentum;
      break;
    case 'rmsprop':
      h.rho = config.rho;
      h.eps = config.eps;
      break;
    case 'momentum-rmsprop':
      h.momentum = config.momentum;
      h.rho = config.rho;
      h.eps = config.eps;
      break;
    case 'adam':
      h.beta1 = config.beta1;
      h.beta2 = config.beta2;
      h.eps = config.eps;
      break;
    default:
  }
  return h;
}

/** The state arrays a kind keeps per parameter: first (momentum / m) and second (v) moments. */
export function stateSlots(kind: OptimizerKind): { first: boolean; second: boolean } {
  return {
    first: kind === 'momentum' || kind === 'momentum-rmsprop' || kind === 'adam',
    second: kind === 'rmsprop' || kind === 'momentum-rmsprop' || kind === 'adam',
  };
}

/**
 * One update of `count` parameters at `off` (step t counts from 1). Parameters and state are
 * float32 like torch's; the arithmetic between them is float64.
 */
export function applyUpdate(
  h: Hyper,
  t: number,
  params: Float32Array | Float64Array,
  first: Float32Array | Float64Array,
  second: Float32Array | Float64Array,
  off: number,
  grad: Float64Array,
  count: number,
): void {
  const { lr, momentum, rho, eps } = h;
  switch (h.kind) {
    case 'sgd':
      for (let i = 0; i < count; i++) params[off + i] -= lr * grad[i];
      return;
    case 'momentum':
      for (let i = 0; i < count; i++) {
        first[off + i] = momentum * first[off + i] + grad[i];
        const b = first[off + i];
        params[off + i] -= lr * b;
      }
      return;
    case 'rmsprop':
      for (let i = 0; i < count; i++) {
        const g = grad[i];
        second[off + i] = rho * second[off + i] + (1 - rho) * g * g;
        const v = second[off + i];
        params[off + i] -= (lr * g) / (Math.sqrt(v) + eps);
      }
      return;
    case 'momentum-rmsprop':
      for (let i = 0; i < count; i++) {
        const g = grad[i];
        second[off + i] = rho * second[off + i] + (1 - rho) * g * g;
        const v = second[off + i];
        first[off + i] = momentum * first[off + i] + g / (Math.sqrt(v) + eps);
        const b = first[off + i];
        params[off + i] -= lr * b;
      }
      return;
    case 'adam': {
      const { beta1, beta2 } = h;
      const stepSize = lr / (1 - beta1 ** t);
      // √v/√(1−β2ᵗ) as a product: the same to float32 precision, and a division fewer per parameter.
      const invBc2Sqrt = 1 / Math.sqrt(1 - beta2 ** t);
      const keep1 = 1 - beta1;
      const keep2 = 1 - beta2;
      for (let i = 0; i < count; i++) {
        const g = grad[i];
        first[off + i] = beta1 * first[off + i] + keep1 * g;
        const m = first[off + i];
        second[off + i] = beta2 * second[off + i] + keep2 * g * g;
        const v = second[off + i];
        params[off + i] -= (stepSize * m) / (Math.sqrt(v) * invBc2Sqrt + eps);
      }
    }
  }
}
