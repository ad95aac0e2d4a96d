// The experiment config: one JSON document, validated once at each door (CLI, IPC, bridge).
// Every field but data.target has a default; unknown fields are errors, not silently dropped.
import { z } from 'zod';
import { BACKENDS, classCount, type ClassificationKind, DEFAULT_TEST_FRACTION, FLOAT32_MAX, HIDDEN_ACTIVATIONS, isClassification, KERNELS, LIMITS, LOSSES, NOISE_SHAPES, OUTPUTS, SPACINGS, testCount } from './configRules.js';
import { InputError } from './errors.js';

export * from './configRules.js';
export { InputError };

const finite = () => z.number().finite();
/** A number that becomes (or makes) float32 data: it must fit, or every run, view and printer of it would see Infinity. */
const datum = () => finite().min(-FLOAT32_MAX).max(FLOAT32_MAX);
const positive = () => finite().positive();
const unitInterval = () => finite().min(0).lt(1);

export const HingeTarget = z.strictObject({
  kind: z.literal('hinge'),
  x0: datum().default(0.25),
  m1: datum().default(1.5),
  m2: datum().default(-0.5),
  b: datum().default(0),
});
export const PolynomialTarget = z.strictObject({
  kind: z.literal('polynomial'),
  /** Lowest degree first: [c0, c1, c2] is c0 + c1·x + c2·x². */
  coefficients: z.array(datum()).min(1).max(16),
});
export const SineTarget = z.strictObject({
  kind: z.literal('sine'),
  amplitude: datum().default(1),
  frequency: datum().default(1),
  phase: datum().default(0),
});
/** Measured data (e.g. an imported CSV): the points themselves, no formula. */
export const PointsTarget = z
  .strictObject({
    kind: z.literal('points'),
    x: z.array(datum()).min(1).max(LIMITS.n),
    y: z.array(datum()).min(1).max(LIMITS.n),
  })
  .refine((t) => t.x.length === t.y.length, { path: ['y'], message: 'must have as many values as x' });
/**
 * 2-D classification targets, drawn from config.seed. Labels are class indices 0…k−1 (for a sigmoid
 * output, the 0/1 target of its one unit). circle: points uniform in the square [-1, 1]², class 1
 * inside the radius (0.8 gives about half of each). xor: uniform in the square, class 1 where
 * x1·x2 ≥ 0. gaussians: point i in class i mod k, a Gaussian blob of std `spread` around the class's
 * centre on the circle of radius 0.6. spiral: point i on arm i mod k at radius t ~ U(0, 1) and angle
 * 2π(turns·t + arm/k), jittered by N(0, spread²) per coordinate.
 */
export const CircleTarget = z.strictObject({ kind: z.literal('circle'), radius: positive().default(0.8) });
export const XorTarget = z.strictObject({ kind: z.literal('xor') });
export const GaussiansTarget = z.strictObject({
  kind: z.literal('gaussians'),
  classes: z.number().int().min(2).max(LIMITS.outputs).default(3),
  spread: positive().default(0.2),
});
export const SpiralTarget = z.strictObject({
  kind: z.literal('spiral'),
  arms: z.number().int().min(2).max(LIMITS.outputs).default(2),
  turns: positive().default(1),
  spread: finite().min(0).default(0.05),
});
/**
 * Measured 2-D classes (e.g. an imported CSV of x1, x2, label): the points and their class indices
 * 0…k−1, used as they are; k is the largest label + 1.
 */
export const LabeledTarget = z
  .strictObject({
    kind: z.literal('labeled'),
    x1: z.array(datum()).min(1).max(LIMITS.n),
    x2: z.array(datum()).min(1).max(LIMITS.n),
    label: z.array(z.number().int().min(0).max(LIMITS.outputs - 1)).min(1).max(LIMITS.n),
  })
  .refine((t) => t.x2.length === t.x1.length, { path: ['x2'], message: 'must have as many values as x1' })
  .refine((t) => t.label.length === t.x1.length, { path: ['label'], message: 'must have as many values as x1' })
  .refine((t) => t.label.some((l) => l > 0), { path: ['label'], message: 'needs 2 or more classes (labels 0 and 1 at least)' });
export const Target = z.discriminatedUnion('kind', [
  HingeTarget,
  PolynomialTarget,
  SineTarget,
  PointsTarget,
  LabeledTarget,
  CircleTarget,
  XorTarget,
  GaussiansTarget,
  SpiralTarget,
]);
type AnyTarget = z.output<typeof Target>;
export type ClassificationTarget = Extract<AnyTarget, { kind: ClassificationKind }>;

