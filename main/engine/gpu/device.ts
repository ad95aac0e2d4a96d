// Where the gpu kernel's GPUDevice comes from. The kernel's host code (gpuKernel.ts) takes a device
// and knows nothing of its source; this module keeps one device per process, opens a new one when the
// last was lost, and says why there is none.
//
// Sources are pluggable: in plain Node (the CLI, `serve`, the worker pool, tests) the device comes
// from Dawn's Node binding (`webgpu` on npm, `dawnSource` below). In the Electron app it must come
// from Chromium's own WebGPU in a hidden compute window (Electron ≥ 21 refuses the external
// ArrayBuffers Dawn's read-backs hand out), through another GpuDeviceSource set with
// setGpuDeviceSource.
//
// Measured pitfalls (issue 21): the object `create()` returns must stay referenced while any device
// lives (if it is collected, the process aborts), so it is kept here for the life of the process; an
// adapter serves one device, so every new device asks for a new adapter; errors are asynchronous
// (validation errors arrive as `uncapturederror` events, a loss through `device.lost`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../shared/errors.js';

/** What an adapter is and the limits the kernel sizes its buffers and dispatches by. */
export interface GpuAdapterInfo {
  /** The source that opened it: `dawn` (Node) or, later, `chromium` (the app's compute window). */
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

/** The device in use and what became of it. */
export interface GpuHandle extends OpenedDevice {
  /** Set once the device is lost (destroyed, reset by the driver); the next gpuDevice() opens a new one. */
  lost: string | null;
  /** The first uncaptured error (a validation or out-of-memory error nobody scoped), if any. */
  uncaptured: string | null;
}

/** A device lost while it worked for a job: the job ends as failed (not cancelled: this is no AbortError). */
export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
}

// ---- Dawn, in Node ----

/** WebGPU's adapter limits the kernel asks for: as much as the adapter has, where it matters. */
const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
] as const;

/** `LANDSCAPE_LAB_WEBGPU=off` hides every adapter (tests of the refusal, and users who want none probed). */
export const WEBGPU_SWITCH = 'LANDSCAPE_LAB_WEBGPU';

/** The `GPU` object of Dawn's binding: kept for the life of the process (see the pitfalls above). */
let dawnGpu: GPU | null = null;

/** Folders the dynamic loader searches for a library on Linux: LD_LIBRARY_PATH, then the usual ones. */
function libraryFolders(): string[] {
  const given = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return [...given, '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/lib64', '/lib'];
}

/**
 * Whether Linux has a Vulkan loader for Dawn to open: looked for before Dawn loads, since Dawn says
 * its absence on stderr in two lines of its own, and a refusal is one line.
 */
function vulkanLoaderFound(): boolean {
  if (process.platform !== 'linux') return true;
  if (libraryFolders().some((dir) => existsSync(join(dir, 'libvulkan.so.1')))) return true;
  try {
    return readFileSync('/etc/ld.so.cache').includes('libvulkan.so.1');
  } catch {
    return false;
  }
}

/** Dawn's `GPU`, loaded once; or why it cannot be. */
async function dawn(): Promise<GPU | NoAdapter> {
  if (process.env[WEBGPU_SWITCH] === 'off') return { reason: `${WEBGPU_SWITCH}=off hides the adapters` };
  if (!vulkanLoaderFound()) return { reason: 'no Vulkan loader was found (libvulkan.so.1)' };
  if (process.versions.electron) {
    return {
      reason: "in Electron, Dawn's Node binding cannot read results back",
      hint: "the app's device comes from its compute window (not built yet): use the CLI, or kernel simd",
    };
  }
  if (!dawnGpu) {
    try {
      const binding = (await import('webgpu')) as { create(flags: string[]): GPU };
      dawnGpu = binding.create([]);
    } catch (e) {
      return { reason: `the webgpu package did not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
    }
  }
  return dawnGpu;
}

export const dawnSource: GpuDeviceSource = {
  name: 'dawn',
  async open() {
    const gpu = await dawn();
    if (!('requestAdapter' in gpu)) return gpu;
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { reason: 'no WebGPU adapter was found' };
    const requiredLimits: Record<string, number> = {};
    for (const name of REQUESTED_LIMITS) requiredLimits[name] = adapter.limits[name];
    const device = await adapter.requestDevice({ requiredLimits });
    return { device, info: adapterInfo('dawn', adapter, device.limits) };
  },
  async adapters() {
    const gpu = await dawn();
    if (!('requestAdapter' in gpu)) return gpu;
    // WebGPU names no list of adapters: ask for each kind there is, and keep the distinct ones.
    const options: GPURequestAdapterOptions[] = [{ powerPreference: 'high-performance' }, { powerPreference: 'low-power' }, { forceFallbackAdapter: true }];
    const found = new Map<string, GpuAdapterInfo>();
    for (const option of options) {
      const adapter = await gpu.requestAdapter(option);
      if (!adapter) continue;
      const info = adapterInfo('dawn', adapter, adapter.limits);
      found.set(`${info.vendor}|${info.architecture}|${info.device}|${info.description}`, info);
    }
    return found.size ? [...found.values()] : { reason: 'no WebGPU adapter was found' };
  },
};

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

// ---- the device in use ----

let source: GpuDeviceSource = dawnSource;
let current: Promise<GpuHandle | NoAdapter> | null = null;

/**
 * Where devices come from from now on (the app's compute window; tests simulate "no adapter" with a
 * source that answers a reason). The device in use, if any, is destroyed.
 */
export function setGpuDeviceSource(next: GpuDeviceSource): void {
  const previous = current;
  source = next;
  current = null;
  void previous?.then((h) => ('device' in h ? h.device.destroy() : undefined));
}

/** The device of this process, opened on first use and again after a loss; or why there is none. */
export function gpuDeviceOrReason(): Promise<GpuHandle | NoAdapter> {
  current ??= openHandle(source).catch((e: unknown) => ({ reason: `the adapter failed to open a device (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` }));
  const pending = current;
  // "No adapter" is not remembered: a driver installed (or a variable set) meanwhile is seen next time.
  void pending.then((h) => {
    if (!('device' in h) && current === pending) current = null;
  });
  return pending;
}

/** Every adapter the current source sees (`landscape-lab devices`), or why there is none. */
export function gpuAdapters(): Promise<GpuAdapterInfo[] | NoAdapter> {
  return source.adapters().catch((e: unknown) => ({ reason: `the adapters could not be listed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` }));
}

/** The device of this process; throws the refusal `kernel: gpu` gets where there is none. */
export async function gpuDevice(): Promise<GpuHandle> {
  const h = await gpuDeviceOrReason();
  if (!('device' in h)) throw noAdapterError(h.reason, h.hint);
  return h;
}

async function openHandle(from: GpuDeviceSource): Promise<GpuHandle | NoAdapter> {
  const opened = await from.open();
  if (!('device' in opened)) return opened;
  const handle: GpuHandle = { ...opened, lost: null, uncaptured: null };
  const mine = current;
  void opened.device.lost.then((info) => {
    handle.lost = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    if (current === mine) current = null;
  });
  opened.device.addEventListener('uncapturederror', (event) => {
    handle.uncaptured ??= (event as GPUUncapturedErrorEvent).error.message;
  });
  return handle;
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

/** One line naming the adapter, for results and `devices` listings: `google swiftshader (software)`. */
export function describeAdapter(info: GpuAdapterInfo): string {
  const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || info.description || 'unknown adapter';
  return `${name}${info.isFallbackAdapter ? ' (software)' : ''}`;
}
