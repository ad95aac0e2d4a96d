// The tutorial's experiments, one preset each: a run (one config) or a sweep (a grid × seeds), with
// the question it answers and what to look for. The learning rates are ones that converge on the
// hinge at batch size 3 (measured, seed 1, 5,000 steps); the sweeps stay at ≤ 200 runs. Last, one
// run beyond the hinge: classifying a spiral.
import type { z } from 'zod';
import { InputError, type ExperimentConfigInput, type OptimizerConfig, type OptimizerKind } from './config.js';
import type { SweepSpec } from './sweep.js';
import { quoted } from './printable.js';

export type SweepSpecInput = z.input<typeof SweepSpec>;
export type PresetMetric = 'finalLoss' | 'successRate' | 'stepsToThreshold';

export interface Preset {
  name: string;
  title: string;
  /** The tutorial's question, in one or two sentences. */
  question: string;
  lookFor: string;
  kind: 'run' | 'sweep' | 'race';
  /** A run's config, or a race's base config. */
  config?: ExperimentConfigInput;
  /** A race's optimizers, in the order they are listed. */
  race?: OptimizerKind[];
  sweep?: SweepSpecInput;
  /**
   * How a sweep is charted: the metric against `x`, one line per value of `series`, and a heatmap
   * over two fields. Fields are swept paths, or `model.hidden:width` / `model.hidden:depth`
   * (see fieldValue in sweepStats.ts).
   */
  chart?: { x: string; series?: string; metric: PresetMetric; heatmap?: [string, string] };
}

const HINGE = { kind: 'hinge', x0: 0.25, m1: 1.5, m2: -0.5, b: 0 } as const;

/** The tutorial's optimizers with their ρ values, at learning rates that converge here. */
const OPTIMIZER = {
  sgd: { kind: 'sgd', lr: 0.1 },
  momentum: { kind: 'momentum', lr: 0.003, momentum: 0.95 },
  rmsprop: { kind: 'rmsprop', lr: 0.001, rho: 0.9 },
  'momentum-rmsprop': { kind: 'momentum-rmsprop', lr: 0.0001, momentum: 0.95, rho: 0.9 },
  adam: { kind: 'adam', lr: 0.003, beta1: 0.95, beta2: 0.9 },
} as const satisfies { [K in OptimizerKind]: Extract<z.input<typeof OptimizerConfig>, { kind: K }> };
const ALL_OPTIMIZERS = Object.values(OPTIMIZER).map((o) => ({ ...o }));
/** The tutorial's five optimizers at these learning rates: what an optimizer race trains by default. */
export const TUTORIAL_OPTIMIZERS: Readonly<typeof OPTIMIZER> = OPTIMIZER;

function hingeRun(over: Partial<ExperimentConfigInput> = {}): ExperimentConfigInput {
  return { seed: 1, data: { target: { ...HINGE }, n: 500 }, model: { hidden: [2], activation: 'relu', output: 'linear' }, loss: 'l2', init: { kind: 'he' }, optimizer: { ...OPTIMIZER.adam }, batchSize: 3, steps: 5000, ...over };
}

/** A sweep's base: the hinge run, with a coarser loss curve and fewer snapshots per run. */
function sweepBase(over: Partial<ExperimentConfigInput> = {}): Record<string, unknown> {
  return { ...hingeRun(over), record: { every: 25, snapshots: 50 } };
}

const WIDTHS_BY_DEPTH = [1, 2, 3].flatMap((depth) => [2, 4, 8, 16].map((width) => Array<number>(depth).fill(width)));

function optimizerRun(kind: OptimizerKind, title: string, question: string, lookFor: string): Preset {
  return { name: kind, title, question, lookFor, kind: 'run', config: hingeRun({ optimizer: { ...OPTIMIZER[kind] } }) };
}

