// The folder a sweep leaves the machine with: its spec, a SLURM job-array script (one array task per
// shard, each training into its own SQLite file), a merge script that runs `afterok`, a submit script,
// and optionally a Kubernetes Indexed Job. We write no scheduler: SLURM (or Kubernetes) runs it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../../../shared/config.js';
import type { SweepSpec } from '../../../shared/sweep.js';
import { checkFolder, FILE_LIMITS, readOptionalFile, regularFile } from '../../platform/files.js';
import { APP_VERSION, INSTALL_ROOT } from '../../platform/version.js';
import { MAX_SHARDS, type ShardPlan } from './shards.js';
import { quoted } from '../../../shared/printable.js';

/** What `--status` and the app read back from the folder. */
export interface ClusterManifest {
  format: 1;
  specHash: string;
  name: string;
  shards: number;
  runsTotal: number;
  /** Run ranges [runFrom, runTo) per shard, as planned. */
  ranges: [number, number][];
  /** The database the merge writes into (absolute). */
  db: string;
  /** Shards train in node-local scratch and are copied into shards/ when they end. */
  nodeLocal: boolean;
  appVersion: string;
  createdAt: string;
}

export interface SlurmOptions {
  shards: number;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  nodeLocal?: boolean;
}

export const MANIFEST = 'cluster.json';
export const shardFile = (dir: string, k: number) => join(dir, 'shards', `shard-${k}.sqlite`);
export const exitFile = (dir: string, what: string) => join(dir, 'logs', `${what}.exit`);
export const logFile = (dir: string, what: string) => join(dir, 'logs', `${what}.log`);

/** Text for a comment line of a script or manifest: a newline in a sweep's name must not start a command. */
const comment = (s: string) => s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');

/** A shell word: single-quoted, so any path survives. */
export const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function checkSlurmOptions(o: SlurmOptions): void {
  if (o.partition !== undefined && !/^[\w.-]{1,64}$/.test(o.partition)) throw new InputError(`--partition: must be a partition name of letters, digits, '.', '_' or '-' (got ${quoted(o.partition)})`);
  if (o.time !== undefined && !/^(\d{1,3}-)?\d{1,4}(:\d{1,2}){0,2}$/.test(o.time)) {
    throw new InputError(`--time: must be a SLURM time limit such as 30, 1:30:00 or 2-00:00:00 (got ${quoted(o.time)})`);
  }
}

/**
 * The command that runs this lab's CLI on a node: this Node (or Electron run as Node) and the bin
 * of this install, both overridable where the cluster's paths differ from the login node's.
 */
function cliCommand(): { env: string; node: string; cli: string } {
  // The packaged app keeps the command unpacked beside its archive (electron-builder.yml's asarUnpack).
  const bins = [INSTALL_ROOT, INSTALL_ROOT.replace(/app\.asar$/, 'app.asar.unpacked')].map((root) => join(root, 'bin', 'landscape-lab.js'));
  const cli = bins.find((bin) => existsSync(bin)) ?? 'landscape-lab';
  return { env: process.versions.electron ? 'export ELECTRON_RUN_AS_NODE=1\n' : '', node: process.execPath, cli: resolve(cli) };
}

