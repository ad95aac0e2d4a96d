// The compute window's preload: hands the message port main sends (MessageChannelMain) to the page's
// own world, and exposes nothing else. The page (main/engine/gpu/page/computePage.ts) serves the gpu
// kernel on it. Sandboxed, so bundled to one CommonJS file (scripts/bundle.mjs).
import { ipcRenderer } from 'electron';

/** The window message that carries the port (computePage.ts listens for it). */
const PORT_MESSAGE = 'lab:compute-port';

ipcRenderer.once(PORT_MESSAGE, (event) => {
  // A MessagePort crosses from the isolated world to the page's only by window.postMessage.
  (globalThis as unknown as { postMessage(message: unknown, origin: string, transfer: unknown[]): void }).postMessage(PORT_MESSAGE, '*', event.ports);
});
