// The app's hidden compute window: Chromium's own WebGPU, because Electron ≥ 21 cannot read back the
// buffers of Dawn's Node binding (its memory cage). Never shown; sandboxed, context-isolated, without
// Node; in a session of its own that loads only our compute page from disk (no network at all).
// Main opens it when the gpu kernel is first asked for, and talks to it over a MessageChannelMain:
// main schedules, cancels and stores; the window computes what it is sent.
import { BrowserWindow, MessageChannelMain, session, type Session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { GpuPort } from '../lab/gpuHost.js';
import { INSTALL_ROOT } from '../platform/version.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const computeIndex = join(INSTALL_ROOT, 'dist', 'compute', 'compute.html');
const computeFolder = pathToFileURL(join(INSTALL_ROOT, 'dist', 'compute')).href + '/';

/** Whether a request is for a file of our compute page (compared decoded, and without case on Windows' drive paths). */
function ours(url: string): boolean {
  const fold = (u: string) => (process.platform === 'win32' ? decodeURI(u).toLowerCase() : decodeURI(u));
  try {
    return fold(url).startsWith(fold(computeFolder));
  } catch {
    return false;
  }
}

/** The compute window's session: in memory, every permission refused, no request but our page's files. */
function computeSession(): Session {
  const s = session.fromPartition('lab-compute', { cache: false });
  s.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  s.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !ours(details.url) }));
  return s;
}

/** The compute windows open (one at a time in practice), closed with the app's window. */
const open = new Set<() => void>();

/** Closes every compute window: the app quits when its last visible window closes. */
export function closeComputeWindows(): void {
  for (const close of [...open]) close();
}

/** Opens a compute window and gives the port its page serves the gpu kernel on. */
export async function openComputeWindow(): Promise<GpuPort> {
  const win = new BrowserWindow({
    show: false,
    width: 320,
    height: 240,
    title: 'Landscape Lab compute',
    webPreferences: {
      // Ours, sandboxed: it only hands the port to the page (reviewed, as the check asks).
      preload: join(here, 'computePreload.cjs'), /* eng-disable PRELOAD_JS_CHECK */
      session: computeSession(),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      // A hidden window's timers are throttled otherwise; the device's waits must not be.
      backgroundThrottling: false,
    },
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  try {
    // Resolves once the page's module has run, so its listener is there for the port.
    await win.loadFile(computeIndex);
  } catch (e) {
    win.destroy();
    throw e;
  }
  const { port1, port2 } = new MessageChannelMain();
  win.webContents.postMessage('lab:compute-port', null, [port2]);
  port1.start();
  const closers: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    open.delete(close);
    for (const c of closers) c();
    port1.close();
    if (!win.isDestroyed()) win.destroy();
  };
  open.add(close);
  port1.on('close', close);
  win.webContents.once('render-process-gone', close);
  win.once('closed', close);
  return {
    post: (message) => port1.postMessage(message),
    listen: (listener) => port1.on('message', (event) => listener(event.data)),
    onClose: (listener) => closers.push(listener),
    close,
  };
}
