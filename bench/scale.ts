// Sweep scale rows (`npm run bench -- --rows=scale`): a sweep of 10⁵ runs of the tutorial's network
// built through shards and a merge by scripts/sweep-scale.sh (the same command anyone can run), then
// what the merged database takes per run and what the merge costs. Targets (ours, absolute, issue 23):
// a run ≤ 2 KB on disk; the merge of 10⁶ runs ≤ 60 s, extrapolated linearly from 10⁵ (the merge
// copies run by run and updates each cell once, so its cost grows with the runs) and stated as such.
// --quick: 10⁴ runs. Minutes: not in the default rows.
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

export function scaleRows(quick: boolean): ScaleRow[] {
  const seeds = quick ? 10 : 100;
  console.log(`Sweep scale: ${1000 * seeds} runs of the tutorial's 1→2→1 network (1,000 cells × ${seeds} seeds, 5,000 steps) as ${SHARDS} shards and a merge (scripts/sweep-scale.sh ${seeds} ${SHARDS})`);
  const r = spawnSync('bash', [SCRIPT, String(seeds), String(SHARDS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/sweep-scale.sh: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  const value = (key: string) => Number(r.stdout.match(new RegExp(`^${key} (\\S+)$`, 'm'))?.[1] ?? NaN);
  const runs = value('runs');
  const scale = 1e6 / runs;
  const rows: ScaleRow[] = [
    { name: `bytes per run, ${runs} runs merged (file and WAL over runs)`, value: value('bytes_per_run'), unit: 'B', target: 2048 },
    { name: `merge of ${runs} runs, wall (s)`, value: value('merge_wall'), unit: 's', target: 60 / scale },
    { name: `merge of ${runs} runs, CPU (s)`, value: value('merge_cpu'), unit: 's', target: 60 / scale },
    // The fixed costs (a process, the spec's expansion) are scaled too: an overestimate, the larger the fewer runs.
    { name: `merge of 10⁶ runs, wall, extrapolated ×${scale} from ${runs} (s)`, value: value('merge_wall') * scale, unit: 's', target: 60 },
    { name: `merge of 10⁶ runs, CPU, extrapolated ×${scale} from ${runs} (s)`, value: value('merge_cpu') * scale, unit: 's', target: 60 },
  ];
  console.log(`  shards: ${value('shards_wall').toFixed(1)} s wall, ${value('shards_cpu').toFixed(1)} s CPU in all; ${r.stdout.match(/^files (.*)$/m)?.[1] ?? ''}`);
  for (const row of rows) console.log(`  ${row.name.padEnd(66)} ${row.value.toFixed(row.unit === 'B' ? 0 : 2).padStart(9)}  target ≤ ${row.target}  ${verdict(row.value <= row.target)}`);
  return rows;
}
