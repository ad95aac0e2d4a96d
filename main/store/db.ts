// Opening a lab database safely. A file is examined before anything is written to it — first its
// bytes (type, size, SQLite header), then, where those cannot decide, through an SQLite connection
// that writes nothing — and one that is not a healthy lab database of a known version is refused
// with one line naming the file and the reason; the file, its folder and its sidecars stay exactly
// as they were. The lab writes only to a healthy lab database, or to one it creates itself: a new
// database is built under a temporary name and linked into place whole, so no other process ever
// sees it half made (two processes creating the same file at once both end up using one database).
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { InputError } from '../../shared/config.js';
import { readFileHead, regularFile } from '../platform/files.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { checkedBefore, rememberChecked } from './checked.js';
import { ownerAlive, type Lease } from './owner.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Open for reading only: nothing is migrated, recovered or written. */
  readonly?: boolean;
  /** Make an existing empty file a lab database: 0 bytes, or SQLite with no tables and no other program's id. */
  init?: boolean;
  /** Refuse a missing file rather than create it: the caller changes experiments already stored. */
  mustExist?: boolean;
  /** How long to wait for another writer before reporting the file as locked (ms). */
  busyTimeoutMs?: number;
}

const SQLITE_HEADER = 'SQLite format 3\0';
/** The 100-byte file header and the b-tree header of page 1 (the root of sqlite_master). */
const HEADER_BYTES = 108;
const UNCHANGED = 'this one was not changed';

function refuse(file: string, what: string): never {
  throw new InputError(`${file}: ${what}`);
}

/**
 * better-sqlite3's native addon for this runtime. Electron loads its own build (made for Electron's
 * ABI) through `nativeBinding`, so the Node build used by tests and the CLI stays in place.
 */
function nativeBinding(): string | undefined {
  if (!process.versions.electron) return undefined;
  const require = createRequire(import.meta.url);
  const candidate = join(dirname(require.resolve('better-sqlite3/package.json')), 'build-electron', 'Release', 'better_sqlite3.node');
  return existsSync(candidate) ? candidate : undefined;
}

/** Another connection held the file for longer than the busy timeout. */
class DatabaseLockedError extends InputError {}

/** What SQLite's error codes mean to a user. */
export function explainSqliteError(file: string, e: unknown): never {
  if (e instanceof InputError) throw e;
  // Only SQLite's codes are strings here: a DOMException (a cancel) has a number.
  const raw = (e as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_BUSY_')) {
    throw new DatabaseLockedError(`${file}: is locked by another program (another Landscape Lab?); close it or try again`);
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) {
    refuse(file, 'is read-only; make it writable, or copy it to a folder you can write to');
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT_')) {
    refuse(file, 'is damaged (SQLite reports it corrupt); restore it from a backup or export, or choose another file');
  }
  if (code === 'SQLITE_CANTOPEN') refuse(file, 'cannot be opened; check that the path and its folder exist and are accessible');
  if (code === 'SQLITE_FULL') refuse(file, 'cannot grow: the disk is full; free some space and try again');
  throw e;
}

/** What decides whether a file may be used, read from its header bytes or through SQLite. */
interface Facts {
  appId: number;
  version: number;
  /** Entries in sqlite_master (tables, indexes, …): 0 for an empty database. */
  schemaEntries: number;
}

type Found =
  | { kind: 'missing' }
  | { kind: 'empty' }
  /** `facts` is null when a non-empty -wal may hold a newer header than the file's own. */
  | { kind: 'sqlite'; wal: boolean; facts: Facts | null };

function fsCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/**
 * SQLite opens the sidecars by name beside the file: each must be absent or a regular file, since a
 * FIFO there blocks the open and a device never ends. Checked through the file guard before SQLite
 * is let near the file, which is then left as it was.
 */
function checkSidecars(file: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) {
    try {
      regularFile(`${file}${suffix}`, `an SQLite ${suffix} file`);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      refuse(`${file}${suffix}`, `${e.message.slice(file.length + suffix.length + 2)}; remove it or choose another database — ${UNCHANGED}`);
    }
  }
}

