// The `gpu` kernel: WebGPU compute shaders (wgsl.ts) for any MLP the config allows, on the device
// device source provides (handle.ts: Dawn's in Node, device.ts; Chromium's in the app's compute window,
// computePage.ts). Nothing here is Node's or a page's. A trainer keeps every run's parameters and optimizer state on the device; the
// training loop's chunks of steps are queued as dispatches of many steps each, and only the loss at
// record points and the parameters at snapshots come back. Losses at many points (surfaces,
// interpolations, a run's full-data loss) take one point per workgroup.
//
// Dispatches are sized by work (DISPATCH_WORK multiply-adds at most, or one step): a dispatch that
// runs for seconds is reset by the driver on real GPUs. A lost device fails the job that was using it
// with GpuDeviceLostError; the next job opens a new device.
import { describeAdapter, type GpuKernel } from './handle.js';
import type { DeviceOf } from './gpuContext.js';
import { lossesAt, lossesOnPlane } from './gpuLosses.js';
import { GpuTrainer } from './gpuTrainer.js';

/**
 * The gpu kernel on the devices `device` gives (the one in use, a new one after a loss); throws what
 * `device` throws where there is none.
 */
export async function createGpuKernel(device: DeviceOf): Promise<GpuKernel> {
  const handle = await device();
  return {
    name: 'gpu',
    backend: `webgpu: ${describeAdapter(handle.info)}`,
    adapter: handle.info,
    trainer: (batch) => GpuTrainer.open(batch, device),
    lossesAt: (arch, data, points, count) => lossesAt(device, arch, data, points, count),
    lossesOnPlane: (arch, data, plane, alpha, beta) => lossesOnPlane(device, arch, data, plane, alpha, beta),
  };
}
