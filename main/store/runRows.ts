// A run as a row of the runs table, compactly: what follows from elsewhere is not stored, and a NULL
// column means "derived". Each column is derived by one rule, and written as NULL only when the rule
// gives back exactly what the run holds (compared at write time, bit for bit), so reading is exact:
// - config, hyper, label of a sweep run: from the sweep's spec, the run's cell and seed index;
// - loss_steps: the config's recording rule (recordedStepsOf), as many steps as there are values;
// - snapshot_steps: snapshotSteps(steps, record.snapshots);
// - init / final: the first / last snapshot;
// - the dataset: shared by content hash in the datasets table (dataset_id);
// - optimum_info's method, when the optimum is exact: the closed form's (EXACT_METHOD).
import { createHash } from 'node:crypto';
import { inputSize, parseConfig, type ExperimentConfig } from '../../shared/config.js';
import { runConfig, sweepCells, type SweepCell, type SweepCells } from '../../shared/sweep.js';
import { sweepRunLabel } from '../../shared/sweepStats.js';
import { architectureOf, layoutOf } from '../engine/model.js';
import type { RunResult } from '../engine/results.js';
import { EXACT_METHOD } from '../engine/optimum.js';
import { recordedStepsOf, snapshotSteps, type RunStatus } from '../engine/train.js';
import { adoptBlob, toBlob, type TypedArray } from './blobs.js';

/** What a sweep's runs are derived from: its cells, in index order (computed when asked), and its seeds per cell. */
export interface SweepFrame {
  cells: SweepCells;
  seeds: number;
}

/** The columns of a runs row the codec writes and reads, in the INSERT's order. */
export const RUN_COLUMNS = [
  'idx', 'label', 'config', 'hyper', 'status', 'steps_done', 'final_loss', 'seconds', 'kernel', 'backend',
  'loss_steps', 'loss_values', 'snapshot_steps', 'snapshots', 'init', 'final', 'optimum', 'optimum_info',
  'dataset_id', 'diagnostics', 'cell', 'seed_index', 'reached_step',
] as const;

/** A run as the codec takes it: its result and where it sits. */
export interface RunInput extends Omit<RunResult, 'layout'> {
  index: number;
  label: string;
  hyper: Record<string, unknown>;
  cell: number | null;
  seedIndex: number | null;
}

/** A run as the codec gives it back (StoredRun). */
export interface RunOutput extends RunResult {
  index: number;
  label: string;
  hyper: Record<string, unknown>;
  cell: number | null;
  seedIndex: number | null;
}

/**
 * The frame of a stored spec, or null when it cannot be read as a sweep (then nothing is derived from
 * it). Its cells are computed as runs ask for them: a spec was checked whole when it was stored.
 */
export function sweepFrame(spec: unknown): SweepFrame | null {
  try {
    const { spec: s, cells } = sweepCells(spec);
    return { cells, seeds: s.seeds };
  } catch {
    return null;
  }
}

/** Cell `index` of the frame; undefined when the sweep has no such cell, or its config does not parse (a spec edited outside the lab). */
export function cellOf(frame: SweepFrame, index: number): SweepCell | undefined {
  if (!Number.isSafeInteger(index) || index < 0 || index >= frame.cells.length) return undefined;
  try {
    return frame.cells.at(index);
  } catch {
    return undefined;
  }
}

/** The content hash a dataset is shared by: its shape and both arrays' bytes. */
export function datasetHash(x: Uint8Array, y: Uint8Array): string {
  return createHash('sha256').update(`${x.byteLength}:${y.byteLength}:`).update(x).update(y).digest('hex');
}

/** What a sweep run's cell and seed index give: its config, hyper and label. */
export function derived(frame: SweepFrame | null, cell: number | null, seedIndex: number | null): { config: ExperimentConfig; hyper: string; label: string } | null {
  if (!frame || cell === null || seedIndex === null || !Number.isSafeInteger(cell) || !Number.isSafeInteger(seedIndex)) return null;
  const c = cellOf(frame, cell);
  if (!c || seedIndex < 0 || seedIndex >= frame.seeds) return null;
  const config = runConfig(c, seedIndex);
  return { config, hyper: JSON.stringify({ ...c.values, seed: config.seed }), label: sweepRunLabel(c.values, config.seed) };
}

