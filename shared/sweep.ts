// A sweep: a grid over any config fields (lists of values, or linear / log ranges) × a number of
// seeds. Every cell's config is validated before anything runs.
import { z } from 'zod';
import { checkConfigText, formatIssue, InputError, parseConfig, type ExperimentConfig } from './config.js';
import { boundedObject } from './jsonBounds.js';
import { briefSweepValue, sweepRunLabel } from './sweepText.js';

/** Runs a sweep may have: cells are computed from their index when needed (SweepCells), never held. */
export const MAX_SWEEP_RUNS = 1_000_000;

const Range = z.strictObject({
  from: z.number().finite(),
  to: z.number().finite(),
  count: z.number().int().min(2).max(1000),
  scale: z.enum(['linear', 'log']).default('linear'),
});
/** A grid field's value. An object (an optimizer, a target) is checked whole with the config of each cell; here its shape is bounded. */
export const SweepValueSchema = z.union([z.number().finite(), z.string().max(200), z.boolean(), z.array(z.number().finite()).max(100_000), boundedObject()]);
const Axis = z.union([z.array(SweepValueSchema).min(1).max(1000), Range]);
/** More grid fields than a config has leaves: each cell sets every one of them. */
export const MAX_GRID_FIELDS = 32;
const GRID_PATH = /^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/;
/** A config path such as optimizer.lr: a grid's key, and a run's hyper key. */
export const ConfigPath = z.string().max(200).regex(GRID_PATH, 'must be a dotted config path such as optimizer.lr');

export const SweepSpec = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  /** The config every cell starts from (every field but data.target has a default). */
  base: boundedObject(),
  /** Config paths (`optimizer.lr`, `model.hidden`, `data.target.x0`) → values or a range. */
  grid: z
    .record(ConfigPath, Axis)
    .refine((g) => Object.keys(g).length <= MAX_GRID_FIELDS, `must have at most ${MAX_GRID_FIELDS} fields`)
    .default({}),
  /** Runs per cell, with seeds base.seed, base.seed + 1, … */
  seeds: z.number().int().min(1).max(1000).default(1),
  /** A run succeeds when its final loss is below this. */
  threshold: z.number().positive().default(1e-3),
});
export type SweepSpec = z.output<typeof SweepSpec>;
export type SweepValue = z.output<typeof SweepValueSchema>;

export interface SweepCell {
  index: number;
  values: Record<string, SweepValue>;
  config: ExperimentConfig;
}

export function axisValues(axis: z.output<typeof Axis>): SweepValue[] {
  if (Array.isArray(axis)) return axis;
  const { from, to, count, scale } = axis;
  // Rounded to 12 significant digits, so a log range over 1e-3…1e-1 gives 0.01, not 0.010000000000000005.
  return Array.from({ length: count }, (_, i) => {
    const f = i / (count - 1);
    const v = scale === 'log' ? Math.exp(Math.log(from) + f * (Math.log(to) - Math.log(from))) : from + f * (to - from);
    return Number(v.toPrecision(12));
  });
}

/**
 * Sets `path` in the raw config `root` (a cell's own copy). A missing object on the way is created;
 * where the full config has a `kind` there (optimizer, init), the new object gets that kind, so
 * `optimizer.lr` works on a base that leaves the optimizer to its default.
 */
function setValue(root: Record<string, unknown>, full: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: Record<string, unknown> = root;
  let defaults = full as Record<string, unknown> | undefined;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    defaults = defaults?.[key] as Record<string, unknown> | undefined;
    const kind = defaults && typeof defaults === 'object' && 'kind' in defaults ? { kind: defaults.kind } : {};
    node = node[key] = next && typeof next === 'object' && !Array.isArray(next) ? (next as Record<string, unknown>) : kind;
  }
  const last = keys[keys.length - 1];
  // A new kind (optimizer.kind over "sgd; adam") starts from that kind's own defaults: the fields of
  // the base's kind (adam's beta1) would not be the new one's. Other swept fields apply after it.
  if (last === 'kind' && defaults && typeof defaults === 'object' && defaults.kind !== value) for (const k of Object.keys(node)) delete node[k];
  node[last] = value;
}

