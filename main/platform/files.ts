// The one guard every file the lab reads goes through: a config, a sweep spec, a CSV or an export the
// user names, a cluster folder's manifest, exit codes and logs, a database and its -wal/-shm/-journal
// sidecars, the renderer `serve` sends, /proc's process status and the loader's cache (which libraries
// exist, before Dawn loads). Only a regular file is read, and never more than a limit per kind, since a device such as
// /dev/zero never ends and a FIFO blocks whoever opens it for reading. Each file is examined (lstat,
// then stat through a link) before it is opened, opened with O_NONBLOCK (a file swapped for a FIFO
// between the check and the open does not block), and checked again on its descriptor. A refusal is
// one line naming the file and what is allowed.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InputError } from '../../shared/errors.js';

export function mib(bytes: number): string {
  return `${Number((bytes / 2 ** 20).toPrecision(3))} MiB`;
}

/** What each kind of file the lab reads may be at most. */
export const FILE_LIMITS = {
  /** cluster.json: a few hundred bytes per shard. */
  manifest: 2 ** 20,
  /** logs/*.exit: a shell's `echo $?`. */
  exitCode: 64,
  /** The end of a log read for its last line. */
  logTail: 4096,
  /** One file of the built renderer that `serve` sends (its largest script is about 1 MB). */
  rendererFile: 64 * 2 ** 20,
  /** /proc/PID/stat: one line of some 50 numbers and a command name of at most 64 bytes. */
  processStat: 4096,
  /** /proc/sys/kernel/random/boot_id: a UUID. */
  bootId: 64,
  /** /etc/ld.so.cache: the dynamic loader's list of libraries (hundreds of KB on a full system). */
  loaderCache: 64 * 2 ** 20,
} as const;

const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function reason(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  return new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? (e as Error).message})`}`);
}

function checkKind(path: string, st: Stats, kind: string, limit: number): void {
  if (st.isDirectory()) throw new InputError(`${path}: is a folder, not ${kind}`);
  if (!st.isFile()) throw new InputError(`${path}: is not a regular file (a device, pipe or socket), so it cannot be ${kind}`);
  if (st.size > limit) throw new InputError(`${path}: is ${mib(st.size)}; ${kind} is limited to ${limit < 2 ** 16 ? `${limit} bytes` : mib(limit)}`);
}

/**
 * What is at `path`, without opening it: null when nothing is there (nor a link to anything), else
 * its stats, refused unless it is a regular file of at most `limit` bytes (a link is followed; one
 * that leads nowhere is refused).
 */
export function regularFile(path: string, kind: string, limit = Number.MAX_SAFE_INTEGER): Stats | null {
  if (path === '') throw new InputError(`file name: must not be empty; give ${kind}`);
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw reason(path, e);
  }
  if (st.isSymbolicLink()) {
    try {
      st = statSync(path);
    } catch (e) {
      throw new InputError(`${path}: is a symbolic link that leads nowhere (${(e as NodeJS.ErrnoException).code}); ${kind} must be a regular file`);
    }
  }
  checkKind(path, st, kind, limit);
  return st;
}

/** A folder the lab reads from (a cluster folder): refused unless it is one. */
export function checkFolder(path: string, what: string): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such folder' : `cannot be read (${code})`}; ${what}`);
  }
  if (!st.isDirectory()) throw new InputError(`${path}: is not a folder; ${what}`);
}

/** Opens a file `regularFile` accepted, without blocking, and checks it again on its descriptor. */
function openChecked(path: string, kind: string, limit: number): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch (e) {
    throw reason(path, e);
  }
  try {
    const st = fstatSync(fd);
    checkKind(path, st, kind, limit);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e instanceof InputError ? e : reason(path, e);
  }
}

function readAll(path: string, fd: number, size: number, limit: number, kind: string): Buffer {
  // A file that says it is empty may not be (/proc reports 0 bytes): read it to its end, up to the limit.
  if (size === 0) return readToEnd(path, fd, limit, kind);
  // One byte more than its size: a file that grew since its stat is caught, not cut short.
  const buf = Buffer.allocUnsafe(Math.min(size, limit) + 1);
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, null);
    if (n === 0) break;
    got += n;
  }
  if (got > limit) throw new InputError(`${path}: is larger than ${mib(limit)}; ${kind} is limited to that`);
  if (got === buf.length) throw new InputError(`${path}: grew while it was read; try again when it is complete`);
  return buf.subarray(0, got);
}

function readToEnd(path: string, fd: number, limit: number, kind: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) return Buffer.concat(chunks, total);
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > limit) throw new InputError(`${path}: is larger than ${mib(limit)}; ${kind} is limited to that`);
  }
}

/** The bytes of a file that may be absent: null when nothing is there; otherwise as readInputFile. */
export function readOptionalFile(path: string, limit: number, kind: string): Buffer | null {
  if (!regularFile(path, kind, limit)) return null;
  const { fd, size } = openChecked(path, kind, limit);
  try {
    return readAll(path, fd, size, limit, kind);
  } catch (e) {
    throw e instanceof InputError ? e : reason(path, e);
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes of a regular file of at most `limit` bytes; anything else is refused with one line naming
 * the file. `kind` says what the file should be ("a JSON file", "an export file").
 */
export function readInputFile(path: string, limit: number, kind: string): Buffer {
  const bytes = readOptionalFile(path, limit, kind);
  if (bytes === null) throw new InputError(`${path}: no such file`);
  return bytes;
}

/** The last `bytes` bytes of a regular file of any size (a log), as text; null when it is absent. */
export function readFileTail(path: string, bytes: number, kind: string): string | null {
  if (!regularFile(path, kind)) return null;
  const { fd, size } = openChecked(path, kind, Number.MAX_SAFE_INTEGER);
  try {
    const buf = Buffer.allocUnsafe(Math.min(size, bytes));
    const got = readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.subarray(0, got).toString('utf8');
  } catch (e) {
    throw reason(path, e);
  } finally {
    closeSync(fd);
  }
}

/**
 * A regular file of any size opened for reading through the guard, as a descriptor the caller reads
 * and closes (an export read line by line).
 */
export function openInputFile(path: string, kind: string): number {
  if (!regularFile(path, kind)) throw new InputError(`${path}: no such file`);
  return openChecked(path, kind, Number.MAX_SAFE_INTEGER).fd;
}

/** Reads the first bytes of a regular file (a database's header) into `into`; returns how many. */
export function readFileHead(path: string, into: Buffer, kind: string): number {
  const { fd } = openChecked(path, kind, Number.MAX_SAFE_INTEGER);
  try {
    return readSync(fd, into, 0, into.length, 0);
  } finally {
    closeSync(fd);
  }
}
