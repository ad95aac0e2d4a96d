// The browser bridge of `landscape-lab serve`, attacked as the issue lists: no token, a wrong token,
// a foreign Origin or Host, oversized and malformed messages — each refused, the server still serving
// afterwards — and a payload that fails validation never reaching the façade. Real server, real
// service, real database, real sockets.
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { JobInfo, LabEvent, Result } from '../../shared/api.js';
import { decodeWire, encodeWire } from '../../shared/wire.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { RENDERER_ROOT } from '../../main/bridge/serve.js';
import { startBridge, type Bridge } from '../../main/bridge/server.js';
import { LabChannels } from '../../main/lab/channels.js';
import { Lab } from '../../main/lab/lab.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';

let bridge: Bridge;
let store: ExperimentStore;
let pool: WorkerPool;
const LIMIT = 64 * 1024;
const logged: string[] = [];

beforeAll(async () => {
  store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-bridge-')), 'lab.sqlite'));
  pool = new WorkerPool(1);
  const service = new LabChannels(new Lab({ database: 'test', store, pool }), 'browser');
  bridge = await startBridge({ channels: service, root: RENDERER_ROOT, maxMessageBytes: LIMIT, log: (line) => logged.push(line) });
});
afterAll(async () => {
  await bridge.close();
  await pool.close();
  store.db.close();
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method, headers: { host: `127.0.0.1:${bridge.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function socket(options: { token?: string | null; origin?: string | null; host?: string } = {}) {
  const token = options.token === undefined ? bridge.token : options.token;
  const url = `ws://127.0.0.1:${bridge.port}/api${token ? `?token=${token}` : ''}`;
  const headers: Record<string, string> = {};
  if (options.origin !== null) headers.origin = options.origin ?? `http://127.0.0.1:${bridge.port}`;
  if (options.host) headers.host = options.host;
  return new WebSocket(url, { headers });
}

const opened = (ws: WebSocket) =>
  new Promise<'open' | number>((resolve) => {
    ws.on('open', () => resolve('open'));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });

function caller(ws: WebSocket) {
  let id = 0;
  const events: LabEvent[] = [];
  const waiting = new Map<number, (r: Result<unknown>) => void>();
  ws.on('message', (data) => {
    const m = decodeWire(String(data)) as { id?: number; result?: Result<unknown>; event?: LabEvent };
    if (m.event) events.push(m.event);
    else waiting.get(m.id as number)?.(m.result as Result<unknown>);
  });
  return {
    events,
    call: (channel: string, payload: unknown) =>
      new Promise<Result<any>>((resolve) => {
        const my = ++id;
        waiting.set(my, resolve);
        ws.send(encodeWire({ id: my, channel, payload }));
      }),
    raw: (text: string) =>
      new Promise<Result<any>>((resolve) => {
        waiting.set(null as unknown as number, resolve);
        ws.once('message', (data) => resolve((decodeWire(String(data)) as { result: Result<unknown> }).result));
        ws.send(text);
      }),
  };
}

describe('HTTP', () => {
  it('the page needs the token; with it come the page, a CSP and an HttpOnly cookie for the assets', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong-token-of-some-length')).status).toBe(401);
    const page = await get(`/?token=${bridge.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<title>Landscape Lab<\/title>/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    expect(cookie).toBe(`lab_token_${bridge.port}=${bridge.token}`);
    expect(String(page.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1] as string;
    expect((await get(`/${asset}`)).status).toBe(401);
    expect((await get(`/${asset}`, { cookie })).status).toBe(200);
    expect(bridge.token.length).toBeGreaterThanOrEqual(16);
  });

  it('refuses a foreign Host (DNS rebinding), a foreign Origin, other methods and paths outside the renderer', async () => {
    const t = `?token=${bridge.token}`;
    expect((await get(`/${t}`, { host: `evil.example:${bridge.port}` })).status).toBe(421);
    expect((await get(`/${t}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`/${t}`, {}, 'POST')).status).toBe(405);
    expect((await get(`/..%2f..%2f..%2fetc%2fpasswd${t}`)).status).toBe(404);
    expect((await get(`/${t}`)).status).toBe(200);
  });
});

