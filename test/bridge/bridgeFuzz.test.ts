// No bytes a client sends may end `landscape-lab serve` (issue 11, item 1). The instances —
// a path of "//", a malformed percent-escape, a WebSocket upgrade to "//" — against the real command
// in a child process, then seeded random bytes over raw TCP (request lines, paths, headers and
// WebSocket frames) against a real bridge: every case is answered or closed, each malformed request
// or frame is logged in exactly one line, nothing is thrown, and a good request is served after.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../main/workers/pool.js';
import { RENDERER_ROOT } from '../../main/bridge/serve.js';
import { startBridge, type Bridge } from '../../main/bridge/server.js';
import { LabChannels } from '../../main/lab/channels.js';
import { Lab } from '../../main/lab/lab.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const LIMIT = 64 * 1024;
const SEED = 0x1ab5eed;
/** Cases are generated in a fixed order from SEED, and run until this count or this time is reached. */
const MAX_CASES = 400;
const BUDGET_MS = 5_000;

/** What came back on one raw connection: every HTTP status line, and the close code of a WebSocket. */
interface Reply {
  statuses: number[];
  closeCode: number | null;
  bytes: number;
}

/**
 * Writes `bytes` to 127.0.0.1:port (then, unless `frames` follow an upgrade, half-closes) and collects
 * the answer until the server closes or has been silent for `quietMs`.
 */
function raw(port: number, bytes: Buffer, frames?: Buffer, quietMs = 150): Promise<Reply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let upgraded = false;
    let quiet: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(quiet);
      socket.destroy();
      const all = Buffer.concat(chunks);
      const head = all.indexOf('\r\n\r\n');
      const text = all.toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ statuses: upgraded ? [101] : statuses, closeCode: upgraded ? closeCodeOf(all.subarray(head + 4)) : null, bytes: all.length });
    };
    let received = 0;
    // Silence is judged after two more turns of the event loop: on a loaded machine the timer can
    // fire before the poll phase has handed the server (in this process) the bytes just written.
    const settle = () => {
      const seen = received;
      setImmediate(() => setImmediate(() => (received === seen ? finish() : rearm())));
    };
    const rearm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(settle, quietMs);
    };
    socket.on('data', (d) => {
      received++;
      chunks.push(d);
      if (frames && !upgraded && Buffer.concat(chunks).includes('\r\n\r\n')) {
        upgraded = /^HTTP\/1\.1 101 /.test(Buffer.concat(chunks).toString('latin1'));
        if (upgraded) socket.write(frames);
      }
      rearm();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.write(bytes);
    if (!frames) socket.end();
    rearm();
  });
}

/** The code of the first close frame among the server's (unmasked) frames, or null. */
function closeCodeOf(b: Buffer): number | null {
  let at = 0;
  while (at + 2 <= b.length) {
    const opcode = b[at] & 0x0f;
    let len = b[at + 1] & 0x7f;
    let start = at + 2;
    if (len === 126) {
      len = b.readUInt16BE(start);
      start += 2;
    } else if (len === 127) {
      len = Number(b.readBigUInt64BE(start));
      start += 8;
    }
    if (opcode === 8) return len >= 2 ? b.readUInt16BE(start) : 1005;
    at = start + len;
  }
  return null;
}

/** mulberry32: a small seeded generator, so a failing case can be replayed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)];
  return { next, int, bytes, pick };
}

type Rng = ReturnType<typeof generator>;

// Pieces that parsers stumble on, among ordinary ones (so that some paths are served or not found).
const PATH_PIECES = ['/', '//', '%', '%2', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%2e%2e%2f', '..', '.', '?', '#', '&', '=', '\u00e9', '\\', ';', '@', ':', '~', '+'];
const GOOD_PIECES = ['/', 'index.html', 'favicon.svg', 'assets/', 'api', 'x', '%41', '%2F'];
/** Printable ASCII: a header value Node's parser takes. */
const printable = (r: Rng, n: number) => String.fromCharCode(...Array.from({ length: n }, () => 0x20 + r.int(95)));

