// The training loop, shared by every kernel: many independent runs step together in one pass.
// Minibatches come from a seeded shuffle of each run's data per epoch (the last partial batch of an
// epoch is dropped, as torch's DataLoader(drop_last=True)); a full batch uses every row each step.
import type { ExperimentConfig } from '../../shared/config.js';
import type { Dataset } from './data.js';
import { EpochShuffler } from './epochShuffler.js';
import type { Kernel, Trainer } from './kernel.js';
import { layoutOf, type Architecture } from './model.js';
import { maxOf } from '../../shared/numbers.js';
import { dataRecordBytes, snapshotsWithinRecord } from './memory.js';
import type { Hyper } from './optimizers.js';

export type RunStatus = 'done' | 'diverged' | 'cancelled';

export interface RunSpec {
  readonly seed: number;
  readonly data: Dataset;
  readonly init: Float32Array;
  readonly hyper: Hyper;
}

export interface BatchSpec {
  readonly arch: Architecture;
  readonly batchSize: number;
  readonly steps: number;
  /** Full-data loss every this many steps (and at step 0 and the last step). */
  readonly recordEvery: number;
  /**
   * When set, the first `denseStart` steps are all recorded and the stride then doubles each time the
   * step doubles, up to recordEvery: a run that stops early (cancelled, diverged) still has a curve of
   * about denseStart points or more, not the few a stride of recordEvery leaves.
   */
  readonly denseStart?: number;
  /** Parameter snapshots per run, evenly spaced, init and final included. */
  readonly snapshots: number;
  readonly runs: readonly RunSpec[];
}

export interface RunOutcome {
  status: RunStatus;
  /** Updates applied before the run ended. */
  stepsDone: number;
  /** `values[k]` is the full-data loss after `steps[k]` updates; non-finite values end the curve. */
  loss: { steps: Uint32Array; values: Float64Array };
  /**
   * Parameters after `steps[k]` updates, [K][P]; the first is the init, the last the final. A view
   * into one buffer that the batch's runs share (a worker transfers it once).
   */
  snapshots: { steps: Uint32Array; params: Float32Array };
  init: Float32Array;
  final: Float32Array;
}

export interface Progress {
  step: number;
  steps: number;
  /** Lowest current full-data loss over the runs, where one was recorded. */
  bestLoss: number | null;
}

export interface TrainOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** How often the loop yields to the event loop (and reports progress), in ms. */
  yieldMs?: number;
  /** Upper bound on snapshot memory, in float32 values over all runs. */
  snapshotBudget?: number;
}

export function defaultRecordEvery(steps: number): number {
  return Math.max(1, Math.ceil(steps / 1000));
}

/** The dense start of a default recording: ~100 points before the stride widens (≈ 10 % more records over 5,000 steps). */
export const DEFAULT_DENSE_START = 100;

/** How a config's runs record their loss: the stride, and the dense start of a default recording. */
export function recordingOf(c: ExperimentConfig): { recordEvery: number; denseStart?: number } {
  // A stride chosen by the user is kept exactly; the default one starts dense, so a stopped run keeps its curve.
  return { recordEvery: c.record.every ?? defaultRecordEvery(c.steps), ...(c.record.every === undefined ? { denseStart: DEFAULT_DENSE_START } : {}) };
}

/** The steps a run of this config that trains to its end records its loss at (recordedSteps). */
export function recordedStepsOf(c: ExperimentConfig): Uint32Array {
  const r = recordingOf(c);
  return recordedSteps(c.steps, r.recordEvery, r.denseStart);
}

/** Evenly spaced steps from 0 to `steps`, at most `count` of them. */
export function snapshotSteps(steps: number, count: number): Uint32Array {
  const out = new Set<number>();
  for (let k = 0; k < count; k++) out.add(Math.round((k * steps) / (count - 1)));
  return Uint32Array.from([...out].sort((a, b) => a - b));
}

/** Trains every run of the batch together; one outcome per run, in order. */
export async function trainBatch(kernel: Kernel, spec: BatchSpec, options: TrainOptions = {}): Promise<RunOutcome[]> {
  const P = checkBatch(spec);
  const trainer = await kernel.trainer({
    arch: spec.arch,
    datasets: spec.runs.map((r) => r.data),
    params: concatRuns(spec.runs.map((r) => r.init), P),
    hypers: spec.runs.map((r) => r.hyper),
    batchSize: spec.batchSize,
  });
  try {
    const log = new RunLog(spec, trainer, P, options.snapshotBudget ?? 1 << 25);
    await stepUntilDone(trainer, spec, log, new MinibatchSchedule(spec), options);
    return log.outcomes(await trainer.params());
  } finally {
    trainer.dispose();
  }
}

