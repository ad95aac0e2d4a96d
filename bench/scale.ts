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
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from '../shared/api.js';
import { encodeWire } from '../shared/wire.js';
import { LabChannels } from '../main/lab/channels.js';
import { Lab } from '../main/lab/lab.js';

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
  ['experiments.sweepStats', (id: number) => ({ id })],
  ['experiments.runs', (id: number) => ({ id, offset: 0, limit: 100 })],
] as const;

/**
 * Opens the merged sweep as the app does, through the service the app's doors call, in a fresh lab (so
 * nothing is cached): each call's time on main's thread (all of its work is synchronous there) and the
 * bytes it sends (the bridge's JSON; Electron's IPC clones the same values).
 */
async function openSweep(database: string): Promise<{ ms: number; perRunMs: number; bytes: number; statsBytes: number; cells: number; parts: string[] }> {
  const lab = Lab.open({ db: database, workers: 1 });
  const service = new LabChannels(lab, 'browser');
  try {
    // Found without listing the library, which would expand the sweep's spec before the clock starts.
    const id = lab.store.db.prepare('SELECT experiment_id FROM sweeps LIMIT 1').pluck().get() as number | undefined;
    if (id === undefined) throw new Error(`${database}: no sweep`);
    let [ms, bytes, statsBytes, cells] = [0, 0, 0, 0];
    const parts: string[] = [];
    for (const [channel, payload] of OPENING) {
      const t0 = performance.now();
      const r = (await service.call(channel, payload(id))) as Result<unknown>;
      const took = performance.now() - t0;
      if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
      const sent = Buffer.byteLength(encodeWire(r.value));
      if (channel === 'experiments.sweepStats') [statsBytes, cells] = [sent, (r.value as { cells: unknown[] }).cells.length];
      ms += took;
      bytes += sent;
      parts.push(`${channel} ${took.toFixed(0)} ms, ${(sent / 1024).toFixed(0)} KiB`);
    }
    // What grows with the runs: the cells' stored losses and indices the statistics read, timed alone.
    const t0 = performance.now();
    lab.store.cellRecords(id);
    const perRunMs = performance.now() - t0;
    return { ms, perRunMs, bytes, statsBytes, cells, parts };
  } finally {
    await lab.close();
  }
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
  // Opening reads one row per cell and a page of runs: what grows with the runs is only the cells'
  // stored final losses and run indices the statistics read (timed alone), so that part is scaled and
  // the rest kept, for 10⁶ runs over the same cells. What is sent does not grow with the runs
  // (test/store/sweepPaging.test.ts). Both grow with the cells (each is expanded from the spec, and
  // the statistics send every cell): 10⁶ runs as 10× the cells scale them ×10.
  const sameCells = open.ms + open.perRunMs * (scale - 1);
  const seedsOf = (cells: number) => (1e6 / cells).toLocaleString('en-US');
  rows.push(
    { name: `open the sweep of ${runs} runs in the app, main's thread (ms)`, value: open.ms, unit: 'ms', target: 1000 },
    { name: `open the sweep of ${runs} runs in the app, sent (MiB)`, value: open.bytes / MiB, unit: 'MiB', target: 1 },
    { name: `open 10⁶ runs as ${open.cells} cells × ${seedsOf(open.cells)} seeds, main's thread, extrapolated (ms)`, value: sameCells, unit: 'ms', target: 1000 },
    { name: `open 10⁶ runs as ${open.cells} cells × ${seedsOf(open.cells)} seeds, sent, extrapolated (MiB)`, value: open.bytes / MiB, unit: 'MiB', target: 1 },
    { name: `open 10⁶ runs as ${open.cells * 10} cells × ${seedsOf(open.cells * 10)} seeds, main's thread, extrapolated ×10 (ms)`, value: open.ms * 10, unit: 'ms', target: 1000 },
    { name: `open 10⁶ runs as ${open.cells * 10} cells × ${seedsOf(open.cells * 10)} seeds, sent, statistics extrapolated ×10 (MiB)`, value: (open.bytes + 9 * open.statsBytes) / MiB, unit: 'MiB', target: 1 },
  );
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
