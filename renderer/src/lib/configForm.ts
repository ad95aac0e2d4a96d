// The experiment form's model of a config: reading and writing it by dotted path, the kinds of its
// tagged unions (fields and defaults from the schema itself), what typed text parses to, and how a
// classification target brings the model along. Pure: the form component holds the state.
import { classCount, ExperimentConfig, InitConfig, OptimizerConfig, Target, valueAt } from '../../../shared/config';

export type Json = Record<string, unknown>;

export type Control = 'number' | 'list' | 'perLayer' | 'range' | 'activation' | 'select' | 'kind';
export interface Field {
  path: string;
  label: string;
  control: Control;
  options?: readonly string[];
}

// The kinds of the three tagged unions: their fields and defaults come from the schema itself.
export interface Kind {
  params: string[];
  defaults: Json;
}
export type Variant = { shape: Record<string, unknown>; safeParse: (v: unknown) => { success: boolean; data?: unknown } };
// Kinds whose fields have no default get a starting value, so switching to them stays valid.
export const STARTERS: Record<string, Json> = { polynomial: { coefficients: [0, 0, 1] } };
export function kindTable(variants: readonly Variant[]): Map<string, Kind> {
  const table = new Map<string, Kind>();
  for (const v of variants) {
    const kind = (v.shape.kind as { value: string }).value;
    const parsed = v.safeParse({ kind });
    const defaults = parsed.success ? (parsed.data as Json) : { kind, ...STARTERS[kind] };
    table.set(kind, { params: Object.keys(v.shape).filter((k) => k !== 'kind'), defaults });
  }
  return table;
}
export const UNIONS = {
  'data.target': { table: kindTable(Target.options), choices: ['hinge', 'polynomial', 'sine', 'circle', 'xor', 'gaussians', 'spiral'] },
  init: { table: kindTable(InitConfig.options), choices: ['he', 'xavier', 'normal', 'uniform', 'symmetric', 'dead'] },
  optimizer: { table: kindTable(OptimizerConfig.options), choices: ['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam'] },
} as const;
export type UnionPath = keyof typeof UNIONS;
export const isUnion = (path: string): path is UnionPath => path in UNIONS;

export const BASE_DEFAULTS = ExperimentConfig.parse({ data: { target: { kind: 'hinge' } } }) as unknown as Json;

export const LABELS: Record<string, string> = {
  x0: 'x0 (kink)',
  m1: 'm1 (slope right)',
  m2: 'm2 (slope left)',
  b: 'b (offset)',
  coefficients: 'coefficients c0, c1, …',
  radius: 'radius (class 1 inside)',
  classes: 'classes',
  spread: 'spread (std)',
  arms: 'arms (classes)',
  turns: 'turns',
  std: 'std',
  limit: 'limit (±)',
  weight: 'weight (per layer)',
  bias: 'bias (per layer)',
  fraction: 'dead fraction',
  params: 'params (in layout order)',
  lr: 'learning rate',
  rho: 'rho (ρ)',
  beta1: 'beta1 (β₁)',
  beta2: 'beta2 (β₂)',
  eps: 'eps (ε)',
};
export const CONTROLS: Record<string, Control> = { coefficients: 'list', params: 'list', weight: 'perLayer', bias: 'perLayer' };

/** The value at a path of the config, or undefined where the path leads nowhere. */
export const getAt = (root: unknown, path: readonly string[]): unknown => valueAt(root, path);

export function setAt(root: Json, path: string[], value: unknown): void {
  let v = root;
  for (const key of path.slice(0, -1)) {
    const next = v[key];
    if (next === null || typeof next !== 'object') v[key] = {};
    v = v[key] as Json;
  }
  v[path[path.length - 1]] = value;
}

/** The number of classes of the config's target, or null for regression (or a target still being typed). */
export function classesOf(root: unknown): number | null {
  const parsed = Target.safeParse(getAt(root, ['data', 'target']));
  return parsed.success ? classCount(parsed.data) : null;
}

/**
 * A classification target needs sigmoid (2 classes) or softmax with one output per class, under nll,
 * and no xRange or spacing: the model and data follow the target so the form stays valid (a choice
 * that already fits is kept). Back on a regression target, the output and loss return to defaults.
 */
export function fitModelToTarget(next: Json, wasClassifying: boolean) {
  const k = classesOf(next);
  if (next.model === null || typeof next.model !== 'object') next.model = {};
  const model = next.model as Json;
  if (k === null) {
    if (!wasClassifying) return;
    delete model.output;
    delete model.outputs;
    delete next.loss;
    if (Object.keys(model).length === 0) delete next.model;
    return;
  }
  const outputs = model.outputs ?? 1;
  const fits = (model.output === 'sigmoid' && k === 2 && outputs === 1) || (model.output === 'softmax' && outputs === k);
  if (!fits) {
    model.output = k === 2 ? 'sigmoid' : 'softmax';
    if (k === 2) delete model.outputs;
    else model.outputs = k;
  }
  next.loss = 'nll';
  const data = next.data as Json;
  delete data.xRange;
  delete data.spacing;
}

export function format(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  return JSON.stringify(v);
}

// Text that is not a finite number stays text, so the schema reports it ("must be a number (got …)")
// instead of it silently becoming 0.
export function scalar(raw: string): number | string {
  const t = raw.trim();
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : raw;
}
export function parse(control: Control, raw: string): unknown {
  if (control === 'activation') return raw.split(',').map((s) => s.trim());
  // Commas or spaces between values: "2 3 4" is three widths, as "2, 3, 4" is.
  if (control === 'list') return raw.trim() === '' ? [] : raw.trim().split(/\s*,\s*|\s+/).map(scalar);
  if (control === 'perLayer') {
    const items = raw.split(',').map(scalar);
    return items.length === 1 ? items[0] : items;
  }
  return scalar(raw);
}
