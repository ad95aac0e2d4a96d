// Sweep scale rows (`npm run bench -- --rows=scale`): a sweep of 10⁵ runs of the tutorial's network
// built through shards and a merge by scripts/sweep-scale.sh (the same command anyone can run), then
// what the merged database takes per run, what the merge costs, what opening it in the app costs, and
// the export and import of the merged sweep: their time and peak memory (the built CLI's maximum RSS).
// Targets (ours, absolute, issue 23): a run ≤ 2 KB on disk; the merge of 10⁶ runs ≤ 60 s, extrapolated
// linearly from 10⁵ (the merge copies run by run and updates each cell once, so its cost grows with the
// runs) and stated as such; opening a 10⁶-run sweep ≤ 1 s of main's thread and ≤ 1 MiB sent; export
// and import ≤ 256 MiB whatever the size — at 10⁶ extrapolated through a second sweep a tenth the size
// (a process's fixed memory is not scaled), stated as such; their time at 10⁶ is extrapolated
// linearly. --quick: 10⁴ runs (and 10³). Minutes: not in the default rows.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from '../shared/api.js';
import { expandSweep, runConfig } from '../shared/sweep.js';
import { STATS_PAGE, sweepRunLabel } from '../shared/sweepStats.js';
import { encodeWire } from '../shared/wire.js';
import { runConfigs } from '../main/engine/runs.js';
import { LabChannels } from '../main/lab/channels.js';
import { Lab } from '../main/lab/lab.js';
import { APP_VERSION } from '../main/platform/version.js';
import { openStore } from '../main/store/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'sweep-scale.sh');
const SHARDS = 4;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

export interface ScaleRow {
  name: string;
  value: number;
  unit: string;
  target: number;
}

/** The calls the app makes to open a sweep (session.open), in its order: the view, the picker's first cells, the statistics; then the first page of runs. */
const OPENING = [
  ['experiments.get', (id: number) => ({ id })],
  ['experiments.cells', (id: number) => ({ id, offset: 0, limit: 100 })],
  ['experiments.sweepStats', (id: number) => ({ id, offset: 0, limit: STATS_PAGE })],
  ['experiments.runs', (id: number) => ({ id, offset: 0, limit: 100 })],
] as const;

/**
 * Opens the merged sweep as the app does, through the service the app's doors call, in a fresh lab (so
 * nothing is cached): each call's time on main's thread (all of its work is synchronous there) and the
 * bytes it sends (the bridge's JSON; Electron's IPC clones the same values).
 */
export async function openSweep(database: string): Promise<{ ms: number; perRunMs: number; bytes: number; cells: number; parts: string[] }> {
  const lab = Lab.open({ db: database, workers: 1 });
  const service = new LabChannels(lab, 'browser');
  try {
    // Found without listing the library, which would expand the sweep's spec before the clock starts.
    const id = lab.store.db.prepare('SELECT experiment_id FROM sweeps LIMIT 1').pluck().get() as number | undefined;
    if (id === undefined) throw new Error(`${database}: no sweep`);
    let [ms, bytes, cells] = [0, 0, 0];
    const parts: string[] = [];
    for (const [channel, payload] of OPENING) {
      const t0 = performance.now();
      const r = (await service.call(channel, payload(id))) as Result<unknown>;
      const took = performance.now() - t0;
      if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
      const sent = Buffer.byteLength(encodeWire(r.value));
      if (channel === 'experiments.sweepStats') cells = (r.value as { total: number }).total;
      ms += took;
      bytes += sent;
      parts.push(`${channel} ${took.toFixed(0)} ms, ${(sent / 1024).toFixed(0)} KiB`);
    }
    // What grows with the runs: the stored losses and indices of the page of cells the statistics read, timed alone.
    const t0 = performance.now();
    lab.store.cellRecords(id, { from: 0, to: STATS_PAGE });
    const perRunMs = performance.now() - t0;
    return { ms, perRunMs, bytes, cells, parts };
  } finally {
    await lab.close();
  }
}

