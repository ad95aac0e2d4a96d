// Dawn, WebGPU's implementation for Node (`webgpu` on npm): the native module and the probe of the
// system before it loads. The engine's gpu code takes its device source from whoever starts the
// process (lab/gpuHost.ts for the doors, workers/worker.ts for the pool), so that engine/ itself never
// loads a native module or reads a file.
//
// Measured pitfall (issue 21): the object `create()` returns must stay referenced while any device
// lives (if it is collected, the process aborts), so it is kept here for the life of the process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_LIMITS, readOptionalFile } from './files.js';

/** `LANDSCAPE_LAB_WEBGPU=off` hides every adapter (tests of the refusal, and users who want none probed). */
export const WEBGPU_SWITCH = 'LANDSCAPE_LAB_WEBGPU';

/** Why there is no `GPU` here (the engine's NoAdapter). */
export interface NoDawn {
  reason: string;
  hint?: string;
}

/** The `GPU` object of Dawn's binding: kept for the life of the process (see the pitfall above). */
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
    return readOptionalFile('/etc/ld.so.cache', FILE_LIMITS.loaderCache, "the dynamic loader's cache")?.includes('libvulkan.so.1') ?? false;
  } catch {
    return false;
  }
}

/** Dawn's `GPU`, loaded once; or why it cannot be. */
export async function dawnGpuOrReason(): Promise<GPU | NoDawn> {
  if (process.env[WEBGPU_SWITCH] === 'off') return { reason: `${WEBGPU_SWITCH}=off hides the adapters` };
  if (!vulkanLoaderFound()) return { reason: 'no Vulkan loader was found (libvulkan.so.1)' };
  if (process.versions.electron) {
    return {
      reason: "in Electron, Dawn's Node binding cannot read results back",
      hint: "the app's device comes from its compute window, which did not start: use the CLI, or kernel simd",
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
