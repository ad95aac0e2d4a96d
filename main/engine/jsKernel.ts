// The `js` kernel: fused loops over typed arrays (see DESIGN.md for why it wins on small networks).
import type { Dataset } from './data.js';
import { JsNet } from './jsNet.js';
import type { Kernel, Trainer, TrainerBatch } from './kernel.js';
import { layoutOf, type Architecture } from './model.js';
import { applyUpdate, stateSlots } from './optimizers.js';
import { isTutorialNet, TutorialNet } from './tutorialNet.js';

class JsTrainer implements Trainer {
  private readonly net: JsNet;
  /** The tutorial network's fused minibatch gradient, called directly on the hot path. */
  private readonly tutorial: TutorialNet | null;
  private readonly p: Float32Array;
  private readonly first: Float32Array;
  private readonly second: Float32Array;
  private readonly grad: Float64Array;
  private readonly frozen: Uint8Array;
  private readonly count: number;
  private t = 0;

  constructor(private readonly batch: TrainerBatch) {
    this.net = new JsNet(batch.arch);
    this.tutorial = isTutorialNet(batch.arch) ? new TutorialNet(batch.arch) : null;
    this.count = this.net.layout.count;
    this.p = Float32Array.from(batch.params);
    const runs = batch.datasets.length;
    const slots = stateSlots(batch.hypers[0].kind);
    this.first = new Float32Array(slots.first ? runs * this.count : 0);
    this.second = new Float32Array(slots.second ? runs * this.count : 0);
    this.grad = new Float64Array(this.count);
    this.frozen = new Uint8Array(runs);
  }

  step(indices: Int32Array | null): void {
    this.t++;
    const { datasets, hypers, batchSize } = this.batch;
    const P = this.count;
    const { p, grad, tutorial } = this;
    for (let r = 0; r < datasets.length; r++) {
      if (this.frozen[r]) continue;
      if (tutorial && indices) tutorial.minibatch(p, r * P, datasets[r], indices, r * batchSize, batchSize, grad, true);
      else {
        grad.fill(0);
        this.net.evaluate(p, r * P, datasets[r], indices, indices ? r * batchSize : 0, batchSize, grad);
      }
      applyUpdate(hypers[r], this.t, p, this.first, this.second, r * P, grad, P);
    }
  }

  fullLosses(): Float64Array {
    const { datasets } = this.batch;
    const out = new Float64Array(datasets.length);
    for (let r = 0; r < datasets.length; r++) {
      out[r] = this.net.evaluate(this.p, r * this.count, datasets[r], null, 0, datasets[r].n, null);
    }
    return out;
  }

  params(): Float32Array {
    return this.p.slice();
  }

  freeze(run: number): void {
    this.frozen[run] = 1;
  }

  dispose(): void {}
}

export const jsKernel: Kernel = {
  name: 'js',
  backend: 'js',
  trainer: (batch) => new JsTrainer(batch),
  losses(arch: Architecture, data: Dataset, points: Float32Array, count: number): Float64Array {
    const net = new JsNet(arch);
    const P = layoutOf(arch).count;
    const out = new Float64Array(count);
    for (let g = 0; g < count; g++) out[g] = net.evaluate(points, g * P, data, null, 0, data.n, null);
    return out;
  },
};
