// Start-up rows (`npm run bench -- --rows=startup`): what each door costs before its work, measured on
// the built command as a user runs it. Targets (ours, absolute):
// - `landscape-lab --version` and `--help` in ≤ 150 ms of wall time;
// - a shard process's fixed cost (a shard of one 10-step run: everything but the training) ≤ 0.5 s of CPU;
// - `landscape --res 512` of the tutorial's network ≤ 100 ms more than `--res 8` (the run reused from
//   the database, so the difference is the surface and where it is computed);
// - with --shard-overhead and a SLURM that answers: scripts/shard-overhead.sh's SLURM array of its
//   10,000-run sweep ≤ 10 % over one machine (minutes; not in the default rows).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'landscape-lab.js');
const CLOCK_TICKS_PER_S = 100;

/** CPU seconds of this process's waited-for children so far (Linux: cutime + cstime of /proc/self/stat). */
function childrenCpu(): number | null {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

/** Runs the command (node's arguments then the CLI's); its wall and CPU seconds. Throws when it fails, with its stderr. */
function command(args: string[], cwd: string, node: string[] = [BIN]): { wall: number; cpu: number | null } {
  const cpu0 = childrenCpu();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...node, ...args], { cwd, encoding: 'utf8', env: { ...process.env, SLURM_CPUS_PER_TASK: '' } });
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = childrenCpu();
  if (r.status !== 0) throw new Error(`landscape-lab ${args.join(' ')}: exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  return { wall, cpu: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

export interface StartupRow {
  name: string;
  value: number;
  unit: string;
  target: number;
}

export function startupRows(quick: boolean, shardOverhead: boolean): StartupRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'lab-startup-bench-'));
  const repeats = quick ? 3 : 7;
  const rows: StartupRow[] = [];
  // Node itself, started bare in the same run: the floor under every row (it rises with the machine's load).
  const bare = median(Array.from({ length: repeats }, () => command([], dir, ['-e', '0']).wall)) * 1000;
  try {
    for (const flag of ['--version', '--help']) {
      command([flag], dir);
      rows.push({ name: `landscape-lab ${flag}`, value: median(Array.from({ length: repeats }, () => command([flag], dir).wall)) * 1000, unit: 'ms wall', target: 150 });
    }
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ base: { data: { target: { kind: 'hinge', x0: 0.25 }, n: 100 }, steps: 10, batchSize: 3 }, grid: { 'optimizer.lr': [0.01] }, seeds: 1 }));
    const shard = (k: number) => command(['sweep', 'spec.json', '--shard', '0/1', '--db', `shard-${k}.sqlite`], dir);
    shard(0);
    const cpus = Array.from({ length: repeats }, (_, k) => shard(k + 1).cpu);
    if (cpus.every((c): c is number => c !== null)) rows.push({ name: 'a shard process (one 10-step run): fixed cost', value: median(cpus), unit: 's CPU', target: 0.5 });
    const config = join(ROOT, 'examples', 'hinge-adam.json');
    const surface = (res: number) => command(['landscape', config, '--db', 'views.sqlite', '--res', String(res)], dir).wall;
    surface(8);
    const small = median(Array.from({ length: repeats }, () => surface(8)));
    const large = median(Array.from({ length: repeats }, () => surface(512)));
    rows.push({ name: 'landscape --res 512 beyond --res 8 (tutorial net, run reused)', value: (large - small) * 1000, unit: 'ms wall', target: 100 });
    if (shardOverhead) rows.push(...shardOverheadRow());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`Start-up: the built command as a user runs it (median of runs; node -e 0 took ${bare.toFixed(0)} ms here)`);
  for (const r of rows) console.log(`  ${r.name}: ${r.value.toFixed(r.unit.startsWith('s') ? 2 : 0)} ${r.unit} (target ≤ ${r.target}) ${verdict(r.value <= r.target)}`);
  return rows;
}

/** scripts/shard-overhead.sh's SLURM line: the array's overhead over one machine, in %. Needs a SLURM that answers. */
function shardOverheadRow(): StartupRow[] {
  if (spawnSync('sinfo', ['-h']).status !== 0) {
    console.log('  shard overhead: skipped (no SLURM answers: sinfo failed)');
    return [];
  }
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'shard-overhead.sh')], { encoding: 'utf8' });
  const m = /SLURM array \+ merge\s+[\d.]+ s wall, submit to done\s+\(\+(-?\d+)%\)/.exec(r.stdout);
  if (!m) throw new Error(`shard-overhead.sh printed no SLURM line: ${r.stdout.slice(-400)}${r.stderr.slice(-400)}`);
  return [{ name: 'SLURM array of the 10,000-run sweep, over one machine', value: Number(m[1]), unit: '%', target: 10 }];
}