const DEFAULT_N = 500;
const DEFAULT_X_RANGE: [number, number] = [-1, 1];

function pointsRange(x: readonly number[]): [number, number] {
  // A loop, not Math.min(...x): 100,000 arguments can overflow the stack.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * How the data is made. A formula target (hinge, polynomial, sine) is sampled at n points over xRange,
 * evenly or uniformly at random. A points target is used as it is: n is the number of points, xRange
 * their range and spacing 'given' — each may be omitted or must say exactly that — and noise must be 0.
 * A classification target (circle, xor, gaussians, spiral) draws n points in 2-D at random (xRange
 * and spacing may be omitted or must say [-1, 1] and uniform, as the parsed config does), and its noise is the share of
 * labels flipped to another class at random, from 0 to 0.5.
 * testFraction holds out round(n · testFraction) points, chosen from the seed, that training never
 * sees: 0.2 by default for classification, 0 (none) otherwise.
 * The filled-in values are part of the parsed config, so a stored config parses again unchanged (a
 * regression config without a test split leaves testFraction out, as configs did before it existed).
 */
export const DataConfig = z
  .strictObject({
    target: Target,
    n: z.number().int().min(1).max(LIMITS.n).optional(),
    xRange: z.tuple([datum(), datum()]).optional(),
    spacing: z.enum(SPACINGS).optional(),
    noise: datum().min(0).default(0),
    noiseShape: z.enum(NOISE_SHAPES).optional(),
    testFraction: finite().min(0).lt(1).optional(),
  })
  .superRefine((d, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const given = d.target.kind === 'points' ? d.target.x : d.target.kind === 'labeled' ? d.target.x1 : null;
    const n = given ? given.length : (d.n ?? DEFAULT_N);
    const test = testCount({ n, testFraction: d.testFraction ?? (isClassification(d.target) ? DEFAULT_TEST_FRACTION : 0) });
    if (test >= n) issue('testFraction', `leaves no training points: it holds out ${test} of ${n}`);
    if (d.target.kind === 'labeled') {
      const [lo, hi] = pointsRange(d.target.x1);
      if (d.n !== undefined && d.n !== n) issue('n', `a labeled target has ${n} points; omit n or give ${n}`);
      if (d.xRange !== undefined && (d.xRange[0] !== lo || d.xRange[1] !== hi)) issue('xRange', `a labeled target spans its own x1, [${lo}, ${hi}]; omit xRange`);
      if (d.spacing !== undefined && d.spacing !== 'given') issue('spacing', 'a labeled target keeps its points as given; omit spacing');
      if (d.noise > 0) issue('noise', 'must be 0 for a labeled target (its labels are used as they are)');
      if (d.noiseShape !== undefined) issue('noiseShape', 'is for regression noise; omit it for a labeled target');
      return;
    }
    if (isClassification(d.target)) {
      const kind = d.target.kind;
      // Omitted, or what the parsed config fills in (so a stored config parses again unchanged).
      if (d.xRange !== undefined && (d.xRange[0] !== -1 || d.xRange[1] !== 1)) issue('xRange', `a ${kind} target lies in the square [-1, 1]²; omit xRange`);
      if (d.spacing !== undefined && d.spacing !== 'uniform') issue('spacing', `a ${kind} target draws its points at random; omit spacing`);
      if (d.noise > 0.5) issue('noise', `is the share of labels flipped for a ${kind} target: from 0 to 0.5`);
      if (d.noiseShape !== undefined) issue('noiseShape', `is for regression noise; a ${kind} target flips labels instead, so omit it`);
      return;
    }
    if (d.target.kind !== 'points') {
      const [lo, hi] = d.xRange ?? DEFAULT_X_RANGE;
      if (!(lo < hi)) issue('xRange', 'must be [low, high] with low < high');
      if (d.spacing === 'given') issue('spacing', `"given" is for a points target; a ${d.target.kind} target is sampled even or uniform`);
      return;
    }
    const count = d.target.x.length;
    const [lo, hi] = pointsRange(d.target.x);
    if (d.n !== undefined && d.n !== count) issue('n', `a points target has ${count} points; omit n or give ${count}`);
    if (d.xRange !== undefined && (d.xRange[0] !== lo || d.xRange[1] !== hi)) issue('xRange', `a points target spans its own x, [${lo}, ${hi}]; omit xRange`);
    if (d.spacing !== undefined && d.spacing !== 'given') issue('spacing', 'a points target keeps its x as given; omit spacing');
    if (d.noise > 0) issue('noise', 'must be 0 for a points target (its points are used as they are)');
  })
  .transform((d) => {
    // Given points (1-D, or labeled 2-D classes) carry their own count and range.
    const given = d.target.kind === 'points' ? d.target.x : d.target.kind === 'labeled' ? d.target.x1 : null;
    const classes = isClassification(d.target);
    const testFraction = d.testFraction ?? (classes ? DEFAULT_TEST_FRACTION : 0);
    return {
      target: d.target,
      n: given ? given.length : (d.n ?? DEFAULT_N),
      xRange: given ? pointsRange(given) : (d.xRange ?? DEFAULT_X_RANGE),
      spacing: given ? ('given' as const) : classes ? ('uniform' as const) : (d.spacing ?? 'even'),
      noise: d.noise,
      ...(d.noiseShape === 'exponential' ? { noiseShape: d.noiseShape } : {}),
      ...(classes || testFraction > 0 ? { testFraction } : {}),
    };
  });


const HiddenActivationSchema = z.enum(HIDDEN_ACTIVATIONS);
/** Parameters of the largest network the limits allow (2 inputs, 8 layers of 1,024, 64 outputs): a bound for explicit params. */
const MAX_PARAMS = (2 + 1) * LIMITS.width + (LIMITS.depth - 1) * (LIMITS.width + 1) * LIMITS.width + (LIMITS.width + 1) * LIMITS.outputs;
export const ModelConfig = z
  .strictObject({
    hidden: z.array(z.number().int().min(1).max(LIMITS.width)).max(LIMITS.depth).default([2]),
    activation: z.union([HiddenActivationSchema, z.array(HiddenActivationSchema).max(LIMITS.depth)]).default('relu'),
    output: z.enum(OUTPUTS).default('linear'),
    /** Output units: 1 for regression and sigmoid, the number of classes for softmax. */
    outputs: z.number().int().min(1).max(LIMITS.outputs).default(1),
  })
  .refine((m) => typeof m.activation === 'string' || m.activation.length === m.hidden.length, {
    path: ['activation'],
    message: 'a list of activations needs one per hidden layer',
  });

const perLayer = () => z.union([finite(), z.array(finite()).min(1).max(LIMITS.depth + 1)]);
export const InitConfig = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('normal'), std: positive().default(1) }),
  z.strictObject({ kind: z.literal('uniform'), limit: positive().default(1) }),
  z.strictObject({ kind: z.literal('xavier') }),
  z.strictObject({ kind: z.literal('he') }),
  z.strictObject({
    kind: z.literal('symmetric'),
    /** One constant for every weight of a layer (or one per layer). */
    weight: perLayer().default(0.5),
    bias: perLayer().default(0),
  }),
  z.strictObject({
    kind: z.literal('dead'),
    /** Share of each hidden layer's units made inactive on every data point (the first ones). */
    fraction: finite().gt(0).max(1).default(1),
    /** How far below zero the dead units' largest pre-activation lies. */
    margin: positive().default(0.1),
  }),
  z.strictObject({ kind: z.literal('explicit'), params: z.array(finite()).min(1).max(MAX_PARAMS) }),
]);