/** The parameter count; throws unless the runs can share one trainer. */
function checkBatch({ arch, runs }: BatchSpec): number {
  const P = layoutOf(arch).count;
  const n = runs[0].data.n;
  if (runs.some((r) => r.data.n !== n || r.hyper.kind !== runs[0].hyper.kind || r.init.length !== P)) {
    throw new Error('trainBatch: runs in one batch need the same data size, optimizer kind and layout');
  }
  return P;
}

function concatRuns(vectors: readonly Float32Array[], P: number): Float32Array {
  const all = new Float32Array(vectors.length * P);
  vectors.forEach((v, r) => all.set(v, r * P));
  return all;
}

/**
 * The steps whose full-data loss is recorded after step 0: every `stride`-th step and the last. The
 * stride is recordEvery, or, with denseStart, 1 for the first denseStart steps, doubling each time
 * the step doubles, up to recordEvery.
 */
class RecordStride {
  private stride: number;
  private widenAt: number;

  constructor(
    private readonly every: number,
    denseStart: number | undefined,
    private readonly last: number,
  ) {
    this.stride = denseStart ? 1 : every;
    this.widenAt = denseStart && every > 1 ? denseStart : Infinity;
  }

  /** The first recorded step after `step`; asked in order, each time from the step it last answered. */
  next(step: number): number {
    if (this.stride === 1 && this.widenAt > step + 1) return Math.min(step + 1, this.last);
    let from = step + 1;
    for (;;) {
      const multiple = Math.ceil(from / this.stride) * this.stride;
      // The stride widens at widenAt, before that step is asked about.
      if (this.widenAt > multiple) return Math.min(multiple, this.last);
      from = this.widenAt;
      this.stride = Math.min(this.every, this.stride * 2);
      this.widenAt = this.stride < this.every ? this.widenAt * 2 : Infinity;
    }
  }
}

/** The most losses a run records: step 0, every due step, and one more if cancelled between two. */
export function recordCapacity(spec: Pick<BatchSpec, 'recordEvery' | 'denseStart' | 'steps'>): number {
  const stride = new RecordStride(spec.recordEvery, spec.denseStart, spec.steps);
  let count = 2;
  for (let step = stride.next(0); step <= spec.steps; step = step === spec.steps ? Infinity : stride.next(step)) count++;
  return count;
}

/**
 * The steps a run that trains to its end records its full-data loss at: step 0, then each step the
 * stride (recordEvery, denseStart) makes due, the last included. A run that stops early recorded a
 * prefix of them (and, when cancelled between two, one more).
 */
export function recordedSteps(steps: number, recordEvery: number, denseStart?: number): Uint32Array {
  const out = [0];
  const stride = new RecordStride(recordEvery, denseStart, steps);
  for (let step = stride.next(0); step <= steps; step = step === steps ? Infinity : stride.next(step)) out.push(step);
  return Uint32Array.from(out);
}

/** Steps handed to the trainer in one call at first; the loop then sizes calls to about yieldMs / 4. */
const FIRST_CHUNK = 16;

/**
 * The loop: hands the trainer the steps up to the next record point, snapshot or epoch end in one call
 * (at most `cap` of them, sized so that the loop still yields every yieldMs), records, snapshots, stops
 * on abort or when every run has ended. A trainer's answers are awaited only when they are promises:
 * the tutorial network steps in 0.2 µs, and a promise per record halved its rate at one record a step.
 */
