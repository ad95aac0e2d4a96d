// Ports for the gpu kernel's protocol (main/engine/gpu/remote.ts) in tests: Node's MessageChannel
// (both ends in this process), and a bridge to a page in Chromium that plays the app's compute window.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Page } from 'playwright-core';
import type { GpuPort } from '../../main/engine/gpu/remote.js';

/** A GpuPort over one end of Node's MessageChannel. */
export function nodePort(port: MessagePort): GpuPort {
  return {
    post: (message) => port.postMessage(message),
    listen: (listener) => port.on('message', listener),
    onClose: (listener) => port.once('close', listener),
    close: () => port.close(),
  };
}

/** Both ends of a new MessageChannel as GpuPorts. */
export function nodePorts(): [GpuPort, GpuPort] {
  const { port1, port2 } = new MessageChannel();
  return [nodePort(port1), nodePort(port2)];
}

/**
 * A port to the compute page loaded in `page`: a MessageChannel made in the page, one end handed to
 * the page's script as Electron's compute preload hands it (a `lab:compute-port` window message), the
 * other driven from here. Messages cross with playwright's serializer (typed arrays included), in the
 * order they were posted. Call once per page.
 */
export async function pagePort(page: Page): Promise<GpuPort> {
  const listeners: ((message: unknown) => void)[] = [];
  await page.exposeBinding('labComputeAnswer', (_source, message: unknown) => {
    for (const l of listeners) l(message);
  });
  await page.evaluate(() => {
    const w = window as unknown as { labComputeAnswer(m: unknown): void; labComputeSend(m: unknown): void };
    // The page's MessageChannel (this runs in Chromium; the types are Node's).
    type PagePort = { postMessage(m: unknown): void; onmessage: ((event: { data: unknown }) => void) | null };
    const { port1, port2 } = new (globalThis as unknown as { MessageChannel: new () => { port1: PagePort; port2: PagePort } }).MessageChannel();
    port1.onmessage = (event) => w.labComputeAnswer(event.data);
    w.labComputeSend = (m) => port1.postMessage(m);
    (window.postMessage as (m: unknown, origin: string, transfer: unknown[]) => void)('lab:compute-port', '*', [port2]);
  });
  let sending: Promise<unknown> = Promise.resolve();
  return {
    post: (message) => {
      sending = sending.then(() => page.evaluate((m) => (window as unknown as { labComputeSend(m: unknown): void }).labComputeSend(m), message as never));
    },
    listen: (listener) => listeners.push(listener),
    onClose: (listener) => page.once('close', listener),
    close: () => undefined,
  };
}