export const OptimizerConfig = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sgd'), lr: positive().default(0.01) }),
  z.strictObject({
    kind: z.literal('momentum'),
    lr: positive().default(0.01),
    momentum: unitInterval().default(0.95),
  }),
  z.strictObject({
    kind: z.literal('rmsprop'),
    lr: positive().default(0.001),
    rho: unitInterval().default(0.9),
    eps: positive().default(1e-8),
  }),
  z.strictObject({
    kind: z.literal('momentum-rmsprop'),
    lr: positive().default(0.001),
    momentum: unitInterval().default(0.95),
    rho: unitInterval().default(0.9),
    eps: positive().default(1e-8),
  }),
  z.strictObject({
    kind: z.literal('adam'),
    lr: positive().default(0.01),
    beta1: unitInterval().default(0.95),
    beta2: unitInterval().default(0.9),
    eps: positive().default(1e-8),
  }),
]);


export const ExperimentConfig = z
  .strictObject({
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    data: DataConfig,
    model: ModelConfig.default({ hidden: [2], activation: 'relu', output: 'linear', outputs: 1 }),
    loss: z.enum(LOSSES).default('l2'),
    init: InitConfig.default({ kind: 'he' }),
    optimizer: OptimizerConfig.default({ kind: 'adam', lr: 0.01, beta1: 0.95, beta2: 0.9, eps: 1e-8 }),
    batchSize: z.number().int().min(1).max(LIMITS.n).default(3),
    steps: z.number().int().min(1).max(LIMITS.steps).default(5000),
    record: z
      .strictObject({
        /** Full-data loss every this many steps; default: about 1,000 points per run. */
        every: z.number().int().min(1).max(LIMITS.steps).optional(),
        /** Parameter snapshots kept per run (init and final included), evenly spaced. */
        snapshots: z.number().int().min(2).max(LIMITS.snapshots).default(200),
      })
      .default({ snapshots: 200 }),
    kernel: z.enum(KERNELS).default('auto'),
    backend: z.enum(BACKENDS).default('auto'),
  })
  .superRefine((c, ctx) => {
    const held = testCount(c.data);
    if (c.batchSize > c.data.n - held) {
      const message = held === 0 ? `must be at most data.n (${c.data.n})` : `must be at most the ${c.data.n - held} training points (data.n minus the test split)`;
      ctx.addIssue({ code: 'custom', path: ['batchSize'], message });
    }
    const { output, outputs } = c.model;
    const classes = classCount(c.data.target);
    if (classes !== null) {
      // Classification: one probability (sigmoid, 2 classes) or one per class (softmax), under nll.
      const kind = c.data.target.kind;
      const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
      if (output === 'linear' || (output === 'sigmoid' && classes > 2)) {
        issue(['model', 'output'], classes === 2 ? `the ${kind} target has 2 classes: use sigmoid, or softmax with model.outputs 2` : `the ${kind} target has ${classes} classes: use softmax with model.outputs ${classes}`);
      } else if (output === 'softmax' && outputs !== classes) {
        issue(['model', 'outputs'], `must be ${classes}, the number of classes of the ${kind} target`);
      } else if (output === 'sigmoid' && outputs !== 1) {
        issue(['model', 'outputs'], 'must be 1 for a sigmoid output (the probability of class 1)');
      }
      if (c.loss !== 'nll') issue(['loss'], `a ${kind} target is classification: use nll`);
      return;
    }
    if (c.loss === 'nll' && output === 'linear') {
      ctx.addIssue({
        code: 'custom',
        path: ['loss'],
        message: 'nll needs model.output sigmoid or softmax (for a linear output, l2 is the Gaussian NLL)',
      });
    }
    if (output === 'softmax' && c.loss !== 'nll') {
      ctx.addIssue({ code: 'custom', path: ['loss'], message: 'a softmax output needs loss nll' });
    }
    if (output === 'softmax' && outputs < 2) {
      ctx.addIssue({ code: 'custom', path: ['model', 'outputs'], message: 'softmax needs 2 or more outputs (classes)' });
    }
    if (output !== 'softmax' && outputs !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'outputs'],
        message: `must be 1 for a ${output} output on 1-D regression data`,
      });
    }
  });

