// What the gpu kernel needs of a device, wherever the device comes from. Nothing here is Node's or a
// page's: the same code keeps the device in plain Node (Dawn's `webgpu` binding, device.ts) and in the
// app's hidden compute window (Chromium's own WebGPU, computePage.ts). Each side gives its `GPU`
// object to webgpuSource and keeps one DeviceKeeper.
//
// Measured pitfalls (issue 21): an adapter serves one device, so every new device asks for a new
// adapter; errors are asynchronous (validation errors arrive as `uncapturederror` events, a loss
// through `device.lost`).
import type { Kernel } from '../kernel.js';

/** What an adapter is and the limits the kernel sizes its buffers and dispatches by. */
export interface GpuAdapterInfo {
  /** The source that opened it: `dawn` (Node) or `chromium` (the app's compute window). */
  source: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software adapter (SwiftShader, WARP, llvmpipe): correct but slow; never `auto`'s choice. */
  isFallbackAdapter: boolean;
  limits: GpuLimits;
}

export interface GpuLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBuffersPerShaderStage: number;
}

export interface OpenedDevice {
  device: GPUDevice;
  info: GpuAdapterInfo;
}

/** Why there is no device: one sentence, without the installation hint (noAdapterError adds it). */
export interface NoAdapter {
  reason: string;
  /** What to do instead of installing a driver, where that would not help. */
  hint?: string;
}

/** Opens a new device on the best adapter of its kind each time it is called, or says why it cannot. */
export interface GpuDeviceSource {
  readonly name: string;
  open(): Promise<OpenedDevice | NoAdapter>;
  /** Every adapter it can see (for `landscape-lab devices`), with the limits each offers; opens no device. */
  adapters(): Promise<GpuAdapterInfo[] | NoAdapter>;
}

/**
 * A source whose device lives in another process (the app's compute window): it lends the gpu kernel
 * running there, through a proxy with the same contract, instead of a device.
 */
export interface GpuKernelSource {
  readonly name: string;
  kernel(): Promise<GpuKernel | NoAdapter>;
  adapters(): Promise<GpuAdapterInfo[] | NoAdapter>;
}

/** The gpu kernel, with the adapter it computes on (what results and `auto` look at). */
export interface GpuKernel extends Kernel {
  readonly adapter: GpuAdapterInfo;
}

/** The device in use and what became of it. */
export interface GpuHandle extends OpenedDevice {
  /** Set once the device is lost (destroyed, reset by the driver); the next device() opens a new one. */
  lost: string | null;
  /** The first uncaptured error (a validation or out-of-memory error nobody scoped), if any. */
  uncaptured: string | null;
}

/** A device lost while it worked for a job: the job ends as failed (not cancelled: this is no AbortError). */
export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
}

/** WebGPU's adapter limits the kernel asks for: as much as the adapter has, where it matters. */
const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
] as const;

/** A device source over a WebGPU `GPU` object (Dawn's in Node, `navigator.gpu` in a page), or the reason there is none. */
export function webgpuSource(name: string, gpuOrReason: () => Promise<GPU | NoAdapter>): GpuDeviceSource {
  return {
    name,
    async open() {
      const gpu = await gpuOrReason();
      if (!('requestAdapter' in gpu)) return gpu;
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) return { reason: 'no WebGPU adapter was found' };
      const requiredLimits: Record<string, number> = {};
      for (const limit of REQUESTED_LIMITS) requiredLimits[limit] = adapter.limits[limit];
      const device = await adapter.requestDevice({ requiredLimits });
      return { device, info: adapterInfo(name, adapter, device.limits) };
    },
    async adapters() {
      const gpu = await gpuOrReason();
      if (!('requestAdapter' in gpu)) return gpu;
      // WebGPU names no list of adapters: ask for each kind there is, and keep the distinct ones.
      const options: GPURequestAdapterOptions[] = [{ powerPreference: 'high-performance' }, { powerPreference: 'low-power' }, { forceFallbackAdapter: true }];
      const found = new Map<string, GpuAdapterInfo>();
      for (const option of options) {
        const adapter = await gpu.requestAdapter(option);
        if (!adapter) continue;
        const info = adapterInfo(name, adapter, adapter.limits);
        found.set(`${info.vendor}|${info.architecture}|${info.device}|${info.description}`, info);
      }
      return found.size ? [...found.values()] : { reason: 'no WebGPU adapter was found' };
    },
  };
}

/** The adapter's description and the limits given: a device's (what was granted) or the adapter's own. */
export function adapterInfo(source: string, adapter: GPUAdapter, l: GPUSupportedLimits): GpuAdapterInfo {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    source,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    // Older implementations had the flag on the adapter, newer ones on its info.
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    limits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  };
}

/** One line naming the adapter, for results and `devices` listings: `google swiftshader (software)`. */
export function describeAdapter(info: GpuAdapterInfo): string {
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || info.description || 'unknown adapter';
  return `${name}${info.isFallbackAdapter ? ' (software)' : ''}`;
}

function firstLine(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

/** One device at a time from a source: opened on first use and again after a loss. */
export class DeviceKeeper {
  private current: Promise<GpuHandle | NoAdapter> | null = null;

  constructor(private from: GpuDeviceSource) {}

  get source(): GpuDeviceSource {
    return this.from;
  }

  /** Where devices come from from now on; the device in use, if any, is destroyed. */
  setSource(next: GpuDeviceSource): void {
    const previous = this.current;
    this.from = next;
    this.current = null;
    void previous?.then((h) => ('device' in h ? h.device.destroy() : undefined));
  }

  /** The device, opened on first use and again after a loss; or why there is none. */
  deviceOrReason(): Promise<GpuHandle | NoAdapter> {
    this.current ??= this.open().catch((e: unknown) => ({ reason: `the adapter failed to open a device (${firstLine(e)})` }));
    const pending = this.current;
    // "No adapter" is not remembered: a driver installed (or a variable set) meanwhile is seen next time.
    void pending.then((h) => {
      if (!('device' in h) && this.current === pending) this.current = null;
    });
    return pending;
  }

  /** Every adapter the source sees, or why there is none. */
  adapters(): Promise<GpuAdapterInfo[] | NoAdapter> {
    return this.from.adapters().catch((e: unknown) => ({ reason: `the adapters could not be listed (${firstLine(e)})` }));
  }

  private async open(): Promise<GpuHandle | NoAdapter> {
    const opened = await this.from.open();
    if (!('device' in opened)) return opened;
    const handle: GpuHandle = { ...opened, lost: null, uncaptured: null };
    const mine = this.current;
    void opened.device.lost.then((info) => {
      handle.lost = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
      if (this.current === mine) this.current = null;
    });
    opened.device.addEventListener('uncapturederror', (event) => {
      handle.uncaptured ??= (event as GPUUncapturedErrorEvent).error.message;
    });
    return handle;
  }
}