/**
 * A done sweep of `cells` cells × 1 seed stored through the store's write path (one transaction per
 * 1,000 cells), every run the arrays of one trained run of 10 steps under its own cell's config and
 * label: what grows with the cells, not with the runs, at a size a merge of trained shards would take
 * hours to reach. Cells past 1,000 (a grid axis's most values) are 1,000 learning rates × cells / 1,000
 * data sizes. Its database file.
 */
async function storeManyCells(cells: number): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'lab-bench-cells-')), 'cells.sqlite');
  const grid = { 'data.n': Array.from({ length: cells / 1000 }, (_, k) => 20 + k), 'optimizer.lr': { from: 1e-4, to: 0.1, count: 1000, scale: 'log' } };
  const { spec, cells: expanded } = expandSweep({ name: `${cells} cells`, base: { data: { target: { kind: 'hinge' } }, steps: 10 }, grid, seeds: 1 });
  const [trained] = await runConfigs([runConfig(expanded.at(0), 0)], { kernel: 'js' });
  const store = openStore(file);
  try {
    const id = store.beginExperiment({ name: spec.name ?? 'cells', config: expanded.at(0).config, kernel: trained.kernel, backend: trained.backend, appVersion: APP_VERSION }, { spec, cells, seeds: 1 });
    for (let from = 0; from < cells; from += 1000) {
      store.addRuns(
        id,
        Array.from({ length: 1000 }, (_, k) => {
          const cell = expanded.at(from + k);
          const config = runConfig(cell, 0);
          return { ...trained, config, index: cell.index, label: sweepRunLabel(cell.values, config.seed), hyper: { ...cell.values, seed: config.seed }, cell: cell.index, seedIndex: 0 };
        }),
      );
    }
    store.finishExperiment(id, 'done');
  } finally {
    store.db.close();
  }
  return file;
}

