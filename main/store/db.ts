// Opening a lab database safely. Every check that can refuse a file runs before anything is written
// to it: a file that is not ours, corrupt, too new, read-only or locked is reported — naming the file
// and what to do — and left exactly as it was.
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { InputError } from '../../shared/config.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Open for reading only: nothing is migrated, recovered or written. */
  readonly?: boolean;
  /** How long to wait for another writer before reporting the file as locked (ms). */
  busyTimeoutMs?: number;
}

const SQLITE_HEADER = 'SQLite format 3\0';

/** The database the CLI uses when no --db is given: $XDG_DATA_HOME/landscape-lab/lab.sqlite. */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || '.', '.local', 'share');
  return join(base, 'landscape-lab', 'lab.sqlite');
}

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

/** What SQLite's error codes mean to a user. */
export function explainSqliteError(file: string, e: unknown): never {
  const code = (e as { code?: string }).code ?? '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_BUSY_')) {
    refuse(file, 'is locked by another program (another Landscape Lab?); close it or try again');
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

function checkFileBeforeOpening(file: string, readonly: boolean): { exists: boolean } {
  if (!existsSync(file)) {
    if (readonly) refuse(file, 'no such database; run an experiment first, or pass --db with an existing file');
    return { exists: false };
  }
  const stat = statSync(file);
  if (stat.isDirectory()) refuse(file, 'is a folder, not a database file');
  if (stat.size > 0) {
    const head = Buffer.alloc(16);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
    if (head.toString('latin1') !== SQLITE_HEADER) {
      refuse(file, 'is not a Landscape Lab database (not an SQLite file); choose another file — this one was not changed');
    }
  }
  // The permission bits count even for root, who could write anyway: a file marked read-only stays so.
  if (!readonly && (stat.mode & 0o222) === 0) refuse(file, 'is read-only; make it writable, or copy it to a folder you can write to');
  return { exists: true };
}

/** Reads what decides whether we may use the file, through a read-only connection. */
function inspect(file: string, busyTimeoutMs: number): { version: number; appId: number; tables: number } {
  let db: Db | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs, nativeBinding: nativeBinding() });
    const version = db.pragma('user_version', { simple: true }) as number;
    const appId = db.pragma('application_id', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    return { version, appId, tables };
  } catch (e) {
    return explainSqliteError(file, e);
  } finally {
    db?.close();
  }
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly ?? false;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const { exists } = checkFileBeforeOpening(file, readonly);
  if (exists) {
    const { version, appId, tables } = inspect(file, busyTimeoutMs);
    if (appId !== APPLICATION_ID && tables > 0) {
      refuse(file, 'is an SQLite database of another program, not a Landscape Lab database; choose another file — this one was not changed');
    }
    if (version > SCHEMA_VERSION) {
      refuse(file, `was written by a newer Landscape Lab (schema ${version}; this version knows ${SCHEMA_VERSION}); update the app, or export from the newer one`);
    }
    if (readonly && version < SCHEMA_VERSION) {
      refuse(file, `uses an older schema (${version}); open it once for writing to upgrade it`);
    }
  } else {
    mkdirSync(dirname(file), { recursive: true });
  }
  let db: Db;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs, nativeBinding: nativeBinding() });
  } catch (e) {
    return explainSqliteError(file, e);
  }
  try {
    db.pragma('foreign_keys = ON');
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrate(db);
      markInterrupted(db);
    }
    return db;
  } catch (e) {
    db.close();
    return explainSqliteError(file, e);
  }
}

/** Applies the migrations this file has not seen, each in its own transaction. */
export function migrate(db: Db, upTo = SCHEMA_VERSION): void {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (let v = from; v < upTo; v++) {
    db.transaction(() => {
      MIGRATIONS[v](db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Experiments left `running` by a process that no longer exists (a crash, a kill) become
 * `interrupted`. A live writer on this machine keeps its experiments; one on another machine sharing
 * the file cannot be checked and is left alone.
 */
function markInterrupted(db: Db): void {
  const running = db.prepare("SELECT id, owner_pid, owner_host FROM experiments WHERE status = 'running'").all() as {
    id: number;
    owner_pid: number | null;
    owner_host: string | null;
  }[];
  const here = hostname();
  const stale = running.filter((r) => r.owner_pid === null || (r.owner_host === here && r.owner_pid !== process.pid && !processAlive(r.owner_pid)));
  if (stale.length === 0) return;
  const mark = db.prepare("UPDATE experiments SET status = 'interrupted', owner_pid = NULL WHERE id = ? AND status = 'running'");
  db.transaction(() => stale.forEach((r) => mark.run(r.id))).immediate();
}
