// What an export holds, and how each of its records is checked: the schemas of an experiment, a run,
// a surface and an interpolation, and the checks of a record against its own network. Both formats
// use them: the streamed one of exchangeLines.ts (version 2, what `export` writes) and the single
// document of version 1 read here, as earlier versions wrote it (files of it exist).
//
// Why JSON and not a small .sqlite: an import is untrusted input, and JSON can be checked — schema,
// sizes, every array's length against its network — with nothing but JSON.parse between the bytes and
// the checks. Arrays travel as their little-endian bytes in base64, so they come back bit-identical.
import { z } from 'zod';
import { formatIssue, InputError, inputSize, KERNEL_NAMES, LIMITS, parseConfig, testCount, type ExperimentConfig } from '../../shared/config.js';
import { jsonTextProblem } from '../../shared/jsonBounds.js';
import { MARKERS } from '../../shared/markers.js';
import { MAX_SHARDS } from '../../shared/cluster.js';
import { ConfigPath, expandSweep, MAX_GRID_FIELDS, MAX_SWEEP_RUNS, SweepSpec, SweepValueSchema } from '../../shared/sweep.js';
import { readInputFile } from '../platform/files.js';
import { architectureOf, layoutOf } from '../engine/model.js';
import { linspace } from '../engine/surface.js';
import { adoptBlob, type ArrayOf, type DType } from './blobs.js';
import type { ImportItem, StoredExperiment } from './experiments.js';
import { EXPERIMENT_STATUSES } from './experiments.js';

export const FORMAT = 'landscape-lab';
/** As many points as `interpolate --points` allows. */
const MAX_INTERPOLATION_POINTS = 10_000;
/** The single-document format, read as earlier versions wrote it. */
export const DOCUMENT_VERSION = 1;
/**
 * The longest line of a streamed export, in bytes; also bounds the text fields of a record. A record's
 * largest text is a config (a points target of 100,000 points is about 4 MB) or a sweep run's label and
 * hyper, which repeat its cell's values (two 100,000-point lists: about 4 MB each): 16 MiB holds the
 * three. An import holds a line, its text and what JSON.parse makes of it (at most one value per 4
 * bytes, jsonTextProblem's budget): about 8× a line, 128 MiB.
 */
export const MAX_LINE_BYTES = 16 * 2 ** 20;
/** v1 files larger than this are refused unread: the document is parsed whole, as one string, and V8 strings stop short of 512 MiB. */
export const MAX_DOCUMENT_BYTES = 256 * 2 ** 20;

