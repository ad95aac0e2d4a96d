// The sweep editor's rows as a sweep grid. Pure: the editor validates the result with expandSweep,
// so text that does not parse stays text and the spec's own messages name the field.
import { InputError, type OptimizerKind } from '../../../shared/config.js';
import { presetByName } from '../../../shared/presets.js';

export type AxisRow =
  | { path: string; mode: 'values'; values: string }
  | { path: string; mode: 'range'; from: string; to: string; count: string; scale: 'linear' | 'log' };

/** The whole-optimizer axis: its values are the tutorial's optimizers, named by kind. */
export const WHOLE_OPTIMIZER = 'optimizer';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'momentum', 'rmsprop', 'momentum-rmsprop', 'adam'];

/** Each optimizer as its tutorial preset sets it (ρ 0.95 / 0.9, a learning rate that converges). */
export function tutorialOptimizer(kind: OptimizerKind): Record<string, unknown> {
  return { ...(presetByName(kind).config?.optimizer as Record<string, unknown>) };
}

/** Fields whose value is a list: a lone number is a one-item list ("2; 4,4" → [[2], [4, 4]]). */
const LIST_PATHS = new Set(['model.hidden']);

// A number where the text is one, else JSON where it parses ("true", "[2,2]", an object), else the text.
function scalar(text: string): unknown {
  const n = Number(text);
  if (text !== '' && Number.isFinite(n)) return n;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function item(path: string, text: string): unknown {
  if (path === WHOLE_OPTIMIZER && (OPTIMIZER_KINDS as readonly string[]).includes(text)) return tutorialOptimizer(text as OptimizerKind);
  const value = scalar(text);
  if (typeof value === 'string' && value.includes(',')) return value.split(',').map((part) => scalar(part.trim()));
  return LIST_PATHS.has(path) && typeof value === 'number' ? [value] : value;
}

/** A ';'-separated list of values for one field (empty items are skipped). */
export function parseValues(path: string, text: string): unknown[] {
  return text
    .split(';')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => item(path, t));
}

/** The rows as a SweepSpec grid: values as a list, a range as { from, to, count, scale }. */
export function gridOf(rows: readonly AxisRow[]): Record<string, unknown> {
  const grid: Record<string, unknown> = {};
  for (const row of rows) {
    const path = row.path.trim();
    if (path === '') throw new InputError('grid: a swept field has no path; choose one or remove the row');
    if (Object.hasOwn(grid, path)) throw new InputError(`grid.${path}: swept twice; keep one row per field`);
    grid[path] =
      row.mode === 'values' ? parseValues(path, row.values) : { from: scalar(row.from.trim()), to: scalar(row.to.trim()), count: scalar(row.count.trim()), scale: row.scale };
  }
  return grid;
}