describe('WebSocket', () => {
  it('refuses no token, a wrong token, a foreign Origin, no Origin and a foreign Host', async () => {
    expect(await opened(socket({ token: null }))).toBe(403);
    expect(await opened(socket({ token: 'x'.repeat(32) }))).toBe(403);
    expect(await opened(socket({ origin: 'http://evil.example' }))).toBe(403);
    expect(await opened(socket({ origin: null }))).toBe(403);
    expect(await opened(socket({ host: `evil.example:${bridge.port}` }))).toBe(403);
  });

  it('answers calls with typed results; malformed and invalid messages get typed errors and never reach the façade', async () => {
    const ws = socket();
    expect(await opened(ws)).toBe('open');
    const c = caller(ws);
    expect(await c.call('lab.info', {})).toMatchObject({ ok: true, value: { mode: 'browser', workers: 1 } });
    expect(await c.raw('{not json')).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect(await c.call('no.such.channel', {})).toEqual({ ok: false, error: { code: 'invalid', message: 'channel: no such channel "no.such.channel"' } });
    expect(await c.call('experiments.get', { id: -3 })).toEqual({ ok: false, error: { code: 'invalid', message: 'id: must be at least 1 (got -3)' } });
    expect(await c.call('experiments.delete', { id: 1, extra: true })).toMatchObject({ ok: false, error: { message: 'extra: unknown field' } });
    const bad = await c.call('jobs.run', { config: { data: { target: { kind: 'hinge' } }, optimizer: { kind: 'adam', lr: -1 } } });
    expect(bad).toEqual({ ok: false, error: { code: 'invalid', message: 'optimizer.lr: must be more than 0 (got -1)' } });
    // Nothing reached the façade: no job was queued, nothing was stored.
    expect(await c.call('jobs.list', {})).toEqual({ ok: true, value: [] });
    expect(store.list()).toEqual([]);
    ws.close();
  });

  it('closes a connection that sends an oversized message, and keeps serving others', async () => {
    const ws = socket();
    await opened(ws);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ id: 1, channel: 'data.importCsv', payload: { text: 'x'.repeat(LIMIT + 10) } }));
    expect(await closed).toBe(1009);
    expect(logged).toEqual(['bridge: closed a socket: WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: Max payload size exceeded']);
    const again = socket();
    expect(await opened(again)).toBe('open');
    expect((await caller(again).call('experiments.list', {})).ok).toBe(true);
    again.close();
  });

  it('a run started over the bridge reports progress and lands in the library', async () => {
    const ws = socket();
    await opened(ws);
    const c = caller(ws);
    const started: { ok: boolean; value?: any } = await c.call('jobs.run', { config: { data: { target: { kind: 'hinge' }, n: 100 }, steps: 3000 }, name: 'from the bridge' });
    expect(started.ok).toBe(true);
    const job = started.value as JobInfo;
    await expect.poll(() => c.events.some((e) => e.type === 'job' && e.job.id === job.id && e.job.state === 'done'), { timeout: 30_000 }).toBe(true);
    const done = c.events.filter((e): e is Extract<LabEvent, { type: 'job' }> => e.type === 'job' && e.job.id === job.id).pop()?.job as JobInfo;
    expect(done.experimentId).toBe(1);
    const e: { ok: boolean; value?: any } = await c.call('experiments.get', { id: 1 });
    expect(e.value.name).toBe('from the bridge');
    // Typed arrays cross the bridge intact.
    expect(e.value.runList[0].loss.values).toBeInstanceOf(Float64Array);
    expect(Array.from(e.value.runList[0].params.final)).toEqual(Array.from(store.get(1).runList[0].params.final));
    expect(c.events.some((ev) => ev.type === 'experiments-changed')).toBe(true);
    ws.close();
  });
});

describe('the token never reaches the log (issue 22: the 400 lines showed it)', () => {
  /** Sends raw bytes and waits for the server to answer or close. */
  const raw = (bytes: string) =>
    new Promise<string>((resolve) => {
      const s = connect(bridge.port, '127.0.0.1', () => s.write(bytes));
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
      setTimeout(() => s.destroy(), 2000);
    });

  it('a malformed request, a bad upgrade and a bad cookie, each carrying the token, are logged without it, and client bytes escaped', async () => {
    const before = logged.length;
    const t = bridge.token;
    expect(await raw(`GET /?token=${t} HTTP/1.1\r\nHost: 127.0.0.1\r\nbroken header\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(`GET /api?token=${t} HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 99\r\n\r\n`)).toMatch(/^HTTP\/1\.1 4\d\d/);
    expect(await raw(`GET /${t}\u0000 HTTP/1.1\r\nCookie: lab_token_${bridge.port}=${t}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(`GET /\u00e2\u0080\u00ae\u001b[2J HTTP/1.1\r\nbroken header\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    const lines = logged.slice(before);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).not.toContain(t.slice(0, 8));
    // Client bytes are escaped: no control or C1 character reaches serve's terminal.
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