export type ExperimentConfigInput = z.input<typeof ExperimentConfig>;
export type ExperimentConfig = z.output<typeof ExperimentConfig>;
export type TargetConfig = z.output<typeof Target>;
export type InitConfig = z.output<typeof InitConfig>;
export type OptimizerConfig = z.output<typeof OptimizerConfig>;
export type OptimizerKind = OptimizerConfig['kind'];

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The value at `path` inside `root`, or undefined where the path leads nowhere. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** The first problem of a failed parse, as one line: `field: what is allowed (got …)`. */
export function formatIssue(error: z.ZodError, input: unknown, root = 'config'): string {
  const issue = error.issues[0];
  if (!issue) return `${root}: invalid`;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const field = path ? path.replace(/^\./, '') : root;
  const got = valueAt(input, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const prefix = path ? `${path.replace(/^\./, '')}.` : '';
      return `${prefix}${issue.keys[0]}: unknown field`;
    }
    case 'invalid_union': {
      if ('options' in issue && Array.isArray(issue.options)) {
        const what = got === undefined ? 'missing' : `unknown kind ${describe(got)}`;
        return `${field}: ${what}; allowed: ${issue.options.join(', ')}`;
      }
      // A union of alternatives (e.g. one activation or a list): report the variant's own problem.
      // The variant that got furthest (the longest path) says the most.
      const nested = issue.errors.flat().sort((a, b) => b.path.length - a.path.length)[0];
      if (nested) return formatIssue(new z.ZodError([{ ...nested, path: [...issue.path, ...nested.path] }]), input, root);
      return `${field}: not allowed (got ${describe(got)})`;
    }
    case 'invalid_type':
      return got === undefined
        ? `${field}: required (${issue.expected})`
        : `${field}: must be ${article(issue.expected)} (got ${describe(got)})`;
    case 'too_small':
    case 'too_big': {
      const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const inclusive = 'inclusive' in issue ? issue.inclusive : true;
      const rel = issue.code === 'too_small' ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
      if (issue.origin === 'string') {
        if (issue.code === 'too_small' && bound === 1 && inclusive) return `${field}: must not be empty`;
        return `${field}: must have ${rel} ${boundText(bound)} characters (got ${typeof got === 'string' ? got.length : describe(got)})`;
      }
      return issue.origin === 'array'
        ? `${field}: must have ${rel} ${boundText(bound)} items (got ${Array.isArray(got) ? got.length : describe(got)})`
        : `${field}: must be ${rel} ${boundText(bound)} (got ${describe(got)})`;
    }
    case 'invalid_value':
      return `${field}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(got)})`;
    case 'not_multiple_of':
      return `${field}: must be a multiple of ${String(issue.divisor)} (got ${describe(got)})`;
    default:
      return `${field}: ${issue.message} (got ${describe(got)})`;
  }
}

