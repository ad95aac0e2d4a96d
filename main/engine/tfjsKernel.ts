// The `tfjs` kernel: the same math as jsNet.ts and optimizers.ts, written as tensor ops over a batch
// of runs ([runs, …] on every tensor), on the best tfjs backend present: `tensorflow` (through
// @tensorflow/tfjs-node-gpu, with CUDA where it loads, or @tensorflow/tfjs-node), else `wasm`, else `cpu`.
// Arithmetic is float32 throughout, where the js kernel accumulates in float64.
import type * as TF from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../../shared/config.js';
import { maxOf } from '../../shared/numbers.js';
import type { Dataset } from './data.js';
import type { CpuKernel, Trainer, TrainerBatch } from './kernel.js';
import { layoutOf, type Architecture, type Layout } from './model.js';
import { stateSlots, type Hyper } from './optimizers.js';

type Tf = typeof TF;
type Tensor = TF.Tensor;

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

let tfPromise: Promise<Tf> | null = null;
let nativeTried: Promise<boolean> | null = null;

async function core(): Promise<Tf> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    // PROD silences tfjs's "install the node backend" banner and skips per-op NaN checks.
    tf.env().set('PROD', true);
    await import('@tensorflow/tfjs-backend-cpu');
    await import('@tensorflow/tfjs-backend-wasm');
    return tf;
  })();
  return tfPromise;
}

/** Tries the native TensorFlow bindings once; true when the `tensorflow` backend registered. */
async function loadNative(tf: Tf): Promise<boolean> {
  nativeTried ??= (async () => {
    for (const name of NATIVE_PACKAGES) {
      try {
        await import(name);
        if (tf.findBackendFactory('tensorflow')) return true;
      } catch {
        // Not installed, or libtensorflow missing: fall through to the next choice.
      }
    }
    return false;
  })();
  return nativeTried;
}

/** Whether the native `tensorflow` backend can load here (it is only tried once). */
export async function nativeBackendAvailable(): Promise<boolean> {
  return loadNative(await core());
}

export async function loadTfjsKernel(choice: BackendChoice = 'auto'): Promise<CpuKernel> {
  const tf = await core();
  const order: string[] =
    choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    if (name === 'tensorflow' && !(await loadNative(tf))) continue;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return makeKernel(tf, name);
      }
    } catch {
      // The backend failed to initialize: try the next one.
    }
  }
  throw new Error(`the tfjs backend "${choice}" could not be loaded here`);
}

interface LayerView {
  /** [R, fanIn, fanOut] */
  W: Tensor;
  /** [R, 1, fanOut] */
  b: Tensor;
}

interface Forward {
  /** Pre-activations and activations per layer (index 0: the input). */
  z: Tensor[];
  a: Tensor[];
}

interface LossAndDelta {
  /** Per-run mean loss, [R]. */
  loss: Tensor;
  /** d(mean loss)/dz of the output layer, [R, B, dOut], when asked for. */
  delta: Tensor | null;
}

/** Width of the target rows: one class index for softmax, else one value per output. */
function targetWidth(arch: Architecture): number {
  return arch.output === 'softmax' ? 1 : arch.sizes[arch.sizes.length - 1];
}

/** Each layer's weights and biases as views of the flat [R, P] parameters. */
function layerViews(tf: Tf, params: Tensor, layout: Layout): LayerView[] {
  return layout.layers.map(({ fanIn, fanOut, w, b }) => ({
    W: tf.reshape(tf.slice(params, [0, w], [-1, fanIn * fanOut]), [-1, fanIn, fanOut]),
    b: tf.reshape(tf.slice(params, [0, b], [-1, fanOut]), [-1, 1, fanOut]),
  }));
}

function activate(tf: Tf, kind: string, z: Tensor): Tensor {
  return kind === 'relu' ? tf.relu(z) : kind === 'tanh' ? tf.tanh(z) : kind === 'sigmoid' ? tf.sigmoid(z) : z;
}

/** g'(z) from z and a = g(z); null for a linear unit. ReLU′(0) = 1, as in jsNet.ts (tfjs's own relu gradient uses 0). */
function activationSlope(tf: Tf, kind: string, z: Tensor, a: Tensor): Tensor | null {
  if (kind === 'relu') return tf.cast(tf.greaterEqual(z, 0), 'float32');
  if (kind === 'tanh') return tf.sub(1, tf.square(a));
  if (kind === 'sigmoid') return tf.mul(a, tf.sub(1, a));
  return null;
}

function forward(tf: Tf, arch: Architecture, views: LayerView[], x: Tensor): Forward {
  const z: Tensor[] = [x];
  const a: Tensor[] = [x];
  views.forEach(({ W, b }, l) => {
    const zl = tf.add(tf.matMul(a[l], W), b);
    z.push(zl);
    a.push(l < views.length - 1 ? activate(tf, arch.activations[l], zl) : zl);
  });
  return { z, a };
}

