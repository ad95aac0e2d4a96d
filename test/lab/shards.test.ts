// A sweep split into shards and merged back: the plan, the exactness of the merge against the same
// sweep on one machine, and every refusal of a merge (the target's bytes unchanged). No SLURM here:
// test/lab/slurm.test.ts runs the same through a real cluster.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandSweep } from '../../shared/sweep.js';
import { mergeFiles } from '../../main/lab/cluster/merge.js';
import { planShards, runCost } from '../../main/lab/cluster/shards.js';
import { WorkerPool } from '../../main/workers/pool.js';
import { resumeSweep, runSweep } from '../../main/lab/sweep.js';
import { openStore, type ExperimentStore } from '../../main/store/index.js';
import { sweepNumbers } from '../support/sweepNumbers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'landscape-lab.js');
let dir: string;
let pool: WorkerPool;

/** 6 cells of two widths (unequal costs) × 7 seeds: shards cut through cells. */
const spec = {
  name: 'sharded',
  base: { data: { target: { kind: 'hinge', x0: 0.5 }, n: 40 }, steps: 150, batchSize: 3, optimizer: { kind: 'adam', lr: 0.01 } },
  grid: { 'model.hidden': [[2], [12]], 'optimizer.lr': [0.003, 0.01, 0.03] },
  seeds: 7,
};
const other = { ...spec, seeds: 6 };

const file = (name: string) => join(dir, name);
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, timeout: 120_000, env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function shardDb(name: string, s: unknown, index: number, count: number, withPool = false): Promise<string> {
  const store = openStore(file(name));
  try {
    await runSweep(store, s, { shard: { index, count }, ...(withPool ? { pool } : {}) });
  } finally {
    store.db.close();
  }
  return file(name);
}

function merge(into: string, files: string[]) {
  let store: ExperimentStore | undefined;
  try {
    return mergeFiles(() => (store = openStore(into)), files);
  } finally {
    store?.db.close();
  }
}

let local: ReturnType<typeof sweepNumbers>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-shards-'));
  pool = new WorkerPool(2);
  const store = openStore(file('local.sqlite'));
  await runSweep(store, spec, { pool });
  store.db.close();
  local = sweepNumbers(file('local.sqlite'));
}, 120_000);
afterAll(async () => {
  await pool.close();
});

describe('the shard plan', () => {
  const { spec: parsed, cells } = expandSweep(spec);

  it('covers every run once, in contiguous ranges, the same every time', () => {
    for (const count of [1, 2, 5, 7, 42]) {
      const plan = planShards(parsed, cells, count);
      expect(plan.shards).toHaveLength(count);
      expect(plan.shards[0].runFrom).toBe(0);
      expect(plan.shards[count - 1].runTo).toBe(42);
      plan.shards.slice(1).forEach((s, k) => expect(s.runFrom).toBe(plan.shards[k].runTo));
      expect(planShards(parsed, cells, count)).toEqual(plan);
    }
  });

  it('balances estimated cost, not run count: shards of the wide cells hold fewer runs', () => {
    const cost = [...cells].map((c) => runCost(c.config));
    expect(cost[3]).toBeGreaterThan(2 * cost[0]); // hidden 12 costs more than hidden 2
    const plan = planShards(parsed, cells, 4);
    const counts = plan.shards.map((s) => s.runTo - s.runFrom);
    expect(new Set(counts).size).toBeGreaterThan(1);
    const costs = plan.shards.map((s) => s.cost);
    // No shard is further from the mean than one run's cost.
    const mean = costs.reduce((a, b) => a + b) / costs.length;
    for (const c of costs) expect(Math.abs(c - mean)).toBeLessThanOrEqual(Math.max(...cost));
    // By count, the first half of the runs (all narrow) would be far cheaper than the second.
    expect(Math.max(...counts) - Math.min(...counts)).toBeGreaterThanOrEqual(5);
  });
});

