// Export and import of experiments as one `.lab.json` file.
//
// Why JSON and not a small .sqlite: an import is untrusted input, and a JSON document can be checked
// whole — schema, sizes, every array's length against its network — before a single row is written,
// with nothing but JSON.parse between the bytes and the checks. It is also readable and diffable.
// Arrays travel as base64 of their little-endian bytes, so they come back bit-identical.
import { z } from 'zod';
import { MAX_IMPORT_BYTES, MAX_IMPORT_TEXT } from '../../shared/api.js';
import { formatIssue, InputError, inputSize, KERNEL_NAMES, LIMITS, parseConfig, testCount, type ExperimentConfig } from '../../shared/config.js';
import { jsonTextProblem } from '../../shared/jsonBounds.js';
import { MARKERS } from '../../shared/markers.js';
import { ConfigPath, expandSweep, MAX_GRID_FIELDS, MAX_SWEEP_RUNS, SweepSpec, SweepValueSchema, type SweepValue } from '../../shared/sweep.js';
import { readInputFile } from '../platform/files.js';
import { architectureOf, layoutOf } from '../engine/model.js';
import { linspace } from '../engine/surface.js';
import { APP_VERSION } from '../platform/version.js';
import { adoptBlob, toBlob, type ArrayOf, type DType, type TypedArray } from './blobs.js';
import type { ExperimentStore, StoredExperiment } from './experiments.js';
import { EXPERIMENT_STATUSES } from './experiments.js';
import { SCHEMA_VERSION } from './migrations.js';

export const FORMAT = 'landscape-lab';
/** As many points as `interpolate --points` allows. */
const MAX_INTERPOLATION_POINTS = 10_000;
export const FORMAT_VERSION = 1;

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

const RunFile = z.strictObject({
  index: z.number().int().min(0).max(MAX_SWEEP_RUNS - 1),
  label: z.string().max(1000),
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

const SurfaceFile = z.strictObject({
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
  arrays: z.strictObject({ centerParams: Arr('f32'), d1: Arr('f64'), d2: Arr('f64'), loss: Arr('f64'), trajAlpha: Arr('f64'), trajBeta: Arr('f64'), trajLoss: Arr('f64') }),
});

const InterpolationFile = z.strictObject({
  runIndex: z.number().int().min(0).max(MAX_SWEEP_RUNS - 1),
  from: Marker,
  to: Marker,
  optimumKind: z.enum(['exact', 'best-found']),
  arrays: z.strictObject({ t: Arr('f64'), loss: Arr('f64') }),
});

const ExperimentFile = z.strictObject({
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
  sweep: z.strictObject({ spec: SweepSpec, cells: z.number().int().min(1).max(MAX_SWEEP_RUNS), seeds: z.number().int().min(1).max(1000) }).nullable(),
  runs: z.array(RunFile).max(100_000),
  surfaces: z.array(SurfaceFile).max(10_000),
  interpolations: z.array(InterpolationFile).max(10_000),
});

const ExportFile = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  appVersion: z.string().max(40),
  schema: z.number().int().min(0).max(1_000_000),
  exportedAt: z.iso.datetime(),
  experiments: z.array(ExperimentFile).min(1).max(10_000),
});

const enc = <D extends DType>(dtype: D, a: TypedArray) => ({ dtype, base64: toBlob(a).toString('base64') });

