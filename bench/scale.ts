// Sweep scale rows (`npm run bench -- --rows=scale`): a sweep of 10⁵ runs of the tutorial's network
// built through shards and a merge by scripts/sweep-scale.sh (the same command anyone can run), then
// what the merged database takes per run, what the merge costs, and the export and import of the
// merged sweep: their time and peak memory (the built CLI's maximum RSS). Targets (ours, absolute,
// issue 23): a run ≤ 2 KB on disk; the merge of 10⁶ runs ≤ 60 s, extrapolated linearly from 10⁵ (the
// merge copies run by run and updates each cell once, so its cost grows with the runs) and stated as
// such; export and import ≤ 256 MiB whatever the size — at 10⁶ extrapolated through a second sweep a
// tenth the size (a process's fixed memory is not scaled), stated as such; their time at 10⁶ is
// extrapolated linearly. --quick: 10⁴ runs (and 10³). Minutes: not in the default rows.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Runs scripts/sweep-scale.sh; its figures by name. */
function sweepScale(seeds: number): (key: string) => number {
  const r = spawnSync('bash', [SCRIPT, String(seeds), String(SHARDS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/sweep-scale.sh: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  console.log(`  ${r.stdout.match(/^files (.*)$/m)?.[0] ?? ''}`);
  return (key: string) => Number(r.stdout.match(new RegExp(`^${key} (\\S+)$`, 'm'))?.[1] ?? NaN);
}

export function scaleRows(quick: boolean): ScaleRow[] {
  const seeds = quick ? 10 : 100;
  console.log(`Sweep scale: ${1000 * seeds} runs of the tutorial's 1→2→1 network (1,000 cells × ${seeds} seeds, 5,000 steps) as ${SHARDS} shards and a merge, exported and imported (scripts/sweep-scale.sh ${seeds} ${SHARDS}; then ${seeds / 10} seeds, for the memory's slope)`);
  const value = sweepScale(seeds);
  const tenth = sweepScale(seeds / 10);
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
  for (const step of ['export', 'import'] as const) {
    rows.push(
      { name: `${step} of ${runs} runs, wall (s)`, value: value(`${step}_wall`), unit: 's', target: Infinity },
      { name: `${step} of ${runs} runs, peak RSS (MiB)`, value: value(`${step}_rss_mib`), unit: 'MiB', target: 256 },
      { name: `${step} of 10⁶ runs, wall, extrapolated ×${scale} from ${runs} (s)`, value: value(`${step}_wall`) * scale, unit: 's', target: Infinity },
      { name: `${step} of 10⁶ runs, peak RSS, extrapolated from ${tenth('runs')} and ${runs} (MiB)`, value: peakAt(`${step}_rss_mib`, 1e6), unit: 'MiB', target: 256 },
    );
  }
  console.log(`  shards: ${value('shards_wall').toFixed(1)} s wall, ${value('shards_cpu').toFixed(1)} s CPU in all; export file ${(value('export_bytes') / 2 ** 20).toFixed(0)} MiB`);
  for (const row of rows) console.log(`  ${row.name.padEnd(72)} ${row.value.toFixed(row.unit === 'B' || row.unit === 'MiB' ? 0 : 2).padStart(9)}  ${Number.isFinite(row.target) ? `target ≤ ${row.target}  ${verdict(row.value <= row.target)}` : '(no target)'}`);
  return rows;
}