async function stepUntilDone(trainer: Trainer, spec: BatchSpec, log: RunLog, schedule: MinibatchSchedule, options: TrainOptions): Promise<void> {
  const { steps } = spec;
  const yieldMs = options.yieldMs ?? 50;
  let lastYield = performance.now();
  let lastCheck = lastYield;
  let sinceCheck = 0;
  const record = async (at: number) => {
    const losses = trainer.fullLosses();
    log.record(at, losses instanceof Promise ? await losses : losses);
  };
  await record(0);
  if (log.nextSnapshot === 0) log.snapshot(0, await trainer.params(log.staging));
  let step = 0;
  let recorded = 0;
  const recording = new RecordStride(spec.recordEvery, spec.denseStart, steps);
  let nextRecord = recording.next(0);
  let nextSnapshot = log.nextSnapshot;
  let cap = FIRST_CHUNK;
  while (step < steps) {
    if (options.signal?.aborted) {
      if (recorded !== step) await record(step);
      log.cancelActive(step);
      break;
    }
    // A record due next step (a dense start, or recordEvery 1) ends the chunk whatever else is due.
    const until = nextRecord === step + 1 ? nextRecord : Math.min(nextRecord, nextSnapshot, schedule.epochEnd(step), step + cap);
    const backlog = trainer.run(until - step, schedule.indices(step, until - step));
    if (backlog) await backlog;
    sinceCheck += until - step;
    step = until;
    if (step === nextRecord) {
      const losses = trainer.fullLosses();
      log.record(step, losses instanceof Promise ? await losses : losses);
      recorded = step;
      nextRecord = step === steps ? Infinity : recording.next(step);
    }
    if (step === nextSnapshot) {
      const params = trainer.params(log.staging);
      log.snapshot(step, params instanceof Promise ? await params : params);
      nextSnapshot = log.nextSnapshot;
    }
    if (log.activeCount === 0) break;
    // The clock is read every 16 steps or more, as often as the steps allow.
    if (sinceCheck < 16) continue;
    const now = performance.now();
    cap = Math.max(1, Math.min(1 << 20, Math.floor(((yieldMs / 4) * sinceCheck) / Math.max(now - lastCheck, 1e-3))));
    lastCheck = now;
    sinceCheck = 0;
    if (now - lastYield > yieldMs) {
      options.onProgress?.({ step, steps, bestLoss: log.bestLoss });
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = lastCheck = performance.now();
    }
  }
  options.onProgress?.({ step, steps, bestLoss: log.bestLoss });
}

/**
 * Each run's minibatch rows per step. Every run has the same n and batch size, so epochs start at the
 * same steps for all of them. At each epoch start all runs reshuffle, and their batches are laid out
 * step-major: a step's indices for every run are one contiguous slice, read in order (this matters
 * with 1,000 runs), and so are the indices of consecutive steps of one epoch.
 */
class MinibatchSchedule {
  private readonly width: number;
  private readonly batchesPerEpoch: number;
  /** Each run's shuffle per epoch (its Rng(seed, 'batches') stream); null for full-batch steps. */
  private readonly shuffler: EpochShuffler | null;

  constructor({ runs, batchSize }: BatchSpec) {
    const n = runs[0].data.n;
    this.width = runs.length * batchSize;
    this.batchesPerEpoch = Math.floor(n / batchSize);
    this.shuffler = batchSize === n ? null : new EpochShuffler(runs.map((run) => run.seed), n, batchSize);
  }

  /** The first step of the next epoch after `step`'s (no end for full batches). */
  epochEnd(step: number): number {
    return this.shuffler ? (Math.floor(step / this.batchesPerEpoch) + 1) * this.batchesPerEpoch : Infinity;
  }

  /** Rows for steps step…step+count−1 of one epoch, [count][runs][batchSize], or null for full batches. */
  indices(step: number, count: number): Int32Array | null {
    if (!this.shuffler) return null;
    const k = step % this.batchesPerEpoch;
    const rows = k === 0 ? this.shuffler.shuffle() : this.shuffler.rows;
    return rows.subarray(k * this.width, (k + count) * this.width);
  }
}

/** What happens to each run: its status, loss curve and snapshots, until it ends. */
class RunLog {
  private readonly R: number;
  private readonly status: RunStatus[];
  private readonly stepsDone: Uint32Array;
  private readonly active: Uint8Array;
  activeCount: number;
  /** Lowest current full-data loss over the active runs, at the last record. */
  bestLoss: number | null = null;
  /**
   * Every run's loss curve in one buffer each, [runs][capacity], `recorded[r]` entries long; the
   * outcomes are views. (Arrays grown a value at a time were most of a sweep's garbage.)
   */
  private readonly lossSteps: Uint32Array;
  private readonly lossValues: Float64Array;
  private readonly recorded: Uint32Array;
  private readonly capacity: number;
  /** Steps at which snapshots are due, and the next one's index. */
  private readonly snapAt: Uint32Array;
  private nextSnap = 0;
  /**
   * [runs][snapAt.length + 1][P]: each run's snapshots in order, and room for a last one when it ends
   * between them; its outcome's snapshots are a view, not a copy. Fresh memory is slow to touch
   * (page faults), and 1,000 runs' snapshots are tens of megabytes.
   */
  private readonly snaps: Float32Array;
  /** Every run's current parameters, [runs][P]: written by the trainer, then spread into `snaps`. */
  readonly staging: Float32Array;
  private readonly snapStepsDone: number[][];