function experimentToFile(e: StoredExperiment): z.input<typeof ExperimentFile> {
  return {
    uid: e.uid,
    name: e.name,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    status: e.status,
    notes: e.notes,
    tags: e.tags,
    kernel: e.kernel,
    backend: e.backend,
    appVersion: e.appVersion,
    config: e.config,
    // Stored as the parsed spec of the sweep that ran.
    sweep: e.sweep && { ...e.sweep, spec: e.sweep.spec as SweepSpec },
    runs: e.runList.map((r) => ({
      index: r.index,
      label: r.label,
      hyper: r.hyper as Record<string, SweepValue>,
      cell: r.cell,
      seedIndex: r.seedIndex,
      config: r.config,
      status: r.status,
      stepsDone: r.stepsDone,
      finalLoss: r.finalLoss,
      seconds: r.seconds,
      kernel: r.kernel,
      backend: r.backend,
      optimum: r.optimum ?? null,
      diagnostics: r.diagnostics,
      arrays: {
        lossSteps: enc('u32', r.loss.steps),
        lossValues: enc('f64', r.loss.values),
        snapshotSteps: enc('u32', r.snapshots.steps),
        snapshots: enc('f32', r.snapshots.params),
        init: enc('f32', r.params.init),
        final: enc('f32', r.params.final),
        optimum: r.params.optimum ? enc('f32', r.params.optimum) : null,
        dataX: enc('f32', r.data.x),
        dataY: enc('f32', r.data.y),
      },
    })),
    surfaces: e.surfaces.map((s) => ({
      runIndex: s.runIndex,
      center: s.center,
      axes: s.axes,
      axisLabels: s.axisLabels,
      res: s.alphas.length,
      span: s.span,
      kernel: s.kernel,
      backend: s.backend,
      optimumKind: s.optimumKind,
      markers: s.markers as Record<string, { alpha: number; beta: number; loss: number; offPlane: number }>,
      explained: s.explained ?? null,
      arrays: {
        centerParams: enc('f32', s.centerParams),
        d1: enc('f64', s.d1),
        d2: enc('f64', s.d2),
        loss: enc('f64', s.loss),
        trajAlpha: enc('f64', s.trajectory.alpha),
        trajBeta: enc('f64', s.trajectory.beta),
        trajLoss: enc('f64', s.trajectory.loss),
      },
    })),
    interpolations: e.interpolations.map((i) => ({
      runIndex: i.runIndex,
      from: i.from,
      to: i.to,
      optimumKind: i.optimumKind,
      arrays: { t: enc('f64', i.t), loss: enc('f64', i.loss) },
    })),
  };
}

/** Who reads an export back, and the most it reads: an export larger than that is refused, not written. */
export interface ExportReader {
  maxBytes: number;
  /** Says the limit and what to do instead, e.g. "the app imports at most 64 MiB; …". */
  advice: string;
}

/** What `landscape-lab import` reads. */
export const CLI_READER: ExportReader = {
  maxBytes: MAX_IMPORT_BYTES,
  advice: `landscape-lab import reads at most ${MAX_IMPORT_BYTES / 2 ** 20} MiB; export fewer experiments at a time, or copy the database file (a copy opens as it was)`,
};

/** What the app imports (its import sends the file's text to main, up to MAX_IMPORT_TEXT). */
export const APP_READER: ExportReader = {
  maxBytes: MAX_IMPORT_TEXT,
  advice: `the app imports at most ${MAX_IMPORT_TEXT / 2 ** 20} MiB; export fewer experiments at a time, or from the command line (landscape-lab export ID… --out FILE, whose import reads up to ${MAX_IMPORT_BYTES / 2 ** 20} MiB)`,
};

const size = (bytes: number) => (bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

/**
 * The least size an export of these experiments can have: their arrays in base64. Counted in SQL from
 * every BLOB column, before anything is read, so an export too large for its reader is refused at once.
 */
function exportLowerBound(store: ExperimentStore, ids: number[]): number {
  const marks = ids.map(() => '?').join(', ');
  let bytes = 0;
  for (const table of ['runs', 'surfaces', 'interpolations']) {
    const blobs = (store.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string }[]).filter((c) => c.type === 'BLOB').map((c) => `coalesce(length(${c.name}), 0)`);
    const row = store.db.prepare(`SELECT coalesce(sum(${blobs.join(' + ')}), 0) AS n FROM ${table} WHERE experiment_id IN (${marks})`).get(...ids) as { n: number };
    bytes += row.n;
  }
  return Math.ceil(bytes / 3) * 4;
}

