// Optimizer update rules, exactly torch.optim's (weight decay 0):
//   sgd               torch.optim.SGD(lr)
//   momentum          torch.optim.SGD(lr, momentum, dampening=0, nesterov=False): b ← μb + g; θ ← θ − lr·b
//   rmsprop           torch.optim.RMSprop(lr, alpha=rho, eps): v ← ρv + (1−ρ)g²; θ ← θ − lr·g/(√v + eps)
//   momentum-rmsprop  torch.optim.RMSprop(..., momentum): b ← μb + g/(√v + eps); θ ← θ − lr·b
//   adam              torch.optim.Adam(lr, betas=(beta1, beta2), eps), bias-corrected:
//                     θ ← θ − (lr/(1−β1ᵗ))·m / (√v/√(1−β2ᵗ) + eps)
// (eps is outside the square root in both RMSprop and Adam, as in torch.) The js kernel runs them in
// float32 SIMD (wasm/optimizers.wat), the tfjs kernel as tensor ops (tfjsKernel.ts).
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