/** #SBATCH lines; the log files are named by submit.sh, whose shell quotes a folder with spaces. */
function header(job: string, o: SlurmOptions): string[] {
  return [
    `#SBATCH --job-name=${job}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${o.cpusPerTask ?? 1}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
  ];
}

function shardScript(dir: string, m: ClusterManifest, o: SlurmOptions): string {
  const { env, node, cli } = cliCommand();
  const local = m.nodeLocal;
  return `#!/bin/bash
# Landscape Lab: shard K of ${m.shards} of the sweep "${comment(m.name)}" (spec ${m.specHash.slice(0, 12)}), one array task each.
# Written by landscape-lab ${APP_VERSION} sweep --slurm; submit with: bash ${dir}/submit.sh
${header(`lab-${m.specHash.slice(0, 8)}-shard`, o)
  .concat([`#SBATCH --array=0-${m.shards - 1}`])
  .join('\n')}
set -u
K=\${SLURM_ARRAY_TASK_ID:?submit with sbatch: bash submit.sh sets the array}
DIR=${sh(dir)}
${env}NODE=\${LANDSCAPE_LAB_NODE:-${sh(node)}}
CLI=\${LANDSCAPE_LAB_CLI:-${sh(cli)}}
OUT="$DIR/shards/shard-$K.sqlite"
rm -f "$DIR/logs/shard-$K.exit"
${
  local
    ? `# Node-local: SQLite trains on this node's disk; its file (and WAL) is copied into shards/ when the
# task ends, also when the time limit's SIGTERM ends it, so that a resubmitted shard resumes.
DB="\${SLURM_TMPDIR:-\${TMPDIR:-/tmp}}/landscape-lab-\${SLURM_ARRAY_JOB_ID:-0}-$K.sqlite"
rm -f "$DB" "$DB-wal"
if [ -e "$OUT" ]; then cp "$OUT" "$DB"; fi
if [ -e "$OUT-wal" ]; then cp "$OUT-wal" "$DB-wal"; fi
finish() {
  local code=$1
  if [ -e "$DB" ]; then
    rm -f "$OUT-wal"
    { [ ! -e "$DB-wal" ] || cp "$DB-wal" "$OUT-wal"; } && cp "$DB" "$OUT.part" && mv "$OUT.part" "$OUT" && rm -f "$DB" "$DB-wal" "$DB-shm" || code=74
  fi
  echo "$code" > "$DIR/logs/shard-$K.exit"
  exit "$code"
}`
    : `# Shared: each task writes only its own file, so no two nodes ever write one SQLite database.
DB="$OUT"
finish() { echo "$1" > "$DIR/logs/shard-$K.exit"; exit "$1"; }`
}
trap 'finish 143' TERM
RESUME=()
if [ -e "$DB" ]; then RESUME=(--resume); fi
"$NODE" "$CLI" sweep "$DIR/spec.json" --shard "$K/${m.shards}" --db "$DB" "\${RESUME[@]}"
finish $?
`;
}

function mergeScript(dir: string, m: ClusterManifest, o: SlurmOptions): string {
  const { env, node, cli } = cliCommand();
  return `#!/bin/bash
# Landscape Lab: merges the ${m.shards} shards of "${comment(m.name)}" into ${comment(m.db)}. Submitted by submit.sh with
# --dependency=afterok on the shards, so it starts only once every shard succeeded.
${header(`lab-${m.specHash.slice(0, 8)}-merge`, { ...o, cpusPerTask: 1 }).join('\n')}
set -u
DIR=${sh(dir)}
${env}NODE=\${LANDSCAPE_LAB_NODE:-${sh(node)}}
CLI=\${LANDSCAPE_LAB_CLI:-${sh(cli)}}
rm -f "$DIR/logs/merge.exit"
"$NODE" "$CLI" merge "$DIR"/shards/shard-*.sqlite --into ${sh(m.db)}
code=$?
echo "$code" > "$DIR/logs/merge.exit"
exit "$code"
`;
}

function submitScript(dir: string): string {
  return `#!/bin/bash
# Submits the shards (all of them, or those listed: bash submit.sh 2 or bash submit.sh 1,3) and a merge
# that runs once every submitted shard succeeded, and is cancelled if one fails.
set -euo pipefail
DIR=${sh(dir)}
array=()
if [ $# -gt 0 ]; then array=(--array="$1"); fi
shards=$(sbatch --parsable "\${array[@]}" --output="$DIR/logs/shard-%a.log" "$DIR/shards.sbatch")
shards=\${shards%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$shards" --kill-on-invalid-dep=yes --output="$DIR/logs/merge.log" "$DIR/merge.sbatch")
merge=\${merge%%;*}
echo "$shards $merge" >> "$DIR/logs/jobs"
echo "shards: job $shards"
echo "merge: job $merge"
`;
}

/** A Kubernetes Indexed Job: pod K trains shard K (JOB_COMPLETION_INDEX) into its own file. Untested here. */
export function k8sManifest(m: ClusterManifest, o: { cpusPerTask?: number }): string {
  const name = `landscape-lab-sweep-${m.specHash.slice(0, 8)}`;
  return `# Landscape Lab: the sweep "${comment(m.name)}" (spec ${m.specHash.slice(0, 12)}) as a Kubernetes Indexed Job.
# Written by landscape-lab ${APP_VERSION} sweep --k8s. NOT TESTED: no Kubernetes runs on our machines.
# Pod K runs shard K of ${m.shards} (JOB_COMPLETION_INDEX) and writes only its own SQLite file to the
# results volume; no two pods write one file. Needs an image with landscape-lab installed, the spec
# in a ConfigMap and a ReadWriteMany volume:
#   kubectl create configmap ${name}-spec --from-file=spec.json
#   kubectl apply -f job.yaml && kubectl wait --for=condition=complete job/${name} --timeout=24h
#   then, with the volume mounted:  landscape-lab merge /results/shard-*.sqlite --into lab.sqlite
apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  completionMode: Indexed
  completions: ${m.shards}
  parallelism: ${m.shards}
  backoffLimit: ${Math.max(6, m.shards)}
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: shard
          image: landscape-lab:${APP_VERSION}
          command: ["/bin/sh", "-c"]
          args:
            - >-
              DB=/results/shard-$JOB_COMPLETION_INDEX.sqlite;
              if [ -e "$DB" ]; then R=--resume; else R=; fi;
              exec landscape-lab sweep /sweep/spec.json --shard "$JOB_COMPLETION_INDEX/${m.shards}" --db "$DB" $R
          resources:
            requests:
              cpu: "${o.cpusPerTask ?? 1}"
            limits:
              cpu: "${o.cpusPerTask ?? 1}"
          volumeMounts:
            - { name: spec, mountPath: /sweep, readOnly: true }
            - { name: results, mountPath: /results }
      volumes:
        - name: spec
          configMap: { name: ${name}-spec }
        - name: results
          persistentVolumeClaim: { claimName: landscape-lab-results }
`;
}

function writeAtomic(path: string, text: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

const isCount = (v: unknown, min: number, max: number): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

/** Which field of a parsed cluster.json is not what sweep --slurm writes; null when all are. */
function manifestFault(m: unknown): string | null {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'not a JSON object';
  const o = m as Record<string, unknown>;
  if (o.format !== 1) return 'format: must be 1';
  if (typeof o.specHash !== 'string' || !/^[0-9a-f]{16,128}$/.test(o.specHash)) return 'specHash: must be a hex hash';
  if (typeof o.name !== 'string' || o.name.length > 1000) return 'name: must be a string of at most 1000 characters';
  if (!isCount(o.shards, 1, MAX_SHARDS)) return `shards: must be an integer from 1 to ${MAX_SHARDS}`;
  if (!isCount(o.runsTotal, 1, Number.MAX_SAFE_INTEGER)) return 'runsTotal: must be a positive integer';
  if (typeof o.db !== 'string' || o.db === '' || o.db.includes('\0')) return 'db: must be a file path';
  if (o.nodeLocal !== undefined && typeof o.nodeLocal !== 'boolean') return 'nodeLocal: must be true or false';
  if (!Array.isArray(o.ranges) || o.ranges.length !== o.shards) return 'ranges: must list one [from, to] per shard';
  let next = 0;
  for (const [k, r] of o.ranges.entries()) {
    if (!Array.isArray(r) || r.length !== 2 || r[0] !== next || !isCount(r[1], next, o.runsTotal)) return `ranges[${k}]: must be [from, to], integers that continue the previous shard's range, within runsTotal`;
    next = r[1] as number;
  }
  if (next !== o.runsTotal) return 'ranges: must cover every run up to runsTotal';
  return null;
}

/** The folder's cluster.json, read through the file guard and checked field by field. */
export function readManifest(dir: string): ClusterManifest {
  const made = `it is made by landscape-lab sweep SPEC --slurm --dir ${dir}`;
  if (!existsSync(dir) && regularFile(dir, 'a cluster folder') === null) throw new InputError(`${dir}: has no ${MANIFEST}; ${made}`);
  checkFolder(dir, `a cluster folder holds ${MANIFEST}; ${made}`);
  const path = join(dir, MANIFEST);
  const bytes = readOptionalFile(path, FILE_LIMITS.manifest, `a cluster manifest (${MANIFEST})`);
  if (bytes === null) throw new InputError(`${dir}: has no ${MANIFEST}; ${made}`);
  let m: unknown;
  try {
    m = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new InputError(`${path}: is not JSON, so not a cluster manifest; make the folder again with sweep --slurm`);
  }
  const fault = manifestFault(m);
  if (fault) throw new InputError(`${path}: is not a cluster manifest this version reads (${fault}); make the folder again with sweep --slurm`);
  return m as ClusterManifest;
}

/**
 * Writes the cluster folder for a sweep: spec.json, cluster.json, shards.sbatch, merge.sbatch,
 * submit.sh (and job.yaml with `k8s`). A folder holding another sweep's files is refused; the same
 * sweep's folder is written again (its shard databases are kept).
 */
export function writeClusterFolder(dirInput: string, spec: SweepSpec, specHash: string, plan: ShardPlan, db: string, o: SlurmOptions & { k8s?: boolean }): { dir: string; files: string[]; manifest: ClusterManifest } {
  checkSlurmOptions(o);
  if (dirInput.trim() === '') throw new InputError('--dir: must name a folder (got "")');
  const dir = resolve(dirInput);
  if (/[\u0000-\u001f\u007f]/.test(dir)) throw new InputError(`--dir: ${JSON.stringify(dir)} has control characters (a newline, a tab); choose another folder`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError(`--dir: ${dir} is not a folder`);
  if (existsSync(dir) && regularFile(join(dir, MANIFEST), `a cluster manifest (${MANIFEST})`, FILE_LIMITS.manifest)) {
    const old = readManifest(dir);
    if (old.specHash !== specHash || old.shards !== plan.count) {
      throw new InputError(`--dir: ${dir} already holds the cluster files of ${old.specHash === specHash ? `this sweep in ${old.shards} shards` : `another sweep ("${old.name}")`}; choose another folder`);
    }
  }
  try {
    for (const sub of ['', 'shards', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  } catch (e) {
    throw new InputError(`--dir: ${dir} cannot be made (${(e as NodeJS.ErrnoException).code})`);
  }
  const manifest: ClusterManifest = {
    format: 1,
    specHash,
    name: spec.name ?? 'sweep',
    shards: plan.count,
    runsTotal: plan.runsTotal,
    ranges: plan.shards.map((s) => [s.runFrom, s.runTo]),
    db: resolve(db),
    nodeLocal: o.nodeLocal ?? false,
    appVersion: APP_VERSION,
    createdAt: new Date().toISOString(),
  };
  const files: [string, string, number?][] = [
    ['spec.json', `${JSON.stringify(spec, null, 2)}\n`],
    [MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`],
    ['shards.sbatch', shardScript(dir, manifest, o), 0o755],
    ['merge.sbatch', mergeScript(dir, manifest, o), 0o755],
    ['submit.sh', submitScript(dir), 0o755],
    ...(o.k8s ? ([['job.yaml', k8sManifest(manifest, o)]] as [string, string][]) : []),
  ];
  try {
    for (const [name, text, mode] of files) writeAtomic(join(dir, name), text, mode);
  } catch (e) {
    throw new InputError(`--dir: ${dir} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return { dir, files: files.map(([name]) => join(dir, name)), manifest };
}

/** Runs submit.sh (sbatch for the array, then for the merge); returns the job ids. */
export function submit(dir: string, only?: string): { shardsJob: string; mergeJob: string } {
  if (only !== undefined && !/^\d+([-,]\d+)*$/.test(only)) throw new InputError(`shards to submit: must be SLURM array indices such as 2 or 1,3 or 0-3 (got ${quoted(only)})`);
  const r = spawnSync('bash', [join(dir, 'submit.sh'), ...(only ? [only] : [])], { encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError('--submit: bash was not found');
  const shards = /^shards: job (\S+)$/m.exec(r.stdout ?? '');
  const merge = /^merge: job (\S+)$/m.exec(r.stdout ?? '');
  if (r.status !== 0 || !shards || !merge) {
    const why = (r.stderr || r.stdout || '').trim().split('\n').pop() || `exit ${r.status}`;
    throw new InputError(`--submit: sbatch failed (${why}); the scripts are in ${dir}, submit them with bash ${join(dir, 'submit.sh')} on the login node`);
  }
  return { shardsJob: shards[1], mergeJob: merge[1] };
}

/** The commands to run on the login node. */
export function loginCommands(dir: string): string[] {
  return [`bash ${sh(join(dir, 'submit.sh'))}`, `landscape-lab sweep --status ${sh(dir)}`];
}