/** The export document of the given experiments, as text; refused when larger than `reader` imports. */
export function exportExperiments(store: ExperimentStore, ids: number[], reader: ExportReader = CLI_READER): string {
  if (ids.length === 0) throw new InputError('export: name at least one experiment id');
  const what = `experiment${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;
  for (const id of ids) store.summary(id); // an unknown id fails here, naming the database
  const least = exportLowerBound(store, ids);
  if (least > reader.maxBytes) throw new InputError(`export: ${what} would make a file of over ${size(least)}; ${reader.advice}`);
  const doc = {
    format: FORMAT,
    version: FORMAT_VERSION,
    appVersion: APP_VERSION,
    schema: SCHEMA_VERSION,
    exportedAt: new Date().toISOString(),
    experiments: ids.map((id) => experimentToFile(store.get(id))),
  };
  // In ASCII (other characters as \u escapes, which JSON reads back as the same text): an importer
  // then holds the document as a one-byte string, half the memory of the two-byte string V8 makes
  // of text with a single "→" in it.
  const text = JSON.stringify(doc).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (text.length > reader.maxBytes) throw new InputError(`export: ${what} make a file of ${size(text.length)}; ${reader.advice}`);
  return text;
}

const BYTES: Record<DType, number> = { f32: 4, f64: 8, u32: 4, i32: 4 };

/**
 * Decodes one array, checking its length: exactly `length` values, or at most `max` (checked on the
 * base64 text, before decoding). `where` names it in errors.
 */
function dec<D extends DType>(where: string, a: { dtype: D; base64: string }, length?: number, max?: number): ArrayOf<D> {
  if (a.base64.length % 4 !== 0) throw new InputError(`${where}: is not valid base64`);
  const values = Math.floor((a.base64.length / 4) * 3 / BYTES[a.dtype]);
  if (max !== undefined && values > max) throw new InputError(`${where}: has about ${values} values; at most ${max} are allowed here`);
  const decode = () => {
    try {
      return adoptBlob(a.dtype, Buffer.from(a.base64, 'base64'));
    } catch (e) {
      throw new InputError(`${where}: ${(e as Error).message}`);
    }
  };
  const out = decode();
  // The base64 text is no longer needed: let it go now, so that an import never holds a file's
  // arrays both as text and decoded (the document's other references to it are dropped already).
  a.base64 = '';
  if (length !== undefined && out.length !== length) throw new InputError(`${where}: has ${out.length} values; this network needs ${length}`);
  return out;
}

function check(where: string, ok: boolean, what: string): void {
  if (!ok) throw new InputError(`${where}: ${what}`);
}

type ImportRows = Parameters<ExperimentStore['importExperiments']>[0];

/** A JSON path as the messages write it: experiments[0].runs[1].hyper (`whole` for the root). */
function pathText(path: readonly (string | number)[], whole: string): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || whole;
}

function parseJson(text: string, file: string): unknown {
  // Bounded before JSON.parse builds anything (depth, fields per object, values per byte), so a hostile
  // file cannot take more memory than its size allows, and the schema's recursion stays shallow.
  const problem = jsonTextProblem(text);
  if (problem) throw new InputError(`${file}: ${pathText(problem.path, 'export')}: ${problem.message}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
}

/** Validates a whole export document and turns it into rows to insert; throws on the first problem. */
export function parseExport(text: string, file: string): ImportRows {
  return exportRows({ json: parseJson(text, file) }, file);
}

/**
 * The rows of a parsed document. It comes in a holder that is emptied here, and the raw document is
 * dropped once the schema has copied it: then each array's base64 text is referenced only by the
 * schema's copy, and can be let go as soon as it is decoded (see dec), which keeps an import's
 * memory within a few times the file's size.
 */
