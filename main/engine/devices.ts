// What can compute on this machine: its cores, WebAssembly SIMD (the simd kernel), the TensorFlow.js
// backends that load, and each WebGPU adapter with the limits the gpu kernel sizes its work by.
import { availableParallelism } from 'node:os';
import type { BackendChoice } from '../../shared/configRules.js';
import { describeAdapter, gpuAdapters, type GpuAdapterInfo } from './gpu/device.js';

export interface DeviceReport {
  cores: number;
  /** The simd kernel's compiled module loads (WebAssembly SIMD). */
  simd: { available: boolean; reason?: string };
  /** Each TensorFlow.js backend: whether it loads here, and why not. */
  tfjs: { backend: Exclude<BackendChoice, 'auto'>; available: boolean; reason?: string }[];
  /** The WebGPU adapters there are (a software one too), or why there are none. */
  webgpu: { adapters: (GpuAdapterInfo & { name: string })[] } | { reason: string };
}

const TFJS_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

function why(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

async function simd(): Promise<DeviceReport['simd']> {
  try {
    const { simdKernel } = await import('./simdKernel.js');
    await simdKernel.lossesAt({ sizes: [1, 1, 1], activations: ['relu'], output: 'linear', loss: 'l2' }, { x: Float32Array.of(0), y: Float32Array.of(0), n: 1, dIn: 1 }, new Float32Array(4), 1);
    return { available: true };
  } catch (e) {
    return { available: false, reason: why(e) };
  }
}

async function tfjs(): Promise<DeviceReport['tfjs']> {
  const { loadTfjsKernel } = await import('./tfjsKernel.js');
  const found: DeviceReport['tfjs'] = [];
  for (const backend of TFJS_BACKENDS) {
    try {
      await loadTfjsKernel(backend);
      found.push({ backend, available: true });
    } catch (e) {
      found.push({ backend, available: false, reason: backend === 'tensorflow' ? 'native TensorFlow did not load (@tensorflow/tfjs-node-gpu and libtensorflow with CUDA)' : why(e) });
    }
  }
  return found;
}

/**
 * What can compute here. `tfjs: false` leaves the tfjs backends out (an empty list): loading tfjs to
 * try them takes half a second of the caller's thread, which the app's main thread cannot give.
 */
export async function deviceReport(o: { tfjs?: boolean } = {}): Promise<DeviceReport> {
  const adapters = await gpuAdapters();
  return {
    cores: availableParallelism(),
    simd: await simd(),
    tfjs: o.tfjs === false ? [] : await tfjs(),
    webgpu: Array.isArray(adapters) ? { adapters: adapters.map((a) => ({ ...a, name: describeAdapter(a) })) } : { reason: adapters.reason },
  };
}