function upgradeRequest(port: number, target: string, extra = ''): Buffer {
  return Buffer.from(
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
    'latin1',
  );
}

/** One client frame: random bytes, or a frame header with random fields and a payload to match. */
function randomFrame(r: Rng): Buffer {
  if (r.next() < 0.3) return r.bytes(1 + r.int(64));
  const fin = r.next() < 0.8 ? 0x80 : 0;
  const rsv = r.next() < 0.2 ? r.int(8) << 4 : 0;
  const opcode = r.pick([0, 1, 1, 1, 2, 3, 8, 9, 10, 11, 15]);
  const masked = r.next() < 0.85 ? 0x80 : 0;
  const kind = r.int(10);
  const payload = kind === 0 ? Buffer.from('{"id":1,"channel":"lab.info","payload":{}}') : kind === 1 ? Buffer.from([0xc3, 0x28, 0xa0, 0xa1]) : r.bytes(r.int(140));
  const header: number[] = [fin | rsv | opcode];
  const claimed = r.next() < 0.15 ? r.pick([126, 127]) : null;
  if (claimed === 126) header.push(masked | 126, r.int(256), r.int(256));
  else if (claimed === 127) header.push(masked | 127, ...r.bytes(8));
  else if (payload.length < 126) header.push(masked | payload.length);
  else header.push(masked | 126, payload.length >> 8, payload.length & 0xff);
  const mask = masked ? r.bytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload.map((b, i) => (masked ? b ^ mask[i % 4] : b)));
  return Buffer.concat([Buffer.from(header), mask, body]);
}

type Case = { kind: string; request: Buffer; frames?: Buffer };

/** The case-th test input: request lines, paths, headers and frames in turn. */
function randomCase(r: Rng, port: number, token: string): Case {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  switch (r.int(4)) {
    case 0:
      // Random bytes where the request line belongs.
      return { kind: 'request line', request: Buffer.concat([r.bytes(1 + r.int(120)), Buffer.from(`\r\n${host}\r\n`)]) };
    case 1: {
      // A path of pieces that parsers stumble on, and raw bytes, with or without the token.
      const path = Array.from({ length: 1 + r.int(5) }, () => {
        const p = r.next();
        return p < 0.05 ? r.bytes(1).toString('latin1') : p < 0.3 ? r.pick(PATH_PIECES) : r.pick(GOOD_PIECES);
      }).join('');
      const query = r.next() < 0.6 ? `?token=${token}` : '';
      return { kind: 'path', request: Buffer.from(`GET ${path}${query} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`, 'latin1') };
    }
    case 2: {
      // Random header names and values after a good request line; now and then one too large.
      const headers = Array.from({ length: 1 + r.int(4) }, () => {
        const name = r.next() < 0.8 ? r.pick(['Host', 'Origin', 'Cookie', 'Upgrade', 'Connection', 'Content-Length', 'Transfer-Encoding', 'Sec-WebSocket-Key']) : r.bytes(1 + r.int(12)).toString('latin1');
        const p = r.next();
        const value = p < 0.03 ? 'x'.repeat(20_000) : p < 0.25 ? r.bytes(r.int(40)).toString('latin1') : p < 0.45 ? r.pick([`127.0.0.1:${port}`, `http://127.0.0.1:${port}`, `lab_token_${port}=${token}`, 'websocket', '0']) : printable(r, r.int(40));
        return `${name}: ${value}\r\n`;
      }).join('');
      return { kind: 'headers', request: Buffer.from(`GET /?token=${token} HTTP/1.1\r\n${host}${headers}\r\n`, 'latin1') };
    }
    default: {
      // A good upgrade, then one to three random frames.
      const frames = Buffer.concat(Array.from({ length: 1 + r.int(3) }, () => randomFrame(r)));
      return { kind: 'frames', request: upgradeRequest(port, `/api?token=${token}`), frames };
    }
  }
}

