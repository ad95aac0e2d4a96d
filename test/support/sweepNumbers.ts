// What must be equal between a sweep merged from shards and the same sweep run on one machine: every
// run's numbers (losses, parameters, snapshots), where it sits, and the per-cell statistics.
import { sweepStatistics } from '../../main/lab/sweepStats.js';
import { openStore } from '../../main/store/index.js';

export function sweepNumbers(path: string, id = 1) {
  const store = openStore(path, { readonly: true });
  try {
    const runs = store.runs(id).map((r) => ({
      index: r.index,
      label: r.label,
      hyper: r.hyper,
      cell: r.cell,
      seedIndex: r.seedIndex,
      kernel: r.kernel,
      status: r.status,
      finalLoss: r.finalLoss,
      loss: Array.from(r.loss.values),
      init: Array.from(r.params.init),
      final: Array.from(r.params.final),
      snapshots: Array.from(r.snapshots.params),
    }));
    return { runs, stats: sweepStatistics(store, id), summary: store.summary(id) };
  } finally {
    store.db.close();
  }
}
