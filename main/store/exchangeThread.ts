// Imports and exports off main's thread: each runs in a thread of its own (exchangeWorker.ts) with its
// own connection to the database (WAL lets it write while main reads). Main starts it, relays its
// progress, raises its cancel flag, and gets its result or its one-line refusal, as the same InputError
// the thread threw. An import's thread checks the file whole first and only then asks main for the
// database, so that a refused file never opens (nor creates) one.
import { InputError } from '../../shared/errors.js';
import { runTask } from '../platform/tasks.js';
import type { Pass } from './exchangeLines.js';

export type ExchangeTask =
  /** Check an export file whole, then (given the database by main) write it, all or nothing. */
  | { type: 'import'; file: string }
  /** Write the export of experiments `ids` of the database `db` to `path` (whole, or no file). */
  | { type: 'export'; db: string; ids: number[]; path: string };

/** An import's file passed its check: main answers with the database to write it into. */
export type FromExchange = { type: 'checked' };

/** Main's answer to `checked`: the database's file, or stop (main could not open it, and says why itself). */
export type ToExchange = { type: 'write'; db: string } | { type: 'stop' };

export interface ExchangeOptions {
  signal?: AbortSignal;
  onProgress?: (pass: Pass, done: number, total: number) => void;
}

type Imported = { id: number; renamed: boolean }[];

/**
 * The JavaScript heap an import or export thread may hold: what it keeps does not grow with the file
 * (one record at a time; a sweep's runs as one bit each), so this bound holds any file's import within
 * the README's 256 MiB with the process's own memory, and V8 collects before it grows past it. A
 * record's arrays live outside this heap (MAX_RECORD_BYTES bounds them).
 */
const EXCHANGE_HEAP_MB = 128;

/** Runs a task in a thread of its own; `database` opens the store on main once an import's file is checked. */
function run(task: ExchangeTask, o: ExchangeOptions, database?: () => string): Promise<Imported> {
  return runTask<Imported, Pass>(import.meta.url, 'exchangeWorker', task, {
    ...o,
    heap: {
      limits: { maxOldGenerationSizeMb: EXCHANGE_HEAP_MB },
      outOfMemory: () => new InputError(`${task.type === 'import' ? task.file : task.path}: the ${task.type} needed more than its ${EXCHANGE_HEAP_MB} MiB of memory; nothing was ${task.type === 'import' ? 'imported' : 'written'}`),
    },
    // An import's file passed its check: main opens the database (creating it if need be) and names it.
    onRequest: (_checked, reply, fail) => {
      try {
        reply({ type: 'write', db: (database as () => string)() } satisfies ToExchange);
      } catch (e) {
        reply({ type: 'stop' } satisfies ToExchange);
        fail(e);
      }
    },
  });
}

/**
 * Imports an export file in a thread: checked whole first, then `database()` (called on main, which
 * opens the store there) names the database it is written into, in one transaction.
 */
export function importInThread(file: string, database: () => string, o: ExchangeOptions = {}): Promise<Imported> {
  return run({ type: 'import', file }, o, database);
}

/** Writes the export of experiments `ids` of the database `db` to `path`, in a thread. */
export async function exportInThread(db: string, ids: number[], path: string, o: ExchangeOptions = {}): Promise<void> {
  await run({ type: 'export', db, ids, path }, o);
}
