// The thread an import or an export runs in (exchangeThread.ts starts it, one per transfer): it reads and
// writes the files and the database on a connection of its own, so that main's thread, which serves
// every page, never waits on them. It reports its progress a few times a second and stops, between
// two reads or two records, when main raises the cancel flag.
import { serveTask } from '../platform/tasks.js';
import { checkExportFile, exportToFile, writeExportFile, type Pass } from './exchangeLines.js';
import { openStore } from './index.js';
import type { ExchangeTask, FromExchange, ToExchange } from './exchangeThread.js';

serveTask<ExchangeTask, Pass>(async (task, watch, port) => {
  switch (task.type) {
    case 'import': {
      checkExportFile(task.file, watch);
      // Only a file that passed asks for the database: main opens it (creating it if need be) and names it.
      port.postMessage({ type: 'checked' } satisfies FromExchange);
      const answer = await new Promise<ToExchange>((resolve) => port.once('message', resolve));
      if (answer.type === 'stop') return [];
      const store = openStore(answer.db, { mustExist: true });
      try {
        return writeExportFile(store, task.file, watch);
      } finally {
        store.db.close();
      }
    }
    case 'export': {
      const store = openStore(task.db, { readonly: true });
      try {
        exportToFile(store, task.ids, task.path, watch);
        return [];
      } finally {
        store.db.close();
      }
    }
  }
});
