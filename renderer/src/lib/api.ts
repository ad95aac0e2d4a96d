// The renderer's door to main: `window.lab` inside Electron (the preload puts it there), else the
// loopback bridge of `landscape-lab serve` over a WebSocket. Both speak the same LabApi.
import type { Channel, Imported, LabApi, LabEvent, Request, Responses, Result } from '../../../shared/api';
import { downloadBlob } from './download';
import { decodeWire, encodeWire } from '../../../shared/wire';

declare global {
  interface Window {
    lab?: LabApi;
  }
}

class BridgeClient implements LabApi {
  private socket: Promise<WebSocket>;
  private nextId = 1;
  private readonly pending = new Map<number, (r: Result<unknown>) => void>();
  private readonly listeners = new Set<(e: LabEvent) => void>();

  constructor(private readonly url: string) {
    this.socket = this.connect();
  }

  private connect(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error('cannot reach the lab: is landscape-lab serve still running?'));
      ws.onclose = () => {
        for (const done of this.pending.values()) done({ ok: false, error: { code: 'internal', message: 'the connection to the lab closed' } });
        this.pending.clear();
        this.socket = new Promise((r) => setTimeout(() => r(this.connect()), 1000));
      };
      ws.onmessage = (m) => {
        const message = decodeWire(String(m.data)) as { id?: number; result?: Result<unknown>; event?: LabEvent };
        if (message.event) for (const l of this.listeners) l(message.event);
        else if (typeof message.id === 'number') {
          this.pending.get(message.id)?.(message.result as Result<unknown>);
          this.pending.delete(message.id);
        }
      };
    });
  }

  async call<C extends Channel>(channel: C, payload: Request<C>): Promise<Result<Responses[C]>> {
    let ws: WebSocket;
    try {
      ws = await this.socket;
    } catch (e) {
      return { ok: false, error: { code: 'internal', message: (e as Error).message } };
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (r: Result<unknown>) => void);
      ws.send(encodeWire({ id, channel, payload }));
    });
  }

  onEvent(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Uploads the file to serve, which streams it to disk and imports it from there. */
  async importFile(file: File): Promise<Result<Imported>> {
    return this.fetch(`import?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file }, (r) => r.json() as Promise<Result<Imported>>);
  }

  /** Downloads the export serve writes to disk and streams. */
  async exportFile(ids: number[], fileName: string): Promise<Result<null>> {
    return this.fetch(`export?ids=${ids.join(',')}&name=${encodeURIComponent(fileName)}`, {}, async (r) => {
      downloadBlob(fileName, await r.blob());
      return { ok: true, value: null };
    });
  }

  /** A request to serve beside the page (its token is the page's cookie); a refusal's text is its error. */
  private async fetch<T>(path: string, init: RequestInit, read: (r: Response) => Promise<Result<T>>): Promise<Result<T>> {
    try {
      const r = await fetch(new URL(path, window.location.href.replace(/[?#].*$/, '')), { ...init, credentials: 'same-origin' });
      if (!r.ok) return { ok: false, error: { code: 'invalid', message: (await r.text()).trim() } };
      return await read(r);
    } catch (e) {
      return { ok: false, error: { code: 'internal', message: `cannot reach the lab: ${(e as Error).message}` } };
    }
  }
}

let api: LabApi | null = null;

export function lab(): LabApi {
  if (api) return api;
  if (window.lab) return (api = window.lab);
  const url = new URL('api', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  return (api = new BridgeClient(url.href));
}

/** Throws a failed Result's message, for code that shows it to the user. */
export function valueOf<T>(r: Result<T>): T {
  if (!r.ok) throw new LabCallError(r.error.code, r.error.message);
  return r.value;
}

/** Calls main and throws the typed error's message, for code that shows it to the user. */
export async function call<C extends Channel>(channel: C, payload: Request<C>): Promise<Responses[C]> {
  const r = await lab().call(channel, payload);
  if (!r.ok) throw new LabCallError(r.error.code, r.error.message);
  return r.value;
}

export class LabCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
