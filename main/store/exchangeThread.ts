// Imports and exports off main's thread: each pass (the check of a file, its writing into the database,
// an export's writing) runs in a thread of its own (exchangeWorker.ts) with its own connection to the
// database (WAL lets it write while main reads). Main starts it, relays its progress, raises its cancel
// flag, and gets its result or its one-line refusal, as the same InputError the pass threw.
import { InputError } from '../../shared/errors.js';
import { startThread } from '../platform/threads.js';
import type { Pass } from './exchangeLines.js';

export type ExchangeTask =
  /** Check an export file whole, without a database. */
  | { type: 'check'; file: string }
  /** Write a checked export file into the database `db` (an existing lab database), all or nothing. */
  | { type: 'import'; file: string; db: string }
  /** Write the export of experiments `ids` of the database `db` to `path` (whole, or no file). */
  | { type: 'export'; db: string; ids: number[]; path: string };

export type FromExchange =
  | { type: 'progress'; pass: Pass; done: number; total: number }
  | { type: 'done'; imported: { id: number; renamed: boolean }[] }
  | { type: 'error'; name: string; message: string };

export interface ExchangeOptions {
  signal?: AbortSignal;
  onProgress?: (pass: Pass, done: number, total: number) => void;
}

/** Runs one pass in a thread of its own; resolves with what an import made (nothing for the others). */
export function runExchange(task: ExchangeTask, o: ExchangeOptions = {}): Promise<{ id: number; renamed: boolean }[]> {
  if (o.signal?.aborted) return Promise.reject(new DOMException('cancelled', 'AbortError'));
  // Shared with the thread, which reads it between two reads or records: it never waits for a message.
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const worker = startThread(import.meta.url, 'exchangeWorker', { workerData: { task, cancel } });
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
      else if (m.type === 'done') settle(() => resolve(m.imported));
      else settle(() => reject(m.name === 'InputError' ? new InputError(m.message) : m.name === 'AbortError' ? new DOMException(m.message, 'AbortError') : Object.assign(new Error(m.message), { name: m.name })));
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the import/export thread stopped (exit code ${code})`))));
  });
}