/**
 * Parameter snapshots a sweep's runs keep when its base does not set record.snapshots (a single run
 * keeps 200): a sweep's runs are many and are for statistics; 200 snapshots were 39 of the 55 KB a
 * 1→16→1 run takes on disk, 55 GB for a million runs. 20 still draw each run's trajectory.
 */
export const SWEEP_SNAPSHOTS = 20;

function withSweepSnapshots(base: Record<string, unknown>): Record<string, unknown> {
  const { record } = base;
  if (record !== undefined && (record === null || typeof record !== 'object' || Array.isArray(record) || 'snapshots' in record)) return base;
  return { ...base, record: { ...(record as Record<string, unknown> | undefined), snapshots: SWEEP_SNAPSHOTS } };
}

/**
 * Loss points a sweep's runs record when neither its base nor its grid sets record.every (a single run
 * records about 1,000, with a dense start): one every steps/100 steps, the first and last included.
 * A sweep's curves feed its statistics and its loss-curve chart; at this count a run of the tutorial's
 * network takes under 2 KB on disk, and steps to threshold are known to 1 % of the run.
 */
export const SWEEP_LOSS_POINTS = 100;

/** Whether the spec leaves its runs' loss stride to the sweep (SWEEP_LOSS_POINTS). */
function sweepSetsStride(base: Record<string, unknown>, grid: Record<string, unknown>): boolean {
  const record = base.record as Record<string, unknown> | undefined;
  return !(record !== undefined && record !== null && typeof record === 'object' && 'every' in record) && !('record' in grid) && !('record.every' in grid);
}

/** A stored spec's success threshold (its default when unset); null when the spec cannot say. */
export function sweepThresholdOf(spec: unknown): number | null {
  const parsed = SweepSpec.shape.threshold.safeParse(spec !== null && typeof spec === 'object' ? (spec as { threshold?: unknown }).threshold : undefined);
  return parsed.success ? parsed.data : null;
}

/**
 * A sweep's cells, computed from their index on demand: nothing is held per cell or per run, so a
 * sweep of MAX_SWEEP_RUNS runs costs what one of a few runs does. `at` checks the cell's config as a
 * run's would be; the last cell asked for is kept, since a sweep's runs come a cell's seeds at a time.
 */
export interface SweepCells extends Iterable<SweepCell> {
  /** How many cells: the product of the grid's axis lengths. */
  readonly length: number;
  /** Cell `index`, 0 ≤ index < length (a RangeError otherwise); throws InputError when its config is refused. */
  at(index: number): SweepCell;
  /** Cell `index`'s values alone (its config is not made): what a sweep's statistics name it by. */
  valuesAt(index: number): Record<string, SweepValue>;
  /** Cells that together hold every value of every axis, each with the others' first values: a few hundred at most, whatever the grid. */
  covering(): number[];
}

/** A cell's values, as its error messages print them: long point lists cut short. */
function cellText(values: Record<string, SweepValue>): string {
  return Object.entries(values).map(([k, v]) => `${k}=${briefSweepValue(v)}`).join(', ');
}

/**
 * Validates a spec and its run count, without expanding it: `cells` computes each cell (in grid
 * order, the last field varying fastest) when asked. For a spec read back from a store, which was
 * checked whole when it was stored; a new spec goes through expandSweep.
 */
