// Inputs that used to end in "internal error" (exit 1), run as a user runs them: the built CLI in a
// child process. Each must exit 2 with one line naming the file or option, and leave nothing behind:
// no experiment saved, no surface stored, no temporary file.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN as bin, expectRefused, ROOT as root, runCli } from '../support/cli.js';

let dir: string;

const cli = (...args: string[]) => runCli(dir, args, 60_000);

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const hinge = { data: { target: { kind: 'hinge' }, n: 50 }, steps: 50 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-refusals-'));
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
});

describe('numbers no printer could print are refused before anything is saved', () => {
  const db = () => join(dir, 'never.sqlite');
  const cases: [string, unknown, RegExp][] = [
    ['polynomial coefficients [1e308, 1e308, 1e308]', { ...hinge, data: { target: { kind: 'polynomial', coefficients: [1e308, 1e308, 1e308] } } }, /^.*poly\.json: data\.target\.coefficients\[0\]: must be at most 3\.403e\+38 \(got 1e\+308\)$/],
    ['xRange [-1e308, 1e308]', { ...hinge, data: { target: { kind: 'hinge' }, xRange: [-1e308, 1e308] } }, /^.*poly\.json: data\.xRange\[0\]: must be at least -3\.403e\+38 \(got -1e\+308\)$/],
    ['finite coefficients whose targets overflow float32', { ...hinge, data: { target: { kind: 'polynomial', coefficients: [1e38, 1e38, 1e38] }, xRange: [-10, 10] } }, /^.*poly\.json: data\.target: reaches y = Infinity at x = -10\.00, beyond float32's ±3\.4e38/],
  ];
  for (const [name, config, message] of cases) {
    it(`run and landscape: ${name}`, () => {
      const path = file('poly.json', config);
      expectRefused(cli('run', path, '--db', db()), message);
      expectRefused(cli('landscape', path, '--db', db(), '--res', '5'), message);
      expect(existsSync(db())).toBe(false);
    });
  }
});

describe('surfaces and curves', () => {
  it('landscape --res 450 prints its map (a spread of 202,500 losses overflowed the stack after storing the surface)', () => {
    const db = join(dir, 'big.sqlite');
    const r = cli('landscape', file('h.json', hinge), '--db', db, '--res', '450', '--span', '1');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('  │'))).toHaveLength(24);
    expect(r.out).toMatch(/450×450 over ±1/);
  });

  it('a diverged experiment: landscape and interpolate refuse (no all-NaN surface stored on each retry); show prints it', () => {
    const db = join(dir, 'diverged.sqlite');
    const run = cli('run', file('d.json', { ...hinge, optimizer: { kind: 'sgd', lr: 1e30 } }), '--db', db, '--json');
    expect(run.code).toBe(0);
    const id = String(JSON.parse(run.out).experimentId);
    expect(JSON.parse(run.out).status).toBe('diverged');
    for (let retry = 0; retry < 2; retry++) {
      expectRefused(cli('landscape', '--experiment', id, '--db', db), /^center: the trained parameters of this run are not finite \(it diverged\), so every loss would be NaN; center on another point$/);
    }
    expectRefused(cli('landscape', '--experiment', id, '--db', db, '--center', 'init'), /^axes: the trained parameters of this run are not finite/);
    expectRefused(cli('interpolate', '--experiment', id, '--db', db), /^to: the trained parameters of this run are not finite/);
    const shown = cli('show', id, '--db', db, '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out).experiment).toMatchObject({ surfaces: [], interpolations: [] });
    const text = cli('show', id, '--db', db);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/The run diverged/);
    // A surface that does not go through the NaN point is still allowed.
    expect(cli('landscape', '--experiment', id, '--db', db, '--center', 'init', '--axes', 'random', '--res', '5').code).toBe(0);
  });
});

describe('outputs are checked before the work', () => {
  it('--out DIR --force: refused, no temporary file left, nothing saved', () => {
    const out = join(dir, 'outdir');
    mkdirSync(out);
    const db = join(dir, 'out1.sqlite');
    expectRefused(cli('run', file('h.json', hinge), '--db', db, '--out', out, '--force'), /^--out: .*outdir is a folder; give a file name, e\.g\. .*outdir\/result\.json$/);
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(db)).toBe(false);
  });

  it('--out in a missing folder: refused before training and saving', () => {
    const db = join(dir, 'out2.sqlite');
    expectRefused(cli('run', file('h.json', hinge), '--db', db, '--out', join(dir, 'missing', 'x.json')), /^--out: the folder .*missing does not exist$/);
    expectRefused(cli('landscape', file('h.json', hinge), '--db', db, '--out', join(dir, 'missing', 'x.json')), /^--out: the folder .*missing does not exist$/);
    expect(existsSync(db)).toBe(false);
  });

  it('--out "" and --db "" (SQLite\'s temporary database, gone on close)', () => {
    expectRefused(cli('run', file('h.json', hinge), '--out', ''), /^--out: must name a file \(got ""\)$/);
    expectRefused(cli('run', file('h.json', hinge), '--db', ''), /^--db: must name a database file \(got ""\)$/);
    expectRefused(cli('list', '--db', ''), /^--db: must name a database file/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});

describe('input files: only regular files, at most the size limit, named in every message', () => {
  it('run /dev/zero (it read forever) and a FIFO (opening one waits for a writer)', () => {
    expectRefused(cli('run', '/dev/zero'), /^\/dev\/zero: is not a regular file \(a device, pipe or socket\), so it cannot be a JSON file$/);
    expectRefused(cli('import', '/dev/zero', '--db', join(dir, 'fifo.sqlite')), /^\/dev\/zero: is not a regular file .* an export file$/);
    const fifo = join(dir, 'pipe.json');
    spawnSync('mkfifo', [fifo]);
    expectRefused(cli('run', fifo), /pipe\.json: is not a regular file/);
    expectRefused(cli('import-data', fifo), /pipe\.json: is not a regular file .* a CSV file$/);
  });

  it('a config file over 64 MiB is refused unread', () => {
    const path = join(dir, 'huge.json');
    writeFileSync(path, '');
    spawnSync('truncate', ['-s', String(64 * 2 ** 20 + 1), path]);
    expectRefused(cli('run', path), /huge\.json: is 64 MiB; a JSON file is limited to 64 MiB$/);
  });

  it('a bad sweep spec names its file', () => {
    const spec = file('spec.json', { base: hinge, grid: { 'optimizer.lr': [0.01, -1] } });
    expectRefused(cli('sweep', spec, '--db', join(dir, 'sweep.sqlite')), /spec\.json: cell optimizer\.lr=-1: optimizer\.lr: must be more than 0 \(got -1\)$/);
  });
});

describe('serve', () => {
  let busy: Server;
  afterAll(() => new Promise<void>((resolve) => (busy ? busy.close(() => resolve()) : resolve())));

  it('on a busy port: exit 2, one line (it was an internal error, EADDRINUSE)', async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const port = String((busy.address() as { port: number }).port);
    const child = spawn(process.execPath, [bin, 'serve', '--port', port, '--db', join(dir, 'serve.sqlite')], { cwd: dir });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toBe(`landscape-lab: --port: ${port} is already in use on 127.0.0.1; choose another, or omit --port for a free one\n`);
  });
});
