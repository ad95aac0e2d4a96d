// Files between the page and `serve` go by HTTP, streamed to and from disk (POST /import, GET
// /export), never in a socket message; so messages are capped at what a real request needs, and a
// larger one is refused from its frame's header, before its payload is sent, let alone buffered.
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES, type Result } from '../../shared/api.js';
import { encodeWire } from '../../shared/wire.js';
import { RENDERER_ROOT } from '../../main/bridge/serve.js';
import { MAX_MESSAGE_BYTES, startBridge, type Bridge } from '../../main/bridge/server.js';
import { LabChannels } from '../../main/lab/channels.js';
import { saveRun } from '../../main/lab/experiments.js';
import { Lab } from '../../main/lab/lab.js';
import { exportToFile } from '../../main/store/exchangeLines.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { config, train } from '../support/helpers.js';
import { bridgeHttp, bridgeOrigin } from '../support/bridgeClient.js';

let dir: string;
let bridge: Bridge;
let store: ExperimentStore;
let pool: WorkerPool;
let runId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-transfer-'));
  store = openStore(join(dir, 'lab.sqlite'));
  pool = new WorkerPool(1);
  runId = saveRun(store, await train(config({ steps: 50 }), { kernel: 'js' }), 'to send');
  bridge = await startBridge({ channels: new LabChannels(new Lab({ database: 'test', store, pool }), 'browser'), root: RENDERER_ROOT, log: () => {} });
});
afterAll(async () => {
  await bridge.close();
  await pool.close();
  store.db.close();
});

const origin = () => bridgeOrigin(bridge);


describe('the largest real request, and the cap', () => {
  /** A CSV of the most rows a dataset has: two full-precision numbers and a class each. */
  const csv = () => `x1,x2,label\n${Array.from({ length: 100_000 }, (_, i) => `${-Math.PI / (i + 1)},${Math.E / (i + 7)},${i % 64}`).join('\n')}\n`;
  /** A config holding such a dataset as a labeled target. */
  const labeled = () => {
    const x1 = Array.from({ length: 100_000 }, (_, i) => -Math.PI / (i + 1));
    return { data: { target: { kind: 'labeled', x1, x2: x1.map((v) => v / 3), label: x1.map((_, i) => i % 64) } }, model: { outputs: 64 } };
  };

  it('is a third of the cap at most: a 100,000-row CSV and a config of 100,000 labeled points', async () => {
    const messages = [
      encodeWire({ id: 1, channel: 'data.importCsv', payload: { text: csv(), name: 'most.csv' } }),
      encodeWire({ id: 2, channel: 'jobs.run', payload: { config: labeled() } }),
      encodeWire({ id: 3, channel: 'jobs.sweep', payload: { spec: { base: labeled(), grid: { 'optimizer.lr': [0.01, 0.1] }, seeds: 1 } } }),
    ].map((m) => Buffer.byteLength(m));
    expect(Math.max(...messages)).toBeGreaterThan(3e6);
    expect(Math.max(...messages)).toBeLessThan(MAX_REQUEST_BYTES / 3);
    expect(MAX_MESSAGE_BYTES).toBe(16 * 2 ** 20 + 1024);
  });

  it('a frame announcing 1 GiB is refused (1009) before one byte of its payload is sent', async () => {
    const s = connect(bridge.port, '127.0.0.1');
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.write(`GET /api?token=${bridge.token} HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nOrigin: ${origin()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await expect.poll(() => Buffer.concat(got).toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
    const upgraded = Buffer.concat(got).length;
    // A masked text frame of 2^30 bytes: only its 14-byte header goes.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(2n ** 30n, 2);
    s.write(header);
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    await closed;
    const frame = Buffer.concat(got).subarray(upgraded);
    // A close frame whose code is 1009 (message too big).
    expect(frame[0]).toBe(0x88);
    expect(frame.readUInt16BE(2)).toBe(1009);
  });
});

describe('files go by HTTP, streamed through disk', () => {
  it('GET /export streams the export of experiments; POST /import imports an upload, naming it in refusals', async () => {
    const exported = await bridgeHttp(bridge, `/export?ids=${runId}&name=mine.lab.json`);
    expect(exported.status).toBe(200);
    expect(exported.headers['content-disposition']).toBe('attachment; filename="mine.lab.json"');
    const lines = exported.body.toString('utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ format: 'landscape-lab', version: 2 });
    const imported = await bridgeHttp(bridge, '/import?name=mine.lab.json', { method: 'POST', body: exported.body, headers: { origin: origin() } });
    const result = JSON.parse(imported.body.toString('utf8')) as Result<{ id: number; renamed: boolean }[]>;
    expect(result).toEqual({ ok: true, value: [{ id: expect.any(Number), renamed: true }] });
    expect(store.list()).toHaveLength(2);
    const refused = await bridgeHttp(bridge, '/import?name=../../etc/bad.lab.json', { method: 'POST', body: Buffer.from('{"format":"landscape-lab","version":2}\n'), headers: { origin: origin() } });
    expect(JSON.parse(refused.body.toString('utf8'))).toEqual({ ok: false, error: { code: 'invalid', message: 'bad.lab.json: line 1: header.appVersion: required (string)' } });
    expect(store.list()).toHaveLength(2);
  });

  it('an export file the same as the one `export` writes', async () => {
    const file = join(dir, 'cli.lab.json');
    exportToFile(store, [runId], file);
    const exported = await bridgeHttp(bridge, `/export?ids=${runId}`);
    const strip = (text: string) => text.replace(/"exportedAt":"[^"]+"/, '');
    expect(strip(exported.body.toString('utf8'))).toBe(strip(readFileSync(file, 'utf8')));
    expect(exported.headers['content-disposition']).toBe('attachment; filename="experiments.lab.json"');
  });

  it('refusals: no token, a POST without Origin, unknown or malformed ids, the wrong method', async () => {
    expect((await bridgeHttp(bridge, `/export?ids=${runId}`, { headers: { cookie: '' } })).status).toBe(401);
    expect((await bridgeHttp(bridge, '/import', { method: 'POST', body: Buffer.from('x') })).status).toBe(403);
    const unknown = await bridgeHttp(bridge, '/export?ids=999');
    expect([unknown.status, unknown.body.toString().trim()]).toEqual([400, `experiment 999: no such experiment in ${store.file}; see landscape-lab list`]);
    const malformed = await bridgeHttp(bridge, '/export?ids=1,x');
    expect([malformed.status, malformed.body.toString().trim()]).toEqual([400, 'ids[1]: must be a number (got "x")']);
    expect((await bridgeHttp(bridge, '/export?ids=1', { method: 'POST', headers: { origin: origin() } })).status).toBe(405);
  });
});