/** How many lines the server should log for a reply: one per malformed request or frame. */
function expectedLines(reply: Reply): number {
  if (reply.closeCode !== null) return [1002, 1007, 1009, 1011].includes(reply.closeCode) ? 1 : 0;
  return reply.statuses.filter((s) => s === 400 || s === 408 || s === 431).length;
}

describe('the issue’s instances against `landscape-lab serve` (a child process)', () => {
  let child: ChildProcess;
  let port = 0;
  let token = '';
  let stderr = '';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-serve-'));
    const run = `import(${JSON.stringify(join(root, 'main', 'cli', 'main.ts'))}).then((m) => m.main(process.argv.slice(1))).then((code) => process.exit(code))`;
    child = spawn(process.execPath, ['--import', 'tsx', '-e', run, 'serve', '--db', join(dir, 'lab.sqlite'), '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr?.on('data', (d) => (stderr += d));
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d) => {
        stdout += d;
        const m = /open http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(stdout);
        if (m) {
          port = Number(m[1]);
          token = m[2];
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
  });
  afterAll(() => {
    child.kill('SIGINT');
  });

  it('answers "//", a malformed percent-escape and an upgrade to "//", logs one line for the malformed one, and stays up', async () => {
    // "//" is a well-formed path (RFC 9112: absolute-path = 1*( "/" segment ), segments may be
    // empty); it names no file. Without the token it is refused like any other path.
    expect((await raw(port, Buffer.from(`GET // HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`))).statuses).toEqual([401]);
    expect((await raw(port, Buffer.from(`GET //?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`))).statuses).toEqual([404]);
    expect((await raw(port, upgradeRequest(port, '//'), Buffer.alloc(0))).statuses).toEqual([403]);
    expect((await raw(port, upgradeRequest(port, `//?token=${token}`), Buffer.alloc(0))).statuses).toEqual([403]);
    expect((await raw(port, Buffer.from(`GET /%E0%A4%A?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`))).statuses).toEqual([400]);
    expect((await raw(port, Buffer.from(`GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`))).statuses).toEqual([401]);
    expect((await raw(port, Buffer.from(`GET /?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`))).statuses).toEqual([200]);
    expect(child.exitCode).toBeNull();
    expect(stderr).toBe('bridge: 400 for GET "/%E0%A4%A": malformed percent-escape\n');
  });
});

describe('seeded random requests and frames over raw TCP', () => {
  let bridge: Bridge;
  let store: ExperimentStore;
  let pool: WorkerPool;
  const logged: string[] = [];
  const thrown: unknown[] = [];
  const onThrow = (e: unknown) => thrown.push(e);

  beforeAll(async () => {
    store = openStore(join(mkdtempSync(join(tmpdir(), 'lab-fuzz-')), 'lab.sqlite'));
    pool = new WorkerPool(1);
    const service = new LabChannels(new Lab({ database: 'test', store, pool }), 'browser');
    bridge = await startBridge({ channels: service, root: RENDERER_ROOT, maxMessageBytes: LIMIT, log: (line) => logged.push(line) });
    process.on('uncaughtException', onThrow);
    process.on('unhandledRejection', onThrow);
  });
  afterAll(async () => {
    process.off('uncaughtException', onThrow);
    process.off('unhandledRejection', onThrow);
    await bridge.close();
    await pool.close();
    store.db.close();
  });

  const good = async () => (await raw(bridge.port, Buffer.from(`GET /?token=${bridge.token} HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\n\r\n`))).statuses;

  it('answers the issue’s instances in-process too, one log line each for the malformed ones', async () => {
    logged.length = 0;
    const t = bridge.token;
    const p = bridge.port;
    expect((await raw(p, Buffer.from(`GET // HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`))).statuses).toEqual([401]);
    expect((await raw(p, Buffer.from(`GET /%E0%A4%A?token=${t} HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`))).statuses).toEqual([400]);
    expect((await raw(p, Buffer.from(`GET /a%00b?token=${t} HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`))).statuses).toEqual([400]);
    expect((await raw(p, Buffer.from(`GET * HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\n\r\n`))).statuses).toEqual([400]);
    expect((await raw(p, upgradeRequest(p, '//'), Buffer.alloc(0))).statuses).toEqual([403]);
    expect((await raw(p, upgradeRequest(p, `/api?token=${t}`).subarray(0, 40)))).toMatchObject({ statuses: [400] });
    // A frame with invalid UTF-8 closes its socket with 1007, an unmasked one with 1002.
    const text = (payload: Buffer) => Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
    expect((await raw(p, upgradeRequest(p, `/api?token=${t}`), text(Buffer.from([0xc3, 0x28])))).closeCode).toBe(1007);
    expect((await raw(p, upgradeRequest(p, `/api?token=${t}`), Buffer.from([0x81, 0x02, 0x68, 0x69]))).closeCode).toBe(1002);
    expect(logged).toEqual([
      'bridge: 400 for GET "/%E0%A4%A": malformed percent-escape',
      'bridge: 400 for GET "/a%00b": malformed percent-escape',
      'bridge: 400 for GET "*": not a path',
      'bridge: 400 for an incomplete request: HPE_INVALID_EOF_STATE',
      'bridge: closed a socket: WS_ERR_INVALID_UTF8: Invalid WebSocket frame: invalid UTF-8 sequence',
      'bridge: closed a socket: WS_ERR_EXPECTED_MASK: Invalid WebSocket frame: MASK must be set',
    ]);
    expect(await good()).toEqual([200]);
  });

  it(`survives random request lines, paths, headers and frames (seed ${SEED}), logging one line per malformed one`, async () => {
    const r = generator(SEED);
    const started = Date.now();
    const wrong: string[] = [];
    const kinds: Record<string, number> = {};
    const answers: Record<string, number> = {};
    let cases = 0;
    while (cases < MAX_CASES && Date.now() - started < BUDGET_MS) {
      const c = randomCase(r, bridge.port, bridge.token);
      const before = logged.length;
      const reply = await raw(bridge.port, c.request, c.frames);
      const lines = logged.length - before;
      // A request whose headers parse is answered at once; if what follows them is malformed (a bad
      // Transfer-Encoding body), the parser fails after the answer: still one line, and the socket closes.
      const afterAnswer = lines === expectedLines(reply) + 1 && /: HPE_\w+$/.test(logged.at(-1) ?? '');
      if ((lines !== expectedLines(reply) && !afterAnswer) || logged.slice(before).some((l) => l.includes('\n')) || reply.bytes === 0)
        wrong.push(`case ${cases} (${c.kind}): ${JSON.stringify(reply)} logged ${JSON.stringify(logged.slice(before))}`);
      kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
      const answer = reply.closeCode !== null ? `close ${reply.closeCode}` : String(reply.statuses[0] ?? 'none');
      answers[answer] = (answers[answer] ?? 0) + 1;
      cases++;
      if (cases % 50 === 0) expect(await good()).toEqual([200]);
    }
    console.info(`bridge fuzz: seed ${SEED}, ${cases} cases in ${Date.now() - started} ms (${JSON.stringify(kinds)}), answered ${JSON.stringify(answers)}, ${logged.length} lines logged`);
    expect(thrown.map(String)).toEqual([]);
    expect(wrong.slice(0, 5)).toEqual([]);
    // Every kind was tried a fair number of times, and the server still serves the page.
    for (const kind of ['request line', 'path', 'headers', 'frames']) expect(kinds[kind]).toBeGreaterThanOrEqual(10);
    expect(logged.every((l) => /^bridge: (400|408|431) for |^bridge: closed a socket: /.test(l))).toBe(true);
    expect(await good()).toEqual([200]);
  });
});