describe('shards merged', () => {
  it('equal the sweep run on one machine, number for number, with cells cut across shards', async () => {
    const shards = [];
    for (let k = 0; k < 5; k++) shards.push(await shardDb(`a${k}.sqlite`, spec, k, 5, k % 2 === 0));
    const r = merge(file('merged.sqlite'), shards);
    expect([r.runsAdded, r.runsDone, r.runsTotal, r.complete, r.missing]).toEqual([42, 42, 42, true, []]);
    const merged = sweepNumbers(file('merged.sqlite'));
    expect(merged.runs).toEqual(local.runs);
    expect(merged.stats).toEqual(local.stats);
    expect([merged.summary.status, merged.summary.runs, merged.summary.bestLoss, merged.summary.name]).toEqual(['done', 42, local.summary.bestLoss, 'sharded']);
  }, 120_000);

  it('reports missing shards by index, shows the sweep incomplete, and completes when they come', async () => {
    const shards = [];
    for (let k = 0; k < 3; k++) shards.push(await shardDb(`b${k}.sqlite`, spec, k, 3));
    const first = merge(file('partial.sqlite'), [shards[0], shards[2]]);
    expect(first.complete).toBe(false);
    expect(first.missing.map((m) => m.shard)).toEqual([1]);
    const plan = planShards(expandSweep(spec).spec, expandSweep(spec).cells, 3).shards[1];
    expect(first.missing[0].ranges).toEqual([[plan.runFrom, plan.runTo]]);
    const s = openStore(file('partial.sqlite'), { readonly: true });
    expect(s.summary(1).status).toBe('interrupted');
    s.db.close();
    const second = merge(file('partial.sqlite'), [shards[1]]);
    expect([second.experimentId, second.runsAdded, second.complete]).toEqual([1, plan.runTo - plan.runFrom, true]);
    expect(sweepNumbers(file('partial.sqlite')).runs).toEqual(local.runs);
  }, 120_000);

  it('a killed shard resumes where it stopped, and merges to the same numbers', async () => {
    const path = file('killed.sqlite');
    const store = openStore(path);
    const stop = new AbortController();
    const outcome = await runSweep(store, spec, {
      shard: { index: 0, count: 2 },
      signal: stop.signal,
      onSweepProgress: (p) => p.runsDone >= 7 && stop.abort(),
    });
    expect(outcome.status).toBe('cancelled');
    expect(outcome.runsDone).toBeLessThan(outcome.runsTotal);
    const resumed = await resumeSweep(store, outcome.experimentId);
    expect([resumed.status, resumed.runsNew]).toEqual(['done', outcome.runsTotal - outcome.runsDone]);
    store.db.close();
    merge(file('resumed.sqlite'), [path, await shardDb('c1.sqlite', spec, 1, 2)]);
    expect(sweepNumbers(file('resumed.sqlite')).runs).toEqual(local.runs);
  }, 120_000);
});

