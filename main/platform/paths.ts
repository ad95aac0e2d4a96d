// Where the lab keeps its data on this machine when nobody says otherwise.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The database the CLI uses when no --db is given: $XDG_DATA_HOME/landscape-lab/lab.sqlite. */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || '.', '.local', 'share');
  return join(base, 'landscape-lab', 'lab.sqlite');
}

/** What the lab may forget at any time (it only costs work again): $XDG_CACHE_HOME/landscape-lab. */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'landscape-lab');
}
