// Optimizer state of a batch of runs in WebAssembly memory, updated by the float32 SIMD rules of
// wasm/optimizers.wat (torch.optim's arithmetic, in torch's precision). Each run's parameters,
// moments and the gradient are padded to a multiple of 4 values so the SIMD loops need no tail.
import type { Hyper } from './optimizers.js';
import { WASM_BASE64 } from './wasm/optimizers.wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  sgd(p: number, g: number, n: number, lr: number): void;
  momentum(p: number, b: number, g: number, n: number, lr: number, mu: number): void;
  rmsprop(p: number, b: number, v: number, g: number, n: number, lr: number, mu: number, rho: number, eps: number): void;
  adam(p: number, m: number, v: number, g: number, n: number, b1: number, b2: number, stepSize: number, bc2Sqrt: number, eps: number): void;
}

let compiled: WebAssembly.Module | null = null;

function instance(): Exports {
  compiled ??= new WebAssembly.Module(Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0)));
  return new WebAssembly.Instance(compiled, {}).exports as unknown as Exports;
}

const PAGE = 65536;

export class OptimizerState {
  /** Values per run in memory: P rounded up to a multiple of 4. */
  readonly stride: number;
  /** Parameters, [runs][stride]; the padding stays 0. */
  readonly params: Float32Array;
  /** The gradient the next update applies, [stride]. */
  readonly grad: Float32Array;
  private readonly wasm: Exports;
  private readonly offsets: { p: number; first: number; second: number; grad: number };
  /** Adam's bias corrections for the last (lr, β1, β2, t) seen: runs of a batch usually share them. */
  private corrections = { lr: NaN, beta1: NaN, beta2: NaN, t: NaN, stepSize: 0, bc2Sqrt: 0 };

  constructor(
    readonly runs: number,
    readonly count: number,
  ) {
    this.stride = Math.ceil(count / 4) * 4;
    const bytesPerArray = runs * this.stride * 4;
    const total = 3 * bytesPerArray + this.stride * 4;
    if (total > 2 ** 31) {
      throw new Error(`the js kernel holds at most 2 GiB of optimizer state; ${runs} runs × ${count} parameters need ${Math.ceil(total / 2 ** 30)} GiB (use the tfjs kernel)`);
    }
    this.wasm = instance();
    const have = this.wasm.memory.buffer.byteLength;
    if (total > have) this.wasm.memory.grow(Math.ceil((total - have) / PAGE));
    this.offsets = { p: 0, first: bytesPerArray, second: 2 * bytesPerArray, grad: 3 * bytesPerArray };
    const buffer = this.wasm.memory.buffer;
    this.params = new Float32Array(buffer, this.offsets.p, runs * this.stride);
    this.grad = new Float32Array(buffer, this.offsets.grad, this.stride);
  }

  /** Copies compact parameters, [runs][count], into the padded layout. */
  setParams(flat: Float32Array): void {
    for (let r = 0; r < this.runs; r++) this.params.set(flat.subarray(r * this.count, (r + 1) * this.count), r * this.stride);
  }

  /** The parameters, compact: [runs][count]. */
  compactParams(out: Float32Array = new Float32Array(this.runs * this.count)): Float32Array {
    for (let r = 0; r < this.runs; r++) out.set(this.params.subarray(r * this.stride, r * this.stride + this.count), r * this.count);
    return out;
  }

  /** Applies `grad` to run `run` with the rule of `h`, at step t (from 1). */
  update(h: Hyper, t: number, run: number): void {
    const at = run * this.stride * 4;
    const { p, first, second, grad } = this.offsets;
    const n = this.stride;
    switch (h.kind) {
      case 'sgd':
        return this.wasm.sgd(p + at, grad, n, h.lr);
      case 'momentum':
        return this.wasm.momentum(p + at, first + at, grad, n, h.lr, h.momentum);
      case 'rmsprop':
        return this.wasm.rmsprop(p + at, first + at, second + at, grad, n, h.lr, 0, h.rho, h.eps);
      case 'momentum-rmsprop':
        return this.wasm.rmsprop(p + at, first + at, second + at, grad, n, h.lr, h.momentum, h.rho, h.eps);
      case 'adam': {
        const c = this.corrections;
        if (c.t !== t || c.lr !== h.lr || c.beta1 !== h.beta1 || c.beta2 !== h.beta2) {
          this.corrections = { lr: h.lr, beta1: h.beta1, beta2: h.beta2, t, stepSize: h.lr / (1 - h.beta1 ** t), bc2Sqrt: Math.sqrt(1 - h.beta2 ** t) };
        }
        return this.wasm.adam(p + at, first + at, second + at, grad, n, h.beta1, h.beta2, this.corrections.stepSize, this.corrections.bc2Sqrt, h.eps);
      }
    }
  }
}
