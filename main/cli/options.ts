// The command line's options, and the parsers that turn their text into values or one-line refusals.
import type { ParseArgsConfig } from 'node:util';
import { LIMITS } from '../../shared/configRules.js';
import { InputError } from '../../shared/errors.js';
import { quoted } from '../../shared/printable.js';

export const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  kernel: { type: 'string' },
  backend: { type: 'string' },
  name: { type: 'string' },
  'no-save': { type: 'boolean' },
  preset: { type: 'string' },
  steps: { type: 'string' },
  experiment: { type: 'string' },
  center: { type: 'string' },
  axes: { type: 'string' },
  res: { type: 'string' },
  span: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  points: { type: 'string' },
  restarts: { type: 'string' },
  'search-steps': { type: 'string' },
  resume: { type: 'boolean' },
  wait: { type: 'boolean' },
  init: { type: 'boolean' },
  yes: { type: 'boolean' },
  port: { type: 'string' },
  open: { type: 'boolean' },
  run: { type: 'string' },
  at: { type: 'string' },
  optimizers: { type: 'string' },
  curvature: { type: 'boolean' },
  shard: { type: 'string' },
  slurm: { type: 'boolean' },
  k8s: { type: 'boolean' },
  dir: { type: 'string' },
  shards: { type: 'string' },
  partition: { type: 'string' },
  time: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  'node-local': { type: 'boolean' },
  submit: { type: 'boolean' },
  status: { type: 'string' },
  into: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} satisfies ParseArgsConfig['options'];

export type Option = keyof typeof OPTIONS;
export type Values = { [K in Option]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

export function choice<T extends string>(field: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new InputError(`--${field}: must be one of ${allowed.join(', ')} (got ${quoted(value)})`);
  return value as T;
}

/**
 * Decimal digits only, with an optional minus: Number() also takes 1e2, 0x40, 0b1, " 7" and "" (as 0),
 * which would be accepted as something the user may not have meant.
 */
const DECIMAL_INTEGER = /^-?\d{1,16}$/;

/** A decimal number as people write one: 2, 2.5, .5, 1e-3; not 0x10, Infinity or " 2". */
const DECIMAL_NUMBER = /^-?(\d{1,20}(\.\d{0,20})?|\.\d{1,20})([eE][+-]?\d{1,3})?$/;

export function integer(field: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const v = DECIMAL_INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new InputError(`--${field}: must be an integer from ${min} to ${max}, in decimal digits (got ${quoted(value)})`);
  return v;
}

/** An integer option without a default: undefined when not given. */
export function optionalInteger(field: string, value: string | boolean | undefined, min: number, max: number): number | undefined {
  return value === undefined ? undefined : integer(field, String(value), 0, min, max);
}

export function experimentId(field: string, value: string | undefined): number {
  const id = value !== undefined && DECIMAL_INTEGER.test(value) ? Number(value) : NaN;
  if (value === undefined || !Number.isSafeInteger(id) || id < 1) throw new InputError(`${field}: must be an experiment id such as 3, see landscape-lab list (got ${quoted(value ?? '')})`);
  return id;
}

export function stepsOption(value: string | undefined): number | undefined {
  return value === undefined ? undefined : integer('steps', value, 0, 1, LIMITS.steps);
}

/** --span: a positive number, or auto. */
export function spanOption(value: string | undefined): number | 'auto' {
  const text = value ?? 'auto';
  const span = text === 'auto' ? 'auto' : DECIMAL_NUMBER.test(text) ? Number(text) : NaN;
  if (span !== 'auto' && !(Number.isFinite(span) && span > 0)) throw new InputError(`--span: must be a decimal number > 0 (such as 2.5 or 1e-3) or auto (got ${quoted(text)})`);
  return span;
}
