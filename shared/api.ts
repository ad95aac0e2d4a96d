// The LabApi: the one channel map between the renderer and main. The preload, the IPC handlers and
// the browser bridge are all built from CHANNELS; every payload is validated with these schemas at
// main's door (the renderer is untrusted). Errors come back as values, never as thrown strings.
import { z } from 'zod';
import type { ExperimentConfig } from './config.js';

const Id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const Marker = z.enum(['init', 'trained', 'optimum']);

/** Largest import accepted over the bridge or IPC, in characters. */
export const MAX_IMPORT_TEXT = 64 * 1024 * 1024;

export const CHANNELS = {
  'lab.info': z.strictObject({}),
  'experiments.list': z.strictObject({}),
  'experiments.get': z.strictObject({ id: Id }),
  'experiments.rename': z.strictObject({ id: Id, name: z.string().trim().min(1).max(200) }),
  'experiments.notes': z.strictObject({ id: Id, notes: z.string().max(100_000), tags: z.array(z.string().trim().min(1).max(100)).max(100).optional() }),
  'experiments.delete': z.strictObject({ id: Id }),
  'experiments.export': z.strictObject({ ids: z.array(Id).min(1).max(10_000) }),
  'experiments.import': z.strictObject({ text: z.string().max(MAX_IMPORT_TEXT) }),
  'data.preview': z.strictObject({ config: z.unknown() }),
  'experiments.fit': z.strictObject({ id: Id, run: z.number().int().min(0).default(0), at: Marker.default('trained'), points: z.number().int().min(2).max(4000).default(400) }),
  'jobs.run': z.strictObject({ config: z.unknown(), name: z.string().trim().min(1).max(200).optional() }),
  'jobs.landscape': z.strictObject({
    experimentId: Id,
    run: z.number().int().min(0).default(0),
    center: Marker,
    axes: z.string().min(1).max(200),
    res: z.number().int().min(2).max(512),
    span: z.union([z.number().positive().finite(), z.literal('auto')]),
  }),
  'jobs.interpolate': z.strictObject({ experimentId: Id, run: z.number().int().min(0).default(0), from: Marker, to: Marker, points: z.number().int().min(2).max(10_000) }),
  'jobs.sweep': z.strictObject({ spec: z.unknown() }),
  'jobs.reproduce': z.strictObject({ id: Id }),
  'jobs.cancel': z.strictObject({ jobId: z.string().min(1).max(64) }),
  'jobs.list': z.strictObject({}),
} as const;

export type Channel = keyof typeof CHANNELS;
export type Request<C extends Channel> = z.input<(typeof CHANNELS)[C]>;
export const CHANNEL_NAMES = Object.keys(CHANNELS) as Channel[];

export type ErrorCode = 'invalid' | 'not-found' | 'internal';
export interface LabError {
  code: ErrorCode;
  /** One line, naming the field and what is allowed where the input was at fault. */
  message: string;
}
export type Result<T> = { ok: true; value: T } | { ok: false; error: LabError };

export type RunStatus = 'done' | 'diverged' | 'cancelled';
export type ExperimentStatus = 'running' | 'done' | 'cancelled' | 'interrupted' | 'diverged';
export type MarkerName = z.output<typeof Marker>;

export interface ExperimentSummary {
  id: number;
  uid: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  seed: number;
  kernel: string;
  backend: string;
  appVersion: string;
  status: ExperimentStatus;
  notes: string;
  tags: string[];
  runs: number;
  bestLoss: number | null;
  isSweep: boolean;
}

export interface UnitRef {
  layer: number;
  unit: number;
}
export interface Diagnostics {
  dead: UnitRef[];
  symmetric: { layer: number; units: number[] }[];
}

/** A trained run. Arrays are typed arrays in the parameter layout. */
export interface RunData {
  kernel: 'js' | 'tfjs';
  backend: string;
  config: ExperimentConfig;
  layout: readonly string[];
  data: { x: Float32Array; y: Float32Array; n: number; dIn: number };
  params: { init: Float32Array; final: Float32Array; optimum?: Float32Array };
  loss: { steps: Uint32Array; values: Float64Array };
  status: RunStatus;
  stepsDone: number;
  finalLoss: number | null;
  optimum?: { kind: 'exact'; loss: number; method: string };
  diagnostics: { init: Diagnostics; final: Diagnostics };
  snapshots: { steps: Uint32Array; params: Float32Array };
  seconds: number;
}

