// The kernels the detailed tables compare, by the names of --kernels: `auto` (the product's choice
// for each workload), `js`, `simd` (once the product has it), and the tfjs backends.
import { KERNELS, type KernelChoice } from '../shared/config.js';
import type { Kernel } from '../main/engine/kernel.js';
import { selectKernel, type Workload } from '../main/engine/kernelChoice.js';
import { loadTfjsKernel, nativeBackendAvailable } from '../main/engine/tfjsKernel.js';

export interface BenchKernel {
  label: string;
  /** The kernel for a workload (only `auto` depends on it). */
  forWork(work: Workload): Promise<Kernel>;
}

const TFJS_BACKENDS = ['wasm', 'cpu'] as const;

export async function benchKernels(wanted: readonly string[]): Promise<BenchKernel[]> {
  const out: BenchKernel[] = [];
  const fixed = (label: string, kernel: Kernel) => out.push({ label, forWork: async () => kernel });
  if (wanted.includes('auto')) out.push({ label: 'auto', forWork: (work) => selectKernel('auto', 'auto', work) });
  for (const name of ['js', 'simd']) {
    // A name the product does not know yet (simd before its kernel lands) is skipped.
    if (wanted.includes(name) && (KERNELS as readonly string[]).includes(name)) fixed(name, await selectKernel(name as KernelChoice, 'auto'));
  }
  if (await nativeBackendAvailable()) fixed('tfjs/tensorflow', await loadTfjsKernel('tensorflow'));
  for (const backend of TFJS_BACKENDS) if (wanted.includes(backend)) fixed(`tfjs/${backend}`, await loadTfjsKernel(backend));
  return out;
}
