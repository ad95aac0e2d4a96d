// What a config may hold, without its schema: the limits, the kinds of each choice, and the facts
// derived from a parsed config (classes, input size, test split). Free of zod, so the engine and the
// worker threads load it in a few milliseconds; shared/config.ts builds the schema from it.

export const LIMITS = {
  n: 100_000,
  width: 1024,
  depth: 8,
  steps: 10_000_000,
  outputs: 64,
  surfaceRes: 512,
  snapshots: 2_000,
} as const;

/**
 * The largest config, sweep spec or CSV file read: room for a points target's 100,000 points many
 * times over, and the size of the bridge's largest message. Larger files are refused unread.
 */
export const MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024;

/** The largest float32. Data and targets are stored as float32: a larger value would become Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

export const CLASSIFICATION_KINDS = ['circle', 'xor', 'gaussians', 'spiral', 'labeled'] as const;
export type ClassificationKind = (typeof CLASSIFICATION_KINDS)[number];

export function isClassification<T extends { kind: string }>(target: T): target is Extract<T, { kind: ClassificationKind }> {
  return (CLASSIFICATION_KINDS as readonly string[]).includes(target.kind);
}

/** What the derivations below read of a target (any target of the schema has this shape). */
interface TargetShape {
  kind: string;
  classes?: number;
  arms?: number;
  label?: readonly number[];
}

/** Number of classes of a classification target, or null for regression. */
export function classCount(target: TargetShape): number | null {
  switch (target.kind) {
    case 'circle':
    case 'xor':
      return 2;
    case 'gaussians':
      return target.classes ?? null;
    case 'spiral':
      return target.arms ?? null;
    case 'labeled': {
      // A loop, not Math.max(...labels): 100,000 arguments can overflow the stack.
      let top = 0;
      for (const l of target.label ?? []) top = Math.max(top, l);
      return top + 1;
    }
    default:
      return null;
  }
}

/** Inputs per data point: the one source of the network's input size (2 for classification). */
export function inputSize(config: { data: { target: { kind: string } } }): number {
  return isClassification(config.data.target) ? 2 : 1;
}

/** Points held out for testing: round(n · testFraction), drawn from the seed (never trained on). */
export function testCount(data: { n: number; testFraction?: number }): number {
  return Math.round(data.n * (data.testFraction ?? 0));
}

export const SPACINGS = ['even', 'uniform', 'given'] as const;
/**
 * The noise added to a formula target: gaussian, noise·N(0, 1) (mean = median = f(x)); or exponential,
 * noise·E with E ~ Exp(1), skewed, so the mean of y|x is f(x) + noise and its median f(x) + noise·ln 2.
 * Omitted means gaussian, and a parsed config leaves it out then, so older configs parse unchanged.
 */
export const NOISE_SHAPES = ['gaussian', 'exponential'] as const;
/** The test split a classification target holds out unless data.testFraction says otherwise. */
export const DEFAULT_TEST_FRACTION = 0.2;

export const HIDDEN_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export const OUTPUTS = ['linear', 'sigmoid', 'softmax'] as const;
export const LOSSES = ['l2', 'l1', 'nll'] as const;
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];
export type OutputKind = (typeof OUTPUTS)[number];
export type LossKind = (typeof LOSSES)[number];

/** The kernels that compute: fused js loops, compiled WebAssembly SIMD, TensorFlow.js, WebGPU compute shaders. */
export const KERNEL_NAMES = ['js', 'simd', 'tfjs', 'gpu'] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];
export const KERNELS = ['auto', ...KERNEL_NAMES] as const;
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type KernelChoice = (typeof KERNELS)[number];
export type BackendChoice = (typeof BACKENDS)[number];
