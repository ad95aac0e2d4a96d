// Which kernel computes. `auto` keeps the fused js loops unless the work per step is large and the
// native TensorFlow backend is present (DESIGN.md: tfjs's per-op cost dominates small networks).
import type { BackendChoice, KernelChoice } from '../../shared/config.js';
import { jsKernel } from './jsKernel.js';
import type { Kernel } from './kernel.js';
import type { Architecture } from './model.js';

/** Multiply-adds per step above which `auto` prefers native TensorFlow, when it loads. */
export const NATIVE_WORK_THRESHOLD = 1e7;

export function workPerStep(arch: Architecture, runs: number, batchSize: number): number {
  let macs = 0;
  for (let l = 1; l < arch.sizes.length; l++) macs += arch.sizes[l - 1] * arch.sizes[l];
  return runs * batchSize * macs;
}

export async function selectKernel(kernel: KernelChoice, backend: BackendChoice, work: number): Promise<Kernel> {
  if (kernel === 'js') return jsKernel;
  const tfjs = await import('./tfjsKernel.js');
  if (kernel === 'tfjs' || backend !== 'auto') return tfjs.loadTfjsKernel(backend);
  if (work >= NATIVE_WORK_THRESHOLD && (await tfjs.nativeBackendAvailable())) return tfjs.loadTfjsKernel('tensorflow');
  return jsKernel;
}
