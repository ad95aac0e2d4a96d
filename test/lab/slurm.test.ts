// A sweep through a real SLURM cluster: Debian's slurmctld with two slurmd on this machine (two
// emulated nodes), started by scripts/slurm-ci.sh (.ci/run does it). The lab writes the job array and
// the afterok merge, sbatch runs them, and the merged sweep must equal the same sweep run here.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { sweepNumbers } from '../support/sweepNumbers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'landscape-lab.js');

/** Whether a SLURM controller answers here and has an idle node. */
function slurmUp(): string | null {
  const r = spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { encoding: 'utf8', timeout: 5_000 });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (code) return code === 'ENOENT' ? 'sinfo is not installed' : `sinfo did not answer (${code})`;
  if (r.status !== 0) return `sinfo: ${(r.stderr || '').trim().split('\n')[0]}`;
  return /^idle/m.test(r.stdout) ? null : `no idle node (sinfo: ${r.stdout.trim().replace(/\n/g, ', ')})`;
}

const down = slurmUp();
// CI starts SLURM and says so (.ci/run): there a SLURM that does not answer fails, never skips.
if (down && process.env.LANDSCAPE_LAB_REQUIRE_SLURM) throw new Error(`test/lab/slurm.test.ts: SLURM must run here (LANDSCAPE_LAB_REQUIRE_SLURM is set) but ${down}`);
if (down) console.warn(`test/lab/slurm.test.ts: skipped, SLURM is not running here: ${down}. Start it: bash scripts/slurm-ci.sh install && bash scripts/slurm-ci.sh start`);

let dir: string;
const file = (name: string) => join(dir, name);
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Polls squeue until none of the jobs is queued or running (sbatch --wait polls at 2, 8, 32 s…). */
async function finished(ids: string[], timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const q = spawnSync('squeue', ['-h', '-j', ids.join(',')], { encoding: 'utf8' });
    // Finished jobs leave squeue's list; once purged (MinJobAge), squeue calls their ids invalid.
    if ((q.status === 0 && q.stdout.trim() === '') || /Invalid job id/i.test(q.stderr)) return;
    if (Date.now() > deadline) throw new Error(`jobs ${ids.join(',')} still queued after ${timeoutMs / 1000} s:\n${q.stdout}`);
    await sleep(250);
  }
}

const jobState = (id: string) => /JobState=(\w+)/.exec(spawnSync('scontrol', ['-o', 'show', 'job', id], { encoding: 'utf8' }).stdout)?.[1];

/** Submits the folder's sweep with --submit; returns the two job ids. */
function submitted(out: string): [string, string] {
  const m = /^submitted: shards job (\d+), merge job (\d+) \(after every shard succeeded\)$/m.exec(out);
  if (!m) throw new Error(`no job ids in: ${out}`);
  return [m[1], m[2]];
}

/** 8 cells × 25 seeds = 200 runs of the tutorial's net. */
const spec = {
  name: 'slurm sweep',
  base: { data: { target: { kind: 'hinge', x0: 0.5 }, n: 50 }, steps: 150, batchSize: 3, optimizer: { kind: 'adam', lr: 0.01 } },
  grid: { 'model.hidden': [[2], [6]], 'optimizer.lr': [0.003, 0.01, 0.03, 0.1] },
  seeds: 25,
};

