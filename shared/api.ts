// The LabApi: the one channel map between the renderer and main. The preload, the IPC handlers and
// the browser bridge are all built from CHANNELS; every payload is validated with these schemas at
// main's door (the renderer is untrusted). Errors come back as values, never as thrown strings.
import { z } from 'zod';
import type { ExperimentConfig, KernelName } from './config.js';
import type { ClusterFolder, ClusterImport, ClusterStatusView, SweepShardsView } from './cluster.js';
import { KERNELS } from './configRules.js';
import { CURVATURE_CHANNELS, OptimizerKind, type CurvatureResponses } from './curvatureApi.js';
import { MARKERS, type MarkerName } from './markers.js';
import { STATS_PAGE, type SweepStats } from './sweepStats.js';

const Id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const Marker = z.enum(MARKERS);
/** The kernel for a surface or curve of a stored run (the header's GPU/CPU toggle); the run's own by default. */
const Kernel = z.enum(KERNELS).optional();

/**
 * The largest request a page sends main, in bytes of its message: what a real request needs, three
 * times over. The largest are a CSV of the most rows a dataset has (100,000 rows of two full-precision
 * numbers and a class: a 5.1 MB message) and a config or sweep spec holding such a dataset as a labeled
 * target (5.1 MB). Files of any size (exports) go by path or by HTTP, never in a message.
 */
export const MAX_REQUEST_BYTES = 16 * 2 ** 20;

/** The most runs or cells one page of experiments.runs or experiments.cells holds. */
export const MAX_PAGE = 1000;