  constructor(
    private readonly spec: BatchSpec,
    private readonly trainer: Trainer,
    private readonly P: number,
    snapshotBudget: number,
  ) {
    const R = spec.runs.length;
    this.R = R;
    this.status = spec.runs.map(() => 'done');
    this.stepsDone = new Uint32Array(R).fill(spec.steps);
    this.active = new Uint8Array(R).fill(1);
    this.activeCount = R;
    this.capacity = recordCapacity(spec);
    this.lossSteps = new Uint32Array(R * this.capacity);
    this.lossValues = new Float64Array(R * this.capacity);
    this.recorded = new Uint32Array(R);
    const dataBytes = maxOf(spec.runs.map((r) => dataRecordBytes(r.data)));
    const fit = snapshotsWithinRecord(P, this.capacity, dataBytes);
    this.snapAt = snapshotSteps(spec.steps, Math.max(2, Math.min(spec.snapshots, Math.floor(snapshotBudget / (R * P)), fit)));
    this.snaps = new Float32Array(R * (this.snapAt.length + 1) * P);
    this.staging = new Float32Array(R * P);
    this.snapStepsDone = spec.runs.map(() => []);
  }

  /** Ends run `r` at `step` (its parameters stop changing). */
  private stop(r: number, why: RunStatus, step: number): void {
    if (!this.active[r]) return;
    this.active[r] = 0;
    this.activeCount--;
    this.status[r] = why;
    this.stepsDone[r] = step;
    this.trainer.freeze(r);
  }

  cancelActive(step: number): void {
    for (let r = 0; r < this.R; r++) if (this.active[r]) this.stop(r, 'cancelled', step);
  }

  /** Records the active runs' full-data `losses` at `step`; a non-finite one ends its run as diverged. */
  record(step: number, losses: Float64Array): void {
    this.bestLoss = null;
    for (let r = 0; r < this.R; r++) {
      if (!this.active[r]) continue;
      if (!Number.isFinite(losses[r])) {
        this.stop(r, 'diverged', step);
        continue;
      }
      if (this.recorded[r] === this.capacity) throw new Error(`run ${r} recorded more than the ${this.capacity} losses its buffer holds`);
      const at = r * this.capacity + this.recorded[r]++;
      this.lossSteps[at] = step;
      this.lossValues[at] = losses[r];
      this.bestLoss = this.bestLoss === null ? losses[r] : Math.min(this.bestLoss, losses[r]);
    }
  }

  /** The next step a snapshot is due at (Infinity after the last). */
  get nextSnapshot(): number {
    return this.nextSnap < this.snapAt.length ? this.snapAt[this.nextSnap] : Infinity;
  }

  /** Keeps the snapshot due at `step` (nextSnapshot) of every run still going: `params` is `staging`, filled by the trainer. */
  snapshot(step: number, params: Float32Array): void {
    const k = this.nextSnap++;
    const { P, R, snaps } = this;
    const perRun = (this.snapAt.length + 1) * P;
    for (let r = 0; r < R; r++) {
      if (!this.active[r] && this.stepsDone[r] < step) continue;
      const to = r * perRun + k * P;
      for (let i = 0; i < P; i++) snaps[to + i] = params[r * P + i];
      this.snapStepsDone[r].push(step);
    }
  }

  outcomes(finalAll: Float32Array): RunOutcome[] {
    const { P } = this;
    return this.spec.runs.map((run, r) => {
      const final = finalAll.slice(r * P, (r + 1) * P);
      if (this.status[r] === 'done' && !final.every(Number.isFinite)) this.status[r] = 'diverged';
      return {
        status: this.status[r],
        stepsDone: this.stepsDone[r],
        loss: { steps: this.lossSteps.subarray(r * this.capacity, r * this.capacity + this.recorded[r]), values: this.lossValues.subarray(r * this.capacity, r * this.capacity + this.recorded[r]) },
        snapshots: this.snapshotsOf(r, final),
        init: run.init.slice(),
        final,
      };
    });
  }

  /** Run `r`'s snapshots; a run that stopped early gets its last parameters as its final snapshot. */
  private snapshotsOf(r: number, final: Float32Array): RunOutcome['snapshots'] {
    const { P } = this;
    const taken = this.snapStepsDone[r];
    const start = r * (this.snapAt.length + 1) * P;
    if (taken[taken.length - 1] === this.stepsDone[r]) return { steps: Uint32Array.from(taken), params: this.snaps.subarray(start, start + taken.length * P) };
    this.snaps.set(final, start + taken.length * P);
    return { steps: Uint32Array.from([...taken, this.stepsDone[r]]), params: this.snaps.subarray(start, start + (taken.length + 1) * P) };
  }
}