export const PRESETS: Preset[] = [
  {
    name: 'problem-and-solution',
    title: 'The problem and its solution',
    question:
      'Can a 1→2→1 ReLU network learn a hinge (two lines meeting at a kink x0) from 500 noise-free points? Two ReLU units represent it exactly, so the best possible cost is zero.',
    lookFor:
      'Every step uses all 500 points (batch size 500, unlike the optimizer presets\' 3): the loss falls by six orders of magnitude within 500 steps and stays near 1e-8, at the exact optimum (zero) to float32 precision; the fit bends at x0 = 0.25, one unit for each side of the kink.',
    kind: 'run',
    config: hingeRun({ batchSize: 500 }),
  },
  {
    name: 'cost-at-init-trained-optimum',
    title: 'Cost function at random initialization, after training and at the global optimum',
    question: 'What does the cost function look like around the random initialization, around the trained network, and around the global optimum that the hinge gives in closed form?',
    lookFor:
      'Open the cost surface centred on each of the three points, and the interpolation between them: this init (seed 2) lies high on a slope, at a cost near 5, training ends in a valley whose floor is the optimum; flat regions are where a unit is off on every point.',
    kind: 'run',
    config: hingeRun({ seed: 2 }),
  },
  {
    name: 'symmetric-neurons',
    title: 'Weight initialization: symmetric neurons',
    question: 'What happens when every hidden unit starts with the same weights? Identical units receive identical gradients, so no optimizer can tell them apart.',
    lookFor: 'The two units stay exactly equal through training (the diagnostics list them as symmetric), the fit has a single kink, and the loss stalls far above zero.',
    kind: 'run',
    config: hingeRun({ init: { kind: 'symmetric', weight: 0.5, bias: 0 } }),
  },
  {
    name: 'dead-neurons',
    title: 'Weight initialization: dead neurons',
    question: 'What happens to a ReLU unit that is inactive on every data point? Its output and its gradient are zero there, so its weights never change.',
    lookFor: 'Unit h1[0] is dead at the init and stays dead with its weights unchanged; the one live unit can fit one side of the hinge only, so the loss stalls.',
    kind: 'run',
    config: hingeRun({ init: { kind: 'dead', fraction: 0.5 } }),
  },
  optimizerRun(
    'sgd',
    'Performance: stochastic gradient descent',
    'How does plain SGD, at batch size 3 and learning rate 0.1, train the hinge network?',
    'The loss curve: noisy steps of a fixed size, plateaus while a unit searches for the kink, and a final loss far below the starting one.',
  ),
  optimizerRun(
    'momentum',
    'Performance: Momentum (ρ 0.95)',
    'Does momentum, a running sum of gradients with ρ = 0.95, speed up SGD at batch size 3?',
    'Momentum multiplies the effective step by about 1/(1−ρ) = 20, so it gets by with a learning rate 30× smaller than SGD (0.003); compare the loss curves.',
  ),
  optimizerRun(
    'rmsprop',
    'Performance: RMSprop (ρ 0.9)',
    "Does dividing each parameter's step by a running RMS of its gradients (ρ = 0.9) help at batch size 3?",
    "Each parameter moves at a similar pace whatever its gradient's scale, so a learning rate of 0.001 does what SGD needs 0.1 for; compare the loss curves.",
  ),
  optimizerRun(
    'momentum-rmsprop',
    'Performance: Momentum & RMSprop',
    'RMSprop with momentum on top (ρ momentum 0.95, ρ learning rates 0.9), at batch size 3: do the two help together?',
    "The combination needs the smallest learning rate of all (0.0001): momentum's 20× and RMSprop's scaling compound.",
  ),
  optimizerRun(
    'adam',
    'Performance: Adam (0.95 / 0.9)',
    'Adam: momentum and RMS scaling with bias correction (β1 = 0.95, β2 = 0.9), at batch size 3.',
    "A fast descent, then a loss that jumps between about 1e-7 and 3e-5 as minibatches of 3 pull it around the minimum (it ends near 5e-6 after 5,000 steps at learning rate 0.003); compare with the other optimizers' presets.",
  ),
  {
    name: 'optimizer-race',
    title: 'The five optimizers on one surface',
    question: 'From the same init and the same minibatches, how do SGD, Momentum, RMSprop, Momentum & RMSprop and Adam travel over the cost surface?',
    lookFor:
      'Play the race: Momentum overshoots and swings across the valley where RMSprop, which scales each step to the gradient’s recent size, does not; the loss curves below move with the slider.',
    kind: 'race',
    config: hingeRun(),
    race: Object.keys(OPTIMIZER) as OptimizerKind[],
  },
  {
    name: 'learning-rate',
    title: 'Hyperparameter: learning rate',
    question: 'How does the final loss depend on the learning rate, for each optimizer?',
    lookFor:
      'One U per optimizer on log axes: too small and 5,000 steps are not enough, too large and the runs stall or blow up. The good range differs by optimizer: SGD does best near 0.1–0.3, Adam and RMSprop near 0.001–0.01.',
    kind: 'sweep',
    sweep: {
      name: 'Learning rate × optimizer',
      base: sweepBase({ optimizer: { kind: 'adam' } }),
      grid: { 'optimizer.kind': ['sgd', 'momentum', 'rmsprop', 'adam'], 'optimizer.lr': { from: 1e-4, to: 1, count: 9, scale: 'log' } },
      seeds: 5,
    },
    chart: { x: 'optimizer.lr', series: 'optimizer.kind', metric: 'finalLoss' },
  },
  {
    name: 'batch-size',
    title: 'Hyperparameter: batch size',
    question: 'With the number of steps fixed, how does the minibatch size change the final loss?',
    lookFor: 'Larger batches give less noisy gradients: for Adam and RMSprop the final loss falls with the batch size (at more compute per step), while SGD at 0.1 barely changes. The success rate does not move: it is decided by the initialization.',
    kind: 'sweep',
    sweep: {
      name: 'Batch size × optimizer',
      base: sweepBase(),
      grid: { optimizer: ALL_OPTIMIZERS.filter((o) => o.kind !== 'momentum-rmsprop'), batchSize: [1, 3, 10, 30, 100, 500] },
      seeds: 8,
    },
    chart: { x: 'batchSize', series: 'optimizer', metric: 'finalLoss' },
  },
  {
    name: 'momentum-rho',
    title: 'Hyperparameter: momentum',
    question: 'How does the momentum coefficient ρ change SGD with momentum, at a fixed learning rate of 0.003?',
    lookFor: 'ρ = 0 is plain SGD with a small step; as ρ grows the effective step 1/(1−ρ) grows and the final loss falls, until the overshoots of ρ close to 1 take over.',
    kind: 'sweep',
    sweep: {
      name: 'Momentum ρ',
      base: sweepBase({ optimizer: { ...OPTIMIZER.momentum } }),
      grid: { 'optimizer.momentum': [0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99] },
      seeds: 10,
    },
    chart: { x: 'optimizer.momentum', metric: 'finalLoss' },
  },
  {
    name: 'network-dimensions-piecewise',
    title: 'Hyperparameter: network dimensions (piecewise-linear target)',
    question: 'Do wider or deeper ReLU networks fit the hinge better, when two units already fit it exactly?',
    lookFor: 'Median final loss over width × depth: more units than two make the zero-cost fit easier to find, but the target needs no more pieces.',
    kind: 'sweep',
    sweep: { name: 'Width × depth on the hinge', base: sweepBase(), grid: { 'model.hidden': WIDTHS_BY_DEPTH }, seeds: 5 },
    chart: { x: 'model.hidden:width', series: 'model.hidden:depth', metric: 'finalLoss', heatmap: ['model.hidden:width', 'model.hidden:depth'] },
  },
  {
    name: 'network-dimensions-polynomial',
    title: 'Hyperparameter: network dimensions (polynomial target)',
    question: 'A parabola has no kinks: a ReLU network can only approximate it with linear pieces. How does the fit improve with width and depth?',
    lookFor: 'Unlike the hinge, the target rewards more pieces: the final loss falls with width. Depth can multiply the linear regions (O(nᵏ) for k layers), but 5,000 steps do not always find them.',
    kind: 'sweep',
    sweep: {
      name: 'Width × depth on a parabola',
      base: { ...sweepBase(), data: { target: { kind: 'polynomial', coefficients: [0, 0, 1] }, n: 500 } },
      grid: { 'model.hidden': WIDTHS_BY_DEPTH },
      seeds: 5,
      threshold: 1e-4,
    },
    chart: { x: 'model.hidden:width', series: 'model.hidden:depth', metric: 'finalLoss', heatmap: ['model.hidden:width', 'model.hidden:depth'] },
  },
  {
    name: 'x0',
    title: 'Performance with respect to x0',
    question: 'Does the position of the kink matter? As x0 moves towards the edge of the data, fewer points lie on one side of it.',
    lookFor: 'Success rate (final loss below 1e-3) against x0, one line per optimizer. Near the edges one side of the kink holds few points, so a fit that misses it costs little: read the final loss beside the success rate.',
    kind: 'sweep',
    sweep: { name: 'x0 × optimizer', base: sweepBase(), grid: { optimizer: ALL_OPTIMIZERS, 'data.target.x0': { from: -0.8, to: 0.8, count: 5 } }, seeds: 8 },
    chart: { x: 'data.target.x0', series: 'optimizer', metric: 'successRate' },
  },
  {
    name: 'optimizer-comparison',
    title: 'Comparison: SGD, Momentum, RMSprop, Adam',
    question: 'Side by side, over 20 seeds each, which optimizer reaches a loss of 1e-3 fastest, and which most often?',
    lookFor: 'Median steps to the threshold per optimizer, beside the success rate: many seeds of every optimizer stall in the one-kink local minimum, so speed and reliability are separate questions.',
    kind: 'sweep',
    sweep: { name: 'Optimizer comparison', base: sweepBase(), grid: { optimizer: ALL_OPTIMIZERS }, seeds: 20 },
    chart: { x: 'optimizer', metric: 'stepsToThreshold' },
  },
  {
    name: 'network-dimension',
    title: 'Neural network dimension',
    question: 'Does a larger network make the hinge easier to learn? With two units, many random initializations stall with a single kink.',
    lookFor: 'Success rate against the width of one hidden layer: one unit cannot fit a kink, two often stall, and from three units on nearly every seed reaches a zero-cost fit.',
    kind: 'sweep',
    sweep: { name: 'Hidden width on the hinge', base: sweepBase(), grid: { 'model.hidden': [[1], [2], [3], [4], [6], [8], [12], [16]] }, seeds: 10 },
    chart: { x: 'model.hidden:width', metric: 'successRate' },
  },
  {
    name: 'classification',
    title: 'Classifying a spiral',
    question:
      'Can a small tanh network separate two interleaved spiral arms, classes no straight line can split? A 2→16→16→1 network with a sigmoid output learns the probability of class 1 from 400 points by minimizing the cross-entropy (NLL); 100 more are held out.',
    lookFor:
      'The decision boundary (probability 0.5) bends from a straight line into a curve winding between the arms as the loss falls; at the end about 97% of the training points and 95% of the held-out ones are classified right, so the network learned the spiral, not the points.',
    kind: 'run',
    // Adam at 0.03 with batches of 25 reaches ≥ 97% training accuracy on each of seeds 1–10 in 5,000 steps (measured).
    config: {
      seed: 1,
      data: { target: { kind: 'spiral', arms: 2, turns: 1, spread: 0.05 }, n: 500 },
      model: { hidden: [16, 16], activation: 'tanh', output: 'sigmoid' },
      loss: 'nll',
      init: { kind: 'xavier' },
      optimizer: { kind: 'adam', lr: 0.03, beta1: 0.95, beta2: 0.9 },
      batchSize: 25,
      steps: 5000,
    },
  },
];