export const CHANNELS = {
  'lab.info': z.strictObject({}),
  /** What can compute here (as `landscape-lab devices` lists it): the header's device chip. */
  'lab.devices': z.strictObject({}),
  'experiments.list': z.strictObject({}),
  // `run`: a sweep's run to send whole (its others are only listed); the first stored one by default.
  'experiments.get': z.strictObject({ id: Id, run: z.number().int().min(0).optional() }),
  /** A page of an experiment's runs as listed (of one sweep cell with `cell`): a sweep's view lists only its open run. */
  'experiments.runs': z.strictObject({ id: Id, offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0), limit: z.number().int().min(1).max(MAX_PAGE).default(100), cell: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() }),
  /** A page of a sweep's cells, each labelled by its swept values: the app's cell picker. */
  'experiments.cells': z.strictObject({ id: Id, offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0), limit: z.number().int().min(1).max(MAX_PAGE).default(100) }),
  'experiments.rename': z.strictObject({ id: Id, name: z.string().trim().min(1).max(200) }),
  'experiments.notes': z.strictObject({ id: Id, notes: z.string().max(100_000), tags: z.array(z.string().trim().min(1).max(100)).max(100).optional() }),
  'experiments.delete': z.strictObject({ id: Id }),
  'data.preview': z.strictObject({ config: z.unknown() }),
  'data.importCsv': z.strictObject({ text: z.string().max(MAX_REQUEST_BYTES), name: z.string().min(1).max(200).default('csv') }),
  'experiments.exportModel': z.strictObject({ id: Id, run: z.number().int().min(0).default(0), at: Marker.default('trained') }),
  /** Statistics of a page of a sweep's cells (at most STATS_PAGE), with the sweep's cell and stored run counts. */
  'experiments.sweepStats': z.strictObject({ id: Id, offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0), limit: z.number().int().min(1).max(STATS_PAGE).default(STATS_PAGE) }),
  'experiments.fit': z.strictObject({ id: Id, run: z.number().int().min(0).default(0), at: Marker.default('trained'), points: z.number().int().min(2).max(4000).default(400) }),
  'experiments.boundary': z.strictObject({ id: Id, run: z.number().int().min(0).default(0), at: Marker.default('trained'), res: z.number().int().min(16).max(256).default(100) }),
  'jobs.run': z.strictObject({ config: z.unknown(), name: z.string().trim().min(1).max(200).optional() }),
  'jobs.landscape': z.strictObject({
    experimentId: Id,
    run: z.number().int().min(0).default(0),
    center: Marker,
    axes: z.string().min(1).max(200),
    res: z.number().int().min(2).max(512),
    span: z.union([z.number().positive().finite(), z.literal('auto')]),
    kernel: Kernel,
  }),
  'jobs.interpolate': z.strictObject({ experimentId: Id, run: z.number().int().min(0).default(0), from: Marker, to: Marker, points: z.number().int().min(2).max(10_000), kernel: Kernel }),
  'jobs.sweep': z.strictObject({ spec: z.unknown() }),
  /** A sweep for SLURM: writes its folder (job array, afterok merge into this database, submit script). */
  'cluster.prepare': z.strictObject({
    spec: z.unknown(),
    dir: z.string().trim().min(1).max(4096),
    shards: z.number().int().min(1).max(1000).default(8),
    partition: z.string().max(64).optional(),
    time: z.string().max(32).optional(),
    cpusPerTask: z.number().int().min(1).max(1024).default(1),
    nodeLocal: z.boolean().default(false),
  }),
  'cluster.status': z.strictObject({ dir: z.string().trim().min(1).max(4096) }),
  /** Merges the folder's shard databases into this database. */
  'cluster.import': z.strictObject({ dir: z.string().trim().min(1).max(4096) }),
  'experiments.shards': z.strictObject({ id: Id }),
  /**
   * The stored experiments that trained what this would — a run's config (seed included), a race's
   * config with its optimizers in order (the five when none are named), a sweep's spec (its name
   * aside) — oldest first: a preset run again is found by what it trains, whatever either is called.
   */
  'experiments.same': z.strictObject({ kind: z.enum(['run', 'race', 'sweep']), config: z.unknown(), optimizers: z.array(OptimizerKind).min(2).max(5).optional() }),
  /** Continues a cancelled or interrupted sweep: trains only the runs it has not stored. */
  'jobs.resumeSweep': z.strictObject({ id: Id }),
  'jobs.reproduce': z.strictObject({ id: Id }),
  'jobs.cancel': z.strictObject({ jobId: z.string().min(1).max(64) }),
  'jobs.list': z.strictObject({}),
  'basics.neurons': z.strictObject({}),
  'basics.costs': z.strictObject({
    noise: z.number().finite().positive().max(10).optional(),
    n: z.number().int().min(20).max(2000).optional(),
    steps: z.number().int().min(1).max(10_000).optional(),
  }),
  'basics.backprop': z.strictObject({
    hidden: z.array(z.number().int().min(1).max(8)).min(1).max(4).optional(),
    activation: z.enum(['relu', 'tanh', 'sigmoid']).optional(),
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    x: z.number().finite().min(-1e3).max(1e3).optional(),
    y: z.number().finite().min(-1e3).max(1e3).optional(),
  }),
  // Bounded so one call trains at most 24 small networks and stays near a second.
  'basics.regions': z.strictObject({
    widths: z.array(z.number().int().min(1).max(32)).min(1).max(6).optional(),
    depths: z.array(z.number().int().min(1).max(4)).min(1).max(4).optional(),
    steps: z.number().int().min(1).max(2000).optional(),
    seed: z.number().int().min(0).max(0xffffffff).optional(),
  }),
  ...CURVATURE_CHANNELS,
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
export type { MarkerName };

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
  /** Every value of the config as lowercase words, for the library's search. */
  configText: string;
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
  kernel: KernelName;
  backend: string;
  config: ExperimentConfig;
  data: { x: Float32Array; y: Float32Array; n: number; dIn: number };
  params: { init: Float32Array; final: Float32Array; optimum?: Float32Array };
  loss: { steps: Uint32Array; values: Float64Array };
  status: RunStatus;
  stepsDone: number;
  finalLoss: number | null;
  /** Exact where the closed form applies; else the best of restarts, stored once it has been found. */
  optimum?: { kind: 'exact' | 'best-found'; loss: number; method: string };
  diagnostics: { init: Diagnostics; final: Diagnostics };
  snapshots: { steps: Uint32Array; params: Float32Array };
  seconds: number;
  /**
   * Mean loss on the test split (data.testFraction), where there is one, and for classification the
   * share of points classified right. Computed when the run is trained and not stored (runs read
   * back from the store lack them; experiments.boundary computes them for any stored run).
   */
  testLoss?: number;
  accuracy?: { train: number; test: number | null };
}