function sameBits(a: TypedArray, b: TypedArray): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The run's row values (RUN_COLUMNS' order) given its dataset's id; NULL where a rule gives the value back. */
export function encodeRun(run: RunInput, frame: SweepFrame | null, datasetId: number, reachedStep: number | null): unknown[] {
  const d = derived(frame, run.cell, run.seedIndex);
  const configText = JSON.stringify(run.config);
  const configDerived = d !== null && JSON.stringify(d.config) === configText;
  const ruled = recordedStepsOf(run.config);
  const n = run.loss.values.length;
  const lossStepsDerived = n <= ruled.length && run.loss.steps.length === n && sameBits(run.loss.steps, ruled.subarray(0, n));
  const snapshotStepsDerived = sameBits(run.snapshots.steps, snapshotSteps(run.config.steps, run.config.record.snapshots));
  const P = layoutOf(architectureOf(run.config)).count;
  const snaps = run.snapshots.params;
  const initDerived = snaps.length >= P && run.params.init.length === P && sameBits(run.params.init, snaps.subarray(0, P));
  const finalDerived = snaps.length >= P && run.params.final.length === P && sameBits(run.params.final, snaps.subarray(snaps.length - P));
  const hyperText = JSON.stringify(run.hyper);
  return [
    run.index,
    d !== null && d.label === run.label ? null : run.label,
    configDerived ? null : configText,
    d !== null && d.hyper === hyperText ? null : hyperText,
    run.status,
    run.stepsDone,
    run.finalLoss,
    run.seconds,
    run.kernel,
    run.backend,
    lossStepsDerived ? null : toBlob(run.loss.steps),
    toBlob(run.loss.values),
    snapshotStepsDerived ? null : toBlob(run.snapshots.steps),
    toBlob(snaps),
    initDerived ? null : toBlob(run.params.init),
    finalDerived ? null : toBlob(run.params.final),
    run.params.optimum ? toBlob(run.params.optimum) : null,
    run.optimum ? JSON.stringify(run.optimum.kind === 'exact' && run.optimum.method === EXACT_METHOD ? { kind: run.optimum.kind, loss: run.optimum.loss } : run.optimum) : null,
    datasetId,
    JSON.stringify(run.diagnostics),
    run.cell,
    run.seedIndex,
    reachedStep,
  ];
}

/** A runs row (with its dataset's x and y) as the run it stores. */
export function decodeRun(row: Record<string, unknown>, frame: SweepFrame | null, data: { x: Buffer; y: Buffer }): RunOutput {
  const cell = row.cell as number | null;
  const seedIndex = row.seed_index as number | null;
  const d = derived(frame, cell, seedIndex);
  const need = <T>(v: T | null | undefined, what: string): T => {
    if (v === null || v === undefined) throw new Error(`run ${row.idx as number}: its ${what} is not stored and cannot be derived (its sweep's spec does not expand)`);
    return v;
  };
  const config = row.config === null ? need(d, 'config').config : parseConfig(JSON.parse(row.config as string));
  const b = (k: string) => row[k] as Buffer | null;
  const x = adoptBlob('f32', data.x);
  const dIn = inputSize(config);
  const snapshots = adoptBlob('f32', b('snapshots')!);
  const P = layoutOf(architectureOf(config)).count;
  const values = adoptBlob('f64', b('loss_values')!);
  const info = row.optimum_info ? (JSON.parse(row.optimum_info as string) as NonNullable<RunResult['optimum']>) : undefined;
  const optimumInfo = info && info.method === undefined && info.kind === 'exact' ? { ...info, method: EXACT_METHOD } : info;
  return {
    index: row.idx as number,
    label: row.label === null ? need(d, 'label').label : (row.label as string),
    hyper: JSON.parse(row.hyper === null ? need(d, 'hyper').hyper : (row.hyper as string)) as Record<string, unknown>,
    cell,
    seedIndex,
    kernel: row.kernel as RunResult['kernel'],
    backend: row.backend as string,
    config,
    data: { x, y: adoptBlob('f32', data.y), n: x.length / dIn, dIn },
    params: {
      init: b('init') ? adoptBlob('f32', b('init')!) : snapshots.slice(0, P),
      final: b('final') ? adoptBlob('f32', b('final')!) : snapshots.slice(snapshots.length - P),
      ...(row.optimum ? { optimum: adoptBlob('f32', b('optimum')!) } : {}),
    },
    loss: { steps: b('loss_steps') ? adoptBlob('u32', b('loss_steps')!) : recordedStepsOf(config).slice(0, values.length), values },
    status: row.status as RunStatus,
    stepsDone: row.steps_done as number,
    finalLoss: row.final_loss as number | null,
    ...(optimumInfo ? { optimum: optimumInfo } : {}),
    diagnostics: JSON.parse(row.diagnostics as string) as RunResult['diagnostics'],
    snapshots: { steps: b('snapshot_steps') ? adoptBlob('u32', b('snapshot_steps')!) : snapshotSteps(config.steps, config.record.snapshots), params: snapshots },
    seconds: row.seconds as number,
  };
}
