// The `js` kernel: fused float64 loops over typed arrays, and the tutorial network's exact piecewise sums
// (kernelChoice.ts says where it beats the compiled kernels: the tutorial network's single runs).
import type { Dataset } from './data.js';
import { JsNet, jsNetFor } from './jsNet.js';
import type { CpuKernel, Trainer, TrainerBatch } from './kernel.js';
import { layoutOf, type Architecture } from './model.js';
import { OptimizerState } from './wasmOptimizer.js';
import { isTutorialNet, TutorialNet } from './tutorialNet.js';

class JsTrainer implements Trainer {
  private readonly net: JsNet;
  /** The tutorial network's fused minibatch gradient, called directly on the hot path. */
  private readonly tutorial: TutorialNet | null;
  /** Parameters and optimizer state, in WebAssembly memory (padded per run). */
  private readonly state: OptimizerState;
  private readonly grad: Float64Array;
  private readonly frozen: Uint8Array;
  private readonly count: number;
  private t = 0;

  constructor(private readonly batch: TrainerBatch) {
    this.net = new JsNet(batch.arch);
    this.tutorial = isTutorialNet(batch.arch) ? new TutorialNet(batch.arch) : null;
    this.count = this.net.layout.count;
    const runs = batch.datasets.length;
    this.state = new OptimizerState(runs, this.count);
    this.state.setParams(batch.params);
    this.grad = new Float64Array(this.count);
    this.frozen = new Uint8Array(runs);
  }

  run(steps: number, indices: Int32Array | null): void {
    if (steps === 1) return this.step(indices, 0);
    const width = this.batch.datasets.length * this.batch.batchSize;
    for (let s = 0; s < steps; s++) this.step(indices, s * width);
  }

  /** One step; its minibatches are `indices` from `from`, [runs][batchSize]. */
  private step(indices: Int32Array | null, from: number): void {
    this.t++;
    const { datasets, hypers, batchSize } = this.batch;
    const { grad, tutorial, state, count } = this;
    const p = state.params;
    const stride = state.stride;
    for (let r = 0; r < datasets.length; r++) {
      if (this.frozen[r]) continue;
      if (tutorial && indices) tutorial.minibatch(p, r * stride, datasets[r], indices, from + r * batchSize, batchSize, grad, true);
      else {
        grad.fill(0);
        this.net.evaluate(p, r * stride, datasets[r], indices, indices ? from + r * batchSize : 0, batchSize, grad);
      }
      // Gradients are float32 from here on, as in torch.
      for (let i = 0; i < count; i++) state.grad[i] = grad[i];
      state.update(hypers[r], this.t, r);
    }
  }

  fullLosses(): Float64Array {
    const { datasets } = this.batch;
    const out = new Float64Array(datasets.length);
    const p = this.state.params;
    for (let r = 0; r < datasets.length; r++) {
      out[r] = this.net.evaluate(p, r * this.state.stride, datasets[r], null, 0, datasets[r].n, null);
    }
    return out;
  }

  params(out?: Float32Array): Float32Array {
    return this.state.compactParams(out);
  }

  freeze(run: number): void {
    this.frozen[run] = 1;
  }

  dispose(): void {}
}


function losses(arch: Architecture, data: Dataset, points: Float32Array, count: number): Float64Array {
  const net = jsNetFor(arch);
  const P = layoutOf(arch).count;
  const out = new Float64Array(count);
  for (let g = 0; g < count; g++) out[g] = net.evaluate(points, g * P, data, null, 0, data.n, null);
  return out;
}

export const jsKernel: CpuKernel = {
  name: 'js',
  backend: 'js',
  trainer: async (batch) => new JsTrainer(batch),
  lossesAt: async (arch, data, points, count) => losses(arch, data, points, count),
  losses,
};
