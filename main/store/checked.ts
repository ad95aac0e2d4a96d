// Which database files were found whole. A write must build only on a file SQLite's quick_check finds
// whole: damage in pages a command never reads (another experiment's arrays) is otherwise found only
// after the lab has stored more in that file. The check reads every page (about 0.5 s per 100 MB
// here), so it runs once per state of a file: the lab remembers each file's identity (device and
// inode) with the size and modification times it had when last checked, or when the lab last closed
// it after writing. Any other program's write changes those, and the next opening for writing checks
// again. The memory is a cache: losing it costs a check, never a refusal.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOptionalFile } from '../platform/files.js';
import { cacheFolder } from '../platform/paths.js';

/** Files remembered; the oldest are forgotten first. */
const REMEMBERED = 256;
const CACHE_LIMIT = 2 ** 20;

type States = Record<string, string>;

function cacheFile(): string {
  return join(cacheFolder(), 'checked-databases.json');
}

/** The file's identity and its state: what changes when anything writes to it or its -wal. */
function stateOf(file: string): { key: string; state: string } | null {
  try {
    const st = statSync(file, { bigint: true });
    let wal = '';
    try {
      const w = statSync(`${file}-wal`, { bigint: true });
      wal = `${w.size}:${w.mtimeNs}`;
    } catch {
      // No -wal: the file alone is the database.
    }
    return { key: `${st.dev}:${st.ino}`, state: `${st.size}:${st.mtimeNs}:${st.ctimeNs}/${wal}` };
  } catch {
    return null;
  }
}

function remembered(): States {
  try {
    const bytes = readOptionalFile(cacheFile(), CACHE_LIMIT, 'the list of checked databases');
    const parsed: unknown = bytes ? JSON.parse(bytes.toString('utf8')) : {};
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as States) : {};
  } catch {
    return {};
  }
}

/** Whether the file is as it was when the lab last found it whole or last wrote it. */
export function checkedBefore(file: string): boolean {
  const now = stateOf(file);
  return now !== null && remembered()[now.key] === now.state;
}

/** Remembers the file's present state as whole (after a check, or after the lab's own writes). */
export function rememberChecked(file: string): void {
  const now = stateOf(file);
  if (!now) return;
  const states = remembered();
  delete states[now.key];
  states[now.key] = now.state;
  const keys = Object.keys(states);
  for (const old of keys.slice(0, Math.max(0, keys.length - REMEMBERED))) delete states[old];
  const target = cacheFile();
  const temp = `${target}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheFolder(), { recursive: true });
    writeFileSync(temp, JSON.stringify(states));
    renameSync(temp, target);
  } catch {
    // A cache that cannot be written costs a check at the next opening, nothing else.
    rmSync(temp, { force: true });
  }
}