/** Categorical NLL of softmax(z) against class indices y [R, B, 1]. */
function softmaxLoss(tf: Tf, zOut: Tensor, y: Tensor, wantDelta: boolean): LossAndDelta {
  const [, count, dOut] = zOut.shape as [number, number, number];
  const labels = tf.oneHot(tf.cast(tf.reshape(y, [-1, count]), 'int32'), dOut);
  const logSum = tf.logSumExp(zOut, -1, true);
  const loss = tf.mean(tf.sub(tf.squeeze(logSum, [2]), tf.sum(tf.mul(zOut, labels), -1)), 1);
  const delta = wantDelta ? tf.div(tf.sub(tf.exp(tf.sub(zOut, logSum)), labels), count) : null;
  return { loss, delta };
}

/** Bernoulli NLL of sigmoid(z), in the stable form relu(z) − y·z + log(1 + e^−|z|). */
function sigmoidNllLoss(tf: Tf, zOut: Tensor, y: Tensor, wantDelta: boolean): LossAndDelta {
  const [, count, dOut] = zOut.shape as [number, number, number];
  const per = tf.add(tf.sub(tf.relu(zOut), tf.mul(y, zOut)), tf.log1p(tf.exp(tf.neg(tf.abs(zOut)))));
  const loss = tf.mean(tf.reshape(per, [-1, count * dOut]), 1);
  const delta = wantDelta ? tf.mul(tf.sub(tf.sigmoid(zOut), y), 1 / (count * dOut)) : null;
  return { loss, delta };
}

/** L1 or L2 of the (linear or sigmoid) output against y. */
function regressionLoss(tf: Tf, arch: Architecture, zOut: Tensor, y: Tensor, wantDelta: boolean): LossAndDelta {
  const [, count, dOut] = zOut.shape as [number, number, number];
  const scale = 1 / (count * dOut);
  const out = arch.output === 'sigmoid' ? tf.sigmoid(zOut) : zOut;
  const e = tf.sub(out, y);
  const per = arch.loss === 'l2' ? tf.square(e) : tf.abs(e);
  const loss = tf.mean(tf.reshape(per, [-1, count * dOut]), 1);
  if (!wantDelta) return { loss, delta: null };
  const delta = arch.loss === 'l2' ? tf.mul(e, 2 * scale) : tf.mul(tf.sign(e), scale);
  return { loss, delta: arch.output === 'sigmoid' ? tf.mul(delta, tf.mul(out, tf.sub(1, out))) : delta };
}

function outputLoss(tf: Tf, arch: Architecture, zOut: Tensor, y: Tensor, wantDelta: boolean): LossAndDelta {
  if (arch.output === 'softmax') return softmaxLoss(tf, zOut, y, wantDelta);
  if (arch.loss === 'nll') return sigmoidNllLoss(tf, zOut, y, wantDelta);
  return regressionLoss(tf, arch, zOut, y, wantDelta);
}

/** Each run's mean loss [R] at parameters [R, P] on data x, y ([R, B, …]). */
function meanLosses(tf: Tf, arch: Architecture, layout: Layout, params: Tensor, x: Tensor, y: Tensor): Tensor {
  const f = forward(tf, arch, layerViews(tf, params, layout), x);
  return outputLoss(tf, arch, f.z[f.z.length - 1], y, false).loss;
}

/** Gradient of each run's mean loss, flat [R, P] in the parameter layout. */
function gradient(tf: Tf, arch: Architecture, layout: Layout, params: Tensor, x: Tensor, y: Tensor): Tensor {
  const views = layerViews(tf, params, layout);
  const f = forward(tf, arch, views, x);
  let delta = outputLoss(tf, arch, f.z[f.z.length - 1], y, true).delta as Tensor;
  const pieces: Tensor[] = [];
  for (let l = views.length - 1; l >= 0; l--) {
    const { fanIn, fanOut } = layout.layers[l];
    pieces[2 * l] = tf.reshape(tf.matMul(f.a[l], delta, true, false), [-1, fanIn * fanOut]);
    pieces[2 * l + 1] = tf.sum(delta, 1);
    if (l > 0) {
      const back = tf.matMul(delta, views[l].W, false, true);
      const g = activationSlope(tf, arch.activations[l - 1], f.z[l], f.a[l]);
      delta = g ? tf.mul(back, g) : back;
    }
  }
  return tf.concat(pieces, 1);
}

