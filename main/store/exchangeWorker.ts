// The thread an import or an export runs in (exchangeThread.ts starts it, one per transfer): it reads and
// writes the files and the database on a connection of its own, so that main's thread, which serves
// every page, never waits on them. It reports its progress a few times a second and stops, between
// two reads or two records, when main raises the cancel flag.
import { parentPort, workerData } from 'node:worker_threads';
import { checkExportFile, exportToFile, writeExportFile, type Pass } from './exchangeLines.js';
import { openStore } from './index.js';
import type { ExchangeTask, FromExchange, ToExchange } from './exchangeThread.js';

if (!parentPort) throw new Error('store/exchangeWorker.ts runs only as a worker thread');
const port = parentPort;
const { task, cancel } = workerData as { task: ExchangeTask; cancel: Int32Array };

/** Progress messages at most this often (ms): the job queue throttles its events further. */
const REPORT_MS = 50;
let reported = 0;

function watch(pass: Pass, done: number, total: number): void {
  // An Error named AbortError, not a DOMException: the store reads an error's `code` as SQLite's (a string).
  if (Atomics.load(cancel, 0) !== 0) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
  const now = performance.now();
  if (now - reported < REPORT_MS && done < total) return;
  reported = now;
  port.postMessage({ type: 'progress', pass, done, total } satisfies FromExchange);
}

async function perform(): Promise<FromExchange> {
  switch (task.type) {
    case 'import': {
      checkExportFile(task.file, watch);
      // Only a file that passed asks for the database: main opens it (creating it if need be) and names it.
      port.postMessage({ type: 'checked' } satisfies FromExchange);
      const answer = await new Promise<ToExchange>((resolve) => port.once('message', resolve));
      if (answer.type === 'stop') return { type: 'done', imported: [] };
      const store = openStore(answer.db, { mustExist: true });
      try {
        return { type: 'done', imported: writeExportFile(store, task.file, watch) };
      } finally {
        store.db.close();
      }
    }
    case 'export': {
      const store = openStore(task.db, { readonly: true });
      try {
        exportToFile(store, task.ids, task.path, watch);
        return { type: 'done', imported: [] };
      } finally {
        store.db.close();
      }
    }
  }
}

perform().then(
  (done) => port.postMessage(done),
  (e: unknown) => {
    const error = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ type: 'error', name: error.name, message: error.message } satisfies FromExchange);
  },
);