/** Runs scripts/sweep-scale.sh; its figures by name, and the folder it built them in. */
function sweepScale(seeds: number): { value: (key: string) => number; files: string } {
  const r = spawnSync('bash', [SCRIPT, String(seeds), String(SHARDS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/sweep-scale.sh: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  const files = r.stdout.match(/^files (.*)$/m)?.[1] ?? '';
  console.log(`  files ${files}`);
  return { value: (key: string) => Number(r.stdout.match(new RegExp(`^${key} (\\S+)$`, 'm'))?.[1] ?? NaN), files };
}

export async function scaleRows(quick: boolean): Promise<ScaleRow[]> {
  const seeds = quick ? 10 : 100;
  console.log(`Sweep scale: ${1000 * seeds} runs of the tutorial's 1→2→1 network (1,000 cells × ${seeds} seeds, 5,000 steps) as ${SHARDS} shards and a merge, opened as the app opens it, exported and imported (scripts/sweep-scale.sh ${seeds} ${SHARDS}; then ${seeds / 10} seeds, for the memory's slope)`);
  const { value, files } = sweepScale(seeds);
  // Opened before the smaller sweep is built in its place.
  const open = await openSweep(join(files, 'merged.sqlite'));
  const tenth = sweepScale(seeds / 10).value;
  const runs = value('runs');
  const scale = 1e6 / runs;
  // Peak memory through the two sizes: what it takes at 10⁶ runs if it keeps growing as from a tenth to this size.
  const peakAt = (key: string, n: number) => value(key) + ((value(key) - tenth(key)) / (runs - tenth('runs'))) * (n - runs);
  const rows: ScaleRow[] = [
    { name: `bytes per run, ${runs} runs merged (file and WAL over runs)`, value: value('bytes_per_run'), unit: 'B', target: 2048 },
    { name: `merge of ${runs} runs, wall (s)`, value: value('merge_wall'), unit: 's', target: 60 / scale },
    { name: `merge of ${runs} runs, CPU (s)`, value: value('merge_cpu'), unit: 's', target: 60 / scale },
    // The fixed costs (a process, the spec's expansion) are scaled too: an overestimate, the larger the fewer runs.
    { name: `merge of 10⁶ runs, wall, extrapolated ×${scale} from ${runs} (s)`, value: value('merge_wall') * scale, unit: 's', target: 60 },
    { name: `merge of 10⁶ runs, CPU, extrapolated ×${scale} from ${runs} (s)`, value: value('merge_cpu') * scale, unit: 's', target: 60 },
  ];
  const MiB = 2 ** 20;
  // Opening reads a page of cells and a page of runs: what grows with the runs is only the page's stored
  // final losses and run indices the statistics read (timed alone), so that part is scaled and the rest
  // kept, for 10⁶ runs over the same cells. What is sent does not grow with the runs
  // (test/store/sweepPaging.test.ts), nor with the cells past a page (test/lab/sweepStatsPage.test.ts).
  // 10⁶ runs as more cells: a sweep of that many cells × 1 seed is stored and opened, measured; at 10⁶
  // runs its page of 1,000 cells would hold 10⁶ / cells seeds each, so the time of reading that page's
  // stored losses, scaled from this sweep's page, is added (the 1-seed page's is then counted twice).
  const sameCells = open.ms + open.perRunMs * (scale - 1);
  const seedsOf = (cells: number) => (1e6 / cells).toLocaleString('en-US');
  const pageMs = (cells: number) => open.perRunMs * (1e6 / cells / seeds);
  rows.push(
    { name: `open the sweep of ${runs} runs in the app, main's thread (ms)`, value: open.ms, unit: 'ms', target: 1000 },
    { name: `open the sweep of ${runs} runs in the app, sent (MiB)`, value: open.bytes / MiB, unit: 'MiB', target: 1 },
    { name: `open 10⁶ runs as ${open.cells} cells × ${seedsOf(open.cells)} seeds, main's thread, extrapolated (ms)`, value: sameCells, unit: 'ms', target: 1000 },
    { name: `open 10⁶ runs as ${open.cells} cells × ${seedsOf(open.cells)} seeds, sent, extrapolated (MiB)`, value: open.bytes / MiB, unit: 'MiB', target: 1 },
  );
  for (const cells of quick ? [10_000] : [10_000, 100_000]) {
    const file = await storeManyCells(cells);
    const many = await openSweep(file);
    rmSync(join(file, '..'), { recursive: true, force: true });
    console.log(`  opening ${cells} cells × 1 seed: ${many.parts.join('; ')}`);
    rows.push(
      { name: `open 10⁶ runs as ${cells.toLocaleString('en-US')} cells × ${seedsOf(cells)} seeds, main's thread: ${cells.toLocaleString('en-US')} × 1 measured + the page's losses (ms)`, value: many.ms + pageMs(cells), unit: 'ms', target: 1000 },
      { name: `open 10⁶ runs as ${cells.toLocaleString('en-US')} cells × ${seedsOf(cells)} seeds, sent: ${cells.toLocaleString('en-US')} × 1 measured (MiB)`, value: many.bytes / MiB, unit: 'MiB', target: 1 },
    );
  }
  for (const step of ['export', 'import'] as const) {
    rows.push(
      { name: `${step} of ${runs} runs, wall (s)`, value: value(`${step}_wall`), unit: 's', target: Infinity },
      { name: `${step} of ${runs} runs, peak RSS (MiB)`, value: value(`${step}_rss_mib`), unit: 'MiB', target: 256 },
      { name: `${step} of 10⁶ runs, wall, extrapolated ×${scale} from ${runs} (s)`, value: value(`${step}_wall`) * scale, unit: 's', target: Infinity },
      { name: `${step} of 10⁶ runs, peak RSS, extrapolated from ${tenth('runs')} and ${runs} (MiB)`, value: peakAt(`${step}_rss_mib`, 1e6), unit: 'MiB', target: 256 },
    );
  }
  console.log(`  shards: ${value('shards_wall').toFixed(1)} s wall, ${value('shards_cpu').toFixed(1)} s CPU in all; export file ${(value('export_bytes') / 2 ** 20).toFixed(0)} MiB`);
  console.log(`  opening: ${open.parts.join('; ')}; the cells' stored losses alone ${open.perRunMs.toFixed(0)} ms`);
  for (const row of rows) console.log(`  ${row.name.padEnd(92)} ${row.value.toFixed(row.unit === 'B' || row.unit === 'ms' ? 0 : 2).padStart(9)}  ${Number.isFinite(row.target) ? `target ≤ ${row.target}  ${verdict(row.value <= row.target)}` : '(no target)'}`);
  return rows;
}
