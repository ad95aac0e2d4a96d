// Store benchmark (part of `npm run bench`): save and load time of an experiment with 5 runs ×
// 20,000 recorded steps and three 128×128 cost surfaces, and its size on disk.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../shared/config.js';
import { MARKERS } from '../shared/markers.js';
import { prepareStored } from '../main/engine/prepared.js';
import { landscape } from '../main/lab/landscape.js';
import { runConfigs } from '../main/engine/runs.js';
import { openStore } from '../main/store/index.js';
import { APP_VERSION } from '../main/platform/version.js';

const REPEATS = 5;

function best(times: number[]): string {
  return `${Math.min(...times).toFixed(1)} ms (median ${[...times].sort((a, b) => a - b)[Math.floor(times.length / 2)].toFixed(1)})`;
}

export async function storeBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-bench-'));
  try {
    const configs = [1, 2, 3, 4, 5].map((seed) =>
      parseConfig({ seed, data: { target: { kind: 'hinge' } }, steps: 20_000, record: { every: 1, snapshots: 200 } }),
    );
    const runs = await runConfigs(configs, { kernel: 'js' });
    const surfaces = await Promise.all(
      MARKERS.map((center) => landscape(prepareStored(configs[0], runs[0].data), runs[0], { center, axes: 'plane', res: 128, span: 'auto' }, { kernel: 'js' })),
    );
    const saveTimes: number[] = [];
    const loadTimes: number[] = [];
    let fileBytes = 0;
    for (let k = 0; k < REPEATS; k++) {
      const file = join(dir, `bench-${k}.sqlite`);
      const store = openStore(file);
      const t0 = performance.now();
      const id = store.db.transaction(() => {
        const id = store.saveExperiment(
          { name: 'bench', config: configs[0], kernel: 'js', backend: 'js', appVersion: APP_VERSION },
          'done',
          runs.map((r, i) => ({ ...r, label: `seed ${i + 1}`, hyper: { seed: i + 1 }, cell: null, seedIndex: null })),
        );
        surfaces.forEach((s) => store.addSurface(id, 0, s));
        return id;
      })();
      saveTimes.push(performance.now() - t0);
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      store.db.close();
      fileBytes = statSync(file).size;
      const reader = openStore(file, { readonly: true });
      const t1 = performance.now();
      const e = reader.get(id);
      loadTimes.push(performance.now() - t1);
      if (e.runList.length !== 5 || e.surfaces.length !== 3 || e.runList[0].loss.values.length !== 20_001) throw new Error('store bench: what came back is incomplete');
      reader.db.close();
    }
    console.log('');
    console.log('Store: one experiment, 5 runs × 20,000 recorded steps (+ 200 snapshots each) and three 128×128 surfaces');
    console.log(`  save  ${best(saveTimes)}`);
    console.log(`  load  ${best(loadTimes)}`);
    console.log(`  file  ${(fileBytes / 2 ** 20).toFixed(2)} MiB per experiment (SQLite, WAL checkpointed)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
