// Browser mode: the built renderer and the LabApi over loopback (HTTP for the page, a WebSocket for
// calls and events), for tests here and for driving a headless machine through an SSH tunnel.
//
// Only 127.0.0.1 is bound. A random token made at start is required on every request — the page
// included (as ?token=…, which then sets an HttpOnly cookie for the page's own assets and socket).
// Host and Origin must name this loopback server (against DNS rebinding). Only GET is served; socket
// messages are size-limited and validated; nothing else is exposed.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeWire, encodeWire } from '../shared/wire.js';
import { MAX_IMPORT_TEXT } from '../shared/api.js';
import type { LabService } from './service.js';

/** Largest socket message accepted (an import is the biggest thing a client sends). */
export const MAX_MESSAGE_BYTES = MAX_IMPORT_TEXT + 1024;


const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export interface BridgeOptions {
  service: LabService;
  /** The built renderer (dist/renderer). */
  root: string;
  port?: number;
  /** Defaults to a fresh random token. */
  token?: string;
  /** Largest socket message (bytes); defaults to MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
}

export interface Bridge {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name) return v;
  }
  return undefined;
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const { service } = options;
  const root = resolve(options.root);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`the renderer is not built (no ${join(root, 'index.html')}); run npm run build`);
  let port = 0;
  // Cookies are shared by every port of a host: the name carries ours.
  const cookie = () => `lab_token_${port}`;

  const hostAllowed = (host: string | undefined) => host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  const originAllowed = (origin: string | undefined) => origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
  const authorized = (req: IncomingMessage, url: URL) => sameSecret(url.searchParams.get('token') ?? undefined, token) || sameSecret(cookieToken(req, cookie()), token);

  const refuse = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`${message}\n`);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!hostAllowed(req.headers.host)) return refuse(res, 421, 'wrong Host: this server answers only to 127.0.0.1 and localhost');
    if (!originAllowed(req.headers.origin)) return refuse(res, 403, 'foreign Origin');
    if (!authorized(req, url)) return refuse(res, 401, 'a token is required: open the URL landscape-lab serve printed');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'only GET is served here');
    const path = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return refuse(res, 404, 'not found');
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (url.searchParams.has('token')) headers['set-cookie'] = `${cookie()}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ok = url.pathname === '/api' && hostAllowed(req.headers.host) && req.headers.origin !== undefined && originAllowed(req.headers.origin) && authorized(req, url);
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });

  sockets.on('connection', (ws: WebSocket) => {
    const unsubscribe = service.onEvent((event) => ws.send(encodeWire({ event })));
    ws.on('close', unsubscribe);
    ws.on('error', () => ws.close());
    ws.on('message', async (data, isBinary) => {
      let id: unknown = null;
      try {
        if (isBinary) throw new Error('send text frames');
        const message = decodeWire(String(data)) as { id?: unknown; channel?: unknown; payload?: unknown };
        id = message?.id;
        if (typeof id !== 'number' || typeof message.channel !== 'string') throw new Error('a call is { id: number, channel: string, payload }');
        ws.send(encodeWire({ id, result: await service.call(message.channel, message.payload) }));
      } catch (e) {
        ws.send(encodeWire({ id, result: { ok: false, error: { code: 'invalid', message: `message: ${(e as Error).message}` } } }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
