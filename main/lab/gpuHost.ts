// Where the gpu kernel runs, as the doors set it: in this process on Dawn's device (the default: the
// CLI, `serve`, tests; set when the first Lab is made), or in the desktop app's hidden compute window,
// reached over a message port.
// The Electron door opens the window and its port (main/electron/computeWindow.ts); the engine's proxy
// (engine/gpu/remote.ts) keeps the kernel contract, so the lab schedules, cancels and stores as ever.
import { gpuDeviceSourceSet, setGpuDeviceSource, setGpuKernelSource, webgpuSource } from '../engine/gpu/device.js';
import { dawnGpuOrReason } from '../platform/dawn.js';
import { remoteGpuSource, type GpuPort } from '../engine/gpu/remote.js';

export type { GpuPort };

/**
 * From now on the gpu kernel runs in a compute window: `connect` opens one (a new one after the last
 * closed or crashed) and gives its port.
 */
export function useGpuComputeWindow(connect: () => Promise<GpuPort>): void {
  setGpuKernelSource(remoteGpuSource('chromium', connect));
}

/** Devices from Dawn in this process (platform/dawn.ts), unless a source was set already (a test's). */
export function useDawnDevices(): void {
  if (!gpuDeviceSourceSet()) setGpuDeviceSource(webgpuSource('dawn', dawnGpuOrReason));
}