/** One field of every run's dataset as [R, n, width]. */
function stackData(tf: Tf, datasets: readonly Dataset[], pick: (d: Dataset) => Float32Array, width: number): Tensor {
  const n = datasets[0].n;
  const flat = new Float32Array(datasets.length * n * width);
  datasets.forEach((d, r) => flat.set(pick(d), r * n * width));
  return tf.tensor3d(flat, [datasets.length, n, width]);
}

type HyperName = Exclude<keyof Hyper, 'kind'>;
const HYPER_NAMES: readonly HyperName[] = ['lr', 'momentum', 'rho', 'beta1', 'beta2', 'eps'];

interface OptimizerState {
  p: Tensor;
  first: Tensor | null;
  second: Tensor | null;
}

class TfTrainer implements Trainer {
  private readonly layout: Layout;
  private state: OptimizerState;
  private readonly x: Tensor;
  private readonly y: Tensor;
  /** Each run's hyperparameters as [R, 1] columns. */
  private readonly hyper: Record<HyperName, Tensor>;
  private readonly hypers: readonly Hyper[];
  /** True for the parameters of runs still training, [R, P]; null while none is frozen. */
  private activeMask: Tensor | null = null;
  private readonly frozen: Uint8Array;
  private t = 0;

  constructor(
    private readonly tf: Tf,
    private readonly batch: TrainerBatch,
  ) {
    const { arch, datasets, params, hypers } = batch;
    const R = datasets.length;
    this.layout = layoutOf(arch);
    const P = this.layout.count;
    const slots = stateSlots(hypers[0].kind);
    this.state = {
      p: tf.tensor2d(params, [R, P]),
      first: slots.first ? tf.zeros([R, P]) : null,
      second: slots.second ? tf.zeros([R, P]) : null,
    };
    this.x = stackData(tf, datasets, (d) => d.x, arch.sizes[0]);
    this.y = stackData(tf, datasets, (d) => d.y, targetWidth(arch));
    this.hyper = Object.fromEntries(HYPER_NAMES.map((key) => [key, tf.tensor2d(hypers.map((h) => h[key]), [R, 1])])) as Record<HyperName, Tensor>;
    this.hypers = hypers;
    this.frozen = new Uint8Array(R);
  }

  run(steps: number, indices: Int32Array | null): void {
    const width = this.batch.datasets.length * this.batch.batchSize;
    for (let s = 0; s < steps; s++) this.step(indices?.subarray(s * width, (s + 1) * width) ?? null);
  }

  private step(indices: Int32Array | null): void {
    this.t++;
    const { tf } = this;
    // tidy keeps the tensors of the returned object (its null slots are skipped).
    const next = tf.tidy(() => {
      const { x, y } = indices ? this.minibatch(indices) : { x: this.x, y: this.y };
      const g = gradient(tf, this.batch.arch, this.layout, this.state.p, x, y);
      return this.keepFrozen(this.update(g)) as unknown as TF.TensorContainer;
    }) as unknown as OptimizerState;
    tf.dispose([this.state.p, ...(this.state.first ? [this.state.first] : []), ...(this.state.second ? [this.state.second] : [])]);
    this.state = next;
  }

