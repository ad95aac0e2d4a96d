// A client of a real serve bridge, as a page is: HTTP with its token cookie, and its WebSocket with
// calls and the job events it is sent.
import { request } from 'node:http';
import WebSocket from 'ws';
import type { JobInfo, LabEvent, Result } from '../../shared/api.js';
import { decodeWire, encodeWire } from '../../shared/wire.js';
import type { Bridge } from '../../main/bridge/server.js';

export const bridgeOrigin = (bridge: Bridge) => `http://127.0.0.1:${bridge.port}`;

/** One HTTP request to the bridge, with the page's token cookie. */
export function bridgeHttp(bridge: Bridge, path: string, o: { method?: string; body?: Buffer; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method: o.method ?? 'GET', headers: { host: `127.0.0.1:${bridge.port}`, cookie: `lab_token_${bridge.port}=${bridge.token}`, ...o.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A page's socket: calls, and every job event it is sent. */
export async function bridgePage(bridge: Bridge) {
  const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/api?token=${bridge.token}`, { headers: { origin: bridgeOrigin(bridge) } });
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const jobListeners = new Set<(job: JobInfo) => void>();
  let nextId = 1;
  ws.on('message', (data) => {
    const m = decodeWire(String(data)) as { id?: number; result?: Result<unknown>; event?: LabEvent };
    if (m.event?.type === 'job') for (const l of jobListeners) l(m.event.job);
    else if (typeof m.id === 'number') pending.get(m.id)?.(m.result as Result<unknown>);
  });
  return {
    call(channel: string, payload: unknown = {}): Promise<Result<unknown>> {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(encodeWire({ id, channel, payload }));
      });
    },
    /** Resolves with the first job event that `test` accepts. */
    job(test: (job: JobInfo) => boolean): Promise<JobInfo> {
      return new Promise((resolve) => {
        const l = (job: JobInfo) => {
          if (!test(job)) return;
          jobListeners.delete(l);
          resolve(job);
        };
        jobListeners.add(l);
      });
    },
    close: () => ws.close(),
  };
}