/** A stored run, as the renderer draws it. */
export interface RunView extends RunData {
  index: number;
  label: string;
}

/** A run as its experiment lists it: enough to name and pick it, none of its arrays. */
export interface RunListing {
  index: number;
  label: string;
  status: RunData['status'];
  finalLoss: number | null;
}

/** A page of an experiment's runs (experiments.runs): `total` runs in all, these from the `offset`-th. */
export interface RunPage {
  total: number;
  offset: number;
  runs: RunListing[];
}

/** A sweep cell as its picker lists it. */
export interface CellListing {
  index: number;
  /** Its swept values, rounded as every sweep label is (sweepCellLabel). */
  label: string;
  /** Runs stored of it, of the sweep's seeds. */
  runs: number;
  bestLoss: number | null;
  /** Its first stored run's index; null when none is stored. */
  firstRun: number | null;
}

/** A page of a sweep's cells (experiments.cells): `total` cells of `seeds` runs each. */
export interface CellPage {
  total: number;
  seeds: number;
  offset: number;
  cells: CellListing[];
}

export interface PlanePoint {
  alpha: number;
  beta: number;
  loss: number;
  offPlane: number;
  /** J at the point itself, when the point is off the plane (surfaces before it have none). */
  trueLoss?: number | null;
}

export interface SurfaceView {
  id: number;
  runIndex: number;
  createdAt: string;
  center: MarkerName;
  axes: { kind: 'params'; names: [string, string] } | { kind: 'random' | 'plane' | 'pca' | 'local' | 'hessian' | 'hessian-top' };
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

/** A classification run's decision boundary: class probabilities over a grid spanning the data. */
export interface BoundaryView {
  runIndex: number;
  at: MarkerName;
  /** Grid coordinates of the first and second input. */
  x0: Float64Array;
  x1: Float64Array;
  classes: number;
  /** Row per x1: probs[(i·res + j)·classes + k] = p(class k | x0[j], x1[i]); a sigmoid gives (1 − p, p). */
  probs: Float32Array;
  /** Every data point, row-major [n][2], its class label, and 1 where it is in the test split. */
  data: { x: Float32Array; y: Float32Array; n: number; test: Uint8Array };
  accuracy: { train: number; test: number | null };
  /** Mean NLL on each split (the training loss is the cost the run minimized). */
  loss: { train: number; test: number | null };
}

export interface ExperimentView extends ExperimentSummary {
  config: ExperimentConfig;
  /** The runs with their arrays: every run, except for a sweep, whose one run asked for (experiments.get's `run`). */
  runList: RunView[];
  /** The runs of runList as listed: a sweep's others are paged by experiments.runs and experiments.cells. */
  runListing: RunListing[];
  surfaces: SurfaceView[];
  interpolations: InterpolationView[];
  sweep: { spec: unknown; cells: number; seeds: number } | null;
}

/** A resumed sweep is a 'sweep' job too, on the sweep's experiment. */
export type JobKind = 'run' | 'landscape' | 'interpolate' | 'sweep' | 'reproduce' | 'import' | 'export' | 'merge';
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
  /** A queued job: what it waits for, in words ("the surface of #3, running"). */
  waitingFor: string | null;
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

/** A WebGPU adapter as `devices` lists it: `name` is the line results carry (`google swiftshader (software)`). */
export interface GpuAdapterView {
  name: string;
  source: string;
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** What can compute here: cores, the simd kernel, the tfjs backends, the WebGPU adapters (or why none). */
export interface DevicesView {
  cores: number;
  simd: { available: boolean; reason?: string };
  /** Empty in the app: the header's chip needs the CPU and the GPU, and trying tfjs would block main. */
  tfjs: { backend: string; available: boolean; reason?: string }[];
  webgpu: { adapters: GpuAdapterView[] } | { reason: string };
}

/** The tutorial's neurons on one grid of z: hidden g and g′, and the output neurons' likelihoods. */
export interface NeuronsView {
  z: Float64Array;
  /** g(z) and g′(z) from the engine's own activation code (ReLU′(0) = 1, as the tutorial has it). */
  hidden: { name: 'sigmoid' | 'tanh' | 'relu'; g: Float64Array; slope: Float64Array }[];
  output: {
    /** Gaussian: −log p(y|z) = (y − z)²/2 + ½·log 2π, for y = 0. */
    linear: { y: number; nll: Float64Array };
    /** Bernoulli: p(y = 1|z) = σ(z), p(y|z) = σ((2y − 1)z); −log p for y = 0 and y = 1. */
    sigmoid: { p1: Float64Array; nll0: Float64Array; nll1: Float64Array };
    /** Categorical over two logits, against z = z0 − z1: p(class 0) and −log p for each class. */
    softmax: { p0: Float64Array; nll0: Float64Array; nll1: Float64Array };
  };
}

/** L1 against L2 on skewed noise, and NLL with sigmoid against softmax outputs. */
export interface CostsView {
  regression: {
    noise: number;
    data: { x: Float32Array; y: Float32Array };
    x: Float64Array;
    /** f(x), and the mean f(x) + noise and the median f(x) + noise·ln 2 of y|x (noise·Exp(1)). */
    target: Float64Array;
    mean: Float64Array;
    median: Float64Array;
    /** The trained networks' outputs on x. */
    l1: Float64Array;
    l2: Float64Array;
    /** Mean absolute distance over x from each fit to the mean and to the median line. */
    distance: { l1: { mean: number; median: number }; l2: { mean: number; median: number } };
    loss: { l1: number; l2: number };
    steps: number;
  };
  classification: {
    /** Probability that a label 1{x > 0} was flipped. */
    flip: number;
    data: { x: Float32Array; y: Float32Array };
    x: Float64Array;
    /** p(y = 1|x) of the sigmoid and of the two-class softmax model. */
    sigmoid: Float64Array;
    softmax: Float64Array;
    maxDifference: number;
    loss: { sigmoid: number; softmax: number };
  };
  seconds: number;
}

type LayerArrays = { u3: Float64Array; u2: Float64Array; W: Float64Array; b: Float64Array; u0: Float64Array };
/** One layer of the backprop inspector: u0 = h_{i−1}, u1 = Wᵀu0, u2 = u1 + b, u3 = g(u2) = h_i. */
export interface BackpropLayer {
  /** 1-based; the last is the linear output. */
  layer: number;
  activation: 'relu' | 'tanh' | 'sigmoid' | 'linear';
  fanIn: number;
  fanOut: number;
  /** Row-major [fanIn][fanOut], as the parameter layout. */
  W: Float64Array;
  b: Float64Array;
  u0: Float64Array;
  u1: Float64Array;
  u2: Float64Array;
  u3: Float64Array;
  /** ∇u3, g′(u2), ∇u2 = g′(u2) ⊙ ∇u3, ∇b = ∇u2, ∇W = u0 (∇u2)ᵀ, ∇u0 = W ∇u2. */
  grad: LayerArrays & { slope: Float64Array };
  /** Central finite differences of the loss for each gradient. */
  fd: LayerArrays;
  /** |analytic − fd| / max(|analytic|, |fd|) per entry (0 where both are 0). */
  relError: LayerArrays;
  maxRelError: number;
}
export interface BackpropView {
  hidden: number[];
  activation: 'relu' | 'tanh' | 'sigmoid';
  seed: number;
  /** The sample as the engine sees it (float32). */
  x: number;
  y: number;
  output: number;
  /** (output − y)². */
  loss: number;
  layers: BackpropLayer[];
  fdStep: number;
  maxRelError: number;
}

/** Linear pieces of trained 1-D ReLU networks; cells are row per depth, column per width. */
export interface RegionsView {
  widths: number[];
  depths: number[];
  steps: number;
  seed: number;
  pieces: Int32Array;
  loss: Float64Array;
  /** (n + 1)^k: the most pieces k layers of n ReLUs can make of one input. */
  bound: Float64Array;
  /** nᵏ, the growth of that bound. */
  growth: Float64Array;
  data: { x: Float32Array; y: Float32Array };
  x: Float64Array;
  target: Float64Array;
  /** Each cell's trained output on x: [cells][x]. */
  fits: Float64Array;
  /** The distinct inputs where a ReLU switches, with their cell. */
  kinks: { x: Float64Array; cell: Int32Array };
  seconds: number;
}

export interface Responses extends CurvatureResponses {
  'lab.info': LabInfo;
  'lab.devices': DevicesView;
  'experiments.list': ExperimentSummary[];
  'experiments.get': ExperimentView;
  'experiments.runs': RunPage;
  'experiments.cells': CellPage;
  'experiments.rename': null;
  'experiments.notes': null;
  'experiments.delete': null;
  'experiments.fit': FitView;
  'experiments.boundary': BoundaryView;
  'experiments.sweepStats': SweepStats;
  /** Every point of the config's data, row-major [n][dIn]; test is 1 where a point is held out. */
  /** x, y points; or, for an x1, x2, label file, x1 in x, x2, and the class labels in y. */
  'data.importCsv': { x: Float64Array; y: Float64Array; x2?: Float64Array };
  /** A TensorFlow.js LayersModel: model.json's text, and weights.bin. */
  'experiments.exportModel': { model: string; weights: Uint8Array };
  'data.preview': { x: Float32Array; y: Float32Array; dIn: number; test: Uint8Array };
  'jobs.run': JobInfo;
  'jobs.landscape': JobInfo;
  'jobs.interpolate': JobInfo;
  'jobs.sweep': JobInfo;
  'cluster.prepare': ClusterFolder;
  'cluster.status': ClusterStatusView;
  'cluster.import': ClusterImport;
  'experiments.shards': SweepShardsView;
  'experiments.same': number[];
  'jobs.resumeSweep': JobInfo;
  'jobs.reproduce': JobInfo;
  'jobs.cancel': null;
  'jobs.list': JobInfo[];
  'basics.neurons': NeuronsView;
  'basics.costs': CostsView;
  'basics.backprop': BackpropView;
  'basics.regions': RegionsView;
}

export type LabEvent = { type: 'job'; job: JobInfo } | { type: 'experiments-changed' } | { type: 'menu'; action: MenuAction };
export type MenuAction = 'new-experiment' | 'open' | 'import' | 'export' | 'theory' | 'about';

/** What the renderer sees as `window.lab` (Electron) or the bridge client (browser mode). */
/** What an import made: each experiment's new id, and whether it was already here (kept as a copy). */
export type Imported = { id: number; renamed: boolean }[];

/** The ids of an export, checked at main's door (an HTTP query, an IPC payload). */
export const ExportIds = z.array(Id).min(1).max(10_000);

export interface LabApi {
  call<C extends Channel>(channel: C, payload: Request<C>): Promise<Result<Responses[C]>>;
  onEvent(listener: (event: LabEvent) => void): () => void;
  /**
   * Imports an export file the user picked. Its content never travels in a message: Electron gives
   * main the file's path; the browser uploads it to `serve` by HTTP, streamed to disk.
   */
  importFile(file: File): Promise<Result<Imported>>;
  /**
   * Saves the export of experiments: Electron asks where with main's save dialog, and main writes it;
   * the browser downloads it from `serve`, streamed from disk. `fileName` is the name offered.
   */
  exportFile(ids: number[], fileName: string): Promise<Result<null>>;
}
