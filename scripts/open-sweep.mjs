// Opens a database's first sweep as the app does — the view, the first 100 cells, the first page of
// statistics, the first 100 runs, through the service the app's doors call — and prints each call's
// time on main's thread and the bytes it sends (issue 23's targets at 10⁶ runs: ≤ 1 s, ≤ 1 MiB).
// Needs `npm run build`. bench/scale.ts makes the same calls on the sweeps it builds.
//
//   node scripts/open-sweep.mjs FILE.sqlite     (e.g. the merged.sqlite scripts/sweep-scale.sh leaves)
import { LabChannels } from '../dist/main/lab/channels.js';
import { Lab } from '../dist/main/lab/lab.js';
import { STATS_PAGE } from '../dist/shared/sweepStats.js';
import { encodeWire } from '../dist/shared/wire.js';

const db = process.argv[2];
if (!db) {
  console.error('usage: node scripts/open-sweep.mjs FILE.sqlite');
  process.exit(2);
}
const lab = Lab.open({ db, workers: 1, mustExist: true });
const service = new LabChannels(lab, 'browser');
try {
  // Found without listing the library, which would read every experiment first.
  const id = lab.store.db.prepare('SELECT experiment_id FROM sweeps LIMIT 1').pluck().get();
  if (id === undefined) throw new Error(`${db}: no sweep`);
  const { runs, cells } = lab.store.db.prepare('SELECT (SELECT count(*) FROM runs WHERE experiment_id = ?) AS runs, cells FROM sweeps WHERE experiment_id = ?').get(id, id);
  const calls = [
    ['experiments.get', { id }],
    ['experiments.cells', { id, offset: 0, limit: 100 }],
    ['experiments.sweepStats', { id, offset: 0, limit: STATS_PAGE }],
    ['experiments.runs', { id, offset: 0, limit: 100 }],
  ];
  let [ms, bytes] = [0, 0];
  for (const [channel, payload] of calls) {
    const t0 = performance.now();
    const r = await service.call(channel, payload);
    const took = performance.now() - t0;
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
    const sent = Buffer.byteLength(encodeWire(r.value));
    [ms, bytes] = [ms + took, bytes + sent];
    console.log(`${channel.padEnd(24)} ${took.toFixed(0).padStart(6)} ms ${(sent / 1024).toFixed(0).padStart(6)} KiB`);
  }
  console.log(`sweep ${id}: ${runs.toLocaleString('en-US')} runs in ${cells.toLocaleString('en-US')} cells opened in ${ms.toFixed(0)} ms of main's thread, ${(bytes / 2 ** 20).toFixed(2)} MiB sent`);
} finally {
  await lab.close();
}