/**
 * A bound as people read it: whole numbers as they are, others to four significant digits (the
 * largest float32 is 3.403e+38, not 3.4028234663852886e+38).
 */
export function boundText(b: number): string {
  if (Number.isInteger(b) && Math.abs(b) < 1e15) return String(b);
  return String(Number(b.toPrecision(4)));
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/**
 * The longest JSON text of a config, with what a sweep run repeats of it (its cell's values, in its
 * hyper and its label): a run's line of an export holds them all (16 MiB, MAX_LINE_BYTES in
 * main/store/exchange.ts), less 1 MiB for the run's other fields (diagnostics, names). Only big
 * arrays come near it — explicit initial parameters (about 800,000), a 100,000-point target is 4 MB —
 * so a config is refused here, naming its largest list, rather than made and then refused by export.
 */
export const MAX_CONFIG_TEXT = 15 * 2 ** 20;
/** The longest JSON text of one number (-1.2345678901234567e-308) and its comma. */
const NUMBER_TEXT = 25;
/** Text of a config beside its arrays (fields, names, strings of at most a few hundred characters). */
const FIELDS_TEXT = 64 * 2 ** 10;

/** The number of array items in `value`, and the path of its longest array: walked by keys, arrays read by length only. */
function arrayItems(value: unknown, path: string, out = { items: 0, longest: 0, path: '' }): typeof out {
  if (Array.isArray(value)) {
    out.items += value.length;
    if (value.length > out.longest) [out.longest, out.path] = [value.length, path];
    // A list of lists (model.hidden, a grid of targets) is walked; a list of numbers is counted above.
    if (value.length > 0 && typeof value[0] === 'object') value.forEach((v, i) => arrayItems(v, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) arrayItems(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

/**
 * Refuses `parts` (a config, and a sweep run's repeated values) whose JSON text together passes
 * MAX_CONFIG_TEXT, naming the longest list. Texts are made only when the arrays could reach the bound.
 */
export function checkConfigText(parts: { value: unknown; text?: () => number }[]): void {
  const counted = parts.map((p) => ({ p, a: arrayItems(p.value, '') }));
  if (counted.reduce((n, { a }) => n + a.items * NUMBER_TEXT, FIELDS_TEXT) <= MAX_CONFIG_TEXT) return;
  const bytes = counted.reduce((n, { p }) => n + (p.text ? p.text() : JSON.stringify(p.value).length), 0);
  if (bytes <= MAX_CONFIG_TEXT) return;
  const { a } = counted.reduce((x, y) => (y.a.longest > x.a.longest ? y : x));
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const repeated = parts.length > 1 ? ', with the values a sweep run repeats in its hyper and label' : '';
  throw new InputError(`${a.path}: ${a.longest.toLocaleString('en-US')} values make the config ${mib(bytes)} of text${repeated}; at most ${mib(MAX_CONFIG_TEXT)} fit (one line of an export)`);
}

/** Validates and fills defaults; throws InputError with one line on failure. */
export function parseConfig(input: unknown): ExperimentConfig {
  const result = ExperimentConfig.safeParse(input);
  if (!result.success) throw new InputError(formatIssue(result.error, input));
  checkConfigText([{ value: result.data }]);
  return result.data;
}
