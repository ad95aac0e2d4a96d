// Export and import of experiments as one `.lab.json` file.
//
// Why JSON and not a small .sqlite: an import is untrusted input, and a JSON document can be checked
// whole — schema, sizes, every array's length against its network — before a single row is written,
// with nothing but JSON.parse between the bytes and the checks. It is also readable and diffable.
// Arrays travel as base64 of their little-endian bytes, so they come back bit-identical.
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { formatIssue, InputError, inputSize, KERNEL_NAMES, parseConfig, testCount } from '../../shared/config.js';
import { architectureOf, layoutOf } from '../engine/model.js';
import { linspace } from '../engine/surface.js';
import { APP_VERSION } from '../version.js';
import { fromBlob, toBlob, type ArrayOf, type DType, type TypedArray } from './blobs.js';
import type { ExperimentStore, StoredExperiment } from './experiments.js';
import { EXPERIMENT_STATUSES } from './experiments.js';
import { SCHEMA_VERSION } from './migrations.js';

export const FORMAT = 'landscape-lab';
export const FORMAT_VERSION = 1;
/** Imports larger than this are refused before they are read. */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

const Arr = <D extends DType>(dtype: D) => z.strictObject({ dtype: z.literal(dtype), base64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64') });
const Json = z.unknown();
const Status = z.enum(EXPERIMENT_STATUSES as [string, ...string[]]);
const Marker = z.enum(['init', 'trained', 'optimum']);

const RunFile = z.strictObject({
  index: z.number().int().min(0),
  label: z.string().max(1000),
  hyper: z.record(z.string(), Json),
  cell: z.number().int().min(0).nullable(),
  seedIndex: z.number().int().min(0).nullable(),
  config: Json,
  status: z.enum(['done', 'cancelled', 'diverged']),
  stepsDone: z.number().int().min(0),
  finalLoss: z.number().nullable(),
  seconds: z.number().min(0),
  kernel: z.enum(KERNEL_NAMES),
  backend: z.string().max(40),
  optimum: z.strictObject({ kind: z.enum(['exact', 'best-found']), loss: z.number(), method: z.string().max(500) }).nullable(),
  diagnostics: z.strictObject({
    init: z.strictObject({ dead: z.array(z.strictObject({ layer: z.number().int(), unit: z.number().int() })), symmetric: z.array(z.strictObject({ layer: z.number().int(), units: z.array(z.number().int()) })) }),
    final: z.strictObject({ dead: z.array(z.strictObject({ layer: z.number().int(), unit: z.number().int() })), symmetric: z.array(z.strictObject({ layer: z.number().int(), units: z.array(z.number().int()) })) }),
  }),
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
  runIndex: z.number().int().min(0),
  center: Marker,
  axes: z.union([
    z.strictObject({ kind: z.literal('params'), names: z.tuple([z.string().max(40), z.string().max(40)]) }),
    z.strictObject({ kind: z.enum(['random', 'plane', 'pca']) }),
  ]),
  axisLabels: z.tuple([z.string().max(200), z.string().max(200)]),
  res: z.number().int().min(2).max(512),
  span: z.number().positive(),
  kernel: z.enum(KERNEL_NAMES),
  backend: z.string().max(40),
  optimumKind: z.enum(['exact', 'best-found']),
  markers: z.record(Marker, z.strictObject({ alpha: z.number(), beta: z.number(), loss: z.number().nullable(), offPlane: z.number() })),
  explained: z.tuple([z.number(), z.number()]).nullable(),
  arrays: z.strictObject({ centerParams: Arr('f32'), d1: Arr('f64'), d2: Arr('f64'), loss: Arr('f64'), trajAlpha: Arr('f64'), trajBeta: Arr('f64'), trajLoss: Arr('f64') }),
});

const InterpolationFile = z.strictObject({
  runIndex: z.number().int().min(0),
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
  config: Json,
  sweep: z.strictObject({ spec: Json, cells: z.number().int().min(1), seeds: z.number().int().min(1) }).nullable(),
  runs: z.array(RunFile).max(100_000),
  surfaces: z.array(SurfaceFile).max(10_000),
  interpolations: z.array(InterpolationFile).max(10_000),
});

const ExportFile = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  appVersion: z.string().max(40),
  schema: z.number().int(),
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
    sweep: e.sweep,
    runs: e.runList.map((r) => ({
      index: r.index,
      label: r.label,
      hyper: r.hyper,
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

/** The export document of the given experiments, as text. */
export function exportExperiments(store: ExperimentStore, ids: number[]): string {
  if (ids.length === 0) throw new InputError('export: name at least one experiment id');
  const doc = {
    format: FORMAT,
    version: FORMAT_VERSION,
    appVersion: APP_VERSION,
    schema: SCHEMA_VERSION,
    exportedAt: new Date().toISOString(),
    experiments: ids.map((id) => experimentToFile(store.get(id))),
  };
  return JSON.stringify(doc);
}

/** Decodes one array, checking its length; `where` names it in errors. */
function dec<D extends DType>(where: string, a: { dtype: D; base64: string }, length?: number): ArrayOf<D> {
  if (a.base64.length % 4 !== 0) throw new InputError(`${where}: is not valid base64`);
  const decode = () => {
    try {
      return fromBlob(a.dtype, Buffer.from(a.base64, 'base64'));
    } catch (e) {
      throw new InputError(`${where}: ${(e as Error).message}`);
    }
  };
  const out = decode();
  if (length !== undefined && out.length !== length) throw new InputError(`${where}: has ${out.length} values; this network needs ${length}`);
  return out;
}

function check(where: string, ok: boolean, what: string): void {
  if (!ok) throw new InputError(`${where}: ${what}`);
}

/** Validates a whole export document and turns it into rows to insert; throws on the first problem. */
export function parseExport(text: string, file: string): Parameters<ExperimentStore['importExperiments']>[0] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const head = json as { format?: unknown; version?: unknown };
  if (head?.format !== FORMAT) throw new InputError(`${file}: not a Landscape Lab export (format must be "${FORMAT}")`);
  if (typeof head.version === 'number' && head.version > FORMAT_VERSION) {
    throw new InputError(`${file}: written by a newer Landscape Lab (export version ${head.version}; this one reads ${FORMAT_VERSION}); update the app`);
  }
  const parsed = ExportFile.safeParse(json);
  if (!parsed.success) throw new InputError(`${file}: ${formatIssue(parsed.error, json, 'export')}`);
  return parsed.data.experiments.map((e, k) => {
    const at = `experiments[${k}]`;
    const config = parseAt(`${at}.config`, e.config);
    const runs = e.runs.map((r, j) => {
      const where = `${at}.runs[${j}]`;
      const runConfig = parseAt(`${where}.config`, r.config);
      const P = layoutOf(architectureOf(runConfig)).count;
      // The run's data is its training split, dIn values per point.
      const dIn = inputSize(runConfig);
      const n = runConfig.data.n - testCount(runConfig.data);
      const lossSteps = dec(`${where}.arrays.lossSteps`, r.arrays.lossSteps);
      const snapshotSteps = dec(`${where}.arrays.snapshotSteps`, r.arrays.snapshotSteps);
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
    });
    const indices = new Set(runs.map((r) => r.index));
    check(`${at}.runs`, indices.size === runs.length, 'two runs share an index');
    const P = layoutOf(architectureOf(config)).count;
    const surfaces = e.surfaces.map((s, j) => {
      const where = `${at}.surfaces[${j}]`;
      check(`${where}.runIndex`, indices.has(s.runIndex), `no run ${s.runIndex} in this experiment`);
      const trajAlpha = dec(`${where}.arrays.trajAlpha`, s.arrays.trajAlpha);
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
    });
    const interpolations = e.interpolations.map((i, j) => {
      const where = `${at}.interpolations[${j}]`;
      check(`${where}.runIndex`, indices.has(i.runIndex), `no run ${i.runIndex} in this experiment`);
      const t = dec(`${where}.arrays.t`, i.arrays.t);
      return { runIndex: i.runIndex, from: i.from, to: i.to, optimumKind: i.optimumKind, t, loss: dec(`${where}.arrays.loss`, i.arrays.loss, t.length) };
    });
    return {
      uid: e.uid,
      status: e.status as StoredExperiment['status'],
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      meta: { name: e.name, config, kernel: e.kernel, backend: e.backend, appVersion: e.appVersion, notes: e.notes, tags: e.tags },
      runs,
      surfaces,
      interpolations,
      sweep: e.sweep,
    };
  });
}

function parseAt(where: string, input: unknown) {
  try {
    return parseConfig(input);
  } catch (e) {
    throw new InputError(`${where}.${(e as Error).message}`);
  }
}

/** Reads, validates and imports an export file; all of it or nothing. */
export function importFile(store: ExperimentStore, file: string): { id: number; renamed: boolean }[] {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new InputError(`${file}: is a folder, not an export file`);
    size = stat.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: no such file`);
  }
  if (size > MAX_IMPORT_BYTES) throw new InputError(`${file}: is ${Math.round(size / 2 ** 20)} MiB; imports are limited to ${MAX_IMPORT_BYTES / 2 ** 20} MiB`);
  const items = parseExport(readFileSync(file, 'utf8'), file);
  return store.importExperiments(items);
}
