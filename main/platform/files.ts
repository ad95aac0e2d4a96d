// Reading a file the user names (a config, a sweep spec, a CSV, an export): only a regular file, and
// never more than a limit, since a device such as /dev/zero never ends and a FIFO blocks whoever opens it.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InputError } from '../../shared/config.js';

export function mib(bytes: number): string {
  return `${Number((bytes / 2 ** 20).toPrecision(3))} MiB`;
}

function reason(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  return new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? (e as Error).message})`}`);
}

function checkKind(path: string, st: Stats, kind: string, limit: number): void {
  if (st.isDirectory()) throw new InputError(`${path}: is a folder, not ${kind}`);
  if (!st.isFile()) throw new InputError(`${path}: is not a regular file (a device, pipe or socket), so it cannot be ${kind}`);
  if (st.size > limit) throw new InputError(`${path}: is ${mib(st.size)}; ${kind} is limited to ${mib(limit)}`);
}

/**
 * The bytes of a regular file of at most `limit` bytes; anything else is refused with one line naming
 * the file. `kind` says what the file should be ("a JSON file", "an export file").
 */
export function readInputFile(path: string, limit: number, kind: string): Buffer {
  if (path === '') throw new InputError(`file name: must not be empty; give ${kind}`);
  let fd: number;
  try {
    // Checked before opening: opening a FIFO waits for a writer. O_NONBLOCK covers a file swapped for
    // one between the check and the open (0 where the platform has no such flag).
    checkKind(path, statSync(path), kind, limit);
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw e instanceof InputError ? e : reason(path, e);
  }
  try {
    checkKind(path, fstatSync(fd), kind, limit);
    // One byte more than its size: a file that grew since its stat is caught, not cut short.
    const buf = Buffer.allocUnsafe(Math.min(fstatSync(fd).size, limit) + 1);
    let size = 0;
    while (size < buf.length) {
      const got = readSync(fd, buf, size, buf.length - size, null);
      if (got === 0) break;
      size += got;
    }
    if (size > limit) throw new InputError(`${path}: is larger than ${mib(limit)}; ${kind} is limited to that`);
    if (size === buf.length) throw new InputError(`${path}: grew while it was read; try again when it is complete`);
    return buf.subarray(0, size);
  } catch (e) {
    throw e instanceof InputError ? e : reason(path, e);
  } finally {
    closeSync(fd);
  }
}
