// Where the lab keeps its data on this machine when nobody says otherwise.
import { join } from 'node:path';

/** The database the CLI uses when no --db is given: $XDG_DATA_HOME/landscape-lab/lab.sqlite. */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || '.', '.local', 'share');
  return join(base, 'landscape-lab', 'lab.sqlite');
}
