// serve's page and its assets are read once, when the bridge starts, through the file guard: a request
// is answered from memory (it never waits on the disk), and a file the guard refuses (a FIFO, which
// would block whoever reads it) stops the start with one line naming it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../main/bridge/server.js';
import { LabChannels } from '../../main/lab/channels.js';
import { Lab } from '../../main/lab/lab.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { WorkerPool } from '../../main/workers/pool.js';

let dir: string;
let store: ExperimentStore;
let pool: WorkerPool;
let channels: LabChannels;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-assets-'));
  store = openStore(join(dir, 'lab.sqlite'));
  pool = new WorkerPool(0);
  channels = new LabChannels(new Lab({ database: 'test', store, pool }), 'browser');
});
afterAll(async () => {
  await pool.close();
  store.db.close();
});

function root(name: string): string {
  const r = join(dir, name);
  mkdirSync(join(r, 'assets'), { recursive: true });
  writeFileSync(join(r, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(join(r, 'assets', 'app.js'), 'console.log("as built");');
  return r;
}

function get(bridge: Bridge, path: string) {
  return new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, headers: { host: `127.0.0.1:${bridge.port}`, cookie: `lab_token_${bridge.port}=${bridge.token}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("serve's renderer files", () => {
  it('are read at start: a request gets them as they were then, even once the disk has changed', async () => {
    const r = root('built');
    const bridge = await startBridge({ channels, root: r, log: () => {} });
    try {
      writeFileSync(join(r, 'assets', 'app.js'), 'console.log("changed on disk");');
      rmSync(join(r, 'index.html'));
      expect(await get(bridge, '/assets/app.js')).toEqual({ status: 200, type: 'text/javascript; charset=utf-8', body: 'console.log("as built");' });
      expect((await get(bridge, '/')).body).toBe('<!doctype html><title>lab</title>');
      expect((await get(bridge, '/assets/../index.html')).status).toBe(200);
      expect((await get(bridge, '/../lab.sqlite')).status).toBe(404);
      expect((await get(bridge, '/assets/missing.js')).status).toBe(404);
    } finally {
      await bridge.close();
    }
  });

  it('a FIFO among them stops the start with the guard\'s one line, instead of blocking a request', async () => {
    const r = root('fifo');
    execFileSync('mkfifo', [join(r, 'assets', 'pipe.js')]);
    await expect(startBridge({ channels, root: r, log: () => {} })).rejects.toThrow(`${join(r, 'assets', 'pipe.js')}: is not a regular file (a device, pipe or socket), so it cannot be a file of the built renderer`);
  });
});
