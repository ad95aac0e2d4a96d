// Browser mode: the built renderer and the LabApi over loopback (HTTP for the page, a WebSocket for
// calls and events), for tests here and for driving a headless machine through an SSH tunnel.
//
// Only 127.0.0.1 is bound. A random token made at start is required on every request — the page
// included (as ?token=…, which then sets an HttpOnly cookie for the page's own assets and socket).
// Host and Origin must name this loopback server (against DNS rebinding). Only GET is served, and
// POST /import; socket messages are size-limited and validated; nothing else is exposed. Files go by
// HTTP, streamed to and from disk, never in a message: POST /import?name=N (an export to import) and
// GET /export?ids=1,2&name=N.
//
// Any web page the user visits can send requests here, so no bytes a client sends may end the
// process: every parse of request data is total, a request that cannot be parsed is answered 400 (a
// bad frame closes its socket with the WebSocket code for it) and logged in one line.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { basename, extname, join, posix, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeWire, encodeWire } from '../../shared/wire.js';
import { MAX_REQUEST_BYTES } from '../../shared/api.js';
import { CONTENT_SECURITY_POLICY } from '../platform/contentSecurity.js';
import { FILE_LIMITS, readInputFile } from '../platform/files.js';
import type { LabChannels } from '../lab/channels.js';
import { printable } from '../../shared/printable.js';

/** Largest socket message accepted: the largest request and its envelope ({ id, channel, payload }). */
export const MAX_MESSAGE_BYTES = MAX_REQUEST_BYTES + 1024;
/** Connections at most held open before they show the token (the page needs a handful). */
export const MAX_UNPROVEN = 256;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;


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