/** A stored run, as the renderer draws it. */
export interface RunView extends RunData {
  index: number;
  label: string;
}

export interface PlanePoint {
  alpha: number;
  beta: number;
  loss: number;
  offPlane: number;
}

export interface SurfaceView {
  id: number;
  runIndex: number;
  createdAt: string;
  center: MarkerName;
  axes: { kind: 'params'; names: [string, string] } | { kind: 'random' | 'plane' | 'pca' };
  axisLabels: [string, string];
  span: number;
  kernel: string;
  backend: string;
  optimumKind: 'exact' | 'best-found';
  centerParams: Float32Array;
  d1: Float64Array;
  d2: Float64Array;
  alphas: Float64Array;
  betas: Float64Array;
  /** Row per β: loss[i·res + j] = J at (alphas[j], betas[i]). */
  loss: Float64Array;
  trajectory: { alpha: Float64Array; beta: Float64Array; loss: Float64Array };
  markers: Partial<Record<MarkerName, PlanePoint>>;
  explained?: [number, number];
}

export interface InterpolationView {
  id: number;
  runIndex: number;
  createdAt: string;
  from: MarkerName;
  to: MarkerName;
  optimumKind: 'exact' | 'best-found';
  t: Float64Array;
  loss: Float64Array;
}

/** The network's output over the data range at one of the three points, and what each unit adds. */
export interface FitView {
  runIndex: number;
  at: MarkerName;
  data: { x: Float32Array; y: Float32Array };
  /** Evenly spaced inputs over the data range. */
  x: Float64Array;
  output: Float64Array;
  /** The noise-free target function at x, where the data has one. */
  target: Float64Array | null;
  /** Contribution of each unit of the last hidden layer to the output, w_out[j]·h_j(x): row per unit. */
  units: Float64Array;
  unitCount: number;
  /** The output bias: for a linear output, output = bias + Σ units. */
  bias: number;
  /** Inputs where a hidden ReLU switches on or off (the fit's kinks), with the unit that switches. */
  kinks: { x: Float64Array; layer: Int32Array; unit: Int32Array };
  diagnostics: Diagnostics;
}

export interface ExperimentView extends ExperimentSummary {
  config: ExperimentConfig;
  runList: RunView[];
  surfaces: SurfaceView[];
  interpolations: InterpolationView[];
  sweep: { spec: unknown; cells: number; seeds: number } | null;
}

export type JobKind = 'run' | 'landscape' | 'interpolate' | 'sweep' | 'reproduce';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobInfo {
  id: string;
  kind: JobKind;
  state: JobState;
  /** What it is doing now: training, surface, sweep, … */
  phase: string;
  step: number;
  steps: number;
  /** Seconds left, estimated from the pace so far (null until there is one). */
  etaSeconds: number | null;
  bestLoss: number | null;
  /** The experiment it made or worked on. */
  experimentId: number | null;
  error: LabError | null;
  /** For reproduce: whether every number matched. */
  matches?: boolean;
}

export interface LabInfo {
  version: string;
  database: string;
  workers: number;
  mode: 'electron' | 'browser';
}

export interface Responses {
  'lab.info': LabInfo;
  'experiments.list': ExperimentSummary[];
  'experiments.get': ExperimentView;
  'experiments.rename': null;
  'experiments.notes': null;
  'experiments.delete': null;
  'experiments.export': string;
  'experiments.import': { id: number; renamed: boolean }[];
  'experiments.fit': FitView;
  'data.preview': { x: Float32Array; y: Float32Array; dIn: number };
  'jobs.run': JobInfo;
  'jobs.landscape': JobInfo;
  'jobs.interpolate': JobInfo;
  'jobs.sweep': JobInfo;
  'jobs.reproduce': JobInfo;
  'jobs.cancel': null;
  'jobs.list': JobInfo[];
}

export type LabEvent = { type: 'job'; job: JobInfo } | { type: 'experiments-changed' } | { type: 'menu'; action: MenuAction };
export type MenuAction = 'new-experiment' | 'open' | 'import' | 'export' | 'theory' | 'about';

/** What the renderer sees as `window.lab` (Electron) or the bridge client (browser mode). */
export interface LabApi {
  call<C extends Channel>(channel: C, payload: Request<C>): Promise<Result<Responses[C]>>;
  onEvent(listener: (event: LabEvent) => void): () => void;
}
