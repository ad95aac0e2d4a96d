// Files the lab must refuse, and leave exactly as they were: each hostile file sits alone in a folder,
// and after every open — for writing, with --init, and read-only — the folder's listing and every
// byte in it are unchanged (no -wal, -shm or temporary file appears), and the message is exactly
// the one line naming the file and the real reason. Empty files are the exception --init is for.
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../shared/config.js';
import { saveRun } from '../../main/lab/experiments.js';
import { openStore } from '../../main/store/index.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../main/store/migrations.js';
import { config, train } from '../support/helpers.js';

const cliEntry = fileURLToPath(new URL('../fixtures/cli.ts', import.meta.url));
const UNCHANGED = 'this one was not changed';
const RESTORE = 'restore it from a backup or export, or choose another file';

let root: string;
/** A healthy lab database with one experiment, checkpointed: every case below starts from a copy. */
let labBytes: Buffer;
/** Its tables' root pages, to damage one. */
let rootPages: Record<string, number>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'lab-refusals-'));
  const file = join(root, 'healthy.sqlite');
  const store = openStore(file);
  saveRun(store, await train(config({ steps: 20 }), { kernel: 'js' }));
  rootPages = Object.fromEntries(store.db.prepare("SELECT name, rootpage FROM sqlite_master WHERE type = 'table'").raw().all() as [string, number][]);
  store.db.close();
  labBytes = readFileSync(file);
});

/** Every entry of a folder, recursively: names, types, modes and content hashes (links by target). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out[name] = `link → ${readlinkSync(p)}`;
    else if (st.isDirectory()) out[name] = `dir ${JSON.stringify(snapshot(p))}`;
    else if (st.isFile()) out[name] = `file ${st.mode} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    else out[name] = `other ${st.mode}`;
  }
  return out;
}

function sqlite(file: string, sql: string, pragmas: string[] = []): void {
  const db = new Database(file);
  pragmas.forEach((p) => db.pragma(p));
  if (sql) db.exec(sql);
  db.close();
}

/** A copy of the healthy lab database with `edit` applied through SQLite (rollback journal mode). */
function labWith(file: string, edit: (db: Database.Database) => void): void {
  writeFileSync(file, labBytes);
  const db = new Database(file);
  edit(db);
  db.close();
}

/** Overwrites one page of the file (1-based) with garbage. */
function damagePage(file: string, page: number): void {
  const bytes = readFileSync(file);
  const size = bytes.readUInt16BE(16);
  bytes.fill(0xa5, (page - 1) * size, page * size);
  writeFileSync(file, bytes);
}

interface Case {
  name: string;
  make: (file: string, dir: string) => void;
  /** The refusal for writing (after `${file}: `); a pattern where it quotes SQLite's words. */
  message: string | RegExp;
  /** An empty file: --init makes it a lab database instead of refusing it. */
  empty?: boolean;
}

const FOREIGN_1234 = `is an SQLite database of another program (application_id 1234), not a Landscape Lab database; choose another file — ${UNCHANGED}`;

