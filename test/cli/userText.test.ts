// Issue 22, points 4 and 7, run as a user runs them (the built CLI in a child process): user text
// reaches the terminal with its control and bidi characters escaped, error lines are bounded, numbers
// are parsed strictly, "__proto__" is refused rather than dropped, and inputs that were internal errors
// (exit 1) — a config nested 6,000 deep, a cluster.json with ranges [null] — exit 2 with one line.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefused, ROOT as root, runCli } from '../support/cli.js';
import { redactToken } from '../../main/bridge/server.js';
import { messageLine, printable, quoted } from '../../shared/printable.js';

let dir: string;
const file = (name: string) => join(dir, name);

const cli = (...args: string[]) => runCli(dir, args, 60_000);

/** Raw ESC, BEL, other C0/C1 controls and the bidi overrides: none may reach a terminal. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const hinge = { data: { target: { kind: 'hinge' }, n: 40 }, steps: 50 };
const HOSTILE = 'a\u001b[31mred\u0007 \u202eevil\u009b2J';
let id: string;

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'lab-user-text-'));
  writeFileSync(file('h.json'), JSON.stringify(hinge));
  const r = cli('run', 'h.json', '--db', 'lab.sqlite', '--json');
  expect(r.code).toBe(0);
  id = String(JSON.parse(r.out).experimentId);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('user text is printed with its control and bidi characters escaped', () => {
  it('printable: ESC, BEL, U+202E and C1 become visible escapes; a quoted value is cut at 80 characters', () => {
    expect(printable(HOSTILE)).toBe('a\\u001b[31mred\\u0007 \\u202eevil\\u009b2J');
    expect(printable('line\nbreak\ttab')).toBe('line\\u000abreak\\u0009tab');
    expect(quoted('x'.repeat(5000))).toBe(`"${'x'.repeat(80)}…"`);
    expect(messageLine('y'.repeat(10_000)).length).toBeLessThan(2100);
  });

  it('a name from rename: list, show and delete print it escaped; --json gives it back exactly', () => {
    expect(cli('rename', id, HOSTILE, '--db', 'lab.sqlite').code).toBe(0);
    const list = cli('list', '--db', 'lab.sqlite');
    expect(list.code).toBe(0);
    expect(list.out).not.toMatch(RAW);
    expect(list.out).toContain('a\\u001b[31mred\\u0007 \\u202eevil\\u009b2J');
    const show = cli('show', id, '--db', 'lab.sqlite');
    expect(show.out).not.toMatch(RAW);
    expect(show.out).toContain(`experiment ${id}: a\\u001b[31mred`);
    const json = cli('list', '--db', 'lab.sqlite', '--json');
    expect(json.out).not.toMatch(RAW);
    expect(JSON.parse(json.out).experiments[0].name).toBe(HOSTILE);
    const del = cli('delete', id, '--db', 'lab.sqlite');
    expect(del.err).not.toMatch(RAW);
    expect(del.err).toContain('\\u202eevil');
  });

  it('a name and a run label from import print escaped', () => {
    writeFileSync(file('h2.json'), JSON.stringify(hinge));
    expect(cli('run', 'h2.json', '--db', 'source.sqlite').code).toBe(0);
    expect(cli('export', '1', '--db', 'source.sqlite', '--out', 'e.json').code).toBe(0);
    const lines = readFileSync(file('e.json'), 'utf8').split('\n');
    const experiment = JSON.parse(lines[1]);
    const run = JSON.parse(lines[2]);
    experiment.experiment.name = HOSTILE;
    run.run.label = `label ${HOSTILE}`;
    writeFileSync(file('hostile-export.json'), [lines[0], JSON.stringify(experiment), JSON.stringify(run), ...lines.slice(3)].join('\n'));
    const imported = cli('import', 'hostile-export.json', '--db', 'imported.sqlite');
    expect(imported.code).toBe(0);
    for (const args of [['list'], ['show', '1']]) {
      const r = cli(...args, '--db', 'imported.sqlite');
      expect(r.code).toBe(0);
      expect(r.out).not.toMatch(RAW);
      expect(r.out).toContain('\\u202eevil');
    }
  });

  it("a sweep's name from cluster.json, and its shard's log line, print escaped in sweep --status", () => {
    writeFileSync(file('spec.json'), JSON.stringify({ name: 'plain', base: hinge, grid: { 'optimizer.lr': [0.01, 0.03] }, seeds: 1 }));
    expect(cli('sweep', 'spec.json', '--slurm', '--dir', 'cluster', '--shards', '2', '--db', 'target.sqlite').code).toBe(0);
    const manifest = JSON.parse(readFileSync(file('cluster/cluster.json'), 'utf8'));
    writeFileSync(file('cluster/cluster.json'), JSON.stringify({ ...manifest, name: HOSTILE }));
    writeFileSync(file('cluster/logs/shard-0.exit'), '1\n');
    writeFileSync(file('cluster/logs/shard-0.log'), `${'x'.repeat(100_000)}\nfailed: ${HOSTILE}\n`);
    const r = cli('sweep', '--status', 'cluster');
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(RAW);
    expect(r.out).toMatch(/^sweep "a\\u001b\[31mred/);
    expect(r.out).toContain('exit 1: failed: a\\u001b[31mred');
  });
});

describe('error lines are bounded', () => {
  it('a CSV cell of 5 MB that is not a number: one short line, the cell cut with …', () => {
    writeFileSync(file('big-cell.csv'), `x,y\n1,${'9'.repeat(10)}${'z'.repeat(5_000_000)}\n`);
    const r = cli('import-data', 'big-cell.csv');
    expectRefused(r, /^big-cell\.csv line 2: y is not a number \("9{10}z+…"\)$/);
    expect(r.err.length).toBeLessThan(300);
  });

  it('a config key of 1 MB in a refusal: the line stays bounded', () => {
    writeFileSync(file('big-key.json'), JSON.stringify({ ...hinge, [`k${'\u001b'.repeat(1_000_000)}`]: 1 }));
    const r = cli('run', 'big-key.json', '--db', 'never.sqlite');
    expect(r.code).toBe(2);
    expect(r.err.length).toBeLessThan(2200);
    expect(r.err).not.toMatch(RAW);
    expect(existsSync(file('never.sqlite'))).toBe(false);
  });
});

describe('numbers are parsed strictly: decimal integers only', () => {
  for (const value of ['1e2', '0x40', '0b11', ' 64', '64.0', '+64', '']) {
    it(`--res ${JSON.stringify(value)}`, () => {
      expectRefused(cli('landscape', 'h.json', '--db', 'never.sqlite', '--res', value), new RegExp(`^--res: must be an integer from 2 to 512, in decimal digits \\(got ${JSON.stringify(value).replace(/[+.]/g, '\\$&')}\\)$`));
      expect(existsSync(file('never.sqlite'))).toBe(false);
    });
  }
  for (const value of ['0x10', 'Infinity', '1e400', ' 2', '0']) {
    it(`--span ${JSON.stringify(value)}`, () => {
      expectRefused(cli('landscape', '--experiment', id, '--db', 'lab.sqlite', '--span', value), /^--span: must be a decimal number > 0 \(such as 2\.5 or 1e-3\) or auto \(got ".*"\)$/);
    });
  }
  it('--span 2.5 and 1e-1 are numbers', () => {
    for (const value of ['2.5', '1e-1']) expect(cli('landscape', '--experiment', id, '--db', 'lab.sqlite', '--span', value, '--res', '5').code).toBe(0);
  });
  it('an experiment id in hex', () => {
    expectRefused(cli('show', '0x1', '--db', 'lab.sqlite'), /^show: must be an experiment id such as 3, see landscape-lab list \(got "0x1"\)$/);
  });
});

describe('"__proto__" is refused, not stored as {}', () => {
  it("an export whose run's hyper is {\"__proto__\": 1}: refused, no database made", () => {
    const doc = readFileSync(file('e.json'), 'utf8').replace(/"hyper":\{/, '"hyper":{"__proto__":1,');
    writeFileSync(file('proto-export.json'), doc);
    expectRefused(cli('import', 'proto-export.json', '--db', 'proto.sqlite'), /^proto-export\.json: line 3: experiments\[0\]\.runs\[0\]\.hyper\.__proto__: is a key no document of ours has/);
    expect(existsSync(file('proto.sqlite'))).toBe(false);
  });

  it('a config with a "__proto__" key, also written with escapes', () => {
    writeFileSync(file('proto.json'), '{"data":{"target":{"kind":"hinge"},"n":40},"optimizer":{"__proto__":{"kind":"sgd"}}}');
    expectRefused(cli('run', 'proto.json', '--db', 'never.sqlite'), /^proto\.json: optimizer\.__proto__: is a key no document of ours has/);
    writeFileSync(file('proto2.json'), '{"data":{"target":{"kind":"hinge"},"n":40},"\\u005f_proto__":{}}');
    expectRefused(cli('run', 'proto2.json', '--db', 'never.sqlite'), /^proto2\.json: __proto__: is a key no document of ours has/);
    expect(existsSync(file('never.sqlite'))).toBe(false);
  });
});

describe('inputs that were internal errors (exit 1) exit 2 with one line', () => {
  it('a config nested 6,000 deep, in objects and in arrays', () => {
    writeFileSync(file('deep.json'), `{"data":{"target":{"kind":"hinge"},"n":40},"extra":${'{"x":'.repeat(6000)}1${'}'.repeat(6000)}}`);
    expectRefused(cli('run', 'deep.json', '--db', 'never.sqlite'), /^deep\.json: extra(\.x)+: nests deeper than 24 levels$/);
    writeFileSync(file('deep-array.json'), `{"data":{"target":{"kind":"hinge"},"n":40},"extra":${'['.repeat(6000)}1${']'.repeat(6000)}}`);
    expectRefused(cli('sweep', 'deep-array.json', '--db', 'never.sqlite'), /^deep-array\.json: extra(\[0\])+: nests deeper than 24 levels$/);
    expect(existsSync(file('never.sqlite'))).toBe(false);
  });

  for (const [what, change] of [
    ['ranges: [null]', { ranges: [null] }],
    ['ranges: [[0, 1], null]', { ranges: [[0, 1], null] }],
    ['shards: -1', { shards: -1 }],
    ['runsTotal: "2"', { runsTotal: '2' }],
    ['ranges that overlap', { ranges: [[0, 2], [1, 2]] }],
  ] as const) {
    it(`sweep --status with a cluster.json whose ${what}`, () => {
      const folder = `cluster-${what.replace(/\W+/g, '-')}`;
      expect(cli('sweep', 'spec.json', '--slurm', '--dir', folder, '--shards', '2', '--db', 'target.sqlite').code).toBe(0);
      const manifest = JSON.parse(readFileSync(file(`${folder}/cluster.json`), 'utf8'));
      writeFileSync(file(`${folder}/cluster.json`), JSON.stringify({ ...manifest, ...change }));
      expectRefused(cli('sweep', '--status', folder), /cluster\.json: is not a cluster manifest this version reads \(.+\); make the folder again with sweep --slurm$/);
    });
  }
});

describe('files that are not what they say', () => {
  it('a file /proc reports as 0 bytes is read to its end (it was "grew while it was read")', () => {
    const r = cli('run', '/proc/self/status', '--db', 'never.sqlite');
    expectRefused(r, /^\/proc\/self\/status: not valid JSON/);
    expect(existsSync(file('never.sqlite'))).toBe(false);
  });

  it('--db :memory: is refused, and leaves no file called so', () => {
    expectRefused(cli('run', 'h.json', '--db', ':memory:'), /^:memory:: is SQLite's name for a temporary database that vanishes on close/);
    expect(existsSync(file(':memory:'))).toBe(false);
  });
});

describe('the serve token never reaches a log line', () => {
  it('redactToken: the token in a URL, a cookie, or cut short, is replaced', () => {
    const token = 'Zk3x9_abcdefghijklmnopqrstuvwxyz01';
    expect(redactToken(`bridge: 400 for GET "/x?token=${token}&y=1": malformed percent-escape`, token)).toBe('bridge: 400 for GET "/x?token=…&y=1": malformed percent-escape');
    expect(redactToken(`bridge: 400 for "GET /?token=${token.slice(0, 20)}…"`, token)).not.toContain(token.slice(0, 20));
    expect(redactToken(`bridge: 400 for "cookie: lab_token_4242=${token}"`, token)).toBe('bridge: 400 for "cookie: lab_token_4242=…"');
    expect(redactToken(`bridge: 500 for GET "/${token}"`, token)).toBe('bridge: 500 for GET "/…"');
  });
});
