// The training loop, shared by both kernels: many independent runs step together in one pass.
// Minibatches come from a seeded shuffle of each run's data per epoch (the last partial batch of an
// epoch is dropped, as torch's DataLoader(drop_last=True)); a full batch uses every row each step.
import type { Dataset } from './data.js';
import type { Kernel, Trainer } from './kernel.js';
import { layoutOf, type Architecture } from './model.js';
import type { Hyper } from './optimizers.js';
import { Rng } from './prng.js';

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
  /** Parameters after `steps[k]` updates, [K][P]; the first is the init, the last the final. */
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

/** Evenly spaced steps from 0 to `steps`, at most `count` of them. */
export function snapshotSteps(steps: number, count: number): Uint32Array {
  const out = new Set<number>();
  for (let k = 0; k < count; k++) out.add(Math.round((k * steps) / (count - 1)));
  return Uint32Array.from([...out].sort((a, b) => a - b));
}

export async function trainBatch(kernel: Kernel, spec: BatchSpec, options: TrainOptions = {}): Promise<RunOutcome[]> {
  const { arch, batchSize, steps, recordEvery, runs } = spec;
  const R = runs.length;
  const P = layoutOf(arch).count;
  const n = runs[0].data.n;
  if (runs.some((r) => r.data.n !== n || r.hyper.kind !== runs[0].hyper.kind || r.init.length !== P)) {
    throw new Error('trainBatch: runs in one batch need the same data size, optimizer kind and layout');
  }
  const budget = options.snapshotBudget ?? 1 << 25;
  const snapCount = Math.max(2, Math.min(spec.snapshots, Math.floor(budget / (R * P))));
  const snapAt = snapshotSteps(steps, snapCount);

  const initAll = new Float32Array(R * P);
  runs.forEach((run, r) => initAll.set(run.init, r * P));
  const trainer = kernel.trainer({
    arch,
    datasets: runs.map((r) => r.data),
    params: initAll,
    hypers: runs.map((r) => r.hyper),
    batchSize,
  });

  const status: RunStatus[] = runs.map(() => 'done');
  const stepsDone = new Uint32Array(R).fill(steps);
  const active = new Uint8Array(R).fill(1);
  const lossSteps: number[][] = runs.map(() => []);
  const lossValues: number[][] = runs.map(() => []);
  const snaps = new Float32Array(R * snapAt.length * P);
  const snapStepsDone: number[][] = runs.map(() => []);
  let snapIndex = 0;
  let bestLoss: number | null = null;

  const stop = (r: number, why: RunStatus, step: number) => {
    if (!active[r]) return;
    active[r] = 0;
    status[r] = why;
    stepsDone[r] = step;
    trainer.freeze(r);
  };

  const record = (step: number) => {
    const losses = trainer.fullLosses();
    bestLoss = null;
    for (let r = 0; r < R; r++) {
      if (!active[r]) continue;
      if (!Number.isFinite(losses[r])) {
        stop(r, 'diverged', step);
        continue;
      }
      lossSteps[r].push(step);
      lossValues[r].push(losses[r]);
      bestLoss = bestLoss === null ? losses[r] : Math.min(bestLoss, losses[r]);
    }
  };

  const snapshot = (step: number, k: number) => {
    const params = trainer.params();
    for (let r = 0; r < R; r++) {
      if (!active[r] && stepsDone[r] < step) continue;
      snaps.set(params.subarray(r * P, (r + 1) * P), (r * snapAt.length + k) * P);
      snapStepsDone[r].push(step);
    }
  };

  // Every run has the same n and batch size, so epochs start at the same steps for all of them. At
  // each epoch start all runs reshuffle, and their batches are laid out step-major: a step's indices
  // for every run are one contiguous slice, read in order (this matters with 1,000 runs).
  const fullBatch = batchSize === n;
  const batchesPerEpoch = Math.floor(n / batchSize);
  const perm = new Int32Array(n);
  const rngs = runs.map((run) => new Rng(run.seed, 'batches'));
  const schedule = fullBatch ? null : new Int32Array(batchesPerEpoch * R * batchSize);
  const stepInEpoch = (step: number) => step % batchesPerEpoch;
  const newEpoch = (sched: Int32Array) => {
    for (let r = 0; r < R; r++) {
      for (let i = 0; i < n; i++) perm[i] = i;
      rngs[r].shuffle(perm);
      for (let k = 0; k < batchesPerEpoch; k++) {
        const to = (k * R + r) * batchSize;
        for (let b = 0; b < batchSize; b++) sched[to + b] = perm[k * batchSize + b];
      }
    }
  };
  const batchIndices = (step: number): Int32Array | null => {
    if (!schedule) return null;
    const k = stepInEpoch(step);
    if (k === 0) newEpoch(schedule);
    return schedule.subarray(k * R * batchSize, (k + 1) * R * batchSize);
  };

  const yieldMs = options.yieldMs ?? 50;
  let lastYield = performance.now();
  try {
    record(0);
    snapshot(0, snapIndex++);
    let step = 0;
    while (step < steps) {
      if (options.signal?.aborted) {
        if (step % recordEvery !== 0) record(step);
        for (let r = 0; r < R; r++) if (active[r]) stop(r, 'cancelled', step);
        break;
      }
      trainer.step(batchIndices(step));
      step++;
      const isLast = step === steps;
      if (step % recordEvery === 0 || isLast) record(step);
      if (snapIndex < snapAt.length && snapAt[snapIndex] === step) snapshot(step, snapIndex++);
      if (!active.some((a) => a === 1)) break;
      if ((step & 15) === 0 && performance.now() - lastYield > yieldMs) {
        options.onProgress?.({ step, steps, bestLoss });
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    options.onProgress?.({ step, steps, bestLoss });
    return finish(trainer);
  } finally {
    trainer.dispose();
  }

  function finish(t: Trainer): RunOutcome[] {
    const finalAll = t.params();
    return runs.map((run, r) => {
      const final = finalAll.slice(r * P, (r + 1) * P);
      if (status[r] === 'done' && !final.every(Number.isFinite)) status[r] = 'diverged';
      // A run that stopped early gets its last parameters as its final snapshot.
      const taken = snapStepsDone[r].length;
      const base = r * snapAt.length * P;
      const lastTaken = snapStepsDone[r][taken - 1];
      const params = snaps.slice(base, base + taken * P);
      const stepsList = snapStepsDone[r];
      let snapshotParams = params;
      let snapshotStepList = stepsList;
      if (lastTaken !== stepsDone[r]) {
        snapshotParams = new Float32Array((taken + 1) * P);
        snapshotParams.set(params);
        snapshotParams.set(final, taken * P);
        snapshotStepList = [...stepsList, stepsDone[r]];
      }
      return {
        status: status[r],
        stepsDone: stepsDone[r],
        loss: { steps: Uint32Array.from(lossSteps[r]), values: Float64Array.from(lossValues[r]) },
        snapshots: { steps: Uint32Array.from(snapshotStepList), params: snapshotParams },
        init: run.init.slice(),
        final,
      };
    });
  }
}