function exportRows(doc: { json?: unknown }, file: string): ImportRows {
  let json = doc.json;
  doc.json = undefined;
  const head = json as { format?: unknown; version?: unknown };
  if (head?.format !== FORMAT) throw new InputError(`${file}: not a Landscape Lab export (format must be "${FORMAT}")`);
  if (typeof head.version === 'number' && head.version > FORMAT_VERSION) {
    throw new InputError(`${file}: written by a newer Landscape Lab (export version ${head.version}; this one reads ${FORMAT_VERSION}); update the app`);
  }
  const parsed = ExportFile.safeParse(json);
  if (!parsed.success) throw new InputError(`${file}: ${formatIssue(parsed.error, json, 'export')}`);
  json = undefined;
  try {
    return experimentRows(parsed.data.experiments);
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

type ExperimentFileOut = z.output<typeof ExportFile>['experiments'][number];

/** One run of an export, checked against its own config (sizes, units, counts) and decoded. */
function runRow(where: string, r: ExperimentFileOut['runs'][number]) {
  const runConfig = parseAt(`${where}.config`, r.config);
  const P = layoutOf(architectureOf(runConfig)).count;
  // The run's data is its training split, dIn values per point.
  const dIn = inputSize(runConfig);
  const n = runConfig.data.n - testCount(runConfig.data);
  checkDiagnostics(`${where}.diagnostics.init`, r.diagnostics.init, runConfig.model.hidden);
  checkDiagnostics(`${where}.diagnostics.final`, r.diagnostics.final, runConfig.model.hidden);
  // At most one recorded loss per step (and step 0), and the config's number of snapshots.
  const lossSteps = dec(`${where}.arrays.lossSteps`, r.arrays.lossSteps, undefined, runConfig.steps + 1);
  const snapshotSteps = dec(`${where}.arrays.snapshotSteps`, r.arrays.snapshotSteps, undefined, LIMITS.snapshots);
  check(`${where}.arrays.snapshotSteps`, snapshotSteps.length >= 1, 'must hold at least one step');
  const x = dec(`${where}.arrays.dataX`, r.arrays.dataX, n * dIn);
  return {
    index: r.index,
    label: r.label,
    hyper: r.hyper,
    cell: r.cell,
    seedIndex: r.seedIndex,
    kernel: r.kernel,
    backend: r.backend,
    config: runConfig,
    data: { x, y: dec(`${where}.arrays.dataY`, r.arrays.dataY, n), n, dIn },
    params: {
      init: dec(`${where}.arrays.init`, r.arrays.init, P),
      final: dec(`${where}.arrays.final`, r.arrays.final, P),
      ...(r.arrays.optimum ? { optimum: dec(`${where}.arrays.optimum`, r.arrays.optimum, P) } : {}),
    },
    loss: { steps: lossSteps, values: dec(`${where}.arrays.lossValues`, r.arrays.lossValues, lossSteps.length) },
    status: r.status,
    stepsDone: r.stepsDone,
    finalLoss: r.finalLoss,
    ...(r.optimum ? { optimum: r.optimum } : {}),
    diagnostics: r.diagnostics,
    snapshots: { steps: snapshotSteps, params: dec(`${where}.arrays.snapshots`, r.arrays.snapshots, snapshotSteps.length * P) },
    seconds: r.seconds,
  };
}

/** One surface of an export, of one of its experiment's runs (`indices`), in a network of P parameters. */
function surfaceRow(where: string, s: ExperimentFileOut['surfaces'][number], P: number, indices: ReadonlySet<number>) {
  check(`${where}.runIndex`, indices.has(s.runIndex), `no run ${s.runIndex} in this experiment`);
  const trajAlpha = dec(`${where}.arrays.trajAlpha`, s.arrays.trajAlpha, undefined, LIMITS.snapshots);
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
    centerParams: dec(`${where}.arrays.centerParams`, s.arrays.centerParams, P),
    d1: dec(`${where}.arrays.d1`, s.arrays.d1, P),
    d2: dec(`${where}.arrays.d2`, s.arrays.d2, P),
    alphas: grid,
    betas: Float64Array.from(grid),
    loss: dec(`${where}.arrays.loss`, s.arrays.loss, s.res * s.res),
    trajectory: {
      alpha: trajAlpha,
      beta: dec(`${where}.arrays.trajBeta`, s.arrays.trajBeta, trajAlpha.length),
      loss: dec(`${where}.arrays.trajLoss`, s.arrays.trajLoss, trajAlpha.length),
    },
    markers: s.markers as Record<string, { alpha: number; beta: number; loss: number; offPlane: number }>,
    ...(s.explained ? { explained: s.explained } : {}),
  };
}

function interpolationRow(where: string, i: ExperimentFileOut['interpolations'][number], indices: ReadonlySet<number>) {
  check(`${where}.runIndex`, indices.has(i.runIndex), `no run ${i.runIndex} in this experiment`);
  const t = dec(`${where}.arrays.t`, i.arrays.t, undefined, MAX_INTERPOLATION_POINTS);
  return { runIndex: i.runIndex, from: i.from, to: i.to, optimumKind: i.optimumKind, t, loss: dec(`${where}.arrays.loss`, i.arrays.loss, t.length) };
}

function experimentRows(experiments: ExperimentFileOut[]): ImportRows {
  return experiments.map((e, k) => {
    const at = `experiments[${k}]`;
    const config = parseAt(`${at}.config`, e.config);
    const runs = e.runs.map((r, j) => runRow(`${at}.runs[${j}]`, r));
    if (e.sweep) checkSweep(`${at}.sweep`, e.sweep);
    const indices = new Set(runs.map((r) => r.index));
    check(`${at}.runs`, indices.size === runs.length, 'two runs share an index');
    const P = layoutOf(architectureOf(config)).count;
    return {
      uid: e.uid,
      status: e.status as StoredExperiment['status'],
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      meta: { name: e.name, config, kernel: e.kernel, backend: e.backend, appVersion: e.appVersion, notes: e.notes, tags: e.tags },
      runs,
      surfaces: e.surfaces.map((s, j) => surfaceRow(`${at}.surfaces[${j}]`, s, P, indices)),
      interpolations: e.interpolations.map((i, j) => interpolationRow(`${at}.interpolations[${j}]`, i, indices)),
      sweep: e.sweep,
    };
  });
}

/** A sweep's spec is checked as a sweep to run would be (its base and every cell's config), and must match its counts. */
function checkSweep(where: string, sweep: { spec: SweepSpec; cells: number; seeds: number }): void {
  let cells: number;
  try {
    cells = expandSweep(sweep.spec).cells.length;
  } catch (e) {
    throw e instanceof InputError ? new InputError(`${where}.spec.${e.message}`) : e;
  }
  check(`${where}.cells`, cells === sweep.cells, `is ${sweep.cells}, but the spec has ${cells} cells`);
  check(`${where}.seeds`, sweep.spec.seeds === sweep.seeds, `is ${sweep.seeds}, but the spec has ${sweep.spec.seeds} seeds`);
}

function parseAt(where: string, input: unknown): ExperimentConfig {
  try {
    return parseConfig(input);
  } catch (e) {
    throw new InputError(`${where}.${(e as Error).message}`);
  }
}

/**
 * The parsed JSON of an export file. Its own function so that the file's bytes and text are garbage
 * once it returns: they are the largest things an import holds.
 */
function readExportJson(file: string): unknown {
  return parseJson(readInputFile(file, MAX_IMPORT_BYTES, 'an export file').toString('utf8'), file);
}

/** Reads and validates an export file whole: the rows to import, all of them or a refusal. */
export function readExportFile(file: string): ImportRows {
  return exportRows({ json: readExportJson(file) }, file);
}

/**
 * Reads, validates and imports an export file; all of it or nothing. The store may be given as the
 * function that opens it: then a file that is refused never opens (nor creates) a database.
 */
export function importFile(store: ExperimentStore | (() => ExperimentStore), file: string): { id: number; renamed: boolean }[] {
  const rows = readExportFile(file);
  return (typeof store === 'function' ? store() : store).importExperiments(rows);
}
