// Where the gpu kernel's GPUDevice comes from in this process. The kernel's host code (gpuKernel.ts)
// takes a device and knows nothing of its source; handle.ts keeps one device per process, opens a new
// one when the last was lost, and says why there is none. This module is plain Node's side of it.
//
// Two sources: in plain Node (the CLI, `serve`, the worker pool, tests) the device comes from Dawn's
// Node binding (`webgpu` on npm, main/platform/dawn.ts), which whoever starts the process sets here
// with setGpuDeviceSource: engine/ loads no native module and reads no file. In the Electron app it comes from Chromium's own
// WebGPU in a hidden compute window (Electron ≥ 21 refuses the external ArrayBuffers Dawn's read-backs
// hand out): there the same kernel code runs in the window (computePage.ts), and this process talks
// to it through a proxy kernel (remote.ts), set with setGpuKernelSource.
import { InputError } from '../../../shared/errors.js';
import { createGpuKernel } from './gpuKernel.js';
import {
  DeviceKeeper,
  type GpuAdapterInfo,
  type GpuDeviceSource,
  type GpuHandle,
  type GpuKernel,
  type GpuKernelSource,
  type NoAdapter,
} from './handle.js';

export {
  adapterInfo,
  describeAdapter,
  GpuDeviceLostError,
  type GpuAdapterInfo,
  type GpuDeviceSource,
  type GpuHandle,
  type GpuKernel,
  type GpuKernelSource,
  type GpuLimits,
  type NoAdapter,
  type OpenedDevice,
  webgpuSource,
} from './handle.js';

// ---- the device in use ----

/** Until a source is set, there is no device: the process's starter did not say where one comes from. */
const UNSET: GpuDeviceSource = {
  name: 'none',
  open: async () => ({ reason: 'no WebGPU device source was set in this process', hint: 'use kernel simd' }),
  adapters: async () => ({ reason: 'no WebGPU device source was set in this process', hint: 'use kernel simd' }),
};
const keeper = new DeviceKeeper(UNSET);
/** The app's compute window, once the Electron door has set it: the kernel runs there, not here. */
let remote: GpuKernelSource | null = null;

/**
 * Where devices come from from now on (tests simulate "no adapter" with a source that answers a
 * reason). The device in use, if any, is destroyed.
 */
export function setGpuDeviceSource(next: GpuDeviceSource): void {
  keeper.setSource(next);
}

/** Whether a device source was set in this process (a door sets Dawn's only where none was). */
export function gpuDeviceSourceSet(): boolean {
  return keeper.source !== UNSET;
}

/** Where the gpu kernel runs from now on: in another process (the app's compute window), or here again (null). */
export function setGpuKernelSource(next: GpuKernelSource | null): void {
  remote = next;
}

/** The device of this process, opened on first use and again after a loss; or why there is none. */
export function gpuDeviceOrReason(): Promise<GpuHandle | NoAdapter> {
  return keeper.deviceOrReason();
}

/** Every adapter the gpu kernel can use (`landscape-lab devices`), or why there is none. */
export function gpuAdapters(): Promise<GpuAdapterInfo[] | NoAdapter> {
  if (remote) return remote.adapters().catch((e: unknown) => ({ reason: `the compute window did not answer (${e instanceof Error ? e.message : String(e)})` }));
  return keeper.adapters();
}

/** The device of this process; throws the refusal `kernel: gpu` gets where there is none. */
export async function gpuDevice(): Promise<GpuHandle> {
  const h = await gpuDeviceOrReason();
  if (!('device' in h)) throw noAdapterError(h.reason, h.hint);
  return h;
}

/**
 * The gpu kernel: on this process's device, or the compute window's proxy where one is set. Throws
 * the refusal (an InputError) where no adapter exists.
 */
export async function loadGpuKernel(): Promise<GpuKernel> {
  if (remote) {
    const k = await remote.kernel().catch((e: unknown) => ({ reason: `the compute window did not start (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`, hint: 'use kernel simd' }));
    if (!('lossesAt' in k)) throw noAdapterError(k.reason, k.hint);
    return k;
  }
  return createGpuKernel(gpuDevice);
}

/** The one line `kernel: gpu` is refused with where no adapter exists: what is missing and what to install. */
export function noAdapterError(reason: string, hint = installHint()): InputError {
  return new InputError(`kernel gpu: ${reason}; ${hint}`);
}

function installHint(): string {
  switch (process.platform) {
    case 'linux':
      return 'install a Vulkan driver (Mesa: apt install mesa-vulkan-drivers), or use Chromium\'s software one with LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json';
    case 'darwin':
      return 'WebGPU needs Metal (macOS 11 or later)';
    case 'win32':
      return 'WebGPU needs a Direct3D 12 driver (Windows 10 or later): update the graphics driver';
    default:
      return `WebGPU has no driver on ${process.platform}; use kernel simd`;
  }
}