export function presetByName(name: string): Preset {
  const preset = PRESETS.find((p) => p.name === name);
  if (!preset) throw new InputError(`preset: must be one of ${PRESETS.map((p) => p.name).join(', ')} (got ${quoted(name)})`);
  return preset;
}

/** The question and what to look for, as one text. */
export function presetDescription(p: Preset): string {
  return `${p.question} Look for: ${p.lookFor}`;
}

/** A run preset's config (a copy). */
export function presetConfig(p: Preset): ExperimentConfigInput {
  if (p.kind === 'race') throw new InputError(`preset: ${p.name} is a race; run it with landscape-lab race --preset ${p.name}`);
  if (p.kind !== 'run' || !p.config) throw new InputError(`preset: ${p.name} is a sweep; run it with landscape-lab sweep --preset ${p.name}`);
  return structuredClone(p.config);
}

/** A sweep preset's spec (a copy). */
export function presetSweep(p: Preset): SweepSpecInput {
  if (p.kind !== 'sweep' || !p.sweep) throw new InputError(`preset: ${p.name} is ${p.kind === 'race' ? 'a race' : 'a single run'}; run it with landscape-lab ${p.kind} --preset ${p.name}`);
  return structuredClone(p.sweep);
}

/** A race preset's base config and optimizers (copies). */
export function presetRace(p: Preset): { config: ExperimentConfigInput; optimizers: OptimizerKind[] } {
  if (p.kind !== 'race' || !p.config || !p.race) throw new InputError(`preset: ${p.name} is not a race; run it with landscape-lab ${p.kind} --preset ${p.name}`);
  return { config: structuredClone(p.config), optimizers: [...p.race] };
}
