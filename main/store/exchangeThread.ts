// Imports and exports off main's thread: each runs in a thread of its own (exchangeWorker.ts) with its
// own connection to the database (WAL lets it write while main reads). Main starts it, relays its
// progress, raises its cancel flag, and gets its result or its one-line refusal, as the same InputError
// the thread threw. An import's thread checks the file whole first and only then asks main for the
// database, so that a refused file never opens (nor creates) one.
import { InputError } from '../../shared/errors.js';
import { startThread } from '../platform/threads.js';
import type { Pass } from './exchangeLines.js';

export type ExchangeTask =
  /** Check an export file whole, then (given the database by main) write it, all or nothing. */
  | { type: 'import'; file: string }
  /** Write the export of experiments `ids` of the database `db` to `path` (whole, or no file). */
  | { type: 'export'; db: string; ids: number[]; path: string };

export type FromExchange =
  | { type: 'progress'; pass: Pass; done: number; total: number }
  /** An import's file passed its check: main answers with the database to write it into. */
  | { type: 'checked' }
  | { type: 'done'; imported: { id: number; renamed: boolean }[] }
  | { type: 'error'; name: string; message: string };

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

function errorOf(m: { name: string; message: string }): Error {
  if (m.name === 'InputError') return new InputError(m.message);
  return Object.assign(new Error(m.message), { name: m.name });
}

/** Runs a task in a thread of its own; `database` opens the store on main once an import's file is checked. */
function run(task: ExchangeTask, o: ExchangeOptions, database?: () => string): Promise<Imported> {
  if (o.signal?.aborted) return Promise.reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
  // Shared with the thread, which reads it between two reads or records: it never waits for a message.
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const worker = startThread(import.meta.url, 'exchangeWorker', { workerData: { task, cancel }, resourceLimits: { maxOldGenerationSizeMb: EXCHANGE_HEAP_MB } });
  return new Promise((resolve, reject) => {
    const stop = () => Atomics.store(cancel, 0, 1);
    o.signal?.addEventListener('abort', stop, { once: true });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', stop);
      f();
      void worker.terminate();
    };
    worker.on('message', (m: FromExchange) => {
      if (m.type === 'progress') o.onProgress?.(m.pass, m.done, m.total);
      else if (m.type === 'checked') {
        try {
          worker.postMessage({ type: 'write', db: (database as () => string)() } satisfies ToExchange);
        } catch (e) {
          worker.postMessage({ type: 'stop' } satisfies ToExchange);
          settle(() => reject(e));
        }
      } else if (m.type === 'done') settle(() => resolve(m.imported));
      else settle(() => reject(errorOf(m)));
    });
    worker.on('error', (e) =>
      settle(() =>
        reject((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? new InputError(`${task.type === 'import' ? task.file : task.path}: the ${task.type} needed more than its ${EXCHANGE_HEAP_MB} MiB of memory; nothing was ${task.type === 'import' ? 'imported' : 'written'}`) : e),
      ),
    );
    worker.on('exit', (code) => settle(() => reject(new Error(`the import/export thread stopped (exit code ${code})`))));
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
