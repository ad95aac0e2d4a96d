// `landscape-lab serve`: the lab in a browser. Opens the database, starts the worker pool and the
// loopback bridge, prints the URL (with its token) and runs until interrupted.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { INSTALL_ROOT } from '../platform/version.js';
import { InputError } from '../../shared/config.js';
import { LabChannels } from '../lab/channels.js';
import { Lab } from '../lab/lab.js';
import { startBridge } from './server.js';

/** The built renderer: dist/renderer, whether this runs from dist/ or (tests) from the sources. */
export const RENDERER_ROOT = join(INSTALL_ROOT, 'dist', 'renderer');

function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  spawn(command, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
}

export async function serve(options: { db: string; init?: boolean; port: number; open: boolean; signal: AbortSignal; out: (s: string) => void }): Promise<number> {
  const lab = Lab.open({ db: options.db, init: options.init, startWorkers: 'now' });
  try {
    void lab.store; // a database it cannot open is refused before the server starts
  } catch (e) {
    await lab.close();
    throw e;
  }
  const channels = new LabChannels(lab, 'browser');
  let bridge;
  // Until the bridge listens, the only thing it could log is its failure to listen, which is
  // reported once, below, as the command's one line.
  let listening = false;
  const log = (line: string) => {
    if (listening) process.stderr.write(`${line}\n`);
  };
  try {
    bridge = await startBridge({ channels, root: RENDERER_ROOT, port: options.port, log });
    listening = true;
  } catch (e) {
    await lab.close();
    const code = (e as NodeJS.ErrnoException).code;
    // A port another program holds (or one this user may not bind) is bad input, not a crash.
    if (code === 'EADDRINUSE') throw new InputError(`--port: ${options.port} is already in use on 127.0.0.1; choose another, or omit --port for a free one`);
    if (code === 'EACCES') throw new InputError(`--port: ${options.port} needs privileges this user does not have; choose one above 1023`);
    throw e;
  }
  options.out(`Landscape Lab is serving ${options.db}\nopen ${bridge.url}\n(only this machine can connect; the token in the URL is required; Ctrl+C stops)`);
  if (options.open) openBrowser(bridge.url);
  await new Promise<void>((resolve) => options.signal.addEventListener('abort', () => resolve(), { once: true }));
  await bridge.close();
  await lab.close();
  return 0;
}