  /** Each run's rows of its own dataset, [R, batchSize, …]. */
  private minibatch(indices: Int32Array): { x: Tensor; y: Tensor } {
    const { tf } = this;
    const { batchSize, datasets } = this.batch;
    const R = datasets.length;
    // Rows of the flattened [R·n, width] data: run r's row i is r·n + i. (A plain gather; the
    // wasm backend's batched gather fails on large batches.)
    const n = datasets[0].n;
    const flat = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) flat[k] = Math.floor(k / batchSize) * n + indices[k];
    const idx = tf.tensor1d(flat, 'int32');
    return {
      x: tf.reshape(tf.gather(tf.reshape(this.x, [R * n, -1]), idx), [R, batchSize, -1]),
      y: tf.reshape(tf.gather(tf.reshape(this.y, [R * n, -1]), idx), [R, batchSize, -1]),
    };
  }

  /** The updated state for active runs, the current one for frozen runs. */
  private keepFrozen(next: OptimizerState): OptimizerState {
    const keep = this.activeMask;
    if (!keep) return next;
    const { tf, state } = this;
    return {
      p: tf.where(keep, next.p, state.p),
      first: next.first && state.first ? tf.where(keep, next.first, state.first) : next.first,
      second: next.second && state.second ? tf.where(keep, next.second, state.second) : next.second,
    };
  }

  /** One torch.optim step of every run from gradient g. */
  private update(g: Tensor): OptimizerState {
    const { tf } = this;
    const { lr, momentum, rho, beta1, beta2, eps } = this.hyper;
    const { p, first, second } = this.state as { p: Tensor; first: Tensor; second: Tensor };
    const squares = (decay: Tensor) => tf.add(tf.mul(decay, second), tf.mul(tf.sub(1, decay), tf.square(g)));
    switch (this.hypers[0].kind) {
      case 'sgd':
        return { p: tf.sub(p, tf.mul(lr, g)), first: null, second: null };
      case 'momentum': {
        const b = tf.add(tf.mul(momentum, first), g);
        return { p: tf.sub(p, tf.mul(lr, b)), first: b, second: null };
      }
      case 'rmsprop': {
        const v = squares(rho);
        return { p: tf.sub(p, tf.div(tf.mul(lr, g), tf.add(tf.sqrt(v), eps))), first: null, second: v };
      }
      case 'momentum-rmsprop': {
        const v = squares(rho);
        const b = tf.add(tf.mul(momentum, first), tf.div(g, tf.add(tf.sqrt(v), eps)));
        return { p: tf.sub(p, tf.mul(lr, b)), first: b, second: v };
      }
      case 'adam': {
        const m = tf.add(tf.mul(beta1, first), tf.mul(tf.sub(1, beta1), g));
        const v = squares(beta2);
        const { stepSize, bc2Sqrt } = this.adamBiasCorrection();
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
        return { p: tf.sub(p, tf.div(tf.mul(stepSize, m), denom)), first: m, second: v };
      }
    }
  }

  /** lr / (1 − β1ᵗ) and √(1 − β2ᵗ) per run, [R, 1]: computed on the host in float64, as torch does. */
  private adamBiasCorrection(): { stepSize: Tensor; bc2Sqrt: Tensor } {
    const R = this.hypers.length;
    return {
      stepSize: this.tf.tensor2d(this.hypers.map((h) => h.lr / (1 - h.beta1 ** this.t)), [R, 1]),
      bc2Sqrt: this.tf.tensor2d(this.hypers.map((h) => Math.sqrt(1 - h.beta2 ** this.t)), [R, 1]),
    };
  }

  async fullLosses(): Promise<Float64Array> {
    const loss = this.tf.tidy(() => meanLosses(this.tf, this.batch.arch, this.layout, this.state.p, this.x, this.y));
    const out = Float64Array.from(await loss.data());
    loss.dispose();
    return out;
  }

  async params(out?: Float32Array): Promise<Float32Array> {
    const values = (await this.state.p.data()) as Float32Array;
    if (!out) return Float32Array.from(values);
    out.set(values);
    return out;
  }

  freeze(run: number): void {
    this.frozen[run] = 1;
    this.activeMask?.dispose();
    const P = this.layout.count;
    const mask = new Uint8Array(this.frozen.length * P);
    for (let r = 0; r < this.frozen.length; r++) if (!this.frozen[r]) mask.fill(1, r * P, (r + 1) * P);
    this.activeMask = this.tf.tensor2d(mask, [this.frozen.length, P], 'bool');
  }

  dispose(): void {
    const { p, first, second } = this.state;
    this.tf.dispose([p, this.x, this.y, ...Object.values(this.hyper)]);
    first?.dispose();
    second?.dispose();
    this.activeMask?.dispose();
  }
}

/** Full-data loss at each of `count` parameter vectors, in chunks that bound the memory held. */
function pointLosses(tf: Tf, arch: Architecture, data: Dataset, points: Float32Array, count: number): Float64Array {
  const layout = layoutOf(arch);
  const P = layout.count;
  const widest = maxOf(arch.sizes);
  // Bound the activations held at once to about 2^22 values.
  const chunk = Math.max(1, Math.floor((1 << 22) / (data.n * widest)));
  const out = new Float64Array(count);
  const x1 = tf.tensor3d(data.x, [1, data.n, arch.sizes[0]]);
  const y1 = tf.tensor3d(data.y, [1, data.n, targetWidth(arch)]);
  try {
    for (let start = 0; start < count; start += chunk) {
      const m = Math.min(chunk, count - start);
      const loss = tf.tidy(() => {
        const p = tf.tensor2d(points.subarray(start * P, (start + m) * P), [m, P]);
        return meanLosses(tf, arch, layout, p, tf.tile(x1, [m, 1, 1]), tf.tile(y1, [m, 1, 1]));
      });
      out.set(loss.dataSync(), start);
      loss.dispose();
    }
  } finally {
    x1.dispose();
    y1.dispose();
  }
  return out;
}

function makeKernel(tf: Tf, backend: string): CpuKernel {
  return {
    name: 'tfjs',
    backend,
    trainer: async (batch) => new TfTrainer(tf, batch),
    lossesAt: async (arch, data, points, count) => pointLosses(tf, arch, data, points, count),
    losses: (arch, data, points, count) => pointLosses(tf, arch, data, points, count),
  };
}
