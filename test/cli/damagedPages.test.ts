// A database whose stored arrays are damaged (a run's overflow chain points elsewhere): every command
// that reads them refuses in one line naming the file, with exit 2, and leaves the file as it was; so
// does every command that would write to it, though it never reads the damaged run.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRefused, ROOT, runCli } from '../support/cli.js';

let dir: string;
let damaged: string;
let linkedPage: { offset: number };
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-damaged-'));
  const healthy = join(dir, 'healthy.sqlite');
  // 200 snapshots of 49 parameters: a run whose arrays span a chain of overflow pages.
  const example = JSON.parse(readFileSync(join(ROOT, 'examples', 'hinge-adam.json'), 'utf8')) as { model: object };
  writeFileSync(join(dir, 'wider.json'), JSON.stringify({ ...example, model: { ...example.model, hidden: [16] } }));
  expect(runCli(dir, ['run', 'wider.json', '--db', healthy]).code).toBe(0);
  const db = new Database(healthy);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const overflow = db.prepare("SELECT pageno FROM dbstat WHERE name IN ('runs', 'datasets') AND pagetype = 'overflow' ORDER BY pageno").pluck().all() as number[];
  db.close();
  // An overflow page that is not its chain's last: its first 4 bytes name the next page of the chain.
  const bytes = readFileSync(healthy);
  const linked = overflow.find((page) => bytes.readUInt32BE((page - 1) * pageSize) !== 0);
  expect(linked).toBeGreaterThan(2);
  linkedPage = { offset: (linked! - 1) * pageSize };
  damaged = join(dir, 'damaged.sqlite');
  copyFileSync(healthy, damaged);
  const fd = openSync(damaged, 'r+');
  const next = Buffer.alloc(4);
  next.writeUInt32BE(2); // another table's page
  writeSync(fd, next, 0, 4, (linked! - 1) * pageSize);
  closeSync(fd);
}, 120_000);

describe('a damaged run is refused by every command that reads it', () => {
  const commands = [
    ['show', '1'],
    ['landscape', '--experiment', '1', '--res', '8'],
    ['interpolate', '--experiment', '1'],
    ['hessian', '--experiment', '1'],
    ['reproduce', '1'],
    ['export', '1', '--out', 'out.lab.json'],
    ['export-model', '1', '--out', 'model'],
  ];
  for (const args of commands) {
    it(`${args.slice(0, 2).join(' ')}: exit 2, one line, the file unchanged`, () => {
      const file = join(dir, `${args[0]}.sqlite`);
      copyFileSync(damaged, file);
      const before = sha(file);
      expectRefused(runCli(dir, [...args, '--db', file]), /\.sqlite: is damaged \((SQLite reports it corrupt|SQLite's quick_check: .*)\); restore it/);
      expect(sha(file)).toBe(before);
    }, 60_000);
  }
});

describe('a damaged file takes no write, though the command never reads the damaged run', () => {
  const commands = [
    ['rename', '1', 'renamed'],
    ['run', 'wider.json', '--steps', '10'],
    ['landscape', 'wider.json', '--res', '8'],
  ];
  for (const args of commands) {
    it(`${args.slice(0, 2).join(' ')}: exit 2, one line, the file unchanged`, () => {
      const file = join(dir, `write-${args[0]}.sqlite`);
      copyFileSync(damaged, file);
      const before = sha(file);
      expectRefused(runCli(dir, [...args, '--db', file]), /\.sqlite: is damaged \(SQLite's quick_check: .*\); restore it from a backup or export/);
      expect(sha(file)).toBe(before);
    }, 60_000);
  }

  it('a file is checked once per state: the lab remembers what it wrote, and checks again after another program wrote', () => {
    const cache = mkdtempSync(join(tmpdir(), 'lab-checked-'));
    const file = join(dir, 'remembered.sqlite');
    copyFileSync(join(dir, 'healthy.sqlite'), file);
    expect(runCli(dir, ['rename', '1', 'once', '--db', file], 60_000, { XDG_CACHE_HOME: cache }).code).toBe(0);
    const st = statSync(file, { bigint: true });
    const remembered = JSON.parse(readFileSync(join(cache, 'landscape-lab', 'checked-databases.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(remembered)).toEqual([`${st.dev}:${st.ino}`]);
    // Another program damages the same file in place: its state changed, so it is checked again.
    const fd = openSync(file, 'r+');
    const next = Buffer.alloc(4);
    next.writeUInt32BE(2);
    writeSync(fd, next, 0, 4, linkedPage.offset);
    closeSync(fd);
    expectRefused(runCli(dir, ['rename', '1', 'twice', '--db', file], 60_000, { XDG_CACHE_HOME: cache }), /is damaged \(SQLite's quick_check: /);
  }, 60_000);
});