/** The file's type, size and SQLite header, read without opening it as a database. */
function examine(file: string): Found {
  checkSidecars(file);
  let stats;
  try {
    stats = lstatSync(file);
  } catch (e) {
    if (fsCode(e) === 'ENOENT') return { kind: 'missing' };
    refuse(file, `cannot be examined (${fsCode(e)}); check the path and its folder's permissions`);
  }
  if (stats.isSymbolicLink()) {
    try {
      stats = statSync(file);
    } catch (e) {
      refuse(file, `is a symbolic link that leads nowhere (${fsCode(e)}); point it at a lab database, or choose another file — ${UNCHANGED}`);
    }
  }
  if (stats.isDirectory()) refuse(file, 'is a folder, not a database file');
  // A pipe or device would block or never end when read.
  if (!stats.isFile()) refuse(file, `is not a regular file (a device, pipe or socket), not a database file — ${UNCHANGED}`);
  if (stats.size === 0) return { kind: 'empty' };
  const head = Buffer.alloc(HEADER_BYTES);
  let got: number;
  try {
    got = readFileHead(file, head, 'a database file');
  } catch (e) {
    if (e instanceof InputError) throw e;
    refuse(file, `cannot be read (${fsCode(e)}); check its permissions`);
  }
  if (head.subarray(0, 16).toString('latin1') !== SQLITE_HEADER) {
    refuse(file, `is not a Landscape Lab database (not an SQLite file); choose another file — ${UNCHANGED}`);
  }
  const pageSize = head.readUInt16BE(16) === 1 ? 65536 : head.readUInt16BE(16);
  const shorter = got < HEADER_BYTES ? 'an SQLite header' : stats.size < pageSize ? `its first page (${pageSize} bytes)` : null;
  if (shorter) refuse(file, `is damaged (truncated: ${stats.size} bytes, shorter than ${shorter}); restore it from a backup or export, or choose another file — ${UNCHANGED}`);
  const wal = head[18] === 2;
  let walBytes = 0;
  try {
    walBytes = statSync(`${file}-wal`).size;
  } catch {
    // No -wal: the file's header is current.
  }
  if (walBytes > 0) return { kind: 'sqlite', wal, facts: null };
  const pageType = head[100];
  // 0x0d: a leaf holding the schema's entries; 0x05: an interior page, so at least one entry.
  if (pageType !== 0x0d && pageType !== 0x05) {
    refuse(file, `is damaged (its first page is not an SQLite table page); restore it from a backup or export, or choose another file — ${UNCHANGED}`);
  }
  return { kind: 'sqlite', wal, facts: { appId: head.readInt32BE(68), version: head.readInt32BE(60), schemaEntries: pageType === 0x0d ? head.readUInt16BE(103) : 1 } };
}