const CASES: Case[] = [
  { name: "another program's empty database (application_id 1234)", make: (f) => sqlite(f, '', ['application_id = 1234']), message: FOREIGN_1234 },
  { name: 'another application_id with user_version 7', make: (f) => sqlite(f, '', ['application_id = 1234', 'user_version = 7']), message: FOREIGN_1234 },
  {
    name: "another program's database with tables and no application_id",
    make: (f) => sqlite(f, 'CREATE TABLE contacts (name TEXT)'),
    message: `is an SQLite database of another program (it has tables but not Landscape Lab's application_id); choose another file — ${UNCHANGED}`,
  },
  {
    name: "a symbolic link to another program's database",
    make: (f, dir) => {
      sqlite(join(dir, 'theirs.db'), 'CREATE TABLE contacts (name TEXT)', ['application_id = 1234']);
      symlinkSync('theirs.db', f);
    },
    message: FOREIGN_1234,
  },
  { name: 'a 0-byte file', make: (f) => writeFileSync(f, ''), message: `is an empty file (0 bytes), not a Landscape Lab database; pass --init to make it a lab database — ${UNCHANGED}`, empty: true },
  {
    name: 'an empty SQLite database',
    make: (f) => sqlite(f, 'CREATE TABLE t (x); DROP TABLE t'),
    message: `is an empty SQLite database, not a Landscape Lab database; pass --init to make it a lab database — ${UNCHANGED}`,
    empty: true,
  },
  {
    name: "Landscape Lab's application_id and no tables",
    make: (f) => sqlite(f, '', [`application_id = ${APPLICATION_ID}`]),
    message: `has Landscape Lab's application_id but no tables (a database never finished); pass --init to make it a lab database — ${UNCHANGED}`,
    empty: true,
  },
  {
    name: "Landscape Lab's application_id, schema 3 and no tables",
    make: (f) => sqlite(f, '', [`application_id = ${APPLICATION_ID}`, 'user_version = 3']),
    message: `is damaged (schema 3 has no table experiments); ${RESTORE} — ${UNCHANGED}`,
  },
  {
    name: 'user_version -1 on a lab database',
    make: (f) => labWith(f, (db) => db.pragma('user_version = -1')),
    message: `is damaged (schema version -1, which no Landscape Lab writes, with tables); ${RESTORE} — ${UNCHANGED}`,
  },
  {
    name: 'a lab database missing a table',
    make: (f) => labWith(f, (db) => db.exec('DROP TABLE interpolations')),
    message: `is damaged (schema ${SCHEMA_VERSION} has no table interpolations); ${RESTORE} — ${UNCHANGED}`,
  },
  {
    name: 'a newer lab database',
    make: (f) => labWith(f, (db) => db.pragma('user_version = 99')),
    message: `was written by a newer Landscape Lab (schema 99; this version knows ${SCHEMA_VERSION}); update the app, or export from the newer one`,
  },
  {
    // The lab would switch it to WAL (header bytes 18–19) before noticing: quick_check runs first.
    name: 'a damaged rollback-journal lab database',
    make: (f) => {
      labWith(f, (db) => db.pragma('journal_mode = DELETE'));
      damagePage(f, rootPages.runs);
    },
    message: new RegExp(`^is damaged \\(SQLite's quick_check: .+\\); ${RESTORE} — ${UNCHANGED}$`),
  },
  {
    name: 'a damaged WAL lab database',
    make: (f) => {
      writeFileSync(f, labBytes);
      damagePage(f, rootPages.experiments);
    },
    message: new RegExp(`^is damaged \\(SQLite's quick_check: .+\\); ${RESTORE} — ${UNCHANGED}$`),
  },
  {
    name: 'a lab database whose first page is wrecked',
    make: (f) => {
      writeFileSync(f, labBytes);
      const bytes = readFileSync(f);
      bytes.fill(0x5a, 100, 8192);
      writeFileSync(f, bytes);
    },
    message: `is damaged (its first page is not an SQLite table page); ${RESTORE} — ${UNCHANGED}`,
  },
  {
    name: 'a truncated header',
    make: (f) => writeFileSync(f, labBytes.subarray(0, 40)),
    message: `is damaged (truncated: 40 bytes, shorter than an SQLite header); ${RESTORE} — ${UNCHANGED}`,
  },
  {
    name: 'a lab database cut inside its first page',
    make: (f) => writeFileSync(f, labBytes.subarray(0, 2000)),
    message: `is damaged (truncated: 2000 bytes, shorter than its first page (8192 bytes)); ${RESTORE} — ${UNCHANGED}`,
  },
  {
    name: 'a lab database cut after its first pages',
    make: (f) => {
      writeFileSync(f, labBytes);
      truncateSync(f, 8192 * 2);
    },
    message: `is damaged (SQLite reports it corrupt); ${RESTORE}`,
  },
  { name: 'random bytes', make: (f) => writeFileSync(f, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 251))), message: `is not a Landscape Lab database (not an SQLite file); choose another file — ${UNCHANGED}` },
  { name: 'a CSV file', make: (f) => writeFileSync(f, 'x,y\n1,2\n'), message: `is not a Landscape Lab database (not an SQLite file); choose another file — ${UNCHANGED}` },
  { name: 'a folder', make: (f) => mkdirSync(f), message: 'is a folder, not a database file' },
  { name: 'a named pipe', make: (f) => spawnSync('mkfifo', [f]), message: `is not a regular file (a device, pipe or socket), not a database file — ${UNCHANGED}` },
  {
    name: 'a symbolic link that leads nowhere',
    make: (f) => symlinkSync('missing.sqlite', f),
    message: `is a symbolic link that leads nowhere (ENOENT); point it at a lab database, or choose another file — ${UNCHANGED}`,
  },
];