export function sweepCells(input: unknown): { spec: SweepSpec; cells: SweepCells } {
  const parsed = SweepSpec.safeParse(input);
  if (!parsed.success) throw new InputError(formatIssue(parsed.error, input, 'sweep'));
  const spec = parsed.data;
  for (const [path, axis] of Object.entries(spec.grid)) {
    if (!Array.isArray(axis) && axis.scale === 'log' && !(axis.from > 0 && axis.to > 0)) {
      throw new InputError(`grid.${path}: a log range needs from and to > 0 (got ${axis.from} to ${axis.to})`);
    }
  }
  const base = withSweepSnapshots(spec.base);
  const sweepStride = sweepSetsStride(spec.base, spec.grid);
  let full: ExperimentConfig;
  try {
    full = parseConfig(base);
  } catch (e) {
    throw new InputError(`base.${(e as Error).message}`);
  }
  // An axis holds at most 1000 values (its schema): expanded once, whatever the number of cells.
  const axes = Object.entries(spec.grid).map(([path, axis]) => [path, axisValues(axis)] as const);
  const total = axes.reduce((n, [, values]) => n * values.length, 1);
  if (total * spec.seeds > MAX_SWEEP_RUNS) {
    const sizes = axes.map(([path, values]) => `${path} ${values.length}`).join(' × ');
    throw new InputError(`grid: ${total} cells (${sizes}) × ${spec.seeds} seeds is ${total * spec.seeds} runs; at most ${MAX_SWEEP_RUNS} are allowed (fewer grid values or seeds)`);
  }
  // A swept kind is set before the fields swept under it, which then apply to the new kind.
  const kindsFirst = [...axes].sort((a, b) => Number(!a[0].endsWith('.kind')) - Number(!b[0].endsWith('.kind')));
  let kept: SweepCell | null = null;
  const valuesAt = (index: number): Record<string, SweepValue> => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= total) throw new RangeError(`sweep cell ${index}: the sweep has cells 0 to ${total - 1}`);
    let rest = index;
    const values: Record<string, SweepValue> = {};
    for (let a = axes.length - 1; a >= 0; a--) {
      const [path, options] = axes[a];
      values[path] = options[rest % options.length];
      rest = Math.floor(rest / options.length);
    }
    return values;
  };
  const at = (index: number): SweepCell => {
    if (kept?.index === index) return kept;
    const values = valuesAt(index);
    const input = structuredClone(base);
    // A copy: a field swept under an object value (optimizer.lr under optimizer) is set inside it, and
    // the axis's own value is every cell's.
    for (const [path] of kindsFirst) setValue(input, full, path, structuredClone(values[path]));
    let config: ExperimentConfig;
    try {
      config = parseConfig(input);
    } catch (e) {
      throw new InputError(`${axes.length ? `cell ${cellText(values)}` : 'base'}: ${(e as Error).message}`);
    }
    // Keys in the schema's order, as parseConfig would give them had the spec set the stride.
    if (sweepStride) config = { ...config, record: { every: Math.ceil(config.steps / SWEEP_LOSS_POINTS), snapshots: config.record.snapshots } };
    if (config.seed + spec.seeds - 1 > 0xffffffff) throw new InputError(`seeds: base.seed + seeds must stay below 2^32`);
    // A run of the cell holds its config, and its values twice more (its hyper and its label).
    if (axes.length) {
      try {
        checkConfigText([{ value: config }, { value: values }, { value: values, text: () => sweepRunLabel(values, config.seed).length }]);
      } catch (e) {
        throw new InputError(`cell ${cellText(values)}: ${(e as Error).message}`);
      }
    }
    return (kept = { index, values, config });
  };
  const covering = (): number[] => {
    const found = new Set<number>([0]);
    let stride = 1;
    for (let a = axes.length - 1; a >= 0; a--) {
      for (let v = 1; v < axes[a][1].length; v++) found.add(v * stride);
      stride *= axes[a][1].length;
    }
    return [...found].sort((x, y) => x - y);
  };
  const cells: SweepCells = {
    length: total,
    at,
    valuesAt,
    covering,
    *[Symbol.iterator]() {
      for (let index = 0; index < total; index++) yield at(index);
    },
  };
  return { spec, cells };
}

/**
 * Validates a spec and every cell's config (before anything runs), one cell at a time: the cells are
 * computed again when asked (SweepCells), never held.
 */
export function expandSweep(input: unknown): { spec: SweepSpec; cells: SweepCells } {
  const expanded = sweepCells(input);
  for (let index = 0; index < expanded.cells.length; index++) expanded.cells.at(index);
  return expanded;
}

/** The config of one run: the cell's config with seed base.seed + seedIndex. */
export function runConfig(cell: SweepCell, seedIndex: number): ExperimentConfig {
  return { ...cell.config, seed: cell.config.seed + seedIndex };
}