/** Lab (use it), init (make the empty database a lab one) or a refusal, from what the file says it is. */
function decide(file: string, f: Facts, o: { readonly: boolean; init: boolean }): 'lab' | 'init' {
  if (f.appId !== APPLICATION_ID && f.appId !== 0) {
    refuse(file, `is an SQLite database of another program (application_id ${f.appId}), not a Landscape Lab database; choose another file — ${UNCHANGED}`);
  }
  if (f.appId === 0 && (f.schemaEntries > 0 || f.version !== 0)) {
    const has = f.schemaEntries > 0 ? 'tables' : `user_version ${f.version}`;
    refuse(file, `is an SQLite database of another program (it has ${has} but not Landscape Lab's application_id); choose another file — ${UNCHANGED}`);
  }
  if (f.version === 0 && f.schemaEntries === 0) {
    if (o.init && !o.readonly) return 'init';
    const what = f.appId === 0 ? 'is an empty SQLite database, not a Landscape Lab database' : "has Landscape Lab's application_id but no tables (a database never finished)";
    refuse(file, `${what}${o.readonly ? '' : '; pass --init to make it a lab database'} — ${UNCHANGED}`);
  }
  if (f.version <= 0) {
    refuse(file, `is damaged (schema version ${f.version}, which no Landscape Lab writes${f.schemaEntries > 0 ? ', with tables' : ''}); restore it from a backup or export, or choose another file — ${UNCHANGED}`);
  }
  if (f.version > SCHEMA_VERSION) {
    refuse(file, `was written by a newer Landscape Lab (schema ${f.version}; this version knows ${SCHEMA_VERSION}); update the app, or export from the newer one`);
  }
  if (o.readonly && f.version < SCHEMA_VERSION) {
    refuse(file, `uses an older schema (${f.version}; this version's is ${SCHEMA_VERSION}); upgrade it with landscape-lab upgrade --db ${file}, or open it in the app`);
  }
  return 'lab';
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A connection that writes nothing and leaves no files behind. A read-only connection to a WAL
 * database creates -wal and -shm and leaves them; a read-write one removes them when it closes, and
 * with an empty WAL it writes nothing to the database, so it is used (with query_only) where it can
 * be. A rollback-journal file is read without sidecars; an existing -wal belongs to another session
 * (a live writer, or a crashed one whose commits it holds) and is only read.
 */
function readConnection(file: string, wal: boolean, timeout: number): Db {
  const readWrite = wal && !existsSync(`${file}-wal`) && writable(file) && writable(dirname(file));
  const db = new Database(file, { readonly: !readWrite, fileMustExist: true, timeout, nativeBinding: nativeBinding() });
  if (readWrite) db.pragma('query_only = ON');
  return db;
}

/** The tables each schema version has, as its migrations make them. */
const tablesOfVersion = new Map<number, string[]>();
function tablesOf(version: number): string[] {
  let tables = tablesOfVersion.get(version);
  if (!tables) {
    const mem = new Database(':memory:', { nativeBinding: nativeBinding() });
    migrate(mem, version);
    tables = (mem.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    mem.close();
    tablesOfVersion.set(version, tables);
  }
  return tables;
}

/**
 * Through SQLite: what the file is, that its schema is whole and, before the lab writes to it, that
 * SQLite's quick_check finds nothing wrong (once per state of the file: main/store/checked.ts).
 */
function check(file: string, db: Db, o: { readonly: boolean; init: boolean }): 'lab' | 'init' {
  // One read transaction: another process migrating the file meanwhile must not show us its new
  // version beside the old tables (a migration that adds tables would read as damage).
  const { names, facts } = db.transaction(() => {
    const names = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const entries = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
    return { names, facts: { appId: db.pragma('application_id', { simple: true }) as number, version: db.pragma('user_version', { simple: true }) as number, schemaEntries: entries } };
  })();
  const verdict = decide(file, facts, o);
  if (verdict === 'init') return verdict;
  const missing = tablesOf(facts.version).find((t) => !names.has(t));
  if (missing) refuse(file, `is damaged (schema ${facts.version} has no table ${missing}); restore it from a backup or export, or choose another file — ${UNCHANGED}`);
  const changing = !o.readonly && (db.pragma('journal_mode', { simple: true }) !== 'wal' || facts.version < SCHEMA_VERSION);
  if (changing || (!o.readonly && !checkedBefore(file))) {
    const result = db.pragma('quick_check', { simple: true }) as string;
    if (result !== 'ok') refuse(file, `is damaged (SQLite's quick_check: ${result.split('\n')[0]}); restore it from a backup or export, or choose another file — ${UNCHANGED}`);
    rememberChecked(file);
  }
  // The running experiments are read here, so damage in that table is found before anything is written.
  markInterrupted(db, { dryRun: true });
  return verdict;
}

/** Builds a new database under a temporary name and links it into place, unless another process did first. */
function create(file: string, timeout: number): void {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    refuse(file, `cannot be created: its folder cannot be made (${fsCode(e)})`);
  }
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.new`);
  try {
    const db = new Database(temp, { timeout, nativeBinding: nativeBinding() });
    try {
      // 8 KiB pages: a sweep run's row (about 1.6 KB) packs five to a page, not two to a 4 KiB one.
      db.pragma('page_size = 8192');
      db.pragma('journal_mode = WAL');
      migrate(db);
    } finally {
      db.close();
    }
    try {
      linkSync(temp, file);
    } catch (e) {
      // EEXIST: another process made the file first; it is examined like any existing file.
      if (fsCode(e) === 'EEXIST') return;
      // A file system without hard links: a copy is exclusive too, though not atomic.
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP'].includes(fsCode(e))) throw e;
      try {
        copyFileSync(temp, file, constants.COPYFILE_EXCL);
      } catch (e2) {
        if (fsCode(e2) !== 'EEXIST') throw e2;
      }
    }
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('SQLITE_')) explainSqliteError(file, e);
    refuse(file, `cannot be created in ${dir} (${fsCode(e)}); check that you can write there`);
  } finally {
    for (const f of [temp, `${temp}-wal`, `${temp}-shm`, `${temp}-journal`]) rmSync(f, { force: true });
  }
}

/**
 * Opens the file, trying again while it is busy, up to the busy timeout. SQLite reports some brief
 * conflicts at once rather than after waiting — another process switching the file to WAL, or
 * closing the last connection and removing the -wal, while this one looks at it — and each attempt
 * starts over from the file's bytes.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const timeout = options.busyTimeoutMs ?? 5000;
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      const db = openOnce(file, { ...options, busyTimeoutMs: Math.max(1, deadline - Date.now()) });
      // Later writes wait the whole timeout again, not what was left of it.
      db.pragma(`busy_timeout = ${timeout}`);
      return db;
    } catch (e) {
      if (!(e instanceof DatabaseLockedError) || Date.now() >= deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

function openOnce(file: string, options: OpenOptions): Db {
  // SQLite's names for a database that vanishes on close: a save there would be a lie, and the lab's
  // own checks would create a file of that name beside it.
  if (file === ':memory:' || file === '') refuse(file || '""', "is SQLite's name for a temporary database that vanishes on close; give a file name (./:memory: for a file called so)");
  const readonly = options.readonly ?? false;
  const init = options.init ?? false;
  const timeout = options.busyTimeoutMs ?? 5000;
  let found = examine(file);
  if (found.kind === 'missing') {
    if (readonly || options.mustExist) refuse(file, 'no such database; run an experiment first, or pass --db with an existing file');
    create(file, timeout);
    found = examine(file);
  }
  if (found.kind === 'missing') refuse(file, 'vanished while it was being created; try again');
  if (found.kind === 'empty' && !(init && !readonly)) {
    refuse(file, `is an empty file (0 bytes), not a Landscape Lab database${readonly ? '' : '; pass --init to make it a lab database'} — ${UNCHANGED}`);
  }
  const o = { readonly, init };
  if (found.kind === 'sqlite' && found.facts) decide(file, found.facts, o);
  // The permission bits count even for root, who could write anyway: a file marked read-only stays so.
  if (!readonly && ((statSync(file).mode & 0o222) === 0 || !writable(file))) refuse(file, 'is read-only; make it writable, or copy it to a folder you can write to');

  // A 0-byte file got this far only with --init.
  let verdict: 'lab' | 'init' = 'init';
  if (found.kind === 'sqlite') {
    let db: Db | null = null;
    try {
      db = readConnection(file, found.wal, timeout);
      verdict = check(file, db, o);
      if (readonly) {
        const kept = db;
        db = null;
        return kept;
      }
    } catch (e) {
      return explainSqliteError(file, e);
    } finally {
      db?.close();
    }
  }

  let db: Db;
  try {
    db = new Database(file, { fileMustExist: true, timeout, nativeBinding: nativeBinding() });
  } catch (e) {
    return explainSqliteError(file, e);
  }
  try {
    db.pragma('foreign_keys = ON');
    // SQLite's extra checks of every page it loads: damage is found before a write builds on it.
    db.pragma('cell_size_check = ON');
    migrate(db, SCHEMA_VERSION, verdict === 'init');
    // Only now, with the file known healthy and ours, does its journal mode change (header bytes 18–19).
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    markInterrupted(db);
    // What the lab wrote is whole: the next opening need not read every page again.
    const close = db.close.bind(db);
    db.close = () => {
      close();
      rememberChecked(file);
      return db;
    };
    return db;
  } catch (e) {
    db.close();
    return explainSqliteError(file, e);
  }
}

/**
 * Applies the migrations this file has not seen, in one exclusive transaction: the version is read
 * again under the lock, so two processes opening the same old (or `init`) file migrate it once.
 * `fromEmpty`: the file was an empty database when examined; it must still be when migrated.
 */
export function migrate(db: Db, upTo = SCHEMA_VERSION, fromEmpty = false): void {
  if ((db.pragma('user_version', { simple: true }) as number) >= upTo) return;
  db.transaction(() => {
    const from = db.pragma('user_version', { simple: true }) as number;
    if (from === 0 && fromEmpty && (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n > 0) {
      throw new InputError(`${db.name}: gained tables while it was being made a lab database; choose another file`);
    }
    for (let v = from; v < upTo; v++) {
      MIGRATIONS[v](db);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).exclusive();
}

/**
 * Experiments left `running` by a process that is gone (a crash, a kill) become `interrupted`: the
 * owner's pid is not running, or runs a different process (its start time differs). With `dryRun`
 * they are only read (a check that the table reads). Reads say `interrupted` either way (summaries
 * apply the same test), so a read-only open needs no write.
 */
function markInterrupted(db: Db, { dryRun = false } = {}): void {
  const running = db.prepare("SELECT * FROM experiments WHERE status = 'running'").all() as ({ id: number } & Lease)[];
  const stale = running.filter((r) => !ownerAlive({ owner_pid: r.owner_pid, owner_host: r.owner_host, owner_started: r.owner_started ?? null }));
  if (stale.length === 0 || dryRun) return;
  const mark = db.prepare("UPDATE experiments SET status = 'interrupted', owner_pid = NULL, owner_started = NULL WHERE id = ? AND status = 'running'");
  db.transaction(() => stale.forEach((r) => mark.run(r.id))).immediate();
}
