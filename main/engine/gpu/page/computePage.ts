// The app's hidden compute window: Chromium's own WebGPU device, serving the gpu kernel to main over a
// message port (remote.ts). The window has no UI, no Node and no network; its preload only hands over
// the port main sends (main/electron/computePreload.ts), as a `lab:compute-port` window message.
//
// The same kernel code as in Node (gpuKernel.ts, wgsl.ts) runs here: only the device's source differs.
// Bundled by vite (vite.compute.config.ts) into dist/compute/.
import { createGpuKernel } from '../gpuKernel.js';
import { DeviceKeeper, webgpuSource, type GpuHandle } from '../handle.js';
import { serveGpuKernel, type GpuPort } from '../remote.js';

/** The window message that carries main's port. */
export const PORT_MESSAGE = 'lab:compute-port';

// The few page types this module uses (main's tsconfig has no DOM library).
interface PagePort {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}
interface PageMessage {
  source: unknown;
  data: unknown;
  ports: readonly PagePort[];
}
interface Page {
  addEventListener(type: 'message', listener: (event: PageMessage) => void): void;
  navigator: { gpu?: GPU };
}

const page = globalThis as unknown as Page;

const keeper = new DeviceKeeper(webgpuSource('chromium', async () => page.navigator.gpu ?? { reason: "this window's Chromium exposes no WebGPU (navigator.gpu)" }));

async function device(): Promise<GpuHandle> {
  const h = await keeper.deviceOrReason();
  if (!('device' in h)) throw new Error(`kernel gpu: ${h.reason}`);
  return h;
}

function portOf(port: PagePort): GpuPort {
  return {
    post: (message) => port.postMessage(message),
    // Setting onmessage starts the port's queue.
    listen: (listener) => {
      port.onmessage = (event) => listener(event.data);
    },
    onClose: () => undefined,
    close: () => port.close(),
  };
}

page.addEventListener('message', (event) => {
  if (event.source !== page || event.data !== PORT_MESSAGE || !event.ports[0]) return;
  serveGpuKernel(
    portOf(event.ports[0]),
    async () => {
      const h = await keeper.deviceOrReason();
      return 'device' in h ? createGpuKernel(device) : h;
    },
    () => keeper.adapters(),
  );
});
