// The `tfjs` kernel: the same math as jsNet.ts and optimizers.ts, written as tensor ops over a batch
// of runs ([runs, …] on every tensor), on the best tfjs backend present: `tensorflow` (through
// @tensorflow/tfjs-node-gpu, with CUDA where it loads, or @tensorflow/tfjs-node), else `wasm`, else `cpu`.
// Arithmetic is float32 throughout, where the js kernel accumulates in float64.
import type * as TF from '@tensorflow/tfjs-core';
import type { BackendChoice } from '../../shared/config.js';
import type { Dataset } from './data.js';
import type { Kernel, Trainer, TrainerBatch } from './kernel.js';
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

export async function loadTfjsKernel(choice: BackendChoice = 'auto'): Promise<Kernel> {
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

interface Forward {
  /** Pre-activations and activations per layer (index 0: the input). */
  z: Tensor[];
  a: Tensor[];
}

function makeKernel(tf: Tf, backend: string): Kernel {
  const layerViews = (params: Tensor, layout: Layout) =>
    layout.layers.map(({ fanIn, fanOut, w, b }) => ({
      W: tf.reshape(tf.slice(params, [0, w], [-1, fanIn * fanOut]), [-1, fanIn, fanOut]),
      b: tf.reshape(tf.slice(params, [0, b], [-1, fanOut]), [-1, 1, fanOut]),
    }));

  const activate = (kind: string, z: Tensor): Tensor =>
    kind === 'relu' ? tf.relu(z) : kind === 'tanh' ? tf.tanh(z) : kind === 'sigmoid' ? tf.sigmoid(z) : z;

  // ReLU′(0) = 1, as in jsNet.ts (tfjs's own relu gradient uses 0).
  const slope = (kind: string, z: Tensor, a: Tensor): Tensor | null =>
    kind === 'relu'
      ? tf.cast(tf.greaterEqual(z, 0), 'float32')
      : kind === 'tanh'
        ? tf.sub(1, tf.square(a))
        : kind === 'sigmoid'
          ? tf.mul(a, tf.sub(1, a))
          : null;

  const forward = (arch: Architecture, views: ReturnType<typeof layerViews>, x: Tensor): Forward => {
    const z: Tensor[] = [x];
    const a: Tensor[] = [x];
    views.forEach(({ W, b }, l) => {
      const zl = tf.add(tf.matMul(a[l], W), b);
      z.push(zl);
      a.push(l < views.length - 1 ? activate(arch.activations[l], zl) : zl);
    });
    return { z, a };
  };

  /** Per-run mean loss [R] and d(mean loss)/dz of the output layer [R, B, dOut]. */
  const outputLoss = (arch: Architecture, zOut: Tensor, y: Tensor, wantDelta: boolean) => {
    const [, count, dOut] = zOut.shape as [number, number, number];
    if (arch.output === 'softmax') {
      const labels = tf.oneHot(tf.cast(tf.reshape(y, [-1, count]), 'int32'), dOut);
      const logSum = tf.logSumExp(zOut, -1, true);
      const loss = tf.mean(tf.sub(tf.squeeze(logSum, [2]), tf.sum(tf.mul(zOut, labels), -1)), 1);
      const delta = wantDelta ? tf.div(tf.sub(tf.exp(tf.sub(zOut, logSum)), labels), count) : null;
      return { loss, delta };
    }
    const scale = 1 / (count * dOut);
    if (arch.loss === 'nll') {
      const per = tf.add(tf.sub(tf.relu(zOut), tf.mul(y, zOut)), tf.log1p(tf.exp(tf.neg(tf.abs(zOut)))));
      const loss = tf.mean(tf.reshape(per, [-1, count * dOut]), 1);
      const delta = wantDelta ? tf.mul(tf.sub(tf.sigmoid(zOut), y), scale) : null;
      return { loss, delta };
    }
    const out = arch.output === 'sigmoid' ? tf.sigmoid(zOut) : zOut;
    const e = tf.sub(out, y);
    const per = arch.loss === 'l2' ? tf.square(e) : tf.abs(e);
    const loss = tf.mean(tf.reshape(per, [-1, count * dOut]), 1);
    let delta: Tensor | null = null;
    if (wantDelta) {
      delta = arch.loss === 'l2' ? tf.mul(e, 2 * scale) : tf.mul(tf.sign(e), scale);
      if (arch.output === 'sigmoid') delta = tf.mul(delta, tf.mul(out, tf.sub(1, out)));
    }
    return { loss, delta };
  };

  /** Gradient of each run's mean loss, flat [R, P] in the parameter layout. */
  const gradient = (arch: Architecture, layout: Layout, params: Tensor, x: Tensor, y: Tensor): Tensor => {
    const views = layerViews(params, layout);
    const f = forward(arch, views, x);
    let delta = outputLoss(arch, f.z[f.z.length - 1], y, true).delta as Tensor;
    const pieces: Tensor[] = [];
    for (let l = views.length - 1; l >= 0; l--) {
      const { fanIn, fanOut } = layout.layers[l];
      pieces[2 * l] = tf.reshape(tf.matMul(f.a[l], delta, true, false), [-1, fanIn * fanOut]);
      pieces[2 * l + 1] = tf.sum(delta, 1);
      if (l > 0) {
        const back = tf.matMul(delta, views[l].W, false, true);
        const g = slope(arch.activations[l - 1], f.z[l], f.a[l]);
        delta = g ? tf.mul(back, g) : back;
      }
    }
    return tf.concat(pieces, 1);
  };

  const stack = (datasets: readonly Dataset[], pick: (d: Dataset) => Float32Array, width: number) => {
    const n = datasets[0].n;
    const flat = new Float32Array(datasets.length * n * width);
    datasets.forEach((d, r) => flat.set(pick(d), r * n * width));
    return tf.tensor3d(flat, [datasets.length, n, width]);
  };

  class TfTrainer implements Trainer {
    private readonly layout: Layout;
    private p: Tensor;
    private first: Tensor | null;
    private second: Tensor | null;
    private readonly x: Tensor;
    private readonly y: Tensor;
    private readonly hyper: Record<'lr' | 'momentum' | 'rho' | 'beta1' | 'beta2' | 'eps', Tensor>;
    private readonly hypers: readonly Hyper[];
    private activeMask: Tensor | null = null;
    private readonly frozen: Uint8Array;
    private t = 0;

    constructor(private readonly batch: TrainerBatch) {
      const { arch, datasets, params, hypers } = batch;
      const R = datasets.length;
      this.layout = layoutOf(arch);
      const P = this.layout.count;
      this.p = tf.tensor2d(params, [R, P]);
      const slots = stateSlots(hypers[0].kind);
      this.first = slots.first ? tf.zeros([R, P]) : null;
      this.second = slots.second ? tf.zeros([R, P]) : null;
      this.x = stack(datasets, (d) => d.x, arch.sizes[0]);
      const dY = arch.output === 'softmax' ? 1 : arch.sizes[arch.sizes.length - 1];
      this.y = stack(datasets, (d) => d.y, dY);
      const column = (key: keyof Omit<Hyper, 'kind'>) => tf.tensor2d(hypers.map((h) => h[key]), [R, 1]);
      this.hyper = {
        lr: column('lr'),
        momentum: column('momentum'),
        rho: column('rho'),
        beta1: column('beta1'),
        beta2: column('beta2'),
        eps: column('eps'),
      };
      this.hypers = hypers;
      this.frozen = new Uint8Array(R);
    }

    step(indices: Int32Array | null): void {
      this.t++;
      const { arch, batchSize, datasets } = this.batch;
      const R = datasets.length;
      type Next = { p: Tensor; first: Tensor | null; second: Tensor | null };
      // tidy keeps the tensors of the returned object (its null slots are skipped).
      const next = tf.tidy((): TF.TensorContainer => {
        let x = this.x;
        let y = this.y;
        if (indices) {
          // Rows of the flattened [R·n, width] data: run r's row i is r·n + i. (A plain gather; the
          // wasm backend's batched gather fails on large batches.)
          const n = datasets[0].n;
          const flat = new Int32Array(indices.length);
          for (let k = 0; k < indices.length; k++) flat[k] = Math.floor(k / batchSize) * n + indices[k];
          const idx = tf.tensor1d(flat, 'int32');
          x = tf.reshape(tf.gather(tf.reshape(this.x, [R * n, -1]), idx), [R, batchSize, -1]);
          y = tf.reshape(tf.gather(tf.reshape(this.y, [R * n, -1]), idx), [R, batchSize, -1]);
        }
        const g = gradient(arch, this.layout, this.p, x, y);
        const { p, first, second } = this.update(g);
        const keep = this.activeMask;
        return {
          p: keep ? tf.where(keep, p, this.p) : p,
          first: first && keep && this.first ? tf.where(keep, first, this.first) : first,
          second: second && keep && this.second ? tf.where(keep, second, this.second) : second,
        } as Next as unknown as TF.TensorContainer;
      }) as unknown as Next;
      this.p.dispose();
      this.first?.dispose();
      this.second?.dispose();
      this.p = next.p;
      this.first = next.first;
      this.second = next.second;
    }

    private update(g: Tensor): { p: Tensor; first: Tensor | null; second: Tensor | null } {
      const { lr, momentum, rho, beta1, beta2, eps } = this.hyper;
      const p = this.p;
      switch (this.hypers[0].kind) {
        case 'sgd':
          return { p: tf.sub(p, tf.mul(lr, g)), first: null, second: null };
        case 'momentum': {
          const b = tf.add(tf.mul(momentum, this.first as Tensor), g);
          return { p: tf.sub(p, tf.mul(lr, b)), first: b, second: null };
        }
        case 'rmsprop': {
          const v = tf.add(tf.mul(rho, this.second as Tensor), tf.mul(tf.sub(1, rho), tf.square(g)));
          return { p: tf.sub(p, tf.div(tf.mul(lr, g), tf.add(tf.sqrt(v), eps))), first: null, second: v };
        }
        case 'momentum-rmsprop': {
          const v = tf.add(tf.mul(rho, this.second as Tensor), tf.mul(tf.sub(1, rho), tf.square(g)));
          const b = tf.add(tf.mul(momentum, this.first as Tensor), tf.div(g, tf.add(tf.sqrt(v), eps)));
          return { p: tf.sub(p, tf.mul(lr, b)), first: b, second: v };
        }
        case 'adam': {
          const m = tf.add(tf.mul(beta1, this.first as Tensor), tf.mul(tf.sub(1, beta1), g));
          const v = tf.add(tf.mul(beta2, this.second as Tensor), tf.mul(tf.sub(1, beta2), tf.square(g)));
          const R = this.hypers.length;
          const stepSize = tf.tensor2d(this.hypers.map((h) => h.lr / (1 - h.beta1 ** this.t)), [R, 1]);
          const bc2Sqrt = tf.tensor2d(this.hypers.map((h) => Math.sqrt(1 - h.beta2 ** this.t)), [R, 1]);
          const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
          return { p: tf.sub(p, tf.div(tf.mul(stepSize, m), denom)), first: m, second: v };
        }
      }
    }

    fullLosses(): Float64Array {
      const loss = tf.tidy(() => {
        const f = forward(this.batch.arch, layerViews(this.p, this.layout), this.x);
        return outputLoss(this.batch.arch, f.z[f.z.length - 1], this.y, false).loss;
      });
      const out = Float64Array.from(loss.dataSync());
      loss.dispose();
      return out;
    }

    params(): Float32Array {
      return Float32Array.from(this.p.dataSync());
    }

    freeze(run: number): void {
      this.frozen[run] = 1;
      this.activeMask?.dispose();
      const P = this.layout.count;
      const mask = new Uint8Array(this.frozen.length * P);
      for (let r = 0; r < this.frozen.length; r++) if (!this.frozen[r]) mask.fill(1, r * P, (r + 1) * P);
      this.activeMask = tf.tensor2d(mask, [this.frozen.length, P], 'bool');
    }

    dispose(): void {
      tf.dispose([this.p, this.x, this.y, ...Object.values(this.hyper)]);
      if (this.first) this.first.dispose();
      if (this.second) this.second.dispose();
      this.activeMask?.dispose();
    }
  }

  return {
    name: 'tfjs',
    backend,
    trainer: (batch) => new TfTrainer(batch),
    losses(arch: Architecture, data: Dataset, points: Float32Array, count: number): Float64Array {
      const layout = layoutOf(arch);
      const P = layout.count;
      const widest = Math.max(...arch.sizes);
      // Bound the activations held at once to about 2^22 values.
      const chunk = Math.max(1, Math.floor((1 << 22) / (data.n * widest)));
      const out = new Float64Array(count);
      const dY = arch.output === 'softmax' ? 1 : arch.sizes[arch.sizes.length - 1];
      const x1 = tf.tensor3d(data.x, [1, data.n, arch.sizes[0]]);
      const y1 = tf.tensor3d(data.y, [1, data.n, dY]);
      try {
        for (let start = 0; start < count; start += chunk) {
          const m = Math.min(chunk, count - start);
          const loss = tf.tidy(() => {
            const p = tf.tensor2d(points.subarray(start * P, (start + m) * P), [m, P]);
            const x = tf.tile(x1, [m, 1, 1]);
            const y = tf.tile(y1, [m, 1, 1]);
            const f = forward(arch, layerViews(p, layout), x);
            return outputLoss(arch, f.z[f.z.length - 1], y, false).loss;
          });
          out.set(loss.dataSync(), start);
          loss.dispose();
        }
      } finally {
        x1.dispose();
        y1.dispose();
      }
      return out;
    },
  };
}