/** The error of opening the file and listing it (a read-only open does not check a whole file first: damage is met as it is read). */
function refusal(file: string, options: { readonly?: boolean; init?: boolean }): Error {
  try {
    const store = openStore(file, options);
    try {
      store.list();
    } finally {
      store.db.close();
    }
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as Error;
  }
  throw new Error(`${file} was opened with ${JSON.stringify(options)}`);
}

describe('hostile files are refused and stay byte-identical, folder included', () => {
  for (const [k, c] of CASES.entries()) {
    it(c.name, () => {
      const dir = join(root, `case-${k}`);
      mkdirSync(dir);
      const file = join(dir, 'lab.sqlite');
      c.make(file, dir);
      const before = snapshot(dir);
      const { message } = c;
      const expectMessage = (e: Error) => {
        expect(e.message.startsWith(`${file}: `)).toBe(true);
        const rest = e.message.slice(file.length + 2);
        if (typeof message === 'string') expect(rest).toBe(message);
        else expect(rest).toMatch(message);
        expect(e.message).not.toMatch(/\n/);
      };
      expectMessage(refusal(file, {}));
      expect(snapshot(dir)).toEqual(before);
      // Read-only opens refuse them too (an empty file's advice differs: list cannot --init).
      const readonly = refusal(file, { readonly: true });
      expect(readonly.message.startsWith(`${file}: `)).toBe(true);
      expect(snapshot(dir)).toEqual(before);
      if (c.empty) {
        const store = openStore(file, { init: true });
        expect(store.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
        expect(store.list()).toEqual([]);
        store.db.close();
      } else {
        // --init takes empty files only: everything else is refused just the same.
        expectMessage(refusal(file, { init: true }));
        expect(snapshot(dir)).toEqual(before);
      }
    });
  }
});

describe('the CLI', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cliEntry, ...args], { encoding: 'utf8' });

  it('refuses an empty file with exit 2 and one line, and --init makes it the lab database', () => {
    const dir = mkdtempSync(join(root, 'cli-'));
    const file = join(dir, 'empty.sqlite');
    writeFileSync(file, '');
    const cfg = join(root, 'tiny.json');
    writeFileSync(cfg, JSON.stringify({ data: { target: { kind: 'hinge' }, n: 20 }, steps: 10 }));
    const refused = cli('run', cfg, '--db', file);
    expect([refused.status, refused.stdout, refused.stderr]).toEqual([2, '', `landscape-lab: ${file}: is an empty file (0 bytes), not a Landscape Lab database; pass --init to make it a lab database — ${UNCHANGED}\n`]);
    expect(readdirSync(dir)).toEqual(['empty.sqlite']);
    expect(readFileSync(file).length).toBe(0);
    const init = cli('run', cfg, '--db', file, '--init');
    expect(init.status).toBe(0);
    expect(init.stderr).toMatch(/saved as experiment 1 in /);
  });

  it('serve refuses an empty file the same way, and serves it with --init', async () => {
    const dir = mkdtempSync(join(root, 'serve-'));
    const file = join(dir, 'empty.sqlite');
    writeFileSync(file, '');
    const refused = cli('serve', '--db', file);
    expect([refused.status, refused.stdout, refused.stderr]).toEqual([2, '', `landscape-lab: ${file}: is an empty file (0 bytes), not a Landscape Lab database; pass --init to make it a lab database — ${UNCHANGED}\n`]);
    expect(readFileSync(file).length).toBe(0);
    const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, 'serve', '--db', file, '--init'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    await expect.poll(() => out, { timeout: 30_000, interval: 50 }).toMatch(/http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    child.kill('SIGINT');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  }, 60_000);
});