const Arr = <D extends DType>(dtype: D) => z.strictObject({ dtype: z.literal(dtype), base64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64') });
/** Checked with parseConfig right after the document's schema (see parseAt), so errors name the field. */
const ConfigField = z.unknown();
const Count = z.number().int().min(0).max(LIMITS.steps);
/** Units of a hidden layer (1-based, as the diagnostics number them); checked against the run's network in parseExport. */
const Unit = z.strictObject({ layer: z.number().int().min(1).max(LIMITS.depth), unit: z.number().int().min(0).max(LIMITS.width - 1) });
const MAX_UNITS = LIMITS.width * LIMITS.depth;
const Diagnostics = z.strictObject({
  dead: z.array(Unit).max(MAX_UNITS),
  symmetric: z.array(z.strictObject({ layer: Unit.shape.layer, units: z.array(Unit.shape.unit).min(2).max(LIMITS.width) })).max(MAX_UNITS / 2),
});
const Status = z.enum(EXPERIMENT_STATUSES as [string, ...string[]]);
const Marker = z.enum(MARKERS);

const RunFields = z.strictObject({
  index: z.number().int().min(0).max(MAX_SWEEP_RUNS - 1),
  // Names the run's sweep cell, point lists included: bounded by the line that carries it.
  label: z.string().max(MAX_LINE_BYTES),
  /** What distinguishes the run: its sweep cell's values by config path, and its seed. */
  hyper: z.record(ConfigPath, SweepValueSchema).refine((h) => Object.keys(h).length <= MAX_GRID_FIELDS + 1, `must have at most ${MAX_GRID_FIELDS + 1} fields`),
  cell: z.number().int().min(0).max(MAX_SWEEP_RUNS - 1).nullable(),
  seedIndex: z.number().int().min(0).max(999).nullable(),
  config: ConfigField,
  status: z.enum(['done', 'cancelled', 'diverged']),
  stepsDone: Count,
  finalLoss: z.number().nullable(),
  seconds: z.number().min(0).max(1e9),
  kernel: z.enum(KERNEL_NAMES),
  backend: z.string().max(40),
  optimum: z.strictObject({ kind: z.enum(['exact', 'best-found']), loss: z.number(), method: z.string().max(500) }).nullable(),
  diagnostics: z.strictObject({ init: Diagnostics, final: Diagnostics }),
});

/** Each record's arrays and their types, in the order a streamed record's bytes follow it. */
export const RECORD_ARRAYS = {
  run: { lossSteps: 'u32', lossValues: 'f64', snapshotSteps: 'u32', snapshots: 'f32', init: 'f32', final: 'f32', optimum: 'f32', dataX: 'f32', dataY: 'f32' },
  surface: { centerParams: 'f32', d1: 'f64', d2: 'f64', loss: 'f64', trajAlpha: 'f64', trajBeta: 'f64', trajLoss: 'f64' },
  interpolation: { t: 'f64', loss: 'f64' },
} as const satisfies Record<string, Record<string, DType>>;
/** Arrays that may be absent (null). */
export const OPTIONAL_ARRAYS: ReadonlySet<string> = new Set(['optimum']);

const RunFile = RunFields.extend({
  arrays: z.strictObject({
    lossSteps: Arr('u32'),
    lossValues: Arr('f64'),
    snapshotSteps: Arr('u32'),
    snapshots: Arr('f32'),
    init: Arr('f32'),
    final: Arr('f32'),
    optimum: Arr('f32').nullable(),
    dataX: Arr('f32'),
    dataY: Arr('f32'),
  }),
});

const SurfaceFields = z.strictObject({
  runIndex: z.number().int().min(0).max(MAX_SWEEP_RUNS - 1),
  center: Marker,
  axes: z.union([
    z.strictObject({ kind: z.literal('params'), names: z.tuple([z.string().max(40), z.string().max(40)]) }),
    z.strictObject({ kind: z.enum(['random', 'plane', 'pca', 'local', 'hessian', 'hessian-top']) }),
  ]),
  axisLabels: z.tuple([z.string().max(200), z.string().max(200)]),
  res: z.number().int().min(2).max(512),
  span: z.number().positive(),
  kernel: z.enum(KERNEL_NAMES),
  backend: z.string().max(40),
  optimumKind: z.enum(['exact', 'best-found']),
  markers: z.record(Marker, z.strictObject({ alpha: z.number(), beta: z.number(), loss: z.number().nullable(), offPlane: z.number(), trueLoss: z.number().nullable().optional() })),
  explained: z.tuple([z.number(), z.number()]).nullable(),
});
const SurfaceFile = SurfaceFields.extend({
  arrays: z.strictObject({ centerParams: Arr('f32'), d1: Arr('f64'), d2: Arr('f64'), loss: Arr('f64'), trajAlpha: Arr('f64'), trajBeta: Arr('f64'), trajLoss: Arr('f64') }),
});

const InterpolationFields = z.strictObject({
  runIndex: z.number().int().min(0).max(MAX_SWEEP_RUNS - 1),
  from: Marker,
  to: Marker,
  optimumKind: z.enum(['exact', 'best-found']),
});
const InterpolationFile = InterpolationFields.extend({ arrays: z.strictObject({ t: Arr('f64'), loss: Arr('f64') }) });

/** What a file may hold at most: the experiments one export names, and the records of one experiment. */
export const MAX_COUNTS = { experiments: 10_000, runs: MAX_SWEEP_RUNS, surfaces: 10_000, interpolations: 10_000 } as const;

export const ExperimentFields = z.strictObject({
  uid: z.string().regex(/^[0-9a-f-]{36}$/, 'must be a UUID'),
  name: z.string().trim().min(1).max(200),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  status: Status,
  notes: z.string().max(100_000),
  tags: z.array(z.string().max(100)).max(100),
  kernel: z.string().max(40),
  backend: z.string().max(40),
  appVersion: z.string().max(40),
  config: ConfigField,
  sweep: z
    .strictObject({
      spec: SweepSpec,
      cells: z.number().int().min(1).max(MAX_SWEEP_RUNS),
      seeds: z.number().int().min(1).max(1000),
      /** A sweep merged from shards: their number and shared engine check, so that more of its shards merge into it after an import. Absent in files before it was exported. */
      merged: z.strictObject({ shards: z.number().int().min(1).max(MAX_SHARDS), engineCheck: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex') }).optional(),
    })
    .nullable(),
});
const ExperimentFile = ExperimentFields.extend({
  runs: z.array(RunFile).max(MAX_COUNTS.runs),
  surfaces: z.array(SurfaceFile).max(MAX_COUNTS.surfaces),
  interpolations: z.array(InterpolationFile).max(MAX_COUNTS.interpolations),
});

/** The fields of a file's header (the document's own, or the first line of a streamed export). */
export const HeaderFields = {
  format: z.literal(FORMAT),
  appVersion: z.string().max(40),
  schema: z.number().int().min(0).max(1_000_000),
  exportedAt: z.iso.datetime(),
};

const ExportFile = z.strictObject({
  ...HeaderFields,
  version: z.literal(DOCUMENT_VERSION),
  experiments: z.array(ExperimentFile).min(1).max(MAX_COUNTS.experiments),
});

/** A streamed record's fields: its arrays are given as their lengths, and their bytes follow it. */
const lengths = <K extends string>(names: readonly K[]) =>
  z.strictObject(Object.fromEntries(names.map((n) => [n, OPTIONAL_ARRAYS.has(n) ? z.number().int().min(0).nullable() : z.number().int().min(0)])) as unknown as Record<K, z.ZodNullable<z.ZodNumber>>);
export const RECORD_LINES = {
  run: RunFields.extend({ arrays: lengths(Object.keys(RECORD_ARRAYS.run) as (keyof typeof RECORD_ARRAYS.run)[]) }),
  // When it was made, which version 1 did not keep.
  surface: SurfaceFields.extend({ createdAt: z.iso.datetime(), arrays: lengths(Object.keys(RECORD_ARRAYS.surface) as (keyof typeof RECORD_ARRAYS.surface)[]) }),
  interpolation: InterpolationFields.extend({ createdAt: z.iso.datetime(), arrays: lengths(Object.keys(RECORD_ARRAYS.interpolation) as (keyof typeof RECORD_ARRAYS.interpolation)[]) }),
};

export const BYTES: Record<DType, number> = { f32: 4, f64: 8, u32: 4, i32: 4 };

/**
 * A record's array by name, checked: exactly `length` values, or at most `max`. Each format gives
 * its own (base64 in a v1 document, bytes after a streamed record). Messages name `where.arrays.name`.
 */
export type TakeArray = <D extends DType>(name: string, dtype: D, length?: number, max?: number) => ArrayOf<D>;

/** Throws unless an array of `got` values fits: exactly `length`, or at most `max`. */
export function checkLength(where: string, got: number, length?: number, max?: number, about = ''): void {
  if (max !== undefined && got > max) throw new InputError(`${where}: has ${about}${got} values; at most ${max} are allowed here`);
  if (length !== undefined && got !== length) throw new InputError(`${where}: has ${got} values; this network needs ${length}`);
}

/** The arrays of a v1 record, decoded from base64 (the text is let go once decoded). */
function base64Arrays(where: string, arrays: Record<string, { dtype: DType; base64: string } | null>): TakeArray {
  return <D extends DType>(name: string, dtype: D, length?: number, max?: number): ArrayOf<D> => {
    const at = `${where}.arrays.${name}`;
    const a = arrays[name] as { dtype: D; base64: string } | null;
    if (a === null) return null as unknown as ArrayOf<D>;
    if (a.base64.length % 4 !== 0) throw new InputError(`${at}: is not valid base64`);
    // Checked on the text, before decoding.
    checkLength(at, Math.floor(((a.base64.length / 4) * 3) / BYTES[dtype]), undefined, max, 'about ');
    let out: ArrayOf<D>;
    try {
      out = adoptBlob(dtype, Buffer.from(a.base64, 'base64'));
    } catch (e) {
      throw new InputError(`${at}: ${(e as Error).message}`);
    }
    // The base64 text is no longer needed: let it go now, so that an import never holds a file's
    // arrays both as text and decoded (the document's other references to it are dropped already).
    a.base64 = '';
    checkLength(at, out.length, length);
    return out;
  };
}

function check(where: string, ok: boolean, what: string): void {
  if (!ok) throw new InputError(`${where}: ${what}`);
}

type ImportRows = ImportItem[];

/** A JSON path as the messages write it: experiments[0].runs[1].hyper (`whole` for the root). */
export function pathText(path: readonly (string | number)[], whole: string): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || whole;
}

/**
 * Parses JSON text from outside, bounded before JSON.parse builds anything (depth, fields per object,
 * values per byte), so hostile text cannot take more memory than its size allows, and the schema's
 * recursion stays shallow. `where` prefixes each message; `whole` names the root.
 */
export function parseBoundedJson(text: string, where: string, whole: string): unknown {
  const problem = jsonTextProblem(text);
  if (problem) throw new InputError(`${where}: ${pathText(problem.path, whole)}: ${problem.message}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The rows of a parsed v1 document. It comes in a holder that is emptied here, and the raw document is
 * dropped once the schema has copied it: then each array's base64 text is referenced only by the
 * schema's copy, and can be let go as soon as it is decoded (see base64Arrays), which keeps an
 * import's memory within a few times the file's size.
 */
function documentRows(doc: { json?: unknown }, file: string): ImportRows {
  let json = doc.json;
  doc.json = undefined;
  const parsed = ExportFile.safeParse(json);
  if (!parsed.success) throw new InputError(`${file}: ${formatIssue(parsed.error, json, 'export')}`);
  json = undefined;
  try {
    return parsed.data.experiments.map((e, k) => {
      const at = `experiments[${k}]`;
      const head = experimentHead(at, e);
      const runs = e.runs.map((r, j) => runRow(`${at}.runs[${j}]`, r, base64Arrays(`${at}.runs[${j}]`, r.arrays)));
      const indices = new Set(runs.map((r) => r.index));
      check(`${at}.runs`, indices.size === runs.length, 'two runs share an index');
      return {
        ...head.item,
        runs,
        surfaces: e.surfaces.map((s, j) => surfaceRow(`${at}.surfaces[${j}]`, s, head.P, indices, base64Arrays(`${at}.surfaces[${j}]`, s.arrays))),
        interpolations: e.interpolations.map((i, j) => interpolationRow(`${at}.interpolations[${j}]`, i, indices, base64Arrays(`${at}.interpolations[${j}]`, i.arrays))),
      };
    });
  } catch (e) {
    throw e instanceof InputError ? new InputError(`${file}: ${e.message}`) : e;
  }
}

/** Dead and symmetric units must be units of the run's own hidden layers. */
function checkDiagnostics(where: string, d: z.output<typeof Diagnostics>, hidden: readonly number[]): void {
  const exists = (layer: number, unit: number) => layer <= hidden.length && unit < hidden[layer - 1];
  d.dead.forEach((u, k) => check(`${where}.dead[${k}]`, exists(u.layer, u.unit), `this network has no unit ${u.unit} in hidden layer ${u.layer}`));
  d.symmetric.forEach((g, k) => check(`${where}.symmetric[${k}]`, g.units.every((unit) => exists(g.layer, unit)), `names a unit hidden layer ${g.layer} of this network does not have`));
}

/** An experiment's own fields, checked (its config, its sweep): the row without its records, and its network's size. */
export function experimentHead(at: string, e: z.output<typeof ExperimentFields>): { item: Omit<ImportItem, 'runs' | 'surfaces' | 'interpolations'>; P: number } {
  const config = parseAt(`${at}.config`, e.config);
  if (e.sweep) checkSweep(`${at}.sweep`, e.sweep);
  return {
    item: {
      uid: e.uid,
      status: e.status as StoredExperiment['status'],
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      meta: { name: e.name, config, kernel: e.kernel, backend: e.backend, appVersion: e.appVersion, notes: e.notes, tags: e.tags },
      sweep: e.sweep,
    },
    P: layoutOf(architectureOf(config)).count,
  };
}

/** One run of an export, checked against its own config (sizes, units, counts) and decoded. */
export function runRow(where: string, r: z.output<typeof RunFields>, take: TakeArray) {
  const runConfig = parseAt(`${where}.config`, r.config);
  const P = layoutOf(architectureOf(runConfig)).count;
  // The run's data is its training split, dIn values per point.
  const dIn = inputSize(runConfig);
  const n = runConfig.data.n - testCount(runConfig.data);
  checkDiagnostics(`${where}.diagnostics.init`, r.diagnostics.init, runConfig.model.hidden);
  checkDiagnostics(`${where}.diagnostics.final`, r.diagnostics.final, runConfig.model.hidden);
  // At most one recorded loss per step (and step 0), and the config's number of snapshots.
  const lossSteps = take('lossSteps', 'u32', undefined, runConfig.steps + 1);
  const snapshotSteps = take('snapshotSteps', 'u32', undefined, LIMITS.snapshots);
  check(`${where}.arrays.snapshotSteps`, snapshotSteps.length >= 1, 'must hold at least one step');
  const x = take('dataX', 'f32', n * dIn);
  const optimum = take('optimum', 'f32', P) as Float32Array | null;
  return {
    index: r.index,
    label: r.label,
    hyper: r.hyper,
    cell: r.cell,
    seedIndex: r.seedIndex,
    kernel: r.kernel,
    backend: r.backend,
    config: runConfig,
    data: { x, y: take('dataY', 'f32', n), n, dIn },
    params: { init: take('init', 'f32', P), final: take('final', 'f32', P), ...(optimum ? { optimum } : {}) },
    loss: { steps: lossSteps, values: take('lossValues', 'f64', lossSteps.length) },
    status: r.status,
    stepsDone: r.stepsDone,
    finalLoss: r.finalLoss,
    ...(r.optimum ? { optimum: r.optimum } : {}),
    diagnostics: r.diagnostics,
    snapshots: { steps: snapshotSteps, params: take('snapshots', 'f32', snapshotSteps.length * P) },
    seconds: r.seconds,
  };
}

/** One surface of an export, of one of its experiment's runs (`indices`), in a network of P parameters. */
export function surfaceRow(where: string, s: z.output<typeof SurfaceFields>, P: number, indices: { has(index: number): boolean }, take: TakeArray) {
  check(`${where}.runIndex`, indices.has(s.runIndex), `no run ${s.runIndex} in this experiment`);
  const trajAlpha = take('trajAlpha', 'f64', undefined, LIMITS.snapshots);
  const grid = linspace(-s.span, s.span, s.res);
  return {
    runIndex: s.runIndex,
    center: s.center,
    axes: s.axes,
    axisLabels: s.axisLabels,
    span: s.span,
    kernel: s.kernel,
    backend: s.backend,
    optimumKind: s.optimumKind,
    centerParams: take('centerParams', 'f32', P),
    d1: take('d1', 'f64', P),
    d2: take('d2', 'f64', P),
    alphas: grid,
    betas: Float64Array.from(grid),
    loss: take('loss', 'f64', s.res * s.res),
    trajectory: { alpha: trajAlpha, beta: take('trajBeta', 'f64', trajAlpha.length), loss: take('trajLoss', 'f64', trajAlpha.length) },
    markers: s.markers as Record<string, { alpha: number; beta: number; loss: number; offPlane: number }>,
    ...(s.explained ? { explained: s.explained } : {}),
  };
}

export function interpolationRow(where: string, i: z.output<typeof InterpolationFields>, indices: { has(index: number): boolean }, take: TakeArray) {
  check(`${where}.runIndex`, indices.has(i.runIndex), `no run ${i.runIndex} in this experiment`);
  const t = take('t', 'f64', undefined, MAX_INTERPOLATION_POINTS);
  return { runIndex: i.runIndex, from: i.from, to: i.to, optimumKind: i.optimumKind, t, loss: take('loss', 'f64', t.length) };
}

/** A sweep's spec is checked as a sweep to run would be (its base and every cell's config), and must match its counts. */
function checkSweep(where: string, sweep: { spec: SweepSpec; cells: number; seeds: number; merged?: { shards: number } }): void {
  let cells: number;
  try {
    cells = expandSweep(sweep.spec).cells.length;
  } catch (e) {
    throw e instanceof InputError ? new InputError(`${where}.spec.${e.message}`) : e;
  }
  check(`${where}.cells`, cells === sweep.cells, `is ${sweep.cells}, but the spec has ${cells} cells`);
  check(`${where}.seeds`, sweep.spec.seeds === sweep.seeds, `is ${sweep.seeds}, but the spec has ${sweep.spec.seeds} seeds`);
  if (sweep.merged) check(`${where}.merged.shards`, sweep.merged.shards <= cells * sweep.seeds, `is ${sweep.merged.shards}, but a sweep of ${cells * sweep.seeds} runs splits into at most that many shards`);
}

function parseAt(where: string, input: unknown): ExperimentConfig {
  try {
    return parseConfig(input);
  } catch (e) {
    throw new InputError(`${where}.${(e as Error).message}`);
  }
}

/**
 * The parsed JSON of a v1 export file. Its own function so that the file's bytes and text are garbage
 * once it returns: they are the largest things an import holds.
 */
function readDocumentJson(file: string): unknown {
  return parseBoundedJson(readInputFile(file, MAX_DOCUMENT_BYTES, 'an export file').toString('utf8'), file, 'export');
}

/** Reads and validates a v1 export file whole: the rows to import, all of them or a refusal. */
export function readDocumentFile(file: string): ImportRows {
  return documentRows({ json: readDocumentJson(file) }, file);
}
