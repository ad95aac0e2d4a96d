// `serve` under a crowd of connections that never show the token: half-open sockets that send part
// of a request and wait. The server may hold only so many of them (MAX_UNPROVEN), so the page is
// still served. Run on the built command with its file descriptors limited to 512 (a small stand-in
// for the 20,000 half-open sockets that locked the real client out at the default limit).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'landscape-lab.js');
const CROWD = 2000;

let child: ChildProcess;
let port = 0;
let token = '';
const crowd: Socket[] = [];

function get(path: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`no answer to GET ${path.replace(token, 'TOKEN')} in ${timeoutMs} ms`))), timeoutMs);
    socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (d) => (reply += d.toString('latin1')));
    socket.on('error', (e) => (clearTimeout(timer), reject(e)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(reply)?.[1] ?? 0));
    });
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-crowd-'));
  child = spawn('bash', ['-c', `ulimit -n 512 && exec "${process.execPath}" "${bin}" serve --db "${join(dir, 'lab.sqlite')}" --port 0`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      stdout += d;
      const m = /open http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(stdout);
      if (m) [port, token] = [Number(m[1]), m[2]];
      if (m) resolve();
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
}, 60_000);

afterAll(() => {
  crowd.forEach((s) => s.destroy());
  child?.kill('SIGINT');
});

describe('serve under a crowd of half-open connections', () => {
  it(`serves the page while ${CROWD} connections that never finish a request have come (4 times its descriptors)`, async () => {
    for (let k = 0; k < CROWD; k++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
      crowd.push(s);
      if (k % 200 === 199) await new Promise((r) => setTimeout(r, 50));
    }
    // Every one of them was accepted, and most were closed again by the server to keep its budget.
    await new Promise((r) => setTimeout(r, 1000));
    const open = crowd.filter((s) => !s.destroyed && s.readyState === 'open').length;
    expect(open).toBeLessThanOrEqual(300);
    expect(await get(`/?token=${token}`, 10_000)).toBe(200);
    expect(await get('/', 10_000)).toBe(401);
    expect(child.exitCode).toBeNull();
  }, 60_000);
});
