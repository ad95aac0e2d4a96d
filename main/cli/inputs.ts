// The files and presets a command reads its input from: a config, a sweep spec or a CSV, each named
// in the message when it is refused.
import { MAX_INPUT_FILE_BYTES } from '../../shared/configRules.js';
import { InputError } from '../../shared/errors.js';
import { jsonTextProblem } from '../../shared/jsonBounds.js';
import { presetByName, type Preset } from '../../shared/presets.js';
import type { Lab, PreparedSplit } from '../lab/lab.js';
import { readInputFile } from '../platform/files.js';
import type { Context } from './context.js';

export function readText(path: string, kind: string): string {
  return readInputFile(path, MAX_INPUT_FILE_BYTES, `a ${kind} file`).toString('utf8');
}

/**
 * A JSON file, its shape bounded before JSON.parse builds anything (depth, fields per object, a budget
 * of values, no "__proto__" keys): a config nested 5,000 deep was an internal error, its refusal's
 * message overflowing the stack.
 */
export function readJsonFile(path: string): unknown {
  const text = readText(path, 'JSON');
  const problem = jsonTextProblem(text);
  if (problem) throw new InputError(`${path}: ${problem.path.length ? `${problem.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '')}: ` : ''}${problem.message}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Refusals of what `path` holds are reported against it. */
export function fromFile<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw e instanceof InputError ? new InputError(`${path}: ${e.message}`) : e;
  }
}

/**
 * The config in a file, prepared: validated, and its data made, so that data the run could not use
 * (targets beyond float32, labels the loss cannot describe) is reported against the file before any work.
 */
export function configFile(ctx: Context, path: string, overrides: Parameters<Lab['prepare']>[1] = {}): PreparedSplit {
  const json = readJsonFile(path);
  return fromFile(path, () => ctx.lab().prepare(json, overrides));
}

/** The preset named by --preset, if one is (then no file may be given too). */
export function fromPreset(ctx: Context, command: string, file: string): Preset | undefined {
  if (ctx.values.preset === undefined) return undefined;
  if (ctx.args.length) throw new InputError(`${command}: give a ${file} or --preset NAME, not both`);
  return presetByName(ctx.values.preset);
}