describe('a merge refuses, and leaves the target as it was', () => {
  let shards: string[];
  let target: string;
  beforeAll(async () => {
    shards = [await shardDb('d0.sqlite', spec, 0, 2), await shardDb('d1.sqlite', spec, 1, 2)];
    target = file('target.sqlite');
    merge(target, [shards[0]]);
  }, 120_000);

  it('merging the same shard again changes nothing, not even a byte', () => {
    const before = sha(target);
    const r = merge(target, [shards[0], shards[0]]);
    expect([r.runsAdded, r.created]).toEqual([0, false]);
    expect(sha(target)).toBe(before);
  });

  it('a shard of another spec, beside this sweep\'s shards', async () => {
    const foreign = await shardDb('other.sqlite', other, 1, 2);
    const before = sha(target);
    expect(() => merge(target, [shards[1], foreign])).toThrow(/other\.sqlite: is a shard of another sweep \(spec hash [0-9a-f]{12}…/);
    expect(sha(target)).toBe(before);
  }, 60_000);

  it('two copies of one shard (a run would be duplicated)', () => {
    const copy = file('d1-copy.sqlite');
    writeFileSync(copy, readFileSync(shards[1]));
    const before = sha(target);
    expect(() => merge(target, [shards[1], copy])).toThrow(/d1-copy\.sqlite: is shard 1\/2 again \(so is .*d1\.sqlite\); give each shard once/);
    expect(sha(target)).toBe(before);
  });

  it('a run that differs from the one already merged', () => {
    const changed = file('d0-changed.sqlite');
    writeFileSync(changed, readFileSync(shards[0]));
    const s = openStore(changed);
    s.db.prepare('UPDATE runs SET final_loss = final_loss * 2 WHERE idx = 3').run();
    s.db.close();
    const before = sha(target);
    expect(() => merge(target, [changed])).toThrow(/d0-changed\.sqlite: run 3 differs from the run already merged into experiment 1/);
    expect(sha(target)).toBe(before);
  });

  // Issue 22, point 5: only 6 columns were compared, so an edited label or snapshot said "nothing new".
  for (const [column, edit] of [
    ['snapshots', "snapshots = zeroblob(length(snapshots))"],
    // A sweep run's label and config are derived (stored NULL); an edit stores one.
    ['label', "label = coalesce(label, '') || ' (edited)'"],
    ['config', "config = coalesce(config, '{}')"],
    ['loss_steps', 'loss_steps = zeroblob(4 * (length(loss_values) / 8))'],
    ['diagnostics', "diagnostics = '{}'"],
  ] as const) {
    it(`a run already merged, re-merged with its ${column} edited`, () => {
      const changed = file(`d0-${column}.sqlite`);
      writeFileSync(changed, readFileSync(shards[0]));
      const s = openStore(changed);
      expect(s.db.prepare(`UPDATE runs SET ${edit} WHERE idx = 2`).run().changes).toBe(1);
      s.db.close();
      const before = sha(target);
      expect(() => merge(target, [changed])).toThrow(new RegExp(`d0-${column}\\.sqlite: run 2 differs from the run already merged into experiment 1`));
      expect(sha(target)).toBe(before);
    });
  }

  it("a shard whose dataset's points were edited (datasets are shared by the hash of their bytes)", () => {
    const changed = file('d0-dataset.sqlite');
    writeFileSync(changed, readFileSync(shards[0]));
    const s = openStore(changed);
    expect(s.db.prepare('UPDATE datasets SET x = zeroblob(length(x))').run().changes).toBe(1);
    s.db.close();
    const before = sha(target);
    expect(() => merge(target, [changed])).toThrow(/d0-dataset\.sqlite: dataset 1 does not match its hash; the file was changed outside the lab/);
    expect(sha(target)).toBe(before);
  });

  // Issue 22, point 5: an idx of 6.5 or 'x' merged with exit 0 and complete: true, run 7 missing.
  for (const idx of ['6.5', "'x'"]) {
    it(`a run whose idx is ${idx}`, () => {
      const changed = file(`d1-idx-${idx.replace(/\W/g, '')}.sqlite`);
      writeFileSync(changed, readFileSync(shards[1]));
      const s = openStore(changed);
      const last = (s.db.prepare('SELECT max(idx) AS m FROM runs').get() as { m: number }).m;
      s.db.prepare(`UPDATE runs SET idx = ${idx} WHERE idx = ?`).run(last);
      s.db.close();
      const before = sha(target);
      expect(() => merge(target, [changed])).toThrow(/d1-idx-\w+\.sqlite: a run's index is .* \((real|text)\), not an integer/);
      expect(sha(target)).toBe(before);
    });
  }

  // Issue 22, point 5: every column's type is checked (SQLite stores what it is given), and a stored
  // spec that is not JSON was an internal error.
  for (const [what, edit, message] of [
    ["a config of 'nope'", "UPDATE runs SET config = 'nope' WHERE idx = (SELECT max(idx) FROM runs)", /run 41's config is not a JSON object/],
    ["a hyper of '[]'", "UPDATE runs SET hyper = '[]' WHERE idx = (SELECT max(idx) FROM runs)", /run 41's hyper is not a JSON object/],
    ['loss values as text', "UPDATE runs SET loss_values = 'text' WHERE idx = (SELECT max(idx) FROM runs)", /run 41's loss_values is text, not blob/],
    ["a final loss of 'x'", "UPDATE runs SET final_loss = 'x' WHERE idx = (SELECT max(idx) FROM runs)", /run 41's final_loss is text, not real or integer or null/],
    ['a stored spec that is not JSON', "UPDATE sweeps SET spec = 'not json'", /its stored sweep spec cannot be read \(.*JSON.*\); the file was changed outside the lab/],
  ] as const) {
    it(`a shard with ${what}`, () => {
      const changed = file(`d1-${what.replace(/\W+/g, '-')}.sqlite`);
      writeFileSync(changed, readFileSync(shards[1]));
      const s = openStore(changed);
      expect(s.db.prepare(edit).run().changes).toBeGreaterThan(0);
      s.db.close();
      const before = sha(target);
      expect(() => merge(target, [changed])).toThrow(message);
      expect(sha(target)).toBe(before);
    });
  }

  // Issue 22, point 4: shard_index 7 or −1 was an internal error (a TypeError on the plan's shard).
  for (const index of [7, -1]) {
    it(`a shard whose shard_index is ${index}`, () => {
      const changed = file(`d1-index${index}.sqlite`);
      writeFileSync(changed, readFileSync(shards[1]));
      const s = openStore(changed);
      s.db.prepare('UPDATE sweeps SET shard_index = ?').run(index);
      s.db.close();
      const before = sha(target);
      expect(() => merge(target, [changed])).toThrow(new RegExp(`d1-index${index}\\.sqlite: calls itself shard "${index}" of "2", which no split has`));
      expect(sha(target)).toBe(before);
    });
  }

  it('a shard of another build of the engine (its engine check differs), and its resume', async () => {
    // Another build is emulated by the check it would have stored: its reference runs' hash.
    const other = file('d1-other-build.sqlite');
    writeFileSync(other, readFileSync(shards[1]));
    const s = openStore(other);
    s.db.prepare("UPDATE sweeps SET engine_check = 'f00d' || substr(engine_check, 5)").run();
    const before = sha(target);
    expect(() => merge(target, [other])).toThrow(/d1-other-build\.sqlite: was trained by an engine that computes differently from the shards already merged into experiment 1/);
    expect(() => merge(file('fresh.sqlite'), [shards[0], other])).toThrow(/d1-other-build\.sqlite: was trained by an engine that computes differently from .*d0\.sqlite's \(engine check f00d/);
    expect(sha(target)).toBe(before);
    await expect(resumeSweep(s, 1)).rejects.toThrow(/shard 1\/2 was begun by an engine that computes differently from this one \(another build\); train the shard again in a new database/);
    s.db.close();
  });

  it('a database that is not a shard, or is missing; the target is not even made', () => {
    expect(() => merge(file('never.sqlite'), [file('local.sqlite')])).toThrow(/local\.sqlite: holds no sweep shard; shards are trained with landscape-lab sweep SPEC --shard K\/N/);
    expect(() => merge(file('never.sqlite'), [file('absent.sqlite')])).toThrow(/absent\.sqlite: no such database/);
    expect(existsSync(file('never.sqlite'))).toBe(false);
  });
});

describe('the command line', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'main', 'cli', 'main.js'))) throw new Error('build first: npm run build (npm test does)');
    writeFileSync(file('spec.json'), JSON.stringify(spec));
  });

  it('refuses bad shard options in one line naming the option', () => {
    const cases: [string[], RegExp][] = [
      [['--shard', '3/3', '--db', 'x.sqlite'], /^landscape-lab: --shard: must be K\/N with 0 ≤ K < N ≤ 1000, e\.g\. --shard 0\/8 for the first of 8 shards \(got "3\/3"\)\n$/],
      [['--shard', '0/2'], /^landscape-lab: --shard: needs --db FILE, the shard's own database/],
      [['--shard', '0/2', '--db', 'x.sqlite', '--kernel', 'js'], /^landscape-lab: --kernel: not an option of sweep --shard \(put the kernel in the spec's base/],
      [['--slurm'], /^landscape-lab: --slurm: needs --dir DIR/],
      [['--slurm', '--dir', 'c', '--shards', '43'], /^landscape-lab: --shards: 43 shards for a sweep of 42 runs; use at most 42\n$/],
      [['--slurm', '--dir', 'c', '--time', 'soon'], /^landscape-lab: --time: must be a SLURM time limit such as 30, 1:30:00 or 2-00:00:00 \(got "soon"\)\n$/],
      [['--dir', 'c'], /^landscape-lab: --dir: only with --slurm or --k8s\n$/],
      [['--slurm', '--dir', 'my\nsweeps'], /^landscape-lab: --dir: ".*\/my\\nsweeps" has control characters \(a newline, a tab\); choose another folder\n$/],
    ];
    for (const [args, message] of cases) {
      const r = cli('sweep', 'spec.json', ...args);
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(message)]);
    }
    expect(existsSync(file('x.sqlite'))).toBe(false);
    expect(existsSync(file('c'))).toBe(false);
    expect(existsSync(file('my\nsweeps'))).toBe(false);
  });

  it('writes the SLURM folder and a Kubernetes Indexed Job, and refuses a folder of another sweep', () => {
    const r = cli('sweep', 'spec.json', '--slurm', '--k8s', '--dir', 'cluster', '--shards', '3', '--partition', 'short', '--time', '10:00', '--cpus-per-task', '2', '--db', 'lab.sqlite');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote 6 files for 3 shards of 42 runs into .*cluster; the merge writes into .*lab\.sqlite\non the login node:\n {2}bash '.*submit\.sh'/);
    const sbatch = readFileSync(file('cluster/shards.sbatch'), 'utf8');
    expect(sbatch).toMatch(/^#SBATCH --array=0-2$/m);
    expect(sbatch).toMatch(/^#SBATCH --partition=short$/m);
    expect(sbatch).toMatch(/^#SBATCH --time=10:00$/m);
    expect(sbatch).toMatch(/^#SBATCH --cpus-per-task=2$/m);
    expect(sbatch).toContain('--shard "$K/3" --db "$DB"');
    expect(readFileSync(file('cluster/merge.sbatch'), 'utf8')).toMatch(/merge "\$DIR"\/shards\/shard-\*\.sqlite --into '.*lab\.sqlite'/);
    const submit = readFileSync(file('cluster/submit.sh'), 'utf8');
    expect(submit).toContain('sbatch --parsable "${array[@]}" --output="$DIR/logs/shard-%a.log" "$DIR/shards.sbatch"');
    expect(submit).toContain('--dependency=afterok:"$shards" --kill-on-invalid-dep=yes --output="$DIR/logs/merge.log" "$DIR/merge.sbatch"');
    const job = load(readFileSync(file('cluster/job.yaml'), 'utf8')) as { kind: string; spec: { completionMode: string; completions: number; template: { spec: { containers: { args: string[]; resources: { requests: { cpu: string } } }[] } } } };
    expect([job.kind, job.spec.completionMode, job.spec.completions]).toEqual(['Job', 'Indexed', 3]);
    const [container] = job.spec.template.spec.containers;
    expect(container.args[0]).toContain('--shard "$JOB_COMPLETION_INDEX/3" --db "$DB"');
    expect(container.resources.requests.cpu).toBe('2');
    writeFileSync(file('other.json'), JSON.stringify(other));
    const again = cli('sweep', 'other.json', '--slurm', '--dir', 'cluster');
    expect([again.code, again.err]).toEqual([2, expect.stringMatching(/^landscape-lab: --dir: .*cluster already holds the cluster files of another sweep \("sharded"\); choose another folder\n$/)]);
  });

  it('--node-local: the array task trains on the node\'s disk and leaves its database in shards/', () => {
    expect(cli('sweep', 'spec.json', '--slurm', '--dir', 'local', '--shards', '2', '--node-local', '--db', 'lab-local.sqlite').code).toBe(0);
    const scratch = mkdtempSync(join(tmpdir(), 'lab-node-disk-'));
    const r = spawnSync('bash', [file('local/shards.sbatch')], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_JOB_ID: '77', TMPDIR: scratch } });
    expect([r.status, r.stdout]).toEqual([0, expect.stringMatching(/^shard 1\/2 \(runs \d+–41\) of sweep [0-9a-f]{12}: stored as experiment 1: done/)]);
    expect(readdirSync(scratch)).toEqual([]);
    expect(readFileSync(file('local/logs/shard-1.exit'), 'utf8')).toBe('0\n');
    const status = JSON.parse(cli('sweep', '--status', 'local', '--json').out);
    expect(status.shards.map((k: { state: string; runs: number; of: number }) => k.state === 'done' && k.runs === k.of)).toEqual([false, true]);
  }, 60_000);

  it('a sweep name with a newline stays inside the scripts\' comments', () => {
    writeFileSync(file('named.json'), JSON.stringify({ ...spec, name: 'evil\ntouch pwned\n# ' }));
    expect(cli('sweep', 'named.json', '--slurm', '--k8s', '--dir', 'named', '--shards', '2').code).toBe(0);
    for (const f of ['shards.sbatch', 'merge.sbatch', 'job.yaml']) {
      const text = readFileSync(file(`named/${f}`), 'utf8');
      expect(text).toContain('"evil touch pwned #"');
      expect(text.split('\n').filter((l) => l.trimStart().startsWith('touch'))).toEqual([]);
    }
  });

  it('trains a shard, refuses a second start of it without --resume, and reports the folder', () => {
    const r = cli('sweep', 'spec.json', '--shard', '2/3', '--db', 'cluster/shards/shard-2.sqlite');
    expect([r.code, r.out]).toEqual([0, expect.stringMatching(/^shard 2\/3 \(runs \d+–41\) of sweep [0-9a-f]{12}: stored as experiment 1: done/)]);
    const twice = cli('sweep', 'spec.json', '--shard', '2/3', '--db', 'cluster/shards/shard-2.sqlite');
    expect([twice.code, twice.err]).toEqual([2, expect.stringMatching(/already holds shard 2\/3 of this sweep; add --resume to continue it\n$/)]);
    expect(cli('sweep', 'spec.json', '--shard', '2/3', '--db', 'cluster/shards/shard-2.sqlite', '--resume').code).toBe(0);
    const status = cli('sweep', '--status', 'cluster', '--json');
    expect(status.code).toBe(0);
    const s = JSON.parse(status.out);
    // Trained by hand (no exit file), with all its runs: done (issue 20, finding 17: it read "running" until merged).
    expect(s.shards.map((k: { state: string }) => k.state)).toEqual(['waiting', 'waiting', 'done']);
    expect(s.merge).toMatchObject({ ran: false, runs: 0, complete: false });
    const m = cli('merge', 'cluster/shards/shard-2.sqlite', '--into', 'lab.sqlite');
    expect([m.code, m.out]).toEqual([0, expect.stringMatching(/^merged \d+ runs into experiment 1 of lab\.sqlite: \d+ of 42 runs, incomplete\nmissing: shard 0 \(\d+ runs: 0–\d+\); shard 1 /)]);
    expect(cli('sweep', '--status', 'nowhere').err).toBe('landscape-lab: nowhere: has no cluster.json; it is made by landscape-lab sweep SPEC --slurm --dir nowhere\n');
  }, 60_000);

  it('refuses to merge a shard into itself', () => {
    const r = cli('merge', 'cluster/shards/shard-2.sqlite', '--into', 'cluster/shards/../shards/shard-2.sqlite');
    expect([r.code, r.err]).toEqual([2, 'landscape-lab: --into: cluster/shards/../shards/shard-2.sqlite is one of the shards being merged; merge into another database\n']);
  });
});