describe.skipIf(down !== null)(down ? `SLURM (skipped: ${down})` : 'a sweep as a SLURM job array', () => {
  let local: ReturnType<typeof sweepNumbers>;
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
    dir = mkdtempSync(join(tmpdir(), 'lab-slurm-'));
    writeFileSync(file('spec.json'), JSON.stringify(spec));
    writeFileSync(file('other.json'), JSON.stringify({ ...spec, seeds: 24 }));
    // The same sweep on one machine.
    expect(cli('sweep', 'spec.json', '--db', 'local.sqlite').code).toBe(0);
    local = sweepNumbers(file('local.sqlite'));
    expect(local.runs).toHaveLength(200);
  }, 120_000);

  it('trains 200 runs as 4 shards through sbatch (in a folder with a space); the afterok merge equals the sweep run on one machine', async () => {
    const r = cli('sweep', 'spec.json', '--slurm', '--dir', 'my sweeps', '--shards', '4', '--db', 'lab.sqlite', '--submit');
    expect(r.code).toBe(0);
    const [shards, merge] = submitted(r.out);
    await finished([shards, merge]);
    expect(jobState(merge)).toBe('COMPLETED');
    const merged = sweepNumbers(file('lab.sqlite'));
    expect(merged.runs).toEqual(local.runs);
    expect(merged.stats).toEqual(local.stats);
    expect([merged.summary.status, merged.summary.runs]).toEqual(['done', 200]);
    const status = JSON.parse(cli('sweep', '--status', 'my sweeps', '--json').out);
    expect(status.shards.map((s: { state: string; runs: number }) => [s.state, s.runs])).toEqual(status.shards.map((s: { of: number }) => ['done', s.of]));
    expect(status.merge).toMatchObject({ ran: true, exitCode: 0, runs: 200, complete: true });
    // Each array task trained its own shard, and SLURM spread them over both emulated nodes.
    const logs = [0, 1, 2, 3].map((k) => readFileSync(file(`my sweeps/logs/shard-${k}.log`), 'utf8'));
    logs.forEach((l, k) => expect(l).toMatch(new RegExp(`^shard ${k}/4 \\(runs \\d+–\\d+\\) of sweep [0-9a-f]{12}: stored as experiment 1: done`, 'm')));
    const tasks = spawnSync('scontrol', ['-o', 'show', 'job', shards], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(tasks.map((t) => /JobState=(\w+)/.exec(t)?.[1])).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(new Set(tasks.map((t) => / NodeList=(\w+)/.exec(t)?.[1]))).toEqual(new Set(['n1', 'n2']));
  }, 180_000);

  it('a failing shard cancels the merge, --status names it, and the resubmitted shard completes the sweep', async () => {
    expect(cli('sweep', 'spec.json', '--slurm', '--dir', 'failing', '--shards', '4', '--db', 'lab2.sqlite').code).toBe(0);
    // Shards 0, 2 and 3 are those SLURM trained above (same spec, same split), with their exit codes;
    // so that CI stays short, only shard 1 is submitted here.
    for (const k of [0, 2, 3]) {
      copyFileSync(file(`my sweeps/shards/shard-${k}.sqlite`), file(`failing/shards/shard-${k}.sqlite`));
      copyFileSync(file(`my sweeps/logs/shard-${k}.exit`), file(`failing/logs/shard-${k}.exit`));
    }
    // Shard 1's database path holds a file that is not a lab database: its task exits 2.
    writeFileSync(file('failing/shards/shard-1.sqlite'), 'not a database\n');
    const sub = spawnSync('bash', [file('failing/submit.sh'), '1'], { encoding: 'utf8' });
    const [shards, merge] = [/^shards: job (\d+)$/m.exec(sub.stdout)![1], /^merge: job (\d+)$/m.exec(sub.stdout)![1]];
    await finished([shards, merge]);
    expect(jobState(merge)).toBe('CANCELLED');
    expect(existsSync(file('lab2.sqlite'))).toBe(false);
    const status = cli('sweep', '--status', 'failing');
    expect(status.out).toMatch(/^ {2}1 +failed +0\/\d+ {2}exit 2: failing\/shards\/shard-1\.sqlite: is not a Landscape Lab database/m);
    expect(status.out).toMatch(/^merge: not run \(cancelled by SLURM when a shard fails\)$/m);
    expect(status.out).toMatch(/^failed shards: 1; fix the cause, then resubmit them: bash failing\/submit\.sh 1$/m);
    expect(JSON.parse(cli('sweep', '--status', 'failing', '--json').out).failed).toEqual([1]);

    rmSync(file('failing/shards/shard-1.sqlite'));
    const again = spawnSync('bash', [file('failing/submit.sh'), '1'], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    await finished([/^shards: job (\d+)$/m.exec(again.stdout)![1], /^merge: job (\d+)$/m.exec(again.stdout)![1]]);
    const after = JSON.parse(cli('sweep', '--status', 'failing', '--json').out);
    expect([after.failed, after.merge.complete, after.merge.runs]).toEqual([[], true, 200]);
    expect(sweepNumbers(file('lab2.sqlite')).runs).toEqual(local.runs);
  }, 180_000);

  it('merging a shard twice changes nothing; a shard of another spec is refused, the target unchanged', () => {
    const before = sha(file('lab.sqlite'));
    const twice = cli('merge', 'my sweeps/shards/shard-2.sqlite', '--into', 'lab.sqlite');
    expect([twice.code, twice.out]).toEqual([0, 'nothing new: every run was already merged into experiment 1 of lab.sqlite: 200 of 200 runs, complete\n']);
    expect(sha(file('lab.sqlite'))).toBe(before);

    expect(cli('sweep', 'other.json', '--shard', '0/4', '--db', 'other-0.sqlite').code).toBe(0);
    const foreign = cli('merge', 'my sweeps/shards/shard-0.sqlite', 'other-0.sqlite', '--into', 'lab.sqlite');
    expect([foreign.code, foreign.err]).toEqual([2, expect.stringMatching(/^landscape-lab: other-0\.sqlite: is a shard of another sweep \(spec hash [0-9a-f]{12}…, my sweeps\/shards\/shard-0\.sqlite has [0-9a-f]{12}…\); merge the shards of one sweep at a time\n$/)]);
    expect(sha(file('lab.sqlite'))).toBe(before);
  }, 60_000);
});
