// Opens a database's first sweep as the app does (bench/scale.ts's openSweep: the view, the first
// 100 cells, the first page of statistics, the first 100 runs, through the service the app's doors
// call) and prints each call's time on main's thread and the bytes it sends (issue 23's targets at
// 10⁶ runs: ≤ 1 s, ≤ 1 MiB). Needs `npm run build`.
//
//   node scripts/open-sweep.mjs FILE.sqlite     (e.g. the merged.sqlite scripts/sweep-scale.sh leaves)
import { openSweep } from '../dist/bench/scale.js';

const db = process.argv[2];
if (!db) {
  console.error('usage: node scripts/open-sweep.mjs FILE.sqlite');
  process.exit(2);
}
const open = await openSweep(db);
for (const part of open.parts) console.log(part);
console.log(`${open.cells.toLocaleString('en-US')} cells opened in ${open.ms.toFixed(0)} ms of main's thread, ${(open.bytes / 2 ** 20).toFixed(2)} MiB sent`);