export interface BridgeOptions {
  channels: LabChannels;
  /** The built renderer (dist/renderer). */
  root: string;
  port?: number;
  /** Defaults to a fresh random token. */
  token?: string;
  /** Largest socket message (bytes); defaults to MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
  /** Where a refused malformed request is reported, one line each; defaults to stderr. */
  log?: (line: string) => void;
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

/** Client bytes for a log line: escaped (so it stays one line) and cut short. */
function shown(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * A log line without the token: a request's URL (?token=…), its cookie (lab_token_PORT=…) or the
 * token itself, also cut short, is replaced by "…". Every line the bridge logs goes through here.
 */
export function redactToken(line: string, token: string): string {
  return line
    .split(token)
    .join('…')
    .replace(/(token=|lab_token_\d+=)[^&;\s"\\]*/gi, '$1…');
}

function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * The path and query of a request target; null for anything but the origin form "/path?query"
 * (RFC 9112 §3.2.1). Total over any string: `new URL(target, base)` is not (it throws on "//",
 * which it reads as a URL with an empty host). The path stays percent-encoded.
 */
export function parseTarget(target: string): { path: string; query: URLSearchParams } | null {
  if (!target.startsWith('/')) return null;
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: new URLSearchParams() } : { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

/** A percent-encoded path decoded, or null when an escape is malformed or it decodes to a NUL. */
export function decodePath(path: string): string | null {
  try {
    const decoded = decodeURIComponent(path);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null;
  }
}

/**
 * The built renderer's files, read once when the bridge starts, through the file guard: a request is
 * answered from memory and never waits on the disk (a few MB; a rebuild needs a restart). Keyed by
 * their path under the root, "/"-separated: "/index.html", "/assets/…".
 */
function readRenderer(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}/${entry.name}`);
      else files.set(`${prefix}/${entry.name}`, readInputFile(path, FILE_LIMITS.rendererFile, 'a file of the built renderer'));
    }
  };
  walk(root, '');
  return files;
}

function cookieToken(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name) return v;
  }
  return undefined;
}

/** The loopback server: one per `serve`, holding its token, its port and its sockets. */
class BridgeServer {
  readonly token: string;
  port = 0;
  private readonly channels: LabChannels;
  private readonly log: (line: string) => void;
  private readonly files: Map<string, Buffer>;
  private readonly server: Server;
  private readonly sockets: WebSocketServer;
  /**
   * Connections that have not yet shown the token, oldest first. Past MAX_UNPROVEN the oldest is
   * closed: half-open or token-less connections cannot take the process's file descriptors and
   * crowd out the page, whose first request proves its connection.
   */
  private readonly unproven = new Set<Socket>();

  constructor(options: BridgeOptions) {
    this.token = options.token ?? randomBytes(24).toString('base64url');
    this.channels = options.channels;
    const sink = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    // Client bytes reach the terminal serve runs in: escaped of controls and bidi characters too.
    this.log = (line) => sink(printable(redactToken(line, this.token)));
    const root = resolve(options.root);
    if (!existsSync(join(root, 'index.html'))) throw new Error(`the renderer is not built (no ${join(root, 'index.html')}); run npm run build`);
    this.files = readRenderer(root);
    this.server = createServer((req, res) => this.onRequest(req, res));
    // A request's headers must arrive within seconds, not Node's default minute.
    this.server.headersTimeout = HEADERS_TIMEOUT_MS;
    this.server.requestTimeout = REQUEST_TIMEOUT_MS;
    this.server.on('connection', (socket: Socket) => this.admit(socket));
    this.server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => this.onClientError(err, socket));
    this.server.on('error', (e) => this.log(`bridge: server error: ${reason(e)}`));
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? MAX_MESSAGE_BYTES });
    // A handshake that ws itself finds malformed (no key, a bad version) is refused and logged here,
    // like every other malformed request.
    this.sockets.on('wsClientError', (err: Error, socket: Duplex, req: IncomingMessage) => {
      this.log(`bridge: 400 for upgrade ${shown(req.url ?? '')}: ${reason(err)}`);
      refuseUpgrade(socket, 400);
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.sockets.on('connection', (ws: WebSocket) => this.onSocket(ws));
  }

  private admit(socket: Socket): void {
    this.unproven.add(socket);
    socket.once('close', () => this.unproven.delete(socket));
    if (this.unproven.size > MAX_UNPROVEN) {
      const [oldest] = this.unproven;
      this.unproven.delete(oldest);
      oldest.destroy();
    }
  }

  /** Cookies are shared by every port of a host: the name carries ours. */
  private get cookie(): string {
    return `lab_token_${this.port}`;
  }

  private hostAllowed(host: string | undefined): boolean {
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  private originAllowed(origin: string | undefined): boolean {
    return origin === undefined || origin === `http://127.0.0.1:${this.port}` || origin === `http://localhost:${this.port}`;
  }

  private authorized(req: IncomingMessage, query: URLSearchParams): boolean {
    return sameSecret(query.get('token') ?? undefined, this.token) || sameSecret(cookieToken(req, this.cookie), this.token);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // A throw here would be an uncaught exception, which ends the process: whatever slipped past the
    // checks (a file that vanished or cannot be read) is this request's failure only.
    try {
      this.serveFile(req, res);
    } catch (e) {
      this.log(`bridge: 500 for ${req.method} ${shown(req.url ?? '')}: ${reason(e)}`);
      if (res.headersSent) res.destroy();
      else refuse(res, 500, 'internal error');
    }
  }

  private serveFile(req: IncomingMessage, res: ServerResponse): void {
    const target = parseTarget(req.url ?? '');
    if (!target) {
      this.log(`bridge: 400 for ${req.method} ${shown(req.url ?? '')}: not a path`);
      return refuse(res, 400, 'bad request: the target must be a path');
    }
    if (!this.hostAllowed(req.headers.host)) return refuse(res, 421, 'wrong Host: this server answers only to 127.0.0.1 and localhost');
    if (!this.originAllowed(req.headers.origin)) return refuse(res, 403, 'foreign Origin');
    if (!this.authorized(req, target.query)) return refuse(res, 401, 'a token is required: open the URL landscape-lab serve printed');
    this.unproven.delete(req.socket);
    if (target.path === '/import' || target.path === '/export') return this.transfer(req, res, target);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'only GET is served here');
    const path = target.path === '/' ? '/index.html' : decodePath(target.path);
    if (path === null) {
      this.log(`bridge: 400 for ${req.method} ${shown(target.path)}: malformed percent-escape`);
      return refuse(res, 400, 'bad request: malformed percent-escape in the path');
    }
    // Only the files read at start are served: a path that climbs out of the root names none of them.
    const key = posix.normalize(path);
    const body = this.files.get(key);
    if (!body) return refuse(res, 404, 'not found');
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(key)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (target.query.has('token')) headers['set-cookie'] = `${this.cookie}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /**
   * An export's file in or out, through a private temporary folder removed afterwards: the upload is
   * streamed to disk and imported from there; the export is written there and streamed out. Main holds
   * neither whole. A POST must carry our Origin (a form on another site cannot).
   */
  private transfer(req: IncomingMessage, res: ServerResponse, target: { path: string; query: URLSearchParams }): void {
    const importing = target.path === '/import';
    if (req.method !== (importing ? 'POST' : 'GET')) return refuse(res, 405, `${target.path} takes ${importing ? 'POST' : 'GET'}`);
    if (importing && req.headers.origin === undefined) return refuse(res, 403, 'an upload must come from the page');
    const name = fileName(target.query.get('name'), importing ? 'import.lab.json' : 'experiments.lab.json');
    mkdtemp(join(tmpdir(), 'landscape-lab-'))
      .then((dir) => this.transferThrough(req, res, target, importing, join(dir, name), name, () => void rm(dir, { recursive: true, force: true }).catch(() => undefined)))
      .catch((e: unknown) => {
        this.log(`bridge: 500 for ${target.path}: ${reason(e)}`);
        if (!res.headersSent) refuse(res, 500, 'internal error');
      });
  }

  /** transfer's work through its temporary `file`; `done` removes the file's folder. */
  private transferThrough(req: IncomingMessage, res: ServerResponse, target: { query: URLSearchParams }, importing: boolean, file: string, name: string, done: () => void): void {
    if (importing) {
      pipeline(req, createWriteStream(file, { flags: 'wx' }))
        .then(async () => {
          const imported = await this.channels.importFile(file, name);
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify(imported));
        })
        .catch((e: unknown) => {
          this.log(`bridge: an upload to /import failed: ${reason(e)}`);
          if (!res.headersSent) refuse(res, 400, `import: the upload failed (${reason(e)})`);
        })
        .finally(done);
      return;
    }
    const ids = (target.query.get('ids') ?? '').split(',').map((id) => (/^\d{1,16}$/.test(id) ? Number(id) : id));
    void this.channels
      .exportFile(ids, file)
      .then(async (written) => {
        if (!written.ok) return refuse(res, written.error.code === 'internal' ? 500 : 400, written.error.message);
        const { size } = await stat(file);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-disposition': `attachment; filename="${name}"`,
          'content-length': String(size),
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
        });
        await pipeline(createReadStream(file), res);
      })
      .catch((e: unknown) => {
        this.log(`bridge: an export download stopped: ${reason(e)}`);
        if (!res.headersSent) refuse(res, 500, 'internal error');
        else res.destroy();
      })
      .finally(done);
  }

  /**
   * Requests Node's parser refuses (bad request line, header bytes, oversized headers, a truncated
   * request). Node's default answer is the same, but silent; a server error stays in this log too.
   */
  private onClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void {
    // A reset, or a socket already closed, is the client leaving, not a malformed request.
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const packet = err.rawPacket?.toString('latin1') ?? '';
    this.log(`bridge: ${status} for ${packet ? shown(packet) : 'an incomplete request'}: ${err.code ?? reason(err)}`);
    // A response already under way on this keep-alive socket cannot be followed by a raw status line.
    if ((socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) return void socket.destroy();
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node takes its own error listener off an upgraded socket: without this one, a client's reset
    // would be an uncaught exception.
    socket.on('error', () => socket.destroy());
    try {
      const target = parseTarget(req.url ?? '');
      if (!target) {
        this.log(`bridge: 400 for upgrade ${shown(req.url ?? '')}: not a path`);
        return refuseUpgrade(socket, 400);
      }
      const ok = target.path === '/api' && this.hostAllowed(req.headers.host) && req.headers.origin !== undefined && this.originAllowed(req.headers.origin) && this.authorized(req, target.query);
      if (!ok) return refuseUpgrade(socket, 403);
      this.unproven.delete(req.socket);
      this.sockets.handleUpgrade(req, socket, head, (ws) => this.sockets.emit('connection', ws, req));
    } catch (e) {
      this.log(`bridge: 500 for upgrade ${shown(req.url ?? '')}: ${reason(e)}`);
      socket.destroy();
    }
  }

  private onSocket(ws: WebSocket): void {
    // encodeWire can throw only on a value no channel returns; if one ever does, that socket is
    // closed with 1011 (internal error) rather than the process.
    const send = (message: unknown) => {
      try {
        ws.send(encodeWire(message));
      } catch (e) {
        this.log(`bridge: could not send a message: ${reason(e)}`);
        ws.close(1011);
      }
    };
    const unsubscribe = this.channels.onEvent((event) => send({ event }));
    ws.on('close', unsubscribe);
    // A malformed frame (bad opcode, unmasked, invalid UTF-8, too large): ws has already closed the
    // socket with the code for it (1002, 1007, 1009); we only report it.
    ws.on('error', (e: Error & { code?: string }) => this.log(`bridge: closed a socket: ${e.code ?? 'error'}: ${reason(e)}`));
    ws.on('message', async (data, isBinary) => {
      let id: unknown = null;
      try {
        if (isBinary) throw new Error('send text frames');
        const message = decodeWire(String(data)) as { id?: unknown; channel?: unknown; payload?: unknown } | null;
        id = message?.id;
        if (typeof id !== 'number' || typeof message?.channel !== 'string') throw new Error('a call is { id: number, channel: string, payload }');
        send({ id, result: await this.channels.call(message.channel, message.payload) });
      } catch (e) {
        send({ id, result: { ok: false, error: { code: 'invalid', message: `message: ${reason(e)}` } } });
      }
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((done, fail) => {
      this.server.once('error', fail);
      this.server.listen(port, '127.0.0.1', () => done());
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  close(): Promise<void> {
    return new Promise<void>((done) => {
      for (const client of this.sockets.clients) client.terminate();
      this.sockets.close();
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }
}

/** A file name from a client: its last part, of safe characters only; `fallback` when nothing is left. */
function fileName(given: string | null, fallback: string): string {
  const name = basename(given ?? '').replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(0, 100);
  return name || fallback;
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${message}\n`);
}

function refuseUpgrade(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const bridge = new BridgeServer(options);
  await bridge.listen(options.port ?? 0);
  return { url: `http://127.0.0.1:${bridge.port}/?token=${bridge.token}`, port: bridge.port, token: bridge.token, close: () => bridge.close() };
}
